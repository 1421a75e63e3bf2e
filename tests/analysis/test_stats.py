"""Every federated statistic equals the same computation on the pooled rows."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from medveil.analysis import (
    anova,
    correlation,
    count,
    describe,
    histogram,
    quantiles,
    table,
    ttest,
)
from medveil.errors import InputError
from tests.analysis._cohort import DATASET, STAGES, aggregator, label, pooled, sites

RTOL = 1e-9
POOLED = pooled()


def close(a: Any, b: Any) -> None:
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=0)


def as_json(result: Any) -> Any:
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


# -- count ---------------------------------------------------------------------------

FILTERS = [
    (None, lambda p: pd.Series(True, index=p.index)),
    ("stage == 'III' and age >= 50", lambda p: (p.stage == "III") & (p.age >= 50)),
    ("not (age > 60)", lambda p: p.age <= 60),  # NA ages are in neither
    (
        "stage not in ['I', 'IV'] or sex == 'M'",
        lambda p: (p.stage.isin(["II", "III"])) | (p.sex == "M"),
    ),
    ("50 <= age < 70 and smoker == False", lambda p: (p.age >= 50) & (p.age < 70) & ~p.smoker),
    ("grade in [1, 3]", lambda p: p.grade.isin([1, 3])),
    ("bmi is not None and crp > 2.5", lambda p: p.bmi.notna() & (p.crp > 2.5)),
]


@pytest.mark.parametrize(("where", "reference"), FILTERS, ids=[str(f[0]) for f in FILTERS])
def test_count_with_filters(where: str | None, reference: Any) -> None:
    result = count(aggregator(), DATASET, where=where)
    assert result.n == int(reference(POOLED).sum())
    assert result.n_sites == 3
    assert as_json(result)["n"] == result.n


# -- describe ------------------------------------------------------------------------


def check_summary(result: Any, frame: pd.DataFrame, column: str, group: str | None) -> None:
    s = result.get(column, group)
    ref = frame[column].astype("float64")
    assert s.n == int(ref.count())
    assert s.n_missing == int(ref.isna().sum())
    close(s.mean, ref.mean())
    close(s.variance, ref.var())
    close(s.sd, ref.std())


def test_describe_without_groups() -> None:
    cols = ["age", "sbp", "bmi", "crp", "smoker", "grade"]
    result = describe(aggregator(), DATASET, cols)
    assert result.groups == () and result.by is None
    for c in cols:
        check_summary(result, POOLED, c, None)
    assert as_json(result)["summaries"][0]["column"] == "age"


@pytest.mark.parametrize("by", ["stage", "sex", "grade"])
def test_describe_by_group(by: str) -> None:
    cols = ["age", "sbp", "bmi"]
    result = describe(aggregator(), DATASET, cols, by=by)
    keys = label(POOLED[by])
    assert result.groups == tuple(sorted(keys.dropna().unique()))
    for g in result.groups:
        for c in cols:
            check_summary(result, POOLED[keys == g], c, g)
    # Missing per group is reported; rows without a group are in none.
    assert sum(result.get("age", g).n_missing for g in result.groups) == int(
        POOLED.loc[keys.notna(), "age"].isna().sum()
    )


def test_describe_with_filter() -> None:
    where = "arm == 'A' and stage in ['I', 'II']"
    result = describe(aggregator(), DATASET, ["age", "sbp"], by="sex", where=where)
    sub = POOLED[(POOLED.arm == "A") & POOLED.stage.isin(["I", "II"])]
    for g in ("F", "M"):
        for c in ("age", "sbp"):
            check_summary(result, sub[sub.sex == g], c, g)
    assert result.where == where


def test_describe_of_a_column_without_values_in_a_group() -> None:
    data = sites()
    for d in data.values():
        d[DATASET].loc[d[DATASET].stage == "IV", "bmi"] = np.nan
    result = describe(aggregator(data), DATASET, ["bmi"], by="stage")
    s = result.get("bmi", "IV")
    assert s.n == 0 and math.isnan(s.mean) and math.isnan(s.variance)
    assert s.n_missing == int((POOLED.stage == "IV").sum())
    assert as_json(result)["summaries"][3]["mean"] is None


def test_describe_errors_name_the_column() -> None:
    with pytest.raises(InputError, match="unknown column 'weight'") as info:
        describe(aggregator(), DATASET, ["age", "weight"])
    assert info.value.field == "weight"
    with pytest.raises(InputError, match="'sex' is not numeric") as info:
        describe(aggregator(), DATASET, ["sex"])
    assert info.value.field == "sex"
    with pytest.raises(InputError, match="unknown column 'ward'"):
        describe(aggregator(), DATASET, ["age"], by="ward")


# -- table ---------------------------------------------------------------------------


def crosstab(
    frame: pd.DataFrame, columns: list[str], levels: tuple[tuple[str, ...], ...]
) -> np.ndarray:
    keys = pd.DataFrame({c: label(frame[c]) for c in columns}).dropna()
    counts = keys.value_counts()
    out = np.zeros(tuple(len(lv) for lv in levels), dtype=np.int64)
    for combo, n in counts.items():
        combo = combo if isinstance(combo, tuple) else (combo,)
        out[tuple(lv.index(v) for lv, v in zip(levels, combo, strict=True))] = n
    return out


def test_one_way_table() -> None:
    result = table(aggregator(), DATASET, ["stage"])
    assert result.levels == (STAGES,)
    ref = POOLED.stage.value_counts().reindex(list(STAGES))
    assert result.observed.tolist() == ref.tolist()
    assert result.n == int(POOLED.stage.notna().sum())
    assert result.percent is not None
    close(result.percent, 100 * ref.to_numpy() / ref.sum())
    assert result.chi2 is None
    assert as_json(result)["observed"] == ref.tolist()


@pytest.mark.parametrize(
    "columns",
    [
        ["stage", "sex"],
        ["sex", "arm"],
        ["stage", "grade"],
        ["stage", "sex", "arm"],
        ["grade", "smoker", "arm"],
    ],
)
def test_contingency_table_and_chi_square(columns: list[str]) -> None:
    result = table(aggregator(), DATASET, columns)
    ref = crosstab(POOLED, columns, result.levels)
    np.testing.assert_array_equal(result.observed, ref)
    assert result.n == int(ref.sum())
    # The 2-way case against pandas.crosstab itself.
    if len(columns) == 2:
        pct = pd.crosstab(label(POOLED[columns[0]]), label(POOLED[columns[1]]))
        np.testing.assert_array_equal(result.observed, pct.to_numpy())
    expected = stats.chi2_contingency(ref)
    assert result.chi2 is not None
    close(result.chi2.statistic, expected.statistic)
    close(result.chi2.pvalue, expected.pvalue)
    assert result.chi2.dof == expected.dof
    close(result.chi2.expected, expected.expected_freq)
    assert result.chi2.correction == (expected.dof == 1)
    as_json(result)


def test_two_by_two_uses_yates() -> None:
    result = table(aggregator(), DATASET, ["sex", "arm"])
    assert result.chi2 is not None and result.chi2.dof == 1 and result.chi2.correction
    no_yates = stats.chi2_contingency(result.observed, correction=False).statistic
    assert result.chi2.statistic < no_yates


def test_table_levels_missing_at_some_sites_and_numeric_codes() -> None:
    result = table(aggregator(), DATASET, ["grade"])
    assert result.levels == (("1", "2", "3"),)  # grade 3 exists at a and b only
    assert result.observed.tolist() == POOLED.grade.value_counts().sort_index().tolist()


def test_table_with_filter() -> None:
    result = table(aggregator(), DATASET, ["stage", "arm"], where="sex == 'F'")
    sub = POOLED[POOLED.sex == "F"]
    np.testing.assert_array_equal(result.observed, pd.crosstab(sub.stage, sub.arm).to_numpy())


def test_table_needs_one_to_three_columns() -> None:
    with pytest.raises(InputError, match="1 to 3 columns"):
        table(aggregator(), DATASET, [])
    with pytest.raises(InputError, match="1 to 3 columns"):
        table(aggregator(), DATASET, ["stage", "sex", "arm", "grade"])


# -- t-test and ANOVA ----------------------------------------------------------------


@pytest.mark.parametrize("equal_var", [True, False])
@pytest.mark.parametrize(
    ("column", "by"), [("sbp", "arm"), ("age", "sex"), ("crp", "smoker"), ("bmi", "smoker")]
)
def test_ttest_equals_scipy(column: str, by: str, equal_var: bool) -> None:
    result = ttest(aggregator(), DATASET, column, by=by, equal_var=equal_var)
    keys = label(POOLED[by])
    a, b = (POOLED.loc[keys == g, column].dropna() for g in result.groups)
    ref = stats.ttest_ind(a, b, equal_var=equal_var)
    close(result.statistic, ref.statistic)
    close(result.pvalue, ref.pvalue)
    close(result.df, ref.df)
    assert result.n == (len(a), len(b))
    close(result.mean, (a.mean(), b.mean()))
    close(result.sd, (a.std(), b.std()))
    assert as_json(result)["equal_var"] is equal_var


def test_ttest_with_filter() -> None:
    result = ttest(aggregator(), DATASET, "sbp", by="arm", where="stage in ['III', 'IV']")
    sub = POOLED[POOLED.stage.isin(["III", "IV"])]
    ref = stats.ttest_ind(*(sub.loc[sub.arm == g, "sbp"].dropna() for g in ("A", "B")))
    close(result.statistic, ref.statistic)
    close(result.pvalue, ref.pvalue)


def test_ttest_needs_exactly_two_groups() -> None:
    with pytest.raises(InputError, match="'stage' has 4 levels; a t-test needs exactly 2") as info:
        ttest(aggregator(), DATASET, "age", by="stage")
    assert info.value.field == "stage"


@pytest.mark.parametrize(("column", "by"), [("age", "stage"), ("sbp", "grade"), ("crp", "sex")])
def test_anova_equals_scipy(column: str, by: str) -> None:
    result = anova(aggregator(), DATASET, column, by=by)
    keys = label(POOLED[by])
    groups = [POOLED.loc[keys == g, column].dropna() for g in result.groups]
    ref = stats.f_oneway(*groups)
    close(result.statistic, ref.statistic)
    close(result.pvalue, ref.pvalue)
    assert result.n.tolist() == [len(g) for g in groups]
    assert result.df_between == len(groups) - 1
    assert result.df_within == sum(len(g) for g in groups) - len(groups)
    as_json(result)


def test_anova_with_filter() -> None:
    result = anova(aggregator(), DATASET, "age", by="stage", where="arm == 'B'")
    sub = POOLED[POOLED.arm == "B"]
    ref = stats.f_oneway(*(sub.loc[sub.stage == g, "age"].dropna() for g in STAGES))
    close(result.statistic, ref.statistic)
    close(result.pvalue, ref.pvalue)


# -- correlation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "where", "reference"),
    [
        (["age", "sbp", "bmi", "crp"], None, lambda p: p),
        (["age", "sbp"], "sex == 'M'", lambda p: p[p.sex == "M"]),
        (["bmi", "grade", "smoker"], "stage is not None", lambda p: p[p.stage.notna()]),
    ],
)
def test_correlation_equals_pandas(columns: list[str], where: str | None, reference: Any) -> None:
    result = correlation(aggregator(), DATASET, columns, where=where)
    ref = reference(POOLED)[columns].astype("float64").dropna()
    assert result.n == len(ref)
    close(result.mean, ref.mean().to_numpy())
    close(result.covariance, ref.cov().to_numpy())
    close(result.correlation, ref.corr().to_numpy())
    assert as_json(result)["columns"] == columns


def test_correlation_needs_two_columns() -> None:
    with pytest.raises(InputError, match="at least 2 columns"):
        correlation(aggregator(), DATASET, ["age"])


# -- histogram -----------------------------------------------------------------------


def test_histogram_with_given_edges_equals_numpy() -> None:
    edges = [20.0, 55.0, 65.0, 75.0, 110.0]
    result = histogram(aggregator(), DATASET, "age", bins=edges)
    x = POOLED.age.dropna().to_numpy()
    assert np.isin(x, edges).any()  # values on edges exist: numpy's edge rule matters
    assert result.counts.tolist() == np.histogram(x, bins=edges)[0].tolist()
    assert result.below == int((x < 20).sum()) and result.above == int((x > 110).sum())
    assert result.n == len(x)
    assert not result.agreed and not result.open_ends
    assert as_json(result)["edges"] == edges


def test_histogram_counts_outside_values() -> None:
    edges = [1.0, 2.0, 3.0, 5.0]
    result = histogram(aggregator(), DATASET, "crp", bins=edges, where="sex == 'F'")
    x = POOLED.loc[POOLED.sex == "F", "crp"].to_numpy()
    assert result.counts.tolist() == np.histogram(x, bins=edges)[0].tolist()
    assert result.below == int((x < 1).sum()) and result.above == int((x > 5).sum())
    assert result.n == len(x)


@pytest.mark.parametrize(("column", "bins"), [("sbp", 4), ("bmi", 6)])
def test_histogram_with_agreed_edges(column: str, bins: int) -> None:
    result = histogram(aggregator(), DATASET, column, bins=bins)
    x = POOLED[column].dropna().to_numpy()
    mean, sd = x.mean(), x.std(ddof=1)
    close(result.edges, np.linspace(mean - 3 * sd, mean + 3 * sd, bins + 1))
    assert result.agreed and result.open_ends and result.below is None
    # Open ends: values beyond mean ± 3 sd fall in the first and last bins.
    clipped = np.clip(x, result.edges[0], result.edges[-1])
    assert result.counts.tolist() == np.histogram(clipped, bins=result.edges)[0].tolist()
    assert result.n == len(x)
    assert as_json(result)["below"] is None


@pytest.mark.parametrize(
    ("bins", "needle"),
    [([1.0], "2 to"), ([2.0, 1.0], "increase strictly"), ([1.0, math.inf], "finite"), (0, "bins")],
)
def test_histogram_bad_bins(bins: Any, needle: str) -> None:
    with pytest.raises(InputError, match=needle) as info:
        histogram(aggregator(), DATASET, "age", bins=bins)
    assert info.value.field == "bins"


# -- quantiles -----------------------------------------------------------------------


@pytest.mark.parametrize("column", ["crp", "sbp", "age"])
def test_quantiles_bracket_numpy_inverted_cdf(column: str) -> None:
    qs = [0.25, 0.5, 0.75, 0.9]
    agg = aggregator()
    result = quantiles(agg, DATASET, column, qs)
    x = POOLED[column].dropna().to_numpy()
    assert result.n == len(x)
    close(result.resolution, x.std(ddof=1) * 1e-6)
    for est in result.estimates:
        truth = np.quantile(x, est.q, method="inverted_cdf")
        assert est.resolved, est.reason
        assert est.lo < truth <= est.hi
        assert est.hi - est.lo <= result.resolution
        assert est.midpoint is not None and est.lo <= est.midpoint <= est.hi
        assert abs(est.midpoint - truth) <= result.resolution
        assert est.rank == math.ceil(len(x) * est.q)
        assert est.rounds <= 25
    as_json(result)


def test_quantile_resolution_and_filter() -> None:
    where = "stage in ['II', 'III']"
    result = quantiles(aggregator(), DATASET, "bmi", [0.5], where=where, resolution=0.01)
    x = POOLED.loc[POOLED.stage.isin(["II", "III"]), "bmi"].dropna().to_numpy()
    est = result.estimates[0]
    assert est.lo < np.quantile(x, 0.5, method="inverted_cdf") <= est.hi
    assert est.hi - est.lo <= 0.01
    assert result.resolution == 0.01


def test_a_refused_quantile_is_unresolved_and_the_others_resolve() -> None:
    # Site c holds very few low ages: the pooled 5th percentile lies in its tail.
    result = quantiles(aggregator(), DATASET, "age", [0.05, 0.5])
    low, mid = result.estimates
    assert not low.resolved and low.midpoint is None
    assert low.reason is not None and "min_cell" in low.reason and "site 'c'" in low.reason
    assert mid.resolved
    x = POOLED.age.dropna().to_numpy()
    assert mid.lo < np.quantile(x, 0.5, method="inverted_cdf") <= mid.hi
    assert as_json(result)["estimates"][0]["resolved"] is False


@pytest.mark.parametrize("q", [0.0, 1.0, -0.1, 1.5, math.nan])
def test_minimum_and_maximum_are_not_quantiles(q: float) -> None:
    with pytest.raises(InputError, match="strictly between 0 and 1") as info:
        quantiles(aggregator(), DATASET, "age", [q])
    assert info.value.field == "qs"


def test_quantiles_of_a_non_numeric_column() -> None:
    with pytest.raises(InputError, match="'stage' is not numeric"):
        quantiles(aggregator(), DATASET, "stage", [0.5])
