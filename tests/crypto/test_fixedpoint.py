"""Fixed-point encoding: exact limbs, exact sums, bounds refused by index."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from medveil.crypto import (
    FRAC_BITS,
    LIMB_BITS,
    MAX_ABS_FLOAT,
    MAX_SITES,
    decode_counts,
    decode_floats,
    encode_counts,
    encode_floats,
)
from medveil.errors import InputError, IntegrityError

SCALE = 2**FRAC_BITS
U64 = 2**64


def exact_v(x: float) -> int:
    """Reference encoding in exact rational arithmetic: round half to even of x * 2^48."""
    v: int = round(Fraction(x) * SCALE)
    return v


def exact_total(values: list[float]) -> float:
    """The correctly rounded float of the exact sum of the encoded values."""
    return float(Fraction(sum(exact_v(x) for x in values), SCALE))


def site_sum(encodings: list[NDArray[np.uint64]]) -> NDArray[np.uint64]:
    total = np.zeros_like(encodings[0])
    for enc in encodings:
        np.add(total, enc, out=total)
    return total


def test_constants_and_documented_bound() -> None:
    assert (FRAC_BITS, LIMB_BITS, MAX_SITES) == (48, 32, 1024)
    assert math.nextafter(2.0**37, 0.0) == MAX_ABS_FLOAT
    # The largest hi limb, summed over MAX_SITES sites, still fits a signed 64-bit integer.
    assert MAX_SITES * (exact_v(MAX_ABS_FLOAT) >> LIMB_BITS) < 2**63
    assert MAX_SITES * (-exact_v(MAX_ABS_FLOAT) >> LIMB_BITS) >= -(2**63)


def test_limb_layout_matches_the_integer_split() -> None:
    xs = [1.0, -(2.0**-48), 0.0, -0.0, 3.25, -12345.678, 6.4e9, -MAX_ABS_FLOAT]
    enc = encode_floats(np.array(xs))
    assert enc.dtype == np.uint64 and enc.shape == (2, len(xs))
    for i, x in enumerate(xs):
        v = exact_v(x)
        assert int(enc[0, i]) == (v >> LIMB_BITS) % U64
        assert int(enc[1, i]) == v & (2**LIMB_BITS - 1)
    assert int(enc[0, 1]) == U64 - 1 and int(enc[1, 1]) == 2**32 - 1  # v = -1


def test_round_trip_of_random_floats_across_magnitudes() -> None:
    rng = np.random.default_rng(20260301)
    mags = np.exp2(rng.uniform(-60, 37, size=20_000))
    x = np.minimum(mags, MAX_ABS_FLOAT) * rng.choice([-1.0, 1.0], size=mags.size)
    back = decode_floats(encode_floats(x))
    err = np.abs(back - x)
    assert np.all((err <= 1e-12 * np.abs(x)) | (err <= 2.0**-48))
    # Exactly the value rounded to the 2^-48 grid: no error beyond the quantisation.
    assert np.array_equal(back, np.ldexp(np.rint(np.ldexp(x, 48)), -48))


def test_rounding_is_half_to_even_on_the_grid() -> None:
    q = 2.0**-48
    x = np.array([q / 2, 3 * q / 2, 5 * q / 2, -q / 2, -3 * q / 2, q / 4, 0.0, -0.0])
    back = decode_floats(encode_floats(x))
    assert back.tolist() == [0.0, 2 * q, 2 * q, 0.0, -2 * q, 0.0, 0.0, 0.0]


def test_sum_of_many_sites_is_exact() -> None:
    rng = np.random.default_rng(7)
    n_sites, n = 200, 500
    sites = [rng.normal(0.0, 1e-3, size=n) * rng.choice([1, 1e3, 1e6]) for _ in range(n_sites)]
    totals = decode_floats(site_sum([encode_floats(s) for s in sites]))
    for j in range(n):
        column = [float(s[j]) for s in sites]
        assert totals[j] == exact_total(column)
        # Against the raw values: each site's quantisation error is at most 2^-49.
        assert abs(totals[j] - math.fsum(column)) <= n_sites * 2.0**-49 + math.ulp(totals[j])


def test_small_values_sum_to_within_quantisation_of_fsum() -> None:
    rng = np.random.default_rng(11)
    n_sites = 64
    sites = [rng.uniform(-1e-6, 1e-6, size=300) for _ in range(n_sites)]
    totals = decode_floats(site_sum([encode_floats(s) for s in sites]))
    expected = np.array([math.fsum(float(s[j]) for s in sites) for j in range(300)])
    assert np.all(np.abs(totals - expected) <= n_sites * 2.0**-49)


def test_max_sites_at_the_bound_do_not_overflow() -> None:
    x = np.array([MAX_ABS_FLOAT, -MAX_ABS_FLOAT, 2.0**36, -(2.0**-48), 0.0])
    totals = decode_floats(site_sum([encode_floats(x)] * MAX_SITES))
    assert totals.tolist() == [MAX_SITES * v for v in x.tolist()]


def test_mixed_signs_cancel_exactly() -> None:
    x = np.array([MAX_ABS_FLOAT, 1e-9, -7.5])
    totals = decode_floats(site_sum([encode_floats(x), encode_floats(-x)]))
    assert totals.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("bad", "kind"),
    [
        (math.nextafter(MAX_ABS_FLOAT, math.inf), "range"),
        (-(2.0**40), "range"),
        (math.nan, "finite"),
        (math.inf, "finite"),
        (-math.inf, "finite"),
    ],
)
def test_out_of_range_or_non_finite_is_refused_by_index(bad: float, kind: str) -> None:
    x = np.array([1.0, -2.0, 3.0, bad, 5.0, bad])
    with pytest.raises(InputError, match=rf"^element 3 .*{kind}") as info:
        encode_floats(x)
    assert repr(bad) not in str(info.value) and str(bad) not in str(info.value).split()


def test_float_encoding_refuses_bad_shapes_and_dtypes() -> None:
    with pytest.raises(InputError, match="1-D"):
        encode_floats(np.zeros((2, 2)))
    with pytest.raises(InputError, match="dtype"):
        encode_floats(np.array(["1.0"]))
    assert encode_floats(np.zeros(0)).shape == (2, 0)
    assert decode_floats(encode_floats(np.array([1, 2], dtype=np.int64))).tolist() == [1.0, 2.0]


def test_decoding_a_random_sum_is_an_integrity_error() -> None:
    random_words = np.random.default_rng(3).integers(0, U64, size=(2, 64), dtype=np.uint64)
    with pytest.raises(IntegrityError, match="missing or corrupt"):
        decode_floats(random_words)
    bad_hi = encode_floats(np.zeros(3))
    bad_hi[0, 2] = np.uint64(2**63)  # -2^63: below -(MAX_SITES * (2^53 - 1))
    with pytest.raises(IntegrityError, match=r"^element 2 "):
        decode_floats(bad_hi)
    with pytest.raises(InputError, match=r"shape \(2, n\)"):
        decode_floats(np.zeros((1, 3), dtype=np.uint64))


def test_counts_sum_exactly() -> None:
    rng = np.random.default_rng(5)
    sites = [rng.integers(0, 2**53, size=100, dtype=np.int64) for _ in range(MAX_SITES)]
    totals = decode_counts(site_sum([encode_counts(s) for s in sites]))
    assert totals.dtype == np.int64
    expected = [sum(int(s[j]) for s in sites) for j in range(100)]
    assert totals.tolist() == expected
    edge = np.array([0, 2**53 - 1], dtype=np.int64)
    assert decode_counts(site_sum([encode_counts(edge)] * MAX_SITES)).tolist() == [
        0,
        MAX_SITES * (2**53 - 1),
    ]


@pytest.mark.parametrize("bad", [-1, 2**53, 2**62])
def test_bad_counts_are_refused_by_index(bad: int) -> None:
    with pytest.raises(InputError, match=r"^element 2 ") as info:
        encode_counts(np.array([0, 1, bad, 3], dtype=np.int64))
    assert str(bad) not in str(info.value)


def test_counts_refuse_floats_and_impossible_sums() -> None:
    with pytest.raises(InputError, match="dtype"):
        encode_counts(np.array([1.0, 2.0]))
    with pytest.raises(IntegrityError, match=r"^element 1 "):
        decode_counts(np.array([[5, 2**63]], dtype=np.uint64))
    with pytest.raises(IntegrityError):
        decode_counts(np.array([[MAX_SITES * (2**53 - 1) + 1]], dtype=np.uint64))


bounded_floats = st.floats(
    min_value=-MAX_ABS_FLOAT, max_value=MAX_ABS_FLOAT, allow_nan=False, allow_infinity=False
)


@settings(max_examples=200, deadline=None)
@given(st.lists(bounded_floats, max_size=40))
def test_property_round_trip(values: list[float]) -> None:
    back = decode_floats(encode_floats(np.array(values, dtype=np.float64)))
    assert back.tolist() == [float(Fraction(exact_v(x), SCALE)) for x in values]
    for x, y in zip(values, back.tolist(), strict=True):
        assert abs(x - y) <= 2.0**-49


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=6).flatmap(
        lambda n: st.lists(
            st.lists(bounded_floats, min_size=n, max_size=n), min_size=1, max_size=12
        )
    )
)
def test_property_sum_of_encodings_decodes_to_the_sum(sites: list[list[float]]) -> None:
    totals = decode_floats(site_sum([encode_floats(np.array(s)) for s in sites]))
    for j in range(len(sites[0])):
        assert totals[j] == exact_total([s[j] for s in sites])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 2**53 - 1), min_size=3, max_size=3), min_size=1, max_size=50)
)
def test_property_counts(sites: list[list[int]]) -> None:
    summed = site_sum([encode_counts(np.array(s, dtype=np.int64)) for s in sites])
    assert decode_counts(summed).tolist() == [sum(col) for col in zip(*sites, strict=True)]


def test_single_limb_encoding_sums_and_bounds() -> None:
    from medveil.crypto import decode_scaled, encode_scaled, scaled_bound

    rng = np.random.default_rng(5)
    sites = [rng.normal(0, 100, 1000) for _ in range(3)]
    total = sum(encode_scaled(x, frac_bits=40) for x in sites)
    got = decode_scaled(np.asarray(total, dtype=np.uint64), frac_bits=40)
    np.testing.assert_allclose(got, sites[0] + sites[1] + sites[2], rtol=0, atol=3 * 2.0**-41)
    assert scaled_bound(40) == 2.0**13
    with pytest.raises(InputError, match="element 2"):
        encode_scaled(np.array([1.0, -2.0, 2.0**13]), frac_bits=40)
    with pytest.raises(InputError, match="element 0"):
        encode_scaled(np.array([np.nan]), frac_bits=10)
    with pytest.raises(InputError, match="frac_bits"):
        encode_scaled(np.array([1.0]), frac_bits=60)
