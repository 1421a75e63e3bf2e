"""The English label words of every recognizer, found in one pass.

"MRN", "Member ID", "Dr.", "his wife", "lives in", "aged" ... are a few hundred phrases
whose first letters cover the alphabet, so a pattern per recognizer would make the regex
engine stop at almost every letter, once per recognizer. Instead the text is lower-cased
once and all phrases are matched together, only right after a space or punctuation mark;
each hit is handed to the recognizers that own the phrase.
"""

from __future__ import annotations

import re
from collections import defaultdict

from medveil.detect._cues import LABELS_EN
from medveil.detect._dates import AGE_LABELS_EN
from medveil.detect._location import PLACE_CUES_EN
from medveil.detect._person import CUES_EN
from medveil.detect._trie import alternation

# (start, end, phrase as lower-cased) of one label in the text
Hit = tuple[int, int, str]

_OWNERS: dict[str, list[str]] = defaultdict(list)
for _owner, _words in (
    ("id", LABELS_EN),
    ("person", CUES_EN),
    ("place", PLACE_CUES_EN),
    ("age", AGE_LABELS_EN),
):
    for _w in _words:
        _OWNERS[_w.lower()].append(_owner)

_TRIE = alternation(_OWNERS)
_FIRST = "".join(sorted({w[0] for w in _OWNERS}))
_BOUNDARY = r"[ \t\r\n(\[{:;,./\\\-\"'#*|>=，：；（、。]"
_AFTER_BOUNDARY = re.compile(f"{_BOUNDARY}(?=[{re.escape(_FIRST)}])(?P<c>{_TRIE})")
_AT_START = re.compile(f"(?P<c>{_TRIE})")
_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)})
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) != len(text):  # a few characters (İ) lower-case to two
        low = text.translate(_ASCII_LOWER)
    return low


def scan_labels(text: str) -> dict[str, list[Hit]]:
    """Every English label phrase in ``text``, grouped by the recognizer that owns it."""
    low = _lower(text)
    hits: dict[str, list[Hit]] = defaultdict(list)
    first = _AT_START.match(low)
    matches = ([first] if first is not None else []) + list(_AFTER_BOUNDARY.finditer(low))
    last_end = -1
    for m in matches:
        s, e = m.span("c")
        word = m.group("c")
        if word[-1] in _LETTERS and e < len(low) and low[e] in _LETTERS:
            continue  # "son" in "sonogram"
        if s < last_end:
            continue  # "identification number" inside "vehicle identification number"
        last_end = e
        for owner in _OWNERS[word]:
            hits[owner].append((s, e, word))
    return hits
