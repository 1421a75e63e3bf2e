"""Federated principal components of standardized genotypes, on plink2 ``--pca``'s scale.

Samples stay at their sites; only SNP-space products (sums over samples, M x L) are
pooled. With ``X`` the N x M standardized genotype matrix stacked from the sites' row
blocks ``X_s``, the coordinator finds the top eigenpairs of ``X'X`` by randomized block
Krylov iteration (the default) or plain subspace iteration, both followed by
Rayleigh–Ritz:

1. the coordinator draws a random orthonormal start block ``Q`` (M x L, L = k + oversample,
   :func:`start_basis`);
2. every site computes ``Z_s = X_s' (X_s Q)`` over its genotypes, streamed in chunks of
   variants (:func:`site_product`; ``X_s Q`` is n_s x L and never leaves the site), and
   secure aggregation hands the coordinator ``Z = sum_s Z_s = X'X Q``;
3. the coordinator orthonormalizes ``Z`` into the next block (:func:`orthonormalize`, for
   Krylov against every block sent so far), computes Ritz values (:func:`finish`) and
   stops when they no longer move (:func:`converged`); :class:`PCACoordinator` is that
   loop as a state machine;
4. the coordinator publishes the eigenvalues and SNP loadings ``V`` (M x k), and each site
   computes its own samples' PC scores (:func:`site_scores`).

plink2's conventions (read from its source and checked against ``plink2 --pca``,
v2.00a3.5):

* standardization: ``x_ij = (g_ij - 2 p_j) / sqrt(2 p_j (1 - p_j))`` with ``p_j`` the
  allele frequency over non-missing calls (the pooled frequency here, plink2's own
  ``--freq``); which allele is counted does not matter (it flips the column's sign);
* missing calls are mean-imputed (``x = 0``); monomorphic variants contribute a zero
  column but still count in ``M``;
* ``.eigenval`` holds the eigenvalues of the GRM ``X X' / M``, M = every variant used
  (monomorphic ones included); they equal the eigenvalues of ``X'X / M``;
* ``.eigenvec`` holds unit-norm eigenvectors of that GRM over all N samples, i.e.
  ``U = X V / sqrt(M * lambda)`` with ``V`` the unit-norm eigenvectors of ``X'X``; signs are
  arbitrary (here: each column of ``V`` has its largest-magnitude entry positive).

Missing calls: the result equals ``plink2 --pca meanimpute`` to plink2's printed precision
(mean imputation is also what plink2's randomized ``approx`` mode always does). plink2's
default exact ``--pca`` instead divides each GRM entry by the number of variants called in
*both* samples, which is not a product of per-sample terms and cannot be computed from
SNP-space sums; without missing calls the two coincide, with call rates r_i the eigenvalues
here are about mean(r_i^2) times plink2's default ones (the PCs barely move).

Match plink2's variant and sample set too: plink2 builds the GRM from autosomal variants
only and computes frequencies from founders only (unless ``--nonfounders``), so pass
autosomal variants and pooled frequencies over the same samples.

Convergence: on structured data the population PCs (eigenvalues well above the
Marchenko–Pastur bulk) converge in a few rounds, but PCs inside the bulk are separated by
gaps of a fraction of a percent and need many more; block Krylov reaches them in far fewer
rounds than subspace iteration. k = 10, L = 20, three populations, N = 900, M = 3,000
(two population PCs, eight bulk PCs): Krylov has every eigenvalue within 1e-3 after 10–12
rounds, the whole top-10 subspace within sin 1e-3 of the exact one after 16–18, and stops
at the default tolerance (Ritz values moving < 1e-9) after 20–21 rounds with sin ~1e-5;
subspace iteration needs 57 and about 210 rounds for the first two. The coordinator keeps
the Krylov basis: M x L doubles per round (M = 100,000, 21 rounds: 336 MB).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from medveil.errors import InputError, ModelError

__all__ = [
    "DEFAULT_CHUNK",
    "DEFAULT_MAX_ROUNDS",
    "DEFAULT_OVERSAMPLE",
    "DEFAULT_TOL",
    "MISSING",
    "ChunkFactory",
    "Genotypes",
    "PCACoordinator",
    "PCAResult",
    "converged",
    "finish",
    "iter_chunks",
    "orthonormalize",
    "pooled_frequency",
    "run_in_process",
    "scale_scores",
    "site_allele_counts",
    "site_product",
    "site_scores",
    "site_t_times",
    "site_times",
    "standardize",
    "start_basis",
]

MISSING = -127
DEFAULT_CHUNK = 10_000
DEFAULT_OVERSAMPLE = 10
DEFAULT_TOL = 1e-9
DEFAULT_MAX_ROUNDS = 60
# a new basis column whose residual (after projecting out the basis) is below this fraction
# of the largest input column norm is numerically in the basis already and is dropped
_RANK_RTOL = 1e-10
# Cholesky QR2 is used while R's diagonal spans less than this ratio (cond(A) ~ 1e6 at most,
# well inside its stable range); beyond it Householder QR takes over
_CHOLQR_RTOL = 1e-6

@dataclass(frozen=True)
class PackedChunk:
    """A chunk as .bed rows (variants x ceil(n/4) bytes), the site's sample positions to use
    and the variants whose other allele is counted: decoded and centred in one compiled pass
    (:func:`medveil.gwas._kernels.centred`), never as an int8 matrix."""

    rows: NDArray[np.uint8]
    samples: NDArray[np.int64]
    flip: NDArray[np.bool_]

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.samples), self.rows.shape[0])


ChunkFactory = Callable[[], Iterable[tuple[slice, "NDArray[np.int8] | PackedChunk"]]]
"""Each call starts a fresh pass: (variant positions, the site's genotypes there) pairs,
n_s x len(positions) int8 A1 counts with -127 missing (or a :class:`PackedChunk`), covering
every variant once."""

Genotypes = ChunkFactory | NDArray[np.int8]
"""A site's genotypes: a chunk factory, or a whole n_s x M int8 matrix (chunked here)."""

Method = Literal["krylov", "subspace"]


# -- standardization and chunk streams ------------------------------------------------------


def _check_freq(freq: NDArray[np.float64]) -> NDArray[np.float64]:
    f = np.asarray(freq, dtype=np.float64)
    if f.ndim != 1:
        raise InputError(f"allele frequencies must be a vector, got shape {f.shape}",
                         field="freq")
    bad = np.isfinite(f) & ((f < 0.0) | (f > 1.0))
    if bad.any():
        raise InputError(f"allele frequency outside [0, 1] at variant {int(np.argmax(bad))}",
                         field="freq")
    return f


def _scales(freq: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(2p, 1/sd) per variant; 1/sd = 0 where the variant is monomorphic or unknown."""
    var = 2.0 * freq * (1.0 - freq)
    ok = np.isfinite(var) & (var > 0.0)
    inv_sd = np.zeros_like(freq)
    inv_sd[ok] = 1.0 / np.sqrt(var[ok])
    two_p = np.where(ok, 2.0 * freq, 0.0)
    return two_p, inv_sd


def _standardize(G: NDArray[np.int8], two_p: NDArray[np.float64],
                 inv_sd: NDArray[np.float64]) -> NDArray[np.float64]:
    X = G.astype(np.float64)
    X -= two_p
    X *= inv_sd
    np.putmask(X, G == MISSING, 0.0)
    return X


class _ChunkOps:
    """Products with a standardized chunk ``X_c = C_c diag(s)``, ``C_c`` the centred counts
    ``g - 2p`` (0 where missing) and ``s`` = 1/sd (0 for monomorphic variants).

    ``C_c`` is built in one reused buffer (no fresh page-faulted array per chunk) and the
    scaling is folded into the small factor, which saves an elementwise pass per chunk.
    """

    def __init__(self, freq: NDArray[np.float64]) -> None:
        self.two_p, self.inv_sd = _scales(freq)
        self._buf = np.empty(0)

    def _centred(self, sl: slice, G: NDArray[np.int8] | PackedChunk) -> NDArray[np.float64]:
        size = G.shape[0] * G.shape[1]
        if size > self._buf.size:
            self._buf = np.empty(size)
        C = self._buf[:size].reshape(G.shape)
        if isinstance(G, PackedChunk):
            from medveil.gwas._kernels import centred

            return centred(G.rows, G.samples, G.flip, self.two_p[sl], out=C)
        C[...] = G
        C -= self.two_p[sl]
        np.putmask(C, G == MISSING, 0.0)
        return C

    def times(self, sl: slice, G: NDArray[np.int8] | PackedChunk, B: NDArray[np.float64]
              ) -> NDArray[np.float64]:
        """``X_c @ B`` (n_s x L) for the chunk at ``sl`` and ``B`` = the basis rows there."""
        out: NDArray[np.float64] = self._centred(sl, G) @ (self.inv_sd[sl, None] * B)
        return out

    def t_times(self, sl: slice, G: NDArray[np.int8] | PackedChunk, Yt: NDArray[np.float64]
                ) -> NDArray[np.float64]:
        """``X_c' Y`` (chunk width x L), given ``Yt`` = Y' (L x n_s, C-contiguous)."""
        # (Y' C)' is faster than C' Y with C row-major
        out: NDArray[np.float64] = (Yt @ self._centred(sl, G)).T * self.inv_sd[sl, None]
        return out


def standardize(G: NDArray[np.int8], freq: NDArray[np.float64]) -> NDArray[np.float64]:
    """plink2's variance standardization: ``(g - 2p) / sqrt(2p(1-p))``, float64.

    ``G`` is n x m int8 A1 counts (-127 missing), ``freq`` the pooled A1 frequency (m,).
    Missing calls become 0 (mean imputation); monomorphic variants (p = 0 or 1, or an
    unknown NaN p) become a zero column.
    """
    G = np.asarray(G)
    f = _check_freq(freq)
    if G.ndim != 2 or G.shape[1] != f.shape[0]:
        raise InputError(f"genotypes of shape {G.shape} do not match {f.shape[0]} "
                         "allele frequencies", field="freq")
    two_p, inv_sd = _scales(f)
    return _standardize(G.astype(np.int8, copy=False), two_p, inv_sd)


def iter_chunks(G: NDArray[np.int8], chunk_size: int = DEFAULT_CHUNK) -> ChunkFactory:
    """A chunk factory over an in-memory n x M int8 genotype matrix (views, no copies)."""
    if chunk_size < 1:
        raise InputError(f"chunk size must be positive, got {chunk_size}", field="chunk_size")
    m = G.shape[1]

    def factory() -> Iterable[tuple[slice, NDArray[np.int8]]]:
        for start in range(0, m, chunk_size):
            sl = slice(start, min(start + chunk_size, m))
            yield sl, G[:, sl]

    return factory


def _factory(genotypes: Genotypes, chunk_size: int) -> ChunkFactory:
    if callable(genotypes):
        return genotypes
    G = np.asarray(genotypes)
    if G.ndim != 2:
        raise InputError(f"genotypes must be a samples x variants matrix, got shape {G.shape}",
                         field="genotypes")
    return iter_chunks(G.astype(np.int8, copy=False), chunk_size)


def _stream(factory: ChunkFactory, m: int
            ) -> Iterable[tuple[slice, NDArray[np.int8] | PackedChunk]]:
    """One pass over the chunks, checked: consistent sample count, each variant once."""
    seen = np.zeros(m, dtype=bool)
    n: int | None = None
    for sl, chunk in factory():
        start, stop, step = sl.indices(m)
        if step != 1 or stop < start:
            raise InputError(f"chunk positions must be a forward range, got {sl}",
                             field="chunks")
        G: NDArray[np.int8] | PackedChunk
        if isinstance(chunk, PackedChunk):
            if chunk.flip.shape != (chunk.shape[1],):
                raise InputError(f"chunk {start}:{stop}: one flip flag per variant",
                                 field="chunks")
            G = chunk
        else:
            arr = np.asarray(chunk)
            if arr.dtype.kind not in "iu":
                raise InputError(f"chunk {start}:{stop} holds {arr.dtype} values, expected "
                                 "int8 allele counts (-127 missing)", field="chunks")
            if arr.ndim != 2:
                raise InputError(f"chunk {start}:{stop} holds shape {arr.shape}",
                                 field="chunks")
            G = arr.astype(np.int8, copy=False)
        if G.shape[1] != stop - start:
            raise InputError(f"chunk {start}:{stop} holds shape {G.shape}", field="chunks")
        if n is None:
            n = G.shape[0]
        elif G.shape[0] != n:
            raise InputError(f"chunk {start}:{stop} has {G.shape[0]} samples, earlier "
                             f"chunks {n}", field="chunks")
        if seen[start:stop].any():
            raise InputError(f"chunk {start}:{stop} repeats variants", field="chunks")
        seen[start:stop] = True
        yield slice(start, stop), G
    if not seen.all():
        raise InputError(f"the chunks miss {int((~seen).sum())} of {m} variants "
                         f"(first: {int(np.argmin(seen))})", field="chunks")


def site_allele_counts(genotypes: Genotypes, m: int, *, chunk_size: int = DEFAULT_CHUNK
                       ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Node side of the counts round: (A1 allele count, called-allele count) per variant."""
    alt = np.zeros(m, dtype=np.int64)
    called = np.zeros(m, dtype=np.int64)
    for sl, chunk in _stream(_factory(genotypes, chunk_size), m):
        if isinstance(chunk, PackedChunk):
            from medveil.gwas._kernels import decode

            G = decode(chunk.rows, chunk.samples, chunk.flip)
        else:
            G = chunk
        ok = G != MISSING
        alt[sl] = np.where(ok, G, 0).sum(axis=0, dtype=np.int64)
        called[sl] = 2 * ok.sum(axis=0, dtype=np.int64)
    return alt, called


def pooled_frequency(alt: NDArray[np.int64], called: NDArray[np.int64]) -> NDArray[np.float64]:
    """A1 frequency over the called alleles of the pooled counts (NaN where none called),
    as plink2 computes it from the data."""
    a = np.asarray(alt, dtype=np.float64)
    c = np.asarray(called, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, a / np.where(c > 0, c, 1.0), np.nan)


# -- node side ------------------------------------------------------------------------------


def _check_basis(Q: NDArray[np.float64], m: int, what: str) -> NDArray[np.float64]:
    B = np.asarray(Q, dtype=np.float64)
    if B.ndim != 2 or B.shape[0] != m:
        raise InputError(f"{what} must have {m} rows (one per variant), got shape {B.shape}",
                         field=what)
    if not np.isfinite(B).all():
        raise InputError(f"{what} holds non-finite values", field=what)
    return B


def site_times(genotypes: Genotypes, freq: NDArray[np.float64], Q: NDArray[np.float64],
               *, chunk_size: int = DEFAULT_CHUNK) -> NDArray[np.float64]:
    """``X_s Q`` (n_s x L) over the given variants: one pass over the chunks. It stays at
    the site (a sum over variants of per-sample values)."""
    f = _check_freq(freq)
    m = f.shape[0]
    B = _check_basis(Q, m, "Q")
    ops = _ChunkOps(f)
    Y: NDArray[np.float64] | None = None
    for sl, G in _stream(_factory(genotypes, chunk_size), m):
        part = ops.times(sl, G, B[sl])
        Y = part if Y is None else Y + part
    if Y is None:  # m == 0 is refused by _stream's coverage check; keeps mypy honest
        raise InputError("no variants", field="chunks")
    return Y


def site_t_times(genotypes: Genotypes, freq: NDArray[np.float64], Y: NDArray[np.float64],
                 *, chunk_size: int = DEFAULT_CHUNK) -> NDArray[np.float64]:
    """``X_s' Y`` (variants x L) for the site's ``Y`` (n_s x L): one pass over the chunks;
    the SNP-space sum over this site's samples that is shared."""
    f = _check_freq(freq)
    m = f.shape[0]
    Yt = np.ascontiguousarray(np.asarray(Y, dtype=np.float64).T)
    Z = np.empty((m, Yt.shape[0]), dtype=np.float64)
    ops = _ChunkOps(f)
    for sl, G in _stream(_factory(genotypes, chunk_size), m):
        if G.shape[0] != Yt.shape[1]:
            raise InputError(f"Y has {Yt.shape[1]} rows for {G.shape[0]} samples", field="Y")
        Z[sl] = ops.t_times(sl, G, Yt)
    return Z


def site_product(genotypes: Genotypes, freq: NDArray[np.float64], Q: NDArray[np.float64],
                 *, chunk_size: int = DEFAULT_CHUNK) -> NDArray[np.float64]:
    """Node side of one round: ``X_s' (X_s Q)`` (M x L) for this site's standardized genotypes.

    ``genotypes`` is a chunk factory (called twice: ``Y = sum_chunks X_c Q_c``, then
    ``Z_c = X_c' Y`` per chunk) or an in-memory int8 matrix chunked by ``chunk_size``;
    memory beyond the output is one standardized chunk plus the n_s x L block ``Y``, which
    stays at the site. Only the returned SNP-space sum over this site's samples is shared.
    A study too large for one request computes ``Y`` over blocks of variants
    (:func:`site_times`, summed at the site) and then ``Z`` block by block
    (:func:`site_t_times`): the same numbers.
    """
    Y = site_times(genotypes, freq, Q, chunk_size=chunk_size)
    return site_t_times(genotypes, freq, Y, chunk_size=chunk_size)


def site_scores(genotypes: Genotypes, freq: NDArray[np.float64], V: NDArray[np.float64],
                eigenvalues: NDArray[np.float64], *, n_variants: int | None = None,
                chunk_size: int = DEFAULT_CHUNK) -> NDArray[np.float64]:
    """Node side, after convergence: this site's PC scores (n_s x k) on plink2's scale.

    ``U_s = X_s V / sqrt(M * lambda)`` with ``lambda`` on plink2's (GRM) scale and M =
    ``n_variants`` (default: every variant, ``len(freq)``, as plink2 counts them): the rows
    of plink2's ``.eigenvec`` for these samples. Stacked over all sites the columns are
    orthonormal. One pass over the chunks.
    """
    f = _check_freq(freq)
    m = f.shape[0]
    W = _check_basis(V, m, "V")
    lam = np.asarray(eigenvalues, dtype=np.float64).reshape(-1)
    if lam.shape[0] != W.shape[1]:
        raise InputError(f"{lam.shape[0]} eigenvalues for {W.shape[1]} eigenvectors",
                         field="eigenvalues")
    mm = m if n_variants is None else int(n_variants)
    return scale_scores(site_times(genotypes, f, W, chunk_size=chunk_size), lam, mm)


def scale_scores(S: NDArray[np.float64], eigenvalues: NDArray[np.float64],
                 n_variants: int) -> NDArray[np.float64]:
    """``X_s V`` (n_s x k) to plink2's scale: each column / sqrt(M * lambda)."""
    lam = np.asarray(eigenvalues, dtype=np.float64).reshape(-1)
    mm = int(n_variants)
    scale = np.zeros_like(lam)
    pos = lam > 0.0
    scale[pos] = 1.0 / np.sqrt(mm * lam[pos])
    return S * scale


# -- coordinator side -----------------------------------------------------------------------


def _resolve_rng(seed: int | np.random.Generator | np.random.SeedSequence | None
                 ) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def start_basis(m: int, k: int, oversample: int = DEFAULT_OVERSAMPLE,
                seed: int | np.random.Generator | np.random.SeedSequence | None = None
                ) -> NDArray[np.float64]:
    """Random Gaussian start block, orthonormalized: M x min(k + oversample, M).

    ``seed`` None draws from the OS's entropy; pass an int (or a Generator) to reproduce.
    """
    if k < 1 or oversample < 0:
        raise InputError(f"need k >= 1 and oversample >= 0, got k={k}, oversample={oversample}",
                         field="k")
    if m < k:
        raise InputError(f"{k} components requested from {m} variants", field="k")
    width = min(k + oversample, m)
    return orthonormalize(_resolve_rng(seed).standard_normal((m, width)))


def _cholesky_qr2(A: NDArray[np.float64], scale: float) -> NDArray[np.float64] | None:
    """Q of A = QR (diag(R) > 0) by Cholesky QR, twice; None when A is too ill-conditioned
    for it (then Householder decides which columns are dependent)."""
    Q = A
    for _ in range(2):
        try:
            R = scipy.linalg.cholesky(Q.T @ Q, lower=False, check_finite=False)
        except np.linalg.LinAlgError:
            return None
        d = np.abs(np.diagonal(R))
        if d.min() <= _CHOLQR_RTOL * d.max() or (Q is A and d.min() <= _RANK_RTOL * scale):
            return None
        Q = scipy.linalg.solve_triangular(R, Q.T, trans="T", lower=False,
                                          check_finite=False).T
    return np.ascontiguousarray(Q)


def orthonormalize(Z: NDArray[np.float64],
                   against: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """Orthonormal basis of ``Z``'s columns (QR with ``diag(R) > 0``, so it is unique).

    With ``against`` (orthonormal columns, e.g. the Krylov basis so far) the result is
    orthonormal to it too: ``Z`` is projected out of it twice (classical Gram–Schmidt,
    repeated). Columns that are numerically dependent (on each other or on ``against``)
    are dropped, so the result may be narrower than ``Z`` (even empty). Cholesky QR2 when
    the columns are well conditioned (tall-skinny: one pass of BLAS-3), else Householder.
    """
    A = np.asarray(Z, dtype=np.float64)
    if A.ndim != 2:
        raise InputError(f"expected a matrix, got shape {A.shape}", field="Z")
    if not np.isfinite(A).all():
        raise InputError("Z holds non-finite values", field="Z")
    scale = float(np.max(np.linalg.norm(A, axis=0))) if A.size else 0.0
    if scale == 0.0:
        return np.zeros((A.shape[0], 0))
    if against is not None and against.shape[1]:
        K = np.asarray(against, dtype=np.float64)
        for _ in range(2):
            A = A - K @ (K.T @ A)
    if A.shape[0] >= A.shape[1]:
        fast = _cholesky_qr2(A, scale)
        if fast is not None:
            return fast
    Q, R = scipy.linalg.qr(A, mode="economic", check_finite=False)
    d = np.diagonal(R)
    keep = np.abs(d) > _RANK_RTOL * scale
    sign = np.where(d < 0.0, -1.0, 1.0)
    Q = Q * sign
    return np.ascontiguousarray(Q[:, keep])


def _ritz(B: NDArray[np.float64], k: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Top-k eigenpairs (descending) of the small symmetric matrix B."""
    S = (B + B.T) / 2.0
    width = S.shape[0]
    vals, vecs = scipy.linalg.eigh(S, subset_by_index=[width - k, width - 1],
                                   check_finite=False)
    return vals[::-1].copy(), vecs[:, ::-1].copy()


def _sign_fix(V: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each column's largest-magnitude entry made positive (deterministic signs)."""
    idx = np.argmax(np.abs(V), axis=0)
    sign = np.where(V[idx, np.arange(V.shape[1])] < 0.0, -1.0, 1.0)
    return V * sign


def finish(Z: NDArray[np.float64], Q: NDArray[np.float64], k: int, n_samples: int,
           n_variants: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Rayleigh–Ritz: top-k (eigenvalues, loadings V) from ``Q`` and ``Z = X'X Q``.

    ``Q`` (M x L, orthonormal; the last block for subspace iteration, the whole basis for
    Krylov) and ``Z`` its pooled product. Eigenvalues are on plink2's scale (those of the
    GRM ``X X' / M``, i.e. of ``Q'X'XQ / n_variants``), descending; V (M x k) has unit-norm
    columns, each with its largest-magnitude entry positive.
    """
    Qm = np.asarray(Q, dtype=np.float64)
    Zm = np.asarray(Z, dtype=np.float64)
    if Qm.shape != Zm.shape or Qm.ndim != 2:
        raise InputError(f"Q {Qm.shape} and Z {Zm.shape} must have the same 2-D shape",
                         field="Z")
    if k < 1 or k > min(Qm.shape[1], n_samples):
        raise InputError(f"k={k} must be between 1 and min(basis width {Qm.shape[1]}, "
                         f"samples {n_samples})", field="k")
    if n_variants < 1:
        raise InputError(f"n_variants must be positive, got {n_variants}", field="n_variants")
    vals, W = _ritz(Qm.T @ Zm, k)
    return vals / n_variants, _sign_fix(Qm @ W)


def converged(eig_prev: NDArray[np.float64] | None, eig_new: NDArray[np.float64],
              tol: float = DEFAULT_TOL) -> bool:
    """True when no eigenvalue moved by more than ``tol`` relative to its new value."""
    if eig_prev is None:
        return False
    a = np.asarray(eig_prev, dtype=np.float64)
    b = np.asarray(eig_new, dtype=np.float64)
    if a.shape != b.shape:
        return False
    den = np.maximum(np.abs(b), np.finfo(np.float64).tiny)
    return bool(np.all(np.abs(b - a) <= tol * den))


@dataclass(frozen=True, eq=False)
class PCAResult:
    """Converged components: plink2-scale eigenvalues (k,), SNP loadings V (M x k), the
    rounds run (each one ``site_product`` per site) and the Ritz values after each round."""

    eigenvalues: NDArray[np.float64]
    V: NDArray[np.float64]
    rounds: int
    converged: bool
    history: tuple[NDArray[np.float64], ...]
    scores: tuple[NDArray[np.float64], ...] = field(default=())


class PCACoordinator:
    """The coordinator's loop, as a state machine the federation layer can drive::

        coord = PCACoordinator(m, n_samples, k=10, seed=None)
        while (Q := coord.query()) is not None:
            coord.submit(sum(site_product(site, freq, Q) for site in sites))  # secure sum
        eigenvalues, V = coord.result()

    ``method="krylov"`` (default) keeps every block sent (M x L per round, orthonormal) and
    runs Rayleigh–Ritz over their span; the small projected matrix is updated incrementally,
    so no product is stored. ``"subspace"`` keeps only the current block. A round's Ritz
    values are compared with the previous round's (:func:`converged`); the loop also stops
    at ``max_rounds`` or when the Krylov span is exhausted (it then holds X'X's range and
    the result is exact).
    """

    def __init__(self, m: int, n_samples: int, k: int = 10, *,
                 oversample: int = DEFAULT_OVERSAMPLE, tol: float = DEFAULT_TOL,
                 max_rounds: int = DEFAULT_MAX_ROUNDS, min_rounds: int = 2,
                 method: Method = "krylov",
                 seed: int | np.random.Generator | np.random.SeedSequence | None = None
                 ) -> None:
        if method not in ("krylov", "subspace"):
            raise InputError(f"unknown method {method!r}", field="method")
        if n_samples < 1 or k > min(n_samples, m):
            raise InputError(f"{k} components requested from {n_samples} samples and {m} "
                             "variants", field="k")
        if max_rounds < 1 or min_rounds < 1:
            raise InputError("max_rounds and min_rounds must be positive", field="max_rounds")
        self.m, self.n_samples, self.k = m, n_samples, k
        self.tol, self.max_rounds, self.min_rounds = tol, max_rounds, min_rounds
        self.method: Method = method
        self._Q: NDArray[np.float64] | None = start_basis(m, k, oversample, seed)
        # Krylov: every block sent, orthonormal, in the first _width columns of a
        # Fortran-ordered buffer that doubles when full (column views stay BLAS-ready)
        self._buf = np.zeros((m, 0), order="F")
        self._width = 0
        self._B = np.zeros((0, 0))  # basis' X'X basis, built a block at a time
        self._eig: NDArray[np.float64] | None = None
        self._W: NDArray[np.float64] | None = None  # Ritz vectors in basis coordinates
        self.history: list[NDArray[np.float64]] = []
        self.rounds = 0
        self.done = False
        self.is_converged = False

    def query(self) -> NDArray[np.float64] | None:
        """The block to send to every site this round, or None when finished."""
        return None if self.done else self._Q

    def submit(self, Z: NDArray[np.float64]) -> None:
        """The pooled ``sum_s site_product(...)`` for the block of :meth:`query`."""
        Q = self._Q
        if self.done or Q is None:
            raise ModelError("the PCA iteration has finished; no product was expected")
        Zm = np.asarray(Z, dtype=np.float64)
        if Zm.shape != Q.shape:
            raise InputError(f"pooled product of shape {Zm.shape}, expected {Q.shape}",
                             field="Z")
        if not np.isfinite(Zm).all():
            raise InputError("pooled product holds non-finite values", field="Z")
        self.rounds += 1
        if self.method == "krylov":
            cross = self._basis.T @ Zm  # old blocks against the new product
            corner = Q.T @ Zm
            w = self._B.shape[0]
            B = np.empty((w + Q.shape[1], w + Q.shape[1]))
            B[:w, :w] = self._B
            B[:w, w:] = cross
            B[w:, :w] = cross.T
            B[w:, w:] = (corner + corner.T) / 2.0
            self._B = B
            self._append(Q)
            k = min(self.k, B.shape[0])
            vals, self._W = _ritz(B, k)
            nxt = orthonormalize(Zm, against=self._basis)
            exhausted = nxt.shape[1] == 0  # the span is invariant under X'X: exact
        else:
            self._buf = np.asfortranarray(Q)
            self._width = Q.shape[1]
            vals, self._W = _ritz(Q.T @ Zm, self.k)
            nxt = orthonormalize(Zm)
            exhausted = nxt.shape[1] < self.k
        eig = vals / self.m
        self.is_converged = self.rounds >= self.min_rounds and converged(self._eig, eig,
                                                                         self.tol)
        self._eig = eig
        self.history.append(eig)
        if exhausted and self.method == "krylov":
            self.is_converged = True
        self.done = self.is_converged or exhausted or self.rounds >= self.max_rounds
        self._Q = None if self.done else nxt

    @property
    def _basis(self) -> NDArray[np.float64]:
        return self._buf[:, : self._width]

    def _append(self, Q: NDArray[np.float64]) -> None:
        need = self._width + Q.shape[1]
        if need > self._buf.shape[1]:
            grown = np.empty((self.m, max(need, 2 * self._buf.shape[1], 4 * Q.shape[1])),
                             order="F")
            grown[:, : self._width] = self._basis
            self._buf = grown
        self._buf[:, self._width: need] = Q
        self._width = need

    def result(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(eigenvalues on plink2's scale (k,), loadings V (M x k)) from the latest round."""
        if self._eig is None or self._W is None:
            raise ModelError("no pooled product has been submitted yet")
        return self._eig.copy(), _sign_fix(self._basis @ self._W)


def run_in_process(sites: Sequence[Genotypes], freq: NDArray[np.float64], k: int = 10, *,
                   n_samples: int | None = None, oversample: int = DEFAULT_OVERSAMPLE,
                   tol: float = DEFAULT_TOL, max_rounds: int = DEFAULT_MAX_ROUNDS,
                   method: Method = "krylov",
                   seed: int | np.random.Generator | np.random.SeedSequence | None = None,
                   chunk_size: int = DEFAULT_CHUNK, scores: bool = True) -> PCAResult:
    """The whole protocol with every site in this process (the pooled reference).

    Each round sums the sites' :func:`site_product`; ``n_samples`` (total over sites) is
    taken from the in-memory matrices when not given, else required.
    """
    f = _check_freq(freq)
    m = f.shape[0]
    if n_samples is None:
        if not all(isinstance(s, np.ndarray) for s in sites):
            raise InputError("n_samples is required when sites are chunk factories",
                             field="n_samples")
        n_samples = sum(int(np.asarray(s).shape[0]) for s in sites)
    coord = PCACoordinator(m, n_samples, k, oversample=oversample, tol=tol,
                           max_rounds=max_rounds, method=method, seed=seed)
    while (Q := coord.query()) is not None:
        Z = np.zeros_like(Q)
        for site in sites:
            Z += site_product(site, f, Q, chunk_size=chunk_size)
        coord.submit(Z)
    eig, V = coord.result()
    if not math.isfinite(float(eig.sum())):
        raise ModelError("PCA produced non-finite eigenvalues")
    site_u: tuple[NDArray[np.float64], ...] = ()
    if scores:
        site_u = tuple(site_scores(s, f, V, eig, chunk_size=chunk_size) for s in sites)
    return PCAResult(eigenvalues=eig, V=V, rounds=coord.rounds, converged=coord.is_converged,
                     history=tuple(coord.history), scores=site_u)
