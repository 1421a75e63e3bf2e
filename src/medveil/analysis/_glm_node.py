"""Node halves of the federated GLM: one site's rows to IRLS sufficient statistics.

Three ops, each a pure function of the site's (row-filtered) table and the params:

* ``glm.levels``: the kind (numeric / categorical) of every model column and the
  labels of the categorical ones among the rows complete in all model columns
  (labels travel in the clear, as in ``stats.levels``). No counts.
* ``glm.summary``: with the agreed kinds and levels, the design's column sums and
  sums of squares (to choose a common power-of-two scaling), the response's sums,
  the weighted row count and the rows dropped for missing values (sums: only the
  pooled totals are seen), and the count of rows per category level (cells, so
  every level count this site contributes is 0 or >= min_cell).
* ``glm.irls``: at coefficients ``beta`` (or at statsmodels' starting values when
  beta is null) the IRLS normal equations X'WX and X'Wz, the deviance, Pearson
  chi-square, residual sum of squares, log-likelihood, the null model's deviance
  and log-likelihood at the pooled mean, and the number of rows fitted at a
  probability of 0 or 1 (perfect separation).

Disclosure rules applied here, at the site, on every request: the model's
parameter count against ``max_param_ratio`` x the site's complete rows (via the
contribution's ``n_parameters``), a saturated design (no more distinct covariate
patterns than parameters at this site: the fit would reproduce the site's
responses) is refused, and nothing per-site is ever solved: no op returns
coefficients.

Scaling: the coordinator sends one power of two per design column (and one for a
gaussian response), chosen from pooled root-mean-squares, so that sums stay well
inside the fixed-point range of secure aggregation. Dividing by a power of two is
exact in binary floating point, so the coordinator maps the solution back exactly.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import Field, model_validator
from scipy import special

from medveil.analysis._contribution import Contribution
from medveil.analysis._families import LINKS, Family, family
from medveil.analysis._formula import Design, build_design, column_kind, parse_formula
from medveil.analysis._frame import labels, numbers, require_columns
from medveil.analysis._memo import FrameMemo
from medveil.analysis._params import MAX_COLUMNS, MAX_LEVELS, Name, _Params
from medveil.errors import DisclosureRefusal, InputError

__all__ = [
    "GlmIrlsParams",
    "GlmLevelsParams",
    "GlmSummaryParams",
    "glm_columns",
    "glm_irls",
    "glm_levels",
    "glm_summary",
    "surv_summary",
]

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]


class GlmSpec(_Params):
    """The model: formula, family and link, and optional offset/exposure/weights columns."""

    formula: str = Field(min_length=3, max_length=2000)
    family: Literal["binomial", "gaussian", "poisson"]
    link: str
    offset: Name | None = None
    exposure: Name | None = None
    weights: Name | None = None
    require: list[Name] = Field(default_factory=list, max_length=8)  # must be non-missing

    @model_validator(mode="after")
    def _check_spec(self) -> GlmSpec:
        if self.link not in LINKS[self.family]:
            raise ValueError(f"link {self.link!r} is not available for {self.family}")
        return self


class GlmLevelsParams(GlmSpec):
    """``glm.levels``: kinds of the model columns and labels of the categorical ones."""


class GlmSummaryParams(GlmSpec):
    """``glm.summary``: design sums with the agreed ``kinds`` and ``levels``."""

    kinds: dict[str, Literal["numeric", "categorical"]] = Field(max_length=MAX_COLUMNS)
    levels: dict[str, list[str]] = Field(max_length=MAX_COLUMNS)

    @model_validator(mode="after")
    def _check_levels(self) -> GlmSummaryParams:
        for name, lv in self.levels.items():
            if not 1 <= len(lv) <= MAX_LEVELS or len(set(lv)) != len(lv):
                raise ValueError(f"levels of {name!r}: 1 to {MAX_LEVELS} distinct labels")
        return self


class GlmIrlsParams(GlmSummaryParams):
    """``glm.irls``: one IRLS evaluation at ``beta`` (null: statsmodels' start).

    ``scales``: the power of two each design column is divided by; ``y_scale`` the
    one the response (and offset) is divided by (gaussian identity only, else 1).
    ``y_mean``: the pooled mean response, for the starting values. ``null_mu``: the
    null model's fitted mean (the weighted mean response, scaled), or null.
    ``same_rows_as``: another formula whose complete rows this fit must use (the
    null model of a fit with an offset is fitted on the full model's rows).
    """

    scales: list[float] = Field(min_length=1, max_length=MAX_COLUMNS * 16)
    y_scale: float = 1.0
    beta: list[float] | None = None
    y_mean: float = 0.0
    null_mu: float | None = None
    same_rows_as: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _check_irls(self) -> GlmIrlsParams:
        if any(not s > 0 for s in self.scales) or not self.y_scale > 0:
            raise ValueError("scales must be positive")
        if self.beta is not None and len(self.beta) != len(self.scales):
            raise ValueError("one coefficient per design column")
        return self


@dataclass(frozen=True)
class _ModelFrame:
    """One site's complete rows of a model: design, response, offset, case weights."""

    design: Design
    x: F64
    y: F64
    offset: F64
    weights: F64
    n_dropped: int
    complete: NDArray[np.bool_]


def glm_columns(params: Mapping[str, object]) -> set[str]:
    """The data columns a GLM request reads (for the node's identifier check)."""
    cols: set[str] = set()
    formula = params.get("formula")
    if isinstance(formula, str):
        with contextlib.suppress(InputError):  # the op itself reports a bad formula
            cols.update(parse_formula(formula).columns())
    for key in ("offset", "exposure", "weights"):
        value = params.get(key)
        if isinstance(value, str):
            cols.add(value)
    return cols


def _extra_columns(spec: GlmSpec) -> list[str]:
    return [c for c in (spec.offset, spec.exposure, spec.weights) if c is not None] + list(
        spec.require)


def _complete_mask(df: pd.DataFrame, spec: GlmSpec) -> NDArray[np.bool_]:
    """Rows with a value in every column the model reads (listwise deletion)."""
    formula = parse_formula(spec.formula)
    cols = formula.columns() + _extra_columns(spec)
    require_columns(df, cols)
    mask = np.ones(len(df), dtype=bool)
    for c in cols:
        mask &= ~df[c].isna().to_numpy(dtype=bool)
    return mask


_FRAMES: FrameMemo[_ModelFrame] = FrameMemo()
# the params that define a model frame (not beta, scales, y_mean, null_mu)
_FRAME_KEYS = ("formula", "family", "link", "offset", "exposure", "weights", "require", "kinds",
               "levels", "same_rows_as")


def _model_frame(df: pd.DataFrame, spec: GlmSummaryParams, fam: Family) -> _ModelFrame:
    """The site's complete model rows, reused across the IRLS rounds of one fit."""
    key = {k: getattr(spec, k, None) for k in _FRAME_KEYS}
    return _FRAMES.get(df, key, lambda: _build_model_frame(df, spec, fam))


def _build_model_frame(df: pd.DataFrame, spec: GlmSummaryParams, fam: Family) -> _ModelFrame:
    formula = parse_formula(spec.formula)
    for col, kind in spec.kinds.items():
        require_columns(df, [col])
        mine = column_kind(df[col])
        if mine != kind and not (kind == "categorical" and col in formula.forced_categorical):
            raise InputError(
                f"column {col!r} is {mine} at this site but {kind} in the study", field=col
            )
    design = build_design(formula, spec.kinds, spec.levels)
    x_all = design.matrix(df)
    y_all = numbers(df, formula.response)
    complete = ~np.isnan(x_all).any(axis=1) & ~np.isnan(y_all)
    offset_all = np.zeros(len(df))
    if spec.offset is not None:
        offset_all = offset_all + numbers(df, spec.offset)
    if spec.exposure is not None:
        exposure = numbers(df, spec.exposure)
        if (exposure[~np.isnan(exposure)] <= 0).any():
            raise InputError(f"exposure {spec.exposure!r} must be positive",
                             field=spec.exposure)
        with np.errstate(invalid="ignore", divide="ignore"):
            offset_all = offset_all + np.log(exposure)
    complete &= ~np.isnan(offset_all)
    for col in spec.require:
        require_columns(df, [col])
        complete &= ~df[col].isna().to_numpy(dtype=bool)
    same_rows_as = getattr(spec, "same_rows_as", None)
    if same_rows_as is not None:
        for col in parse_formula(same_rows_as).columns():
            require_columns(df, [col])
            complete &= ~df[col].isna().to_numpy(dtype=bool)
    weights_all = np.ones(len(df))
    if spec.weights is not None:
        weights_all = numbers(df, spec.weights)
        bad = weights_all[~np.isnan(weights_all)]
        if (bad < 0).any():
            raise InputError(f"weights {spec.weights!r} must be >= 0", field=spec.weights)
        complete &= ~np.isnan(weights_all)
    y = y_all[complete]
    fam.check_response(y, formula.response)
    return _ModelFrame(
        design=design,
        x=np.ascontiguousarray(x_all[complete]),
        y=y,
        offset=offset_all[complete],
        weights=weights_all[complete],
        n_dropped=int(len(df) - complete.sum()),
        complete=complete,
    )


def _check_saturation(x: F64) -> None:
    p = x.shape[1]
    if len(x) == 0 or p < 2:
        return  # an intercept-only model releases a pooled mean, like a descriptive
    # Cheap exit: a few rows that already hold more than p distinct patterns.
    head = x[: 4 * p + 4]
    if len(np.unique(head, axis=0)) > p:
        return
    patterns = len(x) - int(pd.DataFrame(x).duplicated().sum())
    if patterns <= p:
        raise DisclosureRefusal(
            f"the model has {p} parameters and this site's rows hold no more distinct "
            "covariate patterns (saturated): the fit would reproduce its responses"
        )


def glm_levels(df: pd.DataFrame, p: GlmLevelsParams) -> Contribution:
    formula = parse_formula(p.formula)
    complete = _complete_mask(df, p)
    rows = df[complete]
    found: dict[str, tuple[str, ...]] = {}
    for col in formula.columns():
        kind = column_kind(df[col])
        found[f"kind/{col}"] = (kind,)
        if col != formula.response and (
            kind == "categorical" or col in formula.forced_categorical
        ):
            values, missing = labels(rows, col)
            found[f"levels/{col}"] = tuple(sorted({str(v) for v in values[~missing]}))
    return Contribution(cells={}, sums={}, n_records=int(complete.sum()), levels=found)


def glm_summary(df: pd.DataFrame, p: GlmSummaryParams, *, saturation: bool = True
                ) -> Contribution:
    fam = family(p.family, p.link)
    mf = _model_frame(df, p, fam)
    n_params = len(mf.design.names)
    if saturation:
        _check_saturation(mf.x)
    w = mf.weights
    cells: dict[str, NDArray[np.int64]] = {"n": np.array([len(mf.y)], dtype=np.int64)}
    rows = df[mf.complete]
    for col, lv in sorted(p.levels.items()):
        values, _ = labels(rows, col)
        codes = pd.Categorical(values, categories=lv).codes
        if (codes < 0).any():
            raise InputError(f"column {col!r} holds a level outside the agreed levels",
                             field=col)
        cells[f"level/{col}"] = np.bincount(codes, minlength=len(lv)).astype(np.int64)
    sums = {
        "wsum": np.array([w.sum()]),
        "ysum": np.array([np.dot(w, mf.y)]),
        "y2sum": np.array([np.dot(w, mf.y * mf.y)]),
        "ylogy": np.array([np.dot(w, special.xlogy(mf.y, mf.y))]),
        "xsum": w @ mf.x,
        "x2sum": w @ (mf.x * mf.x),
        "n_dropped": np.array([float(mf.n_dropped)]),
    }
    return Contribution(cells=cells, sums=sums, n_records=len(mf.y), n_parameters=n_params)


def surv_summary(df: pd.DataFrame, p: GlmSummaryParams) -> Contribution:
    """``surv.summary``: ``glm.summary`` for a Cox model's covariates. A Cox model has
    no intercept to saturate (its baseline hazard is not estimated from these sums),
    so the saturation rule does not apply; the parameter ratio and level cells do."""
    contribution = glm_summary(df, p, saturation=False)
    return Contribution(cells=contribution.cells, sums=contribution.sums,
                        n_records=contribution.n_records,
                        n_parameters=max(contribution.n_parameters - 1, 0))


def glm_irls(df: pd.DataFrame, p: GlmIrlsParams) -> Contribution:
    fam = family(p.family, p.link)
    mf = _model_frame(df, p, fam)
    n_params = len(mf.design.names)
    _check_saturation(mf.x)
    if len(p.scales) != n_params:
        raise InputError(f"{len(p.scales)} scales for a design of {n_params} columns",
                         field="scales")
    # The design is used unscaled here (float64 has the range); only the released sums
    # are put on the scaled columns: X_s = X / s gives X_s'WX_s = X'WX / (s sᵀ).
    scales = np.asarray(p.scales)
    x = mf.x
    y = mf.y / p.y_scale
    offset = mf.offset / p.y_scale
    f = mf.weights
    if p.beta is None:
        mu = fam.starting_mu(y, p.y_mean)
        eta = fam.link_of(mu)
    else:
        eta = x @ (np.asarray(p.beta) / scales) + offset
        mu = fam.inverse(eta)
    deriv = fam.deriv(mu)
    var = fam.variance(mu)
    w = f / (deriv * deriv * var)
    z = (eta - offset) + (y - mu) * deriv
    root_w = np.sqrt(w)
    xs = x * root_w[:, None]
    resid = y - mu
    sums: dict[str, F64] = {
        "xtwx": (xs.T @ xs) / np.outer(scales, scales),  # A'A: one symmetric product
        "xtwz": (xs.T @ (root_w * z)) / scales,
        "dev": np.array([np.dot(f, fam.deviance_rows(y, mu))]),
        "pearson": np.array([np.dot(f, resid * resid / var)]),
        "ssr": np.array([np.dot(f, resid * resid)]),
    }
    if fam.name == "binomial":
        boundary = (mu < 1e-10) | (mu > 1.0 - 1e-10)
        sums["boundary"] = np.array([float(np.count_nonzero(boundary & (f > 0)))])
    else:
        sums["boundary"] = np.zeros(1)
    if not fam.estimates_scale:
        sums["loglik"] = np.array([np.dot(f, fam.loglike_rows(y, mu))])
    if p.null_mu is not None:
        null = np.full_like(y, p.null_mu)
        sums["null_dev"] = np.array([np.dot(f, fam.deviance_rows(y, null))])
        if not fam.estimates_scale:
            sums["null_loglik"] = np.array([np.dot(f, fam.loglike_rows(y, null))])
    return Contribution(cells={}, sums=sums, n_records=len(y), n_parameters=n_params)
