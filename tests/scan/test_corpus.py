"""The labeled evaluation corpus (tests/data/notes/eval.jsonl) is well formed and reproducible.

Validators here are written independently of bench/corpus.py's generators, so a generator bug
cannot hide behind its own checker.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import faker
import pytest
from bench import corpus

from medveil.detect._types import EntityType

NOTES = corpus.load(corpus.EVAL_PATH)


def _valid_resident_id(s: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", s):
        return False
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, ...
    check = (12 - sum(int(c) * w for c, w in zip(s[:17], weights, strict=True)) % 11) % 11
    try:
        date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return s[17] == ("X" if check == 10 else str(check))


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


_CN_NUM = {c: i for i, c in enumerate("〇一二三四五六七八九")}


def _age_value(s: str) -> int:
    if s.isdigit():
        return int(s)
    tens, _, ones = s.partition("十")
    return (_CN_NUM.get(tens, 1) if tens else 1) * 10 + (_CN_NUM[ones] if ones else 0)


def _span_texts(kind: str) -> list[str]:
    return [n.text[s.start:s.end] for n in NOTES for s in n.spans if s.type == kind]


def test_size_languages_and_lengths() -> None:
    assert Counter(n.lang for n in NOTES) == {"en": 200, "zh": 200}
    assert len({n.id for n in NOTES}) == 400
    assert all(corpus.MIN_CHARS <= len(n.text) <= corpus.MAX_CHARS for n in NOTES)
    assert corpus.EVAL_PATH.stat().st_size < 3_000_000
    assert corpus.template_count("en") >= 60 and corpus.template_count("zh") >= 60


def test_spans_within_bounds_sorted_and_non_overlapping() -> None:
    for n in NOTES:
        end = 0
        for s in n.spans:
            assert 0 <= s.start < s.end <= len(n.text), n.id
            assert s.start >= end, f"{n.id}: overlapping spans at {s.start}"
            text = n.text[s.start:s.end]
            assert text == text.strip(), f"{n.id}: span with surrounding whitespace"
            end = s.end


def test_types_are_the_shared_vocabulary() -> None:
    vocabulary = {t.value for t in EntityType}
    assert set(corpus.LABEL_TYPES) <= vocabulary
    used = {s.type for n in NOTES for s in n.spans}
    assert used <= vocabulary
    # Every type but BIOMETRIC-like rarities appears often enough to measure.
    counts = Counter(s.type for n in NOTES for s in n.spans)
    assert all(counts[t] >= 20 for t in used), counts


def test_every_resident_id_validates() -> None:
    ids = _span_texts("CN_RESIDENT_ID")
    assert len(ids) >= 30
    assert all(_valid_resident_id(s) for s in ids), [s for s in ids if not _valid_resident_id(s)]


def test_ssns_follow_ssa_rules() -> None:
    ssns = _span_texts("SSN")
    assert len(ssns) >= 20
    for s in ssns:
        area, group, serial = s.split("-")
        assert area not in ("000", "666") and not area.startswith("9")
        assert group != "00" and serial != "0000"


def test_card_numbers_and_imeis_pass_luhn() -> None:
    cards = [s.replace(" ", "") for s in _span_texts("ACCOUNT")]
    cards = [c for c in cards if c.isdigit() and len(c) in (16, 19)]
    imeis = [s for s in _span_texts("DEVICE") if s.isdigit() and len(s) == 15]
    assert cards and imeis
    assert all(_luhn_ok(c) for c in cards + imeis)


def test_ages_over_89_labeled_and_younger_ages_not() -> None:
    assert all(_age_value(a) >= 90 for a in _span_texts("AGE_OVER_89"))
    unlabeled = 0
    for n in NOTES:
        covered = {i for s in n.spans for i in range(s.start, s.end)}
        for m in re.finditer(r"(?<![\d.])(\d{1,3})(?=岁|-year-old| y/o)", n.text):
            if m.start() not in covered:
                assert int(m.group(1)) < 90, f"{n.id}: unlabeled age {m.group(1)}"
                unlabeled += 1
    assert unlabeled >= 100  # plenty of ages that must not be flagged


def test_dates_are_more_than_a_year_and_names_exclude_cues() -> None:
    for d in _span_texts("DATE"):
        assert not re.fullmatch(r"\d{4}年?", d)
    for p in _span_texts("PERSON"):
        assert not re.search(r"^(Dr|Mr|Mrs|Ms)\.|患者|医生|主任|护士|家属", p), p


def test_confusable_notes_exist() -> None:
    clean = [n for n in NOTES if n.kind == "confusable"]
    assert {n.lang for n in clean} == {"en", "zh"} and len(clean) >= 20
    assert all(not n.spans for n in clean)
    text = "".join(n.text for n in clean)
    for marker in ("mmHg", "mg", "HP:0", "V600E", "AJCC", "NCCN 2023", "川崎病", "Kawasaki",
                   "心内科", "Department of Oncology"):
        assert marker in text, marker
    assert re.search(r"\b[A-Z]\d{2}\.\d", text)  # ICD-10 codes


def test_regenerates_byte_identically() -> None:
    if faker.VERSION != corpus.FAKER_VERSION:
        pytest.skip(f"eval.jsonl was generated with Faker {corpus.FAKER_VERSION}, "
                    f"installed {faker.VERSION}")
    fresh = corpus.dumps(corpus.generate(corpus.EVAL_SEED, corpus.EVAL_EN, corpus.EVAL_ZH))
    assert fresh.encode("utf-8") == corpus.EVAL_PATH.read_bytes()


def test_another_seed_gives_other_notes() -> None:
    a = corpus.make_note(corpus.EVAL_SEED + 1, "zh", 0)
    assert a.text != NOTES[1].text and a.lang == "zh"
