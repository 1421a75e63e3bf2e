"""Federated Kaplan–Meier, log-rank and Cox (in process) against lifelines and statsmodels
on the pooled rows with durations put on the same grid."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from statsmodels.duration.hazard_regression import PHReg

from medveil.analysis import InProcessAggregator, cox, km
from medveil.analysis._survival_math import grid_index, grid_times
from medveil.errors import DisclosureRefusal, InputError, ModelError
from medveil.policy import DisclosureThresholds

WIDTH = 30.0
HORIZON = 1800.0


def _site(name: str, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    shift = {"a": 0.0, "b": 1.0, "c": -1.0}[name]
    stage = rng.choice(["I", "II", "III"], n, p=[0.4, 0.35, 0.25])
    sex = rng.choice(["F", "M"], n)
    age = rng.normal(62 + 3 * shift, 9, n).round(1)
    s = pd.Series(stage).map({"I": 0.0, "II": 0.5, "III": 1.1}).to_numpy()
    rate = np.exp(-7.2 + 0.02 * (age - 60) + s + 0.2 * (sex == "M") + 0.1 * shift)
    t_event = rng.exponential(1 / rate)
    t_cens = rng.uniform(200, 2600, n)
    days = np.minimum(t_event, t_cens).round(0)
    died = (t_event <= t_cens).astype(int)
    return pd.DataFrame({"days": days, "died": died, "stage": stage, "sex": sex, "age": age,
                         "site": name})


SITES = {"a": _site("a", 1400, 21), "b": _site("b", 900, 22), "c": _site("c", 700, 23)}
POOLED = pd.concat(SITES.values(), ignore_index=True)
AGG = InProcessAggregator({k: {"crc": v} for k, v in SITES.items()})


def _gridded(df: pd.DataFrame, width: float, n_points: int) -> pd.DataFrame:
    k, ev = grid_index(df["days"].to_numpy(float), df["died"].to_numpy(bool), width, n_points)
    out = df.copy()
    out["T"] = grid_times(width, n_points)[k]
    out["E"] = ev.astype(int)
    return out


def test_km_overall_equals_lifelines() -> None:
    res = km(AGG, "crc", time="days", event="died", width=WIDTH, horizon=HORIZON)
    g = _gridded(POOLED, res.grid.width, res.grid.n_points)
    kmf = KaplanMeierFitter().fit(g["T"], g["E"])
    (grp,) = res.groups
    np.testing.assert_allclose(grp.times, kmf.survival_function_.index.to_numpy())
    np.testing.assert_allclose(grp.survival, kmf.survival_function_.iloc[:, 0], rtol=1e-12)
    ci = kmf.confidence_interval_.to_numpy()
    np.testing.assert_allclose(grp.ci_lower, ci[:, 0], rtol=1e-12)
    np.testing.assert_allclose(grp.ci_upper, ci[:, 1], rtol=1e-12)
    assert grp.n == len(POOLED) and grp.n_events == int(g["E"].sum())
    med = kmf.median_survival_time_
    assert (grp.median is None and np.isinf(med)) or grp.median == pytest.approx(med)
    assert res.logrank is None


def test_km_by_group_and_logrank_equal_lifelines() -> None:
    res = km(AGG, "crc", time="days", event="died", width=WIDTH, horizon=HORIZON, by="stage",
             alpha=0.1)
    g = _gridded(POOLED, res.grid.width, res.grid.n_points)
    assert [x.label for x in res.groups] == ["I", "II", "III"]
    for grp in res.groups:
        sub = g[g["stage"] == grp.label]
        kmf = KaplanMeierFitter(alpha=0.1).fit(sub["T"], sub["E"])
        np.testing.assert_allclose(grp.survival, kmf.survival_function_.iloc[:, 0], rtol=1e-12)
        np.testing.assert_allclose(grp.ci_lower, kmf.confidence_interval_.iloc[:, 0],
                                   rtol=1e-12)
    ref = multivariate_logrank_test(g["T"], g["stage"], g["E"])
    assert res.logrank is not None
    assert res.logrank.statistic == pytest.approx(ref.test_statistic, rel=1e-10)
    assert res.logrank.p_value == pytest.approx(ref.p_value, rel=1e-8)
    assert res.logrank.df == 2


def _cox_ref(res: Any, formula: str, strata: list[str] | None = None) -> CoxPHFitter:
    g = _gridded(POOLED, res.grid.width, res.grid.n_points)
    cph = CoxPHFitter()
    cph.fit(g, duration_col="T", event_col="E", formula=formula, strata=strata,
            fit_options={"precision": 1e-12})  # lifelines' default stops at 1e-7
    return cph


def _compare_cox(res: Any, cph: CoxPHFitter) -> None:
    ref = cph.params_
    order = [list(ref.index).index(n) for n in res.names]
    np.testing.assert_allclose(res.params, ref.to_numpy()[order], rtol=1e-6)
    np.testing.assert_allclose(res.bse, cph.standard_errors_.to_numpy()[order], rtol=1e-6)
    assert res.log_likelihood == pytest.approx(cph.log_likelihood_, rel=1e-9)


def test_cox_efron_equals_lifelines() -> None:
    res = cox(AGG, "crc", "age + C(stage) + sex", time="days", event="died", width=WIDTH,
              horizon=HORIZON)
    assert res.names == ("C(stage)[T.II]", "C(stage)[T.III]", "sex[T.M]", "age")
    cph = _cox_ref(res, "age + C(stage) + sex")
    _compare_cox(res, cph)
    np.testing.assert_allclose(res.hazard_ratios, np.exp(res.params))
    assert res.lr_df == 4 and res.lr_statistic > 0
    assert res.aic_partial == pytest.approx(cph.AIC_partial_, rel=1e-9)
    assert res.concordance is None and "pairs" in res.concordance_note
    assert res.n == len(POOLED)


def test_cox_breslow_equals_statsmodels() -> None:
    res = cox(AGG, "crc", "age + sex", time="days", event="died", width=WIDTH,
              horizon=HORIZON, ties="breslow")
    g = _gridded(POOLED, res.grid.width, res.grid.n_points)
    x = np.column_stack([(g["sex"] == "M").astype(float), g["age"]])
    ref = PHReg(g["T"].to_numpy(), x, status=g["E"].to_numpy(), ties="breslow").fit()
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-8)
    np.testing.assert_allclose(res.bse, ref.bse, rtol=1e-8)
    assert res.log_likelihood == pytest.approx(ref.llf, rel=1e-10)


def test_cox_with_strata_column_equals_lifelines() -> None:
    res = cox(AGG, "crc", "age + sex", time="days", event="died", width=WIDTH,
              horizon=HORIZON, strata="stage")
    cph = _cox_ref(res, "age + sex", strata=["stage"])
    _compare_cox(res, cph)


def test_cox_stratified_by_site_equals_lifelines() -> None:
    res = cox(AGG, "crc", "age + C(stage)", time="days", event="died", width=WIDTH,
              horizon=HORIZON, strata_by_site=True)
    cph = _cox_ref(res, "age + C(stage)", strata=["site"])
    _compare_cox(res, cph)


def test_json_has_a_hazard_ratio_table() -> None:
    res = cox(AGG, "crc", "age", time="days", event="died", width=WIDTH, horizon=HORIZON)
    d = res.to_dict()
    assert d["coefficients"][0]["name"] == "age"
    assert set(d["coefficients"][0]) >= {"hazard_ratio", "hr_ci_lower", "hr_ci_upper",
                                         "p_value"}
    assert d["grid"]["width"] == res.grid.width and d["grid"]["notes"] == list(res.grid.notes)


# -- grid planning -------------------------------------------------------------------------

def test_sparse_tail_truncates_the_grid_with_a_note() -> None:
    sites = {k: v.copy() for k, v in SITES.items()}
    # three long-followed patients at one site: their tail cannot be released there
    sites["c"].loc[sites["c"].index[:3], ["days", "died"]] = [2500.0, 1]
    agg = InProcessAggregator({k: {"crc": v} for k, v in sites.items()})
    res = km(agg, "crc", time="days", event="died", width=WIDTH, horizon=2700.0)
    assert res.grid.n_points < 90 and any("truncated" in n for n in res.grid.notes)
    # equal to lifelines on the truncated grid
    pooled = pd.concat(sites.values(), ignore_index=True)
    g = _gridded(pooled, res.grid.width, res.grid.n_points)
    kmf = KaplanMeierFitter().fit(g["T"], g["E"])
    np.testing.assert_allclose(res.groups[0].survival, kmf.survival_function_.iloc[:, 0],
                               rtol=1e-12)


def test_min_time_grid_coarsens_the_grid() -> None:
    agg = InProcessAggregator({k: {"crc": v} for k, v in SITES.items()},
                              thresholds=DisclosureThresholds(min_time_grid=240.0))
    res = km(agg, "crc", time="days", event="died", width=WIDTH, horizon=HORIZON)
    assert res.grid.width == 240.0 and any("coarsened" in n for n in res.grid.notes)


def test_no_releasable_grid_is_refused() -> None:
    tiny = {k: v.iloc[:12] for k, v in SITES.items()}
    agg = InProcessAggregator({k: {"crc": v} for k, v in tiny.items()},
                              thresholds=DisclosureThresholds(min_cell=11))
    with pytest.raises(DisclosureRefusal, match="no grid"):
        km(agg, "crc", time="days", event="died", width=1.0, horizon=3000.0)


# -- bad input -----------------------------------------------------------------------------

def test_bad_survival_input() -> None:
    with pytest.raises(InputError, match="'nope'"):
        km(AGG, "crc", time="nope", event="died", width=WIDTH, horizon=HORIZON)
    with pytest.raises(InputError, match="must be 0/1"):
        km(AGG, "crc", time="days", event="age", width=WIDTH, horizon=HORIZON)
    bad = {k: v.assign(days=-v["days"]) for k, v in SITES.items()}
    with pytest.raises(InputError, match="time"):
        km(InProcessAggregator({k: {"crc": v} for k, v in bad.items()}), "crc", time="days",
           event="died", width=WIDTH, horizon=HORIZON)
    with pytest.raises(InputError, match="horizon"):
        km(AGG, "crc", time="days", event="died", width=WIDTH, horizon=10.0)
    with pytest.raises(InputError, match="ties"):
        cox(AGG, "crc", "age", time="days", event="died", width=WIDTH, horizon=HORIZON,
            ties="exact")


def test_collinear_covariates_are_reported() -> None:
    sites = {k: v.assign(age2=v["age"] * 2.0) for k, v in SITES.items()}
    agg = InProcessAggregator({k: {"crc": v} for k, v in sites.items()})
    with pytest.raises(ModelError, match="collinear"):
        cox(agg, "crc", "age + age2", time="days", event="died", width=WIDTH, horizon=HORIZON)


def test_missing_values_are_dropped_listwise() -> None:
    sites = {k: v.copy() for k, v in SITES.items()}
    for v in sites.values():
        v.loc[v.index[:6], "age"] = np.nan
    agg = InProcessAggregator({k: {"crc": v} for k, v in sites.items()})
    res = cox(agg, "crc", "age + sex", time="days", event="died", width=WIDTH,
              horizon=HORIZON)
    assert res.n == len(POOLED) - 18
