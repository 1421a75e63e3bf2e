"""Identifiers found by their format alone that start with neither a digit nor a capital.

E-mail addresses, URLs, IPv6 addresses and Chinese licence plates, each confirmed by a
validator where the format has one. DEA numbers and VINs are in ``_capitals``, digit-led
formats (phones, IDs, cards, IPv4) in ``_numeric``, and numbers that need a label to be
told apart (MRNs, member IDs) in ``_cues``.

E-mail, URL and IPv6 are found from a rare trigger ("@", "://", "www.", ":") and grown
outwards inside a bounded window, so the common characters are never regex start points.
"""

from __future__ import annotations

import re

from medveil.detect._context import Candidate, alnum_at
from medveil.detect._types import EntityType
from medveil.detect._validators import ipv6_valid

E = EntityType

# -- e-mail, URL, IPv6: grown from a trigger ----------------------------------------------

_EMAIL_DOMAIN = re.compile(
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}$")

_URL_TAIL = r"[^\s<>\"'，。；、）)\]}]+"
_URL_SCHEME = re.compile("://" + _URL_TAIL)
_URL_WWW = re.compile(r"www\." + _URL_TAIL)
_SCHEME_BEFORE = re.compile(r"(?:https?|ftp|sftp|HTTPS?|FTP)$")
_BARE_DOMAIN = re.compile(
    r"\.(?:com|org|net|edu|gov|io|info|biz|cn|us|uk)"
    r"(?:/[^\s<>\"'，。；、）)\]}]*)?(?![A-Za-z0-9-])"
)
_DOMAIN_HEAD = re.compile(r"(?<![A-Za-z0-9.@_-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*"
                          r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")  # fmt: skip
_TRAILING_PUNCT = ".,;:!?'\")]}>"

_IPV6_TRIGGER = re.compile(r":[0-9A-Fa-f]{0,4}:")
_IPV6_LEFT = re.compile(r"[0-9A-Fa-f:]{0,39}$")
_IPV6_RIGHT = re.compile(r"[0-9A-Fa-f:]*(?:\d{1,3}(?:\.\d{1,3}){3})?")


def _email(text: str, out: list[Candidate]) -> None:
    for m in _EMAIL_DOMAIN.finditer(text):
        at = m.start()
        local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
        if local is None:
            continue
        s = local.start()
        while s < at and text[s] in "._%+-":
            s += 1
        if s == at:
            continue
        out.append((s, m.end(), E.EMAIL, 0.95, "email:format"))


def _url(text: str, out: list[Candidate]) -> None:
    spans: list[tuple[int, int]] = []
    for m in _URL_SCHEME.finditer(text) if "://" in text else ():
        scheme = _SCHEME_BEFORE.search(text, max(0, m.start() - 5), m.start())
        if scheme is None or alnum_at(text, scheme.start() - 1):
            continue
        s, e = scheme.start(), m.end()
        while e > s and text[e - 1] in _TRAILING_PUNCT:
            e -= 1
        out.append((s, e, E.URL, 0.9, "url:scheme"))
        spans.append((s, e))
    for m in _URL_WWW.finditer(text) if "www." in text else ():
        s, e = m.span()
        if alnum_at(text, s - 1) or any(a <= s < b for a, b in spans):
            continue
        while e > s and text[e - 1] in _TRAILING_PUNCT:
            e -= 1
        if e - s > 6:
            out.append((s, e, E.URL, 0.9, "url:www"))
            spans.append((s, e))
    for m in _BARE_DOMAIN.finditer(text):
        s = m.start()
        if any(a <= s < b for a, b in spans):
            continue
        head = _DOMAIN_HEAD.search(text, max(0, s - 64), s)
        if head is None or head.start() == s:
            continue
        hs, e = head.start(), m.end()
        if hs > 0 and text[hs - 1] in "@/":
            continue  # part of an e-mail address or of a URL found above
        while e > s and text[e - 1] in _TRAILING_PUNCT:
            e -= 1
        out.append((hs, e, E.URL, 0.6, "url:domain"))


def _ipv6(text: str, out: list[Candidate]) -> None:
    pos = 0
    while True:
        m = _IPV6_TRIGGER.search(text, pos)
        if m is None:
            return
        left = _IPV6_LEFT.search(text, max(0, m.start() - 39), m.start())
        s = left.start() if left else m.start()
        right = _IPV6_RIGHT.match(text, m.end())
        e = right.end() if right else m.end()
        pos = max(e, m.end())
        if alnum_at(text, s - 1) or alnum_at(text, e) or e - s < 3:
            continue
        value = text[s:e]
        if value.count(":") >= 2 and ipv6_valid(value):
            out.append((s, e, E.IP_ADDRESS, 0.9, "ip_address:v6"))


# -- letter-led formats -------------------------------------------------------------------

_CN_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
    r"[A-HJ-NP-Z][·•・. ]?[A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]"
)


def _cn_plates(text: str, out: list[Candidate]) -> None:
    for m in _CN_PLATE.finditer(text):
        s, e = m.span()
        if alnum_at(text, e) or not any(map(str.isdigit, m.group())):
            continue
        out.append((s, e, E.VEHICLE, 0.85, "vehicle:cn_plate"))


def find_identifiers(text: str, out: list[Candidate], *, cjk: bool = True) -> None:
    """Append every letter-led or trigger-found identifier in ``text`` to ``out``."""
    if "@" in text:
        _email(text, out)
    _url(text, out)
    if "::" in text or text.count(":") > 2:
        _ipv6(text, out)
    if cjk:
        _cn_plates(text, out)
