"""Fixed-point encoding of floats and counts into the ring Z_(2^64), for secure aggregation.

Secure aggregation adds vectors of integers mod 2^64 (numpy ``uint64``, which wraps), so
every statistic a site contributes is first turned into such integers, and the coordinator
turns the unmasked sum back into numbers. Nothing here is secret; the module only has to make
the sum of encodings decode to the sum of the values, exactly, and refuse what it cannot encode.

Floats
------
A float ``x`` is scaled by 2^48 (``FRAC_BITS``) and rounded half to even to the integer
``v = rint(x * 2^48)``; the resolution is 2^-48 ≈ 3.55e-15 and a value's quantisation error is
at most 2^-49 ≈ 1.78e-15 (zero for |x| >= 16, whose float64 is already a multiple of 2^-48).
``v`` is split into two limbs (``LIMB_BITS`` = 32) that are summed separately, with no carries:

* ``hi = floor(v / 2^32)`` — signed, stored as a uint64 in two's complement;
* ``lo = v mod 2^32`` — in [0, 2^32).

so ``v = hi * 2^32 + lo``. After the limbs of n sites are summed mod 2^64,
``V = signed(Σhi) * 2^32 + Σlo`` and the total is ``V / 2^48``. Decoding is correctly rounded:
it returns the float64 nearest to the exact total of the encoded values (``math.fsum`` of them).

Bounds (``MAX_SITES`` = 1024 = 2^10 contributions to one sum):

* ``Σlo`` ≤ 2^10 * (2^32 - 1) < 2^42: always fits, never wraps.
* ``Σhi`` must fit a signed 64-bit integer, so each |hi| ≤ (2^63 - 1) / 2^10, i.e.
  |hi| < 2^53, i.e. |v| < 2^85, i.e. **|x| < 2^37 = 137,438,953,472**. ``MAX_ABS_FLOAT`` is the
  largest float64 below that, 2^37 - 2^-16 = 137,438,953,471.9999847 (≈ 1.374e11), and every
  element must satisfy |x| ≤ ``MAX_ABS_FLOAT``. Then |Σhi| ≤ 2^10 * (2^53 - 1) = 2^63 - 1024.
  A total over 1024 sites is below 2^47 ≈ 1.407e14.

The bound is taken from the hi limb, not from v fitting an int64 (which would allow only
|x| < 2^15 = 32,768): v itself is never held as an integer, only as an exact integer-valued
float64 (scaling by 2^48 and ``rint`` are exact) and as its two limbs, each computed exactly.
It leaves room for clinical sums such as Σage² over 10^6 rows ≈ 6.4e9 (≈ 2^32.6) per site.

Single-limb floats (a scale chosen per request)
-----------------------------------------------
``encode_scaled(x, frac_bits=F)`` is the plain "integers mod 2^64" encoding: one limb
``v = rint(x * 2^F)`` (signed, two's complement), resolution 2^-F, for callers that know the
magnitude of what they sum (e.g. vectors of bounded scores). Each element must satisfy
|x| < 2^(53 - F) so that v is exact in float64 and the sum of ``MAX_SITES`` values fits
(|Σv| < 2^63); anything else is refused naming the element. It sends half the bytes of the
two-limb encoding; the statistics use the two-limb encoding, which needs no magnitude.

Counts
------
A count ``c`` is one limb, itself: 0 ≤ c < 2^53 = 9,007,199,254,740,992 (so a count can also
pass through float64 unchanged). The sum of ``MAX_SITES`` counts is ≤ 2^10 * (2^53 - 1) < 2^63.

Integrity tripwire
------------------
If one masked vector is missing or corrupt, the unmasked sum is uniformly random. Decoding
refuses sums no honest set of at most ``MAX_SITES`` contributions can produce, with
:class:`~medveil.errors.IntegrityError`: a ``Σlo`` ≥ 2^42 (a random word passes with
probability 2^-22 per element) or a ``Σhi`` outside ±(2^63 - 1024); a count total above
2^63 - 1024 (probability 1/2 per element). This catches accidents, it is not authentication.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from medveil.errors import InputError, IntegrityError

FRAC_BITS = 48
LIMB_BITS = 32
MAX_SITES = 1024
MAX_ABS_FLOAT = 2.0**37 - 2.0**-16

_LO_MASK = (1 << LIMB_BITS) - 1
_MAX_HI_SUM = MAX_SITES * (2**53 - 1)
_MAX_LO_SUM = MAX_SITES * _LO_MASK
_COUNT_LIMIT = 2**53
_MAX_COUNT_SUM = MAX_SITES * (_COUNT_LIMIT - 1)
# Decoding splits signed(Σhi) = hh * 2^20 + hl so that hh * 2^52 and hl * 2^32 + Σlo are both
# exact in float64; their float sum is then the only rounding.
_SPLIT_BITS = 20


def encode_floats(x: NDArray[np.float64]) -> NDArray[np.uint64]:
    """Encode a 1-D float vector as fixed-point limbs, shape ``(2, n)``: row 0 hi, row 1 lo.

    Raises :class:`InputError` naming the first element that is NaN, infinite, or has
    |x| > ``MAX_ABS_FLOAT``; the message names its index, never its value.
    """
    arr = _as_1d(x, "float vector", "fiu", "a real number type").astype(np.float64, copy=False)
    # NaN fails every comparison, so ``~(|x| <= bound)`` flags NaN, inf and overflow at once.
    bad = ~(np.abs(arr) <= MAX_ABS_FLOAT)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        if np.isfinite(arr[index]):
            raise InputError(
                f"element {index} is outside the fixed-point range |x| <= {MAX_ABS_FLOAT!r}"
            )
        raise InputError(f"element {index} is not a finite number")
    # Every step is exact: power-of-two scaling, rint and floor of floats below 2^85, and the
    # subtraction, whose exact result is an integer in [0, 2^32).
    v = np.rint(np.ldexp(arr, FRAC_BITS))
    hi = np.floor(np.ldexp(v, -LIMB_BITS))
    lo = v - np.ldexp(hi, LIMB_BITS)
    out = np.empty((2, arr.shape[0]), dtype=np.uint64)
    out[0] = hi.astype(np.int64).view(np.uint64)
    out[1] = lo.astype(np.uint64)
    return out


def decode_floats(summed: NDArray[np.uint64]) -> NDArray[np.float64]:
    """Decode summed limbs, shape ``(2, n)``, into the float totals, shape ``(n,)``.

    The result is the float64 nearest to the exact sum of the encoded values. Raises
    :class:`IntegrityError` if a limb sum is impossible for at most ``MAX_SITES`` honest
    contributions (a masked vector missing or corrupt).
    """
    limbs = _as_limbs(summed, 2)
    hi = limbs[0].view(np.int64)
    lo = limbs[1]
    bad_lo = lo > np.uint64(_MAX_LO_SUM)
    bad_hi = (hi > np.int64(_MAX_HI_SUM)) | (hi < np.int64(-_MAX_HI_SUM))
    bad = bad_lo | bad_hi
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise IntegrityError(
            f"element {index} of the summed limbs is out of range: a masked vector is missing "
            "or corrupt"
        )
    hh = np.right_shift(hi, _SPLIT_BITS)  # arithmetic shift: floor division by 2^20
    hl = np.bitwise_and(hi, (1 << _SPLIT_BITS) - 1).view(np.uint64)
    rest = np.left_shift(hl, np.uint64(LIMB_BITS)) + lo  # < 2^52 + 2^42: exact in float64
    total = np.ldexp(hh.astype(np.float64), _SPLIT_BITS + LIMB_BITS) + rest.astype(np.float64)
    result: NDArray[np.float64] = np.ldexp(total, -FRAC_BITS)
    return result


MAX_SCALED_FRAC_BITS = 52


def scaled_bound(frac_bits: int) -> float:
    """Largest |x| (exclusive) :func:`encode_scaled` accepts at ``frac_bits``."""
    return float(2.0 ** (53 - frac_bits))


def encode_scaled(x: NDArray[np.float64], *, frac_bits: int) -> NDArray[np.uint64]:
    """Encode floats as one fixed-point limb at scale 2^-frac_bits, shape ``(1, n)``.

    Raises :class:`InputError` naming the first element that is not finite or has
    |x| >= 2^(53 - frac_bits); the message names its index, never its value.
    """
    if not 0 <= frac_bits <= MAX_SCALED_FRAC_BITS:
        raise InputError(f"frac_bits must be in 0..{MAX_SCALED_FRAC_BITS}")
    arr = _as_1d(x, "float vector", "fiu", "a real number type").astype(np.float64, copy=False)
    bound = scaled_bound(frac_bits)
    bad = ~(np.abs(arr) < bound)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise InputError(f"element {index} is not a finite number below {bound!r} in magnitude "
                         f"(single-limb range at frac_bits={frac_bits})")
    v = np.rint(np.ldexp(arr, frac_bits))
    return v.astype(np.int64).view(np.uint64).reshape(1, -1)


def decode_scaled(summed: NDArray[np.uint64], *, frac_bits: int) -> NDArray[np.float64]:
    """Decode a summed single limb, shape ``(1, n)``, at scale 2^-frac_bits."""
    limbs = _as_limbs(summed, 1)
    total = limbs[0].view(np.int64)
    bad = (total > np.int64(MAX_SITES * (2**53 - 1))) | (total < np.int64(-MAX_SITES * (2**53 - 1)))
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise IntegrityError(
            f"element {index} of the summed limb is out of range: a masked vector is missing "
            "or corrupt"
        )
    result: NDArray[np.float64] = np.ldexp(total.astype(np.float64), -frac_bits)
    return result


def encode_counts(c: NDArray[np.int64]) -> NDArray[np.uint64]:
    """Encode a 1-D vector of counts, 0 ≤ c < 2^53, as one limb, shape ``(1, n)``.

    Raises :class:`InputError` naming the first negative or too large count by index.
    """
    arr = _as_1d(c, "count vector", "iu", "an integer type")
    bad = (arr < 0) | (arr >= _COUNT_LIMIT)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise InputError(f"element {index} is not a count in [0, 2^53)")
    return arr.astype(np.uint64).reshape(1, -1)


def decode_counts(summed: NDArray[np.uint64]) -> NDArray[np.int64]:
    """Decode summed counts, shape ``(1, n)``, into totals, shape ``(n,)``.

    Raises :class:`IntegrityError` if a total exceeds what ``MAX_SITES`` counts below 2^53 can
    reach (in particular any total ≥ 2^63): a masked vector is missing or corrupt.
    """
    limbs = _as_limbs(summed, 1)
    bad = limbs[0] > np.uint64(_MAX_COUNT_SUM)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise IntegrityError(
            f"element {index} of the summed counts is out of range: a masked vector is missing "
            "or corrupt"
        )
    totals: NDArray[np.int64] = limbs[0].astype(np.int64)
    return totals


def _as_1d(values: NDArray[Any], what: str, kinds: str, expected: str) -> NDArray[Any]:
    arr = np.asarray(values)
    if arr.dtype.kind not in kinds:
        raise InputError(f"{what} has dtype {arr.dtype}, expected {expected}")
    if arr.ndim != 1:
        raise InputError(f"{what} must be 1-D, got shape {arr.shape}")
    return arr


def _as_limbs(summed: NDArray[np.uint64], rows: int) -> NDArray[np.uint64]:
    arr = np.asarray(summed)
    if arr.dtype != np.uint64:
        raise InputError(f"summed limbs have dtype {arr.dtype}, expected uint64")
    if arr.ndim != 2 or arr.shape[0] != rows:
        raise InputError(f"summed limbs must have shape ({rows}, n), got {arr.shape}")
    return arr
