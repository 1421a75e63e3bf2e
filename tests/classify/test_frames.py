from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from medveil.classify import ColumnClass, Rules, TableClass, classify_frame
from medveil.demo._cohort import generate_cohorts, resident_id_check_char
from medveil.detect import EntityType
from medveil.errors import InputError
from tests.classify.conftest import RegexDetector

PA, HS, MA, MP, HR = (
    "personal_attribute", "health_status", "medical_application", "medical_payment",
    "health_resource",
)
T = EntityType


def expect(c: ColumnClass, identifier_type: EntityType | None, qi: bool, category: str,
           grade: int) -> None:
    got = (c.identifier_type, c.quasi_identifier, c.category, c.grade)
    assert got == (identifier_type, qi, category, grade), (c.column, c.rules)


def resident_ids(rng: np.random.Generator, n: int) -> list[str]:
    out = []
    for _ in range(n):
        birth = f"{rng.integers(1940, 2000)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
        body = f"110105{birth}{rng.integers(0, 1000):03d}"
        out.append(body + resident_id_check_char(body))
    return out


def mobiles(rng: np.random.Generator, n: int) -> list[str]:
    return [f"13{rng.integers(0, 10)}{rng.integers(0, 10**8):08d}" for _ in range(n)]


ZH_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴婷",
            "徐明", "孙丽", "马超", "朱红", "胡军", "郭燕", "何平", "林峰", "罗兰", "欧阳娜"]


@pytest.fixture(scope="module")
def crc() -> TableClass:
    df = pd.concat(generate_cohorts(seed=7, sizes=(400, 200, 400)), ignore_index=True)
    return classify_frame(df, source="crc", rows_total=len(df))


@pytest.mark.parametrize(("column", "identifier_type", "qi", "category", "grade"), [
    ("patient_name", T.PERSON, False, PA, 4),
    ("resident_id", T.CN_RESIDENT_ID, False, PA, 4),
    ("phone", T.PHONE, False, PA, 4),
    ("mrn", T.MRN, False, PA, 4),
    ("sex", None, True, PA, 3),
    ("birth_date", T.DATE, True, PA, 3),
    ("diagnosis_date", T.DATE, True, MA, 3),
    ("ethnicity", None, True, PA, 3),
    ("bmi", None, False, HS, 2),
    ("stage", None, False, HS, 2),
    ("tumour_site", None, False, HS, 2),
    ("cea", None, False, HS, 2),
    ("msi", None, False, HS, 2),
    ("treatment", None, False, MA, 2),
    ("recurrence", None, False, HS, 2),
    ("followup_months", None, False, HS, 2),
    ("status", None, False, HS, 2),
])
def test_crc_cohort_columns(crc: TableClass, column: str, identifier_type: EntityType | None,
                            qi: bool, category: str, grade: int) -> None:
    expect(crc.column(column), identifier_type, qi, category, grade)


def test_crc_cohort_table(crc: TableClass) -> None:
    assert crc.grade == 4
    assert crc.rows_total == crc.rows_sampled == 1000
    assert [c.column for c in crc.columns][:4] == ["patient_name", "resident_id", "phone", "mrn"]
    age = crc.column("age")
    assert age.quasi_identifier and age.grade == 3
    # Ages of 90 and over are a HIPAA identifier of their own.
    assert age.identifier_type == T.AGE_OVER_89
    assert age.rules == ("header:age", "value:age_years", "value:age_over_89")
    assert crc.column("resident_id").rules == ("header:resident_id", "value:cn_resident_id")
    assert all(not c.free_text and not c.entity_counts for c in crc.columns)
    assert all(c.category_zh for c in crc.columns)


def test_chinese_headers(detector: RegexDetector) -> None:
    rng = np.random.default_rng(1)
    n = 40
    df = pd.DataFrame({
        "患者姓名": [ZH_NAMES[i % 20] for i in range(n)],
        "性别": rng.choice(["男", "女"], n),
        "出生日期": [f"19{rng.integers(40, 99)}年{rng.integers(1, 13)}月{rng.integers(1, 29)}日"
                 for _ in range(n)],
        "年龄": rng.integers(18, 89, n),
        "民族": rng.choice(["汉族", "壮族", "回族"], n),
        "婚姻状况": rng.choice(["已婚", "未婚"], n),
        "职业": rng.choice(["农民", "教师"], n),
        "身份证号码": resident_ids(rng, n),
        "手机号": mobiles(rng, n),
        "现住址": ["广西壮族自治区南宁市青秀区民族大道100号"] * n,
        "邮政编码": ["530021"] * n,
        "病案号": [f"{rng.integers(10**6, 10**7)}" for _ in range(n)],
        "入院时间": ["2024-03-05 08:30:00"] * n,
        "出院诊断": rng.choice(["结肠癌", "直肠癌"], n),
        "住院总费用": rng.uniform(1000, 90000, n).round(2),
        "医保类型": rng.choice(["职工医保", "居民医保"], n),
        "科室名称": ["胃肠外科"] * n,
        "主治医师": ["赵大夫"] * n,
        "医院名称": ["南宁市第一人民医院"] * n,
    })
    tc = classify_frame(df, detector=detector)
    expect(tc.column("患者姓名"), T.PERSON, False, PA, 4)
    expect(tc.column("性别"), None, True, PA, 3)
    expect(tc.column("出生日期"), T.DATE, True, PA, 3)
    expect(tc.column("年龄"), None, True, PA, 3)
    for col in ("民族", "婚姻状况", "职业"):
        expect(tc.column(col), None, True, PA, 3)
    expect(tc.column("身份证号码"), T.CN_RESIDENT_ID, False, PA, 4)
    expect(tc.column("手机号"), T.PHONE, False, PA, 4)
    expect(tc.column("现住址"), T.LOCATION, False, PA, 4)
    expect(tc.column("邮政编码"), T.LOCATION, True, PA, 3)
    expect(tc.column("病案号"), T.MRN, False, PA, 4)
    expect(tc.column("入院时间"), T.DATE, True, MA, 3)
    expect(tc.column("出院诊断"), None, False, HS, 3)
    expect(tc.column("住院总费用"), None, False, MP, 2)
    expect(tc.column("医保类型"), None, False, MP, 2)
    expect(tc.column("科室名称"), None, False, HR, 2)
    expect(tc.column("主治医师"), T.PERSON, False, HR, 2)
    expect(tc.column("医院名称"), None, False, HR, 1)
    assert tc.grade == 4
    assert tc.column("患者姓名").category_zh == "个人属性数据"
    assert detector.calls == 0  # nothing here is free text


def test_pinyin_headers(detector: RegexDetector) -> None:
    rng = np.random.default_rng(2)
    n = 30
    df = pd.DataFrame({
        "xm": [ZH_NAMES[i % 20] for i in range(n)],
        "xb": rng.choice(["1", "2"], n),
        "csrq": ["19650302"] * n,
        "nl": rng.integers(20, 80, n),
        "sfzh": resident_ids(rng, n),
        "lxdh": mobiles(rng, n),
        "zyh": [f"{rng.integers(10**5, 10**6)}" for _ in range(n)],
        "ryrq": pd.to_datetime(["2024-01-02"] * n),
        "zdbm": rng.choice(["C18.7", "K35.8"], n),
        "ks": ["外科"] * n,
        "zfy": rng.uniform(100, 1000, n),
        "ybkh": [f"{rng.integers(10**9, 10**10)}" for _ in range(n)],
        "mz": ["01"] * n,
        "hyzk": ["20"] * n,
    })
    tc = classify_frame(df, detector=detector)
    expect(tc.column("xm"), T.PERSON, False, PA, 4)
    expect(tc.column("xb"), None, True, PA, 3)
    assert tc.column("xb").rules == ("header:sex", "value:sex_numeric")
    expect(tc.column("csrq"), T.DATE, True, PA, 3)
    expect(tc.column("nl"), None, True, PA, 3)
    expect(tc.column("sfzh"), T.CN_RESIDENT_ID, False, PA, 4)
    expect(tc.column("lxdh"), T.PHONE, False, PA, 4)
    expect(tc.column("zyh"), T.MRN, False, PA, 4)
    expect(tc.column("ryrq"), T.DATE, True, MA, 3)
    expect(tc.column("zdbm"), None, False, HS, 3)
    expect(tc.column("ks"), None, False, HR, 2)
    expect(tc.column("zfy"), None, False, MP, 2)
    expect(tc.column("ybkh"), T.HEALTH_PLAN_ID, False, PA, 4)
    expect(tc.column("mz"), None, True, PA, 3)
    expect(tc.column("hyzk"), None, True, PA, 3)


def test_values_decide_when_headers_mislead(detector: RegexDetector) -> None:
    rng = np.random.default_rng(3)
    n = 50
    df = pd.DataFrame({
        "phone": resident_ids(rng, n),  # header says phone, values are resident IDs
        "diagnosis": mobiles(rng, n),
        "code": [f"user{i}@example.org" for i in range(n)],
        "status": rng.choice(["M", "F"], n),
        "col7": pd.date_range("2020-01-01", periods=n).strftime("%Y/%m/%d"),
        "misc": [f"192.168.{i}.{i + 1}" for i in range(n)],
        "who": [ZH_NAMES[i % 20] for i in range(n)],
        "where": [f"浙江省杭州市西湖区文三路{i}号" for i in range(n)],
        "xx": [f"{rng.integers(10**8, 10**9)}" for _ in range(n)],
    })
    tc = classify_frame(df, detector=detector)
    phone = tc.column("phone")
    expect(phone, T.CN_RESIDENT_ID, False, PA, 4)
    assert phone.rules == ("value:cn_resident_id", "overrides:header:phone")
    expect(tc.column("diagnosis"), T.PHONE, False, PA, 4)
    assert tc.column("diagnosis").rules == ("value:phone", "overrides:header:diagnosis")
    expect(tc.column("code"), T.EMAIL, False, PA, 4)
    expect(tc.column("status"), None, True, PA, 3)
    assert "overrides:header:clinical_measure" in tc.column("status").rules
    expect(tc.column("col7"), T.DATE, True, MA, 3)
    expect(tc.column("misc"), T.IP_ADDRESS, False, PA, 4)
    expect(tc.column("who"), T.PERSON, False, PA, 4)
    assert tc.column("who").rules == ("value:person_name",)
    expect(tc.column("where"), T.LOCATION, False, PA, 4)
    xx = tc.column("xx")  # unnamed numbers: nothing to say, the default applies
    expect(xx, None, False, HS, 2)
    assert xx.rules == ("default",)


def test_confidence_combines_header_and_values(detector: RegexDetector) -> None:
    rng = np.random.default_rng(4)
    n = 50
    ids = resident_ids(rng, n)
    df = pd.DataFrame({
        "sfzh": ids,                               # header and values agree
        "shenfen": ids,                            # values alone (no header rule)
        "id_card": [f"X{i:05d}" for i in range(n)],  # header alone; values contradict it
        "mrn": [f"A{i:07d}" for i in range(n)],    # header alone; no check for MRNs
        "phone": ids,                              # values override the header
    })
    tc = classify_frame(df, detector=detector)
    agree, values, contradicted, header, override = (
        tc.column(c).confidence for c in ("sfzh", "shenfen", "id_card", "mrn", "phone"))
    assert agree == pytest.approx(1 - (1 - 0.9) * (1 - 0.99))
    assert values == pytest.approx(0.99)
    assert header == pytest.approx(0.9)
    assert contradicted == pytest.approx(0.9 * 0.5)
    assert override == pytest.approx(0.99 * 0.1 / (0.99 * 0.1 + 0.9 * 0.01))
    assert agree > values > override > header > contradicted
    assert tc.column("id_card").identifier_type == T.CN_RESIDENT_ID  # the header still names it


def test_special_categories_are_grade_5(detector: RegexDetector) -> None:
    rng = np.random.default_rng(5)
    n = 40
    df = pd.DataFrame({
        "hiv_result": rng.choice(["阳性", "阴性"], n),
        "艾滋病确诊日期": ["2021-05-06"] * n,  # a date column: the date rule is first
        "梅毒": rng.choice(["+", "-"], n),
        "psychiatric_diagnosis": rng.choice(["F20.0", "F32.1"], n),
        "icd10": rng.choice(["C18.7", "I10", "E11.9", "B20"], n, p=[.4, .3, .25, .05]),
        "diagnosis": rng.choice(["高血压", "2型糖尿病", "抑郁症"], n),
        "genotype": rng.choice(["AA", "AG", "GG"], n),
        "rs_id": [f"rs{rng.integers(10**5, 10**7)}" for _ in range(n)],
        "sexual_orientation": rng.choice(["heterosexual", "homosexual"], n),
        "吸毒史": rng.choice(["有", "无"], n),
        "人工流产次数": rng.integers(0, 3, n),
        "hiv": resident_ids(rng, n),  # values override the header, its grade is a floor
    })
    df.loc[0, "icd10"] = "B20"
    tc = classify_frame(df, detector=detector)
    for col in ("hiv_result", "梅毒", "genotype", "rs_id", "吸毒史", "人工流产次数"):
        assert tc.column(col).grade == 5, col
    expect(tc.column("sexual_orientation"), None, False, PA, 5)
    expect(tc.column("psychiatric_diagnosis"), None, False, HS, 5)
    assert tc.column("psychiatric_diagnosis").rules[:2] == ("header:psychiatric", "value:icd10")
    icd = tc.column("icd10")
    expect(icd, None, False, HS, 5)
    assert "value:icd10_special" in icd.rules
    dx = tc.column("diagnosis")
    expect(dx, None, False, HS, 5)
    assert dx.rules == ("header:diagnosis", "keyword:psychiatric")
    floor = tc.column("hiv")
    expect(floor, T.CN_RESIDENT_ID, False, PA, 5)
    assert floor.rules == ("value:cn_resident_id", "overrides:header:hiv", "floor:header:hiv")
    expect(tc.column("艾滋病确诊日期"), T.DATE, True, MA, 3)
    assert tc.grade == 5


def test_free_text_notes_are_scanned(detector: RegexDetector) -> None:
    rng = np.random.default_rng(6)
    n = 400
    zh = [f"患者{ZH_NAMES[i % 20]}，男，67岁，因腹痛入院，联系电话{mobiles(rng, 1)[0]}。"
          for i in range(n)]
    en = [f"Mr. Smith was seen today for abdominal pain; call ({rng.integers(200, 999)}) "
          f"555-{i:04d} with results." for i in range(n)]
    clean = ["Patient tolerated the procedure well and was discharged home in good condition."
             ] * n
    hiv = ["Routine review today. Patient is HIV positive, stable on antiretroviral therapy."] * n
    df = pd.DataFrame({"病程记录": zh, "comments": en, "narrative": clean, "summary": hiv,
                       "blob": zh})
    tc = classify_frame(df, detector=detector)
    note = tc.column("病程记录")
    assert note.free_text and note.identifier_type is None
    assert (note.category, note.grade) == (MA, 4)
    assert dict(note.entity_counts) == {"PERSON": 300, "PHONE": 300}
    assert note.rules == ("header:notes", "free_text", "entity:PERSON", "entity:PHONE")
    assert note.confidence == pytest.approx(0.9)
    comments = tc.column("comments")
    assert comments.free_text and comments.grade == 4
    assert set(comments.entity_counts) == {"PERSON", "PHONE"}
    clean_col = tc.column("narrative")
    assert clean_col.free_text and clean_col.grade == 2 and not clean_col.entity_counts
    assert tc.column("summary").grade == 5
    assert "keyword:hiv" in tc.column("summary").rules
    blob = tc.column("blob")  # no header rule: free text's own category and grade floor
    assert (blob.category, blob.grade, blob.free_text) == (MA, 4, True)
    assert blob.rules[0] == "free_text"
    # Only free_text.max_values values per free-text column reach the recognizers.
    assert detector.calls == 5 * 300


def test_typed_columns_are_read_as_text(detector: RegexDetector) -> None:
    n = 30
    df = pd.DataFrame({
        "contact": np.array([13812345678 + 7919 * i for i in range(n)], dtype=np.int64),
        "contact_f": np.array([13812345678.0 + 7919 * i for i in range(n)]),
        "when": pd.date_range("2021-01-01", periods=n, freq="D"),
        "flag": [True, False] * (n // 2),
        "empty": [None] * n,
    })
    tc = classify_frame(df, detector=detector)
    assert tc.column("contact").identifier_type == T.PHONE
    assert tc.column("contact_f").identifier_type == T.PHONE
    expect(tc.column("when"), T.DATE, True, MA, 3)
    assert tc.column("empty").rules == ("default",)


def test_to_dict_is_json_and_holds_no_values(detector: RegexDetector) -> None:
    rng = np.random.default_rng(8)
    ids = resident_ids(rng, 20)
    df = pd.DataFrame({"sfzh": ids, "note": [f"患者张伟 电话{m}，来院复查，情况稳定，继续观察随访。"
                                             for m in mobiles(rng, 20)]})
    tc = classify_frame(df, source="t.csv", detector=detector, rows_total=99)
    text = json.dumps(tc.to_dict(), ensure_ascii=False)
    doc = json.loads(text)
    assert doc["source"] == "t.csv" and doc["rows_total"] == 99 and doc["rows_sampled"] == 20
    assert doc["columns"][0]["identifier_type"] == "CN_RESIDENT_ID"
    assert doc["columns"][1]["entity_counts"] == {"PERSON": 20, "PHONE": 20}
    assert all(v not in text for v in ids)
    assert "张伟" not in text


def test_large_frames_are_sampled(detector: RegexDetector, rules: Rules) -> None:
    n = 25_000
    df = pd.DataFrame({"age": np.arange(n) % 80, "sex": ["M", "F"] * (n // 2)})
    tc = classify_frame(df, rules=rules, detector=detector, rows_total=n)
    assert tc.rows_sampled == 20_000 and tc.rows_total == n
    assert tc.column("sex").quasi_identifier


def test_empty_and_duplicate_columns(detector: RegexDetector) -> None:
    tc = classify_frame(pd.DataFrame({"姓名": pd.Series([], dtype=str)}), detector=detector)
    expect(tc.column("姓名"), T.PERSON, False, PA, 4)
    assert tc.rows_sampled == 0
    assert classify_frame(pd.DataFrame(), detector=detector).grade == 1
    dup = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(InputError, match="not unique"):
        classify_frame(dup, source="dup.csv", detector=detector)


def test_free_text_with_the_shipped_recognizers() -> None:
    rng = np.random.default_rng(9)
    n = 60
    zh = [f"患者{ZH_NAMES[i % 20]}，女，58岁，因便血一周入院，联系电话{m}，已告知家属。"
          for i, m in enumerate(mobiles(rng, n))]
    en = [f"Seen by Dr. Miller on 2023-0{1 + i % 9}-1{i % 10}. Call the patient at "
          f"(415) 555-{i:04d} to discuss the colonoscopy results." for i in range(n)]
    tc = classify_frame(pd.DataFrame({"病程记录": zh, "note": en}))  # default Detector
    for column in ("病程记录", "note"):
        c = tc.column(column)
        assert c.free_text and c.grade == 4 and c.category == MA, c.rules
        assert c.entity_counts.get("PHONE", 0) >= n * 0.9
        assert "entity:PHONE" in c.rules
    assert tc.column("病程记录").entity_counts.get("PERSON", 0) > 0
