"""Validators: known answers, and properties over generated identifiers (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medveil.detect import (
    cn_resident_id_valid,
    ipv4_valid,
    ipv6_valid,
    luhn_valid,
    ssn_valid,
)
from medveil.detect._validators import (
    CN_PROVINCE_CODES,
    cn_resident_id15_plausible,
    dea_valid,
    mbi_valid,
    vin_valid,
)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _with_check(first17: str) -> str:
    """Append the GB 11643 check character, computed independently of the validator."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


# -- PRC resident ID ------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["11010519491231002X", "440306198506123212", "450102197803051543", "320583199011156726"],
)
def test_resident_id_known_valid(number: str) -> None:
    assert cn_resident_id_valid(number)


def test_resident_id_lowercase_x() -> None:
    assert cn_resident_id_valid("11010519491231002x")


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check character
        "99010519491231002X",  # 99 is no province
        "00010519491231002X",  # 00 is no province
        "110105194913310029",  # month 13
        "110105194902300028",  # 30 February
        "110105189912310020",  # born before 1900
        "11010519491231002",  # 17 characters
        "1101051949123100211",  # 19 characters
        "11010519491231002Y",  # Y is no check character
        "",
    ],
)
def test_resident_id_known_invalid(number: str) -> None:
    assert not cn_resident_id_valid(number)


def test_resident_id_born_in_the_future_is_invalid() -> None:
    tomorrow = date(2030, 1, 2)
    first17 = "110105" + tomorrow.strftime("%Y%m%d") + "002"
    number = _with_check(first17)
    assert not cn_resident_id_valid(number, today=date(2030, 1, 1))
    assert cn_resident_id_valid(number, today=date(2030, 1, 2))


_births = st.dates(min_value=date(1900, 1, 1), max_value=date.today() - timedelta(days=1))
_resident_ids = st.builds(
    lambda prov, rest, born, seq: _with_check(prov + rest + born.strftime("%Y%m%d") + seq),
    st.sampled_from(sorted(CN_PROVINCE_CODES)),
    st.text("0123456789", min_size=4, max_size=4),
    _births,
    st.text("0123456789", min_size=3, max_size=3),
)


@given(_resident_ids)
def test_generated_resident_ids_validate(number: str) -> None:
    assert cn_resident_id_valid(number)


@given(_resident_ids, st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_fails(number: str, pos: int, delta: int) -> None:
    digit = (int(number[pos]) + delta) % 10
    changed = number[:pos] + str(digit) + number[pos + 1 :]
    assert not cn_resident_id_valid(changed)


@given(_resident_ids, st.sampled_from("0123456789X"))
def test_any_other_check_character_fails(number: str, check: str) -> None:
    if check != number[17]:
        assert not cn_resident_id_valid(number[:17] + check)


@given(st.text(max_size=30))
def test_resident_id_validator_never_raises(s: str) -> None:
    assert cn_resident_id_valid(s) in (True, False)


def test_legacy_15_digit_shape() -> None:
    assert cn_resident_id15_plausible("440306850612321")
    assert not cn_resident_id15_plausible("440306851312321")  # month 13
    assert not cn_resident_id15_plausible("990306850612321")


# -- Luhn -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005",
     "6222020200123456788", "356938035643809"],
)  # fmt: skip
def test_luhn_known_valid(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize(
    "number",
    ["4111111111111112", "12345678901", "12345678901234567890", "4111a11111111111", "", "0"],
)
def test_luhn_known_invalid(number: str) -> None:
    assert not luhn_valid(number)


def _luhn_complete(prefix: str) -> str:
    for d in "0123456789":
        if luhn_valid(prefix + d):
            return prefix + d
    raise AssertionError("no Luhn digit")


@given(st.text("0123456789", min_size=11, max_size=18))
def test_luhn_completion_validates_and_single_changes_fail(prefix: str) -> None:
    number = _luhn_complete(prefix)
    assert luhn_valid(number)
    for pos in range(len(number)):
        changed = number[:pos] + str((int(number[pos]) + 1) % 10) + number[pos + 1 :]
        assert not luhn_valid(changed)


# -- SSN --------------------------------------------------------------------------------


@pytest.mark.parametrize("ssn", ["123-45-6789", "078-05-1121", "665 12 3456", "899123456"])
def test_ssn_known_valid(ssn: str) -> None:
    assert ssn_valid(ssn)


@pytest.mark.parametrize(
    "ssn",
    ["000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456", "123-00-4567",
     "123-45-0000", "123-45-678", "123-456-789", "123-45 6789", "12a-45-6789", ""],
)  # fmt: skip
def test_ssn_known_invalid(ssn: str) -> None:
    assert not ssn_valid(ssn)


@given(st.integers(1, 899), st.integers(1, 99), st.integers(1, 9999))
def test_ssn_ranges(area: int, group: int, serial: int) -> None:
    ssn = f"{area:03d}-{group:02d}-{serial:04d}"
    assert ssn_valid(ssn) == (area != 666)


# -- IP addresses -----------------------------------------------------------------------


@pytest.mark.parametrize("ip", ["192.168.1.1", "10.0.0.12", "255.255.255.255", "0.0.0.0"])
def test_ipv4_valid(ip: str) -> None:
    assert ipv4_valid(ip)


@pytest.mark.parametrize("ip", ["256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", "a.b.c.d", ""])
def test_ipv4_invalid(ip: str) -> None:
    assert not ipv4_valid(ip)


@pytest.mark.parametrize(
    "ip", ["2001:db8::8a2e:370:7334", "::1", "fe80::1ff:fe23:4567:890a", "::ffff:192.0.2.128"]
)
def test_ipv6_valid(ip: str) -> None:
    assert ipv6_valid(ip)


@pytest.mark.parametrize("ip", ["10:30:45", "2001:db8:::1", "12345::1", "g::1", ""])
def test_ipv6_invalid(ip: str) -> None:
    assert not ipv6_valid(ip)


@given(st.ip_addresses(v=4))
def test_ipv4_roundtrip(ip: object) -> None:
    assert ipv4_valid(str(ip))


@given(st.ip_addresses(v=6))
def test_ipv6_roundtrip(ip: object) -> None:
    assert ipv6_valid(str(ip))


# -- VIN, DEA, MBI ----------------------------------------------------------------------


def test_vin() -> None:
    assert vin_valid("1HGCM82633A004352")
    assert vin_valid("2T1BURHEXJC043821")  # check digit X
    assert not vin_valid("1HGCM82643A004352")
    assert not vin_valid("1HGCM82633A00435")
    assert not vin_valid("1HGCM82633A00435O")  # O never occurs


def test_dea() -> None:
    assert dea_valid("BJ6123450")
    assert dea_valid("FS9047211")
    assert not dea_valid("BJ6123451")
    assert not dea_valid("ZJ6123450")  # Z is no registrant type
    assert not dea_valid("B16123450")


def test_mbi() -> None:
    assert mbi_valid("1EG4-TE5-MK73")
    assert mbi_valid("1EG4TE5MK73")
    assert not mbi_valid("1SG4-TE5-MK73")  # S is excluded
    assert not mbi_valid("0EG4-TE5-MK73")
