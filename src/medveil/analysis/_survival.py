"""Federated Kaplan–Meier, log-rank and Cox proportional hazards on a study time grid.

The coordinator halves of :mod:`medveil.analysis._survival_node`. The study fixes
a grid (``width`` in the time column's units, up to ``horizon``); durations are
put on it and every result equals lifelines / statsmodels on the pooled gridded
rows (see :mod:`medveil.analysis._survival_math` for the convention).

The grid is planned first (``surv.plan``): the coordinator learns, per grid
point, how many sites could release the counts there, and truncates the grid
before the first point some site could not release, or, when that would drop
more than half of it, doubles the width and asks again. Each change is a note
in the result. The sites check every later request again, so no count below
``min_cell`` and no grid finer than ``min_time_grid`` is ever released.

Privacy cost: per site and grid point, event and censoring counts (cells: 0 or
>= min_cell); for Cox, pooled only, the risk-set sums of exp(η), exp(η)x and
exp(η)xxᵀ per grid point (each a sum over at least min_cell rows per site,
since rows leave a site's risk set in groups of 0 or >= min_cell), or with
``strata_by_site`` only the pooled log partial likelihood, gradient and Hessian.
Concordance is not computed: Harrell's C compares every pair of patients across
sites, which sums over a grid cannot give exactly.
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
from medveil.analysis._formula import build_design, parse_formula
from medveil.analysis._glm import MAX_RESTARTS, STEP_TOL, _SitesChanged, _Study, natural_sorted
from medveil.analysis._json import JsonResult
from medveil.analysis._survival_math import KMCurve, LogRank, cox_objective, km_curve, logrank
from medveil.errors import DisclosureRefusal, InputError, ModelError

__all__ = ["CoxResult", "KMGroup", "KMResult", "cox", "km"]

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]
MAX_COARSENINGS = 6


@dataclass(frozen=True, eq=False)
class Grid(JsonResult):
    """The grid a result is on: points (k + 1) x width for k < n_points."""

    width: float
    n_points: int
    horizon: float
    notes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class KMGroup(JsonResult):
    """One group's Kaplan–Meier curve (rows: time 0 and every grid point with an event
    or censoring), its pooled size and events, and the median survival time (None if
    the curve never reaches 0.5)."""

    label: str | None
    n: int
    n_events: int
    median: float | None
    times: F64
    at_risk: NDArray[np.int64]
    events: NDArray[np.int64]
    censored: NDArray[np.int64]
    survival: F64
    ci_lower: F64
    ci_upper: F64


@dataclass(frozen=True, eq=False)
class KMResult(JsonResult):
    dataset: str
    where: str | None
    time: str
    event: str
    by: str | None
    alpha: float
    grid: Grid
    groups: tuple[KMGroup, ...]
    logrank: LogRankResult | None
    n_sites: int


@dataclass(frozen=True, eq=False)
class LogRankResult(JsonResult):
    statistic: float
    df: int
    p_value: float
    observed: F64
    expected: F64


@dataclass(frozen=True, eq=False)
class CoxResult(JsonResult):
    """A Cox model over the pooled gridded rows (lifelines' names where it has them)."""

    dataset: str
    where: str | None
    time: str
    event: str
    covariates: str
    ties: str
    strata: str | None
    strata_by_site: bool
    names: tuple[str, ...]
    params: F64
    bse: F64
    hazard_ratios: F64
    zvalues: F64
    pvalues: F64
    hr_conf_int: F64
    cov_params: F64
    alpha: float
    n: int
    n_events: int
    log_likelihood: float
    null_log_likelihood: float
    lr_statistic: float
    lr_df: int
    lr_p_value: float
    aic_partial: float
    iterations: int
    grid: Grid
    concordance: float | None
    concordance_note: str
    n_sites: int

    def coefficients(self) -> list[dict[str, Any]]:
        return [
            {"name": n, "coef": float(b), "hazard_ratio": float(hr), "std_error": float(se),
             "z": float(z), "p_value": float(p), "hr_ci_lower": float(lo),
             "hr_ci_upper": float(hi)}
            for n, b, hr, se, z, p, (lo, hi) in zip(
                self.names, self.params, self.hazard_ratios, self.bse, self.zvalues,
                self.pvalues, self.hr_conf_int, strict=True)
        ]

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["coefficients"] = self.coefficients()
        return out


def _check_grid_args(width: float, horizon: float) -> int:
    if not (math.isfinite(width) and width > 0):
        raise InputError("the grid width must be a positive number", field="width")
    if not (math.isfinite(horizon) and horizon >= width):
        raise InputError("the horizon must be at least one grid width", field="horizon")
    n_points = math.ceil(horizon / width - 1e-12)
    if n_points > 5000:
        raise InputError("the grid would have more than 5000 points; widen it",
                         field="width")
    return n_points


def _plan(study: _Study, spec: Mapping[str, Any], width: float, n_points: int,
          horizon: float) -> Grid:
    notes: list[str] = []
    for _ in range(MAX_COARSENINGS + 1):
        t = study.round("surv.plan", {**spec, "width": width, "n_points": n_points})
        ok = np.asarray(t.sums["ok"]) >= t.n_sites - 0.5
        bad = np.flatnonzero(~ok)
        usable = n_points if len(bad) == 0 else int(bad[0])
        if usable == n_points:
            return Grid(width, n_points, horizon, tuple(notes))
        if usable >= max(1, math.ceil(n_points / 2)):
            notes.append(
                f"grid truncated at {usable * width:g} (of {n_points * width:g}): beyond it "
                "some site's counts would fall below min_cell; later rows are censored there")
            return Grid(width, usable, horizon, tuple(notes))
        width *= 2.0
        n_points = max(1, math.ceil(n_points / 2))
        notes.append(f"grid coarsened to width {width:g}: on the finer grid some site could "
                     "not release its counts (min_cell or min_time_grid)")
    raise DisclosureRefusal(
        "no grid up to the horizon lets every site release its counts (min_cell / "
        "min_time_grid): widen the grid, shorten the horizon, or pool fewer groups")


def _group_levels(study: _Study, time: str, event: str, column: str,
                  extra: Sequence[str] = ()) -> list[str]:
    spec = {"formula": f"{time} ~ C({column})", "family": "gaussian", "link": "identity",
            "require": [event, *extra]}
    t = study.round("surv.levels", spec)
    levels = natural_sorted(t.levels.get(f"levels/{column}", ()))
    if not levels:
        raise InputError(f"column {column!r} has no values in the complete rows", field=column)
    return levels


def km(
    agg: Aggregator,
    dataset: str,
    *,
    time: str,
    event: str,
    width: float,
    horizon: float,
    by: str | None = None,
    where: str | None = None,
    alpha: float = 0.05,
) -> KMResult:
    """Kaplan–Meier curves (per group of ``by``) with lifelines' log(−log) Greenwood
    intervals, and the log-rank test between the groups; equal to lifelines on the
    pooled rows with durations put on the grid.

    Rounds: ``surv.levels`` (with ``by``), ``surv.plan``, ``surv.km``.
    """
    if not 0.0 < alpha < 1.0:
        raise InputError("alpha must be in (0, 1)", field="alpha")
    n_points = _check_grid_args(width, horizon)
    for attempt in range(MAX_RESTARTS + 1):
        study = _Study(agg, dataset, where)
        try:
            spec: dict[str, Any] = {"time": time, "event": event}
            if by is not None:
                spec |= {"by": by, "levels": _group_levels(study, time, event, by)}
            grid = _plan(study, spec, width, n_points, horizon)
            t = study.round("surv.km", {**spec, "width": grid.width,
                                        "n_points": grid.n_points})
            break
        except _SitesChanged:
            if attempt == MAX_RESTARTS:
                raise ModelError("the set of sites kept changing; the study was abandoned"
                                 ) from None
    events = np.asarray(t.cells["events"])
    censored = np.asarray(t.cells["censored"])
    labels: list[str | None] = list(spec.get("levels") or [None])
    groups = []
    for g, label in enumerate(labels):
        curve = km_curve(events[g], censored[g], grid.width, alpha=alpha)
        groups.append(_km_group(label, curve, events[g], censored[g]))
    lr = None
    if by is not None:
        present = (events + censored).sum(axis=1) > 0
        if present.sum() >= 2:
            lr = _logrank(logrank(events, censored))
    return KMResult(dataset, where, time, event, by, alpha, grid, tuple(groups), lr, t.n_sites)


def _km_group(label: str | None, c: KMCurve, events: NDArray[np.int64],
              censored: NDArray[np.int64]) -> KMGroup:
    below = np.flatnonzero(c.survival <= 0.5)
    median = float(c.times[below[0]]) if len(below) else None
    return KMGroup(label, int(events.sum() + censored.sum()), int(events.sum()), median,
                   c.times, c.at_risk, c.events, c.censored, c.survival, c.ci_lower,
                   c.ci_upper)


def _logrank(r: LogRank) -> LogRankResult:
    return LogRankResult(float(r.statistic), int(r.df), float(r.p_value),
                         np.asarray(r.observed), np.asarray(r.expected))


# -- Cox ---------------------------------------------------------------------------------


def cox(
    agg: Aggregator,
    dataset: str,
    covariates: str,
    *,
    time: str,
    event: str,
    width: float,
    horizon: float,
    ties: str = "efron",
    strata: str | None = None,
    strata_by_site: bool = False,
    where: str | None = None,
    alpha: float = 0.05,
    max_iter: int = 50,
    tol: float = 1e-10,
) -> CoxResult:
    """Cox proportional hazards by Newton–Raphson on the pooled partial likelihood.

    ``covariates`` is a formula's right-hand side ("age + C(stage) + sex"); ties are
    Efron's (lifelines' CoxPHFitter) or Breslow's (statsmodels' PHReg); ``strata``
    names a column whose levels get their own baseline hazard, ``strata_by_site``
    gives every site its own. Equal to lifelines / statsmodels on the pooled gridded
    rows. Raises ModelError for a singular design or non-convergence.
    """
    if ties not in ("efron", "breslow"):
        raise InputError("ties are 'efron' or 'breslow'", field="ties")
    if not 0.0 < alpha < 1.0:
        raise InputError("alpha must be in (0, 1)", field="alpha")
    n_points = _check_grid_args(width, horizon)
    rhs = covariates.strip().removeprefix("~").strip()
    if not rhs:
        raise InputError("a Cox model needs at least one covariate", field="covariates")
    for attempt in range(MAX_RESTARTS + 1):
        try:
            return _cox(_Study(agg, dataset, where), rhs, time=time, event=event, width=width,
                        n_points=n_points, horizon=horizon, ties=ties, strata=strata,
                        strata_by_site=strata_by_site, alpha=alpha, max_iter=max_iter, tol=tol)
        except _SitesChanged:
            if attempt == MAX_RESTARTS:
                raise ModelError("the set of sites kept changing; the fit was abandoned"
                                 ) from None
    raise AssertionError("unreachable")


def _cox(study: _Study, rhs: str, *, time: str, event: str, width: float, n_points: int,
         horizon: float, ties: str, strata: str | None, strata_by_site: bool, alpha: float,
         max_iter: int, tol: float) -> CoxResult:
    formula_text = f"{time} ~ {rhs}"
    parsed = parse_formula(formula_text)
    if not parsed.intercept:
        raise InputError("a Cox model has no intercept to remove; drop '- 1' / '+ 0'",
                         field="covariates")
    require = [event] + ([strata] if strata else [])
    base = {"formula": formula_text, "family": "gaussian", "link": "identity",
            "require": require}
    lv = study.round("surv.levels", base)
    kinds: dict[str, str] = {}
    for col in parsed.columns():
        found = lv.levels.get(f"kind/{col}", ())
        if len(found) != 1:
            raise InputError(f"column {col!r} is numeric at some sites and text at others",
                             field=col)
        kinds[col] = found[0]
    if kinds[time] != "numeric":
        raise InputError(f"time column {time!r} must be numeric", field=time)
    levels = {c: natural_sorted(lv.levels.get(f"levels/{c}", ())) for c in parsed.columns()
              if c != time and (kinds[c] == "categorical" or c in parsed.forced_categorical)}
    pkinds = {c: k for c, k in kinds.items() if c != time}
    design = build_design(parsed, pkinds, levels)
    names = [n for n in design.names if n != "Intercept"]
    summ = study.round("surv.summary", {**base, "kinds": pkinds, "levels": levels})
    keep = [i for i, n in enumerate(design.names) if n != "Intercept"]
    wsum = float(summ.sums["wsum"][0])
    center = np.asarray(summ.sums["xsum"])[keep] / wsum
    var = np.clip(np.asarray(summ.sums["x2sum"])[keep] / wsum - center**2, 0.0, None)
    scales = np.array([_pow2(math.sqrt(v)) for v in var])
    spec: dict[str, Any] = {"time": time, "event": event, "covariates": f"~ {rhs}",
                            "kinds": pkinds, "design_levels": levels}
    if strata is not None:
        spec |= {"by": strata,
                 "levels": _group_levels(study, time, event, strata, extra=parsed.columns())}
    grid = _plan(study, spec, width, n_points, horizon)
    spec |= {"width": grid.width, "n_points": grid.n_points, "ties": ties,
             "strata_by_site": strata_by_site, "center": [float(c) for c in center],
             "scales": [float(s) for s in scales]}
    p = len(names)
    beta = np.zeros(p)
    prev_beta = beta
    ll_prev: float | None = None
    ll0 = math.nan
    n_events = 0
    for it in range(max_iter + 1):
        t = study.round("surv.cox", {**spec, "beta": [float(b) for b in beta]})
        n_events = int(np.asarray(t.cells["d"]).sum())
        if n_events == 0:
            raise ModelError("no events in the study's rows: a Cox model cannot be fit")
        ll, grad, hess = _objective(t.sums, t.cells, ties, strata_by_site)
        if it == 0:
            ll0 = ll
        if ll_prev is not None and ll < ll_prev - 1e-9 * (abs(ll_prev) + 1.0):
            # Newton overshot: halve the step (lifelines does the same)
            beta = (beta + prev_beta) / 2.0
            continue
        step = _newton_step(hess, grad, names)
        if ll_prev is not None and abs(ll - ll_prev) <= tol * (abs(ll) + 0.1) and (
                np.max(np.abs(step)) <= STEP_TOL * (1.0 + np.max(np.abs(beta)))):
            break
        if it == max_iter:
            raise ModelError(f"the Cox fit did not converge in {max_iter} iterations (last "
                             f"log partial likelihood {ll:.10g}); check for a covariate that "
                             "separates events, or simplify the model")
        prev_beta, ll_prev = beta, ll
        beta = beta + step
    cov_s = np.linalg.inv(-hess)
    params = beta / scales
    cov = cov_s / np.outer(scales, scales)
    bse = np.sqrt(np.diag(cov))
    z = params / bse
    pvals = 2.0 * stats.norm.sf(np.abs(z))
    q = stats.norm.ppf(1.0 - alpha / 2.0)
    hr_ci = np.exp(np.column_stack([params - q * bse, params + q * bse]))
    lr = 2.0 * (ll - ll0)
    n = round(wsum)
    for arr in (params, bse, z, pvals, hr_ci, cov):
        arr.setflags(write=False)
    return CoxResult(
        dataset=study.dataset, where=study.where, time=time, event=event, covariates=rhs,
        ties=ties, strata=strata, strata_by_site=strata_by_site, names=tuple(names),
        params=params, bse=bse, hazard_ratios=np.exp(params), zvalues=z, pvalues=pvals,
        hr_conf_int=hr_ci, cov_params=cov, alpha=alpha, n=n, n_events=n_events,
        log_likelihood=ll, null_log_likelihood=ll0, lr_statistic=lr, lr_df=p,
        lr_p_value=float(stats.chi2.sf(lr, p)), aic_partial=-2.0 * ll + 2.0 * p,
        iterations=it, grid=grid, concordance=None,
        concordance_note="not computed: Harrell's C compares pairs of patients across sites, "
                         "which pooled sums on a grid cannot give exactly",
        n_sites=t.n_sites,
    )


def _objective(sums: Mapping[str, NDArray[np.float64]], cells: Mapping[str, NDArray[np.int64]],
               ties: str, by_site: bool) -> tuple[float, F64, F64]:
    if by_site:
        return (float(sums["ll"][0]), np.asarray(sums["grad"], dtype=np.float64),
                np.asarray(sums["hess"], dtype=np.float64))
    pooled = {k: np.asarray(v, dtype=np.float64) for k, v in sums.items()}
    pooled["d"] = np.asarray(cells["d"], dtype=np.float64)
    ll, grad, hess = cox_objective(pooled, ties=ties)
    return float(ll), np.asarray(grad, dtype=np.float64), np.asarray(hess, dtype=np.float64)


def _newton_step(hess: F64, grad: F64, names: Sequence[str]) -> F64:
    info = -hess
    d = np.sqrt(np.clip(np.diag(info), 0.0, None))
    if (d == 0).any():
        bad = names[int(np.argmax(d == 0))]
        raise ModelError(f"covariate {bad!r} does not vary among the patients at risk; "
                         "drop it")
    eig = np.linalg.eigvalsh(info / np.outer(d, d))
    if eig[0] <= 1e-11 * max(eig[-1], 1.0):
        raise ModelError("the covariates are collinear in the pooled data; drop one of them")
    return np.asarray(np.linalg.solve(info, grad), dtype=np.float64)


def _pow2(x: float) -> float:
    if not math.isfinite(x) or x <= 1.0:
        return 1.0
    return float(2.0 ** round(math.log2(x)))
