"""Classification rules as values: what a parsed, merged rules file is, and header matching.

:func:`medveil.classify.load_rules` builds a :class:`Rules` from the shipped ``rules.toml`` and
a site's file (see ``_load.py``, the trust boundary); everything here is already validated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from medveil.classify._checks import Check
from medveil.detect import EntityType

Mode = Literal["decide", "fallback", "refine"]

# --- header normalisation -------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[\s\-./\\()\[\]{}:;,#|'\"`*+?!@&%$=~<>]+")
_TOKEN = re.compile(r"[a-z]+|[0-9]+")


@dataclass(frozen=True)
class Header:
    """A column header as rules see it: NFKC, camelCase split, lower case, ``_``-joined."""

    text: str
    tokens: tuple[str, ...]

    @classmethod
    def of(cls, name: str) -> Header:
        s = unicodedata.normalize("NFKC", str(name)).strip()
        s = _CAMEL.sub("_", s).casefold()
        s = _SEPARATORS.sub("_", s).strip("_")
        return cls(s, tuple(_TOKEN.findall(s)))


def _contains_run(tokens: tuple[str, ...], run: tuple[str, ...]) -> bool:
    n = len(run)
    return any(tokens[i:i + n] == run for i in range(len(tokens) - n + 1))


# --- parsed rules (internal values) ---------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What a rule says a column is."""

    identifier_type: EntityType | None
    quasi_identifier: bool
    category: str
    grade: int


@dataclass(frozen=True)
class HeaderRule:
    id: str
    tokens: tuple[tuple[str, ...], ...]
    contains: tuple[str, ...]
    regex: tuple[re.Pattern[str], ...]
    outcome: Outcome
    confidence: float
    floor: bool
    source: str

    @property
    def ref(self) -> str:
        return f"header:{self.id}"

    def matches(self, header: Header) -> bool:
        joined = "".join(header.tokens)
        return (
            any(_contains_run(header.tokens, t) or joined == "".join(t) for t in self.tokens)
            or any(c in header.text for c in self.contains)
            or any(r.search(header.text) for r in self.regex)
        )


@dataclass(frozen=True)
class ValueRule:
    id: str
    check: Check
    mode: Mode
    needs: tuple[str, ...]
    min_fraction: float
    min_count: int
    reliability: float
    identifier_type: EntityType | None
    quasi_identifier: bool | None
    category: str | None
    grade: int | None
    source: str

    @property
    def ref(self) -> str:
        return f"value:{self.id}"

    @property
    def outcome(self) -> Outcome:
        """The full outcome of a ``decide`` or ``fallback`` rule."""
        assert self.category is not None and self.grade is not None
        return Outcome(self.identifier_type, bool(self.quasi_identifier), self.category,
                       self.grade)

    @property
    def confirms_only(self) -> bool:
        """A ``refine`` rule that changes nothing: evidence for the rule it needs."""
        return (self.identifier_type is None and self.quasi_identifier is None
                and self.category is None and self.grade is None)


@dataclass(frozen=True)
class KeywordRule:
    id: str
    contains: tuple[str, ...]
    regex: tuple[re.Pattern[str], ...]
    category: str | None
    grade: int
    min_count: int
    source: str

    @property
    def ref(self) -> str:
        return f"keyword:{self.id}"

    def count(self, values: pd.Series) -> int:
        """How many values mention one of the keywords (case-insensitive)."""
        if values.empty:
            return 0
        hits = [u for u in values.unique() if self._mentions(str(u).casefold())]
        return int(values.isin(hits).sum()) if hits else 0

    def _mentions(self, text: str) -> bool:
        return any(c in text for c in self.contains) or any(r.search(text) for r in self.regex)


@dataclass(frozen=True)
class FreeTextSettings:
    min_mean_units: float
    min_mean_chars: float
    max_values: int
    category: str
    grade: int
    confidence: float
    min_entity_count: int
    entity_grades: Mapping[EntityType, int]


@dataclass(frozen=True)
class Defaults:
    category: str
    grade: int
    confidence: float
    min_values: int
    keyword_categories: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """Parsed, validated, merged classification rules (build with :func:`load_rules`)."""

    header: tuple[HeaderRule, ...]
    value: tuple[ValueRule, ...]
    keyword: tuple[KeywordRule, ...]
    free_text: FreeTextSettings
    defaults: Defaults
    grades: Mapping[int, str]
    sources: tuple[str, ...]

    def match_header(self, name: str) -> HeaderRule | None:
        """The first header rule that matches ``name`` (site rules come first)."""
        header = Header.of(name)
        return next((r for r in self.header if r.matches(header)), None)
