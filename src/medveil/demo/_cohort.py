"""Synthetic colorectal-cancer (CRC) cohorts for three hospitals that differ.

The demo and the tests need patient tables that look like a real hospital's: identifiers that
the ``detect`` and ``deid`` packages must find (names, PRC resident IDs, phones, MRNs) and
clinical variables whose relations are the ones a multi-centre study would estimate (stage
drives recurrence and survival, CEA rises with stage, MSI-H is commoner in the right colon).
The sites are deliberately *not* identically distributed, because a federated analysis that
only works on IID splits proves nothing.

How the sites differ (:data:`SITE_PROFILES`)::

    site        kind                               n*    age     stage I/II/III/IV    CEA  names
    hospital-a  tertiary referral cancer centre,   5000  63±11   12/25/38/25 %        high zh_CN
                Beijing; referrals from the north
    hospital-b  regional general hospital,         3000  67±10   22/33/30/15 %        mid  zh_CN
                Nanning (Guangxi): Zhuang ~28 %
    hospital-c  international hospital, Shanghai;  2000  58±12   34/31/25/10 %        low  en_US
                screening programme, English records

    * default sizes of generate_cohorts()

Beyond stage mix and age, the sites differ in ethnicity mix, CEA level (a log-scale shift),
the share of missing CEA, recurrence (a logit shift on top of stage and CEA) and the hazard of
death (hospital-b's patients die sooner at equal stage; hospital-c's later). The ground truth
per patient is::

    recurrence   logit = site + stage + 0.35·ln(CEA/3) − 0.6·[MSI-H] + 0.4·[stage III, no chemo]
    survival     Weibull PH, shape 1.15, months; log-hazard = stage + 0.035·(age − 65)
                 + 0.9·recurrence − 0.35·[MSI-H] + 0.3·[palliative] + site
    censoring    loss to follow-up (exponential, mean 20 years) and the data cut-off 2025-12-31

Everything is drawn from a numpy ``Generator`` and a seeded ``Faker``, both derived from one
seed, so the same seed always gives the same hospitals (no global RNG state is touched).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from faker import Faker

from medveil._atomic import atomic_file
from medveil.errors import InputError

STAGES = ("I", "II", "III", "IV")
TUMOUR_SITES = ("right colon", "left colon", "rectum")
TREATMENTS = ("surgery", "surgery+chemo", "chemo", "palliative")
DATA_CUTOFF = np.datetime64("2025-12-31")
COLUMNS = (
    "patient_name", "resident_id", "phone", "mrn",
    "sex", "birth_date", "age", "diagnosis_date", "ethnicity", "bmi",
    "stage", "tumour_site", "cea", "msi", "treatment", "recurrence", "followup_months", "status",
)
IDENTIFYING_COLUMNS = ("patient_name", "resident_id", "phone", "mrn")

# GB 11643-1999: weight of position i is 2^(17-i) mod 11; the check value indexes this string.
_ID_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_ID_CHECK = "10X98765432"

# Real 3-digit prefixes of the three mainland carriers' mobile ranges.
_CN_MOBILE_PREFIXES = (
    *range(130, 140), 147, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166,
    170, 171, 173, 175, 176, 177, 178, *range(180, 190), 191, 193, 195, 198, 199,
)

_DAYS_PER_YEAR = 365.25
_DAYS_PER_MONTH = _DAYS_PER_YEAR / 12

# Stage-specific truth shared by every site (sites shift it; see SiteProfile).
_CEA_MEDIAN = np.array([1.8, 2.6, 3.8, 14.0])  # ng/mL
_CEA_LOG_SD = np.array([0.8, 0.85, 0.9, 1.1])
_RECURRENCE_LOGIT = np.array([-3.0, -1.9, -0.9, 0.6])
_LOG_HAZARD = np.array([0.0, 0.55, 1.15, 2.6])
_WEIBULL_SHAPE = 1.15
# Baseline: 93 % five-year survival in stage I at age 65 without recurrence.
_WEIBULL_RATE = -np.log(0.93) / 60.0**_WEIBULL_SHAPE
_LOSS_MEAN_MONTHS = 240.0
# P(treatment | stage), rows I..IV, columns as TREATMENTS.
_TREATMENT_P = np.array([
    [0.90, 0.08, 0.01, 0.01],
    [0.60, 0.37, 0.02, 0.01],
    [0.12, 0.80, 0.05, 0.03],
    [0.05, 0.35, 0.40, 0.20],
])
# Patients of 80 and over receive chemotherapy less often and palliation more often.
_ELDERLY_TREATMENT_FACTOR = np.array([1.0, 0.5, 0.5, 2.0])
# P(MSI-H | tumour site), halved in stage IV (MSI-H tumours metastasise less).
_MSI_H_P = np.array([0.33, 0.10, 0.07])


@dataclass(frozen=True)
class SiteProfile:
    """How one synthetic hospital's population and practice differ from the others'.

    Probabilities are tuples aligned with :data:`STAGES`, :data:`TUMOUR_SITES`, etc.
    ``*_shift`` fields are added on the log (CEA, hazard) or logit (recurrence) scale.
    """

    name: str
    description: str
    mrn_prefix: str
    name_locale: str  # Faker locale of most patients' names: "zh_CN" or "en_US"
    other_locale_share: float  # share of names from the other locale
    phone_style: str  # "cn" (mobile 1[3-9]x…) or "us"; Chinese-named patients keep "cn"
    region_codes: tuple[str, ...]  # GB/T 2260 codes of the catchment area
    ethnicity: tuple[tuple[str, float], ...]
    age_mean: float
    age_sd: float
    male_share: float
    bmi_mean: float
    stage_p: tuple[float, float, float, float]
    tumour_site_p: tuple[float, float, float]
    cea_log_shift: float
    cea_missing: float
    recurrence_shift: float
    hazard_shift: float
    diagnosis_years: tuple[int, int]


SITE_PROFILES: tuple[SiteProfile, ...] = (
    SiteProfile(
        name="hospital-a",
        description="tertiary referral cancer centre in Beijing: late stages, high CEA",
        mrn_prefix="BJT",
        name_locale="zh_CN",
        other_locale_share=0.04,
        phone_style="cn",
        # Beijing districts, Tianjin, Hebei, Shandong, Inner Mongolia, Liaoning.
        region_codes=("110101", "110102", "110105", "110106", "110108", "120101", "130102",
                      "370102", "150102", "210102"),
        ethnicity=(("Han", 0.915), ("Manchu", 0.035), ("Hui", 0.03), ("Mongol", 0.015),
                   ("Korean", 0.005)),
        age_mean=63.0, age_sd=11.0, male_share=0.59, bmi_mean=23.8,
        stage_p=(0.12, 0.25, 0.38, 0.25),
        tumour_site_p=(0.30, 0.28, 0.42),
        cea_log_shift=0.2, cea_missing=0.04,
        recurrence_shift=0.2, hazard_shift=0.0,
        diagnosis_years=(2013, 2022),
    ),
    SiteProfile(
        name="hospital-b",
        description="regional general hospital in Nanning, Guangxi: older patients, Zhuang",
        mrn_prefix="NNG",
        name_locale="zh_CN",
        other_locale_share=0.02,
        phone_style="cn",
        # Nanning districts and Guangzhou.
        region_codes=("450102", "450103", "450105", "450107", "440103", "440104", "440524"),
        ethnicity=(("Han", 0.695), ("Zhuang", 0.28), ("Yao", 0.015), ("Miao", 0.005),
                   ("Dong", 0.005)),
        age_mean=67.0, age_sd=10.0, male_share=0.57, bmi_mean=22.6,
        stage_p=(0.22, 0.33, 0.30, 0.15),
        tumour_site_p=(0.27, 0.30, 0.43),
        cea_log_shift=0.0, cea_missing=0.07,
        recurrence_shift=0.0, hazard_shift=0.15,
        diagnosis_years=(2015, 2022),
    ),
    SiteProfile(
        name="hospital-c",
        description="international hospital in Shanghai with a screening programme; "
                    "records kept in English",
        mrn_prefix="SHI",
        name_locale="en_US",
        other_locale_share=0.25,
        phone_style="us",
        # Shanghai districts, Nanjing, Hangzhou.
        region_codes=("310101", "310104", "310105", "310115", "320102", "330102"),
        ethnicity=(("Han", 0.97), ("Hui", 0.012), ("Manchu", 0.01), ("Korean", 0.008)),
        age_mean=58.0, age_sd=12.0, male_share=0.55, bmi_mean=24.6,
        stage_p=(0.34, 0.31, 0.25, 0.10),
        tumour_site_p=(0.36, 0.30, 0.34),
        cea_log_shift=-0.15, cea_missing=0.03,
        recurrence_shift=-0.3, hazard_shift=-0.2,
        diagnosis_years=(2016, 2023),
    ),
)


def resident_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a PRC resident ID (GB 11643-1999).

    ``first17`` is the region code, birth date and sequence number (17 digits); the result
    is ``'0'``–``'9'`` or ``'X'`` (the value 10).
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise InputError("a resident ID body must be 17 ASCII digits", field="resident_id")
    total = sum(int(c) * int(w) for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def generate_cohorts(
    seed: int = 2026, sizes: Sequence[int] = (5000, 3000, 2000)
) -> list[pd.DataFrame]:
    """One synthetic CRC table per hospital, in the order of :data:`SITE_PROFILES`.

    ``sizes`` gives the number of patients per site (at most one per profile). The same
    ``seed`` always yields identical tables; site *i* depends only on ``seed`` and *i*.
    The identifying columns (:data:`IDENTIFYING_COLUMNS`) are realistic on purpose and must
    never leave a site.
    """
    if len(sizes) > len(SITE_PROFILES):
        raise InputError(f"at most {len(SITE_PROFILES)} sites, got {len(sizes)}", field="sizes")
    if any(int(n) < 0 for n in sizes):
        raise InputError("site sizes must be non-negative", field="sizes")
    frames = []
    for i, (n, profile) in enumerate(zip(sizes, SITE_PROFILES, strict=False)):
        seq = np.random.SeedSequence([seed, i])
        rng_seq, faker_seq = seq.spawn(2)
        fake = Faker(["zh_CN", "en_US"])
        fake.seed_instance(int(faker_seq.generate_state(1)[0]))
        frames.append(_site_frame(int(n), profile, np.random.default_rng(rng_seq), fake))
    return frames


def write_site_data(df: pd.DataFrame, folder: Path, fmt: str = "parquet") -> Path:
    """Write ``df`` to ``folder/crc.parquet`` (or ``crc.csv``) atomically; return the path.

    The file appears complete or not at all (temporary file, then rename), so a node that
    registers the dataset never reads half a table. CSV is UTF-8; a reader must keep
    ``resident_id``, ``phone`` and ``mrn`` as strings.
    """
    if fmt not in ("parquet", "csv"):
        raise InputError(f"unknown format {fmt!r}; use 'parquet' or 'csv'", field="fmt")
    target = folder / f"crc.{fmt}"
    with atomic_file(target) as f:
        if fmt == "parquet":
            df.to_parquet(f, index=False)
        else:
            f.write(df.to_csv(index=False).encode("utf-8"))
    return target


def _truncated_normal(
    rng: np.random.Generator, n: int, mean: float, sd: float, lo: float, hi: float
) -> np.ndarray:
    """Normal draws redrawn until inside [lo, hi] (no pile-up at the bounds, as clipping gives)."""
    x = rng.normal(mean, sd, n)
    bad = (x < lo) | (x > hi)
    while bad.any():
        x[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = (x < lo) | (x > hi)
    return x


def _categorical(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """One category index per row of the (n, k) probability matrix ``p``."""
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = rng.random((p.shape[0], 1))
    index: np.ndarray = np.minimum((u > cum).sum(axis=1), p.shape[1] - 1)
    return index


def _resident_ids(
    rng: np.random.Generator, regions: tuple[str, ...], birth: np.ndarray, male: np.ndarray
) -> np.ndarray:
    """GB 11643-1999 IDs, unique within the site; sequence parity encodes sex (odd = male)."""
    n = len(birth)
    if n == 0:  # np.char.replace cannot size an empty result
        return np.asarray([], dtype=str)
    region = np.asarray(regions)[rng.integers(0, len(regions), n)]
    ymd = np.char.replace(np.datetime_as_string(birth, unit="D"), "-", "")
    prefix = np.char.add(region, ymd)

    def sequence(k: int, is_male: np.ndarray) -> np.ndarray:
        # Male 001..999 odd, female 002..998 even.
        return np.where(is_male, 2 * rng.integers(0, 500, k) + 1, 2 * rng.integers(1, 500, k))

    seq = sequence(n, male)
    while True:
        body = np.char.add(prefix, np.char.zfill(seq.astype(str), 3))
        dup = np.ones(n, dtype=bool)
        dup[np.unique(body, return_index=True)[1]] = False  # each first occurrence keeps it
        if not dup.any():
            break
        seq[dup] = sequence(int(dup.sum()), male[dup])
    digits = body.astype("S17").view(np.uint8).reshape(n, 17).astype(np.int64) - ord("0")
    check = np.asarray(list(_ID_CHECK))[(digits @ _ID_WEIGHTS) % 11]
    return np.char.add(body, check)


def _phones(rng: np.random.Generator, n: int, us: np.ndarray) -> np.ndarray:
    prefix = np.asarray(_CN_MOBILE_PREFIXES)[rng.integers(0, len(_CN_MOBILE_PREFIXES), n)]
    rest = rng.integers(0, 10**8, n)
    cn = [f"{p}{r:08d}" for p, r in zip(prefix, rest, strict=True)]
    # NANP: area code and exchange start with 2-9; the area code's middle digit is not 9.
    area = rng.integers(2, 10, n) * 100 + rng.integers(0, 9, n) * 10 + rng.integers(0, 10, n)
    exchange = rng.integers(200, 1000, n)
    line = rng.integers(0, 10_000, n)
    return np.asarray(
        [f"({a}) {e}-{x:04d}" if u else c
         for c, a, e, x, u in zip(cn, area, exchange, line, us, strict=True)],
        dtype=str,
    )


def _names(fake: Faker, chinese: np.ndarray, male: np.ndarray) -> np.ndarray:
    zh, en = fake["zh_CN"], fake["en_US"]
    out = []
    for is_zh, is_male in zip(chinese, male, strict=True):
        if is_zh:
            given = zh.first_name_male() if is_male else zh.first_name_female()
            out.append(zh.last_name() + given)
        else:
            given = en.first_name_male() if is_male else en.first_name_female()
            out.append(f"{given} {en.last_name()}")
    return np.asarray(out, dtype=str)


def _site_frame(
    n: int, profile: SiteProfile, rng: np.random.Generator, fake: Faker
) -> pd.DataFrame:
    pr = profile
    male = rng.random(n) < pr.male_share
    first = np.datetime64(f"{pr.diagnosis_years[0]}-01-01")
    last = np.datetime64(f"{pr.diagnosis_years[1]}-12-31")
    diagnosis = first + rng.integers(0, int((last - first).astype(int)) + 1, n).astype(
        "timedelta64[D]")
    age_draw = _truncated_normal(rng, n, pr.age_mean, pr.age_sd, 22.0, 95.0)
    birth = diagnosis - np.rint(age_draw * _DAYS_PER_YEAR).astype("timedelta64[D]")
    age = np.round((diagnosis - birth).astype(np.int64) / _DAYS_PER_YEAR, 2)

    eth_names = np.asarray([e for e, _ in pr.ethnicity])
    eth_p = np.asarray([p for _, p in pr.ethnicity])
    ethnicity = eth_names[rng.choice(len(eth_names), n, p=eth_p / eth_p.sum())]

    stage = rng.choice(4, n, p=np.asarray(pr.stage_p))
    tumour = rng.choice(3, n, p=np.asarray(pr.tumour_site_p))
    bmi = np.round(_truncated_normal(rng, n, pr.bmi_mean, 3.4, 15.0, 45.0)
                   - 1.0 * (stage == 3), 1)  # cachexia in stage IV

    msi_high = rng.random(n) < _MSI_H_P[tumour] * np.where(stage == 3, 0.5, 1.0)
    log_cea = (np.log(_CEA_MEDIAN[stage]) + pr.cea_log_shift
               + _CEA_LOG_SD[stage] * rng.standard_normal(n))
    cea_true = np.maximum(np.round(np.exp(log_cea), 2), 0.2)  # assay's lower limit

    treat_p = _TREATMENT_P[stage] * np.where(
        (age >= 80)[:, None], _ELDERLY_TREATMENT_FACTOR[None, :], 1.0)
    treatment = _categorical(rng, treat_p)
    no_chemo_stage3 = (stage == 2) & (treatment == 0)

    logit = (pr.recurrence_shift + _RECURRENCE_LOGIT[stage] + 0.35 * np.log(cea_true / 3.0)
             - 0.6 * msi_high + 0.4 * no_chemo_stage3)
    recurrence = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)

    log_hazard = (_LOG_HAZARD[stage] + 0.035 * (age - 65.0) + 0.9 * recurrence
                  - 0.35 * msi_high + 0.3 * (treatment == 3) + pr.hazard_shift)
    event_time = (rng.exponential(1.0, n) / (_WEIBULL_RATE * np.exp(log_hazard))) ** (
        1.0 / _WEIBULL_SHAPE)
    loss_time = rng.exponential(_LOSS_MEAN_MONTHS, n)
    admin_time = (DATA_CUTOFF - diagnosis).astype(np.int64) / _DAYS_PER_MONTH
    followup = np.minimum(np.minimum(event_time, loss_time), admin_time)
    status = (event_time <= np.minimum(loss_time, admin_time)).astype(np.int64)
    followup = np.maximum(np.round(followup, 2), 0.01)

    cea = np.where(rng.random(n) < pr.cea_missing, np.nan, cea_true)

    chinese = (rng.random(n) < pr.other_locale_share) ^ (pr.name_locale == "zh_CN")
    us_phone = ~chinese if pr.phone_style == "us" else np.zeros(n, dtype=bool)
    resident_id = _resident_ids(rng, pr.region_codes, birth, male)
    phone = _phones(rng, n, us_phone)
    mrn_numbers = rng.choice(90_000_000, n, replace=False) + 10_000_000
    mrn = np.asarray([f"{pr.mrn_prefix}{m}" for m in mrn_numbers], dtype=str)
    names = _names(fake, chinese, male)

    data = {
        "patient_name": names,
        "resident_id": resident_id,
        "phone": phone,
        "mrn": mrn,
        "sex": np.where(male, "M", "F"),
        "birth_date": np.datetime_as_string(birth, unit="D"),
        "age": age.astype(np.float64),
        "diagnosis_date": np.datetime_as_string(diagnosis, unit="D"),
        "ethnicity": ethnicity,
        "bmi": bmi.astype(np.float64),
        "stage": np.asarray(STAGES)[stage],
        "tumour_site": np.asarray(TUMOUR_SITES)[tumour],
        "cea": cea.astype(np.float64),
        "msi": np.where(msi_high, "MSI-H", "MSS"),
        "treatment": np.asarray(TREATMENTS)[treatment],
        "recurrence": recurrence,
        "followup_months": followup.astype(np.float64),
        "status": status,
    }
    return pd.DataFrame({c: data[c] for c in COLUMNS})
