"""Names of persons in English and Chinese clinical text, without a trained model.

English: Title Case tokens after an honorific or a label ("Dr.", "Patient:", "his wife"),
or a Title Case pair whose tokens are listed given names / surnames. Chinese: a listed
surname and one or two given characters, confirmed by a cue word before it ("患者",
"主治医师：") or after it ("医生", "，男，"), and masked forms such as 张某某 and 王*.

Eponyms (Parkinson's disease, 川崎病) are rejected by the word that follows them and by
an eponym list; everyday words that are also names ("Will", "高热") need stronger evidence.
"""

from __future__ import annotations

import re

from medveil.detect._context import CJK, Candidate, ascii_letter_at
from medveil.detect._coref import propagate_names
from medveil.detect._names import (
    EN_AMBIGUOUS_NAMES,
    EN_EPONYMS,
    EN_GIVEN,
    EN_NOT_NAME_WORDS,
    EN_SURNAMES,
    ZH_AMBIGUOUS_SURNAMES,
    ZH_NON_GIVEN,
    ZH_NOT_NAMES,
    ZH_SURNAMES_COMPOUND,
    ZH_SURNAMES_SINGLE,
)
from medveil.detect._trie import alternation
from medveil.detect._types import EntityType

E = EntityType.PERSON

# -- English ---------------------------------------------------------------------------

_TOKEN = r"[A-Z](?:['’][A-Z])?[a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)?"
_TOKEN_RE = re.compile(_TOKEN + r"|[A-Z]\.")
_HONORIFIC = r"(?:(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof)\.?[ \t]+)"
_NAME_RUN = rf"{_TOKEN}(?:[ \t]+(?:[A-Z]\.[ \t]+)?{_TOKEN}){{0,2}}"
_NAME_AFTER_CUE = re.compile(
    rf"[ \t]*[:,]?[ \t]*(?:\n[ \t]*)?{_HONORIFIC}?"
    rf"(?P<n>{_NAME_RUN}(?:,[ \t]+{_TOKEN}(?=[ \t]*(?:[\n;.)]|$)))?)"
)
_NAME_AFTER_HONORIFIC = re.compile(rf"[ \t]*(?P<n>{_NAME_RUN})")

_HONORIFICS = (
    "dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "mx.", "prof.", "professor",
)  # fmt: skip
_STRONG_EN = (
    "name:", "patient:", "patient name:", "pt:", "pt name:", "attending:", "attending physician:",
    "physician:", "provider:", "surgeon:", "nurse:", "rn:", "signed:", "signed by:",
    "electronically signed by", "electronically signed by:", "dictated by", "dictated by:", "cc:",
    "contact:", "emergency contact:", "next of kin:", "nok:", "guardian:", "referring physician:",
    "referring provider:", "pcp:", "primary care physician:", "resident:", "fellow:", "author:",
    "reviewed by", "reviewed by:", "witness:", "interpreter:", "informant:", "spouse:", "mother:",
    "father:", "caregiver:", "consultant:", "anesthesiologist:", "assistant:", "pathologist:",
    "radiologist:", "ordering physician:", "ordering provider:", "patient's name", "patient name",
)  # fmt: skip
_RELATION_EN = (
    "son", "daughter", "wife", "husband", "mother", "father", "brother", "sister", "spouse",
    "partner", "grandson", "granddaughter", "niece", "nephew", "aunt", "uncle", "friend",
    "neighbor", "neighbour", "caregiver", "fiance", "fiancee", "boyfriend", "girlfriend",
    "stepson", "stepdaughter", "grandmother", "grandfather", "cousin", "guardian",
)  # fmt: skip
_WEAK_EN = (
    "patient", "the patient", "pt", "seen by", "attending", "signed by", "referred by",
    "accompanied by", "examined by", "evaluated by", "discussed with", "spoke with", "spoke to",
    "called", "named", "attending physician", "nurse", "surgeon", "physician", "colleague",
    "performed by", "transcribed by", "contact",
)  # fmt: skip
# English cue phrases, lower-cased (matched by medveil.detect._labels): phrase -> strength
CUES_EN: dict[str, str] = {
    **{w: "weak" for w in _WEAK_EN},
    **{w: "relation" for w in _RELATION_EN},
    **{w: "strong" for w in _STRONG_EN},
    **{w: "honorific" for w in _HONORIFICS},
}

_EPONYM_TAIL = re.compile(
    r"(?:['’]s|s['’])?[ \t-]+(?:[Dd]isease|[Ss]yndrome|[Ss]ign|[Ll]ymphoma|[Ss]arcoma|[Tt]umou?r"
    r"|[Tt]est|[Ss]core|[Ss]cale|[Cc]riteria|[Cc]lassification|[Pp]rocedure|[Oo]peration"
    r"|[Mm]aneuver|[Rr]eflex|[Pp]henomenon|[Tt]riad|[Ll]aw|[Ee]quation|[Ff]ormula|[Mm]ethod"
    r"|[Tt]echnique|[Ff]racture|[Pp]alsy|[Uu]lcer|[Cc]yst|[Nn]ode|[Hh]ernia|[Aa]nomaly"
    r"|[Mm]alformation|[Dd]eformity|[Ee]sophagus|[Dd]iverticulum|[Aa]ngina|[Ee]ncephalopathy"
    r"|[Tt]hyroiditis|[Pp]ouch|[Ii]ncision|[Gg]rade|[Ss]taging|[Ii]ndex|[Bb]od(?:y|ies)"
    r"|[Cc]ells?|[Gg]land|[Dd]uct|[Ll]igament|[Pp]oint|[Pp]osition|[Cc]atheter|[Tt]ube"
    r"|[Pp]rotocol|[Rr]egimen|[Cc]lassification|[Mm]odel|[Cc]urve|[Ee]stimator|[Pp]lot"
    r"|[Ee]ffect|[Nn]umber|[Rr]atio|[Cc]oefficient|[Dd]istribution|[Tt]ype|[Hh]ospital"
    r"|[Rr]egression|[Pp]roportional|[Hh]azards?|[Tt]ransform|[Ff]ilter"
    r"|[Cc]linic|[Cc]enter|[Cc]entre|[Uu]niversity|[Ii]nstitute|[Mm]edical|[Mm]emorial"
    r"|[Ss]treet|[Aa]venue|[Rr]oad|[Dd]rive|[Ll]ane|[Bb]oulevard|[Cc]ounty|[Pp]ark|[Ss]chool)\b"
)
_EN_SUFFIX = re.compile(
    r",?[ \t]+(?:MD|M\.D\.|DO|D\.O\.|RN|NP|PA-C|PA|PhD|Ph\.D\.|DDS|DMD|DVM|MBBS|FACS|FACP|"
    r"Jr\.?|Sr\.?|II|III|IV)(?![A-Za-z])"
)


_EPONYM_FIRST = frozenset("'’s \t-")  # the characters an eponym tail can open with


def _eponym_at(text: str, i: int) -> bool:
    """Whether an eponym tail ("'s sign", " disease") starts at ``text[i]``."""
    return i < len(text) and text[i] in _EPONYM_FIRST and _EPONYM_TAIL.match(text, i) is not None


def _en_tokens(text: str, s: int, e: int) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(text, s, e)]


def _listed(word: str) -> bool:
    return word in EN_GIVEN or word in EN_SURNAMES


def _trim_not_names(toks: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for t in toks:
        if t[2] in EN_NOT_NAME_WORDS or t[2] in EN_EPONYMS:
            break
        out.append(t)
    while out and out[-1][2].endswith("."):
        out.pop()  # a trailing initial is more often a sentence end
    return out


def _with_suffix(text: str, e: int) -> int:
    m = _EN_SUFFIX.match(text, e)
    return m.end() if m else e


def _en_after_cues(text: str, cues: list[tuple[int, int, str]], out: list[Candidate]) -> None:
    for s, e, cue in cues:
        kind = CUES_EN[cue]
        if kind == "honorific":
            if not text[s].isupper():
                continue
            nm = _NAME_AFTER_HONORIFIC.match(text, e)
        else:
            nm = _NAME_AFTER_CUE.match(text, e)
        if nm is None:
            continue
        ns, ne = nm.span("n")
        toks = _trim_not_names(_en_tokens(text, ns, ne))
        if not toks or toks[0][0] != ns:
            continue
        ne = toks[-1][1]
        if _eponym_at(text, ne):
            continue
        words = [t[2] for t in toks if not t[2].endswith(".")]
        if kind in ("strong", "honorific") or text[e : e + 2].lstrip(" \t")[:1] == ":":
            conf = 0.9
        elif kind == "relation":
            conf = 0.8  # "his wife Vickie": a kinship word names the person after it
        elif any(_listed(w) for w in words) and not all(w in EN_AMBIGUOUS_NAMES for w in words):
            conf = 0.8
        elif len(words) >= 2 and not any(w in EN_AMBIGUOUS_NAMES for w in words):
            conf = 0.65
        else:
            continue
        out.append((ns, _with_suffix(text, ne), E, conf, "person:en_cue"))


# "SMITH, BRYAN", "PRICE, PAMELA Q.", "Fitzgerald, Annette": a record-style name after
# "Patient", "Pt:", "Name:" or "Re:" at the start of a line or after a label. The regex opens
# with those starts, which are rarer than capitals; the start of the text is tried apart.
_CAPS_NAME_BODY = (
    r"[A-Z](?:[A-Z]+(?:['-][A-Z]+)?,[ \t]+[A-Z]{2,}(?:-[A-Z]+)?"
    r"|[a-z]+(?:['-][A-Z][a-z]+)?,[ \t]+[A-Z][a-z]+)(?:[ \t]+[A-Z]\.)?"
    r"(?=[ \t]*(?:[,;(\n]|[ \t]{2}|$))"
)
_CAPS_NAME = re.compile(_CAPS_NAME_BODY, re.MULTILINE)
_CAPS_NAME_AFTER = re.compile(rf"(?:\n|:[ \t]|Patient )(?P<n>{_CAPS_NAME_BODY})", re.MULTILINE)


def _en_caps_names(text: str, out: list[Candidate]) -> None:
    if ", " not in text:
        return
    at_start = _CAPS_NAME.match(text)
    hits = [at_start] if at_start is not None else []
    for m in hits + list(_CAPS_NAME_AFTER.finditer(text)):
        s, e = m.span(m.lastindex or 0)
        last, _, first = text[s:e].partition(",")
        first = first.split()[0]
        listed = last.title() in EN_SURNAMES or first.title() in EN_GIVEN
        if listed and not {last.title(), first.title()} & EN_NOT_NAME_WORDS:
            out.append((s, e, E, 0.8, "person:en_record_name"))


_EN_LISTED = EN_GIVEN | EN_SURNAMES


def _pair_confidence(first: str, last: str) -> float:
    """How much a Title Case pair looks like "Given Surname" (0 = not a name)."""
    if first in EN_NOT_NAME_WORDS or last in EN_NOT_NAME_WORDS:
        return 0.0
    if first in EN_EPONYMS or last in EN_EPONYMS:
        return 0.0
    g = first in EN_GIVEN
    s = last in EN_SURNAMES or (last in EN_GIVEN and g)
    amb_first, amb_last = first in EN_AMBIGUOUS_NAMES, last in EN_AMBIGUOUS_NAMES
    if g and s:
        return 0.7 if amb_first and amb_last else 0.85
    if g and not amb_first and not amb_last:
        return 0.6
    if last in EN_SURNAMES and not (amb_first and amb_last):
        return 0.5 if amb_first or amb_last else 0.55  # "Rhonda Wells", "Jade Griffith"
    return 0.0


def names_in_title_run(
    text: str, s: int, e: int, out: list[Candidate], words: list[str] | None = None
) -> None:
    """Append the names inside one run of Title Case words ``text[s:e]`` to ``out``.

    A pair is a name when its tokens are a listed given name and surname (or one listed
    and the other name-like); "Mary Ann Smith" takes a third token. ``words`` is
    ``text[s:e].split()`` when the caller has it already.
    """
    if words is None:
        words = text[s:e].split()
    if _EN_LISTED.isdisjoint(words):
        return  # every name pair has a listed given name or surname
    # In a run each word is one name token or an initial ("J."), so no tokenizer is needed.
    toks: list[tuple[int, int, str]] = []
    pos = s
    for w in words:
        pos = text.find(w, pos)
        if not w.endswith("."):
            toks.append((pos, pos + len(w), w))
        pos += len(w)
    i = 0
    while i < len(toks) - 1:
        first, last = toks[i], toks[i + 1]
        conf = _pair_confidence(first[2], last[2])
        if conf == 0.0:
            i += 1
            continue
        end = last[1]
        third = toks[i + 2][2] if i + 2 < len(toks) else ""
        if third in EN_SURNAMES and third not in EN_NOT_NAME_WORDS:
            end = toks[i + 2][1]  # "Mary Ann Smith"
            i += 1
        if _eponym_at(text, end):
            i += 2
            continue
        out.append((first[0], _with_suffix(text, end), E, conf, "person:en_names"))
        i += 2


# -- Chinese ---------------------------------------------------------------------------

_ZH_SURNAME = (
    "(?:"
    + "|".join(sorted(ZH_SURNAMES_COMPOUND))
    + "|["
    + "".join(sorted(ZH_SURNAMES_SINGLE))
    + "])"
)
_MASK = "某*＊×Ｘ"
_GIVEN = f"[{CJK}{_MASK}Xx]"

_ZH_STRONG = [
    "姓名", "患者姓名", "病人姓名", "签名", "签字", "联系人", "紧急联系人", "家属", "主治医师",
    "主治医生", "主任医师", "副主任医师", "住院医师", "主管医师", "主管医生", "经治医师",
    "责任护士", "主管护士", "记录者", "记录人", "报告人", "报告医师", "审核人", "审核者",
    "审核医师", "检查者", "操作者", "手术者", "术者", "主刀", "主刀医生", "一助", "二助",
    "麻醉师", "麻醉医师", "监护人", "委托人", "代理人", "授权人", "申请人", "配偶", "丈夫",
    "妻子", "儿子", "女儿", "父亲", "母亲", "其子", "其女", "其夫", "其妻", "之子", "之女",
    "医师签名", "医生签名", "护士签名", "主任", "教授", "门诊医师", "接诊医师", "值班医师",
    "值班医生", "带教老师", "陪同人", "陪护", "转诊医师", "会诊医师", "负责人", "上级医师",
    "陪护人", "孙子", "孙女", "外孙", "外孙女", "儿媳", "女婿", "侄子", "侄女", "外甥", "外甥女",
    "老伴", "哥哥", "姐姐", "弟弟", "妹妹", "交班", "接班", "经治医师", "记录医师", "患者姓名",
    "由家属", "其孙子", "其孙女", "其儿媳", "其侄子", "其侄女", "其老伴", "其女婿", "朋友",
]  # fmt: skip
_ZH_WEAK = ["患者", "病人", "患儿", "病患", "医生", "医师", "护士", "大夫", "孕妇", "产妇"]
_ZH_WEAK_SET = frozenset(_ZH_WEAK)
_ZH_CLINICIAN = frozenset(["医生", "医师", "护士", "大夫"])
_ZH_LEFT = re.compile(
    "(?P<cue>" + alternation(_ZH_STRONG + _ZH_WEAK) + r")(?P<sep>[:：]?[ \t]{0,2})"
    f"(?P<n>{_ZH_SURNAME}{_GIVEN}{{1,2}})"
)
_ZH_RIGHT_WORDS = [
    "医生", "医师", "大夫", "护士长", "护士", "主任", "教授", "先生", "女士", "同志", "老师",
    "阿姨", "师傅", "院长", "科长", "签名", "签字", "（男", "（女", "(男", "(女",
    "的女儿", "的儿子", "的妻子", "的丈夫", "的母亲", "的父亲", "的家属", "的配偶", "之子", "之女",
]  # fmt: skip
_ZH_AFTER_COMMA = (
    r"[ ]?(?:[男女](?=[，,、性 ；;。]|$)|电话|手机|联系电话|身份证|住址|家住|年龄|[1-9]\d{0,2}岁)"
)
# Words that follow a name; after a comma only 男/女, a phone, an address or an age count.
# Every alternative opens with a literal, so the regex engine can skip ahead on them.
_ZH_RIGHT = re.compile(
    alternation(_ZH_RIGHT_WORDS).removeprefix("(?:").removesuffix(")")
    + "".join(f"|{sep}{_ZH_AFTER_COMMA}" for sep in "，,、")
)
_SURNAME_ENDS = "".join(sorted(ZH_SURNAMES_SINGLE | {c[1] for c in ZH_SURNAMES_COMPOUND}))
# a mask character right after a character that can end a surname
_MASK_CHARS = "某*＊×ＸX"
_ZH_MASK_TRIGGER = re.compile(f"[某*＊×ＸX](?<=[{_SURNAME_ENDS}][某*＊×ＸX])")
_MASK_NOT_AFTER = frozenset("日天时年月医院处种些人地市县区项次位类")
_LEFT_OK = frozenset(
    "由请和与及同向给被把将对为叫让找跟见是经等科院室组:：，,、（(“”\"' \t\r\n。；;！!？?【】[]"
)
_HARD_BOUNDARY = frozenset("，,、。；;：:（()） \t\r\n男女“”\"'!！?？")
_NAME_FOLLOW = _HARD_BOUNDARY | frozenset("因于在是的自诉述称来到去从经被已曾今昨现主入出行")


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _split_zh(name: str) -> tuple[str, str]:
    if len(name) > 2 and name[:2] in ZH_SURNAMES_COMPOUND:
        return name[:2], name[2:]
    return name[0], name[1:]


def _given(surname: str, given: str) -> str | None:
    """The given-name part of a candidate (one or two characters), or None."""
    if given[0] in _MASK or given[0] in "Xx":
        n = 1
        while n < len(given) and given[n] == given[0]:
            n += 1
        return given[:n]
    if not _is_cjk(given[0]) or given[0] in ZH_NON_GIVEN:
        return None
    if len(given) > 1 and (not _is_cjk(given[1]) or given[1] in ZH_NON_GIVEN):
        given = given[:1]
    if surname + given[:1] in ZH_NOT_NAMES or surname + given in ZH_NOT_NAMES:
        return None
    return given


def _zh_after_cues(text: str, out: list[Candidate]) -> None:
    for m in _ZH_LEFT.finditer(text):
        surname, given = _split_zh(m.group("n"))
        g = _given(surname, given)
        if g is None:
            continue
        s = m.start("n")
        e = s + len(surname) + len(g)
        cue = m.group("cue")
        weak = cue in _ZH_WEAK_SET and not m.group("sep").strip()
        if weak and g[0] not in _MASK and e < len(text):
            nxt = text[e]
            if surname in ZH_AMBIGUOUS_SURNAMES:
                # "医生查房", "患者高热": a clinician cue needs the name to end the phrase
                limit = _HARD_BOUNDARY if cue in _ZH_CLINICIAN else _NAME_FOLLOW
                if nxt not in limit:
                    continue
        out.append((s, e, E, 0.75 if weak else 0.85, "person:zh_cue"))


def _left_ok(text: str, i: int) -> bool:
    """Whether a name may start at ``i``: start of text, non-CJK or a function word before."""
    return i == 0 or not _is_cjk(text[i - 1]) or text[i - 1] in _LEFT_OK


def _zh_before_cues(text: str, out: list[Candidate]) -> None:
    for m in _ZH_RIGHT.finditer(text):
        p = m.start()
        if p < 2:
            continue
        start = -1
        for s in (p - 4, p - 3):  # compound surname + 2 or 1 given characters
            if s >= 0 and text[s : s + 2] in ZH_SURNAMES_COMPOUND and _left_ok(text, s):
                start = s
                break
        if start < 0:
            # 向 / 于 / 和 are surnames too, but usually the word before a two-character name
            three = p >= 3 and text[p - 3] in ZH_SURNAMES_SINGLE and _left_ok(text, p - 3)
            if three and text[p - 3] in _LEFT_OK and p > 3 and _is_cjk(text[p - 4]):
                three = False
            if three:
                start = p - 3
            elif text[p - 2] in ZH_SURNAMES_SINGLE and _left_ok(text, p - 2):
                start = p - 2
        if start < 0:
            continue
        surname, given = _split_zh(text[start:p])
        g = _given(surname, given)
        if g is None or start + len(surname) + len(g) != p:
            continue
        out.append((start, p, E, 0.8, "person:zh_cue_after"))


_PLACE_ENDS = frozenset("市县区镇乡村州省旗")
_ZH_TITLES = (
    "主任", "先生", "女士", "老太太", "老先生", "老太", "老人", "护士", "医生", "医师", "大夫",
    "老师", "阿姨", "教授", "院长", "科长", "师傅", "大爷", "大妈", "奶奶", "爷爷",
)  # fmt: skip
# a surname alone names someone before a title: "王主任查房", "马老先生"
_ZH_SURNAME_TITLE = re.compile(
    f"[{''.join(sorted(ZH_SURNAMES_SINGLE))}](?={alternation(_ZH_TITLES)})"
)
# "经治医师：周倩/徐飞": a name after the slash that follows a name
_ZH_SLASH_NAME = re.compile(
    f"[/／](?P<n>{_ZH_SURNAME}{_GIVEN}{{1,2}})(?=[\u3000 \t\r\n，,。；;（(]|$)"
)
# a name that opens a sentence and is followed by a reporting or time word
# The boundary before the name is consumed, not looked behind at, so the regex engine can
# skip to it; the start of the text is tried apart with ``match``. No boundary character can
# sit inside a name, so the matches are the same as with a look-behind.
_ZH_SENTENCE_TAIL = (
    f"(?P<n>{_ZH_SURNAME}{_GIVEN}{{1,2}}?)"
    "(?=今日|今晨|今天|昨日|昨晚|昨夜|近日|代诉|自诉|诉|述|称|于(?:\\d|[二〇一]|今|昨)|\\d{4}[-年./]"
    "|[，,](?:[男女]|\\d{1,3}岁)|\u3000|\n|$)"
)
_ZH_SENTENCE_NAME = re.compile(_ZH_SENTENCE_TAIL, re.MULTILINE)
_ZH_SENTENCE_AFTER_BOUNDARY = re.compile("[。\n；;：:\u3000]" + _ZH_SENTENCE_TAIL, re.MULTILINE)


def _zh_structural(text: str, out: list[Candidate]) -> None:
    for m in _ZH_SURNAME_TITLE.finditer(text):
        s = m.start()
        if _left_ok(text, s) and not (s > 0 and text[s - 1] in ZH_SURNAMES_SINGLE):
            out.append((s, s + 1, E, 0.7, "person:zh_surname_title"))
    if "/" in text or "／" in text:
        for m in _ZH_SLASH_NAME.finditer(text):
            _append_zh(text, m.start("n"), m.group("n"), 0.75, "person:zh_slash", out)
    first = _ZH_SENTENCE_NAME.match(text)
    if first is not None and first.start("n") == 0:
        _append_zh(text, 0, first.group("n"), 0.7, "person:zh_sentence", out)
    for m in _ZH_SENTENCE_AFTER_BOUNDARY.finditer(text):
        _append_zh(text, m.start("n"), m.group("n"), 0.7, "person:zh_sentence", out)


def _append_zh(text: str, s: int, name: str, conf: float, rule: str, out: list[Candidate]) -> None:
    surname, given = _split_zh(name)
    g = _given(surname, given)
    if g is None or g[-1] in _PLACE_ENDS:
        return
    out.append((s, s + len(surname) + len(g), E, conf, rule))


def _zh_masked(text: str, out: list[Candidate]) -> None:
    last = -1
    for m in _ZH_MASK_TRIGGER.finditer(text):
        p = m.start()
        if p <= last or p == 0:
            continue
        mark = text[p]
        e = p + 1
        if e < len(text) and text[e] == mark:
            e += 1
        if mark == "X" and (e - p != 2 or ascii_letter_at(text, e)):
            continue
        if mark == "某" and e - p == 1 and e < len(text) and text[e] in _MASK_NOT_AFTER:
            continue
        if p >= 2 and text[p - 2 : p] in ZH_SURNAMES_COMPOUND:
            s = p - 2
        elif text[p - 1] in ZH_SURNAMES_SINGLE:
            s = p - 1
        else:
            continue
        if mark == "X" and ascii_letter_at(text, s - 1):
            continue
        out.append((s, e, E, 0.8, "person:zh_masked"))
        last = e - 1


def find_persons(
    text: str, cues: list[tuple[int, int, str]], out: list[Candidate], *, cjk: bool = True
) -> None:
    """Append every person name found in ``text`` to ``out``.

    ``cues`` are the English cue hits from :func:`medveil.detect._labels.scan_labels`;
    ``cjk=False`` (the text has no CJK character) skips the Chinese recognizers.
    """
    _en_after_cues(text, cues, out)
    _en_caps_names(text, out)
    if cjk:
        _zh_after_cues(text, out)
        _zh_before_cues(text, out)
        _zh_structural(text, out)
        if any(c in text for c in _MASK_CHARS):
            _zh_masked(text, out)
    propagate_names(text, out, _EPONYM_TAIL)
