"""The Detector: public surface, parameters, overlap resolution, NER merge, privacy."""

from __future__ import annotations

import logging
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import medveil.detect
from medveil.detect import Detector, EntityType, Finding, NerBackend, detect_text
from medveil.detect._detector import resolve
from medveil.errors import InputError

T = EntityType


def test_public_surface() -> None:
    assert medveil.detect.__all__ == sorted(medveil.detect.__all__)
    assert set(medveil.detect.__all__) == {
        "Detector",
        "EntityType",
        "Finding",
        "NerBackend",
        "cn_resident_id_valid",
        "detect_text",
        "ipv4_valid",
        "ipv6_valid",
        "luhn_valid",
        "ssn_valid",
    }
    for name in medveil.detect.__all__:
        assert getattr(medveil.detect, name) is not None


def test_parameters_are_keyword_only_and_checked() -> None:
    with pytest.raises(TypeError):
        Detector(0.7)  # type: ignore[misc]
    for bad in (-0.1, 1.5):
        with pytest.raises(InputError) as err:
            Detector(min_confidence=bad)
        assert err.value.field == "min_confidence"
    d = Detector(min_confidence=0.8)
    assert d.min_confidence == 0.8 and d.ner is None
    assert "min_confidence=0.8" in repr(d)


def test_detect_rejects_non_text() -> None:
    with pytest.raises(InputError):
        Detector().detect(b"MRN 12345678")  # type: ignore[arg-type]


def test_empty_and_plain_text() -> None:
    assert detect_text("") == []
    assert detect_text("No identifiers in this sentence at all.") == []


def test_findings_are_offsets_with_rule_names() -> None:
    text = "患者张伟，男，93岁，身份证号11010519491231002X，电话13812345678。"
    found = detect_text(text)
    assert [(text[f.start : f.end], f.type) for f in found] == [
        ("张伟", T.PERSON),
        ("93岁", T.AGE_OVER_89),
        ("11010519491231002X", T.CN_RESIDENT_ID),
        ("13812345678", T.PHONE),
    ]
    by_type = {f.type: f for f in found}
    assert by_type[T.CN_RESIDENT_ID].rule == "cn_resident_id:gb11643"
    assert all(0 < f.confidence <= 1 for f in found)
    assert all(":" in f.rule for f in found)


def test_min_confidence_trades_recall_for_precision() -> None:
    text = "Reference 123456789012 appears without a label."
    assert [f.type for f in detect_text(text)] == [T.OTHER_ID]  # weak guess, 0.5
    assert detect_text(text, min_confidence=0.6) == []
    assert Detector(min_confidence=0.6).detect(text) == []


def test_validated_reading_wins_an_overlap() -> None:
    # 18 digits that pass both GB 11643 and Luhn: the resident ID (0.99) wins
    text = "证件号码 440306198506123212"
    assert [f.type for f in detect_text(text)] == [T.CN_RESIDENT_ID]


def test_resolve_prefers_confidence_then_length() -> None:
    cands = [
        (0, 10, T.LOCATION, 0.85, "a"),
        (5, 10, T.LOCATION, 0.9, "b"),  # higher confidence beats the longer span
        (12, 20, T.DATE, 0.9, "c"),
        (12, 16, T.DATE, 0.9, "d"),  # same confidence: the longer one wins
        (30, 31, T.PHONE, 0.4, "e"),  # below min_confidence
        (40, 50, T.PHONE, 0.9, "f"),  # beyond the text
    ]
    assert [f.rule for f in resolve(cands, 45, 0.5)] == ["b", "c"]


class _FakeNer:
    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        self.calls = 0

    def entities(self, text: str) -> list[Finding]:
        self.calls += 1
        return self.findings


def test_ner_backend_findings_are_merged() -> None:
    text = "Ambulance crew from Lakeside Station brought him in."
    start = text.index("Lakeside")
    ner = _FakeNer(
        [
            Finding(start, start + len("Lakeside Station"), T.LOCATION, 0.8, "ner:fake"),
            Finding(0, 10_000, T.PERSON, 0.9, "ner:out_of_range"),
        ]
    )
    assert isinstance(ner, NerBackend)
    found = Detector(ner=ner).detect(text)
    assert ner.calls == 1
    assert [(text[f.start : f.end], f.rule) for f in found] == [("Lakeside Station", "ner:fake")]


def test_ner_finding_competes_on_confidence() -> None:
    text = "MRN: 00482913"
    s = text.index("00482913")
    weak = _FakeNer([Finding(s, s + 8, T.OTHER_ID, 0.3, "ner:weak")])
    strong = _FakeNer([Finding(s, s + 8, T.OTHER_ID, 0.95, "ner:strong")])
    assert [f.rule for f in Detector(ner=weak).detect(text)] == ["mrn:cue"]
    assert [f.rule for f in Detector(ner=strong).detect(text)] == ["ner:strong"]


def test_no_values_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    text = "SSN 219-45-6781, patient Robert Hughes, phone 617-555-0123."
    with caplog.at_level(logging.DEBUG, logger="medveil.detect"):
        found = Detector().detect(text)
    assert found
    for value in ("219-45-6781", "Robert", "Hughes", "617-555-0123"):
        assert value not in caplog.text


def test_error_messages_carry_no_value() -> None:
    with pytest.raises(InputError) as err:
        Detector().detect(12345678)  # type: ignore[arg-type]
    assert "12345678" not in str(err.value)


def test_detect_text_matches_a_default_detector() -> None:
    text = "Dr. Mary Johnson saw the 92-year-old on 2024-03-05; fax 617-555-0199."
    assert detect_text(text) == Detector().detect(text)


_ALPHABET = st.sampled_from(
    [
        *"abcxyzABCMRNXY0123456789 -./:@()+#\n，。：（）患者张伟医生市区路号年月日岁某*",
        *["Dr. ", "MRN: ", "患者", "住院号", "电话", "Street ", " St, ", "CA 9", "2024-", "@x.com"],
    ]
)
_TEXT = st.lists(_ALPHABET, max_size=80).map("".join)


def _well_formed(text: str, found: list[Finding]) -> None:
    for f in found:
        assert 0 <= f.start < f.end <= len(text)
        assert isinstance(f.type, EntityType)
        assert 0 < f.confidence <= 1
    for a, b in pairwise(found):
        assert a.end <= b.start  # sorted by start and never overlapping


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_findings_sorted_non_overlapping_in_range(text: str) -> None:
    _well_formed(text, detect_text(text))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_unicode_is_handled(text: str) -> None:
    _well_formed(text, detect_text(text, min_confidence=0.0))


@settings(max_examples=100, deadline=None)
@given(_TEXT, _TEXT)
def test_an_identifier_is_found_wherever_it_is_put(before: str, after: str) -> None:
    ident = "11010519491231002X"
    text = before + " " + ident + " " + after
    start = len(before) + 1
    found = detect_text(text)
    _well_formed(text, found)
    assert any(f.start <= start and f.end >= start + len(ident) for f in found)


@pytest.mark.parametrize(
    "text",
    [
        "1" * 100_000,
        "1234 " * 20_000,
        "1." * 50_000,
        "Aaaa " * 20_000,
        "John Smith " * 10_000,
        "a1:" * 35_000,
        "a@" * 50_000,
        "王" * 100_000,
        "市区路号" * 25_000,
        "患者张伟医生" * 15_000,
        "张某" * 50_000,
        "http://" * 15_000,
        "MRN " * 25_000,
        "，男" * 50_000,
    ],
    ids=lambda t: repr(t[:8]),
)
def test_no_pathological_slowdown(text: str) -> None:
    """Every scan is linear in the text: 4x the text costs far less than the 16x of a
    quadratic scan. Compared within one run (best of 3 each, garbage collector off), no
    wall-clock bound."""
    import gc
    import time

    quarter = text[: len(text) // 4]

    def best(t: str) -> float:
        # the cyclic GC's passes over the whole test process's heap would add a cost that
        # grows with the allocations, not with the scan: off while timing
        times = []
        gc.collect()
        gc.disable()
        try:
            for _ in range(3):
                t0 = time.perf_counter()
                detect_text(t)
                times.append(time.perf_counter() - t0)
        finally:
            gc.enable()
        return min(times)

    small, full = best(quarter), best(text)
    assert full <= 10.0 * small + 0.05  # + 50 ms: timer noise on tiny scans
    found = detect_text(text)
    _well_formed(text, found)
