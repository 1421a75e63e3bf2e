"""The numeric scan rejects short digit runs that no alternative can continue; the runs
next to that cut-off must still be read as before."""

from __future__ import annotations

import pytest

from medveil.detect import EntityType, detect_text
from medveil.detect._numeric import _NUMERIC

T = EntityType


@pytest.mark.parametrize(
    ("text", "group", "value"),
    [
        ("电话：008610)12345678", "cnland1", "008610)12345678"),  # ")" after six digits
        ("Call 1.(555) 234-5678 now", "us1", "1.(555) 234-5678"),  # "." before "("
        ("No. 0086 10 1234 5678转12", "cnland1", "0086 10 1234 5678转12"),
        ("Card 4111111111111111;", "card", "4111111111111111"),
        ("患者95岁", "age", "95岁"),
        ("2020年3月", "zh", "2020年3月"),
    ],
)
def test_runs_that_continue(text: str, group: str, value: str) -> None:
    assert [(m.lastgroup, m.group()) for m in _NUMERIC.finditer(text)] == [(group, value)]


@pytest.mark.parametrize(
    "text", ["共3级，", "第12。", "1234567.", "7）", "ref 12;", "见1.", "x=5", "12345"]
)
def test_dead_ends(text: str) -> None:
    assert list(_NUMERIC.finditer(text)) == []


def test_landline_after_paren_is_found() -> None:
    text = "电话：008610)12345678"
    assert [(text[f.start : f.end], f.type) for f in detect_text(text)] == [
        ("008610)12345678", T.PHONE)
    ]
