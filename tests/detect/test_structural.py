"""Identifiers found by their position rather than by a label right before them.

Names repeated without their cue, a surname before a title, names after "/" and at the
start of a sentence; ages after "died at" / "now"; ids in parentheses or after a list
number; bare cities under HIPAA Safe Harbor. Each positive has a confusable that must
not fire. The sentences are written by hand.
"""

from __future__ import annotations

import pytest

from medveil.detect import EntityType, detect_text

T = EntityType

CASES: list[tuple[str, EntityType, str]] = [
    # -- later mentions of a name, and structural positions (Chinese) ---------------------
    ("由家属欧雪晴陪同入院，欧雪晴诉患者近3天纳差。", T.PERSON, "欧雪晴"),
    ("。邝主任查房指示：继续观察。", T.PERSON, "邝"),
    ("\n滕护士巡视病房，患者安睡。", T.PERSON, "滕"),
    ("经治医师：蒲文涛/祁海燕\u30002023年4月2日", T.PERSON, "祁海燕"),
    ("现病史：\n冼嘉明于2022年5月3日行胃镜检查。", T.PERSON, "冼嘉明"),
    ("出院后由外孙易俊豪接回家中。", T.PERSON, "易俊豪"),
    ("其侄女卓慧敏代诉：患者近半年记忆力减退。", T.PERSON, "卓慧敏"),
    # -- English -----------------------------------------------------------------------
    ("Attending: Dr. Rosalind Achterberg\nRosalind reviewed the films.", T.PERSON, "Rosalind"),
    ("Name: WHITFIELD, GLORIA\nDOB: 1950", T.PERSON, "WHITFIELD, GLORIA"),
    ("Re: Harrington, Colleen (MRN 5512309)", T.PERSON, "Harrington, Colleen"),
    # -- ages, dates, ids ----------------------------------------------------------------
    ("Her father died at 94 of heart failure.", T.AGE_OVER_89, "94"),
    ("His aunt, now 91, lives nearby.", T.AGE_OVER_89, "91"),
    ("姓名 某某  年龄 九十三  床号 7", T.AGE_OVER_89, "九十三"),
    ("医嘱：1.休息；2.复查血常规；3.2025.8.14返院。", T.DATE, "2025.8.14"),
    ("Urine culture from Mar 9: no growth.", T.DATE, "Mar 9"),
    ("Labels checked: name and MRN (Q7781204).", T.MRN, "Q7781204"),
    ("Specimen 55-SP-10982 sent to the lab.", T.OTHER_ID, "55-SP-10982"),
    ("Surgical pathology #: SX24-11873.", T.OTHER_ID, "SX24-11873"),
    ("Enrolled as subject K-118-0042.", T.OTHER_ID, "K-118-0042"),
    ("检验条码：TM884120937，已核对。", T.OTHER_ID, "TM884120937"),
    ("Secondary insurance, policy ZQA55120983.", T.HEALTH_PLAN_ID, "ZQA55120983"),
    ("新农合证号：HN88120955310。", T.HEALTH_PLAN_ID, "HN88120955310"),
    ("医师执业证书编码：141100000123456。", T.LICENSE, "141100000123456"),
    ("驾驶证档案编号：440312778812。", T.LICENSE, "440312778812"),
    ("Identity confirmed by palm scan (template ID PV-QQWE120033).", T.BIOMETRIC, "PV-QQWE120033"),
    ("声纹认证编号：VX-7781aa02，用于身份核验。", T.BIOMETRIC, "VX-7781aa02"),
    ("远程监护设备IMEI：490154203237518。", T.DEVICE, "490154203237518"),
    # -- bare cities (a state or province alone stays unlabeled) -------------------------
    ("Seen at an outside hospital in Fairbanks on admission.", T.LOCATION, "Fairbanks"),
    ("He lives alone in Laramie, Wyoming.", T.LOCATION, "Laramie"),
    ("退休前为教师，现居襄阳市。", T.LOCATION, "襄阳市"),
    ("患者平素独居于绵阳市，女儿住在附近。", T.LOCATION, "绵阳市"),
]

CONFUSABLES = [
    "病程中患者曾出现意识障碍。",
    "家属车辆已停放在地下车库。",
    "护士巡视病房，患者安睡。",
    "职业：农民\u3000婚姻：已婚",
    "Referral to genetics for Lynch syndrome; Wilson disease excluded.",
    "Pain now 95 mg morphine equivalents daily.",
    "The patient is now 92% saturated on room air.",
    "Admitted in March with pneumonia.",
    "曾因肺炎在襄阳市中医院住院治疗。",
    "She moved to Texas.",
]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@pytest.mark.parametrize(("text", "etype", "expected"), CASES)
def test_found_with_type(text: str, etype: EntityType, expected: str) -> None:
    start = text.rindex(expected)
    span = (start, start + len(expected))
    found = detect_text(text)
    assert any(f.type is etype and _overlaps((f.start, f.end), span) for f in found), [
        (f.type.value, text[f.start : f.end], f.rule) for f in found
    ]


@pytest.mark.parametrize("text", CONFUSABLES)
def test_nothing_found(text: str) -> None:
    found = detect_text(text)
    assert found == [], [(f.type.value, text[f.start : f.end], f.rule) for f in found]
