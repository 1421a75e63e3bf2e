"""The detector: run every recognizer, merge NER findings, resolve overlaps.

Each recognizer proposes candidates independently; overlaps are then resolved in one
place, greedily by confidence, then length, then position, so a validated resident ID
(0.99) beats the bank-card reading of the same digits (0.7) and a whole address beats
the ZIP code inside it.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol, runtime_checkable

from medveil.detect._capitals import find_capitalised
from medveil.detect._context import CJK, Candidate
from medveil.detect._cues import find_cued
from medveil.detect._dates import find_ages, find_dates
from medveil.detect._identifiers import find_identifiers
from medveil.detect._labels import scan_labels
from medveil.detect._location import find_locations
from medveil.detect._numeric import find_numeric
from medveil.detect._person import find_persons
from medveil.detect._types import EntityType, Finding
from medveil.errors import InputError

logger = logging.getLogger(__name__)

_CJK = re.compile(f"[{CJK}]")


def _rule_candidates(text: str) -> list[Candidate]:
    """Candidates from every rule recognizer (the order matters only for locations)."""
    out: list[Candidate] = []
    # the Chinese recognizers only run on Chinese text; isascii() is a flag read, not a scan
    cjk = not text.isascii() and _CJK.search(text) is not None
    labels = scan_labels(text)
    find_numeric(text, out)
    find_capitalised(text, out)
    find_identifiers(text, out, cjk=cjk)
    find_cued(text, labels["id"], out, cjk=cjk)
    if cjk and "月" in text:
        find_dates(text, out)
    find_ages(text, labels["age"], out, cjk=cjk)
    find_persons(text, labels["person"], out, cjk=cjk)
    find_locations(text, labels["place"], out, cjk=cjk)  # joins lines found above
    return out


@runtime_checkable
class NerBackend(Protocol):
    """A statistical named-entity recognizer (spaCy, HanLP, ...) plugged into a Detector.

    ``entities`` returns findings with offsets into ``text``; they are merged with the
    rule findings and compete with them on confidence, so a backend's confidences should
    be calibrated to (0, 1]. Findings that fall outside ``text`` are dropped.
    """

    def entities(self, text: str) -> list[Finding]: ...


_new = object.__new__


def _finding(start: int, end: int, type_: EntityType, confidence: float, rule: str) -> Finding:
    """``Finding(...)`` without the frozen-dataclass ``__init__`` (three times faster).

    Findings are built for every kept candidate, and the frozen ``__init__`` goes through
    ``object.__setattr__`` once per field; the values here are already checked.
    """
    f = _new(Finding)
    d = f.__dict__
    d["start"] = start
    d["end"] = end
    d["type"] = type_
    d["confidence"] = confidence if confidence < 1.0 else 1.0
    d["rule"] = rule
    return f


def _rank(c: Candidate) -> tuple[float, int, int]:
    return (c[3], c[1] - c[0], -c[0])


def _greedy(cluster: list[Candidate]) -> list[Candidate]:
    """The greedy choice within one cluster: best first, then the best of what is left."""
    if len(cluster) == 2:  # the common case: one span found by two rules
        a, b = cluster
        return [a] if _rank(a) >= _rank(b) else [b]  # a cluster's members overlap
    kept: list[Candidate] = []
    while cluster:
        best = max(cluster, key=_rank)
        kept.append(best)
        s, e = best[0], best[1]
        cluster = [c for c in cluster if c[1] <= s or e <= c[0]]
    kept.sort()
    return kept


def resolve(candidates: list[Candidate], text_length: int, min_confidence: float) -> list[Finding]:
    """Non-overlapping findings from ``candidates``, sorted by start.

    Candidates below ``min_confidence``, empty, or outside ``[0, text_length]`` are dropped
    first. The rest are taken greedily by (confidence, length, earlier start), each kept
    only if it overlaps nothing kept before it. Whether a candidate is kept depends only
    on the candidates it overlaps, so the greedy pass runs per cluster of overlapping
    candidates, which keeps the cost near linear however long the text.
    """
    kept: list[Candidate] = []
    cluster: list[Candidate] = []
    cluster_end = -1
    for c in sorted(candidates):
        s, e, _, conf, _ = c
        if conf < min_confidence or s < 0 or e > text_length or s >= e:
            continue
        if s >= cluster_end:
            if len(cluster) == 1:
                kept.append(cluster[0])
            elif cluster:
                kept.extend(_greedy(cluster))
            cluster = [c]
            cluster_end = e
        else:
            cluster.append(c)
            if e > cluster_end:
                cluster_end = e
    if len(cluster) == 1:
        kept.append(cluster[0])
    elif cluster:
        kept.extend(_greedy(cluster))
    return [_finding(s, e, t, conf, rule) for s, e, t, conf, rule in kept]


class Detector:
    """Finds personal and sensitive identifiers in English and Chinese clinical text.

    Parameters
    ----------
    min_confidence:
        Findings below this confidence are dropped before overlaps are resolved. 0.5 keeps
        every rule finding except the weakest guesses; raise it to trade recall for
        precision.
    ner:
        An optional :class:`NerBackend` whose findings are merged with the rule findings.
        The default (None) needs no model and nothing downloaded.

    ``detect`` returns offsets only; it never logs or raises with a matched value.
    """

    def __init__(self, *, min_confidence: float = 0.5, ner: NerBackend | None = None) -> None:
        if not 0.0 <= min_confidence <= 1.0:
            raise InputError("min_confidence must be in [0, 1]", field="min_confidence")
        self.min_confidence = min_confidence
        self.ner = ner

    def __repr__(self) -> str:
        return f"Detector(min_confidence={self.min_confidence!r}, ner={self.ner!r})"

    def detect(self, text: str) -> list[Finding]:
        """Findings in ``text``, sorted by start, non-overlapping."""
        if not isinstance(text, str):
            raise InputError(f"detect expects str, got {type(text).__name__}", field="text")
        candidates = _rule_candidates(text)
        if self.ner is not None:
            for f in self.ner.entities(text):
                candidates.append((f.start, f.end, EntityType(f.type), f.confidence, f.rule))
        findings = resolve(candidates, len(text), self.min_confidence)
        logger.debug(
            "detect: %d chars, %d candidates, %d findings",
            len(text),
            len(candidates),
            len(findings),
        )
        return findings


_DEFAULT = Detector()


def detect_text(text: str, *, min_confidence: float = 0.5) -> list[Finding]:
    """:meth:`Detector.detect` with the rule recognizers only (no NER backend)."""
    if min_confidence == _DEFAULT.min_confidence:
        return _DEFAULT.detect(text)
    return Detector(min_confidence=min_confidence).detect(text)
