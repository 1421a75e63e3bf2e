"""Value checks: how many of a column's sampled values have a given shape or validate.

A value rule in ``rules.toml`` names one of these checks (``check = "phone"``) and may give
it parameters (``params = { values = ["M", "F"] }``). Each check takes the column's
non-empty values as a string Series and returns how many pass; the rule divides by the
number of values. Checks that have a validator (GB 11643 resident IDs, Luhn, SSN, IP) use
the ones in :mod:`medveil.detect`, so a column and a free text agree on what is valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medveil.detect import (
    cn_resident_id_valid,
    ipv4_valid,
    ipv6_valid,
    luhn_valid,
    ssn_valid,
)


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _NoParams(_Params):
    pass


class _OneOfParams(_Params):
    values: list[str] = Field(min_length=1)


class _RangeParams(_Params):
    min: float
    max: float
    integer: bool = False


class _RegexParams(_Params):
    pattern: str
    ignore_case: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"invalid regular expression ({exc})") from None
        return v


_ICD_ITEM = re.compile(r"^([A-Z])(?:(\d{2})(?:-\1(\d{2}))?)?$")


class _IcdRangeParams(_Params):
    ranges: list[str] = Field(min_length=1)

    @field_validator("ranges")
    @classmethod
    def _ranges(cls, v: list[str]) -> list[str]:
        for item in v:
            if not _ICD_ITEM.match(item):
                raise ValueError(
                    f"ICD-10 range {item!r} is not 'L', 'Lnn' or 'Lnn-Lnn' (same letter)")
        return v


class _NameParams(_Params):
    # Person names are mostly distinct; a categorical column that happens to look like
    # names (e.g. "Left Colon") is not.
    min_distinct: float = Field(default=0.3, ge=0.0, le=1.0)


CheckFn = Callable[[pd.Series, Any], int]


@dataclass(frozen=True)
class _Spec:
    fn: CheckFn
    params: type[_Params]


def _fullmatch(values: pd.Series, pattern: str | re.Pattern[str]) -> pd.Series:
    return values.str.fullmatch(pattern).fillna(False).astype(bool)


def _count_valid(candidates: pd.Series, valid: Callable[[str], bool]) -> int:
    return sum(1 for v in candidates if _safe(valid, v))


def _safe(valid: Callable[[str], bool], value: str) -> bool:
    # A validator states validity; one that raises on a malformed value means "not valid".
    try:
        return bool(valid(value))
    except (ValueError, TypeError):
        return False


def _resident_id(values: pd.Series, _: _NoParams) -> int:
    return _count_valid(values[_fullmatch(values, r"\d{17}[\dXx]|\d{15}")], cn_resident_id_valid)


def _ssn(values: pd.Series, _: _NoParams) -> int:
    return _count_valid(values[_fullmatch(values, r"\d{3}-\d{2}-\d{4}")], ssn_valid)


def _bank_card(values: pd.Series, _: _NoParams) -> int:
    digits = values.str.replace(r"[\s-]", "", regex=True)
    cands = digits[_fullmatch(digits, r"\d{13,19}")]
    return _count_valid(cands, luhn_valid)


def _ipv4(values: pd.Series, _: _NoParams) -> int:
    return _count_valid(values[_fullmatch(values, r"\d{1,3}(?:\.\d{1,3}){3}")], ipv4_valid)


def _ipv6(values: pd.Series, _: _NoParams) -> int:
    return _count_valid(values[values.str.contains(":", regex=False)], ipv6_valid)


_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"(?:https?|ftp)://[^\s/$.?#][^\s]*|www\.[^\s.]+\.[^\s]+", re.IGNORECASE)
_PHONE = re.compile(
    "|".join((
        # Mainland mobile, optional +86, optional 3-4-4 grouping.
        r"(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}",
        # Mainland landline with area code, optional extension.
        r"(?:\+?86[\s-]?)?\(?0\d{2,3}\)?[\s-]?\d{7,8}(?:-\d{1,5})?",
        # NANP with separators (bare ten digits are too common to be evidence).
        r"(?:(?:\+?1|001)[\s.-]?)?\(?[2-9]\d{2}\)?[\s.-]?[2-9]\d{2}[\s.-]\d{4}"
        r"(?:\s*(?:x|ext\.?)\s*\d{1,5})?",
        # Other international numbers written with a plus.
        r"\+\d{1,3}[\s-]?\d[\d\s-]{6,14}\d",
    )),
    re.IGNORECASE,
)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    "|".join((
        # One separator throughout; "2020.5" is a number, not a year-month.
        r"(?:19|20)\d{2}(?P<sep>[-/.])(?:0?[1-9]|1[0-2])(?P=sep)(?:0?[1-9]|[12]\d|3[01])"
        r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?",
        r"(?:19|20)\d{2}[-/](?:0[1-9]|1[0-2])",
        r"(?:19|20)\d{2}年(?:0?[1-9]|1[0-2])月(?:(?:0?[1-9]|[12]\d|3[01])[日号])?",
        r"(?:0?[1-9]|[12]\d|3[01])[/.](?:0?[1-9]|[12]\d|3[01])[/.](?:19|20)\d{2}",
        r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])",
        rf"(?:\d{{1,2}}\s+)?{_MONTHS}\s+(?:\d{{1,2}},?\s+)?(?:19|20)\d{{2}}",
    )),
    re.IGNORECASE,
)
_ICD10 = re.compile(r"[A-Z]\d{2}(?:\.[0-9A-Z]{0,4})?(?:X\d{3})?")

# Common Chinese surnames (single and compound): a 2-4 character value that starts with one
# is a name shape. Deliberately a short list: rarer surnames lower the fraction only a little.
_CN_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟"
    "殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游"
    "辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫"
    "费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明"
    "佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝"
    "区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普"
    "阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾"
    "茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
_CN_COMPOUND_SURNAMES = frozenset((
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "长孙",
    "夏侯", "公孙", "宇文", "司徒", "端木", "西门", "南宫", "独孤", "轩辕", "呼延",
))
_CN_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
_CN_MINORITY_NAME = re.compile(r"[\u4e00-\u9fff]{1,8}(?:[·•][\u4e00-\u9fff]{1,8})+")
_EN_NAME = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+)?[A-Z][a-z'\-]+(?:\s+[A-Z]\.?)?(?:\s+[A-Z][a-z'\-]+){1,2}"
    r"(?:\s+(?:Jr|Sr|II|III|IV|MD|DDS|PhD|DVM)\.?)?"
    r"|[A-Z][a-z'\-]+,\s*[A-Z][a-z'\-]+(?:\s+[A-Z]\.?)?"
)
_CN_ADDRESS = re.compile(
    r"(?:省|市|自治区|特别行政区).*?(?:区|县|市|旗|镇|乡|街道|路|街|道|巷|弄|村)"
    r"|(?:路|街|道|巷|弄|村|胡同|小区|大厦).*?\d+\s*(?:号|栋|幢|楼|室|单元|弄)"
)
_EN_ADDRESS = re.compile(
    r"\b\d{1,6}[A-Za-z]?\s+(?:[A-Z][A-Za-z]*\.?\s+){1,4}"
    r"(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane|Dr|Drive|Ct|Court|Way|Pl|Place|"
    r"Ter|Terrace|Cir|Circle|Pkwy|Parkway|Hwy|Highway|Sq|Square|Trl|Trail|Loop|Row)\b\.?"
)


def _regex_count(pattern: re.Pattern[str]) -> CheckFn:
    def count(values: pd.Series, _: _NoParams) -> int:
        return int(_fullmatch(values, pattern).sum())
    return count


def _person_name(values: pd.Series, p: _NameParams) -> int:
    if values.nunique() < p.min_distinct * len(values):
        return 0

    def is_name(v: str) -> bool:
        if _CN_NAME.fullmatch(v):
            return v[0] in _CN_SURNAMES or v[:2] in _CN_COMPOUND_SURNAMES
        return bool(_CN_MINORITY_NAME.fullmatch(v) or _EN_NAME.fullmatch(v))

    return sum(1 for v in values if is_name(v))


def _address(values: pd.Series, _: _NoParams) -> int:
    cn = values.str.contains(_CN_ADDRESS).fillna(False).astype(bool)
    en = values.str.contains(_EN_ADDRESS).fillna(False).astype(bool)
    return int((cn | en).sum())


def _one_of(values: pd.Series, p: _OneOfParams) -> int:
    allowed = {v.casefold() for v in p.values}
    return int(values.str.casefold().isin(allowed).sum())


def _number_range(values: pd.Series, p: _RangeParams) -> int:
    pattern = r"[+-]?\d+" if p.integer else r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
    nums = pd.to_numeric(values[_fullmatch(values, pattern)], errors="coerce")
    return int(((nums >= p.min) & (nums <= p.max)).sum())


def _regex(values: pd.Series, p: _RegexParams) -> int:
    return int(_fullmatch(values, re.compile(p.pattern, re.I if p.ignore_case else 0)).sum())


def _icd10(values: pd.Series, _: _NoParams) -> int:
    return int(_fullmatch(values.str.upper(), _ICD10).sum())


def _icd10_range(values: pd.Series, p: _IcdRangeParams) -> int:
    codes = values.str.upper()
    codes = codes[_fullmatch(codes, _ICD10)]
    letter = codes.str[0]
    number = pd.to_numeric(codes.str[1:3], errors="coerce")
    hit = pd.Series(False, index=codes.index)
    for item in p.ranges:
        m = _ICD_ITEM.match(item)
        assert m is not None  # validated when the rules were loaded
        lo = int(m.group(2)) if m.group(2) else 0
        hi = int(m.group(3)) if m.group(3) else (lo if m.group(2) else 99)
        hit |= (letter == m.group(1)) & (number >= lo) & (number <= hi)
    return int(hit.sum())


_SPECS: Mapping[str, _Spec] = {
    "bank_card": _Spec(_bank_card, _NoParams),
    "cn_resident_id": _Spec(_resident_id, _NoParams),
    "address": _Spec(_address, _NoParams),
    "date": _Spec(_regex_count(_DATE), _NoParams),
    "email": _Spec(_regex_count(_EMAIL), _NoParams),
    "icd10": _Spec(_icd10, _NoParams),
    "icd10_range": _Spec(_icd10_range, _IcdRangeParams),
    "ipv4": _Spec(_ipv4, _NoParams),
    "ipv6": _Spec(_ipv6, _NoParams),
    "number_range": _Spec(_number_range, _RangeParams),
    "one_of": _Spec(_one_of, _OneOfParams),
    "person_name": _Spec(_person_name, _NameParams),
    "phone": _Spec(_regex_count(_PHONE), _NoParams),
    "regex": _Spec(_regex, _RegexParams),
    "ssn": _Spec(_ssn, _NoParams),
    "url": _Spec(_regex_count(_URL), _NoParams),
}

CHECK_NAMES: tuple[str, ...] = tuple(sorted(_SPECS))


@dataclass(frozen=True)
class Check:
    """A named check with validated parameters."""

    name: str
    params: _Params

    def count(self, values: pd.Series) -> int:
        """How many of ``values`` (non-empty strings) pass."""
        if values.empty:
            return 0
        return _SPECS[self.name].fn(values, self.params)


def make_check(name: str, params: Mapping[str, Any]) -> Check:
    """Validate ``params`` for check ``name``; ``ValueError`` names what is wrong."""
    spec = _SPECS.get(name)
    if spec is None:
        raise ValueError(f"unknown check {name!r}; known: {', '.join(CHECK_NAMES)}")
    try:
        return Check(name, spec.params.model_validate(dict(params)))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ValueError(f"params{'.' + where if where else ''}: {err['msg']}") from None
