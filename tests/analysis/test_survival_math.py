"""Survival sums added across sites equal lifelines / statsmodels on the pooled gridded rows."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test
from numpy.typing import NDArray
from statsmodels.duration.hazard_regression import PHReg

from medveil.analysis._survival_math import (
    cox_objective,
    cox_sums,
    grid_index,
    grid_times,
    km_counts,
    km_curve,
    logrank,
)
from medveil.errors import InputError

RTOL = 1e-10
WIDTH = 30.0
K = 40
P = 5
BETA_TRUE = np.array([0.5, -0.3, 0.2, 0.0, 0.8])


@dataclass(frozen=True)
class Site:
    time: NDArray[np.float64]  # raw durations
    event: NDArray[np.bool_]
    X: NDArray[np.float64]
    group: NDArray[np.int64]  # 3 arms
    stratum: NDArray[np.int64]  # 4 strata codes; code 2 never has an event, code 3 no rows


def _site(n: int, seed: int, mean: Sequence[float], shape: float, scale: float) -> Site:
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=mean, scale=[1.0, 2.0, 0.5, 1.0, 0.5], size=(n, P))
    X[:, 3] = rng.random(n) < 0.3 + 0.1 * seed  # a binary covariate
    group = rng.integers(0, 3, n)
    lin = X @ BETA_TRUE + 0.3 * group
    # Weibull (shape 1 = exponential) proportional hazards
    t = scale * (rng.exponential(size=n) * np.exp(-lin)) ** (1.0 / shape)
    cens = rng.uniform(50.0, 1500.0, n)
    time_ = np.minimum(t, cens)
    event = t <= cens
    # grid point 5 (150, 180] has only censorings; grid point 7 (210, 240] is empty
    event[(time_ > 150) & (time_ <= 180)] = False
    empty = (time_ > 210) & (time_ <= 240)
    time_[empty] = 245.0
    stratum = rng.integers(0, 2, n)
    no_event = rng.random(n) < 0.1  # stratum 2: only censored rows
    stratum[no_event & ~event] = 2
    return Site(time_, event, X, group, stratum)


SITES = [
    _site(500, 1, [0.0, 1.0, 0.0, 0, 0.0], 1.0, 400.0),
    _site(300, 2, [0.5, -1.0, 0.3, 0, 0.2], 1.5, 500.0),
    _site(200, 3, [-0.4, 0.0, -0.2, 0, -0.3], 0.8, 350.0),
]
N_STRATA = 4


def gridded(site: Site) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    return grid_index(site.time, site.event, WIDTH, K)


def pooled_frame() -> pd.DataFrame:
    parts = []
    for s in SITES:
        k, e = gridded(s)
        df = pd.DataFrame(s.X, columns=[f"x{j}" for j in range(P)])
        df["T"] = grid_times(WIDTH, K)[k]
        df["E"] = e.astype(int)
        df["G"] = s.group
        df["S"] = s.stratum
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


POOLED = pooled_frame()
COLS = [f"x{j}" for j in range(P)]


def close(a: Any, b: Any, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol)


def add(parts: Sequence[dict[str, NDArray[Any]]]) -> dict[str, NDArray[Any]]:
    return {key: sum((p[key] for p in parts[1:]), parts[0][key].copy()) for key in parts[0]}


# -- grid -----------------------------------------------------------------------------------


def test_grid_times() -> None:
    close(grid_times(30.0, 4), [30.0, 60.0, 90.0, 120.0], rtol=0)


def test_grid_index_boundaries() -> None:
    t = np.array([0.0, 30.0, 30.0 * 1.0000001, 59.9, 60.0, 120.0, 120.0000001, 1e300])
    e = np.ones(t.size, dtype=bool)
    k, ev = grid_index(t, e, 30.0, 4)
    assert k.dtype == np.int64
    assert k.tolist() == [0, 0, 1, 1, 1, 3, 3, 3]
    assert ev.tolist() == [True] * 6 + [False, False]


def test_grid_index_float_guard() -> None:
    rng = np.random.default_rng(0)
    width = 0.1
    g = grid_times(width, 50)
    t = np.concatenate([g, np.nextafter(g, np.inf), np.nextafter(g, -np.inf), rng.random(500)])
    t = t[t <= g[-1]]
    k, _ = grid_index(t, np.zeros(t.size, dtype=bool), width, 50)
    assert (t <= g[k]).all()
    assert (t[k > 0] > g[k[k > 0] - 1]).all()
    k3, _ = grid_index(np.array([0.3, 0.30000000000000004]), np.array([True, True]), 0.1, 10)
    assert k3.tolist() == [2, 2]  # g_2 = 3 * 0.1 = 0.30000000000000004


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_grid_index_rejects_bad_time(bad: float) -> None:
    with pytest.raises(InputError) as info:
        grid_index(np.array([1.0, bad]), np.array([True, True]), 30.0, 4)
    assert info.value.field == "time"


def test_grid_has_admin_censoring_and_special_points() -> None:
    k_all = np.concatenate([gridded(s)[0] for s in SITES])
    raw = np.concatenate([s.time for s in SITES])
    assert (raw > WIDTH * K).sum() > 10  # administratively censored rows exist
    counts = add([km_counts(*gridded(s), K) for s in SITES])
    assert counts["events"][0, 5] == 0 and counts["censored"][0, 5] > 0
    assert counts["events"][0, 7] == 0 and counts["censored"][0, 7] == 0
    assert (np.bincount(k_all, minlength=K) > 0).sum() == K - 1


# -- Kaplan-Meier ---------------------------------------------------------------------------


def _km_against_lifelines(T: NDArray[Any], E: NDArray[Any], curve: Any, alpha: float) -> None:
    kmf = KaplanMeierFitter().fit(T, E, alpha=alpha)
    sf = kmf.survival_function_
    close(curve.times, sf.index.values, rtol=0)
    close(curve.survival, sf.iloc[:, 0].values)
    ci = kmf.confidence_interval_
    close(curve.ci_lower, ci.iloc[:, 0].values)
    close(curve.ci_upper, ci.iloc[:, 1].values)
    table = kmf.event_table
    close(curve.at_risk, table["at_risk"].values, rtol=0)
    close(curve.events, table["observed"].values, rtol=0)
    close(curve.censored, table["censored"].values, rtol=0)
    close(curve.variance, sf.iloc[:, 0].values ** 2 * kmf._cumulative_sq_.values)


@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_km_pooled_equals_lifelines(alpha: float) -> None:
    counts = add([km_counts(*gridded(s), K) for s in SITES])
    curve = km_curve(counts["events"][0], counts["censored"][0], WIDTH, alpha=alpha)
    _km_against_lifelines(POOLED["T"].values, POOLED["E"].values, curve, alpha)


def test_km_by_group_equals_lifelines() -> None:
    counts = add([km_counts(*gridded(s), K, s.group, 3) for s in SITES])
    for g in range(3):
        curve = km_curve(counts["events"][g], counts["censored"][g], WIDTH)
        sub = POOLED[POOLED["G"] == g]
        _km_against_lifelines(sub["T"].values, sub["E"].values, curve, 0.05)


def test_km_counts_skips_negative_group() -> None:
    k = np.array([0, 1, 1, 2])
    e = np.array([True, False, True, True])
    c = km_counts(k, e, 3, np.array([0, -1, 1, 0]), 2)
    assert c["events"].tolist() == [[1, 0, 1], [0, 1, 0]]
    assert c["censored"].tolist() == [[0, 0, 0], [0, 0, 0]]


@pytest.mark.parametrize(
    ("T", "E"),
    [
        ([30.0, 60.0, 60.0, 90.0], [1, 1, 1, 1]),  # S reaches 0 at the end
        ([30.0, 30.0, 60.0, 90.0, 90.0], [0, 0, 1, 1, 0]),  # S = 1 over the first rows
        ([60.0, 60.0], [0, 0]),  # no event at all
        ([30.0, 90.0, 90.0], [1, 1, 1]),  # n = d at the last point
    ],
)
def test_km_edge_cases_equal_lifelines(T: list[float], E: list[int]) -> None:
    k, e = grid_index(np.array(T), np.array(E, dtype=bool), WIDTH, 4)
    c = km_counts(k, e, 4)
    curve = km_curve(c["events"][0], c["censored"][0], WIDTH)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _km_against_lifelines(np.array(T), np.array(E), curve, 0.05)


def test_km_empty_group() -> None:
    curve = km_curve(np.zeros(5, dtype=np.int64), np.zeros(5, dtype=np.int64), WIDTH)
    assert curve.times.tolist() == [0.0]
    assert curve.at_risk.tolist() == [0]
    assert curve.survival.tolist() == [1.0]


# -- log-rank -------------------------------------------------------------------------------


def test_logrank_two_groups() -> None:
    codes = [np.where(s.group == 2, -1, s.group) for s in SITES]  # drop arm 2
    counts = add([km_counts(*gridded(s), K, c, 2) for s, c in zip(SITES, codes, strict=True)])
    res = logrank(counts["events"], counts["censored"])
    a, b = POOLED[POOLED["G"] == 0], POOLED[POOLED["G"] == 1]
    ref = logrank_test(a["T"], b["T"], a["E"], b["E"])
    assert res.df == 1
    close(res.statistic, ref.test_statistic)
    close(res.p_value, ref.p_value)
    close(res.observed, [a["E"].sum(), b["E"].sum()], rtol=0)
    close(res.expected.sum(), res.observed.sum())


def test_logrank_three_groups() -> None:
    counts = add([km_counts(*gridded(s), K, s.group, 3) for s in SITES])
    res = logrank(counts["events"], counts["censored"])
    ref = multivariate_logrank_test(POOLED["T"], POOLED["G"], POOLED["E"])
    assert res.df == 2
    close(res.statistic, ref.test_statistic)
    close(res.p_value, ref.p_value)


def test_logrank_skips_group_without_rows() -> None:
    counts = add([km_counts(*gridded(s), K, s.group, 4) for s in SITES])  # group 3: no rows
    res = logrank(counts["events"], counts["censored"])
    ref = multivariate_logrank_test(POOLED["T"], POOLED["G"], POOLED["E"])
    assert res.df == 2
    close(res.statistic, ref.test_statistic)
    assert res.observed[3] == 0 and res.expected[3] == 0


# -- Cox ------------------------------------------------------------------------------------


def pooled_cox(
    beta: NDArray[np.float64],
    cols: Sequence[int],
    *,
    ties: str,
    center: NDArray[np.float64] | None,
    strata: bool = False,
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    parts = []
    for s in SITES:
        k, e = gridded(s)
        parts.append(
            cox_sums(
                k,
                e,
                s.X[:, list(cols)],
                beta,
                K,
                center=center,
                strata=s.stratum if strata else None,
                n_strata=N_STRATA if strata else 1,
                efron=ties == "efron",
            )
        )
    return cox_objective(add(parts), ties=ties)


def newton(
    cols: Sequence[int], *, ties: str, strata: bool = False
) -> tuple[NDArray[np.float64], float, NDArray[np.float64], float]:
    center = POOLED[[COLS[j] for j in cols]].mean().to_numpy()
    beta = np.zeros(len(cols))
    ll0 = pooled_cox(beta, cols, ties=ties, center=center, strata=strata)[0]
    for _ in range(50):
        _, g, H = pooled_cox(beta, cols, ties=ties, center=center, strata=strata)
        step = np.linalg.solve(H, g)
        beta = beta - step
        if np.abs(step).max() < 1e-12:
            break
    ll, _, H = pooled_cox(beta, cols, ties=ties, center=center, strata=strata)
    se = np.sqrt(np.diag(np.linalg.inv(-H)))
    return beta, ll, se, ll0


def lifelines_fit(cols: Sequence[int], strata: bool) -> CoxPHFitter:
    names = [COLS[j] for j in cols]
    df = POOLED[[*names, "T", "E"] + (["S"] if strata else [])]
    return CoxPHFitter().fit(
        df,
        "T",
        "E",
        strata=["S"] if strata else None,
        fit_options={"precision": 1e-13, "r_precision": 0.0},
    )


def statsmodels_fit(cols: Sequence[int], ties: str, strata: bool) -> Any:
    names = [COLS[j] for j in cols]
    model = PHReg(
        POOLED["T"].to_numpy(),
        POOLED[names].to_numpy(),
        status=POOLED["E"].to_numpy(),
        ties=ties,
        strata=POOLED["S"].to_numpy() if strata else None,
    )
    return model, model.fit(tol=1e-13)


@pytest.mark.parametrize("strata", [False, True])
@pytest.mark.parametrize("cols", [(0,), tuple(range(P))])
def test_cox_efron_equals_lifelines(cols: tuple[int, ...], strata: bool) -> None:
    beta, ll, se, ll0 = newton(cols, ties="efron", strata=strata)
    ref = lifelines_fit(cols, strata)
    close(beta, ref.params_.values, rtol=1e-6)
    close(se, ref.standard_errors_.values, rtol=1e-6)
    close(ll, ref.log_likelihood_)
    close(2 * (ll - ll0), ref.log_likelihood_ratio_test().test_statistic, rtol=1e-8)
    _, sm = statsmodels_fit(cols, "efron", strata)
    close(beta, sm.params, rtol=1e-8)
    close(ll, sm.llf)


@pytest.mark.parametrize("strata", [False, True])
@pytest.mark.parametrize("cols", [(0,), tuple(range(P))])
def test_cox_breslow_equals_statsmodels(cols: tuple[int, ...], strata: bool) -> None:
    beta, ll, se, ll0 = newton(cols, ties="breslow", strata=strata)
    model, sm = statsmodels_fit(cols, "breslow", strata)
    close(beta, sm.params, rtol=1e-8)
    close(se, sm.bse, rtol=1e-8)
    close(ll, sm.llf)
    close(ll0, model.loglike(np.zeros(len(cols))))


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cox_objective_at_any_beta_equals_statsmodels(ties: str) -> None:
    cols = tuple(range(P))
    model, _ = statsmodels_fit(cols, ties, True)
    beta = np.array([0.3, -0.2, 0.1, 0.4, 0.6])
    ll, g, H = pooled_cox(beta, cols, ties=ties, center=None, strata=True)
    close(ll, model.loglike(beta))
    close(g, model.score(beta))
    close(H, model.hessian(beta), rtol=1e-9)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cox_center_invariance(ties: str) -> None:
    cols = tuple(range(P))
    beta = np.array([0.4, -0.3, 0.2, 0.1, 0.7])
    ref = pooled_cox(beta, cols, ties=ties, center=None, strata=True)
    for center in (POOLED[COLS].mean().to_numpy(), np.array([3.0, -5.0, 1.0, 0.5, -2.0])):
        got = pooled_cox(beta, cols, ties=ties, center=center, strata=True)
        close(got[0], ref[0], rtol=1e-12)
        close(got[1], ref[1], rtol=1e-9)
        close(got[2], ref[2], rtol=1e-9)


def test_cox_stratum_without_events_contributes_nothing() -> None:
    stratum = np.concatenate([s.stratum for s in SITES])
    events = POOLED["E"].to_numpy()
    assert (stratum == 2).sum() > 0 and events[stratum == 2].sum() == 0
    assert (stratum == 3).sum() == 0
    cols = tuple(range(P))
    beta = np.array([0.4, -0.3, 0.2, 0.1, 0.7])
    parts = []
    for s in SITES:
        k, e = gridded(s)
        parts.append(cox_sums(k, e, s.X, beta, K, strata=s.stratum, n_strata=N_STRATA))
    sums = add(parts)
    assert sums["d"][2].sum() == 0 and sums["s0"][2, 0] > 0
    assert sums["s0"][3].sum() == 0
    assert (sums["d"][:, 5] == 0).all() and (sums["d"][:, 7] == 0).all()
    full = cox_objective(sums, ties="efron")
    keep = {key: (v[:2] if v.ndim >= 2 else v) for key, v in sums.items()}
    close(cox_objective(keep, ties="efron")[0], full[0], rtol=1e-13)
    close(full[0], pooled_cox(beta, cols, ties="efron", center=None, strata=True)[0])


def test_cox_sums_vectorised_equal_naive() -> None:
    rng = np.random.default_rng(5)
    n, p, kk = 60, 3, 6
    k = rng.integers(0, kk, n)
    e = rng.random(n) < 0.6
    X = rng.normal(size=(n, p))
    st = rng.integers(0, 2, n)
    beta = rng.normal(size=p)
    c = X.mean(axis=0)
    got = cox_sums(k, e, X, beta, kk, center=c, strata=st, n_strata=2)
    xc = X - c
    w = np.exp(xc @ beta)
    for s in range(2):
        for j in range(kk):
            risk = (st == s) & (k >= j)
            at = (st == s) & (k == j) & e
            close(got["d"][s, j], at.sum(), rtol=0)
            close(got["s0"][s, j], w[risk].sum(), rtol=1e-12)
            close(got["s1"][s, j], (w[risk, None] * xc[risk]).sum(0), rtol=1e-12)
            close(got["s2"][s, j], np.einsum("i,ij,il->jl", w[risk], xc[risk], xc[risk]))
            close(got["d0"][s, j], w[at].sum(), rtol=1e-12)
            close(got["d1"][s, j], (w[at, None] * xc[at]).sum(0), rtol=1e-12)
            close(got["d2"][s, j], np.einsum("i,ij,il->jl", w[at], xc[at], xc[at]))
    close(got["xd"], xc[e].sum(0), rtol=1e-12)
    close(got["etad"], [(xc[e] @ beta).sum()], rtol=1e-12)
    assert "d0" not in cox_sums(k, e, X, beta, kk, efron=False)


def test_cox_input_errors() -> None:
    k = np.array([0, 1])
    e = np.array([True, False])
    X = np.ones((2, 2))
    with pytest.raises(InputError):
        cox_sums(k, e, X, np.zeros(3), 2)
    with pytest.raises(InputError):
        cox_sums(np.array([0, 2]), e, X, np.zeros(2), 2)
    with pytest.raises(InputError):
        cox_sums(k, e, X, np.array([1000.0, 0.0]), 2)
    sums = cox_sums(k, e, X, np.zeros(2), 2, efron=False)
    with pytest.raises(InputError):
        cox_objective(sums, ties="efron")
    with pytest.raises(InputError):
        cox_objective(sums, ties="exact")
