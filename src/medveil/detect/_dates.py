"""Dates written in Chinese numerals, and ages of 90 and above given by label or in words.

A year alone ("NCCN 2023", "2019年版指南") is not a DATE and a time of day alone is not
either; a month with a year is ("March 2024", "2024年3月"). Digit-led dates and ages
("2024-03-05", "3月5日", "92-year-old", "93岁") are read by :mod:`medveil.detect._numeric`
and month names ("March 5th, 2024") by :mod:`medveil.detect._capitals`; this module has
the forms that neither a digit nor a capital letter leads.
"""

from __future__ import annotations

import re

from medveil.detect._context import Candidate
from medveil.detect._types import EntityType

E = EntityType

_ZH_NUM = "〇零一二三四五六七八九"
_ZH_MD = "一二三四五六七八九十"

# 二〇二四年三月五日, 三月五日
_ZH_NUMERALS = re.compile(
    rf"[{_ZH_NUM}十](?:(?<=[{_ZH_NUM}])[{_ZH_NUM}]{{3}}年[{_ZH_MD}]{{1,2}}月(?:[{_ZH_MD}]{{1,3}}[日号])?"
    rf"|(?<=[{_ZH_MD}])[{_ZH_MD}]?月[{_ZH_MD}]{{1,3}}[日号])"
)
_ZH_VALUE = {"〇": 0, "零": 0, **{c: i for i, c in enumerate("一二三四五六七八九", 1)}}


def _zh_small(s: str) -> int:
    """一..三十一 as an int (十 = 10, 十二 = 12, 二十 = 20, 二十一 = 21)."""
    if "十" not in s:
        return _ZH_VALUE.get(s, 0) if len(s) == 1 else 0
    tens, _, ones = s.partition("十")
    return (_ZH_VALUE.get(tens, 0) if tens else 1) * 10 + (_ZH_VALUE.get(ones, 0) if ones else 0)


def find_dates(text: str, out: list[Candidate]) -> None:
    """Append every date written in Chinese numerals in ``text`` to ``out``."""
    for m in _ZH_NUMERALS.finditer(text):
        month = m.group().split("月")[0].split("年")[-1]
        if 1 <= _zh_small(month) <= 12:
            out.append((m.start(), m.end(), E.DATE, 0.9, "date:zh_numerals"))


# Labels and phrases before or around an age, lower-cased (matched by _labels).
AGE_LABELS_EN = (
    "age", "aged", "age:", "in his", "in her", "in their", "ninety", "one hundred", "died at",
    "passed away at", "death at", "deceased at", "now", "currently", "turned", "is now",
)  # fmt: skip
_AGE_AFTER_LABEL = re.compile(r"[:：]?\s{0,3}(?P<n>9\d|1[01]\d)(?![\d.%])")
# After "now", "currently", "turned" a number is an age only when nothing measured follows.
_AGE_AFTER_NOW = re.compile(
    r"[ \t]{1,2}(?P<n>9\d|1[01]\d)(?=[ \t]*[,;)]|\.(?!\d)|[ \t]*$|[ \t]+(?:years?|yrs?|y/?o"
    r"|and|with|but|lives|living|is|was|when)(?![A-Za-z]))",
    re.MULTILINE,
)
_AGE_AFTER_NOW_LABELS = frozenset(["now", "currently", "turned", "is now"])
_AGE_DECADE = re.compile(r"[ ](?P<n>9\d|1[01]\d)['’]?s(?![A-Za-z])")
_AGE_SPELLED = re.compile(
    r"(?:-(?:one|two|three|four|five|six|seven|eight|nine))?[\s-](?:years?[\s-]old|year-old)"
)
# Chinese: 年龄：95, 九十二岁, 一百零一岁, 九旬. Every alternative opens with a literal, so
# the regex engine skips ahead to the characters that can start one.
_ZH_NUMERAL_AGE = r"(?:九十[一二三四五六七八九]?|一百[零一二三四五六七八九十]{0,3})(?![岁周])"
_AGE_ZH = re.compile(
    r"年[龄纪][:：]?\s{0,3}(?P<n>9\d|1[01]\d)(?![\d.%])"
    r"|享年[:：]?\s{0,3}(?P<n2>9\d|1[01]\d)(?![\d.%])"
    rf"|年[龄纪][:：]?\s{{0,3}}(?P<n3>{_ZH_NUMERAL_AGE})"
    rf"|享年[:：]?\s{{0,3}}(?P<n4>{_ZH_NUMERAL_AGE})"
    r"|九十[一二三四五六七八九]?(?:周岁|岁)|九旬|百岁|一百(?:零[一二三四五六七八九]|一十"
    r"[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九]十?)?(?:周岁|岁)"
)


def find_ages(
    text: str, labels: list[tuple[int, int, str]], out: list[Candidate], *, cjk: bool = True
) -> None:
    """Append every labelled or spelled-out age of 90 or more in ``text`` to ``out``.

    ``labels`` are the English age label hits from :func:`medveil.detect._labels.scan_labels`.
    """
    for s, e, word in labels:
        if word in ("ninety", "one hundred"):
            m = _AGE_SPELLED.match(text, e)
            if m is not None:
                out.append((s, m.end(), E.AGE_OVER_89, 0.9, "age_over_89:words"))
            continue
        if word in _AGE_AFTER_NOW_LABELS:
            rx = _AGE_AFTER_NOW
        elif word.startswith("in "):
            rx = _AGE_DECADE
        else:
            rx = _AGE_AFTER_LABEL
        m = rx.match(text, e)
        if m is not None:
            out.append((*m.span("n"), E.AGE_OVER_89, 0.9, "age_over_89:cue"))
    if not cjk or not ("岁" in text or "年" in text or "旬" in text):
        return
    for m in _AGE_ZH.finditer(text):
        if m.lastgroup in ("n", "n2", "n3", "n4"):
            out.append((*m.span(m.lastgroup or 0), E.AGE_OVER_89, 0.9, "age_over_89:cue"))
        else:
            out.append((*m.span(), E.AGE_OVER_89, 0.9, "age_over_89:words"))
