from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medveil.classify import CATEGORIES, Rules, classify_frame
from medveil.classify._checks import CHECK_NAMES, make_check
from medveil.classify._rules import Header
from tests.classify.conftest import RegexDetector

_PARAMS = {
    "one_of": {"values": ["M", "F"]},
    "number_range": {"min": 0, "max": 130},
    "regex": {"pattern": r"\d{6}"},
    "icd10_range": {"ranges": ["F", "B20-B24"]},
}

cells = st.one_of(st.none(), st.text(max_size=40),
                  st.sampled_from(["M", "男", "13812345678", "C18.7", "2020-01-02",
                                   "110105194912310021", "张伟", "a@b.cn", "NA", " "]))


@given(st.text(max_size=60))
def test_any_header_normalises_and_matches_without_error(name: str) -> None:
    header = Header.of(name)
    assert header.text == header.text.strip("_")
    assert all(t.isascii() and t.isalnum() for t in header.tokens)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=30), st.lists(cells, max_size=25))
def test_any_column_gets_a_valid_class(
    rules: Rules, name: str, values: list[str | None]
) -> None:
    df = pd.DataFrame({name: pd.Series(values, dtype=object)})
    table = classify_frame(df, rules=rules, detector=RegexDetector())
    (c,) = table.columns
    assert c.column == name
    assert 1 <= c.grade <= 5 and table.grade == c.grade
    assert 0.0 <= c.confidence <= 1.0
    assert c.category in CATEGORIES and c.category_zh == CATEGORIES[c.category]
    assert c.rules


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), max_size=30))
def test_checks_count_at_most_every_value(values: list[str]) -> None:
    series = pd.Series(values, dtype=str)
    for name in CHECK_NAMES:
        n = make_check(name, _PARAMS.get(name, {})).count(series)
        assert 0 <= n <= len(values)
