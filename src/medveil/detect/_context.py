"""What every recognizer shares: the candidate tuple and bounded context checks.

Recognizers append candidates to a list instead of building :class:`Finding` objects,
because most candidates lose to an overlapping one and object creation would dominate
the cost. Context checks look at most a fixed number of characters either side of a
match, so the cost of a check never grows with the text.
"""

from __future__ import annotations

import re

from medveil.detect._types import EntityType

# (start, end, type, confidence, rule)
Candidate = tuple[int, int, EntityType, float, str]

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"

# Characters that may not sit right before or after an identifier made of word characters.
_ALNUM = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def alnum_at(text: str, i: int) -> bool:
    """Whether ``text[i]`` exists and is an ASCII letter or digit."""
    return 0 <= i < len(text) and text[i] in _ALNUM


def ascii_letter_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i] in _ALNUM and not "0" <= text[i] <= "9"


def cue_before(text: str, end: int, pattern: re.Pattern[str], window: int) -> bool:
    """Whether ``pattern`` occurs in the ``window`` characters before ``end``."""
    return pattern.search(text, max(0, end - window), end) is not None
