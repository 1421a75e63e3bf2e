"""Addresses and places below the state / province level, in English and Chinese.

A state or province alone is not an identifier under HIPAA Safe Harbor and is never
reported; a street address, a city with its state and ZIP, a ZIP code in an address, a
military mail address, and a Chinese address with at least two levels below the province
(市+区, 县+镇, 路+号 ...) are. A hospital's name is not reported as a LOCATION: it names
the facility that wrote the note, not where the patient can be found. The facility's
street address, when written out, is found by the address rules like any other.
"""

from __future__ import annotations

import re

from medveil.detect._context import CJK, Candidate
from medveil.detect._trie import alternation
from medveil.detect._types import EntityType

E = EntityType.LOCATION

# -- United States ---------------------------------------------------------------------


def _split(s: str) -> list[str]:
    return s.split()


# USPS state, territory and military codes
US_STATE_CODES = _split(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP FM MH PW AA AE AP"
)
US_STATES = frozenset(
    _split("""Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida
    Georgia Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland
    Massachusetts
    Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon
    Pennsylvania Tennessee Texas Utah Vermont Virginia Washington Wisconsin Wyoming""")
) | frozenset(
    ["New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota",
     "Rhode Island", "South Carolina", "South Dakota", "West Virginia", "District of Columbia",
     "Puerto Rico", "United States", "America", "USA", "US", "China", "Canada", "Mexico",
     "India", "Japan", "Korea", "Germany", "France", "England", "Europe", "Asia", "Africa"]
)  # fmt: skip

# USPS Publication 28 street suffixes (full and standard abbreviations).
_SUFFIXES = _split("""
Alley Aly Annex Arcade Avenue Ave Av Bayou Beach Bend Bluff Bluffs Bottom Boulevard Blvd Branch
Bridge Brg Brook Brooks Burg Burgs Bypass Byp Camp Canyon Cape Causeway Center Ctr Centers Circle
Cir Circles Cliff Cliffs Club Common Commons Corner Corners Course Court Ct Courts Cove Coves
Creek Crk Crescent Cres Crest Crossing Xing Crossroad Crossroads Curve Dale Dam Divide Drive Dr
Drives Estate Estates Expressway Expy Extension Ext Extensions Fall Falls Ferry Field Fields Flat
Flats Ford Fords Forest Forge Forges Fork Forks Fort Freeway Fwy Garden Gardens Gateway Glen
Glens Green Greens Grove Groves Harbor Harbors Haven Heights Hts Highway Hwy Hill Hills Hollow
Inlet Island Islands Isle Junction Junctions Key Keys Knoll Knolls Lake Lakes Land Landing Lane
Ln Light Lights Loaf Lock Locks Lodge Loop Mall Manor Manors Meadow Meadows Mews Mill Mills
Mission Motorway Mount Mountain Mountains Neck Orchard Oval Overpass Park Parks Parkway Pkwy
Parkways Pass Passage Path Pike Pine Pines Place Pl Plain Plains Plaza Plz Point Pt Points Port
Ports Prairie Radial Ramp Ranch Rapid Rapids Rest Ridge Ridges River Road Rd Roads Route Rte Row
Rue Run Shoal Shoals Shore Shores Skyway Spring Springs Spur Spurs Square Sq Squares Station Sta
Stravenue Stream Street St Streets Summit Terrace Ter Throughway Trace Track Trafficway Trail
Trl Trailer Tunnel Turnpike Tpke Underpass Union Unions Valley Valleys Via Viaduct View Views
Village Villages Ville Vista Walk Walks Wall Way Ways Well Wells
""")
_WORD = r"(?:[A-Z][a-z]+|[A-Z]{2,}|\d+(?:st|nd|rd|th))"
# A US street line after its first digit (the digit-led scan in _numeric owns the first).
# Possessive quantifiers and the look-ahead for the first word only fail sooner: a number
# that is not followed by a capitalised word is rejected without backtracking.
STREET_NUMBER_TAIL = r"\d{0,5}+(?:-?[A-Za-z])?+[ \t]"
US_STREET_AFTER_FIRST_DIGIT = (
    STREET_NUMBER_TAIL
    + r"[ \t]*+(?=[A-Z0-9])(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?[ \t]+)?"
    rf"(?:{_WORD}\.?[ \t]+){{1,4}}?{alternation(_SUFFIXES)}\.?(?![A-Za-z])"
    r"(?:[ \t]+(?:N|S|E|W|NE|NW|SE|SW)\.?(?![A-Za-z]))?"
    r"(?:,?[ \t]+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|#|Room|Rm\.?|Floor|Fl\.?|Bldg\.?|"
    r"Building|Lot)[ \t]*#?[A-Za-z0-9-]{1,6})?"
)
_CITY_BEFORE = re.compile(
    r"(?:(?:APO|FPO|DPO)|(?:[A-Z][a-z]+[ \t]){0,2}[A-Z][a-z]+(?:[ \t]?\([A-Z][a-z]+\))?),?[ \t]+$"
)
# Phrases before a city or town name, lower-cased (matched by medveil.detect._labels).
PLACE_CUES_EN = (
    "lives in", "resides in", "living in", "resident of", "native of", "born in", "moved from",
    "relocated from", "moved to", "relocated to", "city:", "town:", "hometown:", "residence:",
    "city of", "hometown of", "home town:", "transferred from", "transferred to",
    "came from", "visiting from", "traveled from", "travelled from", "moved here from",
    "hospital in", "alone in", "clinic in", "center in", "centre in", "facility in",
    "home in", "house in", "apartment in", "nursing home in", "hospitalized in",
    "hospitalised in", "admitted in", "seen in", "treated in", "born and raised in",
)  # fmt: skip
_NOT_PLACE = frozenset(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December", "The", "This", "That", "His", "Her", "Their", "Our"]
)  # fmt: skip
_PLACE_AFTER_CUE = re.compile(r"[ \t]+(?P<p>[A-Z][a-z]+(?:[ \t][A-Z][a-z]+){0,2})")
_GAP = re.compile(r"[ \t]*(?:,[ \t]*|\r?\n[ \t]*|[ \t])")


def us_state_zip(text: str, s: int, e: int, out: list[Candidate]) -> None:
    """Append the "City, ST 12345" line whose "ST 12345" is ``text[s:e]``.

    Without a city before it the line is kept at a confidence below the default
    threshold: it counts only when it joins a street line (see :func:`_join_us`).
    """
    city = _CITY_BEFORE.search(text, max(0, s - 48), s)
    if city is not None:
        out.append((city.start(), e, E, 0.9, "location:us_city_state_zip"))
    else:
        out.append((s, e, E, 0.45, "location:us_city_state_zip"))


_COUNTY_IN_RUN = re.compile(
    r"(?:[A-Z][a-z]+[ \t]){1,2}(?:County|Parish|Borough)(?![ \t]+(?:Hospital|Medical|General"
    r"|Health|Memorial|Regional|Clinic|Department|Jail|Court|Sheriff))"
)


def us_county_in_run(text: str, s: int, e: int, out: list[Candidate]) -> None:
    """Append "Orange County" found inside the Title Case run ``text[s:e]``."""
    for m in _COUNTY_IN_RUN.finditer(text, s, min(len(text), e + 40)):
        if m.start() < e:
            out.append((m.start(), m.end(), E, 0.75, "location:us_county"))


_US_PARTS = frozenset(
    ["location:us_street", "location:us_box", "location:us_city_state_zip", "location:us_county"]
)


_STATE_NAMES = sorted(w for w in US_STATES if w[0].isupper() and len(w) > 3)
# "Miami, Arizona": a city named with its state (the state alone is not an identifier)
# (the scan starts at the comma, which is rarer than a capital letter)
_COMMA_STATE = re.compile(rf",[ \t](?:{alternation(_STATE_NAMES)})(?![A-Za-z])")
_CITY_BEFORE_COMMA = re.compile(r"(?<![A-Za-z])[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?$")


def _city_state(text: str, out: list[Candidate]) -> None:
    for m in _COMMA_STATE.finditer(text):
        c = _CITY_BEFORE_COMMA.search(text, max(0, m.start() - 32), m.start())
        if c is None:
            continue
        p = c.group()
        if p not in US_STATES and p.split()[0] not in _NOT_PLACE:
            out.append((c.start(), c.end(), E, 0.75, "location:us_city_state"))


def _join_us(text: str, cues: list[tuple[int, int, str]], out: list[Candidate]) -> None:
    parts = [(c[0], c[1], c[3], c[4]) for c in out if c[4] in _US_PARTS]
    for _, e, _ in cues:
        m = _PLACE_AFTER_CUE.match(text, e)
        if (
            m is not None
            and m.group("p") not in US_STATES
            and m.group("p").split()[0] not in _NOT_PLACE
        ):
            parts.append((*m.span("p"), 0.7, "location:us_place_cue"))
            out.append((*m.span("p"), E, 0.7, "location:us_place_cue"))
    parts.sort()
    # join a street line and its "City, ST ZIP" line into one address
    i = 0
    while i < len(parts):
        s, e, conf, rule = parts[i]
        j = i + 1
        while j < len(parts):
            ns, ne, nconf, _ = parts[j]
            if ns > e and _GAP.fullmatch(text, e, ns) is None:
                break
            if ns >= e:
                rule = "location:us_address"
            e, conf = max(e, ne), max(conf, nconf)
            j += 1
        if j > i + 1:
            out.append((s, e, E, conf, rule))
        i = j


# -- China -----------------------------------------------------------------------------

_PROVINCES = _split(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 "
    "广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
)
_PROVINCE_RE = re.compile(
    alternation(_PROVINCES) + r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)?"
)

_ADMIN = r"(?:自治区|特别行政区|自治州|自治县|地区|街道|社区|省|市|州|盟|区|县|旗|镇|乡|村|屯)"
_STREET = r"(?:大街|大道|胡同|小区|花园|新村|公寓|大厦|广场|路|街|巷|弄|里|苑|庄)"
_NUM = r"(?:第?[\dA-Za-z一二三四五六七八九十百零〇]{1,6}(?:-\d{1,4})?)"
_UNIT = r"(?:号院|号楼|号|弄|栋|幢|座|单元|室|楼|层|组|门|期|排)"

# The core of an address: a level marker followed closely by a house number, or two
# administrative levels in a row. Scanning starts at the marker, which is rare in notes.
_ZH_MARKERS = _split(
    "自治区 特别行政区 自治州 自治县 地区 街道 社区 省 市 州 盟 区 县 旗 镇 乡 村 屯 "
    "大街 大道 胡同 小区 路 街 巷 弄"
)
_ZH_CORE = re.compile(
    alternation(_ZH_MARKERS)
    + rf"(?:[{CJK}\dA-Za-z]{{0,10}}?{_NUM}{_UNIT}|[{CJK}]{{1,8}}?{_ADMIN}|[{CJK}]{{1,8}}?{_STREET})"
)
_ZH_BODY = re.compile(
    rf"(?:[{CJK}]{{0,8}}?(?:{_ADMIN}|{_STREET})(?![静痛定咳吐痉])|{_NUM}{_UNIT})*"
    r"(?:[ ]?(?:邮编[:：]?)?\d{6}(?!\d))?"
)
_ZH_LEFT_RUN = re.compile(rf"[{CJK}\dA-Za-z·\-]{{1,24}}$")
_ZH_LEFT_CUE = re.compile(
    r"住址|地址|家住|现住|居住于|居住在|居住|住在|住于|位于|来自|户籍地|户籍|籍贯|出生地|迁至|搬到|"
    r"工作单位|单位|寄往|送至|[在于至到往是为的]"
)
_ZH_FACILITY = re.compile(r"医院|卫生院|诊所|卫生所|卫生服务中心|大学|学院|中心|研究所|保健院")
_ZH_ADMIN_ONE = re.compile(_ADMIN)
_ZH_STREET_ONE = re.compile(_STREET)
_ZH_NUMBER_ONE = re.compile(_NUM + _UNIT)
_ZH_PLACE_AFTER_CUE = re.compile(
    rf"(?:住址|地址|家住|现住|居住地|居住于|户籍地|籍贯|出生地)[:：]?[ \t]{{0,2}}"
    rf"(?P<p>[{CJK}]{{1,12}}?(?:市|县|区|镇|乡|村|州|旗))"
)


_ZH_MAX_TAIL = 60  # an address is a line, not a paragraph


# A city or county named alone after where someone lives or comes from: "现居兰州市"
_ZH_CITY_AFTER_CUE = re.compile(
    r"(?:现居|独居于|居于|住在|住于|居住在|居住于|生活在|来自|迁至|搬到|现住|定居|定居于|系|在|省)"
    rf"(?P<p>[{CJK}]{{2,4}}?[市县])(?!医|第|人民|中心|卫生|妇|儿|区|镇|乡)"
)


def _zh_start(text: str, core_start: int) -> int:
    """Where the address that contains ``core_start`` begins (bounded look-back)."""
    run = _ZH_LEFT_RUN.search(text, max(0, core_start - 24), core_start)
    if run is None:
        return core_start
    rs = run.start()
    prov = _PROVINCE_RE.search(text, rs, core_start)
    if prov is not None:
        return prov.start()
    start = rs
    for cue in _ZH_LEFT_CUE.finditer(text, rs, core_start):
        start = cue.end()
    return max(start, core_start - 10)


def _zh(text: str, out: list[Candidate]) -> None:
    pos = 0
    n = len(text)
    while pos < n:
        m = _ZH_CORE.search(text, pos)
        if m is None:
            break
        s = _zh_start(text, m.start())
        body = _ZH_BODY.match(text, m.end(), m.end() + _ZH_MAX_TAIL)
        e = body.end() if body else m.end()
        pos = max(e, m.start() + 1)
        span = text[s:e]
        fac = _ZH_FACILITY.search(span)
        if fac is not None:
            if fac.start() < m.start() - s:
                s = s + fac.end()  # "协和医院东城区帅府园1号": the address after the name
                span = text[s:e]
            else:
                e = s + fac.start()  # "南宁市第一人民医院": stop at the facility's name
                span = text[s:e]
        admin = len(_ZH_ADMIN_ONE.findall(span))
        prov = _PROVINCE_RE.match(span)
        if prov is not None and prov.end() > 0:
            admin -= len(_ZH_ADMIN_ONE.findall(prov.group()))
        street = _ZH_STREET_ONE.search(span) is not None
        number = _ZH_NUMBER_ONE.search(span) is not None
        if street and number:
            conf = 0.9
        elif admin >= 2 or (admin >= 1 and (street or number)):
            conf = 0.85
        elif (street or admin >= 1) and prov is not None:
            conf = 0.8
        else:
            continue
        out.append((s, e, E, conf, "location:zh_address"))
    if "市" in text or "县" in text:
        for m in _ZH_CITY_AFTER_CUE.finditer(text):
            s, e = m.span("p")
            if _PROVINCE_RE.fullmatch(text, s, e) is None and not _ZH_FACILITY.search(
                text, e, e + 8
            ):
                out.append((s, e, E, 0.7, "location:zh_city_cue"))
    if "住" not in text and "址" not in text and "籍" not in text and "出生地" not in text:
        return
    for m in _ZH_PLACE_AFTER_CUE.finditer(text):
        s, e = m.span("p")
        if _PROVINCE_RE.fullmatch(text, s, e) is None:
            out.append((s, e, E, 0.75, "location:zh_place_cue"))


def find_locations(
    text: str, cues: list[tuple[int, int, str]], out: list[Candidate], *, cjk: bool = True
) -> None:
    """Append every address or sub-state place in ``text`` to ``out``.

    Runs after the digit-led and capital-led scans, whose street lines, boxes and
    "City, ST ZIP" lines it joins into whole addresses; ``cues`` are the English place cue hits
    from :func:`medveil.detect._labels.scan_labels`.
    """
    _join_us(text, cues, out)
    if ", " in text:
        _city_state(text, out)
    if cjk:
        _zh(text, out)
