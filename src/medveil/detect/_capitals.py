"""Everything that starts with a capital letter at a word start, found in one pass.

Month-name dates, "ST 12345" state-and-ZIP lines, post-office and military boxes, DEA
numbers, VINs, and runs of Title Case words (candidate names, counties). Like
:mod:`medveil.detect._numeric`, the pattern opens with one character class and then
dispatches on the second character, so a capitalised word costs a few comparisons; the
meaning of each hit is decided by the module that owns its type.
"""

from __future__ import annotations

import re

from medveil.detect._context import Candidate, alnum_at, ascii_letter_at
from medveil.detect._location import US_STATE_CODES, us_county_in_run, us_state_zip
from medveil.detect._person import names_in_title_run
from medveil.detect._trie import tail_alternation
from medveil.detect._types import EntityType
from medveil.detect._validators import dea_valid, vin_valid

E = EntityType

_MONTH_WORDS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
    "Sept", "Oct", "Nov", "Dec",
]  # fmt: skip
_MONTHS = tail_alternation(_MONTH_WORDS + [w.upper() for w in _MONTH_WORDS])
_D = r"(?:3[01]|[12]\d|0?[1-9])"
_Y4 = r"(?:1[89]\d\d|20\d\d)"
_BOXES = tail_alternation(
    ["PO Box", "P.O. Box", "P. O. Box", "P.O.Box", "P O Box", "Post Office Box", "POB"]
)
_MIL = tail_alternation(["PSC", "Unit", "CMR"])
_SHIPS = tail_alternation(["USNS", "USS", "USNV", "USCGC"])
# Possessive quantifiers: a word that is not followed by another capitalised word fails
# once instead of backtracking through every shorter prefix of itself.
_TOKEN_REST = r"(?>[a-z]++(?:[A-Z][a-z]++)?+|['’][A-Z][a-z]++)(?:-[A-Z][a-z]++)?+"
_TOKEN = r"[A-Z](?:['’][A-Z])?+[a-z]++(?:[A-Z][a-z]++)?+(?:-[A-Z][a-z]++)?+"

_MONTH_TAIL = rf"\.?(?:\s+{_D}(?:st|nd|rd|th)?(?!\d|:\d)(?:,?\s+{_Y4}(?!\d))?|,?\s+{_Y4}(?!\d))"
_MONTH_SET = frozenset(_MONTH_WORDS)
_COUNTY_WORDS = frozenset(["County", "Parish", "Borough"])
_MONTH_IN_RUN = re.compile(r"(?<![A-Za-z])(?:" + "|".join(_MONTH_WORDS) + r")(?![a-z])")
_MONTH_DATE = re.compile("[A-Z]" + _MONTHS + _MONTH_TAIL)

_CAPITALS = re.compile(
    r"[A-Z](?<![A-Za-z0-9][A-Z])(?:"
    + "|".join(
        [
            rf"{_MONTHS}(?P<month>{_MONTH_TAIL})",
            rf"{tail_alternation(US_STATE_CODES)}(?P<statezip>[ \t]+\d{{5}}(?:-\d{{4}})?(?!\d))",
            rf"{_BOXES}(?P<pobox>[ \t]*\d{{1,6}})",
            rf"{_MIL}(?P<milbox>[ \t]+\d{{3,5}},?[ \t]+Box[ \t]+\d{{1,5}})",
            rf"{_SHIPS}(?P<ship>[ \t]+[A-Z][a-z]+)",
            r"[A-Z9](?<=[ABCDEFGHJKLMPRSTUX][A-Z9])(?P<dea>\d{7})(?![0-9A-Za-z])",
            r"[A-HJ-NPR-Z0-9](?<=[A-HJ-NPR-Z][A-HJ-NPR-Z0-9])(?P<vin>[A-HJ-NPR-Z0-9]{15})"
            r"(?![0-9A-Za-z])",
            rf"{_TOKEN_REST}(?P<title>(?:[ \t]++(?:[A-Z]\.[ \t]+)?{_TOKEN})+)",
        ]
    )
    + ")"
)


def find_capitalised(text: str, out: list[Candidate]) -> None:
    """Append every capital-led date, address part, DEA number, VIN and name to ``out``."""
    for m in _CAPITALS.finditer(text):
        kind = m.lastgroup
        s, e = m.span()
        if kind == "title":
            words = m.group().split()
            names_in_title_run(text, s, e, out, words)
            if not _MONTH_SET.isdisjoint(words):  # "Seen Mar. 5": the run took "Mar"
                for tok in _MONTH_IN_RUN.finditer(text, s, e):
                    date = _MONTH_DATE.match(text, tok.start())
                    if date is not None and not alnum_at(text, date.end()):
                        out.append((date.start(), date.end(), E.DATE, 0.9, "date:month_name"))
            if not _COUNTY_WORDS.isdisjoint(words):
                us_county_in_run(text, s, e, out)
        elif kind == "month":
            if not alnum_at(text, e):
                out.append((s, e, E.DATE, 0.9, "date:month_name"))
        elif kind == "statezip":
            us_state_zip(text, s, e, out)
        elif kind in ("pobox", "milbox", "ship"):
            out.append((s, e, E.LOCATION, 0.85, "location:us_box"))
        elif kind == "dea":
            if dea_valid(m.group()):
                out.append((s, e, E.LICENSE, 0.8, "license:dea"))
        elif kind == "vin":
            v = m.group()
            if not v.isalpha() and vin_valid(v) and not ascii_letter_at(text, e):
                out.append((s, e, E.VEHICLE, 0.85, "vehicle:vin"))
