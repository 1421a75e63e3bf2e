"""Word lists compiled into one factored regex alternation.

A plain ``a|b|c`` alternation of a few hundred cue words makes the regex engine try
every word at every position. Factoring the words into a trie gives a pattern whose
top-level branches start with distinct literal characters, which lets ``re`` skip
ahead on its first-character set and reject a position after one comparison.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_END = ""
_Trie = dict[str, "_Trie"]


def alternation(words: Iterable[str]) -> str:
    """Return a non-capturing regex that matches any of ``words``, longest first.

    Matching is exact (case-sensitive): pass the case variants you want matched. At a
    given position the longest listed word wins, because optional tails are greedy.
    """
    trie: _Trie = {}
    for word in words:
        if not word:
            continue
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[_END] = {}
    if not trie:
        raise ValueError("alternation needs at least one non-empty word")
    return _build(trie)


def _build(node: _Trie) -> str:
    ends_here = _END in node
    branches: list[str] = []
    for ch in sorted(k for k in node if k != _END):
        child = node[ch]
        tail = "" if list(child) == [_END] else _build(child)
        branches.append(re.escape(ch) + tail)
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends_here:
        if len(branches) == 1 and len(branches[0]) == 1:
            return body + "?"
        return "(?:" + body + ")?" if len(branches) == 1 else body + "?"
    return body


def case_variants(phrases: Iterable[str]) -> list[str]:
    """Each phrase as written, in lower case, Title Case, capitalised, and UPPER CASE."""
    out: list[str] = []
    for p in phrases:
        for v in (p, p.lower(), p.title(), p[:1].upper() + p[1:], p.upper()):
            if v not in out:
                out.append(v)
    return out


def tail_alternation(words: Iterable[str]) -> str:
    """A regex for the rest of ``words`` once their first character has been consumed.

    The result opens with the possible second characters as literals, and checks the
    first character with a look-behind, so the regex engine rejects a position on one
    character comparison. Every word needs at least two characters.
    """
    by_second: dict[str, dict[str, list[str]]] = {}
    for word in words:
        if len(word) < 2:
            raise ValueError("tail_alternation needs words of two characters or more")
        by_second.setdefault(word[1], {}).setdefault(word[0], []).append(word[2:])
    branches: list[str] = []
    for second in sorted(by_second):
        subs: list[str] = []
        for first in sorted(by_second[second]):
            rests = by_second[second][first]
            tail = alternation([r for r in rests if r]) if any(rests) else ""
            if tail and "" in rests:
                tail = f"(?:{tail})?"
            subs.append(f"(?<={re.escape(first + second)}){tail}")
        body = subs[0] if len(subs) == 1 else "(?:" + "|".join(subs) + ")"
        branches.append(re.escape(second) + body)
    return "(?:" + "|".join(branches) + ")"
