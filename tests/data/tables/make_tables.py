"""Regenerate the classification test tables and their truth (``truth.json``).

    .venv/bin/python tests/data/tables/make_tables.py

Every value is synthetic (seeded numpy + Faker; resident IDs get valid GB 11643 check
characters). The truth of each column is what the column *is* by construction, written
here by hand, not what the classifier says; ``tests/classify`` checks the classifier
against it and the lead computes column-type accuracy over it.

Files:
  crc_cohort.csv             UTF-8, English headers: the demo's CRC cohort (three hospitals)
  inpatient_gbk.csv          GBK, Chinese headers: an inpatient register with a 病程记录 note
  outpatient_pinyin.parquet  pinyin-abbreviation headers, typed columns (dates, floats)
  special_misleading.csv     UTF-8: misleading headers whose values decide, and special
                             categories (HIV, psychiatric, genetic, substance use) => grade 5
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from faker import Faker

from medveil.demo._cohort import generate_cohorts, resident_id_check_char

HERE = Path(__file__).parent
SEED = 39725

PA, HS, MA, MP, HR = (
    "personal_attribute", "health_status", "medical_application", "medical_payment",
    "health_resource",
)


def truth(identifier_type: str | None, qi: bool, category: str, grade: int,
          free_text: bool = False) -> dict[str, object]:
    return {"identifier_type": identifier_type, "quasi_identifier": qi, "category": category,
            "grade": grade, "free_text": free_text}


def resident_id(rng: np.random.Generator, birth: str, male: bool) -> str:
    region = str(rng.choice(["110105", "450103", "310104", "440104", "510107"]))
    seq = int(rng.integers(0, 500)) * 2 + (1 if male else 2)
    body = f"{region}{birth.replace('-', '')}{seq % 1000:03d}"
    return body + resident_id_check_char(body)


def cn_mobile(rng: np.random.Generator) -> str:
    return f"1{rng.choice([3, 5, 8, 9])}{rng.integers(0, 10)}{rng.integers(0, 10**8):08d}"


def birth_dates(rng: np.random.Generator, n: int) -> list[str]:
    start = np.datetime64("1935-01-01")
    days = rng.integers(0, 365 * 65, n)
    return [str(start + np.timedelta64(int(d), "D")) for d in days]


def luhn_complete(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


# --- 1. the demo cohort ------------------------------------------------------------------

def crc_cohort() -> tuple[pd.DataFrame, dict[str, object]]:
    df = pd.concat(generate_cohorts(seed=SEED, sizes=(120, 60, 120)), ignore_index=True)
    age_type = "AGE_OVER_89" if (df["age"] >= 90).any() else None
    cols = {
        "patient_name": truth("PERSON", False, PA, 4),
        "resident_id": truth("CN_RESIDENT_ID", False, PA, 4),
        "phone": truth("PHONE", False, PA, 4),
        "mrn": truth("MRN", False, PA, 4),
        "sex": truth(None, True, PA, 3),
        "birth_date": truth("DATE", True, PA, 3),
        "age": truth(age_type, True, PA, 3),
        "diagnosis_date": truth("DATE", True, MA, 3),
        "ethnicity": truth(None, True, PA, 3),
        "bmi": truth(None, False, HS, 2),
        "stage": truth(None, False, HS, 2),
        "tumour_site": truth(None, False, HS, 2),
        "cea": truth(None, False, HS, 2),
        "msi": truth(None, False, HS, 2),
        "treatment": truth(None, False, MA, 2),
        "recurrence": truth(None, False, HS, 2),
        "followup_months": truth(None, False, HS, 2),
        "status": truth(None, False, HS, 2),
    }
    return df, cols


# --- 2. a GBK inpatient register with Chinese headers -----------------------------------

def inpatient(rng: np.random.Generator, fake: Faker) -> tuple[pd.DataFrame, dict[str, object]]:
    n = 150
    male = rng.random(n) < 0.55
    births = birth_dates(rng, n)
    names = [fake.last_name() + (fake.first_name_male() if m else fake.first_name_female())
             for m in male]
    phones = [cn_mobile(rng) for _ in range(n)]
    admit = [str(np.datetime64("2021-01-01") + np.timedelta64(int(d), "D"))
             for d in rng.integers(0, 900, n)]
    age = [int(a[:4]) - int(b[:4]) for a, b in zip(admit, births, strict=True)]
    diagnoses = [("结肠恶性肿瘤", "C18.7"), ("直肠恶性肿瘤", "C20.x00"), ("2型糖尿病", "E11.9"),
                 ("原发性高血压", "I10.x00"), ("社区获得性肺炎", "J18.9"), ("急性阑尾炎", "K35.8")]
    dx = [diagnoses[i] for i in rng.integers(0, len(diagnoses), n)]
    symptoms = ["腹痛三天", "便血一周", "发热咳嗽五天", "头晕乏力两月", "右下腹痛一天"]
    notes = [
        f"患者{nm}，{'男' if m else '女'}，{a}岁，因{symptoms[int(rng.integers(0, 5))]}于"
        f"{ad}入院。既往体健，否认药物过敏史。家属联系电话{cn_mobile(rng)}，"
        f"主治医生查房后建议完善相关检查。"
        for nm, m, a, ad in zip(names, male, age, admit, strict=True)
    ]
    df = pd.DataFrame({
        "姓名": names,
        "性别": np.where(male, "男", "女"),
        "出生日期": births,
        "年龄": age,
        "民族": rng.choice(["汉族", "壮族", "回族", "满族", "瑶族"], n, p=[.8, .1, .04, .03, .03]),
        "婚姻状况": rng.choice(["已婚", "未婚", "离异", "丧偶"], n),
        "职业": rng.choice(["农民", "工人", "教师", "退休人员", "个体经营者", "公务员"], n),
        "身份证号": [resident_id(rng, b, bool(m)) for b, m in zip(births, male, strict=True)],
        "联系电话": phones,
        "家庭住址": [fake.address().rsplit(" ", 1)[0] for _ in range(n)],
        "邮编": [f"{rng.integers(100000, 860000)}" for _ in range(n)],
        "住院号": [f"ZY{rng.integers(10**7, 10**8)}" for _ in range(n)],
        "入院日期": admit,
        "科室": rng.choice(["胃肠外科", "普外科", "内分泌科", "心内科", "呼吸内科"], n),
        "主治医生": [fake.name() for _ in range(n)],
        "主要诊断": [d[0] for d in dx],
        "ICD编码": [d[1] for d in dx],
        "医保卡号": [f"G{rng.integers(10**9, 10**10)}" for _ in range(n)],
        "医保类型": rng.choice(["城镇职工基本医疗保险", "城乡居民基本医疗保险", "自费"], n),
        "总费用": np.round(rng.lognormal(9.5, 0.6, n), 2),
        "病程记录": notes,
    })
    cols = {
        "姓名": truth("PERSON", False, PA, 4),
        "性别": truth(None, True, PA, 3),
        "出生日期": truth("DATE", True, PA, 3),
        "年龄": truth(None, True, PA, 3),
        "民族": truth(None, True, PA, 3),
        "婚姻状况": truth(None, True, PA, 3),
        "职业": truth(None, True, PA, 3),
        "身份证号": truth("CN_RESIDENT_ID", False, PA, 4),
        "联系电话": truth("PHONE", False, PA, 4),
        "家庭住址": truth("LOCATION", False, PA, 4),
        "邮编": truth("LOCATION", True, PA, 3),
        "住院号": truth("MRN", False, PA, 4),
        "入院日期": truth("DATE", True, MA, 3),
        "科室": truth(None, False, HR, 2),
        "主治医生": truth("PERSON", False, HR, 2),
        "主要诊断": truth(None, False, HS, 3),
        "ICD编码": truth(None, False, HS, 3),
        "医保卡号": truth("HEALTH_PLAN_ID", False, PA, 4),
        "医保类型": truth(None, False, MP, 2),
        "总费用": truth(None, False, MP, 2),
        "病程记录": truth(None, False, MA, 4, free_text=True),
    }
    return df, cols


# --- 3. pinyin headers, typed Parquet ----------------------------------------------------

def outpatient(rng: np.random.Generator, fake: Faker) -> tuple[pd.DataFrame, dict[str, object]]:
    n = 200
    male = rng.random(n) < 0.5
    births = birth_dates(rng, n)
    visit = pd.to_datetime("2022-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    df = pd.DataFrame({
        "xm": [fake.name() for _ in range(n)],
        "xb": np.where(male, "1", "2"),
        "csrq": [b.replace("-", "") for b in births],
        "nl": [2023 - int(b[:4]) for b in births],
        "sfzh": [resident_id(rng, b, bool(m)) for b, m in zip(births, male, strict=True)],
        "lxdh": [cn_mobile(rng) for _ in range(n)],
        "mzh": [f"MZ{rng.integers(10**8, 10**9)}" for _ in range(n)],
        "jzrq": visit.date,
        "ks": rng.choice(["消化内科", "普外科", "中医科", "皮肤科"], n),
        "ysxm": [fake.name() for _ in range(n)],
        "zdbm": rng.choice(["K29.7", "K21.0", "C18.9", "L20.9", "J06.9"], n),
        "fy": np.round(rng.lognormal(5.5, 0.8, n), 2),
        "ybkh": [f"45{rng.integers(10**10, 10**11)}" for _ in range(n)],
        "hyzk": rng.choice(["10", "20", "30", "40"], n),
        "mz": rng.choice(["01", "08", "03"], n),
        "yzbm": [f"{rng.integers(100000, 860000)}" for _ in range(n)],
    })
    cols = {
        "xm": truth("PERSON", False, PA, 4),
        "xb": truth(None, True, PA, 3),
        "csrq": truth("DATE", True, PA, 3),
        "nl": truth(None, True, PA, 3),
        "sfzh": truth("CN_RESIDENT_ID", False, PA, 4),
        "lxdh": truth("PHONE", False, PA, 4),
        "mzh": truth("MRN", False, PA, 4),
        "jzrq": truth("DATE", True, MA, 3),
        "ks": truth(None, False, HR, 2),
        "ysxm": truth("PERSON", False, HR, 2),
        "zdbm": truth(None, False, HS, 3),
        "fy": truth(None, False, MP, 2),
        "ybkh": truth("HEALTH_PLAN_ID", False, PA, 4),
        "hyzk": truth(None, True, PA, 3),
        "mz": truth(None, True, PA, 3),
        "yzbm": truth("LOCATION", True, PA, 3),
    }
    return df, cols


# --- 4. misleading headers and special categories ----------------------------------------

def special(rng: np.random.Generator, fake_en: Faker) -> tuple[pd.DataFrame, dict[str, object]]:
    n = 120
    male = rng.random(n) < 0.5
    births = birth_dates(rng, n)
    names = [fake_en.name() for _ in range(n)]
    visit = [str(np.datetime64("2023-01-01") + np.timedelta64(int(d), "D"))
             for d in rng.integers(0, 365, n)]
    dx_pool = ["C18.7", "I10", "E11.9", "K35.8", "J18.9", "F32.1", "B20", "A53.9"]
    notes = [
        f"Patient {nm} seen in clinic on {v}. Reports fatigue and weight loss. "
        f"Daughter can be reached at ({rng.integers(200, 999)}) {rng.integers(200, 999)}-"
        f"{rng.integers(0, 10000):04d}. Plan: colonoscopy, CBC, review in two weeks."
        for nm, v in zip(names, visit, strict=True)
    ]
    summaries = [
        "Discharged in stable condition. " + (
            "Known HIV infection on antiretroviral therapy, viral load undetectable."
            if i % 4 == 0 else "No significant past medical history. Tolerated diet.")
        for i in range(n)
    ]
    df = pd.DataFrame({
        "patient": names,
        "phone": [resident_id(rng, b, bool(m)) for b, m in zip(births, male, strict=True)],
        "code": [fake_en.email() for _ in range(n)],
        "remark": [cn_mobile(rng) for _ in range(n)],
        "status": np.where(male, "M", "F"),
        "visit": visit,
        "card": [luhn_complete(f"6222{rng.integers(10**10, 10**11)}") for _ in range(n)],
        "ip": [f"10.{rng.integers(0, 256)}.{rng.integers(0, 256)}.{rng.integers(1, 255)}"
               for _ in range(n)],
        "hospital": "Springfield General Hospital",
        "bmi": np.round(rng.normal(24, 3.5, n), 1),
        "hiv_status": rng.choice(["positive", "negative"], n, p=[0.1, 0.9]),
        "psych_dx": rng.choice(["F20.0", "F31.2", "F32.1", "F41.1"], n),
        "dx_code": rng.choice(dx_pool, n),
        "genotype": rng.choice(["AA", "AG", "GG"], n),
        "substance_use": rng.choice(["yes", "no"], n),
        "clinical_note": notes,
        "discharge_summary": summaries,
    })
    cols = {
        "patient": truth("PERSON", False, PA, 4),
        "phone": truth("CN_RESIDENT_ID", False, PA, 4),
        "code": truth("EMAIL", False, PA, 4),
        "remark": truth("PHONE", False, PA, 4),
        "status": truth(None, True, PA, 3),
        "visit": truth("DATE", True, MA, 3),
        "card": truth("ACCOUNT", False, PA, 4),
        "ip": truth("IP_ADDRESS", False, PA, 4),
        "hospital": truth(None, False, HR, 1),
        "bmi": truth(None, False, HS, 2),
        "hiv_status": truth(None, False, HS, 5),
        "psych_dx": truth(None, False, HS, 5),
        "dx_code": truth(None, False, HS, 5),
        "genotype": truth(None, False, HS, 5),
        "substance_use": truth(None, False, HS, 5),
        "clinical_note": truth(None, False, MA, 4, free_text=True),
        "discharge_summary": truth(None, False, MA, 5, free_text=True),
    }
    return df, cols


def main() -> None:
    rng = np.random.default_rng(SEED)
    fake_zh = Faker("zh_CN")
    fake_zh.seed_instance(SEED)
    fake_en = Faker("en_US")
    fake_en.seed_instance(SEED)
    files: dict[str, object] = {}

    df, cols = crc_cohort()
    df.to_csv(HERE / "crc_cohort.csv", index=False, encoding="utf-8")
    files["crc_cohort.csv"] = {"encoding": "utf-8", "rows": len(df), "columns": cols}

    df, cols = inpatient(rng, fake_zh)
    df.to_csv(HERE / "inpatient_gbk.csv", index=False, encoding="gbk")
    files["inpatient_gbk.csv"] = {"encoding": "gbk", "rows": len(df), "columns": cols}

    df, cols = outpatient(rng, fake_zh)
    df.to_parquet(HERE / "outpatient_pinyin.parquet", index=False)
    files["outpatient_pinyin.parquet"] = {"encoding": None, "rows": len(df), "columns": cols}

    df, cols = special(rng, fake_en)
    df.to_csv(HERE / "special_misleading.csv", index=False, encoding="utf-8")
    files["special_misleading.csv"] = {"encoding": "utf-8", "rows": len(df), "columns": cols}

    for entry in files.values():
        assert isinstance(entry, dict)
        entry["grade"] = max(c["grade"] for c in entry["columns"].values())
    doc = {
        "description": "Expected class of every column of the tables in this folder "
                       "(by construction; see make_tables.py). Keys per column: "
                       "identifier_type (medveil.detect.EntityType name or null), "
                       "quasi_identifier, category (GB/T 39725-2020 key), grade (1-5), "
                       "free_text.",
        "files": files,
    }
    (HERE / "truth.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n",
                                     encoding="utf-8")


if __name__ == "__main__":
    main()
