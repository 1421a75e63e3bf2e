"""The one vocabulary of identifier types, and what a finding is.

Types cover the HIPAA Safe Harbor identifier classes (45 CFR 164.514(b)(2)) and PIPL
personal / sensitive personal information, in English and Chinese text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EntityType(StrEnum):
    PERSON = "PERSON"  # names of patients, relatives, clinicians
    DATE = "DATE"  # date elements more specific than the year (any EN/ZH format)
    AGE_OVER_89 = "AGE_OVER_89"  # ages 90 and above (HIPAA)
    PHONE = "PHONE"
    FAX = "FAX"
    EMAIL = "EMAIL"
    SSN = "SSN"  # US social security number
    CN_RESIDENT_ID = "CN_RESIDENT_ID"  # PRC resident identity card number (GB 11643)
    MRN = "MRN"  # medical record numbers, incl. 病案号 / 住院号 / 门诊号
    HEALTH_PLAN_ID = "HEALTH_PLAN_ID"  # health plan beneficiary numbers, incl. 医保卡号
    ACCOUNT = "ACCOUNT"  # account numbers, bank cards (Luhn)
    LICENSE = "LICENSE"  # certificate / license numbers
    VEHICLE = "VEHICLE"  # vehicle identifiers and plates (US and Chinese)
    DEVICE = "DEVICE"  # device identifiers and serial numbers
    URL = "URL"
    IP_ADDRESS = "IP_ADDRESS"
    LOCATION = "LOCATION"  # addresses below state/province, ZIP / postal codes
    BIOMETRIC = "BIOMETRIC"  # biometric identifiers where context shows them
    OTHER_ID = "OTHER_ID"  # any other unique identifying number, code or characteristic


@dataclass(frozen=True, order=True)
class Finding:
    """One identifier found in a text: character offsets ``[start, end)``, never the value.

    ``rule`` names the recognizer (and validator) that decided it, e.g.
    ``"cn_resident_id:gb11643"``; ``confidence`` is in (0, 1].
    """

    start: int
    end: int
    type: EntityType
    confidence: float
    rule: str
