"""Federated statistics over real HTTPS + secure aggregation equal the pooled computation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from medveil.analysis import (
    InProcessAggregator,
    anova,
    correlation,
    count,
    describe,
    histogram,
    quantiles,
    table,
    ttest,
)
from medveil.errors import DisclosureRefusal, InputError, PolicyRefusal
from medveil.federation import Coordinator
from medveil.ledger import Entry, check_witnessed, verify_ledger
from tests.federation.conftest import Study

RTOL = 1e-9


@pytest.fixture(scope="module")
def coord(study: Study) -> Iterator[Coordinator]:
    fed = replace(study.fed, members=study.fed.members[:3])
    with Coordinator(fed, study.key) as c:
        yield c


@pytest.fixture(scope="module")
def local(study: Study) -> InProcessAggregator:
    """The same three sites, in process, with identifiers withheld like the nodes do."""
    frames = {s.name: {"crc": f.drop(columns=["patient_name", "resident_id"])}
              for s, f in zip(study.sites[:3], study.frames[:3], strict=True)}
    return InProcessAggregator(frames)


def test_count_and_filtered_count(coord: Coordinator, study: Study) -> None:
    pooled = study.pooled
    assert count(coord, "crc").n == len(pooled)
    where = "stage in ('III', 'IV') and age >= 55"
    expected = int(((pooled.stage.isin(["III", "IV"])) & (pooled.age >= 55)).sum())
    assert count(coord, "crc", where=where).n == expected


def test_describe_by_group_equals_pandas(coord: Coordinator, study: Study) -> None:
    res = describe(coord, "crc", ["age", "cea", "bmi"], by="sex")
    pooled = study.pooled
    for g in ("F", "M"):
        for col in ("age", "cea", "bmi"):
            s = res.get(col, g)
            ref = pooled.loc[pooled.sex == g, col]
            assert s.n == ref.notna().sum()
            np.testing.assert_allclose([s.mean, s.variance, s.sd],
                                       [ref.mean(), ref.var(), ref.std()], rtol=RTOL)


def test_same_results_over_http_and_in_process(coord: Coordinator,
                                               local: InProcessAggregator) -> None:
    for fn in (lambda a: describe(a, "crc", ["age", "cea"], by="sex"),
               lambda a: table(a, "crc", ["stage", "sex"]),
               lambda a: ttest(a, "crc", "age", by="sex"),
               lambda a: anova(a, "crc", "bmi", by="stage"),
               lambda a: correlation(a, "crc", ["age", "cea", "bmi"]),
               lambda a: histogram(a, "crc", "age", bins=[0, 50, 60, 70, 200])):
        over_http, in_process = fn(coord).to_dict(), fn(local).to_dict()
        assert _close(over_http, in_process), (over_http, in_process)


def _close(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return bool(np.isclose(a, b, rtol=RTOL, atol=0))
    return a == b


def test_table_ttest_anova_corr_equal_scipy(coord: Coordinator, study: Study) -> None:
    pooled = study.pooled
    tab = table(coord, "crc", ["stage", "recurrence"])
    ref = pd.crosstab(pooled.stage, pooled.recurrence.astype(str))
    np.testing.assert_array_equal(tab.observed, ref.to_numpy())
    chi = sps.chi2_contingency(ref.to_numpy())
    assert tab.chi2 is not None
    np.testing.assert_allclose([tab.chi2.statistic, tab.chi2.pvalue], [chi.statistic, chi.pvalue],
                               rtol=RTOL)
    tt = ttest(coord, "crc", "cea", by="sex")
    ref_t = sps.ttest_ind(*(pooled.loc[pooled.sex == g, "cea"].dropna() for g in ("F", "M")))
    np.testing.assert_allclose([tt.statistic, tt.pvalue], [ref_t.statistic, ref_t.pvalue],
                               rtol=RTOL)
    an = anova(coord, "crc", "age", by="stage")
    ref_f = sps.f_oneway(*(pooled.loc[pooled.stage == s, "age"] for s in ("I", "II", "III", "IV")))
    np.testing.assert_allclose([an.statistic, an.pvalue], [ref_f.statistic, ref_f.pvalue],
                               rtol=RTOL)
    corr = correlation(coord, "crc", ["age", "cea", "bmi"])
    np.testing.assert_allclose(np.asarray(corr.correlation),
                               pooled[["age", "cea", "bmi"]].dropna().corr().to_numpy(),
                               rtol=RTOL)


def test_histogram_and_quantiles(coord: Coordinator, study: Study) -> None:
    pooled = study.pooled
    edges = [0, 50, 60, 70, 200]
    h = histogram(coord, "crc", "age", bins=edges)
    np.testing.assert_array_equal(h.counts, np.histogram(pooled.age, bins=edges)[0])
    q = quantiles(coord, "crc", "age", [0.25, 0.5, 0.75])
    for est in q.estimates:
        assert est.resolved, est.reason
        exact = float(np.quantile(pooled.age, est.q, method="inverted_cdf"))
        assert est.lo < exact <= est.hi


def test_identifier_columns_are_never_queryable(coord: Coordinator) -> None:
    with pytest.raises(PolicyRefusal, match="identifier column"):
        table(coord, "crc", ["resident_id"])
    with pytest.raises(PolicyRefusal, match="identifier column"):
        count(coord, "crc", where="patient_name == 'name-0-1'")


def test_small_cells_are_refused_at_the_node(coord: Coordinator) -> None:
    with pytest.raises(DisclosureRefusal, match=r"min_cell|min_records"):
        table(coord, "crc", ["stage", "sex"], where="age > 80")


def test_bad_input_names_the_problem(coord: Coordinator) -> None:
    with pytest.raises(InputError, match="nosuch"):
        describe(coord, "crc", ["nosuch"])
    with pytest.raises(PolicyRefusal, match="may not use dataset 'nosuch'"):
        count(coord, "nosuch")  # not granted (and not registered): policy answers first
    with pytest.raises(InputError):
        count(coord, "crc", where="__import__('os').system('true')")


def test_witnessing_after_a_study(coord: Coordinator, study: Study) -> None:
    done = coord.witness()
    assert len(done) == 6  # 3 logs x 2 witnesses
    ledgers = [s.open_ledger() for s in study.sites[:3]]
    try:
        for led in ledgers:
            report = verify_ledger(led)
            assert len(report.witnesses) == 2, report
            entries = [Entry.decode(d) for _, d in led.iter_entries()]
            assert any(e.op == "stats.moments" and e.decision == "release" for e in entries)
            assert any(e.decision == "refuse" for e in entries)
        for w in ledgers:
            for lg in ledgers:
                if w is not lg:
                    assert check_witnessed(w, lg) is not None
    finally:
        for led in ledgers:
            led.close()
