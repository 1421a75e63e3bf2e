"""The hand-written evaluation notes: JSONL in sync with its marked-up source, spans sane."""

from __future__ import annotations

from bench.handwritten import DATA, convert, render

from medveil.detect import EntityType


def test_jsonl_is_generated_from_the_marked_up_source() -> None:
    notes = convert((DATA / "handwritten.txt").read_text(encoding="utf-8"))
    assert render(notes) == (DATA / "handwritten.jsonl").read_text(encoding="utf-8")
    assert {n["lang"] for n in notes} == {"en", "zh"} and len(notes) >= 20
    for n in notes:
        last = 0
        for s in n["spans"]:
            assert last <= s["start"] < s["end"] <= len(n["text"])
            assert EntityType(s["type"])
            assert "[[" not in n["text"][s["start"]:s["end"]]
            last = s["end"]
