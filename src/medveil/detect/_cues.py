"""Identifiers told apart by the words that label them: MRNs, member IDs, licences ...

A medical record number, an insurance member ID and a passport number can all be
"A1234567"; only the label says which. Every label of every family is compiled into one
trie regex, so the text is scanned once; at each label the value is read by a family
value pattern within a bounded window after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from medveil.detect._context import Candidate, cue_before
from medveil.detect._trie import alternation
from medveil.detect._types import EntityType
from medveil.detect._validators import (
    cn_resident_id15_plausible,
    cn_resident_id_valid,
    luhn_valid,
    ssn_valid,
)

E = EntityType


@dataclass(frozen=True)
class _Family:
    type: EntityType
    confidence: float
    rule: str
    value: str  # key into _VALUES
    cues_en: tuple[str, ...]
    cues_zh: tuple[str, ...] = ()


def _t(s: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in s.split("|") if w.strip())


_FAMILIES = (
    _Family(E.MRN, 0.9, "mrn:cue", "id", _t(
        "MRN|MRN#|MR#|MR #|MR No|MR no.|Medical record number|Medical record no|Medical record #|"
        "Medical record|Medical records number|Med rec|Med. rec.|Med rec no|Hospital number|"
        "Hospital no|Hosp no|Hosp #|Hospital ID|Chart number|Chart no|Chart #|Chart ID|"
        "Patient ID|Pt ID|Patient number|Patient no|Patient #|Record number|Record no|Record #|"
        "Admission number|Admission no|Admission ID|Inpatient number|Inpatient no|Inpatient ID|"
        "Outpatient number|Outpatient no|Outpatient ID|Visit number|Visit ID|Encounter number|"
        "Encounter ID|Encounter no|Unit number|EMR number|EMR ID|EHR ID|Health record number|"
        "Registration number|Registration no|Clinic number"
    ), _t(
        "病案号|病案编号|病案号码|住院病案号|病历号|病历编号|住院号|住院号码|住院编号|门诊号|门诊号码|"
        "门诊病历号|急诊号|病人ID|患者ID|病人编号|患者编号|登记号|就诊号|就诊卡号|诊疗卡号|档案号|"
        "健康档案号|ID号|住院流水号|门诊流水号|病员号"
    )),
    _Family(E.HEALTH_PLAN_ID, 0.9, "health_plan_id:cue", "id", _t(
        "Member ID|Member number|Member no|Member #|Membership number|Subscriber ID|"
        "Subscriber number|Subscriber no|Policy number|Policy no|Policy #|Policy ID|Insurance ID|"
        "Insurance number|Insurance no|Insurance #|Insurance policy|Insurance policy number|"
        "Group number|Group no|Group #|Plan ID|Health plan ID|Health plan number|"
        "Health plan beneficiary number|Beneficiary ID|Beneficiary number|Medicare ID|"
        "Medicare number|Medicare no|Medicare #|Medicare|Medicaid ID|Medicaid number|"
        "Medicaid no|Medicaid #|Medicaid|MBI|HICN|Insured ID|Insurance card number|policy|member"
    ), _t(
        "医保卡号|医保号|医保卡|医保编号|医保号码|医疗保险号|医疗保险卡号|医疗保险编号|社保卡号|社保号|"
        "社保卡|社保编号|社会保障卡号|社会保障号|社会保障号码|新农合号|新农合卡号|新农合编号|参保号|"
        "参保人编号|保单号|保险单号|保单号码|商业保险单号|个人医保编号|新农合证号|合作医疗证号"
    )),
    _Family(E.ACCOUNT, 0.9, "account:cue", "id", _t(
        "Account number|Account no|Account #|Account|Acct|Acct #|Acct no|Acct.|Bank account|Card|"
        "Bank account number|Card number|Card no|Credit card|Credit card number|Debit card|IBAN|"
        "Routing number|Billing account|Billing account number"
    ), _t(
        "账号|帐号|账户|帐户|银行卡号|银行卡|银行账号|银行帐号|银行账户|卡号|信用卡号|信用卡|开户账号|"
        "缴费账号|收款账号|支付宝账号|微信号"
    )),
    _Family(E.LICENSE, 0.9, "license:cue", "id", _t(
        "License number|License no|License #|Licence number|Licence no|License|Licence|Lic #|"
        "Lic. no|Lic no|Driver's license|Drivers license|Driver license|Driver's licence|DL#|"
        "DL no|DL #|Certificate number|Certificate no|Cert no|Cert #|Medical license|"
        "Medical license number|State license|NPI|NPI number|NPI #|NPI no|DEA|DEA number|DEA #|"
        "DEA no|Board certification number"
    ), _t(
        "执业证书编号|执业证书号|执业证号|医师执业证书编号|医师执业证书|执业医师资格证|执业医师资格证号|"
        "医师资格证书编码|医师资格证书编号|医师资格证号|资格证书编号|资格证号|护士执业证书编号|"
        "护士执业证号|驾驶证号|驾驶证|驾照号|驾照|驾驶证编号|执照号|营业执照号|证书编号|许可证号|"
        "执业证编号|执业证书编码|医师执业证书编码|驾驶证档案编号|档案编号|资格证书编码"
    )),
    _Family(E.VEHICLE, 0.9, "vehicle:cue", "plate", _t(
        "License plate|Licence plate|License plate number|Plate number|Plate no|Plate #|Plate|"
        "Vehicle plate|License tag|Tag number|VIN|VIN number|VIN #|Vehicle identification number|"
        "Vehicle ID|Registration plate|Car registration"
    ), _t("车牌号|车牌号码|车牌|车辆识别代号|车架号|车辆识别码|车辆识别号")),
    _Family(E.DEVICE, 0.9, "device:cue", "id", _t(
        "Serial number|Serial no|Serial #|Serial|S/N|SN:|SN#|SN #|Device ID|Device number|"
        "Device serial|Device serial number|Device identifier|UDI|IMEI|IMEI number|MAC address|"
        "Implant ID|Implant serial|Pacemaker serial|Pacemaker serial number|Pacemaker ID|"
        "ICD serial|Model/serial|Unique device identifier"
    ), _t(
        "设备编号|设备序列号|设备号|序列号|器械编号|器械序列号|植入物编号|起搏器序列号|起搏器编号|"
        "设备ID|串号|IMEI号|IMEI|出厂编号|设备识别码|医疗器械唯一标识"
    )),
    _Family(E.BIOMETRIC, 0.85, "biometric:cue", "id", _t(
        "Fingerprint|Finger print|Fingerprint ID|Fingerprint template|Fingerprint hash|"
        "Retina scan|Retinal scan|Retinal scan ID|Iris scan|Iris template|Iris code|Iris ID|"
        "Voiceprint|Voice print|Voiceprint ID|Face template|Facial template|Facial recognition ID|"
        "Palm print|Palmprint|Biometric ID|Biometric template|Biometric identifier|Template ID|"
        "Template|Voiceprint enrollment|Palm vein|Palm vein template|Enrollment ID"
    ), _t(
        "指纹|指纹编号|指纹模板|指纹特征码|指纹ID|虹膜|虹膜编码|虹膜特征码|虹膜编号|声纹|声纹编号|"
        "掌纹|掌纹编号|人脸特征|人脸特征码|人脸识别编号|面部特征码|视网膜|视网膜扫描编号|生物特征编号|"
        "生物识别编号|声纹认证编号|认证编号|识别模板|掌静脉|掌静脉识别模板|静脉识别模板|模板编号"
    )),
    _Family(E.OTHER_ID, 0.85, "other_id:cue", "id", _t(
        "Passport|Passport number|Passport no|Passport #|Case number|Case no|Case #|Case ID|"
        "Study ID|Subject ID|Subject number|Subject no|Participant ID|Participant number|"
        "Enrollment ID|Enrolment ID|Specimen ID|Specimen number|Specimen no|Accession number|"
        "Accession no|Accession #|Sample ID|Employee ID|Employee number|Student ID|Badge number|"
        "Specimen|Specimen #|Accession|Pathology number|Pathology #|Pathology no|"
        "Surgical pathology|Surgical pathology #|Pathology report|Path report|Path #|"
        "Subject|Barcode|Study subject|"
        "Military ID|Alien number|Green card number|National ID|National ID number|ID number|"
        "ID no|ID #|Identification number|Tax ID|TIN|EIN|ITIN|Screening number|Randomization number"
    ), _t(
        "护照号|护照号码|护照|军官证号|军官证|士兵证号|士兵证|港澳通行证号|港澳通行证|台胞证号|台胞证|"
        "回乡证|居留证号|居住证号|案件编号|案号|受试者编号|受试者ID|受试者号|研究编号|入组编号|随机号|"
        "筛选号|标本号|标本编号|病理号|影像号|检查号|检验号|工号|学号|职工号|证件号|证件号码|"
        "社会信用代码|纳税人识别号|检验条码|条码|条形码|标本条码|病理编号|检查编号|影像编号"
    )),
    _Family(E.CN_RESIDENT_ID, 0.9, "cn_resident_id:cue", "cnid", _t(
        "Resident ID|Resident identity card|Chinese ID|PRC ID|ID card|ID card number|ID card no"
    ), _t("身份证号|身份证号码|身份证|公民身份号码|居民身份证|身份证件号|身份证编号")),
    _Family(E.SSN, 0.95, "ssn:cue", "ssn", _t(
        "SSN|SSN#|SS#|SS #|Social Security|Social Security number|Social Security no|"
        "Social Security #|Soc Sec"
    ), _t("社会安全号|社会安全号码|美国社会安全号")),
    _Family(E.PHONE, 0.8, "phone:cue", "phone", _t(
        "Phone|Tel|Telephone|Mobile|Cell|Cell phone|Contact number|Home phone|Work phone|Pager|"
        "Phone number|Mobile number|Tel no|Call|Reached at|Reach him at|Reach her at|Contact at|"
        "Text|Callback number|Call back number"
    ), _t("电话|手机|联系电话|手机号|手机号码|电话号码|座机|联系方式|家庭电话|办公电话")),
    _Family(E.FAX, 0.85, "fax:cue", "phone", _t("Fax|Fax number|Fax no|Facsimile"),
            _t("传真|传真号|传真号码")),
    _Family(E.LOCATION, 0.9, "location:zip_cue", "zip", _t(
        "ZIP|Zip code|ZIP code|Postal code|Postcode|Post code|Zipcode"
    )),
    _Family(E.LOCATION, 0.9, "location:cn_postcode_cue", "cnpost", (), _t("邮编|邮政编码")),
)  # fmt: skip

# A bare "ID" labels an MRN when a clinical word is close before it, else another number.
_BARE_ID = _Family(E.OTHER_ID, 0.7, "other_id:bare_id", "id", ("ID", "ID#"))
_MRN_NEAR = re.compile(
    r"[Pp]atient|[Pp]t\b|[Hh]ospital|[Mm]edical|[Cc]linic|[Aa]dmi|患者|病人|住院|门诊|就诊|病历|病案"
)

# English labels, lower-cased (matched on lower-cased text by medveil.detect._labels)
LABELS_EN: dict[str, _Family] = {}
_LABELS_ZH: dict[str, _Family] = {}
for _fam in (*_FAMILIES, _BARE_ID):
    for _cue in _fam.cues_en:
        LABELS_EN.setdefault(_cue.lower(), _fam)
    for _cue in _fam.cues_zh:
        _LABELS_ZH.setdefault(_cue, _fam)

_CUES_ZH = re.compile(alternation(_LABELS_ZH))

# Between a label and its value: spaces, colons, "number", "No.", "is", "(MRN)", "为" ...
_FILLER = (
    r"(?:[\s:：#＃=\-–.]|\((?=[A-Za-z0-9]{4,}\))|\((?:[A-Za-z#/ ]{1,12}|No\.?)\)|（[^）\n]{0,10}）"
    r"|(?:number|Number|NUMBER|num|Num|No|no|NO|Nr|ID|Id|is|was|of|code|Code|on file|as)\.?"
    r"(?![A-Za-z])|号码|号|编号|编码|为|是|码){0,8}"
)
_VALUES = {
    "id": re.compile(
        _FILLER + r"(?P<v>[A-Za-z0-9](?:[A-Za-z0-9]|[-/._:](?=[A-Za-z0-9])"
        r"|(?<=\d)[ ](?=\d))*)"
    ),
    "plate": re.compile(
        _FILLER + r"(?P<v>[A-Za-z0-9\u4e00-\u9fff](?:[A-Za-z0-9·•]|[-.](?=[A-Za-z0-9])"
        r"|(?<=[A-Za-z0-9])[ ](?=[A-Z0-9]{1,7}(?![A-Za-z0-9])))*)"
    ),
    "cnid": re.compile(_FILLER + r"(?P<v>\d{17}[\dXx]|\d{15})(?![\dA-Za-z])"),
    "ssn": re.compile(_FILLER + r"(?P<v>\d{3}([- ]?)\d{2}\2\d{4})(?!\d)"),
    "phone": re.compile(
        _FILLER + r"(?P<v>\+?\(?\d[\d ().\-]{5,18}\d(?:[ ]?(?:x|ext\.?|转)[ ]?\d{1,5})?)"
    ),
    "zip": re.compile(_FILLER + r"(?P<v>\d{5}(?:-\d{4})?)(?!\d)"),
    "cnpost": re.compile(_FILLER + r"(?P<v>\d{6})(?!\d)"),
}
_MAX_VALUE = 40


def _value_ok(kind: str, value: str) -> bool:
    digits = sum(map(str.isdigit, value))
    if kind == "id":
        if value.isdigit():
            return digits >= 5  # "Medicare since 2019": a bare year is not an ID
        return digits >= 2 and len(value) >= 4
    if kind == "plate":
        return digits >= 1 and 4 <= len(value) <= 17  # a plate, or a VIN
    if kind == "phone":
        return 7 <= digits <= 15
    return True


def _read_value(text: str, fam: _Family, s: int, e: int, out: list[Candidate]) -> None:
    v = _VALUES[fam.value].match(text, e, min(len(text), e + 24 + _MAX_VALUE))
    if v is None:
        return
    vs, ve = v.span("v")
    value = v.group("v")
    if ve - vs > _MAX_VALUE or not _value_ok(fam.value, value):
        return
    etype, conf, rule = fam.type, fam.confidence, fam.rule
    if fam is _BARE_ID:
        if sum(map(str.isdigit, value)) < 4:
            return
        if cue_before(text, s, _MRN_NEAR, 40):
            etype, conf, rule = E.MRN, 0.8, "mrn:bare_id"
    elif fam.value == "cnid":
        if len(value) == 18:
            if cn_resident_id_valid(value):
                conf, rule = 0.99, "cn_resident_id:gb11643"
            else:
                conf, rule = 0.55, "cn_resident_id:cue_unverified"
        elif cn_resident_id15_plausible(value):
            conf, rule = 0.85, "cn_resident_id:gb11643_15"
        else:
            etype, conf, rule = E.OTHER_ID, 0.8, "other_id:id_card_cue"
    elif fam.value == "ssn" and not ssn_valid(value.replace(" ", "").replace("-", "")):
        return
    elif fam.type is E.DEVICE and "imei" in text[s:e].lower():
        digits = value.replace(" ", "").replace("-", "")
        if len(digits) == 15 and luhn_valid(digits):
            conf, rule = 0.95, "device:imei_luhn"  # an IMEI's 15th digit is a Luhn check
        else:
            conf = 0.7
    out.append((vs, ve, etype, conf, rule))


def find_cued(
    text: str, labels: list[tuple[int, int, str]], out: list[Candidate], *, cjk: bool = True
) -> None:
    """Append every identifier introduced by a label to ``out``.

    ``labels`` are the English label hits from :func:`medveil.detect._labels.scan_labels`
    (lower-cased phrases); Chinese labels are found here unless ``cjk`` is False.
    """
    for s, e, word in labels:
        fam = LABELS_EN[word]
        if fam is _BARE_ID and not text[s:e].isupper():
            continue  # "id" the word, not the label "ID"
        _read_value(text, fam, s, e, out)
    if not cjk:
        return
    for m in _CUES_ZH.finditer(text):
        _read_value(text, _LABELS_ZH[m.group()], m.start(), m.end(), out)
