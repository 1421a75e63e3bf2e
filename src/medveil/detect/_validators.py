"""Check-digit and range validators for identifiers whose format carries a checksum.

Each validator takes the candidate text and returns whether it is a well-formed
identifier of its kind. They never raise on malformed input: a recognizer calls them on
every candidate, and "not an identifier" is the common, expected answer.
"""

from __future__ import annotations

import ipaddress
from datetime import date

# GB/T 2260 province-level codes (first two digits of a PRC administrative division code).
CN_PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",  # 北京 天津 河北 山西 内蒙古
        "21", "22", "23",  # 辽宁 吉林 黑龙江
        "31", "32", "33", "34", "35", "36", "37",  # 上海 江苏 浙江 安徽 福建 江西 山东
        "41", "42", "43", "44", "45", "46",  # 河南 湖北 湖南 广东 广西 海南
        "50", "51", "52", "53", "54",  # 重庆 四川 贵州 云南 西藏
        "61", "62", "63", "64", "65",  # 陕西 甘肃 青海 宁夏 新疆
        "71", "81", "82",  # 台湾 香港 澳门
    }
)  # fmt: skip

# ISO 7064 MOD 11-2 weights 2^(17-i) mod 11 for positions 1..17 of a GB 11643 number.
_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_CHECK = "10X98765432"
_DIGITS = frozenset("0123456789")


def _valid_birth_date(year: int, month: int, day: int, today: date | None) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= (today or date.today())


def cn_resident_id_valid(s: str, *, today: date | None = None) -> bool:
    """Whether ``s`` is a PRC resident identity number (GB 11643-1999, 18 characters).

    Checks the province part of the region code, the birth date (YYYYMMDD between
    1900-01-01 and ``today``, default the current date) and the ISO 7064 MOD 11-2 check
    character, where ``X`` (or ``x``) stands for 10.
    """
    if len(s) != 18 or not _DIGITS.issuperset(s[:17]) or s[17] not in "0123456789Xx":
        return False
    if s[:2] not in CN_PROVINCE_CODES:
        return False
    if not _valid_birth_date(int(s[6:10]), int(s[10:12]), int(s[12:14]), today):
        return False
    total = sum(int(c) * w for c, w in zip(s[:17], _GB11643_WEIGHTS, strict=True))
    return _GB11643_CHECK[total % 11] == s[17].upper()


def cn_resident_id15_plausible(s: str) -> bool:
    """Whether ``s`` has the shape of a legacy 15-digit resident number (no check digit).

    Region code province and a valid 19YYMMDD birth date only: without a check digit this
    is weak evidence, so callers require a cue word nearby.
    """
    if len(s) != 15 or not _DIGITS.issuperset(s) or s[:2] not in CN_PROVINCE_CODES:
        return False
    return _valid_birth_date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]), None)


def luhn_valid(s: str) -> bool:
    """Whether ``s`` passes the Luhn (mod 10) check: 12 to 19 digits once spaces and
    hyphens are removed (payment cards, IMEI with 15 digits)."""
    digits = s.replace(" ", "").replace("-", "")
    if not 12 <= len(digits) <= 19 or not _DIGITS.issuperset(digits):
        return False
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def ssn_valid(s: str) -> bool:
    """Whether ``s`` is a US social security number the SSA could issue.

    Accepts ``AAA-GG-SSSS``, ``AAA GG SSSS`` or nine digits. Area is not 000, 666 or
    900-999; group is not 00; serial is not 0000.
    """
    if len(s) == 11 and s[3] == s[6] and s[3] in "- ":
        s = s[:3] + s[4:6] + s[7:]
    if len(s) != 9 or not _DIGITS.issuperset(s):
        return False
    area, group, serial = s[:3], s[3:5], s[5:]
    if area in ("000", "666") or area[0] == "9":
        return False
    return group != "00" and serial != "0000"


def ipv4_valid(s: str) -> bool:
    """Whether ``s`` is a dotted-quad IPv4 address (no leading zeros, each part <= 255)."""
    try:
        ipaddress.IPv4Address(s)
    except ValueError:
        return False
    return True


def ipv6_valid(s: str) -> bool:
    """Whether ``s`` is an IPv6 address in any RFC 4291 text form (``::`` compression,
    embedded IPv4 tail)."""
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return False
    return True


# ISO 3779 / 49 CFR 565 VIN transliteration and position weights.
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_valid(s: str) -> bool:
    """Whether ``s`` is a 17-character VIN whose 9th character is the North American
    check digit (I, O and Q never occur)."""
    if len(s) != 17:
        return False
    try:
        total = sum(_VIN_VALUES[c] * w for c, w in zip(s, _VIN_WEIGHTS, strict=True))
    except KeyError:
        return False
    check = total % 11
    return s[8] == ("X" if check == 10 else str(check))


_DEA_FIRST = frozenset("ABCDEFGHJKLMPRSTUX")


def dea_valid(s: str) -> bool:
    """Whether ``s`` is a DEA registration number: registrant letter, a letter (or 9),
    seven digits whose last is the DEA check digit."""
    if len(s) != 9 or s[0] not in _DEA_FIRST:
        return False
    if not (s[1].isascii() and (s[1].isupper() or s[1] == "9")):
        return False
    d = s[2:]
    if not _DIGITS.issuperset(d):
        return False
    n = [ord(c) - 48 for c in d]
    return (n[0] + n[2] + n[4] + 2 * (n[1] + n[3] + n[5])) % 10 == n[6]


# CMS Medicare Beneficiary Identifier: letters exclude S, L, O, I, B, Z.
_MBI_ALPHA = frozenset("ACDEFGHJKMNPQRTUVWXY")
_MBI_ALNUM = _MBI_ALPHA | _DIGITS


def mbi_valid(s: str) -> bool:
    """Whether ``s`` (dashes removed) has the CMS MBI layout C A AN N A AN N A A N N."""
    s = s.replace("-", "")
    if len(s) != 11 or s[0] not in "123456789":
        return False
    kinds = (_MBI_ALPHA, _MBI_ALNUM, _DIGITS, _MBI_ALPHA, _MBI_ALNUM, _DIGITS,
             _MBI_ALPHA, _MBI_ALPHA, _DIGITS, _DIGITS)  # fmt: skip
    return all(c in k for c, k in zip(s[1:], kinds, strict=True))
