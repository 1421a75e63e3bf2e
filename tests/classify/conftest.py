from __future__ import annotations

import re

import pytest

from medveil.classify import Rules, load_rules
from medveil.detect import EntityType, Finding


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


class RegexDetector:
    """A stand-in recognizer: the classifier's free-text logic, tested apart from detect's."""

    _PATTERNS = (
        (EntityType.PHONE, re.compile(r"1[3-9]\d{9}|\(\d{3}\) \d{3}-\d{4}"), 0.9),
        (EntityType.PERSON,
         re.compile(r"(?:Mr|Ms|Dr)\. [A-Z][a-z]+|患者[\u4e00-\u9fff]{2,3}"), 0.7),
        (EntityType.DATE, re.compile(r"\d{4}-\d{2}-\d{2}"), 0.8),
    )

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, text: str) -> list[Finding]:
        self.calls += 1
        return sorted(
            Finding(m.start(), m.end(), t, c, f"test:{t.lower()}")
            for t, rx, c in self._PATTERNS for m in rx.finditer(text)
        )


@pytest.fixture
def detector() -> RegexDetector:
    return RegexDetector()
