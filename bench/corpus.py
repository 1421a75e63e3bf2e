"""Labeled synthetic clinical notes, English and Chinese, to evaluate `medveil scan`.

Every note is assembled from hand-written sentence templates (admission, discharge, progress,
pathology, referral, nursing, laboratory, imaging and outpatient notes, plus identifier-free
"confusable" notes). Fillers come from Faker (en_US, zh_CN); structured identifiers come from
generators here that honour each scheme's rules (GB 11643 check character, SSA SSN ranges,
Luhn, VIN and DEA check digits, Medicare MBI positions). Each inserted identifier is recorded
as a span ``{"start", "end", "type"}`` (character offsets, end exclusive) with a type from
`medveil.detect` 's vocabulary; the conventions are in tests/data/notes/README.md.

The corpus is written independently of the detector: it is a held-out evaluation set.
Generation is deterministic: note ``i`` of language ``lang`` depends only on
``(seed, lang, i)`` and the Faker release (`FAKER_VERSION` for the stored file).

Usage:
  python bench/corpus.py                          # rewrite tests/data/notes/eval.jsonl
  python bench/corpus.py --seed 7 --en 1000 --zh 1000 --out /tmp/held_out.jsonl
  python bench/corpus.py --stats tests/data/notes/eval.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import string
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, TypeVar

from faker import Faker

T = TypeVar("T")

EVAL_SEED = 20261128
EVAL_EN = 200
EVAL_ZH = 200
EVAL_PATH = Path(__file__).resolve().parents[1] / "tests" / "data" / "notes" / "eval.jsonl"
FAKER_VERSION = "40.63.0"  # the Faker release tests/data/notes/eval.jsonl was generated with

LABEL_TYPES = (
    "PERSON", "DATE", "AGE_OVER_89", "PHONE", "FAX", "EMAIL", "SSN", "CN_RESIDENT_ID", "MRN",
    "HEALTH_PLAN_ID", "ACCOUNT", "LICENSE", "VEHICLE", "DEVICE", "URL", "IP_ADDRESS",
    "LOCATION", "BIOMETRIC", "OTHER_ID",
)
KINDS = ("admission", "discharge", "progress", "pathology", "referral", "nursing", "lab",
         "imaging", "outpatient", "confusable")
_KIND_WEIGHTS = (13, 13, 11, 9, 9, 9, 8, 8, 11, 9)
MIN_CHARS = 300
MAX_CHARS = 3000


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    type: str


@dataclass(frozen=True)
class Note:
    id: str
    lang: str
    kind: str
    text: str
    spans: tuple[Span, ...]

    def to_json(self) -> str:
        return json.dumps(
            {"id": self.id, "lang": self.lang, "kind": self.kind, "text": self.text,
             "spans": [{"start": s.start, "end": s.end, "type": s.type} for s in self.spans]},
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, line: str) -> Note:
        d = json.loads(line)
        spans = tuple(Span(s["start"], s["end"], s["type"]) for s in d["spans"])
        return cls(d["id"], d["lang"], d.get("kind", ""), d["text"], spans)


Segment = tuple[str, str | None]

# ---------------------------------------------------------------------------------------------
# Structured identifiers (each valid under its scheme's rules)
# ---------------------------------------------------------------------------------------------

_GB11643_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_C = "10X98765432"
_CN_REGIONS = (
    "110101", "110105", "110108", "120103", "130102", "130602", "140105", "210102", "210202",
    "220102", "230103", "310104", "310115", "320102", "320505", "330106", "330203", "340104",
    "350203", "360102", "370102", "370212", "410105", "420106", "430104", "440106", "440305",
    "450103", "500103", "510107", "520102", "530102", "610113", "620102", "650102",
)


def gb11643_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a PRC resident ID (GB 11643-1999)."""
    return _GB11643_C[sum(int(c) * w for c, w in zip(first17, _GB11643_W, strict=True)) % 11]


def resident_id(rng: random.Random, birth: dt.date, male: bool) -> str:
    seq = rng.randrange(100)
    sex_digit = rng.choice("13579" if male else "02468")
    first17 = f"{rng.choice(_CN_REGIONS)}{birth:%Y%m%d}{seq:02d}{sex_digit}"
    return first17 + gb11643_check(first17)


def ssn(rng: random.Random) -> str:
    """An SSN valid under SSA rules: area 001-899 except 666, group 01-99, serial 0001-9999."""
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def luhn_complete(prefix: str) -> str:
    """``prefix`` plus the Luhn check digit."""
    total = 0
    for i, c in enumerate(reversed(prefix)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return prefix + str((10 - total % 10) % 10)


def bank_card(rng: random.Random, cn: bool) -> str:
    if cn:
        prefix = rng.choice(("622202", "622848", "621700", "622588", "621483", "623052"))
        length = rng.choice((16, 19, 19))
    else:
        prefix = rng.choice(("4", "51", "52", "53", "54", "55", "4"))
        length = 16
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - 1 - len(prefix)))
    return luhn_complete(body)


def imei(rng: random.Random) -> str:
    tac = rng.choice(("35", "86", "01", "35")) + _digits(rng, 6)
    return luhn_complete(tac + _digits(rng, 6))


_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_VALUES = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", (1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2,
                                                   3, 4, 5, 6, 7, 8, 9), strict=True))
_VIN_W = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin(rng: random.Random) -> str:
    """A 17-character VIN with a valid check digit (position 9)."""
    chars = [rng.choice(_VIN_CHARS) for _ in range(17)]
    chars[0] = rng.choice("1245JKLSVWZ3")
    chars[9] = rng.choice("ABCDEFGHJKLMNPRSTVWXY123456789")
    total = sum((int(c) if c.isdigit() else _VIN_VALUES[c]) * w
                for c, w in zip(chars, _VIN_W, strict=True))
    chars[8] = "X" if total % 11 == 10 else str(total % 11)
    return "".join(chars)


def dea_number(rng: random.Random, last_name: str) -> str:
    digits = [rng.randrange(10) for _ in range(6)]
    check = (digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])) % 10
    initial = last_name[0].upper() if last_name[:1].isalpha() else "X"
    return rng.choice("ABFGM") + initial + "".join(map(str, digits)) + str(check)


_MBI_ALPHA = "ACDEFGHJKMNPQRTUVWXY"


def medicare_mbi(rng: random.Random, dashed: bool) -> str:
    an = _MBI_ALPHA + string.digits
    pat = ("C", "A", "AN", "N", "A", "AN", "N", "A", "A", "N", "N")
    pick = {"C": "123456789", "A": _MBI_ALPHA, "AN": an, "N": string.digits}
    s = "".join(rng.choice(pick[p]) for p in pat)
    return f"{s[:4]}-{s[4:7]}-{s[7:]}" if dashed else s


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _upper(rng: random.Random, n: int, alphabet: str = "ABCDEFGHJKLMNPQRSTUVWXYZ") -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def ipv4(rng: random.Random) -> str:
    first = rng.choice((10, 172, 192, rng.randint(11, 223)))
    if first == 192:
        return f"192.168.{rng.randint(0, 254)}.{rng.randint(1, 254)}"
    if first == 172:
        return f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def ipv6(rng: random.Random) -> str:
    groups = [f"{rng.randrange(65536):x}" for _ in range(8)]
    style = rng.random()
    if style < 0.4:
        return ":".join(groups)
    if style < 0.7:
        return "fe80::" + ":".join(groups[4:])
    return "2001:db8:" + ":".join(groups[2:4]) + "::" + groups[7]


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_CN_DIGITS = "〇一二三四五六七八九"


def _cn_small(n: int) -> str:
    """1..99 in Chinese numerals (三, 十五, 二十三)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


def format_date(d: dt.date, lang: str, rng: random.Random, part: str = "full") -> str:
    """``d`` in one of many EN/ZH formats; ``part`` is "full", "md" (no year) or "my"."""
    y, m, day = d.year, d.month, d.day
    mon, mo3 = _MONTHS[m - 1], _MONTHS[m - 1][:3]
    if lang == "en":
        if part == "md":
            return rng.choice((f"{mon} {day}", f"{day} {mon}", f"{mo3} {day}", f"{mo3}. {day}"))
        if part == "my":
            return rng.choice((f"{mon} {y}", f"{mo3} {y}", f"{m:02d}/{y}"))
        return rng.choice((
            f"{y}-{m:02d}-{day:02d}", f"{m:02d}/{day:02d}/{y}", f"{m}/{day}/{y}",
            f"{mon} {day}, {y}", f"{mo3} {day}, {y}", f"{day} {mo3} {y}", f"{day} {mon} {y}",
            f"{day:02d}-{mo3}-{y}", f"{m:02d}/{day:02d}/{y % 100:02d}", f"{y}/{m:02d}/{day:02d}",
            f"{mo3}. {day}, {y}", f"{m:02d}/{day:02d}/{y}",
        ))
    if part == "md":
        return rng.choice((f"{m}月{day}日", f"{m}月{day}日", f"{m}月{day}号"))
    if part == "my":
        return rng.choice((f"{y}年{m}月", f"{y}年{m:02d}月", f"{y}-{m:02d}"))
    cn_year = "".join(_CN_DIGITS[int(c)] for c in str(y))
    return rng.choice((
        f"{y}年{m}月{day}日", f"{y}年{m}月{day}日", f"{y}年{m:02d}月{day:02d}日",
        f"{y}-{m:02d}-{day:02d}", f"{y}-{m:02d}-{day:02d}", f"{y}.{m}.{day}",
        f"{y}.{m:02d}.{day:02d}", f"{y}/{m}/{day}", f"{y}/{m:02d}/{day:02d}",
        f"{cn_year}年{_cn_small(m)}月{_cn_small(day)}日", f"{y}年{m}月{day}号",
    ))


def _rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


# ---------------------------------------------------------------------------------------------
# Rendering machinery
# ---------------------------------------------------------------------------------------------

_SLOT = re.compile(r"\{(\w+)\}")
# Slots whose values are always labeled (used to pick identifier-free templates).
_LABELED = frozenset({
    "pt", "pt_last", "pt_first", "pt_lastfirst", "rel", "rel_first", "rel2", "doc", "doc_last",
    "doc2", "res", "nurse", "nurse2", "nurse_last", "ref_doc", "ref_doc_last", "path_doc",
    "rad_doc", "date", "adm_date", "dis_date", "op_date", "fu_date", "dob", "date_md", "date_my",
    "age", "age_rel", "age_old", "phone", "mobile", "mobile_rel", "fax", "email", "email_rel",
    "ssn", "rid", "rid_rel", "mrn", "mrn_ba", "mrn_zy", "mrn_mz", "hpid", "mbi", "acct", "bank",
    "dl", "doc_lic", "nurse_lic", "dea", "plate", "vin", "serial", "imei", "url", "ip", "ipv4",
    "ipv6", "addr", "addr_clinic", "zip", "bio", "path_no", "acc_no", "specimen", "study_id",
    "addr_ml", "policy", "city",
})


class _Note:
    """Per-note state: the people, dates and identifiers a note keeps consistent."""

    lang = ""
    choices: ClassVar[dict[str, tuple[str, ...]]] = {}  # slots filled by a random choice

    def __init__(self, rng: random.Random, fake: Faker) -> None:
        self.rng = rng
        self.fake = fake
        self.memo: dict[str, object] = {}
        self.male = rng.random() < 0.5
        r = rng.random()
        if r < 0.16:
            self.age = rng.randint(90, 104)
        elif r < 0.26:
            self.age = rng.randint(85, 89)
        else:
            self.age = rng.randint(19, 84)
        self.visit = _rand_date(rng, dt.date(2016, 1, 1), dt.date(2026, 10, 31))
        self.birth = _rand_date(rng, self.visit - dt.timedelta(days=365 * (self.age + 1) - 1),
                                self.visit - dt.timedelta(days=365 * self.age))
        self.adm = self.visit
        self.dis = self.adm + dt.timedelta(days=rng.randint(2, 21))
        self.op = self.adm + dt.timedelta(days=rng.randint(1, 5))
        self.fu = self.dis + dt.timedelta(days=rng.choice((7, 14, 21, 28, 30, 90)))

    # -- helpers --------------------------------------------------------------------------
    def once(self, key: str, make: Callable[[], T]) -> T:
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]  # type: ignore[return-value]

    def render(self, template: str) -> list[Segment]:
        segs: list[Segment] = []
        pos = 0
        for m in _SLOT.finditer(template):
            if m.start() > pos:
                segs.append((template[pos:m.start()], None))
            name = m.group(1)
            value = (self.rng.choice(self.choices[name]) if name in self.choices
                     else getattr(self, "s_" + name)())
            if isinstance(value, str):
                segs.append((value, None))
            elif isinstance(value, tuple):
                segs.append(value)
            else:
                segs.extend(value)
            pos = m.end()
        if pos < len(template):
            segs.append((template[pos:], None))
        return segs

    def _date(self, d: dt.date, part: str = "full") -> Segment:
        return (format_date(d, self.lang, self.rng, part), "DATE")

    def s_date(self) -> Segment:
        return self._date(self.visit + dt.timedelta(days=self.rng.randint(-400, 30)))

    def s_adm_date(self) -> Segment:
        return self._date(self.adm)

    def s_dis_date(self) -> Segment:
        return self._date(self.dis)

    def s_op_date(self) -> Segment:
        return self._date(self.op)

    def s_fu_date(self) -> Segment:
        return self._date(self.fu)

    def s_dob(self) -> Segment:
        return self._date(self.birth)

    def s_date_md(self) -> Segment:
        return self._date(self.visit - dt.timedelta(days=self.rng.randint(1, 60)), "md")

    def s_date_my(self) -> Segment:
        return self._date(self.visit - dt.timedelta(days=self.rng.randint(60, 900)), "my")

    def s_year(self) -> str:
        return str(self.rng.randint(1995, self.visit.year - 1))

    def _age_value(self, age: int) -> str:
        return str(age)

    def s_age(self) -> Segment:
        return (self._age_value(self.age), "AGE_OVER_89" if self.age >= 90 else None)

    def s_age_rel(self) -> Segment:
        age = self.rng.choice((self.rng.randint(90, 101), self.rng.randint(60, 89)))
        return (self._age_value(age), "AGE_OVER_89" if age >= 90 else None)

    def s_age_old(self) -> Segment:
        return (self._age_value(self.rng.randint(90, 103)), "AGE_OVER_89")

    def s_age_young(self) -> str:
        return str(self.rng.choice((self.rng.randint(40, 89), self.rng.randint(85, 89))))

    def s_n(self) -> str:
        return str(self.rng.randint(2, 12))

    def s_time(self) -> str:
        minute = self.rng.choice((0, 5, 10, 15, 20, 30, 40, 45))
        return f"{self.rng.randint(0, 23):02d}:{minute:02d}"

    def s_ssn(self) -> Segment:
        return (str(self.once("ssn", lambda: ssn(self.rng))), "SSN")

    def s_imei(self) -> Segment:
        return (imei(self.rng), "DEVICE")

    def s_vin(self) -> Segment:
        return (vin(self.rng), "VEHICLE")

    def s_ipv4(self) -> Segment:
        return (ipv4(self.rng), "IP_ADDRESS")

    def s_ipv6(self) -> Segment:
        return (ipv6(self.rng), "IP_ADDRESS")

    def s_ip(self) -> Segment:
        return (ipv4(self.rng) if self.rng.random() < 0.7 else ipv6(self.rng), "IP_ADDRESS")

    def s_bank(self) -> Segment:
        card = bank_card(self.rng, self.lang == "zh")
        if self.rng.random() < 0.4:
            card = " ".join(card[i:i + 4] for i in range(0, len(card), 4))
        return (card, "ACCOUNT")

    def s_bio(self) -> Segment:
        r = self.rng.random()
        if r < 0.4:
            value = "FP-" + "".join(self.rng.choice("0123456789abcdef") for _ in range(16))
        elif r < 0.7:
            value = "VP" + _digits(self.rng, 10)
        else:
            value = "PV-" + _upper(self.rng, 4) + _digits(self.rng, 6)
        return (value, "BIOMETRIC")

    def s_study_id(self) -> Segment:
        r = self.rng
        return (r.choice((f"S-{_digits(r, 3)}-{_digits(r, 4)}",
                          f"CRC-{_digits(r, 3)}-{_digits(r, 4)}", f"SUBJ{_digits(r, 6)}")),
                "OTHER_ID")

    def s_nct(self) -> str:
        return f"NCT0{self.rng.randint(1000000, 6999999)}"


# ---------------------------------------------------------------------------------------------
# English
# ---------------------------------------------------------------------------------------------

_US_CITIES = ("Boston", "Chicago", "Houston", "Phoenix", "Seattle", "Denver", "Atlanta", "Miami",
              "Cleveland", "Pittsburgh", "Baltimore", "Nashville", "Sacramento", "Columbus",
              "Omaha", "Albany", "Madison", "Tucson", "Richmond", "Buffalo")
_US_STATES = ("Massachusetts", "Illinois", "Texas", "Arizona", "Washington", "Colorado",
              "Georgia", "Florida", "Ohio", "Pennsylvania", "Maryland", "Tennessee", "California")
_US_AREA = ("617", "212", "415", "312", "713", "206", "305", "404", "216", "614", "410", "615",
            "916", "402", "518", "608", "520", "804", "716", "303", "602", "857", "646", "773")
_EN_HOSPITALS = ("St. Mary's Medical Center", "Mercy General Hospital", "University Hospital",
                 "Riverside Regional Medical Center", "Good Samaritan Hospital",
                 "Lakeview Community Hospital", "Memorial Cancer Institute",
                 "Baptist Health Center", "Northside Medical Center", "Veterans Affairs Medical "
                 "Center")
_EN_DEPTS = ("Department of Oncology", "Division of Gastroenterology", "Department of Surgery",
             "Department of Radiology", "Department of Pathology", "Internal Medicine",
             "Cardiology", "Neurology Clinic", "Colorectal Surgery", "Geriatric Medicine",
             "Department of Medical Oncology", "Emergency Department")
_EN_INSURERS = ("Blue Cross Blue Shield", "Aetna", "UnitedHealthcare", "Cigna", "Humana",
                "Medicare", "Medicaid", "Kaiser Permanente", "Tufts Health Plan", "Anthem")
_EN_RELATIONS = ("daughter", "son", "wife", "husband", "niece", "sister", "brother", "grandson")
_EN_REL_SEX = {"daughter": False, "son": True, "wife": False, "husband": True, "niece": False,
               "sister": False, "brother": True, "grandson": True}
_EN_EPONYMS = ("Parkinson's disease", "Crohn's disease", "Kawasaki disease", "Hodgkin lymphoma",
               "Graves' disease", "Hashimoto thyroiditis", "Barrett's esophagus",
               "Lynch syndrome", "Cushing syndrome", "Addison disease", "Bell's palsy",
               "Alzheimer's disease", "Guillain-Barre syndrome", "Raynaud phenomenon",
               "Sjogren syndrome", "Wilson disease", "Paget disease of bone")
_EN_DX = (
    ("adenocarcinoma of the sigmoid colon", "C18.7"), ("rectal adenocarcinoma", "C20"),
    ("adenocarcinoma of the ascending colon", "C18.2"), ("hepatocellular carcinoma", "C22.0"),
    ("non-small cell lung cancer", "C34.1"), ("gastric adenocarcinoma", "C16.9"),
    ("invasive ductal carcinoma of the breast", "C50.4"), ("pancreatic adenocarcinoma", "C25.0"),
    ("community-acquired pneumonia", "J18.9"), ("acute appendicitis", "K35.80"),
    ("NSTEMI", "I21.4"), ("heart failure with reduced ejection fraction", "I50.2"),
    ("ischemic stroke", "I63.9"), ("COPD exacerbation", "J44.1"),
)
_EN_SYMPTOMS = ("intermittent abdominal pain", "rectal bleeding", "a change in bowel habits",
                "progressive dyspnea", "fatigue and a 6 kg weight loss", "melena",
                "crushing substernal chest pain", "fever and productive cough",
                "right-sided weakness", "nausea and vomiting", "jaundice", "a palpable mass")
_EN_FINDINGS = ("a 4.5 cm circumferential mass in the sigmoid colon",
                "multiple hypodense liver lesions, the largest 2.3 cm in segment VII",
                "a spiculated 2.1 cm nodule in the right upper lobe",
                "no evidence of metastatic disease", "bilateral lower-lobe consolidation",
                "mild hepatic steatosis and a simple renal cyst",
                "thickening of the rectal wall with perirectal lymphadenopathy",
                "an ulcerated lesion 25 cm from the anal verge")
_EN_PROCEDURES = ("laparoscopic sigmoid colectomy", "low anterior resection",
                  "right hemicolectomy", "Whipple procedure", "percutaneous coronary intervention",
                  "port placement", "EUS-guided biopsy", "lobectomy",
                  "transarterial chemoembolization")
_EN_REGIMENS = ("FOLFOX", "CAPOX", "FOLFIRI plus bevacizumab", "carboplatin/pemetrexed",
                "pembrolizumab 200 mg q3w", "capecitabine monotherapy",
                "gemcitabine/nab-paclitaxel")
_EN_GENES = ("KRAS G12D", "KRAS G12C", "BRAF V600E", "NRAS Q61K", "PIK3CA E545K", "TP53 R175H",
             "EGFR exon 19 deletion", "EGFR L858R", "ALK rearrangement", "HER2 amplification",
             "APC c.4348C>T", "BRCA2 c.5946delT")
_EN_TNM = ("pT3N1bM0", "pT2N0M0", "cT4aN2M1a", "ypT1N0", "T3N1M0", "pT4bN2aM1c", "cT2N1M0")
_EN_STAGES = ("IIIB", "I", "IVA", "IIA", "IIIC", "IVB", "IIB")
_EN_DRUGS = ("aspirin 81 mg daily", "metoprolol succinate 50 mg daily", "metformin 1000 mg BID",
             "lisinopril 10 mg daily", "atorvastatin 40 mg nightly", "apixaban 5 mg BID",
             "omeprazole 20 mg daily", "levothyroxine 75 mcg daily", "furosemide 40 mg PO daily",
             "oxycodone 5 mg q4h PRN", "ondansetron 8 mg q8h PRN", "insulin glargine 20 units qHS",
             "prednisone 10 mg daily", "amlodipine 5 mg daily", "sertraline 50 mg daily")
_EN_JOBS = ("teacher", "electrician", "accountant", "bus driver", "nurse", "farmer",
            "software engineer", "machinist", "postal worker", "chef")


class _EnNote(_Note):
    lang = "en"
    choices: ClassVar[dict[str, tuple[str, ...]]] = {
        "state": _US_STATES,
        "dept": _EN_DEPTS,
        "insurer": _EN_INSURERS,
        "job": _EN_JOBS,
        "eponym": _EN_EPONYMS,
        "sym": _EN_SYMPTOMS,
        "finding": _EN_FINDINGS,
        "procedure": _EN_PROCEDURES,
        "regimen": _EN_REGIMENS,
        "gene": _EN_GENES,
        "tnm": _EN_TNM,
        "stage": _EN_STAGES,
        "drug": _EN_DRUGS,
    }

    def s_city(self) -> Segment:
        # HIPAA Safe Harbor: a city is a geographic subdivision smaller than a state.
        return (self.rng.choice(_US_CITIES), "LOCATION")

    # -- people ---------------------------------------------------------------------------
    def _person(self, key: str, male: bool | None = None,
                last: str | None = None) -> tuple[str, str, str]:
        def make() -> tuple[str, str, str]:
            f = self.fake
            m = self.rng.random() < 0.5 if male is None else male
            first = f.first_name_male() if m else f.first_name_female()
            mid = f"{self.rng.choice(string.ascii_uppercase)}. " if self.rng.random() < 0.15 else ""
            return first, mid, last or f.last_name()
        return self.once(key, make)

    def _full(self, key: str, male: bool | None = None) -> Segment:
        first, mid, last = self._person(key, male)
        return (f"{first} {mid}{last}", "PERSON")

    def _pt(self) -> tuple[str, str, str]:
        return self._person("pt", male=self.male)

    def s_pt(self) -> Segment:
        return self._full("pt", male=self.male)

    def s_pt_first(self) -> Segment:
        return (self._pt()[0], "PERSON")

    def s_pt_last(self) -> Segment:
        return (self._pt()[2], "PERSON")

    def s_pt_lastfirst(self) -> Segment:
        first, mid, last = self._pt()
        s = f"{last}, {first}{' ' + mid.strip() if mid else ''}"
        return (s.upper() if self.rng.random() < 0.5 else s, "PERSON")

    def _relation(self) -> str:
        spouse = "wife" if self.male else "husband"
        return self.once("relation", lambda: self.rng.choice(
            [r for r in _EN_RELATIONS if r not in ("wife", "husband") or r == spouse]))

    def _rel(self) -> tuple[str, str, str]:
        relation = self._relation()
        same = relation in ("daughter", "son", "wife", "grandson", "brother")
        return self._person("rel", male=_EN_REL_SEX[relation],
                            last=self._pt()[2] if same else None)

    def s_rel(self) -> Segment:
        first, mid, last = self._rel()
        return (f"{first} {mid}{last}", "PERSON")

    def s_rel_first(self) -> Segment:
        return (self._rel()[0], "PERSON")

    def s_rel2(self) -> Segment:
        return self._full("rel2")

    def s_relation(self) -> str:
        return self._relation()

    def s_Relation(self) -> str:
        return self._relation().capitalize()

    def s_doc(self) -> Segment:
        return self._full("doc")

    def s_doc_last(self) -> Segment:
        return (self._person("doc")[2], "PERSON")

    def s_doc2(self) -> Segment:
        return self._full("doc2")

    def s_res(self) -> Segment:
        return self._full("res")

    def s_nurse(self) -> Segment:
        return self._full("nurse")

    def s_nurse2(self) -> Segment:
        return self._full("nurse2")

    def s_ref_doc(self) -> Segment:
        return self._full("ref")

    def s_ref_doc_last(self) -> Segment:
        return (self._person("ref")[2], "PERSON")

    def s_path_doc(self) -> Segment:
        return self._full("path")

    def s_rad_doc(self) -> Segment:
        return self._full("rad")

    def s_hon(self) -> str:
        return "Mr." if self.male else self.rng.choice(("Mrs.", "Ms."))

    def s_he(self) -> str:
        return "he" if self.male else "she"

    def s_He(self) -> str:
        return "He" if self.male else "She"

    def s_him(self) -> str:
        return "him" if self.male else "her"

    def s_his(self) -> str:
        return "his" if self.male else "her"

    def s_His(self) -> str:
        return "His" if self.male else "Her"

    def s_sexw(self) -> str:
        return "Male" if self.male else "Female"

    def s_man(self) -> str:
        return self.rng.choice(("man", "male", "gentleman")) if self.male else \
            self.rng.choice(("woman", "female", "lady"))

    # -- places ---------------------------------------------------------------------------
    def _address(self, multiline: bool = False) -> str:
        f, r = self.fake, self.rng
        zip_ = f.zipcode() + (f"-{_digits(r, 4)}" if r.random() < 0.15 else "")
        st = f.state_abbr(include_territories=False)
        style = r.random()
        if style < 0.12:
            street = f"P.O. Box {r.randint(10, 9999)}"
        elif style < 0.35:
            apt = f"Apt {r.randint(1, 40)}{r.choice('ABCD')}"
            street = f"{f.building_number()} {f.street_name()}, {apt}"
        else:
            street = f.street_address()
        if r.random() < 0.1:
            return f"{street}, {f.city()}, {f.state()}"
        sep = "\n" if multiline else ", "
        return f"{street}{sep}{f.city()}, {st} {zip_}"

    def s_addr(self) -> Segment:
        return (str(self.once("addr", self._address)), "LOCATION")

    def s_addr_ml(self) -> Segment:
        return (str(self.once("addr_ml", lambda: self._address(multiline=True))), "LOCATION")

    def s_addr_clinic(self) -> Segment:
        return (self._address(), "LOCATION")

    def s_zip(self) -> Segment:
        return (self.fake.zipcode(), "LOCATION")



    def s_hospital(self) -> str:
        return str(self.once("hospital", lambda: self.rng.choice(
            (*_EN_HOSPITALS, f"{self.rng.choice(_US_CITIES)} General Hospital"))))


    def s_company(self) -> str:
        return self.fake.company()



    # -- contact and identifiers ----------------------------------------------------------
    def _us_phone(self) -> str:
        r = self.rng
        a, b, c = r.choice(_US_AREA), f"{r.randint(2, 9)}{_digits(r, 2)}", _digits(r, 4)
        return r.choice((f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a}-{b}-{c}",
                         f"({a}) {b}-{c}", f"1-{a}-{b}-{c}", f"{a}-{b}-{c}"))

    def s_phone(self) -> Segment:
        return (str(self.once("phone", self._us_phone)), "PHONE")

    def s_mobile(self) -> Segment:
        return (str(self.once("mobile", self._us_phone)), "PHONE")

    def s_mobile_rel(self) -> Segment:
        return (self._us_phone(), "PHONE")

    def s_fax(self) -> Segment:
        return (self._us_phone(), "FAX")

    def _email(self, key: str) -> str:
        def make() -> str:
            f, r = self.fake, self.rng
            user = f.user_name() if r.random() < 0.6 else f"{self._pt()[0]}.{self._pt()[2]}".lower()
            domain = r.choice((f.free_email_domain(), f.domain_name(), "patientmail.org"))
            return f"{user}@{domain}"
        return str(self.once(key, make))

    def s_email(self) -> Segment:
        return (self._email("email"), "EMAIL")

    def s_email_rel(self) -> Segment:
        return (self._email("email_rel"), "EMAIL")

    def s_mrn(self) -> Segment:
        def make() -> str:
            r = self.rng
            return r.choice((_digits(r, 8), _digits(r, 8), _digits(r, 7), "E" + _digits(r, 7),
                             "M" + _digits(r, 8), _digits(r, 10)))
        return (str(self.once("mrn", make)), "MRN")

    def s_hpid(self) -> Segment:
        def make() -> str:
            r = self.rng
            return r.choice((_upper(r, 3) + _digits(r, 9), "W" + _digits(r, 9),
                             _upper(r, 3) + _digits(r, 8) + "01", _digits(r, 9) + "A",
                             f"{_upper(r, 2)}{_digits(r, 7)}-{_digits(r, 2)}"))
        return (str(self.once("hpid", make)), "HEALTH_PLAN_ID")

    def s_mbi(self) -> Segment:
        return (medicare_mbi(self.rng, self.rng.random() < 0.5), "HEALTH_PLAN_ID")

    def s_acct(self) -> Segment:
        r = self.rng
        return (r.choice((_digits(r, 9), _digits(r, 10), "A" + _digits(r, 8),
                          f"{_digits(r, 4)}-{_digits(r, 6)}")), "ACCOUNT")

    def s_dl(self) -> Segment:
        r = self.rng
        return (r.choice((_upper(r, 1) + _digits(r, 7),
                          f"S{_digits(r, 3)}-{_digits(r, 4)}-{_digits(r, 4)}",
                          f"{_digits(r, 3)} {_digits(r, 3)} {_digits(r, 3)}",
                          _upper(r, 1) + _digits(r, 12))), "LICENSE")

    def s_doc_lic(self) -> Segment:
        r = self.rng
        return (r.choice((f"MD{_digits(r, 6)}", _digits(r, 6), f"{_upper(r, 1)}{_digits(r, 5)}",
                          f"RN{_digits(r, 7)}")), "LICENSE")

    def s_nurse_lic(self) -> Segment:
        return (f"RN{_digits(self.rng, 7)}", "LICENSE")

    def s_dea(self) -> Segment:
        return (dea_number(self.rng, self._person("doc")[2]), "LICENSE")

    def s_plate(self) -> Segment:
        r = self.rng
        return (r.choice((f"{r.randint(1, 9)}{_upper(r, 3)}{_digits(r, 3)}",
                          f"{_upper(r, 3)}-{_digits(r, 4)}", f"{_upper(r, 3)} {_digits(r, 3)}",
                          f"{_digits(r, 3)} {_upper(r, 3)}")), "VEHICLE")

    def s_serial(self) -> Segment:
        r = self.rng
        return (r.choice((f"{_upper(r, 3)}{_digits(r, 6)}{_upper(r, 1)}", f"NG{_digits(r, 7)}H",
                          f"SN{_digits(r, 9)}", f"{_digits(r, 4)}-{_upper(r, 2)}{_digits(r, 5)}",
                          f"RNB{_digits(r, 6)}")), "DEVICE")

    def s_url(self) -> Segment:
        r, f = self.rng, self.fake
        return (r.choice((f"https://mychart.{f.domain_name()}/MyChart/visit?id={_digits(r, 7)}",
                          f.url(), f.uri(), f"www.{f.domain_name()}/u/{f.user_name()}",
                          f"http://{ipv4(r)}:8080/pacs/study/{_digits(r, 6)}",
                          f"https://telehealth.{f.domain_name()}/join/{_digits(r, 9)}")), "URL")

    def s_path_no(self) -> Segment:
        r = self.rng
        return (r.choice((f"S{r.randint(16, 26)}-{_digits(r, 5)}",
                          f"SP-{_digits(r, 2)}-{_digits(r, 6)}",
                          f"PATH{_digits(r, 7)}")), "OTHER_ID")

    def s_acc_no(self) -> Segment:
        r = self.rng
        return (r.choice((f"CT{r.randint(16, 26)}-{_digits(r, 7)}",
                          f"RAD-{_digits(r, 2)}-{_digits(r, 6)}",
                          f"ACC{_digits(r, 8)}", f"MR{_digits(r, 9)}")), "OTHER_ID")

    def s_specimen(self) -> Segment:
        r = self.rng
        return (r.choice((f"{_digits(r, 2)}-SP-{_digits(r, 5)}", f"L{_digits(r, 9)}")), "OTHER_ID")

    # -- clinical fillers (never labeled) ------------------------------------------------
    def _dx(self) -> tuple[str, str]:
        return self.once("dx", lambda: self.rng.choice(_EN_DX))

    def s_dx(self) -> str:
        return self._dx()[0]

    def s_icd(self) -> str:
        return self._dx()[1]










    def s_dur(self) -> str:
        r = self.rng
        return r.choice((f"{r.randint(2, 12)} weeks", f"{r.randint(2, 11)} months",
                         f"{r.randint(2, 6)} days", "several months", f"{r.randint(1, 5)} years"))

    def s_bp(self) -> str:
        return f"{self.rng.randint(100, 170)}/{self.rng.randint(55, 100)}"

    def s_hr(self) -> str:
        return str(self.rng.randint(55, 118))

    def s_wt(self) -> str:
        return f"{self.rng.randint(45, 110)}.{self.rng.randint(0, 9)}"

    def s_cea(self) -> str:
        return f"{self.rng.randint(1, 80)}.{self.rng.randint(0, 9)}"

    def s_hgb(self) -> str:
        return f"{self.rng.randint(7, 16)}.{self.rng.randint(0, 9)}"

    def s_ecog(self) -> str:
        return str(self.rng.randint(0, 3))

    def s_bed(self) -> str:
        return f"{self.rng.randint(1, 40)}{self.rng.choice('AB')}"


EN_POOLS: dict[str, tuple[str, ...]] = {
    "title_admission": (
        "ADMISSION HISTORY AND PHYSICAL\n{hospital} - {dept}",
        "{hospital}\nAdmission Note",
        "H&P - {dept}",
    ),
    "title_discharge": (
        "DISCHARGE SUMMARY\n{hospital}",
        "{dept} - Discharge Summary",
        "Discharge Summary (dictated)",
    ),
    "title_progress": (
        "PROGRESS NOTE - Hospital Day {n}",
        "Daily Progress Note, {dept}",
        "SOAP NOTE - {dept}",
    ),
    "title_pathology": (
        "SURGICAL PATHOLOGY REPORT\n{hospital}, Department of Pathology",
        "Pathology Consultation Report",
    ),
    "title_referral": (
        "{hospital}\n{dept}\n{addr_clinic}\nTel {phone}  Fax {fax}",
        "{dept}\n{hospital}\nPhone: {phone}",
        "REFERRAL LETTER - {dept}",
    ),
    "title_nursing": (
        "NURSING SHIFT NOTE ({time}-{time})",
        "Nursing Assessment - {dept}",
        "RN Progress Note",
    ),
    "title_lab": (
        "LABORATORY REPORT - {hospital} Clinical Laboratory",
        "Laboratory Results\nCLIA-certified reference laboratory",
    ),
    "title_imaging": (
        "RADIOLOGY REPORT\n{hospital} - {dept}",
        "CT REPORT",
        "Imaging Report",
    ),
    "title_outpatient": (
        "OUTPATIENT CLINIC NOTE - {dept}",
        "{hospital} {dept} - Clinic Visit",
        "Office Visit Note",
    ),
    "title_confusable": (
        "Tumor Board Case Summary (teaching case, no identifiers)",
        "Clinical Reasoning Exercise",
        "Protocol Note",
        "Case Discussion - {dept}",
    ),
    "demo": (
        "Patient: {pt}    MRN: {mrn}    DOB: {dob}",
        "Name: {pt_lastfirst}\nDate of Birth: {dob}\nMedical Record #: {mrn}",
        "Patient Name: {pt} | Sex: {sexw} | Age: {age} | Acct #: {acct}",
        "RE: {pt} (DOB {dob}; MRN {mrn})",
        "Pt: {pt_lastfirst}  Hosp #: {mrn}  Admit date: {adm_date}  Attending: {doc}",
        "SSN: {ssn}   Insurance: {insurer}   Member ID: {hpid}",
        "Address: {addr}\nHome phone: {phone}\nCell: {mobile}",
        "Patient {pt_lastfirst}, {age} y/o {sexw}, MRN {mrn}.",
        "Visit date: {date}   Location: {dept}   Provider: {doc}",
        "Primary care physician: Dr. {ref_doc}",
        "Mailing address:\n{addr_ml}",
    ),
    "hpi": (
        "{pt} is a {age}-year-old {man} with a history of {eponym} who presents with {sym} "
        "for {dur}.",
        "{hon} {pt_last} is a pleasant {age} y/o {man} referred by Dr. {ref_doc} for evaluation "
        "of {dx}.",
        "The patient was in {his} usual state of health until {date_md}, when {he} developed "
        "{sym}.",
        "{He} was seen at an outside hospital in {city} on {date}, where a CT scan showed "
        "{finding}.",
        "{hon} {pt_last}'s {relation} {rel_first} reports that {he} has been more confused over "
        "the past {dur}.",
        "History is obtained from the patient and {his} {relation}, {rel}, who accompanies "
        "{him} today.",
        "{pt_first} denies fever, chills, chest pain or shortness of breath.",
        "Colonoscopy on {date} revealed {finding}; biopsy confirmed {dx}.",
        "{He} completed {n} cycles of {regimen}, the last dose given {date_my}.",
        "First diagnosed with {dx} in {year} at age {age_young}, {he} underwent {procedure} at "
        "{hospital}.",
        "Symptoms began roughly {dur} ago and have progressively worsened.",
        "{pt} was last seen in clinic on {date} with stable disease.",
        "This {age}-year-old {man}, a nursing-home resident, was brought in by EMS after a fall.",
        "Per {his} {relation} {rel}, {he} has had poor oral intake since {date_md}.",
        "{He} reports {sym} that is worse after meals and partly relieved by rest.",
        "Of note, {he} was treated for {eponym} as a child.",
        "{pt_first} was admitted on {adm_date} for {sym} and found to have {dx}.",
        "The {age}-year-old patient states that {his} appetite has been poor.",
    ),
    "pmh": (
        "Past medical history: hypertension, type 2 diabetes (E11.9), hyperlipidemia and "
        "{eponym}.",
        "PMH notable for {eponym}, diagnosed in {year}.",
        "Surgical history: {procedure} ({year}); appendectomy in childhood.",
        "No known drug allergies. Penicillin causes a rash.",
        "Family history: father with colon cancer at age {age_young}; mother died at "
        "{age_rel} of a stroke.",
        "{His} mother, now {age_rel}, lives independently.",
        "Family history is significant for {eponym} in a maternal uncle.",
        "Former smoker, 30 pack-years, quit in {year}. Drinks 2 beers per week.",
    ),
    "meds": (
        "Home medications: {drug}; {drug}; atorvastatin 20 mg nightly.",
        "Current meds include metformin 500 mg BID, lisinopril 10 mg daily and aspirin 81 mg.",
        "Started on {drug} on {date}.",
        "Oxaliplatin 85 mg/m2 IV q2w with leucovorin 400 mg/m2 and 5-FU 2400 mg/m2 over 46 h.",
        "Medications reconciled: {drug}, {drug}, vitamin D3 1000 IU daily.",
        "Enoxaparin 40 mg SC daily for VTE prophylaxis.",
    ),
    "social": (
        "{He} lives with {his} {relation} {rel} at {addr}.",
        "Social: retired {job}, former smoker, drinks socially.",
        "Works as a {job} at {company}.",
        "{He} lives alone in {city}, {state}; {his} {relation} {rel} lives nearby.",
        "Emergency contact: {rel} ({relation}), {mobile_rel}.",
        "Valet parking ticket issued for the family car, license plate {plate}.",
        "Health care proxy: {rel}, {relation}.",
        "Home address on file: {addr}.",
        "Uses a walker at home; {his} {relation} {rel_first} helps with groceries.",
    ),
    "exam": (
        "Vitals: BP {bp} mmHg, HR {hr}, RR 16, T 36.8 C, SpO2 97% on RA.",
        "BP {bp} mmHg, pulse {hr} bpm, weight {wt} kg, BMI 24.3.",
        "General: alert, oriented x3, in no acute distress.",
        "Abdomen soft, mildly tender in the RLQ; negative Murphy's sign.",
        "Neuro: strength 5/5 in all extremities, no Babinski sign; Glasgow Coma Scale 15.",
        "ECOG performance status {ecog}; Karnofsky 80%.",
        "Heart: regular rate and rhythm, 2/6 systolic murmur at the left sternal border.",
        "Lungs: scattered crackles at the right base.",
    ),
    "labs": (
        "Labs on {date}: WBC 6.8 x10^9/L, Hgb {hgb} g/dL, Plt 245 x10^9/L, Cr 0.9 mg/dL.",
        "CEA {cea} ng/mL (ref < 5.0), CA 19-9 48 U/mL.",
        "Molecular testing: {gene}; MSI-stable; TMB 6 mut/Mb.",
        "Next-generation sequencing identified {gene} and TP53 R175H; BRAF V600E not "
        "detected; HER2 not amplified.",
        "HbA1c 7.4%, LDL 2.9 mmol/L, TSH 1.8 mIU/L.",
        "Potassium 3.4 mmol/L, sodium 138 mmol/L, INR 1.1.",
        "Specimen {specimen} collected {date} at {time}.",
        "Troponin I 0.45 ng/mL (peak), BNP 890 pg/mL.",
        "Blood cultures x2 from {date_md}: no growth at 5 days.",
    ),
    "imaging": (
        "CT chest/abdomen/pelvis ({date}): {finding}.",
        "MRI brain without contrast: no acute infarct; chronic small-vessel changes.",
        "Chest X-ray: no consolidation or effusion.",
        "PET-CT on {date} showed an FDG-avid lesion (SUVmax 8.4) in segment VII of the liver.",
        "Accession No. {acc_no}; images reviewed with Dr. {rad_doc}.",
        "Comparison: prior study dated {date}.",
        "Impression: {finding}. No change from {date_my}.",
        "Technique: contrast-enhanced CT, 100 mL iohexol 350, 1.25 mm slices.",
        "Abdominal ultrasound: multiple hypoechoic hepatic lesions, the largest 2.1 x 1.8 cm.",
        "Rectal MRI: mid-rectal wall thickening with MRF involvement; EMVI positive.",
        "Echocardiogram: LVEF 45%, mild mitral regurgitation, left atrial enlargement.",
        "Bone scan: no scintigraphic evidence of osseous metastasis.",
        "CTA head/neck: no large-vessel occlusion; 50% stenosis of the left ICA.",
        "Follow-up CT chest on {date}: the right upper lobe nodule now measures 2.4 cm.",
        "Recommendation: tissue sampling; findings discussed with the ordering team.",
    ),
    "path": (
        "Specimen: sigmoid colon, segmental resection. Surgical pathology #: {path_no}.",
        "Diagnosis: adenocarcinoma, moderately differentiated, invading through the muscularis "
        "propria into pericolorectal tissue (pT3); 2 of 18 lymph nodes positive (pN1b).",
        "Margins negative (closest 1.2 cm). Lymphovascular invasion present. Tumor size 4.5 x "
        "3.2 x 1.1 cm.",
        "Immunohistochemistry: MLH1, PMS2, MSH2 and MSH6 retained; HER2 0; Ki-67 60%.",
        "Gross: received fresh, labeled with the patient's name ({pt}) and MRN ({mrn}).",
        "Grossed by {res} on {date}; signed out by {path_doc}, MD.",
        "Collected {op_date}; received {op_date}; reported {dis_date}.",
        "Synoptic: AJCC 8th edition, {tnm}.",
    ),
    "course": (
        "Hospital course: {pt_first} underwent {procedure} on {op_date} without complication.",
        "Post-operative day 3 {he} developed ileus that resolved with bowel rest.",
        "{He} was transfused 2 units PRBC for Hgb 6.9 g/dL.",
        "Diet was advanced and {he} was ambulating independently by discharge.",
        "Admission date: {adm_date}    Discharge date: {dis_date}",
        "Admitted {adm_date}; discharged {dis_date} to home with services.",
        "Discharged home with {his} {relation} {rel} in stable condition.",
        "Discharge disposition: skilled nursing facility at {addr}.",
    ),
    "plan": (
        "Assessment: {dx} ({icd}), {tnm}, stage {stage}.",
        "Plan: proceed with {regimen} per NCCN 2023 guidelines; restaging CT after 4 cycles.",
        "Discussed at the multidisciplinary tumor board on {date}; consensus for {procedure}.",
        "Follow up in clinic with Dr. {doc_last} on {fu_date}.",
        "Return precautions reviewed with the patient and {his} {relation}.",
        "Consider referral to genetics for Lynch syndrome evaluation.",
        "Will repeat CEA on {fu_date} and obtain CT in 3 months.",
        "Goals of care discussed with {pt_first} and {his} {relation} {rel}.",
        "Next chemotherapy cycle scheduled for {fu_date}.",
    ),
    "admin": (
        "Insurance: {insurer}; member ID {hpid}.",
        "Medicare Beneficiary Identifier: {mbi}.",
        "Patient account number: {acct}.",
        "Payment card on file: {bank}.",
        "Driver's license: {dl}, verified at registration.",
        "SSN on file: {ssn}.",
        "Pacemaker: Medtronic Azure XT DR, serial number {serial}.",
        "Insulin pump serial {serial}; CGM app paired with a phone with IMEI {imei}.",
        "Remote monitoring transmissions received from IP {ip}.",
        "Telehealth visit via {url}; connection logged from {ipv6}.",
        "Enrolled in trial {nct} as subject {study_id}.",
        "Identity verified by fingerprint scan (template ID {bio}).",
        "Voiceprint enrollment {bio} registered for the refill line.",
        "Transport: vehicle VIN {vin} registered for disabled parking.",
        "Prescriber DEA #: {dea}.",
        "State medical license no. {doc_lic}.",
        "Secondary insurance {insurer}, policy {hpid}.",
        "Drove in alone; car with plate {plate} is in the ED lot.",
    ),
    "contact": (
        "Patient can be reached at {mobile} or {email}.",
        "Please fax records to {fax} (attn: {doc}).",
        "Office: {phone}  Fax: {fax}",
        "Results will be posted to the patient portal at {url}.",
        "For questions, call the clinic nurse line at {phone}.",
        "{Relation} {rel} (HCP): cell {mobile_rel}, email {email_rel}.",
        "Preferred contact: email {email}.",
        "Send correspondence to {addr}.",
    ),
    "sign": (
        "Electronically signed by {doc}, MD on {date} at {time}.",
        "Dictated by {res}, MD; reviewed and signed by {doc}, MD.",
        "{doc}, MD\n{dept}\n{hospital}\nTel {phone} | Fax {fax}",
        "Attending: Dr. {doc_last}   Resident: {res}   Date: {date}",
        "cc: Dr. {ref_doc}, {addr_clinic}",
        "Seen and examined with Dr. {doc}. I agree with the plan above. - {doc2}, MD",
    ),
    "sign_nursing": (
        "{nurse}, RN  {date} {time}",
        "Signed: {nurse}, RN, BSN (license {nurse_lic})",
        "Handoff given to {nurse2}, RN at {time}.",
    ),
    "nursing": (
        "{time}: patient resting in bed, call light within reach. Pain 3/10.",
        "Assisted {pt_first} to ambulate in the hallway x2 with a walker.",
        "Family ({relation} {rel}) at bedside; updated on the plan of care.",
        "Foley catheter draining clear yellow urine, 350 mL over the shift.",
        "IV site right forearm clean, dry and intact; NS at 75 mL/h.",
        "Braden score 16; repositioned q2h.",
        "Bed alarm on. Fall risk high (Morse 55).",
        "Received from PACU at {time} per {nurse2}, RN.",
        "{hon} {pt_last} tolerated a clear liquid diet without nausea.",
        "Blood glucose 182 mg/dL at {time}; 4 units lispro given per sliding scale.",
        "Bed {bed}: telemetry shows sinus rhythm, rate 70s.",
        "{pt} verbalized understanding of discharge teaching.",
        "{time} vitals: T 36.7 C, HR 82, RR 18, BP 128/76, SpO2 96% on 2 L NC.",
        "JP drain with 50 mL serosanguinous output this shift.",
        "Oxaliplatin infusing at {time}; no signs of infusion reaction.",
        "Intake 2100 mL, output 1850 mL.",
        "Patient slept poorly; reassurance provided, melatonin 3 mg given per order.",
    ),
    "letter_open": (
        "Dear Dr. {ref_doc_last},\n\nThank you for referring {hon} {pt_last}, a {age}-year-old "
        "{man}, whom I saw in clinic on {date}.",
        "Dear Dr. {ref_doc_last},\n\nI am writing to refer {pt} (DOB {dob}) for consideration of "
        "{procedure}.",
        "Dear Colleague,\n\nRe: {pt}, DOB {dob}, MRN {mrn}\n\nI saw this {age}-year-old {man} in "
        "the {dept} clinic on {date}.",
        "To: Dr. {ref_doc}, {dept}\nFrom: Dr. {doc}\nRe: {pt_lastfirst} (MRN {mrn})",
    ),
    "letter_close": (
        "Enclosed: pathology report {path_no} and imaging on CD. Please do not hesitate to "
        "contact me at {phone} or {email}.\n\nYours sincerely,\n{doc}, MD",
        "I would be grateful if you could see {him} at your earliest convenience.\n\nKind "
        "regards,\n\n{doc}, MD\n{dept}",
        "Please call me at {phone} with any questions.\n\nSincerely,\nDr. {doc}",
        "With best wishes,\n{doc}, MD, PhD\n{hospital}\n{addr_clinic}\nFax {fax}",
    ),
    "confusable": (
        "Kawasaki disease was considered but excluded.",
        "{eponym} was ruled out.",
        "ICD-10: {icd}; secondary K63.5 and Z85.038.",
        "Tumor staged {tnm} per AJCC 8th edition.",
        "Guideline reference: NCCN Colon Cancer v2.2023 and ESMO 2022.",
        "BRAF V600E negative, HER2 IHC 1+, TP53 mutated, KRAS G12D present.",
        "HPO terms: HP:0002027 (abdominal pain), HP:0001824 (weight loss).",
        "Vital signs: BP 120/80 mmHg, HR 72 bpm, SpO2 98%.",
        "Aspirin 81 mg daily and clopidogrel 75 mg daily were continued.",
        "Transferred to the Department of Oncology, bed {bed}.",
        "MTHFR C677T (rs1801133) heterozygous.",
        "Screening for trial {nct} is pending.",
        "Dose reduced by 20% for grade 2 neuropathy (CTCAE v5.0).",
        "A man aged {age_young} with {dx} ({icd}) and {gene}.",
        "Follow-up at 90 days; CEA 4.2 ng/mL, Hgb 13.1 g/dL.",
        "Parkinson's disease and Crohn's disease are listed in the problem list.",
        "Gleason score 3+4=7, grade group 2.",
        "Creatinine clearance 92 mL/min; platelets 95 x10^9/L.",
        "Infusion at 100 mL/h over 90 min; dexamethasone 12 mg IV premedication.",
        "Bevacizumab 5 mg/kg q2w per the 2021 protocol amendment.",
        "The 2019 colonoscopy was unremarkable.",
    ),
}

EN_HEADINGS: dict[str, tuple[str, ...]] = {
    "hpi": ("HPI:", "History of Present Illness:", "HISTORY OF PRESENT ILLNESS", "Subjective:"),
    "pmh": ("PMH:", "Past Medical History:", "PAST HISTORY"),
    "meds": ("Medications:", "MEDICATIONS", "Meds:"),
    "social": ("Social History:", "SOCIAL HISTORY", "Social/Family:"),
    "exam": ("Physical Exam:", "EXAM", "Objective:"),
    "labs": ("Labs:", "LABORATORY DATA", "Results:"),
    "imaging": ("Imaging:", "FINDINGS:", "Radiology:"),
    "path": ("FINAL DIAGNOSIS", "Pathology:", "Report:"),
    "course": ("Hospital Course:", "HOSPITAL COURSE", "Course:"),
    "plan": ("Assessment and Plan:", "A/P:", "ASSESSMENT/PLAN", "Plan:"),
    "admin": ("Registration:", "Administrative:", "Other:"),
    "contact": ("Contact:", "CONTACT INFORMATION", "Communication:"),
    "nursing": ("Shift events:", "Nursing notes:", ""),
    "confusable": ("Notes:", "Additional findings:", ""),
}

# ---------------------------------------------------------------------------------------------
# Chinese
# ---------------------------------------------------------------------------------------------

_CN_PROVINCES: dict[str, tuple[str, ...]] = {
    "河北省": ("石家庄市", "唐山市", "保定市", "邯郸市"), "山西省": ("太原市", "大同市", "运城市"),
    "辽宁省": ("沈阳市", "大连市", "鞍山市"), "吉林省": ("长春市", "吉林市"),
    "黑龙江省": ("哈尔滨市", "齐齐哈尔市", "大庆市"),
    "江苏省": ("南京市", "苏州市", "无锡市", "常州市", "南通市"),
    "浙江省": ("杭州市", "宁波市", "温州市", "绍兴市"), "安徽省": ("合肥市", "芜湖市", "蚌埠市"),
    "福建省": ("福州市", "厦门市", "泉州市"), "江西省": ("南昌市", "赣州市", "九江市"),
    "山东省": ("济南市", "青岛市", "烟台市", "潍坊市"),
    "河南省": ("郑州市", "洛阳市", "开封市", "南阳市"), "湖北省": ("武汉市", "宜昌市", "襄阳市"),
    "湖南省": ("长沙市", "株洲市", "衡阳市", "岳阳市"),
    "广东省": ("广州市", "深圳市", "佛山市", "东莞市", "珠海市", "汕头市"),
    "四川省": ("成都市", "绵阳市", "南充市"), "云南省": ("昆明市", "曲靖市"),
    "陕西省": ("西安市", "宝鸡市", "咸阳市"), "广西壮族自治区": ("南宁市", "桂林市", "柳州市"),
    "贵州省": ("贵阳市", "遵义市"), "甘肃省": ("兰州市", "天水市"),
}
_CN_MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")
_CN_COMPOUNDS = ("阳光花园", "锦绣家园", "翠苑", "金色家园", "滨江花园", "万科城", "幸福里",
                 "龙湖春江郦城", "碧桂园", "绿地新都会", "和平里", "怡景苑")
_CN_TOWNS = ("城关", "石桥", "柳林", "新华", "白沙", "马坡", "河口", "东风", "双河")
_CN_AREA = ("010", "020", "021", "022", "023", "024", "025", "027", "028", "029", "0755", "0571",
            "0731", "0871", "0531", "0532", "0591", "0592", "0351", "0311", "0451", "0431")
_CN_MOBILE_PREFIX = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                     "152", "153", "155", "156", "157", "158", "159", "166", "173", "177", "180",
                     "181", "182", "185", "186", "187", "188", "189", "191", "195", "198", "199")
_CN_PLATE_PROV = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤川宁琼"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_ZH_DEPTS = ("心内科", "消化内科", "肿瘤科", "胃肠外科", "肝胆外科", "神经内科",
             "呼吸与危重症医学科",
             "老年医学科", "内分泌科", "肿瘤内科", "结直肠外科", "普外科", "急诊科", "放疗科")
_ZH_RELATIONS = ("女儿", "儿子", "妻子", "丈夫", "老伴", "儿媳", "孙子", "侄子")
_ZH_REL_MALE = {"女儿": False, "儿子": True, "妻子": False, "丈夫": True, "老伴": None,
                "儿媳": False, "孙子": True, "侄子": True}
_ZH_EPONYMS = ("川崎病", "克罗恩病", "帕金森病", "阿尔茨海默病", "霍奇金淋巴瘤", "桥本甲状腺炎",
               "格雷夫斯病", "库欣综合征", "林奇综合征", "巴雷特食管", "吉兰-巴雷综合征",
               "干燥综合征",
               "白塞病", "肝豆状核变性（威尔逊病）")
_ZH_DX = (
    ("乙状结肠腺癌", "C18.7"), ("直肠腺癌", "C20"), ("升结肠癌", "C18.2"), ("原发性肝癌", "C22.0"),
    ("右肺上叶腺癌", "C34.1"), ("胃窦腺癌", "C16.3"), ("左乳浸润性导管癌", "C50.4"),
    ("胰头癌", "C25.0"), ("社区获得性肺炎", "J18.9"), ("急性阑尾炎", "K35.80"),
    ("急性非ST段抬高型心肌梗死", "I21.4"), ("慢性心力衰竭急性加重", "I50.9"), ("脑梗死", "I63.9"),
    ("慢性阻塞性肺疾病急性加重", "J44.1"), ("2型糖尿病", "E11.9"),
)
_ZH_SYMPTOMS = ("间断腹痛", "便血", "大便习惯改变", "活动后气促", "乏力、消瘦", "黑便", "胸闷胸痛",
                "发热、咳嗽咳痰", "右侧肢体无力", "恶心呕吐", "皮肤巩膜黄染", "腹胀", "头晕")
_ZH_FINDINGS = ("乙状结肠占位，大小约4.5cm×3.2cm", "肝内多发低密度灶，最大者约2.3cm",
                "右肺上叶结节，大小约2.1cm，边缘毛刺", "未见明确转移征象", "双下肺炎症",
                "轻度脂肪肝，右肾囊肿", "直肠壁增厚伴直肠系膜淋巴结肿大", "距肛缘25cm见溃疡型肿物")
_ZH_PROCEDURES = ("腹腔镜乙状结肠癌根治术", "直肠癌前切除术（Dixon术）", "右半结肠切除术",
                  "胰十二指肠切除术", "经皮冠状动脉介入治疗（PCI）", "输液港植入术",
                  "超声内镜引导下穿刺活检",
                  "胸腔镜右肺上叶切除术", "经导管动脉化疗栓塞术（TACE）")
_ZH_REGIMENS = ("FOLFOX", "CAPEOX（XELOX）", "FOLFIRI联合贝伐珠单抗", "培美曲塞+卡铂",
                "帕博利珠单抗200mg q3w", "卡培他滨单药", "吉西他滨+白蛋白紫杉醇")
_ZH_GENES = ("KRAS G12D突变", "KRAS G12C突变", "BRAF V600E突变", "NRAS Q61K突变",
             "PIK3CA E545K突变", "TP53 R175H突变", "EGFR 19外显子缺失", "EGFR L858R突变",
             "ALK融合", "HER2扩增")
_ZH_TNM = ("pT3N1bM0", "pT2N0M0", "cT4aN2M1a", "ypT1N0M0", "T3N1M0", "pT4bN2aM1c", "cT2N1M0")
_ZH_STAGES = ("ⅢB", "Ⅰ", "ⅣA", "ⅡA", "ⅢC", "ⅣB", "ⅡB")
_ZH_DRUGS = ("阿司匹林100mg qd", "美托洛尔缓释片47.5mg qd", "二甲双胍0.5g tid", "氨氯地平5mg qd",
             "阿托伐他汀20mg qn", "利伐沙班10mg qd", "奥美拉唑20mg qd", "左甲状腺素钠50μg qd",
             "呋塞米20mg qd", "氯吡格雷75mg qd", "甘精胰岛素16U qn", "泼尼松10mg qd")
_ZH_JOBS = ("退休工人", "教师", "农民", "个体经营", "公司职员", "司机", "会计", "工程师", "无业")
_ZH_INSURERS = ("中国人寿", "平安健康", "太平洋保险", "泰康人寿", "新华保险", "人保健康")


class _ZhNote(_Note):
    lang = "zh"
    choices: ClassVar[dict[str, tuple[str, ...]]] = {
        "dept": _ZH_DEPTS,
        "insurer": _ZH_INSURERS,
        "job": _ZH_JOBS,
        "eponym": _ZH_EPONYMS,
        "sym": _ZH_SYMPTOMS,
        "finding": _ZH_FINDINGS,
        "procedure": _ZH_PROCEDURES,
        "regimen": _ZH_REGIMENS,
        "gene": _ZH_GENES,
        "tnm": _ZH_TNM,
        "stage": _ZH_STAGES,
        "drug": _ZH_DRUGS,
    }

    def _name(self, key: str, male: bool | None = None,
              surname: str | None = None) -> tuple[str, str]:
        def make() -> tuple[str, str]:
            f = self.fake
            m = self.rng.random() < 0.5 if male is None else male
            return surname or f.last_name(), f.first_name_male() if m else f.first_name_female()
        return self.once(key, make)

    def _full(self, key: str, male: bool | None = None) -> Segment:
        sur, given = self._name(key, male)
        return (sur + given, "PERSON")

    def s_pt(self) -> Segment:
        return self._full("pt", male=self.male)

    def s_pt_last(self) -> Segment:
        return (self._name("pt", male=self.male)[0], "PERSON")

    def _relation(self) -> str:
        spouse = "妻子" if self.male else "丈夫"
        return self.once("relation", lambda: self.rng.choice(
            [r for r in _ZH_RELATIONS if r not in ("妻子", "丈夫") or r == spouse]))

    def s_relation(self) -> str:
        return self._relation()

    def _rel(self) -> tuple[str, str]:
        relation = self._relation()
        male = _ZH_REL_MALE[relation]
        if male is None:
            male = not self.male
        same = relation in ("女儿", "儿子", "孙子")
        return self._name("rel", male=male,
                          surname=self._name("pt", male=self.male)[0] if same else None)

    def s_rel(self) -> Segment:
        sur, given = self._rel()
        return (sur + given, "PERSON")

    def s_rel2(self) -> Segment:
        return self._full("rel2")

    def s_doc(self) -> Segment:
        return self._full("doc")

    def s_doc_last(self) -> Segment:
        return (self._name("doc")[0], "PERSON")

    def s_doc2(self) -> Segment:
        return self._full("doc2")

    def s_res(self) -> Segment:
        return self._full("res")

    def s_nurse(self) -> Segment:
        return self._full("nurse", male=self.rng.random() < 0.1)

    def s_nurse2(self) -> Segment:
        return self._full("nurse2", male=False)

    def s_nurse_last(self) -> Segment:
        return (self._name("nurse", male=False)[0], "PERSON")

    def s_ref_doc(self) -> Segment:
        return self._full("ref")

    def s_path_doc(self) -> Segment:
        return self._full("path")

    def s_rad_doc(self) -> Segment:
        return self._full("rad")

    def s_sex(self) -> str:
        return "男" if self.male else "女"

    def s_laoren(self) -> str:
        if self.age >= 70:
            return "老先生" if self.male else "老太太"
        return "先生" if self.male else "女士"

    def _age_value(self, age: int) -> str:
        return _cn_small(age) if age < 100 and self.rng.random() < 0.1 else str(age)

    # -- places ---------------------------------------------------------------------------
    def _address(self) -> str:
        f, r = self.fake, self.rng
        if r.random() < 0.3:
            head = r.choice(_CN_MUNICIPALITIES)
        else:
            prov = r.choice(tuple(_CN_PROVINCES))
            head = (prov if r.random() < 0.75 else "") + r.choice(_CN_PROVINCES[prov])
        style = r.random()
        if style < 0.15:
            return (f"{head}{f.city_name()}县{r.choice(_CN_TOWNS)}镇{f.last_name()}家村"
                    f"{r.randint(1, 12)}组{r.randint(1, 80)}号")
        street = f"{head}{f.district().removesuffix('区')}区{f.street_name()}{r.randint(1, 999)}号"
        if style < 0.55:
            return street + (f"{r.choice(_CN_COMPOUNDS)}{r.randint(1, 30)}栋{r.randint(1, 6)}单元"
                             f"{r.randint(1, 32)}0{r.randint(1, 4)}室")
        if style < 0.8:
            return street + f"{r.randint(1, 20)}号楼{r.randint(1, 3)}门{r.randint(101, 2404)}"
        return street

    def s_addr(self) -> Segment:
        return (str(self.once("addr", self._address)), "LOCATION")

    def s_addr_clinic(self) -> Segment:
        return (self._address(), "LOCATION")

    def s_zip(self) -> Segment:
        return (f"{self.rng.randint(10, 85)}{_digits(self.rng, 4)}", "LOCATION")

    def _place(self) -> tuple[str, str]:
        def make() -> tuple[str, str]:
            prov = self.rng.choice(tuple(_CN_PROVINCES))
            return prov, self.rng.choice(_CN_PROVINCES[prov])
        return self.once("place", make)

    def s_province(self) -> str:
        return self._place()[0]

    def s_city(self) -> Segment:
        # HIPAA Safe Harbor: a city (地级市/县) is a subdivision smaller than a province.
        return (self._place()[1], "LOCATION")

    def s_hospital(self) -> str:
        def make() -> str:
            city = self._place()[1].removesuffix("市")
            return self.rng.choice((f"{city}市第一人民医院", f"{city}市中心医院",
                                    f"{city}医科大学附属第二医院", "省肿瘤医院", f"{city}市中医院"))
        return str(self.once("hospital", make))


    def s_company(self) -> str:
        return self.fake.company()



    # -- contact and identifiers ----------------------------------------------------------
    def _mobile(self) -> str:
        r = self.rng
        n = r.choice(_CN_MOBILE_PREFIX) + _digits(r, 8)
        style = r.random()
        if style < 0.55:
            return n
        if style < 0.7:
            return f"{n[:3]}-{n[3:7]}-{n[7:]}"
        if style < 0.85:
            return f"{n[:3]} {n[3:7]} {n[7:]}"
        return f"+86 {n}" if r.random() < 0.5 else f"+86-{n}"

    def _landline(self) -> str:
        r = self.rng
        area = r.choice(_CN_AREA)
        local = f"{r.randint(2, 8)}{_digits(r, 7 if len(area) == 3 else r.choice((6, 7)))}"
        return r.choice((f"{area}-{local}", f"({area}){local}", f"{area}-{local}",
                         f"{area} {local[:-4]} {local[-4:]}", f"（{area}）{local}"))

    def s_phone(self) -> Segment:
        return (str(self.once("phone", self._landline)), "PHONE")

    def s_mobile(self) -> Segment:
        return (str(self.once("mobile", self._mobile)), "PHONE")

    def s_mobile_rel(self) -> Segment:
        return (str(self.once("mobile_rel", self._mobile)), "PHONE")

    def s_fax(self) -> Segment:
        return (self._landline(), "FAX")

    def _email(self) -> str:
        f, r = self.fake, self.rng
        if r.random() < 0.3:
            return f"{r.randint(10000, 2999999999)}@qq.com"
        domain = r.choice((f.free_email_domain(), "163.com", "126.com", f.domain_name()))
        return f"{f.user_name()}@{domain}"

    def s_email(self) -> Segment:
        return (str(self.once("email", self._email)), "EMAIL")

    def s_email_rel(self) -> Segment:
        return (self._email(), "EMAIL")

    def s_rid(self) -> Segment:
        return (str(self.once("rid", lambda: resident_id(self.rng, self.birth, self.male))),
                "CN_RESIDENT_ID")

    def s_rid_rel(self) -> Segment:
        birth = _rand_date(self.rng, dt.date(1940, 1, 1), dt.date(2000, 12, 31))
        return (resident_id(self.rng, birth, self.rng.random() < 0.5), "CN_RESIDENT_ID")

    def s_mrn_ba(self) -> Segment:
        return (str(self.once("mrn_ba", lambda: f"{self.rng.randint(1, 999999):07d}")), "MRN")

    def s_mrn_zy(self) -> Segment:
        def make() -> str:
            r = self.rng
            year = self.visit.year
            return r.choice((f"ZY{year}{_digits(r, 6)}", f"{year % 100}{_digits(r, 6)}",
                             _digits(r, 8)))
        return (str(self.once("mrn_zy", make)), "MRN")

    def s_mrn_mz(self) -> Segment:
        def make() -> str:
            r = self.rng
            return r.choice((f"MZ{_digits(r, 10)}", _digits(r, 10), f"0000{_digits(r, 6)}"))
        return (str(self.once("mrn_mz", make)), "MRN")

    def s_mrn(self) -> Segment:
        return self.rng.choice((self.s_mrn_ba, self.s_mrn_zy, self.s_mrn_mz))()

    def s_hpid(self) -> Segment:
        def make() -> str:
            r = self.rng
            return r.choice((f"{r.choice('HJKLMN')}{_digits(r, 4)}{_digits(r, 9)}", _digits(r, 10),
                             f"{_upper(r, 1)}{_digits(r, 8)}", f"1{_digits(r, 14)}",
                             f"YB{_digits(r, 12)}"))
        return (str(self.once("hpid", make)), "HEALTH_PLAN_ID")

    def s_policy(self) -> Segment:
        r = self.rng
        return (f"P{r.randint(2016, 2026)}{_digits(r, 10)}", "HEALTH_PLAN_ID")

    def s_acct(self) -> Segment:
        r = self.rng
        return (r.choice((f"ZH{_digits(r, 10)}", _digits(r, 12))), "ACCOUNT")

    def s_doc_lic(self) -> Segment:
        r = self.rng
        return (f"1{_digits(r, 2)}{r.randint(10, 65)}{_digits(r, 10)}", "LICENSE")

    def s_nurse_lic(self) -> Segment:
        r = self.rng
        return (f"{r.randint(2005, 2025)}{_digits(r, 8)}", "LICENSE")

    def s_dl(self) -> Segment:
        return (_digits(self.rng, 12), "LICENSE")

    def s_plate(self) -> Segment:
        r = self.rng
        prov, city = r.choice(_CN_PLATE_PROV), r.choice(_PLATE_LETTERS)
        if r.random() < 0.25:
            tail = r.choice("DF") + _digits(r, 5)
        else:
            chars = list(_digits(r, 5))
            for i in r.sample(range(5), r.randint(0, 2)):
                chars[i] = r.choice(_PLATE_LETTERS)
            tail = "".join(chars)
        return (f"{prov}{city}{r.choice(('', '·', ' ', ''))}{tail}", "VEHICLE")

    def s_serial(self) -> Segment:
        r = self.rng
        return (r.choice((f"{_upper(r, 3)}{_digits(r, 6)}{_upper(r, 1)}", f"SN{_digits(r, 10)}",
                          f"{_upper(r, 2)}{_digits(r, 8)}", f"NG{_digits(r, 7)}H")), "DEVICE")

    def s_url(self) -> Segment:
        r, f = self.rng, self.fake
        return (r.choice((f"https://hlwyy.{f.domain_name()}/visit/{_digits(r, 8)}", f.url(),
                          f.uri(), f"http://{ipv4(r)}/pacs/viewer?study={_digits(r, 8)}",
                          f"https://www.{f.domain_name()}/patient/{f.user_name()}")), "URL")

    def s_path_no(self) -> Segment:
        r = self.rng
        return (r.choice((f"P{r.randint(2016, 2026)}-{_digits(r, 5)}",
                          f"{r.randint(16, 26)}-{_digits(r, 5)}",
                          f"B{r.randint(16, 26)}{_digits(r, 5)}", f"BL{_digits(r, 8)}")),
                "OTHER_ID")

    def s_acc_no(self) -> Segment:
        r = self.rng
        return (r.choice((f"CT{_digits(r, 10)}", f"MR{_digits(r, 9)}", f"DR{_digits(r, 8)}",
                          f"US-{_digits(r, 8)}")), "OTHER_ID")

    def s_specimen(self) -> Segment:
        r = self.rng
        return (r.choice((f"L{_digits(r, 10)}", _digits(r, 12), f"JY{_digits(r, 9)}")), "OTHER_ID")

    # -- clinical fillers -----------------------------------------------------------------
    def _dx(self) -> tuple[str, str]:
        return self.once("dx", lambda: self.rng.choice(_ZH_DX))

    def s_dx(self) -> str:
        return self._dx()[0]

    def s_icd(self) -> str:
        return self._dx()[1]










    def s_ago(self) -> str:
        r = self.rng
        return r.choice((f"{r.randint(2, 11)}个月", f"{r.randint(1, 5)}年", f"{r.randint(2, 20)}天",
                         f"{r.randint(1, 8)}周", "半年", "1年余"))

    def s_bp(self) -> str:
        return f"{self.rng.randint(100, 170)}/{self.rng.randint(55, 100)}"

    def s_hr(self) -> str:
        return str(self.rng.randint(55, 118))

    def s_cea(self) -> str:
        return f"{self.rng.randint(1, 80)}.{self.rng.randint(0, 9)}"

    def s_hb(self) -> str:
        return str(self.rng.randint(70, 160))

    def s_bed(self) -> str:
        return str(self.rng.randint(1, 60))

    def s_kg(self) -> str:
        return str(self.rng.randint(2, 10))


ZH_POOLS: dict[str, tuple[str, ...]] = {
    "title_admission": ("{hospital}\n入院记录", "入 院 记 录\n科室：{dept}", "{dept}入院记录"),
    "title_discharge": ("{hospital}\n出院记录", "出院小结（{dept}）", "出 院 记 录"),
    "title_progress": ("病程记录", "日常病程记录（{dept}）", "{dept}  病程记录  第{n}页"),
    "title_pathology": ("{hospital}病理诊断报告书", "病理科  组织病理学诊断报告"),
    "title_referral": ("{hospital}{dept}\n转诊函", "双向转诊单（转出）", "转 诊 介 绍 信"),
    "title_nursing": ("护理记录单（{dept}）", "一般护理记录", "{hospital}  护理记录"),
    "title_lab": ("{hospital}检验报告单", "检验科  生化检验报告"),
    "title_imaging": ("{hospital}影像诊断报告", "CT检查报告单", "放射科报告"),
    "title_outpatient": ("{hospital}门诊病历", "{dept}门诊记录", "门 诊 病 历"),
    "title_confusable": ("病例讨论（教学病例，已去标识）", "MDT讨论纪要", "诊疗规范摘录",
                         "{dept}学习病例"),
    "demo": (
        "姓名：{pt}　性别：{sex}　年龄：{age}岁　病案号：{mrn_ba}",
        "{pt}，{sex}，{age}岁，因“{sym}{ago}”于{adm_date}入院。",
        "患者{pt}，{sex}性，{age}岁，住院号{mrn_zy}。",
        "身份证号：{rid}　联系电话：{mobile}",
        "现住址：{addr}",
        "门诊号：{mrn_mz}　医保卡号：{hpid}",
        "出生日期：{dob}　民族：汉族　职业：{job}　婚姻：已婚",
        "入院日期：{adm_date}　出院日期：{dis_date}",
        "联系人：{rel}（{relation}）　电话：{mobile_rel}",
        "工作单位：{company}",
        "户籍地址：{addr}，邮编{zip}",
        "籍贯：{province}{city}　出生地：{city}",
        "姓名 {pt}  性别 {sex}  年龄 {age}  床号 {bed}  住院号 {mrn_zy}",
        "病人姓名：{pt}；身份证：{rid}；住址：{addr}",
    ),
    "hpi": (
        "患者{ago}前无明显诱因出现{sym}，伴{sym}，于{date}就诊于当地医院，查腹部CT提示{finding}。",
        "{pt}于{date}行结肠镜检查示{finding}，病理示{dx}。",
        "{ago}前患者无诱因出现{sym}，未予重视。",
        "患者自述{date_md}起{sym}加重，遂来我院{dept}就诊。",
        "由家属{rel}陪同入院，{rel}诉患者近{ago}食欲下降。",
        "{pt}今日精神可，饮食睡眠尚可，大小便正常。",
        "患者系{province}{city}人，长期居住于当地。",
        "{date}在外院行{procedure}，术后恢复可。",
        "术后行{regimen}方案化疗{n}周期，末次化疗时间{date_my}。",
        "{pt_last}{laoren}，{age}岁，既往体健。",
        "现为求进一步诊治收入我科。",
        "发病以来，患者神志清，精神可，体重下降约{kg}kg。",
        "{pt}，{sex}，{age}岁，因“{sym}{ago}”入院。",
        "患者{age}岁，{ago}前体检发现CEA升高（{cea}ng/mL），未行进一步检查。",
        "其{relation}{rel}代诉：患者近{ago}记忆力明显减退。",
        "{date_md}夜间患者突发{sym}，由120送至我院急诊。",
        "患者于{year}年曾因{eponym}在{hospital}住院治疗。",
        "家属{rel}陪同就诊，提供病史可靠。",
        "病程中无畏寒发热，无呕血，无腹泻与便秘交替。",
        "外院予“{drug}”等对症治疗，症状无明显缓解。",
        "{ago}来体重下降约{kg}kg，夜间可平卧。",
        "患者既往规律服用{drug}，近期自行停药。",
        "门诊查血红蛋白{hb}g/L，CEA {cea}ng/mL，遂以“{dx}”收入院。",
    ),
    "pmh": (
        "既往史：高血压病史10年，口服{drug}，血压控制可；否认糖尿病、冠心病史。",
        "{year}年诊断为{eponym}，规律治疗。",
        "否认肝炎、结核等传染病史，否认药物及食物过敏史。",
        "个人史：吸烟30年，每日20支，已戒烟{n}年；偶饮酒。",
        "家族史：父亲因结肠癌去世，母亲{age_rel}岁，体健。",
        "婚育史：已婚，育有1子1女，配偶体健。",
        "家族中有{eponym}患者（舅舅）。",
        "{year}年行阑尾切除术，否认输血史。",
        "母亲{age_rel}岁高龄，患{eponym}多年。",
        "否认手术外伤史，否认重大输血史，预防接种史随当地。",
        "月经史：已绝经，绝经年龄50岁。",
        "父母已故，死因不详；兄弟姐妹体健。",
    ),
    "meds": (
        "予阿司匹林100mg qd、阿托伐他汀20mg qn口服。",
        "予奥沙利铂130mg/m² d1+卡培他滨1000mg/m² bid d1-14方案化疗。",
        "{date}起予{drug}治疗。",
        "予头孢曲松2g ivgtt qd抗感染，奥美拉唑40mg iv qd护胃。",
        "长期口服{drug}、{drug}。",
        "予低分子肝素4000IU皮下注射qd预防血栓。",
    ),
    "social": (
        "患者与{relation}{rel}同住，住址：{addr}。",
        "退休前为{job}，现居{city}。",
        "工作单位：{company}，职业：{job}。",
        "紧急联系人：{rel}（{relation}），手机{mobile_rel}。",
        "家属{rel}为主要照顾者。",
        "患者平素独居于{city}，{relation}{rel}住在附近。",
        "吸烟20年，每日10支；饮酒史20年，已戒。",
        "医疗决策代理人：{relation}{rel}。",
    ),
    "exam": (
        "查体：T 36.5℃，P {hr}次/分，R 18次/分，BP {bp}mmHg。",
        "神志清楚，皮肤巩膜无黄染，浅表淋巴结未触及肿大。",
        "腹软，右下腹压痛，无反跳痛，墨菲征阴性。",
        "双肺呼吸音清，未闻及干湿啰音；心率{hr}次/分，律齐。",
        "四肢肌力5级，病理征未引出，巴宾斯基征阴性。",
        "ECOG评分1分，KPS 80分。",
        "血压120/80mmHg，血氧饱和度98%，体重62kg。",
        "直肠指检：距肛缘约6cm可触及质硬肿物，指套染血。",
    ),
    "labs": (
        "{date}查血常规：WBC 6.5×10^9/L，血红蛋白{hb}g/L，PLT 230×10^9/L。",
        "肿瘤标志物：CEA {cea}ng/mL，CA19-9 48U/mL。",
        "基因检测：{gene}，BRAF V600E未见突变，HER2阴性，MSS。",
        "肝功能：ALT 25U/L，AST 30U/L，总胆红素12.5μmol/L；肾功能：肌酐78μmol/L。",
        "糖化血红蛋白7.2%，空腹血糖6.8mmol/L。",
        "检验条码：{specimen}，采样时间{date} {time}。",
        "肌钙蛋白I 0.45ng/mL，BNP 890pg/mL。",
        "{date_md}血培养：无细菌生长。",
        "凝血功能：PT 12.1s，INR 1.05，D-二聚体0.8mg/L。",
    ),
    "imaging": (
        "{date}腹部增强CT示：{finding}。",
        "胸片：双肺纹理增多，未见明显实变。",
        "检查号：{acc_no}　检查日期：{date}",
        "头颅MRI：双侧基底节区腔隙性梗死灶。",
        "PET-CT：肝S7段高代谢灶，SUVmax 8.4，考虑转移。",
        "报告医师：{rad_doc}　审核医师：{doc}",
        "与{date_my}片比较，病灶较前缩小。",
        "检查方法：增强CT扫描，碘海醇350 100mL，层厚1.25mm。",
        "腹部超声：肝内见多个低回声结节，最大约2.1cm×1.8cm，胆囊壁毛糙。",
        "直肠MRI：直肠中段肠壁增厚，累及直肠系膜筋膜（MRF+），EMVI阳性。",
        "心脏彩超：左室射血分数（LVEF）45%，左房增大，二尖瓣轻度反流。",
        "全身骨扫描：未见明确骨转移征象。",
        "胃镜：胃窦小弯侧见一约2.0cm溃疡，底覆白苔，活检4块。",
        "肠镜：进镜至回盲部，距肛缘约20cm见环周肿物，管腔狭窄，内镜勉强通过。",
        "颈部血管超声：双侧颈动脉内中膜增厚伴斑块形成。",
        "{date}复查胸部CT：右肺上叶结节较前增大，约2.4cm。",
        "印象：考虑恶性肿瘤可能性大，建议结合病理。",
    ),
    "path": (
        "病理号：{path_no}",
        "送检标本：（乙状结肠）肠段一段，长15cm。",
        "病理诊断：（乙状结肠）中分化腺癌，侵及浆膜下层（pT3），淋巴结2/18枚见癌转移（pN1b）。",
        "免疫组化：MLH1(+)，PMS2(+)，MSH2(+)，MSH6(+)，HER2(0)，Ki-67(约60%+)。",
        "切缘未见癌累及。脉管内见癌栓。",
        "取材医师：{res}　诊断医师：{path_doc}　报告日期：{date}",
        "送检日期：{op_date}　报告日期：{dis_date}",
        "标本袋标注患者姓名{pt}及住院号{mrn_zy}，核对无误。",
    ),
    "course": (
        "诊疗经过：入院后完善相关检查，于{op_date}在全麻下行{procedure}，手术顺利。",
        "术后予抗感染、补液、营养支持等治疗，恢复顺利。",
        "住院期间输注悬浮红细胞2U。",
        "入院时间：{adm_date}；出院时间：{dis_date}。",
        "{adm_date}至{dis_date}住院，共{n}天。",
        "出院后由{relation}{rel}接回家中休养。",
        "出院情况：患者一般情况可，切口愈合良好。",
        "转入{addr}康复机构继续治疗。",
        "术后第3天出现发热，体温最高38.6℃，予调整抗生素后好转。",
        "术后病理回报：{dx}，{tnm}。",
        "住院期间监测血糖波动于6.1-11.3mmol/L，予胰岛素控制。",
        "{op_date}拔除腹腔引流管，切口甲级愈合。",
        "住院期间请营养科会诊，予肠内营养支持。",
    ),
    "plan": (
        "初步诊断：1.{dx}（{tnm}，{stage}期）；2.高血压病2级。",
        "ICD-10编码：{icd}。",
        "诊疗计划：完善相关检查，拟行{procedure}。",
        "参照NCCN 2023指南及CSCO 2022指南，建议行{regimen}方案辅助化疗。",
        "经MDT讨论（{date}），建议行{procedure}。",
        "嘱出院后{dept}门诊随访，{fu_date}复查。",
        "已向患者及家属{rel}交代病情，家属表示理解并签字。",
        "出院医嘱：1.低脂饮食；2.{drug}；3.{fu_date}返院复查。",
        "{doc_last}主任查房指示：继续当前治疗，密切观察。",
        "下次化疗时间：{fu_date}。",
        "向患者家属交代化疗相关不良反应，签署知情同意书。",
        "继续予{drug}，监测肝肾功能及血常规。",
        "病情评估：部分缓解（PR），按RECIST 1.1标准。",
        "拟{fu_date}行第{n}周期化疗。",
    ),
    "admin": (
        "医保类型：城镇职工医保，医保卡号{hpid}。",
        "商业保险：{insurer}，保单号{policy}。",
        "缴费银行卡号：{bank}。",
        "住院押金账户：{acct}。",
        "患者驾驶车辆车牌号{plate}，已登记停车。",
        "起搏器型号Medtronic Azure，序列号{serial}。",
        "远程监护设备IMEI：{imei}。",
        "互联网医院复诊链接：{url}。",
        "远程会诊终端IP：{ip}。",
        "经指纹识别核验身份（指纹模板号{bio}）。",
        "受试者编号：{study_id}（临床试验{nct}）。",
        "医师执业证书编码：{doc_lic}。",
        "护士执业证书编号：{nurse_lic}。",
        "陪护人{rel}，身份证号{rid_rel}。",
        "家属车辆（车架号{vin}）停放于地下停车场。",
        "驾驶证档案编号：{dl}。",
        "新农合证号：{hpid}。",
        "声纹认证编号：{bio}，用于电话复诊身份核验。",
        "掌静脉识别模板{bio}已绑定就诊卡。",
        "患者通过{url}上传外院检查资料，登录IP {ip}。",
        "胰岛素泵序列号{serial}，动态血糖仪已绑定手机（IMEI {imei}）。",
    ),
    "contact": (
        "联系电话：{mobile}；电子邮箱：{email}。",
        "科室电话：{phone}　传真：{fax}",
        "请将检查结果传真至{fax}。",
        "家属{rel}电话{mobile_rel}。",
        "如有疑问请拨打护士站电话{phone}。",
        "回复邮件请发送至{email}。",
        "通讯地址：{addr}，邮编：{zip}。",
        "患者本人手机{mobile}，微信同号。",
        "线上随访平台：{url}。",
    ),
    "sign": (
        "医师签名：{doc}　{date}",
        "主治医师：{doc}　住院医师：{res}　记录时间：{date} {time}",
        "上级医师：{doc2}（审核）",
        "记录医师：{res}",
        "经治医师：{res}/{doc}　{date}",
    ),
    "sign_nursing": (
        "记录者：{nurse}　{date} {time}",
        "交班：{nurse}　接班：{nurse2}",
        "护士签名：{nurse}（执业证书编号{nurse_lic}）",
    ),
    "nursing": (
        "{time}患者诉伤口疼痛，NRS评分3分，遵医嘱予止痛处理。",
        "协助{pt}床上翻身，皮肤完整，Braden评分16分。",
        "家属{rel}陪护，已告知防跌倒注意事项。",
        "留置尿管通畅，引流淡黄色尿液约350ml。",
        "静脉留置针在位，穿刺点无红肿。",
        "{pt}今日体温最高37.8℃，予物理降温。",
        "{time}测血糖11.2mmol/L，遵医嘱皮下注射胰岛素4U。",
        "{nurse_last}护士巡视病房，患者安睡。",
        "{bed}床心电监护示窦性心律，心率70次/分。",
        "已对患者及其{relation}进行出院宣教，表示理解。",
        "{pt_last}{laoren}今晨进食半流质，无恶心呕吐。",
        "{time}生命体征平稳：T 36.7℃，P 82次/分，R 19次/分，BP 128/76mmHg。",
        "腹腔引流管通畅，引流出淡血性液体约50ml。",
        "Morse跌倒评分45分，已悬挂防跌倒标识，床栏拉起。",
        "遵医嘱予氧气吸入2L/min，SpO2 96%。",
        "患者夜间睡眠欠佳，予心理疏导后入睡。",
        "{time}遵医嘱静滴奥沙利铂，输液过程中无不良反应。",
        "出入量：入量2100ml，出量1850ml。",
    ),
    "letter_open": (
        "{ref_doc}医生：\n您好！兹有患者{pt}，{sex}，{age}岁，因{dx}于{date}在我院行{procedure}，"
        "现转诊贵院进一步治疗。",
        "尊敬的{ref_doc}主任：\n患者{pt}，{sex}，{age}岁，身份证号{rid}，医保卡号{hpid}，因{dx}"
        "拟转贵院，请协助办理异地就医备案。",
        "致{dept}：\n现转诊患者{pt}（住院号{mrn_zy}）至贵科，{age}岁，诊断{dx}。",
    ),
    "letter_close": (
        "随函附病理报告（病理号{path_no}）及影像资料光盘一张。敬请接诊为盼。如有疑问请联系{doc}，"
        "电话{phone}，邮箱{email}。\n此致\n敬礼！\n{hospital}{dept}　{doc}\n{date}",
        "如有疑问请致电{phone}或传真{fax}。\n此致\n敬礼！\n转诊医师：{doc}\n{date}",
        "我院地址：{addr_clinic}，邮编{zip}。\n转出医师：{doc}　联系电话：{mobile}\n{date}",
    ),
    "confusable": (
        "川崎病已排除。",
        "{eponym}诊断依据不足。",
        "ICD-10：{icd}；次要诊断K63.5。",
        "TNM分期：{tnm}（AJCC第8版）。",
        "参照《中国结直肠癌诊疗规范（2023版）》。",
        "BRAF V600E阴性，HER2（1+），TP53突变，KRAS G12D阳性。",
        "HPO：HP:0002027（腹痛），HP:0001824（体重减轻）。",
        "血压120/80mmHg，心率72次/分，SpO2 98%。",
        "阿司匹林100mg qd、氯吡格雷75mg qd继续口服。",
        "转入心内科{bed}床继续治疗。",
        "请消化内科、克罗恩病MDT团队会诊。",
        "筛选参加临床试验{nct}。",
        "因2级周围神经毒性（CTCAE 5.0）减量20%。",
        "患者{age_young}岁，诊断{dx}（{icd}），{gene}。",
        "随访90天，CEA 4.2ng/mL，血红蛋白131g/L。",
        "帕金森病、克罗恩病列于问题清单中。",
        "Gleason评分3+4=7分，ISUP分级2级。",
        "肌酐清除率92mL/min；血小板95×10^9/L。",
        "以100mL/h速度输注90分钟，地塞米松12mg静推预处理。",
        "贝伐珠单抗5mg/kg q2w（2021版方案）。",
        "2019年肠镜检查未见异常。",
        "病程中患者曾出现格拉斯哥昏迷评分下降至12分。",
    ),
}

ZH_HEADINGS: dict[str, tuple[str, ...]] = {
    "hpi": ("现病史：", "【现病史】", "主诉及现病史："),
    "pmh": ("既往史：", "【既往史】", "既往史、个人史、家族史："),
    "social": ("个人史：", "【个人及社会史】", "社会史："),
    "meds": ("用药：", "【用药情况】", "治疗："),
    "exam": ("体格检查：", "【查体】", "专科检查："),
    "labs": ("辅助检查：", "【实验室检查】", "检验结果："),
    "imaging": ("影像所见：", "检查所见：", "【影像学检查】"),
    "path": ("病理诊断：", "【大体及镜下所见】", "诊断意见："),
    "course": ("诊疗经过：", "【住院经过】", ""),
    "plan": ("诊疗计划：", "初步诊断及计划：", "【处理意见】"),
    "admin": ("登记信息：", "其他：", "【备注】"),
    "contact": ("联系方式：", "【联系信息】", ""),
    "nursing": ("护理记录：", "", "病情观察："),
    "confusable": ("补充：", "", "讨论要点："),
}

# A plan is a list of (pool, min sentences, max sentences, probability of the section).
_PLANS: dict[str, list[tuple[str, int, int, float]]] = {
    "admission": [("demo", 2, 4, 1), ("hpi", 3, 5, 1), ("pmh", 1, 3, 0.9), ("meds", 1, 2, 0.7),
                  ("social", 1, 2, 0.7), ("exam", 2, 3, 0.9), ("labs", 1, 3, 0.8),
                  ("imaging", 1, 2, 0.5), ("plan", 2, 3, 1), ("admin", 1, 2, 0.8),
                  ("contact", 1, 2, 0.6), ("confusable", 1, 2, 0.5), ("sign", 1, 2, 1)],
    "discharge": [("demo", 2, 3, 1), ("course", 2, 4, 1), ("hpi", 1, 3, 0.8),
                  ("labs", 1, 2, 0.6), ("meds", 1, 2, 0.7), ("plan", 2, 3, 1),
                  ("admin", 1, 2, 0.8), ("contact", 1, 2, 0.7), ("confusable", 1, 2, 0.5),
                  ("sign", 1, 2, 1)],
    "progress": [("demo", 1, 2, 0.8), ("hpi", 1, 3, 1), ("exam", 1, 3, 1), ("labs", 1, 3, 0.8),
                 ("plan", 1, 3, 1), ("confusable", 1, 2, 0.6), ("admin", 1, 2, 0.6),
                 ("sign", 1, 2, 1)],
    "pathology": [("demo", 1, 3, 1), ("path", 3, 6, 1), ("labs", 1, 2, 0.4),
                  ("confusable", 1, 2, 0.6), ("admin", 1, 2, 0.6), ("sign", 1, 1, 1)],
    "referral": [("letter_open", 1, 1, 1), ("hpi", 2, 4, 1), ("pmh", 1, 2, 0.5),
                 ("labs", 1, 2, 0.6), ("plan", 1, 2, 0.8), ("admin", 1, 2, 0.8),
                 ("contact", 1, 1, 0.5), ("confusable", 1, 2, 0.4), ("letter_close", 1, 1, 1)],
    "nursing": [("demo", 1, 2, 0.9), ("nursing", 4, 8, 1), ("exam", 1, 2, 0.5),
                ("admin", 1, 2, 0.7), ("contact", 1, 1, 0.4), ("confusable", 1, 1, 0.4),
                ("sign_nursing", 1, 2, 1)],
    "lab": [("demo", 2, 3, 1), ("labs", 3, 6, 1), ("confusable", 1, 2, 0.6),
            ("admin", 1, 2, 0.7), ("contact", 1, 1, 0.4), ("sign", 1, 1, 1)],
    "imaging": [("demo", 2, 3, 1), ("imaging", 3, 6, 1), ("confusable", 1, 2, 0.5),
                ("admin", 1, 2, 0.6), ("sign", 1, 1, 1)],
    "outpatient": [("demo", 1, 3, 1), ("hpi", 2, 4, 1), ("pmh", 1, 2, 0.7), ("exam", 1, 2, 0.8),
                   ("labs", 1, 2, 0.6), ("plan", 1, 3, 1), ("admin", 1, 2, 0.8),
                   ("contact", 1, 2, 0.6), ("confusable", 1, 2, 0.5), ("sign", 1, 1, 1)],
    "confusable": [("hpi", 2, 4, 1), ("pmh", 1, 3, 0.8), ("meds", 1, 3, 0.8), ("exam", 2, 3, 1),
                   ("labs", 2, 4, 1), ("imaging", 1, 3, 0.7), ("path", 1, 3, 0.6),
                   ("plan", 1, 3, 1), ("confusable", 3, 6, 1)],
}


# Narrative sections, lengthened towards a note's target size (headers, signatures and
# registration blocks keep the size the plan drew, so identifier density stays realistic).
# Sentences per narrative section (Chinese sentences are shorter), unless still under MIN_CHARS.
_MAX_SENTENCES = {"en": 7, "zh": 10}
_GROWABLE_POOLS = frozenset({"hpi", "pmh", "meds", "social", "exam", "labs", "imaging", "path",
                             "course", "plan", "nursing", "confusable"})


def _identifier_free(template: str) -> bool:
    return not any(m.group(1) in _LABELED for m in _SLOT.finditer(template))


def template_count(lang: str) -> int:
    pools = EN_POOLS if lang == "en" else ZH_POOLS
    return sum(len(p) for p in pools.values())


# ---------------------------------------------------------------------------------------------
# Note assembly
# ---------------------------------------------------------------------------------------------

_FAKERS: dict[str, Faker] = {}


def _faker(lang: str) -> Faker:
    if lang not in _FAKERS:
        _FAKERS[lang] = Faker("en_US" if lang == "en" else "zh_CN")
    return _FAKERS[lang]


def make_note(seed: int, lang: str, index: int, kind: str | None = None) -> Note:
    """Note ``index`` of language ``lang`` ("en" or "zh") for ``seed``; deterministic."""
    rng = random.Random(f"medveil-corpus/{seed}/{lang}/{index}")
    fake = _faker(lang)
    fake.seed_instance(rng.getrandbits(64))
    if kind is None:
        kind = rng.choices(KINDS, weights=_KIND_WEIGHTS)[0]
    ctx: _Note = _EnNote(rng, fake) if lang == "en" else _ZhNote(rng, fake)
    pools, headings = (EN_POOLS, EN_HEADINGS) if lang == "en" else (ZH_POOLS, ZH_HEADINGS)
    confusable = kind == "confusable"
    # Chinese says as much in fewer characters: a shorter range of targets.
    target = rng.randint(MIN_CHARS + 100, MAX_CHARS - 200 if lang == "en" else 2200)

    def usable(pool: str) -> list[int]:
        return [i for i, t in enumerate(pools[pool]) if not confusable or _identifier_free(t)]

    # Each section: heading, pool, {template index: rendered segments}; no template repeats.
    sections: list[tuple[str, str, dict[int, list[Segment]]]] = []
    title = pools[f"title_{kind}"]
    i = rng.choice(usable(f"title_{kind}"))
    sections.append(("", f"title_{kind}", {i: ctx.render(title[i])}))
    for pool, lo, hi, prob in _PLANS[kind]:
        if rng.random() < prob:
            chosen = rng.sample(usable(pool), min(rng.randint(lo, hi), len(usable(pool))))
            head = rng.choice(headings.get(pool, ("",)))
            sections.append((head, pool, {i: ctx.render(pools[pool][i]) for i in chosen}))

    def size(upper: bool) -> int:  # bounds of the final length
        extra = 3 if upper else 0
        return sum(len(h) + extra + sum(len(t) for s in sents.values() for t, _ in s)
                   + (len(sents) if upper else 0) for h, _, sents in sections)

    # Grow towards the target length with unused templates of the note's narrative sections.
    growable = [s for s in sections if s[1] in _GROWABLE_POOLS]
    while size(upper=False) < target:
        cap = _MAX_SENTENCES[lang] if size(upper=False) >= MIN_CHARS else 99
        open_ = [(s, [i for i in usable(s[1]) if i not in s[2]]) for s in growable
                 if len(s[2]) < cap]
        open_ = [(s, free) for s, free in open_ if free]
        if not open_:
            if size(upper=False) >= MIN_CHARS or any(p == "confusable" for _, p, _ in sections):
                break
            sections.insert(-1, (rng.choice(headings["confusable"]), "confusable", {}))
            growable.append(sections[-2])
            continue
        (_, pool, sents), free = rng.choice(open_)
        i = rng.choice(free)
        sents[i] = ctx.render(pools[pool][i])
        if size(upper=True) > MAX_CHARS:
            del sents[i]
            break

    sep = " " if lang == "en" else ""
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0

    def emit(text: str, typ: str | None) -> None:
        nonlocal pos
        if typ is not None:
            spans.append(Span(pos, pos + len(text), typ))
        parts.append(text)
        pos += len(text)

    for n, (head, _, sents) in enumerate(sections):
        if n:
            emit("\n\n" if rng.random() < 0.7 else "\n", None)
        ordered = [sents[i] for i in sorted(sents)]  # pool order reads naturally
        multiline = not head or any("\n" in t for s in ordered for t, _ in s)
        if head:
            inline = head[-1] in ":：" and not multiline and rng.random() < 0.5
            emit(head + ((" " if lang == "en" else "") if inline else "\n"), None)
        for k, sent in enumerate(ordered):
            if k:
                ended = ordered[k - 1][-1][0].rstrip()[-1:] in ".;!?。；！？"
                emit(sep if ended and not multiline else "\n", None)
            for text, typ in sent:
                emit(text, typ)
    text = "".join(parts)
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        raise AssertionError(f"note of {len(text)} characters")
    if confusable and spans:
        raise AssertionError("a confusable note must carry no identifier")
    return Note(f"{lang}-{index:04d}", lang, kind, text, tuple(spans))


def iter_notes(seed: int, n_en: int, n_zh: int) -> Iterator[Note]:
    """``n_en`` English and ``n_zh`` Chinese notes, interleaved (en, zh, en, zh, ...)."""
    for i in range(max(n_en, n_zh)):
        if i < n_en:
            yield make_note(seed, "en", i)
        if i < n_zh:
            yield make_note(seed, "zh", i)


def generate(seed: int = EVAL_SEED, n_en: int = EVAL_EN, n_zh: int = EVAL_ZH) -> list[Note]:
    return list(iter_notes(seed, n_en, n_zh))


def dumps(notes: list[Note]) -> str:
    return "".join(n.to_json() + "\n" for n in notes)


def load(path: Path | str = EVAL_PATH) -> list[Note]:
    with open(path, encoding="utf-8") as fh:
        return [Note.from_json(line) for line in fh if line.strip()]


def statistics(notes: list[Note]) -> dict[str, object]:
    """Counts of notes, characters and spans per type, per language."""
    out: dict[str, object] = {}
    for lang in sorted({n.lang for n in notes}):
        sub = [n for n in notes if n.lang == lang]
        lengths = sorted(len(n.text) for n in sub)
        out[lang] = {
            "notes": len(sub),
            "chars": sum(lengths),
            "min_chars": lengths[0],
            "median_chars": lengths[len(lengths) // 2],
            "max_chars": lengths[-1],
            "no_span_notes": sum(1 for n in sub if not n.spans),
            "kinds": dict(sorted(Counter(n.kind for n in sub).items())),
            "spans": dict(sorted(Counter(s.type for n in sub for s in n.spans).items())),
            "templates": template_count(lang),
        }
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=EVAL_SEED)
    ap.add_argument("--en", type=int, default=EVAL_EN, help="number of English notes")
    ap.add_argument("--zh", type=int, default=EVAL_ZH, help="number of Chinese notes")
    ap.add_argument("--out", type=Path, default=EVAL_PATH)
    ap.add_argument("--stats", type=Path, nargs="?", const=EVAL_PATH, default=None,
                    help="print statistics of an existing file instead of generating")
    args = ap.parse_args(argv)
    if args.stats is not None:
        print(json.dumps(statistics(load(args.stats)), ensure_ascii=False, indent=2))
        return
    import faker

    if args.out == EVAL_PATH and faker.VERSION != FAKER_VERSION:
        sys.exit(f"eval.jsonl is generated with Faker {FAKER_VERSION}; installed {faker.VERSION}")
    notes = generate(args.seed, args.en, args.zh)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dumps(notes), encoding="utf-8")
    size = args.out.stat().st_size
    print(f"wrote {len(notes)} notes ({size / 1e6:.2f} MB) to {args.out}")
    print(json.dumps(statistics(notes), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
