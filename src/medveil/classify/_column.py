"""One column's class from its header and its sampled values (the algorithm of rules.toml)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import pandas as pd

from medveil.classify._result import CATEGORIES, ColumnClass
from medveil.classify._rules import HeaderRule, Outcome, Rules, ValueRule
from medveil.detect import EntityType

_CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"


@dataclass(frozen=True)
class _Evidence:
    rule: ValueRule
    count: int
    fraction: float
    fired: bool

    @property
    def p(self) -> float:
        return self.rule.reliability * self.fraction


class _Sample:
    """A column's sampled values and the value rules already evaluated on them."""

    def __init__(self, values: pd.Series, rules: Rules) -> None:
        self.values = values
        self.enough = len(values) >= rules.defaults.min_values
        self._memo: dict[str, _Evidence] = {}

    def evaluate(self, rule: ValueRule) -> _Evidence:
        if rule.ref not in self._memo:
            n = len(self.values)
            count = rule.check.count(self.values) if n else 0
            fraction = count / n if n else 0.0
            fired = self.enough and count >= rule.min_count and fraction >= rule.min_fraction
            self._memo[rule.ref] = _Evidence(rule, count, fraction, fired)
        return self._memo[rule.ref]


def _agrees(a: Outcome, b: Outcome) -> bool:
    """Same identifier type; or, neither being an identifier, the same kind of column."""
    if a.identifier_type is not None or b.identifier_type is not None:
        return a.identifier_type == b.identifier_type
    return a.category == b.category and a.quasi_identifier == b.quasi_identifier


def _noisy_or(*ps: float) -> float:
    q = 1.0
    for p in ps:
        q *= 1.0 - p
    return 1.0 - q


def _override(p: float, h: float) -> float:
    """Posterior of the values' reading over the header's, as exclusive hypotheses."""
    num = p * (1.0 - h)
    den = num + h * (1.0 - p)
    return num / den if den > 0 else p


def _strongest(evidence: list[_Evidence]) -> _Evidence | None:
    best: _Evidence | None = None
    for e in evidence:
        if best is None or e.p > best.p:  # ties keep the earlier (site) rule
            best = e
    return best


def looks_free_text(values: pd.Series, rules: Rules) -> bool:
    """Long, many-word values: mean units (CJK characters + ASCII words) and characters."""
    if values.empty:
        return False
    ft = rules.free_text
    units = values.str.count(_CJK) + values.str.count(r"[A-Za-z0-9]+")
    return bool(units.mean() >= ft.min_mean_units
                and values.str.len().mean() >= ft.min_mean_chars)


def classify_column(
    name: str, values: pd.Series, rules: Rules, detector: Callable[[], Any]
) -> ColumnClass:
    """Classify one column. ``values`` are its sampled non-empty values as stripped strings;
    ``detector`` returns the recognizer (called only if the column is free text)."""
    sample = _Sample(values, rules)
    hdr = rules.match_header(name)
    evidence = [sample.evaluate(r) for r in rules.value if r.mode != "refine"]
    trail: list[str] = []

    deciders = [e for e in evidence if e.rule.mode == "decide" and e.fired]
    if hdr is None and not deciders:
        deciders = [e for e in evidence if e.rule.mode == "fallback" and e.fired]
    agreeing = [e for e in deciders if hdr is not None and _agrees(e.rule.outcome, hdr.outcome)]
    best = _strongest(agreeing) or _strongest(deciders)

    decided: set[str] = set()
    if best is not None and hdr is not None:
        if agreeing:
            out = replace(hdr.outcome, grade=max(hdr.outcome.grade, best.rule.outcome.grade))
            confidence = _noisy_or(hdr.confidence, best.p)
            trail += [hdr.ref, best.rule.ref]
            decided |= {hdr.ref, best.rule.ref}
        else:
            out = best.rule.outcome
            confidence = _override(best.p, hdr.confidence)
            trail += [best.rule.ref, f"overrides:{hdr.ref}"]
            decided.add(best.rule.ref)
    elif best is not None:
        out, confidence = best.rule.outcome, best.p
        trail.append(best.rule.ref)
        decided.add(best.rule.ref)
    elif hdr is not None:
        out = hdr.outcome
        trail.append(hdr.ref)
        decided.add(hdr.ref)
        confidence = _header_confidence(hdr, evidence, sample, rules)
    else:
        d = rules.defaults
        out = Outcome(None, False, d.category, d.grade)
        confidence = d.confidence
        trail.append("default")

    out = _refine(out, sample, rules, decided, trail)

    counts: dict[str, int] = {}
    free_text = out.identifier_type is None and looks_free_text(values, rules)
    if free_text:
        out, confidence, counts = _free_text(out, hdr, values, rules, detector(), trail)

    if free_text or out.category in rules.defaults.keyword_categories:
        for kw in rules.keyword:
            if kw.count(values) >= kw.min_count:
                out = replace(out, grade=max(out.grade, kw.grade),
                              category=kw.category or out.category)
                trail.append(kw.ref)

    if hdr is not None and hdr.floor and out.grade < hdr.outcome.grade:
        out = replace(out, grade=hdr.outcome.grade)
        trail.append(f"floor:{hdr.ref}")

    return ColumnClass(
        column=name,
        identifier_type=out.identifier_type,
        confidence=min(1.0, max(0.0, confidence)),
        quasi_identifier=out.quasi_identifier,
        category=out.category,
        category_zh=CATEGORIES[out.category],
        grade=out.grade,
        free_text=free_text,
        entity_counts=MappingProxyType(counts),
        rules=tuple(trail),
    )


def _header_confidence(
    hdr: HeaderRule, evidence: list[_Evidence], sample: _Sample, rules: Rules
) -> float:
    """Header alone decided: value checks of its own type or its confirmations adjust it."""
    h = hdr.confidence
    same = [e for e in evidence
            if hdr.outcome.identifier_type is not None
            and e.rule.identifier_type == hdr.outcome.identifier_type]
    confirmations = [sample.evaluate(r) for r in rules.value
                     if r.mode == "refine" and r.confirms_only and hdr.ref in r.needs]
    fired = [e.p for e in same + confirmations if e.fired]
    if fired:
        return _noisy_or(h, max(fired))
    tried = [e for e in same + confirmations if sample.enough]
    if tried:
        ratio = max(min(1.0, e.fraction / e.rule.min_fraction) if e.rule.min_fraction else 1.0
                    for e in tried)
        return h * (0.5 + 0.5 * ratio)
    return h


def _refine(
    out: Outcome, sample: _Sample, rules: Rules, decided: set[str], trail: list[str]
) -> Outcome:
    for rule in rules.value:
        if rule.mode != "refine" or not decided.intersection(rule.needs):
            continue
        if not sample.evaluate(rule).fired:
            continue
        decided.add(rule.ref)
        trail.append(rule.ref)
        out = Outcome(
            identifier_type=rule.identifier_type or out.identifier_type,
            quasi_identifier=(out.quasi_identifier if rule.quasi_identifier is None
                              else rule.quasi_identifier),
            category=rule.category or out.category,
            grade=max(out.grade, rule.grade or 0),
        )
    return out


def _free_text(
    out: Outcome, hdr: HeaderRule | None, values: pd.Series, rules: Rules, detector: Any,
    trail: list[str],
) -> tuple[Outcome, float, dict[str, int]]:
    ft = rules.free_text
    counts: Counter[EntityType] = Counter()
    confidences: defaultdict[EntityType, list[float]] = defaultdict(list)
    for text in values.iloc[: ft.max_values]:
        for finding in detector.detect(text):
            counts[finding.type] += 1
            confidences[finding.type].append(float(finding.confidence))
    if trail == ["default"]:  # nothing but the length decided: free text's own defaults
        out = Outcome(None, False, ft.category, ft.grade)
        trail.clear()
    trail.append("free_text")
    found = [t for t, c in counts.items() if c >= ft.min_entity_count]
    found.sort(key=lambda t: (-ft.entity_grades.get(t, 4), -counts[t], str(t)))
    grade = max([out.grade, *(ft.entity_grades.get(t, 4) for t in found)])
    trail.extend(f"entity:{t}" for t in found)
    if found:  # the most confident of the types that set the entity grade
        top = ft.entity_grades.get(found[0], 4)
        confidence = max(sum(confidences[t]) / len(confidences[t])
                         for t in found if ft.entity_grades.get(t, 4) == top)
    else:
        confidence = hdr.confidence if hdr is not None else ft.confidence
    ordered = {str(t): counts[t] for t in sorted(counts, key=str)}
    return replace(out, identifier_type=None, grade=grade), confidence, ordered
