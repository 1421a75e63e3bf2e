"""Sensitive-information recognizers for clinical free text, in English and Chinese.

The "identify" step of a privacy officer's workflow: :class:`Detector` finds the HIPAA
Safe Harbor identifiers and PIPL personal information in a note and returns their
offsets as :class:`Finding` objects (never the values), typed by :class:`EntityType`::

    from medveil.detect import detect_text
    for f in detect_text("患者张伟，男，92岁，电话13812345678"):
        print(f.start, f.end, f.type, f.rule)

Detection is rule based (formats with check digits, cue words, name lists, address
structure) and needs no downloaded model; a :class:`NerBackend` can be plugged in to
add a statistical recognizer. The validators are public so that ``classify`` can check
column values with the same rules.
"""

from __future__ import annotations

from medveil.detect._detector import Detector, NerBackend, detect_text
from medveil.detect._types import EntityType, Finding
from medveil.detect._validators import (
    cn_resident_id_valid,
    ipv4_valid,
    ipv6_valid,
    luhn_valid,
    ssn_valid,
)

__all__ = [
    "Detector",
    "EntityType",
    "Finding",
    "NerBackend",
    "cn_resident_id_valid",
    "detect_text",
    "ipv4_valid",
    "ipv6_valid",
    "luhn_valid",
    "ssn_valid",
]
