"""Survival-analysis arithmetic on a fixed time grid: per-site sums and pooled results.

Grid convention
---------------
A study fixes a bin ``width > 0`` and a number of grid points ``K``. Grid point ``k``
(``k = 0 .. K-1``) is ``g_k = (k + 1) * width`` (computed in floating point exactly as
:func:`grid_times` does). A duration ``t >= 0`` is put on the smallest grid point ``>= t``,
i.e. ``k = max(ceil(t / width) - 1, 0)``, checked against ``g_{k-1} < t <= g_k`` so that
float rounding never moves a row to a neighbouring point (``t = 0`` and ``t = width`` go to
``k = 0``). A row with ``t > g_{K-1}`` is administratively censored at the last point: index
``K - 1`` with its event flag cleared. Every analysis below is the exact analysis of the
gridded rows (duration ``g_k``, truncated event flag).

Node side: sums over one site's rows
------------------------------------
:func:`km_counts` -- per group and grid point, the number of events and of censorings.

:func:`cox_sums` -- with ``x`` centred (``x - center``), ``eta = x @ beta`` and ``w = exp(eta)``,
per stratum ``s`` and grid point ``k``:

* ``d[s, k]``  -- number of events at ``k``;
* ``s0[s, k]``, ``s1[s, k]``, ``s2[s, k]`` -- sums of ``w``, ``w x``, ``w x xᵀ`` over the
  risk set ``R_k = {i : k_i >= k}`` of the stratum;
* ``d0``, ``d1``, ``d2`` -- the same three sums over the rows with an event AT ``k`` (Efron);
* ``xd`` -- sum of ``x`` (centred) over all events; ``etad`` -- sum of ``eta`` over all events.

Every entry is a plain sum over rows, so the sums of several sites add up to the sums of
their pooled rows.

Coordinator side: results from pooled sums only
-----------------------------------------------
:func:`cox_objective` (Breslow or Efron log partial likelihood, gradient, Hessian),
:func:`km_curve` (Kaplan-Meier with Greenwood variance and lifelines' log(-log)
interval) and :func:`logrank` (multi-group log-rank test). They equal lifelines'
``KaplanMeierFitter``, ``CoxPHFitter``, ``logrank_test``/``multivariate_logrank_test``
and statsmodels' ``PHReg`` run on the pooled gridded rows.

Privacy
-------
Per-site arrays returned here are row-level aggregates of ONE site; callers must release
only pooled sums (added across sites by secure aggregation), never a single site's arrays.
Nothing in this module reads or returns a patient's value: only counts and sums.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from medveil.errors import InputError

__all__ = [
    "KMCurve",
    "LogRank",
    "cox_objective",
    "cox_sums",
    "grid_index",
    "grid_times",
    "km_counts",
    "km_curve",
    "logrank",
]

_COX_KEYS = ("d", "s0", "s1", "s2", "xd", "etad")
_EFRON_KEYS = ("d0", "d1", "d2")


# -- grid ----------------------------------------------------------------------------------


def _check_grid(width: float, n_points: int) -> None:
    if (
        isinstance(width, bool)
        or not isinstance(width, numbers.Real)
        or not (math.isfinite(width) and width > 0)
    ):
        raise InputError("grid width must be a finite number > 0", field="width")
    if isinstance(n_points, bool) or not isinstance(n_points, int | np.integer) or n_points < 1:
        raise InputError("number of grid points must be an integer >= 1", field="n_points")


def grid_times(width: float, n_points: int) -> NDArray[np.float64]:
    """The grid points ``g_k = (k + 1) * width`` for ``k = 0 .. n_points - 1``."""
    _check_grid(width, n_points)
    return (np.arange(int(n_points), dtype=np.float64) + 1.0) * float(width)


def grid_index(
    time: NDArray[np.float64],
    event: NDArray[np.bool_],
    width: float,
    n_points: int,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Put durations on the grid: ``(k, event_after_truncation)``.

    ``k`` is the index of the smallest grid point ``>= t``; rows beyond the last grid point
    get ``k = n_points - 1`` and ``event = False`` (administrative censoring).
    Raises :class:`InputError` (field ``"time"``) for negative or non-finite durations.
    """
    _check_grid(width, n_points)
    t = np.asarray(time, dtype=np.float64).reshape(-1)
    e = np.asarray(event).reshape(-1).astype(bool)
    if t.shape != e.shape:
        raise InputError(f"time has {t.size} rows but event has {e.size}", field="event")
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} duration(s) are negative or not finite "
            f"(first at row {int(np.argmax(bad))})",
            field="time",
        )
    n_pts = int(n_points)
    w = float(width)
    g = grid_times(w, n_pts)
    beyond = t > g[-1]
    # ceil(t / width) - 1, computed in float and capped before the integer cast.
    q = np.minimum(np.ceil(t / w), float(n_pts))
    k = np.maximum(q.astype(np.int64) - 1, 0)
    k = np.minimum(k, n_pts - 1)
    # Guard against float error: enforce g_{k-1} < t <= g_k with the same g as grid_times.
    up = (g[k] < t) & (k < n_pts - 1)
    k[up] += 1
    down = (k > 0) & (g[np.maximum(k - 1, 0)] >= t)
    k[down] -= 1
    k[beyond] = n_pts - 1
    return k.astype(np.int64), (e & ~beyond)


def _check_k(k: NDArray[np.int64], n_points: int) -> NDArray[np.int64]:
    kk = np.asarray(k).reshape(-1)
    if kk.size and (
        not np.issubdtype(kk.dtype, np.integer) or kk.min() < 0 or kk.max() >= n_points
    ):
        raise InputError(f"grid indices must be integers in [0, {n_points})", field="k")
    return kk.astype(np.int64, copy=False)


def _check_codes(
    codes: NDArray[np.int64] | None, n: int, n_codes: int, field: str, *, allow_negative: bool
) -> NDArray[np.int64]:
    if isinstance(n_codes, bool) or not isinstance(n_codes, int | np.integer) or n_codes < 1:
        raise InputError(f"number of {field} must be an integer >= 1", field=field)
    if codes is None:
        return np.zeros(n, dtype=np.int64)
    c = np.asarray(codes).reshape(-1)
    if c.size != n:
        raise InputError(f"{field} has {c.size} rows, expected {n}", field=field)
    if c.size and not np.issubdtype(c.dtype, np.integer):
        raise InputError(f"{field} codes must be integers", field=field)
    if c.size and c.max() >= n_codes:
        raise InputError(f"{field} codes must be < {n_codes}", field=field)
    if c.size and not allow_negative and c.min() < 0:
        raise InputError(f"{field} codes must be >= 0", field=field)
    return c.astype(np.int64, copy=False)


# -- node side: sums ----------------------------------------------------------------------


def km_counts(
    k: NDArray[np.int64],
    event: NDArray[np.bool_],
    n_points: int,
    groups: NDArray[np.int64] | None = None,
    n_groups: int = 1,
) -> dict[str, NDArray[np.int64]]:
    """Events and censorings per group and grid point, each ``(n_groups, n_points)``.

    Rows with a negative group code are skipped (e.g. a missing group value).
    """
    _check_grid(1.0, n_points)
    kk = _check_k(k, int(n_points))
    e = np.asarray(event).reshape(-1).astype(bool)
    if e.size != kk.size:
        raise InputError(f"event has {e.size} rows, expected {kk.size}", field="event")
    g = _check_codes(groups, kk.size, n_groups, "groups", allow_negative=True)
    keep = g >= 0
    K = int(n_points)
    G = int(n_groups)
    cell = g[keep] * K + kk[keep]
    ev = e[keep]
    events = np.bincount(cell[ev], minlength=G * K).astype(np.int64).reshape(G, K)
    censored = np.bincount(cell[~ev], minlength=G * K).astype(np.int64).reshape(G, K)
    return {"events": events, "censored": censored}


def _bincount(
    idx: NDArray[np.int64], weights: NDArray[np.float64], length: int
) -> NDArray[np.float64]:
    """``np.bincount`` with float weights, typed as float64."""
    return np.bincount(idx, weights=weights, minlength=length).astype(np.float64, copy=False)


def _binned_moments(
    cell: NDArray[np.int64],
    w: NDArray[np.float64],
    xt: NDArray[np.float64],
    n_cells: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Per cell: sum w, sum w x, sum w x xᵀ. ``xt`` is ``(p, n)``; O(n p^2), no row loop."""
    p = xt.shape[0]
    m0 = _bincount(cell, w, n_cells)
    m1 = np.empty((n_cells, p))
    m2 = np.empty((n_cells, p, p))
    wxt = xt * w
    for j in range(p):
        m1[:, j] = _bincount(cell, wxt[j], n_cells)
        for i in range(j, p):
            v = _bincount(cell, wxt[j] * xt[i], n_cells)
            m2[:, j, i] = v
            m2[:, i, j] = v
    return m0, m1, m2


def _reverse_cumsum(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """Along axis 1 (grid points): ``out[:, k] = sum_{j >= k} a[:, j]``."""
    return np.flip(np.cumsum(np.flip(a, axis=1), axis=1), axis=1)


def cox_sums(
    k: NDArray[np.int64],
    event: NDArray[np.bool_],
    X: NDArray[np.float64],
    beta: NDArray[np.float64],
    n_points: int,
    *,
    center: NDArray[np.float64] | None = None,
    strata: NDArray[np.int64] | None = None,
    n_strata: int = 1,
    efron: bool = True,
) -> dict[str, NDArray[np.float64]]:
    """One site's additive sums for the Cox partial likelihood at ``beta`` (see module doc).

    Shapes (S strata, K grid points, p covariates): ``d``, ``s0``: (S, K); ``s1``: (S, K, p);
    ``s2``: (S, K, p, p); with ``efron`` also ``d0`` (S, K), ``d1`` (S, K, p),
    ``d2`` (S, K, p, p); ``xd``: (p,); ``etad``: (1,). ``center`` (default 0) should be the
    same at every site (e.g. a pooled mean) so that ``exp(eta)`` stays in range; the
    log-likelihood does not depend on it.
    """
    _check_grid(1.0, n_points)
    K = int(n_points)
    kk = _check_k(k, K)
    n = kk.size
    e = np.asarray(event).reshape(-1).astype(bool)
    if e.size != n:
        raise InputError(f"event has {e.size} rows, expected {n}", field="event")
    x = np.asarray(X, dtype=np.float64)
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if x.ndim != 2 or x.shape[0] != n:
        raise InputError(f"X must be an (n, p) array with n = {n} rows", field="X")
    p = x.shape[1]
    b = np.asarray(beta, dtype=np.float64).reshape(-1)
    if b.size != p:
        raise InputError(f"beta has {b.size} entries, expected {p}", field="beta")
    c = np.zeros(p) if center is None else np.asarray(center, dtype=np.float64).reshape(-1)
    if c.size != p:
        raise InputError(f"center has {c.size} entries, expected {p}", field="center")
    if not (np.isfinite(x).all() and np.isfinite(b).all() and np.isfinite(c).all()):
        raise InputError("X, beta and center must be finite", field="X")
    st = _check_codes(strata, n, n_strata, "strata", allow_negative=False)
    S = int(n_strata)

    xt = np.ascontiguousarray(x.T) - c[:, None]  # (p, n), centred
    eta = b @ xt if n else np.zeros(0)
    with np.errstate(over="ignore"):
        w = np.exp(eta)
    if not np.isfinite(w).all():
        raise InputError(
            "exp(x @ beta) overflowed: centre the covariates or check beta", field="beta"
        )
    cell = st * K + kk
    n_cells = S * K

    m0, m1, m2 = _binned_moments(cell, w, xt, n_cells)
    out: dict[str, NDArray[np.float64]] = {
        "d": np.bincount(cell[e], minlength=n_cells).astype(np.float64).reshape(S, K),
        "s0": _reverse_cumsum(m0.reshape(S, K)),
        "s1": _reverse_cumsum(m1.reshape(S, K, p)),
        "s2": _reverse_cumsum(m2.reshape(S, K, p, p)),
    }
    if efron:
        q0, q1, q2 = _binned_moments(cell[e], w[e], xt[:, e], n_cells)
        out["d0"] = q0.reshape(S, K)
        out["d1"] = q1.reshape(S, K, p)
        out["d2"] = q2.reshape(S, K, p, p)
    out["xd"] = xt[:, e].sum(axis=1)
    out["etad"] = np.array([eta[e].sum()])
    return out


# -- coordinator side: Cox objective ------------------------------------------------------


def cox_objective(
    sums: Mapping[str, NDArray[np.float64]], *, ties: str
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """Log partial likelihood, gradient ``(p,)`` and Hessian ``(p, p)`` from POOLED sums.

    ``ties`` is ``"breslow"`` or ``"efron"`` (which needs the ``d0``/``d1``/``d2`` sums).
    Grid points without events contribute nothing; strata are summed. With Efron, the
    ``d_k`` tied events at point ``k`` give ``phi_l = s0 - (l / d_k) d0`` for
    ``l = 0 .. d_k - 1`` (likewise for the first and second moments).
    """
    if ties not in ("breslow", "efron"):
        raise InputError(f"ties must be 'breslow' or 'efron', not {ties!r}", field="ties")
    need = _COX_KEYS + (_EFRON_KEYS if ties == "efron" else ())
    missing = [key for key in need if key not in sums]
    if missing:
        raise InputError(f"missing Cox sums: {', '.join(missing)}", field="sums")
    d = np.asarray(sums["d"], dtype=np.float64)
    if d.ndim != 2:
        raise InputError("sums['d'] must be (strata, grid points)", field="sums")
    S, K = d.shape
    xd = np.asarray(sums["xd"], dtype=np.float64).reshape(-1)
    p = xd.size
    B = S * K
    try:
        s0 = np.asarray(sums["s0"], dtype=np.float64).reshape(B)
        s1 = np.asarray(sums["s1"], dtype=np.float64).reshape(B, p)
        s2 = np.asarray(sums["s2"], dtype=np.float64).reshape(B, p, p)
        etad = float(np.asarray(sums["etad"], dtype=np.float64).reshape(1)[0])
        if ties == "efron":
            d0 = np.asarray(sums["d0"], dtype=np.float64).reshape(B)
            d1 = np.asarray(sums["d1"], dtype=np.float64).reshape(B, p)
            d2 = np.asarray(sums["d2"], dtype=np.float64).reshape(B, p, p)
    except ValueError as exc:
        raise InputError(f"Cox sums have inconsistent shapes ({exc})", field="sums") from exc

    dc = np.rint(d.reshape(B))
    if (dc < 0).any() or np.abs(dc - d.reshape(B)).max(initial=0.0) > 1e-6:
        raise InputError("event counts must be non-negative integers", field="sums")
    has = dc > 0
    if (s0[has] <= 0).any() or not np.isfinite(s0).all():
        raise InputError(
            "risk-set sums are zero or not finite at a grid point with events", field="sums"
        )
    idx = np.flatnonzero(has)
    cnt = dc[idx].astype(np.int64)

    if ties == "breslow":
        phi0 = s0[idx]
        loglik = etad - float(np.sum(cnt * np.log(phi0)))
        a = cnt / phi0  # coefficient of s1 (and s2)
        c0 = cnt / phi0**2  # coefficient of s1 s1ᵀ
        s1i, s2i = s1[idx], s2[idx]
        grad = xd - a @ s1i
        outer = np.einsum("b,bi,bj->ij", c0, s1i, s1i)
        hess = -(np.tensordot(a, s2i, axes=1) - outer)
        return loglik, grad, 0.5 * (hess + hess.T)

    # Efron: expand each grid point with d_k events into l = 0 .. d_k - 1 (vectorised).
    m = idx.size
    rep = np.repeat(np.arange(m), cnt)
    first = np.cumsum(cnt) - cnt
    ell = np.arange(rep.size) - first[rep]
    f = ell / cnt[rep]
    phi = s0[idx][rep] - f * d0[idx][rep]
    if (phi <= 0).any():
        raise InputError("Efron risk-set sums are not positive", field="sums")
    inv = 1.0 / phi
    inv2 = inv * inv
    lphi = _bincount(rep, np.log(phi), m)
    a = _bincount(rep, inv, m)  # sum_l 1/phi
    bb = _bincount(rep, f * inv, m)  # sum_l f/phi
    c0 = _bincount(rep, inv2, m)  # sum_l 1/phi^2
    c1 = _bincount(rep, f * inv2, m)  # sum_l f/phi^2
    c2 = _bincount(rep, f * f * inv2, m)  # sum_l f^2/phi^2
    s1i, s2i, d1i, d2i = s1[idx], s2[idx], d1[idx], d2[idx]
    loglik = etad - float(lphi.sum())
    grad = xd - (a @ s1i - bb @ d1i)
    cross = np.einsum("b,bi,bj->ij", c1, s1i, d1i)
    outer = (
        np.einsum("b,bi,bj->ij", c0, s1i, s1i)
        - cross
        - cross.T
        + np.einsum("b,bi,bj->ij", c2, d1i, d1i)
    )
    hess = -(np.tensordot(a, s2i, axes=1) - np.tensordot(bb, d2i, axes=1) - outer)
    return loglik, grad, 0.5 * (hess + hess.T)


# -- coordinator side: Kaplan-Meier ---------------------------------------------------------


@dataclass(frozen=True)
class KMCurve:
    """A Kaplan-Meier curve on the grid.

    Rows: time 0 (everyone at risk, S = 1) and then every grid point with at least one event
    or censoring -- the rows of lifelines' ``survival_function_`` for the gridded durations.
    ``variance`` is Greenwood's variance of S; ``ci_lower``/``ci_upper`` are lifelines'
    exponential-Greenwood (log(-log)) interval.
    """

    times: NDArray[np.float64]
    at_risk: NDArray[np.int64]
    events: NDArray[np.int64]
    censored: NDArray[np.int64]
    survival: NDArray[np.float64]
    variance: NDArray[np.float64]
    ci_lower: NDArray[np.float64]
    ci_upper: NDArray[np.float64]


def _counts_1d(a: NDArray[np.int64], name: str) -> NDArray[np.int64]:
    arr = np.asarray(a)
    if arr.size and not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be finite counts", field=name)
    r = np.rint(arr)
    if (r < 0).any() or (np.abs(r - arr) > 1e-6).any():
        raise InputError(f"{name} must be non-negative integer counts", field=name)
    return r.astype(np.int64)


def km_curve(
    events: NDArray[np.int64],
    censored: NDArray[np.int64],
    width: float,
    *,
    alpha: float = 0.05,
) -> KMCurve:
    """Kaplan-Meier estimate from one group's pooled counts (each ``(K,)``).

    ``at_risk_k = sum_{j >= k} (events_j + censored_j)``; ``S = prod (1 - d / n)``
    (computed as ``exp(cumsum(log(n - d) - log(n)))`` like lifelines). Rows: time 0, then
    the grid points with ``events + censored > 0``; a group with no rows gives only the time-0
    row with ``at_risk = 0``. The interval, as lifelines' ``_bounds``: with ``v = log S`` and
    ``z = Phi^{-1}(1 - alpha/2)``, ``exp(-exp(log(-v) -/+ z sqrt(V) / v))`` where ``V`` is the
    Greenwood sum ``sum d / (n (n - d))`` (a term with ``n = d`` counts 0); where this is NaN
    (``S = 1``) both bounds are 1, and at ``S = 0`` both are 0.
    """
    ev = _counts_1d(events, "events").reshape(-1)
    ce = _counts_1d(censored, "censored").reshape(-1)
    if ev.shape != ce.shape:
        raise InputError("events and censored must have the same length", field="censored")
    if not (isinstance(alpha, numbers.Real) and 0 < alpha < 1):
        raise InputError("alpha must be in (0, 1)", field="alpha")
    K = ev.size
    gt = grid_times(width, K) if K else np.zeros(0)
    removed = ev + ce
    at_risk_all = np.flip(np.cumsum(np.flip(removed)))
    rows = np.flatnonzero(removed > 0)
    total = int(removed.sum())

    times = np.concatenate([[0.0], gt[rows]])
    n = np.concatenate([[total], at_risk_all[rows]]).astype(np.int64)
    d = np.concatenate([[0], ev[rows]]).astype(np.int64)
    c = np.concatenate([[0], ce[rows]]).astype(np.int64)

    nf = n.astype(np.float64)
    df = d.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(d > 0, np.log(nf - df) - np.log(nf), 0.0)
        gw = np.where((d > 0) & (n > d), df / (nf * (nf - df)), 0.0)
    log_s = np.cumsum(step)
    cum_sq = np.cumsum(gw)
    surv = np.exp(log_s)
    variance = surv**2 * cum_sq

    z = float(stats.norm.ppf(1.0 - alpha / 2.0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        v = log_s
        half = z * np.sqrt(cum_sq) / v
        lower = np.exp(-np.exp(np.log(-v) - half))
        upper = np.exp(-np.exp(np.log(-v) + half))
    lower = np.where(np.isnan(lower), 1.0, lower)
    upper = np.where(np.isnan(upper), 1.0, upper)
    return KMCurve(
        times=times,
        at_risk=n,
        events=d,
        censored=c,
        survival=surv,
        variance=variance,
        ci_lower=lower,
        ci_upper=upper,
    )


# -- coordinator side: log-rank --------------------------------------------------------------


@dataclass(frozen=True)
class LogRank:
    """Log-rank test of equal hazards across groups (chi-squared with ``df`` degrees)."""

    statistic: float
    df: int
    p_value: float
    observed: NDArray[np.float64]
    expected: NDArray[np.float64]


def logrank(events: NDArray[np.int64], censored: NDArray[np.int64]) -> LogRank:
    """Log-rank test from pooled ``(G, K)`` event and censoring counts.

    Equals lifelines' ``multivariate_logrank_test`` (and ``logrank_test`` for two groups) on
    the pooled gridded rows: hypergeometric variance with the ``(n - d) / (n - 1)`` tie
    correction (1 when ``n = 1``), statistic ``Zᵀ pinv(V) Z`` on the first ``G' - 1`` groups.
    Groups with no rows are left out of the test (``df = G' - 1`` over the ``G'`` groups with
    rows, as lifelines never sees them); their observed/expected are 0.
    """
    ev = _counts_1d(events, "events")
    ce = _counts_1d(censored, "censored")
    if ev.ndim != 2 or ev.shape != ce.shape:
        raise InputError("events and censored must both be (groups, grid points)", field="events")
    present = (ev + ce).sum(axis=1) > 0
    G = ev.shape[0]
    if int(present.sum()) < 2:
        raise InputError("the log-rank test needs at least two groups with rows", field="groups")
    evp = ev[present].astype(np.float64)
    rem = evp + ce[present].astype(np.float64)
    n_gk = _reverse_cumsum(rem)  # (G', K)
    n_k = n_gk.sum(axis=0)
    d_k = evp.sum(axis=0)
    use = d_k > 0
    n_gk, n_k, d_k = n_gk[:, use], n_k[use], d_k[use]
    ratio = np.ones_like(n_k)
    big = n_k > 1
    ratio[big] = (n_k[big] - d_k[big]) / (n_k[big] - 1.0)
    frac = n_gk / n_k  # (G', K')
    obs = evp.sum(axis=1)
    exp_ = frac @ d_k
    fac = ratio * d_k
    V = np.diag(frac @ fac) - (frac * fac) @ frac.T
    Z = obs - exp_
    U = float(Z[:-1] @ np.linalg.pinv(V[:-1, :-1]) @ Z[:-1])
    dof = int(present.sum()) - 1
    observed = np.zeros(G)
    expected = np.zeros(G)
    observed[present] = obs
    expected[present] = exp_
    return LogRank(
        statistic=U,
        df=dof,
        p_value=float(stats.chi2.sf(U, dof)),
        observed=observed,
        expected=expected,
    )
