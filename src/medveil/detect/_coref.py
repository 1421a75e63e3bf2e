"""Later mentions of a name found once: "由家属梁丽丽陪同入院，梁丽丽诉..." / "Kimberly".

A cue word names a person once; a note then repeats the name, or an English given name
alone, without the cue. Every other occurrence of a name that a rule found with enough
confidence is the same person, so it is reported too. Only whole names are propagated in
Chinese (two to four characters); in English a full name and each of its parts that is
not also an everyday word.
"""

from __future__ import annotations

import re

from medveil.detect._context import Candidate
from medveil.detect._names import EN_AMBIGUOUS_NAMES, EN_NOT_NAME_WORDS, ZH_NOT_NAMES
from medveil.detect._types import EntityType

E = EntityType.PERSON
_MIN_CONFIDENCE = 0.7
_CONFIDENCE = 0.72
_MAX_NAMES = 40  # a note names a few people; a long document is bounded the same way


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _en_parts(name: str) -> list[str]:
    parts: list[str] = []
    for w in name.split():
        w = w.strip(",.")
        if (
            len(w) > 2
            and w[0].isupper()
            and w[1:].islower()
            and w not in EN_AMBIGUOUS_NAMES
            and w not in EN_NOT_NAME_WORDS
        ):
            parts.append(w)
    return parts


_PLACE_ENDS = frozenset("市县区镇乡村州省旗路街")
# every eponym tail ("'s sign", " disease", "-Smith test") opens with one of these
_TAIL_FIRST = frozenset("'’s \t-")


def propagate_names(text: str, out: list[Candidate], eponym_tail: re.Pattern[str]) -> None:
    """Append every further occurrence of a person name already in ``out``.

    ``eponym_tail`` rejects an English occurrence followed by "disease", "'s sign" ...
    """
    names: set[str] = set()
    for s, e, t, conf, _ in out:
        if t is E and conf >= _MIN_CONFIDENCE and 2 <= e - s <= 40:
            names.add(text[s:e])
            if len(names) >= _MAX_NAMES:
                break
    if not names:
        return
    words: set[str] = set()
    for name in names:
        if _is_cjk(name[0]):
            if len(name) <= 4 and name not in ZH_NOT_NAMES and name[-1] not in _PLACE_ENDS:
                words.add(name)
        else:
            words.update(_en_parts(name))
    # A later mention whose span a candidate already holds with a higher confidence could
    # never win the overlap resolution, so it is not proposed (most mentions are like that).
    held = {(c[0], c[1]) for c in out if c[3] > _CONFIDENCE}
    n = len(text)
    for w in words:
        cjk = _is_cjk(w[0])
        i = text.find(w)
        while i >= 0:
            e = i + len(w)
            if (i, e) in held:
                pass
            elif cjk or (
                not (i > 0 and text[i - 1].isalpha())
                and not (e < n and text[e].isalpha())
                and (e >= n or text[e] not in _TAIL_FIRST or eponym_tail.match(text, e) is None)
                and not (i >= 4 and text.startswith("St. ", i - 4))
            ):
                out.append((i, e, E, _CONFIDENCE, "person:coref"))
            i = text.find(w, e)
