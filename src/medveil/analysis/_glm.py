"""Federated generalized linear models, equal to statsmodels' GLM on the pooled rows.

The coordinator half of :mod:`medveil.analysis._glm_node`. Rounds:

1. ``glm.levels``: each model column's kind, and the labels of the categorical
   columns; the coordinator unites them (sorted like patsy) so every site builds
   the same design.
2. ``glm.summary``: pooled row count, rows dropped for missing values, design sums
   (to choose power-of-two column scales), and per-level counts (cells: a level
   that fewer than ``min_cell`` records hold at a site is refused there, never
   merged silently).
3. ``glm.irls`` repeatedly: statsmodels' starting values, then Newton / IRLS
   steps β ← (X'WX)⁻¹X'Wz from the pooled normal equations, until the deviance
   changes by at most ``tol`` relative (1e-10), at most ``max_iter`` (50) steps.
   The last round, at the final β, gives the deviance, the log-likelihood and
   X'WX for the covariance.

With an offset or exposure the null deviance needs a fit of its own (intercept
and offset only), run the same way.

Privacy cost: per site, the count of complete rows and of each category level
(cells, 0 or >= min_cell); pooled only, the design's column sums and squares,
X'WX and X'Wz at each step, deviance, Pearson chi-square and log-likelihood
sums, and the count of rows fitted at probability 0 or 1. No per-site
coefficient exists anywhere.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from medveil.analysis._aggregator import Aggregator
from medveil.analysis._contribution import Totals
from medveil.analysis._families import Family, family
from medveil.analysis._formula import build_design, parse_formula
from medveil.analysis._json import JsonResult
from medveil.errors import InputError, MedveilError, ModelError

__all__ = ["Coefficient", "GlmResult", "glm", "natural_sorted"]

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]
MAX_RESTARTS = 2
STEP_TOL = 1e-11  # largest IRLS step (scaled coefficients) at convergence


def natural_sorted(labels: Sequence[str]) -> list[str]:
    """Category labels in patsy's order: numerically if all are numbers, else as text."""
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)


@dataclass(frozen=True, eq=False)
class Coefficient(JsonResult):
    """One row of a regression table."""

    name: str
    estimate: float
    std_error: float
    z: float
    p_value: float
    ci_lower: float
    ci_upper: float


@dataclass(frozen=True, eq=False)
class GlmResult(JsonResult):
    """A fitted GLM over the pooled rows of every site (statsmodels' names).

    ``n`` rows were used (complete in every model column), ``n_dropped`` left out
    for missing values (both totals over sites only); ``wnobs`` is the sum of the
    case weights (``n`` without weights). ``scale`` is 1 for binomial and poisson,
    Pearson chi-square / df_resid for gaussian. Intervals and p-values use the
    normal distribution, as statsmodels' GLM does by default.
    """

    dataset: str
    where: str | None
    formula: str
    family: str
    link: str
    offset: str | None
    exposure: str | None
    weights: str | None
    names: tuple[str, ...]
    params: F64
    bse: F64
    zvalues: F64
    pvalues: F64
    conf_int: F64
    cov_params: F64
    alpha: float
    n: int
    n_dropped: int
    wnobs: float
    df_model: int
    df_resid: float
    deviance: float
    null_deviance: float
    pearson_chi2: float
    scale: float
    llf: float
    llnull: float
    aic: float
    bic: float
    iterations: int
    converged: bool
    n_sites: int

    def coefficients(self) -> list[Coefficient]:
        return [
            Coefficient(name, float(b), float(se), float(z), float(p), float(lo), float(hi))
            for name, b, se, z, p, (lo, hi) in zip(
                self.names, self.params, self.bse, self.zvalues, self.pvalues, self.conf_int,
                strict=True,
            )
        ]

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["coefficients"] = [c.to_dict() for c in self.coefficients()]
        return out

    @property
    def odds_ratios(self) -> F64:
        """exp(params): odds ratios for a logit link, rate ratios for a log link."""
        return np.exp(self.params)


@dataclass
class _Fit:
    beta: F64  # scaled
    xtwx: F64
    totals: Totals  # of the last round, at beta
    start: Totals  # of the first round (statsmodels' starting values; null model sums)
    iterations: int


class _Study:
    """The rounds of one fit, restarted if the set of sites changes mid-fit."""

    def __init__(self, agg: Aggregator, dataset: str, where: str | None) -> None:
        self.agg = agg
        self.dataset = dataset
        self.where = where
        self.sites = self._sites()

    def _sites(self) -> tuple[str, ...] | None:
        active = getattr(self.agg, "active", None)
        return tuple(active) if active is not None else None

    def round(self, op: str, params: Mapping[str, Any]) -> Totals:
        totals = self.agg.aggregate(op, self.dataset, self.where, params)
        if self._sites() != self.sites:
            raise _SitesChanged
        return totals


class _SitesChanged(MedveilError):
    pass


def _dependent_column(xtwx: F64, names: Sequence[str]) -> str | None:
    """The first design column that is (numerically) a combination of earlier ones."""
    d = np.sqrt(np.clip(np.diag(xtwx), 0.0, None))
    if (d == 0).any():
        return names[int(np.argmax(d == 0))]
    corr = xtwx / np.outer(d, d)
    for j in range(1, len(names) + 1):
        sub = corr[:j, :j]
        eig = np.linalg.eigvalsh(sub)
        if eig[0] <= 1e-11 * max(eig[-1], 1.0):
            return names[j - 1]
    return None


def _solve(xtwx: F64, xtwz: F64, names: Sequence[str]) -> F64:
    bad = _dependent_column(xtwx, names)
    if bad is not None:
        raise ModelError(
            f"the design is singular: column {bad!r} is a linear combination of the columns "
            "before it (or constant zero) in the pooled data; drop it or merge its levels"
        )
    return np.asarray(np.linalg.solve(xtwx, xtwz), dtype=np.float64)


def _irls(
    study: _Study,
    spec: Mapping[str, Any],
    names: Sequence[str],
    *,
    max_iter: int,
    tol: float,
    fam: Family,
) -> _Fit:
    beta: F64 | None = None
    dev_prev: float | None = None
    start: Totals | None = None
    for step in range(max_iter + 1):
        if beta is None:  # the null model's sums do not depend on beta: first round only
            params = {**spec, "beta": None}
        else:
            params = {**spec, "beta": [float(b) for b in beta], "null_mu": None}
        t = study.round("glm.irls", params)
        if start is None:
            start = t
        dev = float(t.sums["dev"][0])
        if beta is not None and fam.name == "binomial" and t.sums["boundary"][0] > 0 and step > 1:
            raise ModelError(
                "perfect or quasi-complete separation: "
                f"{round(t.sums['boundary'][0])} rows are fitted with probability 0 or 1, "
                "so the maximum-likelihood estimate does not exist (a coefficient is infinite); "
                "remove or merge the covariate that separates the outcome"
            )
        xtwx = np.asarray(t.sums["xtwx"], dtype=np.float64)
        new = _solve(xtwx, np.asarray(t.sums["xtwz"], dtype=np.float64), names)
        if not np.isfinite(new).all():
            raise ModelError("the IRLS step is not finite; the model cannot be fit")
        # Converged: the deviance settled (the criterion asked for) and the next step is
        # negligible, so beta is the estimate to well below 1e-8 relative even where
        # IRLS converges linearly (non-canonical links).
        if (
            beta is not None
            and dev_prev is not None
            and abs(dev - dev_prev) <= tol * (abs(dev) + 0.1)
            and np.max(np.abs(new - beta)) <= STEP_TOL * (1.0 + np.max(np.abs(beta)))
        ):
            return _Fit(beta, xtwx, t, start, step)
        if step == max_iter:
            break
        beta, dev_prev = new, dev
        logger.debug("glm step %d: deviance %.12g", step + 1, dev)
    raise ModelError(
        f"the fit did not converge in {max_iter} iterations (last deviance {dev:.10g}); "
        "check for separation or collinearity, or simplify the model"
    )


def _power_of_two(rms: float) -> float:
    if not math.isfinite(rms) or rms <= 1.0:
        return 1.0
    return float(2.0 ** round(math.log2(rms)))


def glm(
    agg: Aggregator,
    dataset: str,
    formula: str,
    *,
    family_name: str = "gaussian",
    link: str | None = None,
    where: str | None = None,
    offset: str | None = None,
    exposure: str | None = None,
    weights: str | None = None,
    max_iter: int = 50,
    tol: float = 1e-10,
    alpha: float = 0.05,
) -> GlmResult:
    """Fit ``formula`` by federated IRLS; equal to statsmodels' ``smf.glm`` on the pooled rows.

    ``family_name`` is binomial (links logit, probit), gaussian (identity, log) or
    poisson (log, identity); ``offset`` names a column added to the linear predictor,
    ``exposure`` one whose log is; ``weights`` names frequency (case) weights, as
    statsmodels' ``freq_weights``. Rows missing any model value are dropped (only
    the total is reported). Raises :class:`ModelError` for perfect separation, a
    singular design or non-convergence, :class:`InputError` for unknown columns or
    mismatched column kinds across sites, and the sites' DisclosureRefusal for a
    model too large for a site's records (max_param_ratio), a saturated design or
    a rare category level.
    """
    if not 0.0 < alpha < 1.0:
        raise InputError("alpha must be in (0, 1)", field="alpha")
    if not 1 <= max_iter <= 1000:
        raise InputError("max_iter must be in 1..1000", field="max_iter")
    fam = family(family_name, link)
    parsed = parse_formula(formula)
    spec: dict[str, Any] = {"formula": formula, "family": fam.name, "link": fam.link,
                            "offset": offset, "exposure": exposure, "weights": weights}
    for attempt in range(MAX_RESTARTS + 1):
        try:
            return _fit(_Study(agg, dataset, where), spec, parsed.response, fam,
                        max_iter=max_iter, tol=tol, alpha=alpha)
        except _SitesChanged:
            logger.warning("the set of sites changed during the fit; starting it again")
            if attempt == MAX_RESTARTS:
                raise ModelError("the set of sites kept changing; the fit was abandoned") from None
    raise AssertionError("unreachable")


def _agreed(totals: Totals, columns: Sequence[str], response: str,
            forced: frozenset[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    kinds: dict[str, str] = {}
    for col in columns:
        found = totals.levels.get(f"kind/{col}", ())
        if len(found) != 1:
            raise InputError(f"column {col!r} is numeric at some sites and text at others",
                             field=col)
        kinds[col] = found[0]
    if kinds[response] != "numeric":
        raise InputError(f"response {response!r} must be numeric (0/1 for binomial)",
                         field=response)
    levels = {
        col: natural_sorted(totals.levels.get(f"levels/{col}", ()))
        for col in columns
        if col != response and (kinds[col] == "categorical" or col in forced)
    }
    for col, lv in levels.items():
        if not lv:
            raise InputError(f"column {col!r} has no values in the complete rows", field=col)
    return {c: k for c, k in kinds.items() if c != response}, levels


def _fit(study: _Study, spec: dict[str, Any], response: str, fam: Family, *,
         max_iter: int, tol: float, alpha: float) -> GlmResult:
    parsed = parse_formula(spec["formula"])
    lv_totals = study.round("glm.levels", spec)
    kinds, levels = _agreed(lv_totals, parsed.columns(), response, parsed.forced_categorical)
    design = build_design(parsed, kinds, levels)
    names = design.names
    spec = {**spec, "kinds": kinds, "levels": levels}
    s = study.round("glm.summary", spec)
    n = int(s.cells["n"][0])
    wnobs = float(s.sums["wsum"][0])
    if wnobs <= 0:
        raise ModelError("the case weights sum to zero")
    n_dropped = round(float(s.sums["n_dropped"][0]))
    rms = np.sqrt(np.asarray(s.sums["x2sum"]) / wnobs)
    scales = np.array([_power_of_two(float(r)) for r in rms])
    y_scale = 1.0
    if fam.name == "gaussian" and fam.link == "identity":
        y_scale = _power_of_two(math.sqrt(float(s.sums["y2sum"][0]) / wnobs))
    y_mean = float(s.sums["ysum"][0]) / wnobs
    has_offset = spec["offset"] is not None or spec["exposure"] is not None
    irls_spec = {**spec, "scales": [float(v) for v in scales], "y_scale": y_scale,
                 "y_mean": y_mean / y_scale,
                 "null_mu": None if has_offset else y_mean / y_scale}
    fit = _irls(study, irls_spec, names, max_iter=max_iter, tol=tol, fam=fam)
    t = fit.totals
    p = len(names)
    beta = fit.beta / scales * y_scale
    inv = np.linalg.inv(fit.xtwx)
    dev = float(t.sums["dev"][0]) * y_scale**2
    pearson = float(t.sums["pearson"][0]) * y_scale**2
    ssr = float(t.sums["ssr"][0]) * y_scale**2
    df_resid = wnobs - p
    df_model = p - 1
    scale = pearson / df_resid if fam.estimates_scale and df_resid > 0 else 1.0
    if fam.estimates_scale and df_resid <= 0:
        raise ModelError("no residual degrees of freedom to estimate the scale")
    cov = inv * scale / np.outer(scales, scales)  # scale is in the response's units
    bse = np.sqrt(np.diag(cov))
    zvalues = beta / bse
    pvalues = 2.0 * stats.norm.sf(np.abs(zvalues))
    q = stats.norm.ppf(1.0 - alpha / 2.0)
    conf = np.column_stack([beta - q * bse, beta + q * bse])
    if fam.estimates_scale:
        if fam.link == "identity":
            llf = -wnobs / 2.0 * (math.log(2.0 * math.pi * ssr / wnobs) + 1.0)
        else:
            llf = -ssr / (2.0 * scale) - wnobs / 2.0 * math.log(2.0 * math.pi * scale)
    else:
        llf = float(t.sums["loglik"][0])
    if has_offset:
        null_spec = {**spec, "formula": f"{_quoted(response)} ~ 1", "kinds": {}, "levels": {}}
        null_fit = _irls(study, {**irls_spec, **null_spec, "scales": [1.0], "null_mu": None,
                                 "same_rows_as": spec["formula"]},
                         ("Intercept",), max_iter=max_iter, tol=tol, fam=fam)
        nt = null_fit.totals
        null_dev = float(nt.sums["dev"][0]) * y_scale**2
        if fam.estimates_scale:
            null_ssr = float(nt.sums["ssr"][0]) * y_scale**2
            llnull = -null_ssr / (2.0 * scale) - wnobs / 2.0 * math.log(2.0 * math.pi * scale)
        else:
            llnull = float(nt.sums["loglik"][0])
    else:
        st = fit.start
        null_dev = float(st.sums["null_dev"][0]) * y_scale**2
        if fam.estimates_scale:
            llnull = -null_dev / (2.0 * scale) - wnobs / 2.0 * math.log(2.0 * math.pi * scale)
        else:
            llnull = float(st.sums["null_loglik"][0])
    aic = -2.0 * llf + 2.0 * (df_model + 1)
    bic = -2.0 * llf + (df_model + 1) * math.log(max(wnobs, 1.0))
    for arr in (beta, bse, zvalues, pvalues, conf, cov):
        arr.setflags(write=False)
    return GlmResult(
        dataset=study.dataset, where=study.where, formula=spec["formula"], family=fam.name,
        link=fam.link, offset=spec["offset"], exposure=spec["exposure"],
        weights=spec["weights"], names=tuple(names), params=beta, bse=bse, zvalues=zvalues,
        pvalues=pvalues, conf_int=conf, cov_params=cov, alpha=alpha, n=n,
        n_dropped=n_dropped, wnobs=wnobs, df_model=df_model, df_resid=df_resid,
        deviance=dev, null_deviance=null_dev, pearson_chi2=pearson, scale=scale, llf=llf,
        llnull=llnull, aic=aic, bic=bic, iterations=fit.iterations, converged=True,
        n_sites=t.n_sites,
    )


def _quoted(column: str) -> str:
    return column if column.isidentifier() else f'Q("{column}")'
