"""GLM, Cox and Kaplan–Meier over real HTTPS + secure aggregation equal the pooled fit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from typer.testing import CliRunner

from medveil.analysis import InProcessAggregator, cox, glm, km
from medveil.analysis._survival_math import grid_index, grid_times
from medveil.cli import app
from medveil.errors import DisclosureRefusal, PolicyRefusal
from medveil.federation import Coordinator
from medveil.ledger import Entry
from tests.federation.conftest import Study

RTOL = 1e-8


@pytest.fixture(scope="module")
def coord(study: Study) -> Iterator[Coordinator]:
    fed = replace(study.fed, members=study.fed.members[:3])
    with Coordinator(fed, study.key) as c:
        yield c


@pytest.fixture(scope="module")
def local(study: Study) -> InProcessAggregator:
    frames = {s.name: {"crc": f.drop(columns=["patient_name", "resident_id"])}
              for s, f in zip(study.sites[:3], study.frames[:3], strict=True)}
    return InProcessAggregator(frames)


def _gridded(df: pd.DataFrame, width: float, n_points: int) -> pd.DataFrame:
    k, ev = grid_index(df["days"].to_numpy(float), df["died"].to_numpy(bool), width, n_points)
    return df.assign(T=grid_times(width, n_points)[k], E=ev.astype(int))


def test_logistic_regression_equals_statsmodels_and_in_process(
        coord: Coordinator, local: InProcessAggregator, study: Study) -> None:
    formula = "recurrence ~ age + C(stage) + sex + bmi"
    res = glm(coord, "crc", formula, family_name="binomial")
    ref = smf.glm(formula, study.pooled, family=sm.families.Binomial()).fit(tol=1e-13)
    assert list(res.names) == list(ref.params.index)
    np.testing.assert_allclose(res.params, ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.bse, ref.bse.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.deviance, ref.deviance, rtol=RTOL)
    np.testing.assert_allclose(res.aic, ref.aic, rtol=RTOL)
    mine = glm(local, "crc", formula, family_name="binomial")
    np.testing.assert_allclose(res.params, mine.params, rtol=1e-12)


def test_gaussian_with_missing_values(coord: Coordinator, study: Study) -> None:
    formula = "cea ~ age + sex + C(stage)"
    res = glm(coord, "crc", formula, family_name="gaussian")
    data = study.pooled.dropna(subset=["cea"])
    ref = smf.glm(formula, data, family=sm.families.Gaussian()).fit()
    np.testing.assert_allclose(res.params, ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.bse, ref.bse.to_numpy(), rtol=RTOL)
    assert res.n_dropped == int(study.pooled["cea"].isna().sum())


def test_cox_equals_lifelines(coord: Coordinator, study: Study) -> None:
    res = cox(coord, "crc", "age + C(stage) + sex", time="days", event="died", width=30.0,
              horizon=1800.0)
    g = _gridded(study.pooled, res.grid.width, res.grid.n_points)
    cph = CoxPHFitter().fit(g, "T", "E", formula="age + C(stage) + sex",
                            fit_options={"precision": 1e-12})
    order = [list(cph.params_.index).index(n) for n in res.names]
    np.testing.assert_allclose(res.params, cph.params_.to_numpy()[order], rtol=1e-6)
    np.testing.assert_allclose(res.bse, cph.standard_errors_.to_numpy()[order], rtol=1e-6)


def test_km_and_logrank_equal_lifelines(coord: Coordinator, study: Study) -> None:
    res = km(coord, "crc", time="days", event="died", width=30.0, horizon=1800.0, by="sex")
    g = _gridded(study.pooled, res.grid.width, res.grid.n_points)
    for grp in res.groups:
        sub = g[g["sex"] == grp.label]
        kmf = KaplanMeierFitter().fit(sub["T"], sub["E"])
        np.testing.assert_allclose(grp.survival, kmf.survival_function_.iloc[:, 0], rtol=1e-12)
        np.testing.assert_allclose(grp.ci_upper, kmf.confidence_interval_.iloc[:, 1],
                                   rtol=1e-12)
    ref = multivariate_logrank_test(g["T"], g["sex"], g["E"])
    assert res.logrank is not None
    assert res.logrank.statistic == pytest.approx(ref.test_statistic, rel=1e-10)


def test_identifier_in_a_formula_is_refused(coord: Coordinator) -> None:
    with pytest.raises(PolicyRefusal, match="identifier column"):
        glm(coord, "crc", "recurrence ~ age + patient_name", family_name="binomial")
    with pytest.raises(PolicyRefusal, match="identifier column"):
        cox(coord, "crc", "resident_id", time="days", event="died", width=30.0,
            horizon=1800.0)


def test_saturated_model_is_refused_by_the_nodes(coord: Coordinator) -> None:
    with pytest.raises(DisclosureRefusal, match="saturated"):
        glm(coord, "crc", "recurrence ~ C(stage)", family_name="binomial")


def test_every_round_is_in_the_ledgers(coord: Coordinator, study: Study) -> None:
    glm(coord, "crc", "recurrence ~ age", family_name="binomial")
    for site in study.sites[:3]:
        led = site.open_ledger()
        try:
            entries = [Entry.decode(d) for _, d in led.iter_entries()]
        finally:
            led.close()
        released = {e.op for e in entries if e.decision == "release"}
        assert {"glm.levels", "glm.summary", "glm.irls"} <= released


def test_cli_glm_cox_km_in_local_mode(study: Study, tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "200"})
    local = [x for s in study.sites[:3] for x in ("--local", str(s.root))]
    common = [*local, "--identity", str(study.key_path), "--dataset", "crc"]
    report = tmp_path / "glm.html"
    res = runner.invoke(app, ["glm", "--formula", "recurrence ~ age + sex", "--family",
                              "binomial", *common, "--format", "json", "--report", str(report),
                              "--no-witness"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout.split("\nreport written")[0])
    ref = smf.glm("recurrence ~ age + sex", study.pooled,
                  family=sm.families.Binomial()).fit(tol=1e-13)
    np.testing.assert_allclose([c["estimate"] for c in data["coefficients"]],
                               ref.params.to_numpy(), rtol=RTOL)
    assert "<svg" in report.read_text()
    res = runner.invoke(app, ["cox", "--covariates", "age + sex", "--time", "days", "--event",
                              "died", "--grid", "30", "--horizon", "1800", *common,
                              "--no-witness"])
    assert res.exit_code == 0, res.output
    assert "exp(coef)" in res.stdout and "sex[T.M]" in res.stdout
    res = runner.invoke(app, ["km", "--time", "days", "--event", "died", "--grid", "30",
                              "--horizon", "1800", "--by", "stage", *common, "--no-witness",
                              "--report", str(tmp_path / "km.html")])
    assert res.exit_code == 0, res.output
    assert "log-rank" in res.stdout
    res = runner.invoke(app, ["glm", "--formula", "recurrence ~ nope", "--family", "binomial",
                              *common, "--no-witness"])
    assert res.exit_code == 2 and "nope" in res.stderr
