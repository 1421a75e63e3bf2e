from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from medveil.classify import CATEGORIES, Rules, classify_frame, load_rules
from medveil.classify._load import BUILTIN_LABEL
from medveil.classify._rules import Header
from medveil.detect import EntityType
from medveil.errors import ConfigError


def test_shipped_rules_load_and_cover_the_standard(rules: Rules) -> None:
    assert rules.sources == (BUILTIN_LABEL,)
    assert sorted(rules.grades) == [1, 2, 3, 4, 5]
    assert {r.outcome.category for r in rules.header} == set(CATEGORIES)
    assert {r.outcome.grade for r in rules.header} == {1, 2, 3, 4, 5}
    assert len({r.id for r in rules.header}) == len(rules.header)
    assert set(rules.free_text.entity_grades) == set(EntityType)


@pytest.mark.parametrize(("header", "rule"), [
    ("patient_name", "name"), ("Name", "name"), ("姓名", "name"), ("患者姓名", "name"),
    ("xm", "name"), ("HZXM", "name"), ("PatientName", "name"), ("first_name", "name"),
    ("id_card", "resident_id"), ("身份证号", "resident_id"), ("sfzh", "resident_id"),
    ("ID Number", "resident_id"), ("phone", "phone"), ("手机号码", "phone"),
    ("联系电话", "phone"), ("lxdh", "phone"), ("Mobile", "phone"), ("addr", "address"),
    ("住址", "address"), ("家庭地址", "address"), ("现住址", "address"), ("mrn", "mrn"),
    ("病案号", "mrn"), ("住院号", "mrn"), ("门诊号", "mrn"), ("zyh", "mrn"),
    ("医保卡号", "health_plan_id"), ("ybkh", "health_plan_id"), ("email", "email"),
    ("dob", "birth_date"), ("birth_date", "birth_date"), ("DateOfBirth", "birth_date"),
    ("出生日期", "birth_date"), ("csrq", "birth_date"), ("birthdate", "birth_date"),
    ("sex", "sex"), ("gender", "sex"), ("性别", "sex"), ("xb", "sex"), ("age", "age"),
    ("年龄", "age"), ("nl", "age"), ("zip", "zip"), ("postal_code", "zip"), ("邮编", "zip"),
    ("民族", "ethnicity"), ("ethnicity", "ethnicity"), ("race", "ethnicity"),
    ("职业", "occupation"), ("occupation", "occupation"), ("工作单位", "employer"),
    ("婚姻状况", "marital"), ("marital_status", "marital"), ("hyzk", "marital"),
    ("nationality", "nationality"), ("国籍", "nationality"), ("学历", "education"),
    ("diagnosis", "diagnosis"), ("诊断", "diagnosis"), ("icd10_code", "diagnosis"),
    ("ICD编码", "diagnosis"), ("hiv_status", "hiv"), ("HIVStatus", "hiv"),
    ("艾滋病检测结果", "hiv"), ("梅毒抗体", "sti"), ("syphilis_rpr", "sti"),
    ("psychiatric_dx", "psychiatric"), ("精神科诊断", "psychiatric"),
    ("genotype", "genetic"), ("基因型", "genetic"), ("snp", "genetic"),
    ("sexual_orientation", "sexual_orientation"), ("吸毒史", "addiction"),
    ("人工流产次数", "abortion"), ("fingerprint", "biometric"),
    ("total_cost", "payment"), ("费用", "payment"), ("金额", "payment"), ("fy", "payment"),
    ("insurance_type", "insurance"), ("医保类型", "insurance"), ("payer", "insurance"),
    ("insurance_status", "insurance"), ("department", "department"), ("科室", "department"),
    ("doctor", "doctor"), ("主治医生", "doctor"), ("ysxm", "doctor"),
    ("hospital_name", "hospital"), ("医院名称", "hospital"),
    ("admission_date", "event_date"), ("入院日期", "event_date"), ("jzrq", "event_date"),
    ("diagnosis_date", "event_date"), ("stage", "clinical_measure"), ("cea", "clinical_measure"),
    ("treatment", "care_process"), ("drug_name", "drug_name"), ("病程记录", "notes"),
    ("vaccination", "public_health"), ("疫苗接种", "public_health"), ("visit_date", "event_date"),
    ("record_date", "date"), ("检查日期", "event_date"),
])
def test_header_rules_in_both_languages(rules: Rules, header: str, rule: str) -> None:
    matched = rules.match_header(header)
    assert matched is not None, header
    assert matched.id == rule


@pytest.mark.parametrize(("header", "not_rule"), [
    ("stage", "age"), ("dosage", "age"), ("message", "age"), ("archive_no", "hiv"),
    ("birth_weight", "birth_date"), ("drug_name", "name"), ("hospital_name", "name"),
    ("disease_state", "region"),
])
def test_headers_that_only_look_alike(rules: Rules, header: str, not_rule: str) -> None:
    matched = rules.match_header(header)
    assert matched is None or matched.id != not_rule


def test_header_normalisation() -> None:
    assert Header.of("  Date Of-Birth ").tokens == ("date", "of", "birth")
    assert Header.of("patientID").text == "patient_id"
    assert Header.of("ＩＤ号").text == "id号"  # NFKC folds full-width letters


def _site(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site-rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_site_rules_take_precedence_and_extend(tmp_path: Path) -> None:
    site = _site(tmp_path, """
schema = 1
disable = ["value:person_name"]

[defaults]
grade = 3

[free_text.entity_grades]
DATE = 4

[[header]]
id = "drug_code_name"
note = "at this site 'name' columns hold drug names"
regex = ['^name$']
category = "medical_application"
grade = 2

[[header]]
id = "department"
tokens = ["ward", "department"]
category = "health_resource"
grade = 3

[[header]]
id = "site_patient_no"
tokens = ["hzbh"]
identifier_type = "MRN"
category = "personal_attribute"
grade = 4

[[value]]
id = "site_mrn"
check = "regex"
params = { pattern = 'BJT\\d{8}' }
reliability = 0.95
identifier_type = "MRN"
category = "personal_attribute"
grade = 4
""")
    rules = load_rules(site)
    assert rules.sources == (BUILTIN_LABEL, str(site))
    assert rules.header[0].id == "drug_code_name"  # site rules first
    assert rules.defaults.grade == 3 and rules.defaults.category == "health_status"
    assert rules.free_text.entity_grades[EntityType.DATE] == 4
    assert rules.free_text.entity_grades[EntityType.PERSON] == 4  # kept from the shipped file

    names = ["张伟", "李娜", "王芳", "刘洋", "陈静", "杨磊", "赵敏", "黄强"]
    df = pd.DataFrame({
        "name": ["aspirin"] * 8,
        "Name": names,  # same normalised header: the site rule wins over the shipped one
        "department": ["ICU"] * 8,
        "hzbh": [str(10_000 + i) for i in range(8)],
        "col_x": [f"BJT{20_000_000 + i}" for i in range(8)],
        "people": names,  # person_name disabled: nothing decides it
    })
    tc = classify_frame(df, rules=rules)
    assert tc.column("name").rules[0] == "header:drug_code_name"
    assert tc.column("Name").category == "medical_application"
    assert tc.column("department").grade == 3
    assert tc.column("hzbh").identifier_type == EntityType.MRN
    assert tc.column("col_x").identifier_type == EntityType.MRN
    assert tc.column("col_x").rules == ("value:site_mrn",)
    people = tc.column("people")
    assert people.identifier_type is None and people.rules == ("default",)
    assert people.grade == 3  # the site's default grade

    # Without the site file the shipped rules decide.
    default = classify_frame(df)
    assert default.column("Name").identifier_type == EntityType.PERSON
    assert default.column("people").identifier_type == EntityType.PERSON


@pytest.mark.parametrize(("text", "field", "words"), [
    ('schema = 1\n[[header]]\nid = "ward"\ntokens = ["ward"]\ncategory = "hospital"\ngrade = 2\n',
     "header.ward.category", "personal_attribute"),
    ('schema = 1\n[[header]]\nid = "ward"\ntokens = ["ward"]\ncategory = "health_resource"\n'
     'grade = 6\n', "header.ward.grade", "less than or equal to 5"),
    ('schema = 1\n[[header]]\nid = "bad_rx"\nregex = ["(unclosed"]\ncategory = "health_status"\n'
     'grade = 2\n', "header.bad_rx.regex", "invalid regular expression"),
    ('schema = 1\n[[header]]\nid = "empty"\ncategory = "health_status"\ngrade = 2\n',
     "header.empty", "at least one of"),
    ('schema = 1\n[[value]]\nid = "mystery"\ncheck = "telepathy"\ncategory = "health_status"\n'
     'grade = 2\n', "value.mystery", "unknown check 'telepathy'"),
    ('schema = 1\n[[value]]\nid = "r"\ncheck = "number_range"\nparams = { min = 1 }\n'
     'category = "health_status"\ngrade = 2\n', "value.r", "params.max"),
    ('schema = 1\n[[value]]\nid = "icd"\ncheck = "icd10_range"\nparams = { ranges = ["B20-C24"] }\n'
     'mode = "refine"\nneeds = ["value:icd10"]\ngrade = 5\n', "value.icd", "same letter"),
    ('schema = 1\n[[value]]\nid = "half"\ncheck = "email"\n', "value.half",
     "must give category and grade"),
    ('schema = 1\n[[value]]\nid = "orphan"\ncheck = "email"\nmode = "refine"\n'
     'needs = ["header:nonexistent"]\ngrade = 5\n', "value.orphan.needs", "header:nonexistent"),
    ('schema = 1\ndisable = ["header:no_such_rule"]\n', "disable", "header:no_such_rule"),
    ('schema = 1\ndisable = ["value:icd10", "header:diagnosis"]\n', "disable",
     "value rule 'icd10_special' needs"),
    ('schema = 2\n', "schema", "unsupported schema 2"),
    ('disable = []\n', "schema", "Field required"),
    ('schema = 1\n[defaults]\ngrade = "high"\n', "defaults.grade", "integer"),
    ('schema = 1\n[free_text.entity_grades]\nNOT_A_TYPE = 3\n', "free_text.entity_grades",
     "NOT_A_TYPE"),
    ('schema = 1\n[[keyword]]\nid = "k"\ngrade = 5\n', "keyword.k", "contains or regex"),
])
def test_malformed_site_rules_name_the_file_and_rule(
    tmp_path: Path, text: str, field: str, words: str
) -> None:
    site = _site(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_rules(site)
    err = info.value
    assert err.path == str(site)
    assert err.field is not None and err.field.startswith(field)
    assert words in str(err)
    assert str(site) in str(err)


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    site = _site(tmp_path, 'schema = 1\n\n[[header]]\nid = "x" "y"\ntokens = ["a"]\n')
    with pytest.raises(ConfigError) as info:
        load_rules(site)
    assert info.value.path == str(site) and info.value.line == 4


def test_duplicate_rule_ids_in_one_file(tmp_path: Path) -> None:
    rule = '[[header]]\nid = "twice"\ntokens = ["a"]\ncategory = "health_status"\ngrade = 2\n'
    site = _site(tmp_path, "schema = 1\n" + rule + rule)
    with pytest.raises(ConfigError, match="'twice' appears twice"):
        load_rules(site)


def test_missing_or_unreadable_rules_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_rules(tmp_path / "absent.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b"schema = 1\n# caf\xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_rules(bad)
