"""Node halves of federated survival analysis on a study time grid.

Durations are put on the grid the study fixes (see
:mod:`medveil.analysis._survival_math`): grid point k is (k + 1) x width, a row
beyond the last point is censored there. Ops:

* ``surv.levels`` / ``surv.summary``: the GLM design rounds (``glm.levels``,
  ``glm.summary``) for a Cox model's covariates, under survival names so a site's
  access rules can allow survival without allowing regression of other kinds.
* ``surv.plan``: per grid point, 1 if this site could release the counts at that
  point if the grid ended there, else 0 (a sum: only the number of sites that could
  is seen). A point qualifies when, per group, the site's events, censorings and
  rows still at risk after it are each 0 or >= min_cell. The coordinator truncates
  the grid before the first point some site cannot release, or coarsens it.
* ``surv.km``: per group and grid point, events and censorings (cells: each 0 or
  >= min_cell at the site, or the site refuses).
* ``surv.cox``: at coefficients beta, the risk-set and event-set sums of
  exp(eta), exp(eta) x, exp(eta) x xᵀ per (stratum and) grid point, and the event
  count per point (cells); with ``strata_by_site`` the site's own stratum's log
  partial likelihood, gradient and Hessian instead (sums; no grid sums leave).

Every request's grid width is checked against the site's ``min_time_grid``, and
a Cox model's parameter count against ``max_param_ratio``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import Field, model_validator

from medveil.analysis._contribution import Contribution
from medveil.analysis._formula import build_design, parse_formula
from medveil.analysis._frame import label_codes, numbers, require_columns
from medveil.analysis._memo import FrameMemo
from medveil.analysis._params import MAX_COLUMNS, MAX_LEVELS, Name, _Params
from medveil.analysis._survival_math import cox_objective, cox_sums, grid_index, km_counts
from medveil.errors import DisclosureRefusal, InputError
from medveil.policy import DisclosureThresholds

__all__ = ["CoxParams", "KmParams", "PlanParams", "surv_cox", "surv_km", "surv_plan"]

logger = logging.getLogger(__name__)

MAX_GRID_POINTS = 5000


class SurvSpec(_Params):
    """Time and event columns, the grid, and optional groups (KM) or strata (Cox)."""

    time: Name
    event: Name
    width: float = Field(gt=0.0)
    n_points: int = Field(ge=1, le=MAX_GRID_POINTS)
    by: Name | None = None
    levels: list[str] | None = Field(default=None, max_length=MAX_LEVELS)
    covariates: str | None = Field(default=None, max_length=2000)  # "~ age + C(stage)"
    kinds: dict[str, Literal["numeric", "categorical"]] = Field(
        default_factory=dict, max_length=MAX_COLUMNS)
    design_levels: dict[str, list[str]] = Field(default_factory=dict, max_length=MAX_COLUMNS)

    @model_validator(mode="after")
    def _check_spec(self) -> SurvSpec:
        if (self.by is None) != (self.levels is None):
            raise ValueError("'by' and 'levels' come together")
        if self.levels is not None and len(set(self.levels)) != len(self.levels):
            raise ValueError("levels repeat a label")
        return self


class PlanParams(SurvSpec):
    """``surv.plan``: which grid points this site could end a release at."""


class KmParams(SurvSpec):
    """``surv.km``: events and censorings per group and grid point."""


class CoxParams(SurvSpec):
    """``surv.cox``: risk-set sums at ``beta`` (scaled, centred covariates)."""

    beta: list[float] = Field(min_length=1, max_length=MAX_COLUMNS * 16)
    center: list[float]
    scales: list[float]
    ties: Literal["efron", "breslow"] = "efron"
    strata_by_site: bool = False

    @model_validator(mode="after")
    def _check_cox(self) -> CoxParams:
        if self.covariates is None:
            raise ValueError("a Cox model needs covariates")
        if not len(self.beta) == len(self.center) == len(self.scales):
            raise ValueError("beta, center and scales need one value per design column")
        if any(not s > 0 for s in self.scales):
            raise ValueError("scales must be positive")
        return self


@dataclass(frozen=True)
class _Rows:
    k: NDArray[np.int64]
    event: NDArray[np.bool_]
    groups: NDArray[np.int64]
    n_groups: int
    x: NDArray[np.float64] | None
    n_params: int


def _design_formula(p: SurvSpec) -> str | None:
    if p.covariates is None:
        return None
    rhs = p.covariates.strip()
    if not rhs.startswith("~"):
        raise InputError("covariates are a formula's right-hand side, e.g. '~ age + sex'",
                         field="covariates")
    return f"{p.time} {rhs}"


_ROWS: FrameMemo[_Rows] = FrameMemo()
_ROW_KEYS = ("time", "event", "width", "n_points", "by", "levels", "covariates", "kinds",
             "design_levels")


def _rows(df: pd.DataFrame, p: SurvSpec) -> _Rows:
    """The rows complete in every column the analysis reads, put on the grid (reused across
    the Newton rounds of one fit)."""
    key = {k: getattr(p, k) for k in _ROW_KEYS}
    return _ROWS.get(df, key, lambda: _build_rows(df, p))


def _build_rows(df: pd.DataFrame, p: SurvSpec) -> _Rows:
    require_columns(df, [p.time, p.event])
    time = numbers(df, p.time)
    event_raw = numbers(df, p.event)
    complete = ~np.isnan(time) & ~np.isnan(event_raw)
    x_all = None
    n_params = 0
    formula_text = _design_formula(p)
    if formula_text is not None:
        formula = parse_formula(formula_text)
        design = build_design(formula, p.kinds, p.design_levels)
        names = [n for n in design.names if n != "Intercept"]
        x_all = design.matrix(df)[:, [i for i, n in enumerate(design.names) if n != "Intercept"]]
        complete &= ~np.isnan(x_all).any(axis=1)
        n_params = len(names)
    groups = np.zeros(len(df), dtype=np.int64)
    n_groups = 1
    if p.by is not None and p.levels is not None:
        groups = label_codes(df, p.by, p.levels)
        complete &= groups >= 0
        n_groups = len(p.levels)
    ev = event_raw[complete]
    if not np.isin(ev, (0.0, 1.0)).all():
        raise InputError(f"event column {p.event!r} must be 0/1 (or true/false)", field=p.event)
    k, event = grid_index(time[complete], ev.astype(bool), p.width, p.n_points)
    return _Rows(k=k, event=event, groups=groups[complete], n_groups=n_groups,
                 x=None if x_all is None else np.ascontiguousarray(x_all[complete]),
                 n_params=n_params)


def _ok(counts: NDArray[np.int64], min_cell: int) -> NDArray[np.bool_]:
    return np.asarray((counts == 0) | (counts >= min_cell), dtype=bool)


def surv_plan(df: pd.DataFrame, p: PlanParams, t: DisclosureThresholds) -> Contribution:
    r = _rows(df, p)
    c = km_counts(r.k, r.event, p.n_points, r.groups, r.n_groups)
    events, censored = c["events"], c["censored"]
    leaving = events + censored
    # rows still at risk after point k: they would be censored at k if the grid ended there
    after = np.cumsum(leaving[:, ::-1], axis=1)[:, ::-1] - leaving
    ok = np.asarray(
        (_ok(events, t.min_cell) & _ok(censored, t.min_cell) & _ok(after, t.min_cell)).all(
            axis=0), dtype=bool)
    if not p.width >= t.min_time_grid:
        ok[:] = False  # the request itself will be refused; plan nothing on this grid
    # Only 0/1 indicators leave, summed over sites: the grid check itself applies to the
    # requests that release counts (surv.km, surv.cox), not to this plan.
    return Contribution(cells={}, sums={"ok": ok.astype(np.float64)}, n_records=len(r.k),
                        n_parameters=r.n_params)


def surv_km(df: pd.DataFrame, p: KmParams) -> Contribution:
    r = _rows(df, p)
    c = km_counts(r.k, r.event, p.n_points, r.groups, r.n_groups)
    return Contribution(cells={"events": c["events"], "censored": c["censored"]}, sums={},
                        n_records=len(r.k), time_grid=p.width)


def surv_cox(df: pd.DataFrame, p: CoxParams) -> Contribution:
    r = _rows(df, p)
    assert r.x is not None
    if r.x.shape[1] != len(p.beta):
        raise InputError(f"{len(p.beta)} coefficients for a design of {r.x.shape[1]} columns",
                         field="beta")
    x = (r.x - np.asarray(p.center)) / np.asarray(p.scales)
    sums = cox_sums(r.k, r.event, x, np.asarray(p.beta), p.n_points,
                    strata=None if p.by is None else r.groups, n_strata=r.n_groups,
                    efron=p.ties == "efron")
    d = np.rint(sums["d"]).astype(np.int64)
    if p.strata_by_site:
        if len(r.k) and not r.event.any():
            raise DisclosureRefusal("this site has no events in the study's rows; a stratum "
                                    "by site needs events at every site")
        ll, grad, hess = cox_objective(sums, ties=p.ties)
        out = {"ll": np.array([ll]), "grad": grad, "hess": hess}
    else:
        out = {key: np.asarray(v, dtype=np.float64) for key, v in sums.items() if key != "d"}
    return Contribution(cells={"d": d}, sums=out, n_records=len(r.k), n_parameters=r.n_params,
                        time_grid=p.width)
