"""Compiled (numba) kernels on PLINK 1 .bed bytes: counts, decoding, logistic IRLS sums.

A .bed row holds one variant: ``ceil(n / 4)`` bytes, sample ``s`` in bits ``2 (s % 4)`` and
``2 (s % 4) + 1`` of byte ``s // 4``. The 2-bit value is 0 = hom A1, 1 = missing, 2 = het,
3 = hom A2 (PLINK's SNP-major layout). These kernels read those bytes directly, so a
genotype is never widened to an int8 or float64 matrix unless the caller asks for one:

* :func:`group_counts` -- per variant and sample group, the counts of hom A1, het, hom A2
  and missing calls, 32 samples per 64-bit word with the CPU's popcount (the way PLINK
  counts); the groups are bit masks over the samples;
* :func:`decode` -- A1 counts as int8 (-127 missing) for chosen samples;
* :func:`centred` -- ``g - 2p`` as float64 (0 where missing: mean imputation) for chosen
  samples, the PCA's standardized chunk before its 1/sd scaling;
* :func:`logistic_weights` -- one IRLS iteration's per-sample weights of a logistic model
  ``y ~ 1 + g_j + C`` for a block of variants, fused (decode, linear predictor, expit,
  weights) in one pass; the dense products that follow are BLAS matrix products.

Kernels are compiled on first use and cached on disk (``cache=True``, next to this file);
each runs over variants with ``prange`` on numba's threads (``NUMBA_NUM_THREADS``; local
mode gives each node its share of the cores).
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
from numba import types
from numba.extending import intrinsic
from numpy.typing import NDArray

__all__ = ["MISSING", "centred", "decode", "group_counts", "group_masks", "logistic_weights",
           "warm_up"]

MISSING = -127  # int8 code of a missing call (as bed-reader's int8 reads)
_LOW = np.uint64(0x5555555555555555)


@intrinsic
def _popcount(typingctx: Any, x: Any) -> Any:  # pragma: no cover - compiled
    """The CPU's population count of a uint64 (LLVM ``ctpop``)."""
    sig = types.uint64(types.uint64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return sig, codegen


def group_masks(groups: NDArray[np.int64], n_groups: int,
                width_words: int | None = None) -> NDArray[np.uint64]:
    """Per group ``k``: a word mask with the LOW bit of sample ``s``'s pair set when
    ``groups[s] == k`` (negative groups: in no mask)."""
    n = groups.shape[0]
    width = ((n + 3) // 4 + 7) // 8 if width_words is None else width_words
    out = np.zeros((n_groups, width * 64), dtype=np.uint8)
    for k in range(n_groups):
        out[k, 2 * np.flatnonzero(groups == k)] = 1
    packed = np.packbits(out, axis=1, bitorder="little")
    return np.ascontiguousarray(packed).view(np.uint64)


@nb.njit(parallel=True, cache=True, nogil=True)
def _group_counts(rows: Any, masks: Any, sizes: Any, out: Any) -> None:  # pragma: no cover
    m, nbytes = rows.shape
    n_groups = masks.shape[0]
    full = nbytes // 8
    low = np.uint64(0x5555555555555555)
    one = np.uint64(1)
    for j in nb.prange(m):
        acc = np.zeros((n_groups, 3), dtype=np.int64)  # hom A2, high bits, low bits
        for t in range(full + (1 if nbytes % 8 else 0)):
            o = 8 * t
            if t < full:  # a little-endian word from 8 bytes (one unaligned load)
                x = (np.uint64(rows[j, o]) | (np.uint64(rows[j, o + 1]) << np.uint64(8))
                     | (np.uint64(rows[j, o + 2]) << np.uint64(16))
                     | (np.uint64(rows[j, o + 3]) << np.uint64(24))
                     | (np.uint64(rows[j, o + 4]) << np.uint64(32))
                     | (np.uint64(rows[j, o + 5]) << np.uint64(40))
                     | (np.uint64(rows[j, o + 6]) << np.uint64(48))
                     | (np.uint64(rows[j, o + 7]) << np.uint64(56)))
            else:  # the last, partial word
                x = np.uint64(0)
                for b in range(nbytes - o):
                    x |= np.uint64(rows[j, o + b]) << np.uint64(8 * b)
            xl = x & low
            xh = (x >> one) & low
            for k in range(n_groups):
                mk = masks[k, t]
                lo = xl & mk
                hi = xh & mk
                acc[k, 0] += _popcount(lo & hi)  # type: ignore[call-arg]
                acc[k, 1] += _popcount(hi)
                acc[k, 2] += _popcount(lo)
        for k in range(n_groups):
            hom2 = acc[k, 0]
            het = acc[k, 1] - hom2
            miss = acc[k, 2] - hom2
            out[k, 0, j] = sizes[k] - het - miss - hom2
            out[k, 1, j] = het
            out[k, 2, j] = hom2
            out[k, 3, j] = miss


def group_counts(rows: NDArray[np.uint8], groups: NDArray[np.int64],
                 n_groups: int) -> NDArray[np.int64]:
    """Per group: counts of hom A1, het, hom A2 and missing calls, ``(n_groups, 4, m)``.

    ``rows`` are .bed rows (m x ceil(n/4) bytes, or more: bytes past the n samples are
    ignored), ``groups`` the group of each of the n samples (negative: counted nowhere). Equal to
    :func:`medveil.gwas._stats.genotype_counts` on the decoded genotypes.
    """
    grp = np.asarray(groups, dtype=np.int64)
    out = np.zeros((n_groups, 4, rows.shape[0]), dtype=np.int64)
    if rows.shape[0] == 0:
        return out
    sizes = np.array([int((grp == k).sum()) for k in range(n_groups)], dtype=np.int64)
    width = (rows.shape[1] + 7) // 8
    _group_counts(np.ascontiguousarray(rows), group_masks(grp, n_groups, width), sizes, out)
    return out


# A1 count per 2-bit code (0 hom A1, 1 missing, 2 het, 3 hom A2)
_DOSAGE = np.array([2, MISSING, 1, 0], dtype=np.int8)


_BLOCK = 16  # variants written together: out[t, j0:j0 + 16] is one or two cache lines


@nb.njit(parallel=True, cache=True, nogil=True)
def _decode(rows: Any, samples: Any, flip: Any, lut: Any, out: Any) -> None:  # pragma: no cover
    m = rows.shape[0]
    k = samples.shape[0]
    n_blocks = (m + _BLOCK - 1) // _BLOCK
    for blk in nb.prange(n_blocks):
        j0 = blk * _BLOCK
        j1 = min(j0 + _BLOCK, m)
        for t in range(k):
            s = samples[t]
            byte = s >> 2
            shift = (s & 3) << 1
            for j in range(j0, j1):
                g = lut[(rows[j, byte] >> shift) & 3]
                if flip[j] and g != -127:
                    g = 2 - g
                out[t, j] = g


def decode(rows: NDArray[np.uint8], samples: NDArray[np.int64],
           flip: NDArray[np.bool_] | None = None) -> NDArray[np.int8]:
    """Genotypes ``(len(samples), m)`` int8: A1 counts (2 - count where ``flip``), -127
    missing, for the given sample positions."""
    m = rows.shape[0]
    f = np.zeros(m, dtype=np.bool_) if flip is None else np.ascontiguousarray(flip, np.bool_)
    s = np.ascontiguousarray(samples, dtype=np.int64)
    out = np.empty((s.shape[0], m), dtype=np.int8)
    if m and s.shape[0]:
        _decode(rows, s, f, _DOSAGE, out)
    return out


@nb.njit(parallel=True, cache=True, nogil=True)
def _centred(rows: Any, samples: Any, flip: Any, two_p: Any, lut: Any,
             out: Any) -> None:  # pragma: no cover
    m = rows.shape[0]
    k = samples.shape[0]
    n_blocks = (m + _BLOCK - 1) // _BLOCK
    for blk in nb.prange(n_blocks):
        j0 = blk * _BLOCK
        j1 = min(j0 + _BLOCK, m)
        for t in range(k):
            s = samples[t]
            byte = s >> 2
            shift = (s & 3) << 1
            for j in range(j0, j1):
                g = lut[(rows[j, byte] >> shift) & 3]
                if g == -127:
                    out[t, j] = 0.0
                else:
                    if flip[j]:
                        g = 2 - g
                    out[t, j] = g - two_p[j]


def centred(rows: NDArray[np.uint8], samples: NDArray[np.int64], flip: NDArray[np.bool_],
            two_p: NDArray[np.float64], out: NDArray[np.float64] | None = None
            ) -> NDArray[np.float64]:
    """``g - 2p`` (``len(samples)`` x m float64), 0 where the call is missing."""
    m = rows.shape[0]
    s = np.ascontiguousarray(samples, dtype=np.int64)
    if out is None:
        out = np.empty((s.shape[0], m), dtype=np.float64)
    if m and s.shape[0]:
        _centred(rows, s, np.ascontiguousarray(flip, np.bool_),
                 np.ascontiguousarray(two_p, np.float64), _DOSAGE, out)
    return out


@nb.njit(parallel=True, cache=True, nogil=True)
def _linear_predictor(rows: Any, samples: Any, flip: Any, lut: Any, eta: Any, b1: Any,
                      g_out: Any) -> None:  # pragma: no cover
    """``eta += g b1`` in place; ``g_out`` the genotype as float64, -1 where missing."""
    m = rows.shape[0]
    k = samples.shape[0]
    for j in nb.prange(m):
        f = flip[j]
        b = b1[j]
        for t in range(k):
            s = samples[t]
            gi = lut[(rows[j, s >> 2] >> ((s & 3) << 1)) & 3]
            if gi == -127:
                g_out[j, t] = -1.0
            else:
                if f:
                    gi = 2 - gi
                g = float(gi)
                g_out[j, t] = g
                eta[j, t] += g * b


@nb.njit(parallel=True, cache=True, nogil=True)
def _weights(g_in: Any, eta: Any, e: Any, y: Any, w_out: Any, wg_out: Any, wz_out: Any,
             wgg: Any, wzg: Any, nn: Any, ysum: Any) -> None:  # pragma: no cover
    """From ``eta`` and ``e = exp(-|eta|)``: IRLS weights, branch-free (vectorizes)."""
    m, k = eta.shape
    for j in nb.prange(m):
        s_gg = 0.0
        s_zg = 0.0
        s_y = 0.0
        count = 0.0
        for t in range(k):
            g = g_in[j, t]
            valid = 1.0 if g >= 0.0 else 0.0
            et = eta[j, t]
            ex = e[j, t]
            inv = 1.0 / (1.0 + ex)
            mu = inv if et >= 0.0 else ex * inv
            w = valid * (ex * inv * inv)
            wz = w * et + valid * (y[t] - mu)
            wg = w * g
            w_out[j, t] = w
            wg_out[j, t] = wg
            wz_out[j, t] = wz
            s_gg += wg * g
            s_zg += wz * g
            s_y += valid * y[t]
            count += valid
        wgg[j] = s_gg
        wzg[j] = s_zg
        nn[j] = count
        ysum[j] = s_y


@nb.njit(parallel=True, cache=True, nogil=True)
def _deviance(g_in: Any, eta: Any, e: Any, y: Any, dev: Any) -> None:  # pragma: no cover
    m, k = eta.shape
    for j in nb.prange(m):
        acc = 0.0
        for t in range(k):
            if g_in[j, t] >= 0.0:
                acc += np.log1p(e[j, t]) + max(eta[j, t], 0.0) - y[t] * eta[j, t]
        dev[j] = 2.0 * acc


def logistic_weights(rows: NDArray[np.uint8], samples: NDArray[np.int64],
                     flip: NDArray[np.bool_], eta0: NDArray[np.float64],
                     b1: NDArray[np.float64], y: NDArray[np.float64], *,
                     deviance: bool = False) -> dict[str, NDArray[Any]]:
    """One IRLS iteration of ``y ~ 1 + g_j + C`` for the block's variants, per sample.

    ``eta0`` (m x k) is each variant's linear predictor without the genotype term
    (intercept + covariates at that variant's coefficients; used as scratch space and
    overwritten when it is C-contiguous float64), ``b1`` (m,) the genotype
    coefficients, ``y`` (k,) 0/1 for the ``samples``. With ``mu = expit(eta)`` and
    ``w = mu (1 - mu)``, returns ``w``, ``w g`` and ``w z = w eta + (y - mu)`` (m x k, 0
    where the call is missing), the per-variant sums ``sum w g^2``, ``sum w z g``, the
    calls used and (``deviance``) the binomial deviance ``-2 log L``.
    """
    m = rows.shape[0]
    k = samples.shape[0]
    out = {name: np.empty((m, k)) for name in ("w", "wg", "wz")}
    wgg, wzg, dev, ysum, nn = (np.zeros(m) for _ in range(5))
    if m and k:
        eta = np.ascontiguousarray(eta0, dtype=np.float64)  # scratch: += g b1 in place
        g = np.empty((m, k))
        _linear_predictor(rows, np.ascontiguousarray(samples, np.int64),
                          np.ascontiguousarray(flip, np.bool_), _DOSAGE, eta,
                          np.ascontiguousarray(b1, np.float64), g)
        e = np.abs(eta)  # exp(-|eta|) in numpy: its SIMD exp is ~7x a scalar one
        np.negative(e, out=e)
        np.exp(e, out=e)
        yv = np.ascontiguousarray(y, np.float64)
        _weights(g, eta, e, yv, out["w"], out["wg"], out["wz"], wgg, wzg, nn, ysum)
        if deviance:
            _deviance(g, eta, e, yv, dev)
    return {**out, "wgg": wgg, "wzg": wzg, "n": nn.astype(np.int64), "dev": dev, "ysum": ysum}


def warm_up() -> None:
    """Run every kernel once on a few samples: loads the compiled code from numba's cache
    (or compiles and caches it), so a study's first request does not pay for it."""
    G = np.array([[0, 1], [2, MISSING], [1, 0], [2, 2], [0, 1]], dtype=np.int8)
    code = np.select([G.T == 2, G.T == 1, G.T == 0], [0, 2, 3], 1).astype(np.uint8)
    code = np.pad(code, ((0, 0), (0, 3)))
    rows = (code[:, 0::4] | (code[:, 1::4] << 2) | (code[:, 2::4] << 4)
            | (code[:, 3::4] << 6)).astype(np.uint8)
    samples = np.arange(5, dtype=np.int64)
    flip = np.array([False, True])
    group_counts(rows, np.array([0, 1, -1, 0, 1]), 2)
    decode(rows, samples, flip)
    centred(rows, samples, flip, np.array([1.0, 1.0]))
    logistic_weights(rows, samples, flip, np.zeros((2, 5)), np.zeros(2),
                     np.array([0.0, 1.0, 0.0, 1.0, 1.0]), deviance=True)
