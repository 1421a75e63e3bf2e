from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel

import medveil.analysis
from medveil.analysis import (
    NODE_OPS,
    Contribution,
    InProcessAggregator,
    Totals,
    count,
    op_params_model,
    run_node_op,
)
from medveil.analysis._aggregator import combine
from medveil.errors import DisclosureRefusal, InputError, IntegrityError
from medveil.policy import DisclosureThresholds
from tests.analysis._cohort import DATASET, aggregator, sites

OPS = {
    "stats.count": {},
    "stats.levels": {"columns": ["stage", "grade"]},
    "stats.moments": {"columns": ["age", "bmi"], "by": "stage", "levels": ["I", "II", "III", "IV"]},
    "stats.centered": {
        "columns": ["age", "bmi"],
        "by": "stage",
        "levels": ["I", "II", "III", "IV"],
        "means": [[60.0, 27.0], [61.0, 27.5], [62.5, 28.0], [70.0, 26.0]],
    },
    "stats.cells": {"columns": ["stage", "sex"], "levels": [["I", "II", "III", "IV"], ["F", "M"]]},
    "stats.cdf": {"column": "age", "thresholds": [50.0, 60.0, 70.0]},
    "stats.histogram": {"column": "age", "edges": [20.0, 55.0, 65.0, 75.0, 110.0]},
    "stats.crossprod": {"columns": ["age", "sbp"], "means": [60.0, 125.0]},
    "glm.levels": {"formula": "sbp ~ age + C(stage) + sex", "family": "gaussian",
                   "link": "identity"},
    "glm.summary": {"formula": "sbp ~ age + C(stage) + sex", "family": "gaussian",
                    "link": "identity",
                    "kinds": {"age": "numeric", "stage": "categorical", "sex": "categorical"},
                    "levels": {"stage": ["I", "II", "III", "IV"], "sex": ["F", "M"]}},
    "glm.irls": {"formula": "sbp ~ age + C(stage) + sex", "family": "gaussian",
                 "link": "identity",
                 "kinds": {"age": "numeric", "stage": "categorical", "sex": "categorical"},
                 "levels": {"stage": ["I", "II", "III", "IV"], "sex": ["F", "M"]},
                 "scales": [1.0, 1.0, 1.0, 1.0, 1.0, 64.0], "beta": None, "y_mean": 125.0,
                 "null_mu": 125.0},
    "surv.levels": {"formula": "age ~ C(stage)", "family": "gaussian", "link": "identity",
                    "require": ["smoker"]},
    "surv.summary": {"formula": "age ~ bmi + sex", "family": "gaussian", "link": "identity",
                     "kinds": {"bmi": "numeric", "sex": "categorical"},
                     "levels": {"sex": ["F", "M"]}, "require": ["smoker"]},
    "surv.plan": {"time": "age", "event": "smoker", "width": 10.0, "n_points": 10},
    "surv.km": {"time": "age", "event": "smoker", "width": 10.0, "n_points": 10, "by": "sex",
                "levels": ["F", "M"]},
    "surv.cox": {"time": "age", "event": "smoker", "width": 10.0, "n_points": 10,
                 "covariates": "~ bmi + sex", "kinds": {"bmi": "numeric", "sex": "categorical"},
                 "design_levels": {"sex": ["F", "M"]}, "beta": [0.0, 0.0], "center": [0.0, 27.0],
                 "scales": [1.0, 1.0]},
}


def test_registry_and_models() -> None:
    assert set(NODE_OPS) == set(OPS)
    for op in OPS:
        model = op_params_model(op)
        assert issubclass(model, BaseModel)
        model.model_validate(OPS[op])
    with pytest.raises(InputError, match=r"unknown op 'stats\.min'") as info:
        op_params_model("stats.min")
    assert info.value.field == "op"
    with pytest.raises(InputError, match="unknown op"):
        run_node_op("os.system", pd.DataFrame(), {})


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_site_sends_the_same_keys_and_shapes(op: str) -> None:
    params = json.loads(json.dumps(OPS[op], allow_nan=False))  # the wire is JSON
    parts = {
        name: run_node_op(op, data[DATASET], params) for name, data in sites().items()
    }
    shapes = {
        name: (
            {k: v.shape for k, v in c.cells.items()},
            {k: v.shape for k, v in c.sums.items()},
        )
        for name, c in parts.items()
    }
    assert len({json.dumps(s, sort_keys=True) for s in shapes.values()}) == 1
    for c in parts.values():
        assert all(v.dtype == np.int64 for v in c.cells.values())
        assert all(v.dtype == np.float64 for v in c.sums.values())
    # The registry entry is the same function with raw params.
    df = sites()["a"][DATASET]
    direct = NODE_OPS[op](df, params)
    via = run_node_op(op, df, params)
    for key in direct.cells:
        np.testing.assert_array_equal(direct.cells[key], via.cells[key])


def test_contribution_is_a_frozen_value() -> None:
    c = Contribution(cells={"n": [1, 2]}, sums={"s": [0.5]}, n_records=3)
    assert c.cells["n"].dtype == np.int64 and c.sums["s"].dtype == np.float64
    with pytest.raises(ValueError):
        c.cells["n"][0] = 7
    with pytest.raises(TypeError):
        c.cells["m"] = np.array([1])  # type: ignore[index]
    with pytest.raises(AttributeError):
        c.n_records = 4  # type: ignore[misc]
    with pytest.raises(ValueError, match="negative"):
        Contribution(cells={"n": [-1]}, sums={}, n_records=1)
    with pytest.raises(ValueError, match="not finite"):
        Contribution(cells={}, sums={"s": [np.nan]}, n_records=1)
    with pytest.raises(ValueError, match="not finite"):
        Totals(cells={}, sums={"s": [np.inf]}, levels={}, n_sites=3)


def test_levels_are_normalised_across_dtypes() -> None:
    data = sites()
    assert data["a"][DATASET]["grade"].dtype == np.int64
    assert data["b"][DATASET]["grade"].dtype == np.float64
    for name in data:
        c = run_node_op("stats.levels", data[name][DATASET], {"columns": ["grade", "smoker"]})
        assert set(c.levels["grade"]) <= {"1", "2", "3"}
        assert c.levels["smoker"] == ("False", "True")
    totals = aggregator(data).aggregate("stats.levels", DATASET, None, {"columns": ["stage"]})
    assert totals.levels["stage"] == ("I", "II", "III", "IV")  # IV is absent at site c
    assert totals.cells == {} and totals.n_sites == 3


def test_levels_count_only_rows_complete_in_all_columns() -> None:
    df = pd.DataFrame({"a": ["x", "y", None], "b": ["p", None, "q"]})
    c = run_node_op("stats.levels", df, {"columns": ["a", "b"]})
    assert dict(c.levels) == {"a": ("x",), "b": ("p",)}


def test_n_records_counts_rows_left_by_the_filter() -> None:
    df = sites()["a"][DATASET]
    c = run_node_op("stats.count", df, {}, where="sex == 'F'")
    assert c.n_records == int((df["sex"] == "F").sum()) == int(c.cells["n"][0])


@pytest.mark.parametrize(
    ("op", "params", "field"),
    [
        ("stats.count", {"x": 1}, "x"),
        ("stats.levels", {"columns": []}, "columns"),
        ("stats.levels", {"columns": "stage"}, "columns"),
        ("stats.levels", {"columns": ["a", "a"]}, "params"),
        ("stats.moments", {"columns": ["age"], "by": "stage"}, "params"),
        ("stats.moments", {"columns": ["age"], "by": "age", "levels": ["1"]}, "params"),
        ("stats.centered", {"columns": ["age"], "means": [[1.0, 2.0]]}, "params"),
        ("stats.centered", {"columns": ["age"], "means": [["1"]]}, "means.0.0"),
        ("stats.cells", {"columns": ["a", "b"], "levels": [["x"]]}, "params"),
        ("stats.cells", {"columns": ["a"], "levels": [[]]}, "params"),
        ("stats.cells", {"columns": ["a", "b", "c", "d"], "levels": [["x"]] * 4}, "columns"),
        (
            "stats.cells",
            {"columns": ["a", "b"], "levels": [[str(i) for i in range(400)]] * 2},
            "params",
        ),
        ("stats.cdf", {"column": "age", "thresholds": [float("nan")]}, "thresholds.0"),
        ("stats.cdf", {"column": "age", "thresholds": [1.0] * 65}, "thresholds"),
        ("stats.cdf", {"column": 3, "thresholds": [1.0]}, "column"),
        ("stats.histogram", {"column": "age", "edges": [1.0, 1.0]}, "params"),
        ("stats.histogram", {"column": "age", "edges": [1.0]}, "edges"),
        ("stats.crossprod", {"columns": ["age", "sbp"], "means": [1.0]}, "params"),
        ("stats.crossprod", {"columns": ["age"], "means": [True]}, "means.0"),
    ],
)
def test_bad_params_are_refused_naming_the_field(
    op: str, params: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as info:
        run_node_op(op, sites()["c"][DATASET], params)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("op", "params", "field", "needle"),
    [
        ("stats.moments", {"columns": ["weight"]}, "weight", "unknown column 'weight'"),
        ("stats.moments", {"columns": ["stage"]}, "stage", "'stage' is not numeric"),
        ("stats.cdf", {"column": "sex", "thresholds": [1.0]}, "sex", "'sex' is not numeric"),
        ("stats.crossprod", {"columns": ["age", "arm"]}, "arm", "'arm' is not numeric"),
        ("stats.cells", {"columns": ["nope"], "levels": [["x"]]}, "nope", "unknown column"),
        (
            "stats.cells",
            {"columns": ["stage"], "levels": [["I", "II"]]},
            "stage",
            "outside the agreed levels",
        ),
        (
            "stats.moments",
            {"columns": ["age"], "by": "stage", "levels": ["I"]},
            "stage",
            "outside the agreed levels",
        ),
    ],
)
def test_column_errors_name_the_column(
    op: str, params: dict[str, Any], field: str, needle: str
) -> None:
    with pytest.raises(InputError, match=needle) as info:
        run_node_op(op, sites()["a"][DATASET], params)
    assert info.value.field == field


def test_infinite_values_are_refused() -> None:
    df = pd.DataFrame({"x": [1.0, np.inf] + [2.0] * 10})
    with pytest.raises(InputError, match="'x' holds infinite values"):
        run_node_op("stats.moments", df, {"columns": ["x"]})


def test_centered_needs_a_mean_for_every_group_with_values() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0]})
    with pytest.raises(InputError, match="no pooled mean") as info:
        run_node_op("stats.centered", df, {"columns": ["x"], "means": [[None]]})
    assert info.value.field == "means"


def test_nullable_and_boolean_columns_are_numbers() -> None:
    df = pd.DataFrame(
        {"i": pd.array([1, None, 3], dtype="Int64"), "b": [True, False, True]}
    )
    c = run_node_op("stats.moments", df, {"columns": ["i", "b"], "missing": True})
    assert c.cells["n"].tolist() == [[2, 3]]
    assert c.cells["n_missing"].tolist() == [[1, 0]]
    assert c.sums["sum"].tolist() == [[4.0, 2.0]]


def test_histogram_edges_follow_numpy() -> None:
    x = np.array([0.0, 1.0, 1.0, 2.0, 2.5, 3.0, 3.0, -1.0, 4.0, np.nan])
    edges = [0.0, 1.0, 2.0, 3.0]
    c = run_node_op("stats.histogram", pd.DataFrame({"x": x}), {"column": "x", "edges": edges})
    assert c.cells["bins"].tolist() == np.histogram(x[~np.isnan(x)], bins=edges)[0].tolist()
    assert int(c.cells["below"][0]) == 1 and int(c.cells["above"][0]) == 1
    params = {"column": "x", "edges": edges, "open_ends": True}
    folded = run_node_op("stats.histogram", pd.DataFrame({"x": x}), params)
    assert folded.cells["bins"].tolist() == [2, 2, 5]
    assert int(folded.cells["below"][0]) == 0 and int(folded.cells["above"][0]) == 0


def test_cdf_counts_both_tails() -> None:
    x = pd.DataFrame({"x": [1.0, 2.0, 2.0, 3.0, np.nan]})
    c = run_node_op("stats.cdf", x, {"column": "x", "thresholds": [0.0, 2.0, 5.0]})
    assert c.cells["le"].tolist() == [0, 3, 4]
    assert c.cells["gt"].tolist() == [4, 1, 0]


# -- the in-process aggregator -------------------------------------------------------


def test_unknown_dataset_names_it_and_the_site() -> None:
    with pytest.raises(InputError, match="unknown dataset 'labs' at site 'a'") as info:
        count(aggregator(), "labs")
    assert info.value.field == "dataset"


def test_min_sites_is_checked_before_any_site_is_asked() -> None:
    data = sites()
    del data["c"]
    with pytest.raises(DisclosureRefusal, match="min_sites"):
        count(InProcessAggregator(data), DATASET)
    assert count(
        InProcessAggregator(data, thresholds=DisclosureThresholds(min_sites=2)), DATASET
    ).n == sum(len(d[DATASET]) for d in data.values())


def test_a_small_cell_at_one_site_refuses_naming_site_and_cell() -> None:
    data = sites()
    df = data["b"][DATASET]
    data["b"][DATASET] = pd.concat([df, df.head(3).assign(stage="V")], ignore_index=True)
    agg = aggregator(data)
    with pytest.raises(DisclosureRefusal) as info:
        medveil.analysis.table(agg, DATASET, ["stage"])
    msg = str(info.value)
    assert msg.startswith("site 'b': cell 'n'[4]")
    assert "min_cell" in msg


def test_min_records_counts_rows_after_the_filter() -> None:
    agg = aggregator()
    # Only a few rows at each site have age between 70 and 71.
    with pytest.raises(DisclosureRefusal, match="min_records"):
        count(agg, DATASET, where="age >= 70 and age < 70.5")


def test_a_filter_matching_no_row_at_a_site_is_refused() -> None:
    # 0 records would leave the pool to the other sites: refused like 1..9.
    with pytest.raises(DisclosureRefusal, match=r"site 'c'.*min_records"):
        count(aggregator(), DATASET, where="stage == 'IV'")


def test_combine_refuses_mismatched_contributions() -> None:
    a = Contribution(cells={"n": [5]}, sums={}, n_records=10)
    b = Contribution(cells={"n": [5, 6]}, sums={}, n_records=10)
    c = Contribution(cells={"m": [5]}, sums={}, n_records=10)
    with pytest.raises(IntegrityError, match="site 'b' sent cell 'n' of another shape"):
        combine({"a": a, "b": b})
    with pytest.raises(IntegrityError, match="site 'c' sent different cell keys"):
        combine({"a": a, "c": c})
    total = combine({"a": a, "b2": a})
    assert total.cells["n"].tolist() == [10] and total.n_sites == 2


def test_rounds_are_counted() -> None:
    agg = aggregator()
    medveil.analysis.describe(agg, DATASET, ["age"], by="sex")
    assert agg.rounds == 3


def test_moments_release_missing_counts_only_when_asked() -> None:
    df = sites()["a"][DATASET]
    assert set(run_node_op("stats.moments", df, {"columns": ["age"]}).cells) == {"n"}
    asked = run_node_op("stats.moments", df, {"columns": ["age"], "missing": True})
    assert set(asked.cells) == {"n", "n_missing"}
