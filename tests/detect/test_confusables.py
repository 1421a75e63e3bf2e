"""Clinical text that looks like an identifier but is not: nothing may be reported.

Doses, lab values, vital signs, ICD-10 and HPO codes, genes and variants, guideline
years, eponymous diseases, departments, ages under 90, TNM stages, percentages, times of
day, and Chinese clinical phrases whose first character is also a surname.
"""

from __future__ import annotations

import pytest

from medveil.detect import detect_text

CONFUSABLES: list[str] = [
    # drug doses
    "Aspirin 81 mg daily.",
    "metformin 500 mg PO bid",
    "Heparin 5000 units SC q8h.",
    "Dose 0.5mg/kg IV over 30 minutes.",
    "阿司匹林100mg qd",
    "奥美拉唑 20mg bid口服",
    "insulin glargine 10 units qhs",
    "amoxicillin-clavulanate 875/125 mg bid",
    "Ondansetron 4 mg IV q6h prn nausea.",
    "给予头孢曲松2g静滴",
    "vancomycin 1.25 g IV q12h",
    "KCl 20 mEq PO x1",
    # lab values
    "CEA 12.3 ng/mL",
    "WBC 6.5×10^9/L",
    "血红蛋白 120 g/L",
    "Hgb 13.2 g/dL, Plt 245 x10^9/L",
    "Na 138 mmol/L, K 4.1 mmol/L",
    "creatinine 1.02 mg/dL",
    "CA19-9 35.2 U/mL",
    "HbA1c 7.2%",
    "INR 1.1, PT 12.4 s",
    "eGFR 78 mL/min/1.73m2",
    "白细胞12.5×10^9/L，中性粒细胞百分比85%",
    "ALT 45 U/L, AST 38 U/L",
    "TSH 2.35 mIU/L",
    "PSA 4.8 ng/mL",
    # vital signs
    "BP 120/80 mmHg",
    "血压120/80mmHg",
    "HR 72 bpm",
    "RR 18, SpO2 97% on RA",
    "T 37.2 C",
    "体温36.8℃，脉搏78次/分",
    "Weight 72.5 kg, height 170 cm, BMI 25.1",
    # codes
    "Diagnosis C18.7",
    "K50.9 Crohn disease of unspecified site",
    "ICD-10 C34.90",
    "诊断编码：C18.7",
    "HP:0002027",
    "Phenotype HP:0001250 (seizure).",
    # genes and proteins
    "KRAS G12D",
    "BRAF V600E",
    "TP53 mutated",
    "HER2 3+ by IHC",
    "EGFR exon 19 deletion",
    "ALK rearrangement negative",
    "MLH1/PMS2 loss",
    "PD-L1 TPS 50%",
    # guideline years
    "NCCN 2023",
    "2019年版指南",
    "per ESMO 2022 guidelines",
    "AJCC 8th edition staging",
    "WHO 2021 classification",
    # eponymous diseases and signs
    "Kawasaki disease",
    "History of Parkinson's disease.",
    "Crohn's disease in remission.",
    "Hodgkin lymphoma, stage II.",
    "Alzheimer dementia",
    "Down syndrome",
    "川崎病",
    "克罗恩病",
    "帕金森病",
    "Cushing syndrome",
    "Graves disease",
    "Barrett esophagus",
    "Lynch syndrome",
    "Wilson disease",
    "Murphy sign positive",
    "Glasgow Coma Scale 15",
    "Gleason score 3+4=7",
    "Foley catheter placed",
    "Whipple procedure",
    "霍奇金淋巴瘤",
    "阿尔茨海默病",
    "唐氏综合征",
    # departments
    "心内科",
    "消化内科会诊",
    "Department of Oncology",
    "转入重症医学科",
    "Emergency Department",
    "神经外科会诊",
    # ages under 90
    "65-year-old",
    "89岁",
    "age 45",
    "A 72 yo woman",
    "八十九岁",
    "89-year-old man",
    # stages, scores, percentages
    "T3N1M0",
    "stage IIIB",
    "pT2N0M0",
    "IIIB期",
    "cT4aN2bM1c",
    "EF 55%",
    "ECOG 1, NYHA class II",
    # times of day and durations
    "at 14:30",
    "08:00 AM",
    "14:30复查",
    "腹痛3月",
    "for 3 days",
    "病史10年",
    "version 10.2.1.4 installed",
    # Chinese phrases whose first character is also a surname
    "患者高热3天",
    "患者于今日出院",
    "医生建议低盐饮食",
    "护士巡视病房",
    "患者黄疸进行性加重",
    "患者一般情况可",
    "患者神志清楚",
    "管床医生查房",
    "麻醉医生会诊",
    "门诊医生开具处方",
    "患者平素体健",
    "全身麻醉下行手术",
    "常规心电图检查",
    "患者高血压病史10年",
    # English capitalised clinical phrases
    "Past Medical History: Hypertension.",
    "Will Continue Aspirin",
    "Follow Up In Two Weeks",
    "Chief Complaint: Chest Pain",
    "Physical Exam: Heart Regular",
    "Plan: Start Metformin",
    "Mayo Clinic protocol",
    "May consider CT.",
    "Grace period for refills.",
]


@pytest.mark.parametrize("text", CONFUSABLES)
def test_nothing_found(text: str) -> None:
    found = detect_text(text)
    assert found == [], [(f.type.value, text[f.start : f.end], f.rule) for f in found]


def test_enough_confusables() -> None:
    assert len(CONFUSABLES) >= 80


def test_a_year_alone_is_not_a_date_but_a_month_with_it_is() -> None:
    assert detect_text("Diagnosed in 2019.") == []
    assert [f.type.value for f in detect_text("Diagnosed in May 2019.")] == ["DATE"]


def test_a_province_or_state_alone_is_not_a_location() -> None:
    assert detect_text("患者来自湖南省。") == []
    assert detect_text("She lives in Texas.") == []
    assert detect_text("湖南省人民医院") == []


def test_a_hospital_name_is_not_a_location_but_its_address_is() -> None:
    assert detect_text("南宁市第一人民医院") == []
    text = "北京协和医院（东城区帅府园1号）"
    found = detect_text(text)
    assert [text[f.start : f.end] for f in found] == ["东城区帅府园1号"]
