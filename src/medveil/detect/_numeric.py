"""Every identifier that starts with a digit (or "+", "(") found in one regex pass.

Clinical notes are full of numbers (doses, lab values, vital signs), so the digit-led
formats — phone numbers, resident IDs, cards, SSNs, IPv4, MBIs, numeric dates, ages —
share a single scan. The pattern opens with one character class, which lets the regex
engine skip every other character in C; after that first character a look-behind picks
the branches that can start with it. Most numbers fail every branch inside the engine
and never reach Python.
"""

from __future__ import annotations

import re

from medveil.detect._context import Candidate, alnum_at
from medveil.detect._location import STREET_NUMBER_TAIL, US_STREET_AFTER_FIRST_DIGIT
from medveil.detect._trie import alternation
from medveil.detect._types import EntityType
from medveil.detect._validators import (
    cn_resident_id_valid,
    ipv4_valid,
    luhn_valid,
    mbi_valid,
    ssn_valid,
    vin_valid,
)

E = EntityType

# Every alternative below is written for the position *after* the first digit, and opens
# with a character class or literal for the second character: the regex engine checks
# that one character before it enters an alternative, so a number tries few of them.
# Look-behinds then check the first digit. Group names end in a digit when one kind of
# identifier needs several alternatives ("mdy1" is "mdy" with a one-digit month).
_Y4 = r"(?:1[89]\d\d|20\d\d)"
_M = r"(?:1[0-2]|0?[1-9])"
_D = r"(?:3[01]|[12]\d|0?[1-9])"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}|\s?[AaPp]\.?[Mm]\.?)?)?"
_EXT = r"(?:[ ]?(?:x|ext\.?|extension|转)[ ]?\d{1,5})?"
_NANP = r"(?:\(\d{3}\)[-. ]?|\d{3}[-. ])\d{3}[-. ]\d{4}"
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
    r"|JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?"
    r"|SEP(?:T(?:EMBER)?)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?)"
)
_DMON_TAIL = rf"(?:\s+of)?[\s\-/]+{_MONTHS}\.?(?:,?[\s\-/]+(?:{_Y4}|'\d\d))?(?![A-Za-z])"
_AGE_TAIL = (
    r"(?:\s?-?\s?(?:years?|yrs?|y)[\s-]?(?:old|o\b|/o|\.o\.)|\s?(?:yo|YO|y/o|Y/O|y\.o\.|yoa)"
    r"(?![A-Za-z])|\s?(?:years?|yrs?) of age|\s?(?:周岁|岁)|\s?-?(?:year|yr)-old)"
)
_MBI_A = "[AC-HJKMNP-RT-Y]"
_MBI_AN = "[AC-HJKMNP-RT-Y0-9]"
_VIN = "[A-HJ-NPR-Z0-9]"
_YEAR_START = r"\d(?<=1[89]|20)\d\d"  # second..fourth digit of a year 1800-2099

_AFTER_DIGIT = "|".join(
    [
        # PRC resident ID (18): region, YYYYMMDD, sequence, check character
        r"\d(?<=[1-8]\d)(?P<cnid>\d{4}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
        r"\d{3}[\dXx](?![0-9A-Za-z]))",
        # payment card: 4-4-4-4(-3) with one separator, 4-6-5 (Amex), or 13-19 digits
        r"\d\d\d(?P<card>(?P<sep1>[ -]?)\d{4}(?P=sep1)\d{4}(?P=sep1)\d{4}(?:(?P=sep1)\d{3})?"
        r"(?!\d))",
        r"\d\d\d(?P<card1>(?P<sep2>[ -]?)\d{6}(?P=sep2)\d{5}(?!\d))",
        r"\d(?P<card2>\d{11,17}(?!\d))",
        # Chinese mobile 13812345678, optionally 0086
        r"[3-9](?<=1[3-9])(?P<cnmob>\d(?:[- ]?\d{4}){2}(?!\d))",
        r"0(?<=00)(?P<cnmob1>86[- ]?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d))",
        # Chinese landline 010-12345678, 0771 5678901, optionally 0086
        rf"\d(?<=0\d)(?P<cnland>\d{{1,2}}[- ][ ]?\d{{3,4}}[- ]?\d{{4}}{_EXT}(?!\d))",
        rf"0(?<=00)(?P<cnland1>86[- ]?\(?0?\d{{2,3}}\)?[- ]?\d{{3,4}}[- ]?\d{{4}}{_EXT}(?!\d))",
        # North American numbers 555-123-4567, 1-555-..., 001-555-...
        rf"\d\d(?P<us>[-. ]\d{{3}}[-. ]\d{{4}}{_EXT}(?!\d))",
        rf"[-. ](?<=1[-. ])(?P<us1>{_NANP}{_EXT}(?!\d))",
        rf"0(?<=00)(?P<us2>1[-. ]?{_NANP}{_EXT}(?!\d))",
        r"\d\d(?P<ssn>(?P<sep3>[- ])\d{2}(?P=sep3)\d{4}(?!\d))",
        # IPv4 before the dates: 80.57.44.75 also reads as a (rejected) date 80.57.44
        r"\d(?P<ipdot>\d?(?:\.\d{1,3}){3}(?!\d|\.\d))",
        r"\.(?P<ipdot1>\d{1,3}(?:\.\d{1,3}){2}(?!\d|\.\d))",
        # dates
        rf"{_YEAR_START}(?P<iso>(?P<s1>[-/.])(?:1[0-2]|0?[1-9])(?P=s1){_D}(?!\d){_TIME})",
        rf"{_YEAR_START}(?P<zh>\s?年\s?{_M}\s?月(?:\s?{_D}\s?[日号])?)",
        rf"\d(?P<zh1>\s?年\s?{_M}\s?月(?:\s?{_D}\s?[日号])?)",
        rf"\d(?<=1[0-2]|0[1-9])(?P<zhmd>\s?月\s?{_D}\s?[日号])",
        rf"月(?<=[1-9]月)(?P<zhmd1>\s?{_D}\s?[日号])",
        rf"\d(?P<mdy>(?P<s2>[/.\-])\d{{1,2}}(?P=s2)(?:{_Y4}|\d{{2}})(?!\d){_TIME})",
        rf"/(?P<mdy1>\d{{1,2}}/(?:{_Y4}|\d{{2}})(?!\d){_TIME})",
        rf"\.(?P<mdy2>\d{{1,2}}\.{_Y4}(?!\d){_TIME})",
        rf"-(?P<mdy3>\d{{1,2}}-{_Y4}(?!\d){_TIME})",
        rf"\d(?P<dmon>(?:st|nd|rd|th)?{_DMON_TAIL})",
        rf"[\s\-/](?P<dmon1>[\s\-/]*{_MONTHS}\.?(?:,?[\s\-/]+(?:{_Y4}|'\d\d))?(?![A-Za-z]))",
        rf"[snrt](?<=1s|2n|3r|[04-9]t)(?P<dmon2>[dht]{_DMON_TAIL})",
        rf"{_YEAR_START}(?P<ym>(?P<s3>[-/.])(?:1[0-2]|0[1-9])(?![-/.]?\d))",
        rf"\d(?<=1[0-2]|0[1-9])(?P<my>/{_Y4}(?!\d))",
        rf"/(?<=[1-9]/)(?P<my1>{_Y4}(?!\d))",
        # ages of 90 and over
        rf"\d(?<=9\d)(?P<age>{_AGE_TAIL})",
        rf"[01](?<=1[01])(?P<age1>\d{_AGE_TAIL})",
        f"\\d(?P<street>{US_STREET_AFTER_FIRST_DIGIT})",
        f"[ \\t](?P<street1>{US_STREET_AFTER_FIRST_DIGIT.removeprefix(STREET_NUMBER_TAIL)})",
        rf"{_MBI_A}(?<=[1-9]{_MBI_A})(?P<mbi>{_MBI_AN}\d-?{_MBI_A}{_MBI_AN}\d-?{_MBI_A}{{2}}\d{{2}}"
        r"(?![0-9A-Za-z]))",
        rf"{_VIN}(?P<vin>{_VIN}{{15}}(?![0-9A-Za-z]))",
        r"\d(?P<longnum>\d{7,18}(?!\d))",
    ]
)
_AFTER_PLUS = (
    r"(?P<pcnmob>86[- ]?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d))"
    r"|(?P<pcnland>86[- ]?\(?0?\d{2,3}\)?[- ]?\d{3,4}[- ]?\d{4}" + _EXT + r"(?!\d))"
    r"|(?P<pus>1[-. ]?" + _NANP + _EXT + r"(?!\d))"
)
_AFTER_PAREN = (
    r"(?P<qcnland>0\d{2,3}[)）][ ]?\d{3,4}[- ]?\d{4}" + _EXT + r"(?!\d))"
    r"|(?P<qus>(?<=\()\d{3}\)[-. ]?\d{3}[-. ]\d{4}" + _EXT + r"(?!\d))"
)

# A quantity with a unit ("25 mg", "6.5 x10^9/L", "120/80", "3天"), a number before a
# lower-case word ("2 diabetes", but not "92 years") or a time of day is what most numbers
# in a note are: rejecting them first spares the alternatives below.
_QUANTITY = (
    r"\d{0,2}+(?:[.,]\d++)?+[ ]?+(?:" + alternation([
        "mg", "mcg", "μg", "ug", "ml", "mL", "kg", "mmol", "umol", "μmol", "mEq", "meq", "ng",
        "pg", "IU", "iu", "mmHg", "mm", "cm", "bpm", "beats", "%", "°", "℃", "×", "^", "*",
        "times", "tab", "caps", "puff", "drop", "unit", "day", "week", "wk", "month", "hour",
        "hr", "min", "sec", "cycle", "dose", "次", "分", "小时", "天", "个", "片", "粒", "支",
        "毫升", "毫克", "克", "/min", "/h", "/d", "/L", "/dL", "/μL", "/uL", "/mL", "/HP", "/hp",
        "bid", "tid", "qd", "qid", "qhs", "prn", "mo ", "lb", "kcal", "cc ", "gtt",
    ]) + r"|[gLUhsdx]\b|周(?!岁)|/\d{1,3}(?![\d/.])|(?<= )(?:[a-np-xz]|o(?!f\s))|:\d)"
)  # fmt: skip

# A run of at most seven digits followed by a character that no alternative takes after its
# first digit run (only separators, letters, "年", "月", "岁" and "周" continue one, and an
# all-digit match needs eight digits or more): rejected before the alternatives are tried.
# A "." continues one only before a digit or "(" ("1.(555) 123-4567"); ")" ends the run
# after at most five digits, since "008610)" opens a Chinese landline.
_DEAD_END = (
    r"\d{0,6}+(?:[,;:=+，：；（）、。\u4e00-\u9fff](?<![年月岁周])|\.(?![\d(])|\Z)"
    r"|\d{0,4}+\)"
)

_NUMERIC = re.compile(
    r"[0-9+(（](?<![0-9A-Za-z_][0-9+(（])"
    rf"(?:(?<=\d)(?!{_QUANTITY}|{_DEAD_END})(?:{_AFTER_DIGIT})|(?<=\+)(?:{_AFTER_PLUS})|(?<=[(（])(?:{_AFTER_PAREN}))"
)

_KINDS = {
    "cnid": (E.CN_RESIDENT_ID, 0.99, "cn_resident_id:gb11643"),
    "card": (E.ACCOUNT, 0.7, "account:luhn"),
    "cnmob": (E.PHONE, 0.9, "phone:cn_mobile"),
    "cnland": (E.PHONE, 0.8, "phone:cn_landline"),
    "us": (E.PHONE, 0.85, "phone:nanp"),
    "ssn": (E.SSN, 0.85, "ssn:ssa"),
    "iso": (E.DATE, 0.95, "date:iso"),
    "zh": (E.DATE, 0.95, "date:zh"),
    "zhmd": (E.DATE, 0.9, "date:zh_month_day"),
    "mdy": (E.DATE, 0.9, "date:numeric"),
    "dmon": (E.DATE, 0.9, "date:day_month"),
    "ym": (E.DATE, 0.7, "date:year_month"),
    "my": (E.DATE, 0.7, "date:month_year"),
    "age": (E.AGE_OVER_89, 0.9, "age_over_89:phrase"),
    "ipdot": (E.IP_ADDRESS, 0.9, "ip_address:v4"),
    "street": (E.LOCATION, 0.85, "location:us_street"),
    "mbi": (E.HEALTH_PLAN_ID, 0.75, "health_plan_id:mbi"),
    "vin": (E.VEHICLE, 0.85, "vehicle:vin"),
    "longnum": (E.OTHER_ID, 0.5, "other_id:long_number"),
    "pcnmob": (E.PHONE, 0.9, "phone:cn_mobile"),
    "pcnland": (E.PHONE, 0.8, "phone:cn_landline"),
    "pus": (E.PHONE, 0.85, "phone:nanp"),
    "qcnland": (E.PHONE, 0.8, "phone:cn_landline"),
    "qus": (E.PHONE, 0.85, "phone:nanp"),
}
# group name -> kind ("mdy1" -> "mdy"); separator groups map to nothing
_GROUP_KIND = {
    name: name.rstrip("0123456789")
    for name in _NUMERIC.groupindex
    if name.rstrip("0123456789") in _KINDS
}
_PHONES = frozenset({"cnmob", "cnland", "us", "pcnmob", "pcnland", "pus", "qcnland", "qus"})
_LONG_NUMBER = (E.OTHER_ID, 0.5, "other_id:long_number")
_BARE_NANP = (E.PHONE, 0.55, "phone:nanp_bare")

_FAX = re.compile(r"[Ff]ax|FAX|[Ff]acsimile|传真")
_TEL_OR_DIGIT = re.compile(
    r"[Pp]hone|PHONE|[Tt]el\b|TEL|[Mm]obile|[Cc]ell|电话|手机|座机|[Cc]all|\d"
)
_VERSION_CUE = re.compile(r"(?:[Vv]ersion|[Vv]er\.?|[Vv]|版本)\s*$")
_SPLIT_DATE = re.compile(r"[/.\-]")


def _long_number(value: str) -> tuple[EntityType, float, str]:
    """An unlabelled long number: a bare NANP phone number when it has that shape."""
    if len(value) == 10 and value[0] in "23456789" and value[3] in "23456789":
        return _BARE_NANP
    return _LONG_NUMBER


def _is_fax(text: str, start: int) -> bool:
    """Whether the number at ``start`` is labelled a fax: a fax word in the 32 characters
    before it, with no phone word and no other number in between."""
    window = max(0, start - 32)
    fax = _FAX.search(text, window, start)
    if fax is None:
        return False
    while (later := _FAX.search(text, fax.end(), start)) is not None:
        fax = later
    return _TEL_OR_DIGIT.search(text, fax.end(), start) is None


def _after_list_number(text: str, s: int) -> bool:
    """Whether ``text[s]`` follows a list number such as the "3." of "；3.2020-07-24"."""
    if s < 2 or text[s - 1] != "." or not "0" <= text[s - 2] <= "9":
        return False
    i = s - 2
    while i > 0 and "0" <= text[i - 1] <= "9" and s - i < 3:
        i -= 1
    return i == 0 or text[i - 1] in _LIST_OPENERS


_LIST_OPENERS = frozenset("\n \t；;：:，,。（(、")


def _real_day(a: int, b: int) -> bool:
    """Whether (month a, day b) or (day a, month b) is a calendar day."""
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)


def find_numeric(text: str, out: list[Candidate]) -> None:
    """Append every digit-led identifier, date and age in ``text`` to ``out``."""
    for m in _NUMERIC.finditer(text):
        kind = _GROUP_KIND.get(m.lastgroup or "")
        if kind is None:
            kind = next(_GROUP_KIND[g] for g in _GROUP_KIND if m.group(g) is not None)
        s, e = m.span()
        value = m.group()
        etype, conf, rule = _KINDS[kind]
        if kind == "cnid":
            if not cn_resident_id_valid(value):
                if value.isdigit():
                    out.append((s, e, *_LONG_NUMBER))
                continue
        elif kind == "card":
            digits = value.replace(" ", "").replace("-", "")
            if len(digits) < 13 or not luhn_valid(digits):
                if digits == value:
                    out.append((s, e, *_long_number(value)))
                continue
        elif kind == "ssn":
            if not ssn_valid(value):
                continue
        elif kind == "ipdot":
            if not ipv4_valid(value) or (s > 0 and text[s - 1] in ".-/"):
                continue
            if _VERSION_CUE.search(text, max(0, s - 10), s):
                continue
        elif kind == "mbi":
            if not mbi_valid(value):
                continue
        elif kind == "vin":
            if value.isdigit() or not vin_valid(value):
                continue
        elif kind in _PHONES:
            if alnum_at(text, e):
                continue
            if _is_fax(text, s):
                etype, conf, rule = E.FAX, conf + 0.01, "fax:cue"
        elif etype is E.DATE:
            if (s > 0 and text[s - 1] in "./:-" and not _after_list_number(text, s)) or (
                alnum_at(text, e) and kind != "zh"
            ):
                continue
            if kind == "mdy":
                a, b, *_ = _SPLIT_DATE.split(value)
                if not _real_day(int(a), int(b)):
                    continue
                if "." in value and len(value.rsplit(".", 1)[1]) == 2:
                    continue  # 1.2.24 is more often a version or a section than a date
            elif kind == "dmon":
                day = int(value[:2]) if value[1:2].isdigit() else int(value[0])
                if not 1 <= day <= 31:
                    continue
            elif kind == "my" and not 1 <= int(value.split("/")[0]) <= 12:
                continue
        elif kind == "age":
            if s > 0 and text[s - 1] == ".":
                continue
        elif kind == "longnum":
            etype, conf, rule = _long_number(value)
        out.append((s, e, etype, conf, rule))
