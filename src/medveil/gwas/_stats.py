"""GWAS arithmetic: per-site sums (node side) and statistics from pooled sums (coordinator).

Genotypes
---------
``G`` is an ``(n_samples, m)`` int8 array holding the count of allele A1 -- the *counted*
allele, PLINK's ``.bim`` column 5 -- per sample and variant: 0, 1 or 2, and any other value
(PLINK's convention is -127) for a missing call.

Genotype counts have shape ``(4, m)`` per group, rows in PLINK's ``--hardy`` order:

* ``0`` -- homozygous A1 (genotype 2),
* ``1`` -- heterozygous (genotype 1),
* ``2`` -- homozygous A2 (genotype 0),
* ``3`` -- missing.

Counts and regression sums are plain sums over samples, so the arrays of several sites add
up (secure aggregation) to the arrays of their pooled samples, and every coordinator-side
function below gives the statistic of the pooled data.

Node side
---------
:func:`genotype_counts` -- per group (e.g. 0 = control, 1 = case) counts of the four rows.

:func:`regression_sums` -- for the per-variant model ``y ~ 1 + g_j + C`` (parameter order:
intercept, genotype, covariates; ``p = 2 + c``), over the samples with ``g_j``, ``y`` and
every covariate present: ``X_j' W X_j``, ``X_j' W z``, the sample count, the deviance (or
residual sum of squares) at the given coefficients and ``y'y``. Logistic models use the IRLS
working weights ``W = mu (1 - mu)`` and response ``z = eta + (y - mu) / W``; ``beta=None``
starts at ``beta = 0`` (``mu = 1/2`` for every sample). Linear models use ``W = 1``,
``z = y`` and ignore ``beta`` except for ``dev``.

Coordinator side
----------------
:func:`allele_freq`, :func:`call_rate`; :func:`allelic_test` (PLINK 1.9 ``--assoc``);
:func:`trend_test` (the ``TREND`` row of PLINK 1.9 ``--model``); :func:`hwe_exact` (PLINK's
exact Hardy-Weinberg test, ``--hardy``) and :func:`hwe_chisq`; :func:`regression_step`
(one IRLS / least-squares solve per variant) and :func:`regression_result` (the genotype
row of ``plink2 --glm``).

Statistics that PLINK prints as ``NA`` are NaN here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = [
    "allele_freq",
    "allelic_test",
    "call_rate",
    "genotype_counts",
    "hwe_chisq",
    "hwe_exact",
    "logistic_sums_packed",
    "regression_result",
    "regression_step",
    "regression_sums",
    "trend_test",
]

#: Samples per block when counting genotypes (keeps each block in cache).
_COUNT_BLOCK = 256
#: Elements (samples x variants) per variant chunk in :func:`regression_sums`.
_REGRESS_ELEMS = 1 << 20
#: Elements (variants x het counts) per block in :func:`hwe_exact`.
_HWE_ELEMS = 1 << 19
#: Het counts less likely than ``exp(-_HWE_MARGIN)`` times the observed one cannot change a
#: double-precision p-value (the tail sum holds the observed term); the exact test skips them.
_HWE_MARGIN = 40.0
#: Two het counts whose log-probabilities differ by at most this much are a tie (both are
#: counted in the tail, as in Wigginton et al.'s ``p(h) <= p(obs)``).
_HWE_TIE = 1e-9
#: A coefficient matrix whose Jacobi-scaled smallest eigenvalue is below this (relative to
#: the largest) is singular.
_SINGULAR_RCOND = 1e-12


# --------------------------------------------------------------------------- node side


def genotype_counts(G: ArrayLike, groups: ArrayLike, n_groups: int) -> NDArray[np.int64]:
    """Per group, the counts of hom A1 (2), het (1), hom A2 (0) and missing calls.

    ``G`` is ``(n, m)`` (int8 allele counts, anything outside 0..2 missing), ``groups`` is
    ``(n,)`` with values in ``[0, n_groups)``; samples with a negative group are skipped.
    Returns ``(n_groups, 4, m)`` int64.
    """
    g = np.asarray(G)
    if g.ndim != 2:
        raise ValueError("G must be a 2-d (samples, variants) array")
    grp = np.asarray(groups, dtype=np.int64).reshape(-1)
    n, m = g.shape
    if grp.shape[0] != n:
        raise ValueError(f"groups has {grp.shape[0]} entries for {n} samples")
    if n_groups < 0 or (grp >= n_groups).any():
        raise ValueError("group index out of range")
    out = np.zeros((n_groups, 4, m), dtype=np.int64)
    for k in range(n_groups):
        idx = np.flatnonzero(grp == k)
        acc = np.zeros((3, m), dtype=np.int64)
        for start in range(0, len(idx), _COUNT_BLOCK):
            block = g[idx[start:start + _COUNT_BLOCK]]
            for row, code in enumerate((2, 1, 0)):
                acc[row] += np.count_nonzero(block == code, axis=0)
        out[k, :3] = acc
        out[k, 3] = len(idx) - acc.sum(axis=0)
    return out


def _covariates(C: ArrayLike | None, n: int) -> NDArray[np.float64]:
    if C is None:
        return np.zeros((n, 0))
    c = np.asarray(C, dtype=np.float64)
    if c.ndim == 1:
        c = c.reshape(n, 1)
    if c.ndim != 2 or c.shape[0] != n:
        raise ValueError(f"C must be ({n}, c), got {c.shape}")
    return c


def regression_sums(G: ArrayLike, y: ArrayLike, C: ArrayLike | None,
                    beta: ArrayLike | None, *, logistic: bool,
                    deviance: bool = True) -> dict[str, NDArray[Any]]:
    """One site's sums for the per-variant regressions ``y ~ 1 + g_j + C``.

    ``G`` ``(n, m)`` int8 genotypes, ``y`` ``(n,)`` (0/1 for ``logistic``; NaN = missing),
    ``C`` ``(n, c)`` covariates (NaN = missing; ``None`` or ``(n, 0)`` for none), ``beta``
    ``(m, p)`` current coefficients or ``None`` (= zeros). A sample enters variant ``j``'s
    sums when ``g_j``, ``y`` and all of ``C`` are present.

    Returns (every entry a sum over samples, so sites add):

    * ``"xtwx"`` ``(m, p, p)`` -- ``X_j' W_j X_j``;
    * ``"xtwz"`` ``(m, p)`` -- ``X_j' W_j z_j``;
    * ``"n"`` ``(m,)`` int64 -- samples used;
    * ``"dev"`` ``(m,)`` -- at ``beta``: the binomial deviance ``-2 log L`` (logistic; zeros
      with ``deviance=False``) or the residual sum of squares (linear);
    * ``"yy"`` ``(m,)`` -- ``sum y^2`` over the samples used (for the linear RSS).

    Work is vectorised over variants (in chunks bounding memory to a few ``n x chunk``
    float64 arrays): no ``(m, n, p)`` tensor is formed.
    """
    g_all = np.asarray(G)
    if g_all.ndim != 2:
        raise ValueError("G must be a 2-d (samples, variants) array")
    n, m = g_all.shape
    yv = np.asarray(y, dtype=np.float64).reshape(-1)
    if yv.shape[0] != n:
        raise ValueError(f"y has {yv.shape[0]} entries for {n} samples")
    cv = _covariates(C, n)
    c = cv.shape[1]
    p = 2 + c
    ok = np.isfinite(yv) & np.isfinite(cv).all(axis=1)
    if logistic and not np.isin(yv[ok], (0.0, 1.0)).all():
        raise ValueError("a logistic regression needs y in {0, 1}")
    yz = np.where(ok, yv, 0.0)
    cz = np.where(ok[:, None], cv, 0.0)
    iu = np.triu_indices(c)
    t = len(iu[0])
    ones = ok.astype(np.float64)
    # per-sample columns whose weighted sums make up the matrices:
    # base = [1, C, C_a C_b (a <= b), y, y C, y^2] for the masked-weight sums of the linear
    # model (and [1, C, C_a C_b] of the logistic one); lin = [1, C] for the rest.
    lin = np.column_stack([ones, cz])
    cols = [lin, cz[:, iu[0]] * cz[:, iu[1]]]
    if not logistic:
        cols += [yz[:, None], yz[:, None] * cz, (yz * yz)[:, None]]
    base = np.column_stack(cols)
    if beta is None:
        b = np.zeros((m, p))
    else:
        b = np.asarray(beta, dtype=np.float64)
        if b.shape != (m, p):
            raise ValueError(f"beta must be ({m}, {p}), got {b.shape}")

    xtwx = np.zeros((m, p, p))
    xtwz = np.zeros((m, p))
    nn = np.zeros(m, dtype=np.int64)
    dev = np.zeros(m)
    yy = np.zeros(m)
    step = max(16, _REGRESS_ELEMS // max(n, 1))
    for start in range(0, m, step):
        sl = slice(start, min(start + step, m))
        gc = g_all[:, sl]
        valid = (gc >= 0) & (gc <= 2)
        valid &= ok[:, None]
        mask = valid.astype(np.float64)
        if np.issubdtype(gc.dtype, np.integer):
            g = gc.astype(np.float64)
            g *= mask  # missing calls (and unusable samples) -> 0
        else:  # float genotypes may hold NaN
            g = np.where(valid, gc, 0.0).astype(np.float64)
        nn[sl] = np.count_nonzero(valid, axis=0)
        bs = b[sl]
        if logistic:
            eta = lin @ bs[:, [0, *range(2, p)]].T
            eta += g * bs[:, 1]
            e = np.exp(-np.abs(eta))
            inv = 1.0 / (1.0 + e)
            w = e * inv
            mu = np.where(eta >= 0, inv, w)  # expit(eta)
            w *= inv  # mu (1 - mu)
            w *= mask
            # binomial deviance: 2 sum [softplus(eta) - y eta]
            if deviance:  # not needed to iterate; IRLS callers may skip it (a third of it)
                sp = np.log1p(e)
                sp += np.maximum(eta, 0.0)
                sp -= yz[:, None] * eta
                dev[sl] = 2.0 * np.einsum("ij,ij->j", mask, sp)
            wz = eta * w  # w z = w eta + (y - mu)
            mu -= yz[:, None]
            mu *= mask
            wz -= mu
            wg = w * g
            r_w = w.T @ base  # [sum w, sum w C, sum w C C']
            r_wg = wg.T @ lin  # [sum w g, sum w g C]
            r_wz = wz.T @ lin  # [sum w z, sum w z C]
            xtwx[sl, 1, 1] = np.einsum("ij,ij->j", wg, g)
            xtwz[sl, 1] = np.einsum("ij,ij->j", wz, g)
            yy[sl] = mask.T @ yz  # y^2 = y
        else:
            r_w = mask.T @ base  # [n, sum C, sum C C', sum y, sum y C, sum y^2]
            r_wg = g.T @ np.column_stack([lin, yz])  # [sum g, sum g C, sum g y]
            xtwx[sl, 1, 1] = np.einsum("ij,ij->j", g, g)
            r_wz = r_w[:, 1 + c + t:2 + 2 * c + t]
            xtwz[sl, 1] = r_wg[:, 1 + c]
            yy[sl] = r_w[:, -1]
            if beta is None:
                dev[sl] = yy[sl]
            else:
                resid = lin @ bs[:, [0, *range(2, p)]].T
                resid += g * bs[:, 1]
                resid -= yz[:, None]
                dev[sl] = np.einsum("ij,ij->j", mask, resid * resid)
        _assemble(xtwx, xtwz, sl, c, r_w, r_wg, r_wz)
    return {"xtwx": xtwx, "xtwz": xtwz, "n": nn, "dev": dev, "yy": yy}


def _assemble(xtwx: NDArray[np.float64], xtwz: NDArray[np.float64], sl: slice, c: int,
              r_w: NDArray[np.float64], r_wg: NDArray[np.float64],
              r_wz: NDArray[np.float64]) -> None:
    """Fill rows ``sl`` of X'WX / X'Wz from the products with ``base`` and ``lin``."""
    iu = np.triu_indices(c)
    t = len(iu[0])
    xtwx[sl, 0, 0] = r_w[:, 0]
    xtwx[sl, 0, 1] = xtwx[sl, 1, 0] = r_wg[:, 0]
    xtwz[sl, 0] = r_wz[:, 0]
    if c:
        xtwx[sl, 0, 2:] = xtwx[sl, 2:, 0] = r_w[:, 1:1 + c]
        xtwx[sl, 1, 2:] = xtwx[sl, 2:, 1] = r_wg[:, 1:1 + c]
        block = np.zeros((r_w.shape[0], c, c))
        block[:, iu[0], iu[1]] = r_w[:, 1 + c:1 + c + t]
        block[:, iu[1], iu[0]] = r_w[:, 1 + c:1 + c + t]
        xtwx[sl, 2:, 2:] = block
        xtwz[sl, 2:] = r_wz[:, 1:1 + c]


def logistic_sums_packed(rows: NDArray[np.uint8], samples: NDArray[np.int64],
                         flip: NDArray[np.bool_], y: ArrayLike, C: ArrayLike | None,
                         beta: ArrayLike | None, *,
                         deviance: bool = True) -> dict[str, NDArray[Any]]:
    """:func:`regression_sums` (logistic) straight from .bed rows: the same sums.

    ``rows`` (m x ceil(n/4) bytes) are the variants' .bed rows, ``samples`` the positions
    (in the .fam) of the samples to use -- all with ``y`` and every covariate present; ``y``
    (k,) and ``C`` (k, c) are theirs -- and ``flip`` marks the variants whose other allele is
    counted. The per-sample pass (decode, linear predictor, expit, weights) is one compiled
    kernel (:func:`medveil.gwas._kernels.logistic_weights`); the sums over samples are BLAS
    products of the weights with ``[1, C, C_a C_b]``, a block of variants at a time.
    """
    from medveil.gwas._kernels import logistic_weights

    samp = np.asarray(samples, dtype=np.int64).reshape(-1)
    k = samp.shape[0]
    m = rows.shape[0]
    yv = np.asarray(y, dtype=np.float64).reshape(-1)
    cv = _covariates(C, k)
    if yv.shape[0] != k:
        raise ValueError(f"y has {yv.shape[0]} entries for {k} samples")
    if not (np.isfinite(yv).all() and np.isfinite(cv).all()):
        raise ValueError("y and C must be present for every sample used")
    if not np.isin(yv, (0.0, 1.0)).all():
        raise ValueError("a logistic regression needs y in {0, 1}")
    c = cv.shape[1]
    p = 2 + c
    iu = np.triu_indices(c)
    lin = np.column_stack([np.ones(k), cv])
    base = np.column_stack([lin, cv[:, iu[0]] * cv[:, iu[1]]])
    b = np.zeros((m, p)) if beta is None else np.asarray(beta, dtype=np.float64)
    if b.shape != (m, p):
        raise ValueError(f"beta must be ({m}, {p}), got {b.shape}")
    xtwx = np.zeros((m, p, p))
    xtwz = np.zeros((m, p))
    nn = np.zeros(m, dtype=np.int64)
    dev = np.zeros(m)
    yy = np.zeros(m)
    step = max(8, _REGRESS_ELEMS // max(k, 1))
    others = [0, *range(2, p)]
    for start in range(0, m, step):
        sl = slice(start, min(start + step, m))
        bs = b[sl]
        eta0 = bs[:, others] @ lin.T  # (block, k): intercept + covariates
        r = logistic_weights(rows[sl], samp, flip[sl], eta0, bs[:, 1], yv, deviance=deviance)
        _assemble(xtwx, xtwz, sl, c, r["w"] @ base, r["wg"] @ lin, r["wz"] @ lin)
        xtwx[sl, 1, 1] = r["wgg"]
        xtwz[sl, 1] = r["wzg"]
        nn[sl] = r["n"]
        dev[sl] = r["dev"]
        yy[sl] = r["ysum"]  # y^2 = y
    return {"xtwx": xtwx, "xtwz": xtwz, "n": nn, "dev": dev, "yy": yy}


# --------------------------------------------------------------------------- coordinator


def _stacked_counts(counts: ArrayLike) -> NDArray[np.float64]:
    c = np.asarray(counts, dtype=np.float64)
    if c.ndim < 2 or c.shape[-2] != 4:
        raise ValueError("counts must have shape (..., 4, m)")
    out: NDArray[np.float64] = c.reshape(-1, 4, c.shape[-1]).sum(axis=0)
    return out


def allele_freq(counts: ArrayLike) -> NDArray[np.float64]:
    """A1 frequency over the called genotypes of all groups (``counts``: ``(..., 4, m)``);
    NaN where no genotype was called."""
    c = _stacked_counts(counts)
    called = c[0] + c[1] + c[2]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(called > 0, (2.0 * c[0] + c[1]) / (2.0 * called), np.nan)


def call_rate(counts: ArrayLike) -> NDArray[np.float64]:
    """Fraction of called genotypes (``counts``: ``(..., 4, m)``); NaN with no samples."""
    c = _stacked_counts(counts)
    total = c.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (c[0] + c[1] + c[2]) / total, np.nan)


def _alleles(counts: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    c = np.asarray(counts, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != 4:
        raise ValueError("counts must have shape (4, m)")
    return 2.0 * c[0] + c[1], 2.0 * c[2] + c[1]


def _chi2_p(chisq: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(special.chdtrc(1.0, chisq), dtype=np.float64)


def allelic_test(case_counts: ArrayLike, control_counts: ArrayLike) -> dict[str, NDArray[Any]]:
    """PLINK 1.9 ``--assoc`` (case/control) for allele A1 of the counts.

    Returns ``F_A``, ``F_U`` (A1 frequency in cases / controls; NaN with no calls),
    ``CHISQ`` (Pearson 1-df chi-square on the 2x2 case/control x A1/A2 allele table, no
    continuity correction), ``P`` and ``OR`` (odds ratio of A1,
    ``(case A1 * control A2) / (case A2 * control A1)``).

    PLINK's edge cases: ``CHISQ``/``P`` are NaN (``NA``) when one allele is absent from
    both groups; when only a whole group is uncalled, ``CHISQ = 0``, ``P = 1``. ``OR`` is
    NaN (``NA``) when its denominator is zero (it is 0 when only the numerator is).
    """
    a, b = _alleles(case_counts)  # case A1, case A2
    c, d = _alleles(control_counts)  # control A1, control A2
    row1 = a + b
    row2 = c + d
    col1 = a + c
    col2 = b + d
    total = row1 + row2
    with np.errstate(invalid="ignore", divide="ignore"):
        f_a = np.where(row1 > 0, a / row1, np.nan)
        f_u = np.where(row2 > 0, c / row2, np.nan)
        denom = row1 * row2 * col1 * col2
        diff = a * total - row1 * col1
        chisq = np.where(denom > 0, diff * diff * total / denom, 0.0)
        chisq = np.where((col1 > 0) & (col2 > 0), chisq, np.nan)
        odds = np.where(b * c > 0, (a * d) / (b * c), np.nan)
    return {"F_A": f_a, "F_U": f_u, "CHISQ": chisq, "P": _chi2_p(chisq), "OR": odds}


def trend_test(case_counts: ArrayLike, control_counts: ArrayLike) -> dict[str, NDArray[Any]]:
    """Cochran-Armitage trend test, the ``TREND`` row of PLINK 1.9 ``--model``.

    With ``T`` called samples, ``A`` of them cases, genotype scores 0/1/2 and PLINK's
    variance (denominator ``T``, not ``T - 1``)::

        CHISQ = T (T * caseA1 - A * A1)^2 / (A (T - A) (T (het + 4 hom1) - A1^2))

    NaN (PLINK's ``NA``) when the genotypes do not vary or a group has no calls.
    """
    case = np.asarray(case_counts, dtype=np.float64)
    ctrl = np.asarray(control_counts, dtype=np.float64)
    if case.shape != ctrl.shape or case.ndim != 2 or case.shape[0] != 4:
        raise ValueError("counts must have shape (4, m)")
    n_case = case[0] + case[1] + case[2]
    n_all = n_case + ctrl[0] + ctrl[1] + ctrl[2]
    het = case[1] + ctrl[1]
    hom1 = case[0] + ctrl[0]
    a1 = het + 2.0 * hom1
    case_a1 = case[1] + 2.0 * case[0]
    cat = case_a1 * n_all - a1 * n_case
    var = (n_all * (het + 4.0 * hom1) - a1 * a1) * n_case * (n_all - n_case)
    with np.errstate(invalid="ignore", divide="ignore"):
        chisq = np.where(var > 0, cat * cat * n_all / var, np.nan)
    return {"CHISQ": chisq, "P": _chi2_p(chisq)}


def _hwe_inputs(het: ArrayLike, hom1: ArrayLike, hom2: ArrayLike
                ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    h, a, b = (np.rint(np.asarray(x, dtype=np.float64)).astype(np.int64).reshape(-1)
               for x in (het, hom1, hom2))
    if not (h.shape == a.shape == b.shape):
        raise ValueError("het, hom1 and hom2 must have the same length")
    if (h < 0).any() or (a < 0).any() or (b < 0).any():
        raise ValueError("genotype counts must be >= 0")
    return h, np.minimum(a, b), np.maximum(a, b)


def _log_het_prob(k: NDArray[np.float64], n_rare: NDArray[np.float64],
                  n: NDArray[np.float64]) -> NDArray[np.float64]:
    """Unnormalised log P(homr = k) given ``n`` genotypes and ``n_rare`` rare alleles."""
    h = n_rare - 2.0 * k
    return np.asarray(h * np.log(2.0) - special.gammaln(k + 1.0) - special.gammaln(h + 1.0)
                      - special.gammaln(n - n_rare + k + 1.0), dtype=np.float64)


def hwe_exact(het: ArrayLike, hom1: ArrayLike, hom2: ArrayLike) -> NDArray[np.float64]:
    """Exact Hardy-Weinberg test p-value per variant (Wigginton, Cutler & Abecasis 2005).

    The probability, given the genotype count and allele counts, of a het count at most as
    likely as the observed one -- PLINK 1.9 / 2's ``SNPHWE2`` without mid-p, as ``--hardy``
    prints it. A variant with no genotypes has p = 1.

    Implementation: with ``n`` genotypes and ``r`` rare alleles, the rare homozygote count
    ``k`` ranges over ``0 .. r // 2`` and ``log P(k)`` follows from
    ``P(k+1) / P(k) = h (h - 1) / (4 (k + 1) (n - r + k + 1))`` (``h = r - 2k``) by a cumulative
    sum. The distribution is log-concave, so only the window of ``k`` with
    ``P(k) > exp(-40) P(observed)`` matters (it holds the mode and the observation; the
    terms outside it add less than 1e-16 relative to the tail sum, which is about where
    PLINK stops summing too). Identical count triples are computed once, and windows of
    similar length are processed together as padded 2-d blocks.
    """
    h, homr, homc = _hwe_inputs(het, hom1, hom2)
    out = np.ones(h.shape[0])
    if h.shape[0] == 0:
        return out
    triples = np.stack([h, homr, homc], axis=1)
    uniq, inverse = np.unique(triples, axis=0, return_inverse=True)
    uh, ur, uc = (uniq[:, i].astype(np.float64) for i in range(3))
    n = uh + ur + uc
    n_rare = uh + 2.0 * ur
    kmax = np.floor(n_rare / 2.0)
    p_unique = np.ones(uniq.shape[0])
    todo = kmax >= 1.0  # with a single possible het count, p = 1
    if todo.any():
        idx = np.flatnonzero(todo)
        p_unique[idx] = _hwe_windows(ur[idx], n_rare[idx], n[idx], kmax[idx])
    out[:] = p_unique[np.asarray(inverse).reshape(-1)]
    return out


def _hwe_windows(k_obs: NDArray[np.float64], n_rare: NDArray[np.float64],
                 n: NDArray[np.float64], kmax: NDArray[np.float64]) -> NDArray[np.float64]:
    lp_obs = _log_het_prob(k_obs, n_rare, n)
    floor = lp_obs - _HWE_MARGIN  # terms below this cannot change the p-value
    # mode of the het count (Levene): E[het] = r (2n - r) / (2n - 1)
    het_mode = n_rare * (2.0 * n - n_rare) / np.maximum(2.0 * n - 1.0, 1.0)
    k_mode = np.clip(np.rint((n_rare - het_mode) / 2.0), 0.0, kmax)
    lp_mode = np.maximum(_log_het_prob(k_mode, n_rare, n), lp_obs)
    # normal approximation, sd(k) ~ sqrt(n) q (1 - q): the first guess at the window
    q = n_rare / (2.0 * n)
    sd_k = np.sqrt(n) * q * (1.0 - q)
    half = np.ceil(1.25 * np.sqrt(2.0 * (lp_mode - floor)) * sd_k) + 2.0
    lo = np.maximum(k_mode - half, 0.0)
    hi = np.minimum(k_mode + half, kmax)
    # widen until both ends are below the floor (the log-probability is concave in k, so
    # every term beyond an end is smaller still and decays at least geometrically)
    while True:
        bad_lo = (lo > 0) & (_log_het_prob(lo, n_rare, n) > floor)
        bad_hi = (hi < kmax) & (_log_het_prob(hi, n_rare, n) > floor)
        if not (bad_lo.any() or bad_hi.any()):
            break
        lo = np.where(bad_lo, np.maximum(k_mode - 2.0 * (k_mode - lo) - 1.0, 0.0), lo)
        hi = np.where(bad_hi, np.minimum(k_mode + 2.0 * (hi - k_mode) + 1.0, kmax), hi)
    # (unimodality puts the observation inside already; this only guards the indexing)
    lo = np.minimum(lo, k_obs)
    hi = np.maximum(hi, k_obs)
    p = np.zeros(k_obs.shape[0])
    length = (hi - lo + 1.0).astype(np.int64)
    order = np.argsort(length, kind="stable")
    widths = length[order]  # non-decreasing
    start = 0
    while start < len(order):
        # the most variants whose padded block (count x widest) stays within the budget
        cand = widths[start:start + _HWE_ELEMS]
        fits = np.arange(1, len(cand) + 1) * cand <= _HWE_ELEMS
        count = max(1, int(np.count_nonzero(fits)))
        sel = order[start:start + count]
        start += count
        p[sel] = _hwe_block(k_obs[sel], n_rare[sel], n[sel], lo[sel], hi[sel],
                            int(widths[start - 1]))
    return p


def _hwe_block(k_obs: NDArray[np.float64], n_rare: NDArray[np.float64], n: NDArray[np.float64],
               lo: NDArray[np.float64], hi: NDArray[np.float64], width: int
               ) -> NDArray[np.float64]:
    steps = np.arange(width - 1, dtype=np.float64)
    k = lo[:, None] + steps[None, :]  # step from k to k + 1
    live = k < hi[:, None]
    het = n_rare[:, None] - 2.0 * k
    homc = n[:, None] - n_rare[:, None] + k
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(live, het * (het - 1.0) / (4.0 * (k + 1.0) * (homc + 1.0)), 1.0)
    lp = np.zeros((k_obs.shape[0], width))
    np.cumsum(np.log(ratio), axis=1, out=lp[:, 1:])
    cols = np.arange(width)[None, :]
    valid = cols <= (hi - lo)[:, None]
    lp = np.where(valid, lp, -np.inf)
    rows = np.arange(k_obs.shape[0])
    lp_obs = lp[rows, (k_obs - lo).astype(np.int64)]
    prob = np.exp(lp - lp.max(axis=1, keepdims=True))
    tail = np.where(lp <= lp_obs[:, None] + _HWE_TIE, prob, 0.0).sum(axis=1)
    out: NDArray[np.float64] = np.minimum(tail / prob.sum(axis=1), 1.0)
    return out


def hwe_chisq(het: ArrayLike, hom1: ArrayLike, hom2: ArrayLike) -> NDArray[np.float64]:
    """1-df chi-square Hardy-Weinberg p-value (observed vs expected genotype counts at the
    sample allele frequency); 1 for a monomorphic variant or one with no genotypes."""
    h, a, b = (x.astype(np.float64) for x in _hwe_inputs(het, hom1, hom2))
    n = h + a + b
    x = 2.0 * a + h  # rare alleles (a = rare homozygotes)
    y = 2.0 * b + h
    with np.errstate(invalid="ignore", divide="ignore"):
        # sum (O - E)^2 / E reduces to n (4 a b - h^2)^2 / (x y)^2
        d = 4.0 * a * b - h * h
        chisq = np.where((x > 0) & (y > 0), n * d * d / (x * y) ** 2, 0.0)
    return _chi2_p(chisq)


# --------------------------------------------------------------------------- regression


def _scaled(xtwx: NDArray[np.float64]
            ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Jacobi-scaled matrices ``D^-1 A D^-1`` (D = sqrt(diag A)), the scales and a flag for
    singular matrices (zero diagonal or relative smallest eigenvalue below the threshold)."""
    diag = np.diagonal(xtwx, axis1=1, axis2=2)
    pos: NDArray[np.bool_] = np.asarray((diag > 0).all(axis=1)
                                        & np.isfinite(xtwx).all(axis=(1, 2)))
    d = np.sqrt(np.where(pos[:, None], diag, 1.0))
    a = xtwx / (d[:, :, None] * d[:, None, :])
    a = np.where(pos[:, None, None], a, np.eye(xtwx.shape[1]))
    ev = np.linalg.eigvalsh(a) if len(a) else np.zeros((0, xtwx.shape[1]))
    singular = ~pos | (ev[:, 0] <= _SINGULAR_RCOND * ev[:, -1])
    return a, d, singular


def _sums(sums: dict[str, Any]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    xtwx = np.asarray(sums["xtwx"], dtype=np.float64)
    xtwz = np.asarray(sums["xtwz"], dtype=np.float64)
    if xtwx.ndim != 3 or xtwx.shape[1] != xtwx.shape[2] or xtwz.shape != xtwx.shape[:2]:
        raise ValueError("sums need xtwx (m, p, p) and xtwz (m, p)")
    return xtwx, xtwz


def regression_step(sums: dict[str, Any]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """From POOLED sums: the next coefficients ``solve(xtwx, xtwz)`` per variant ``(m, p)``
    and a per-variant singular flag (those rows are NaN)."""
    xtwx, xtwz = _sums(sums)
    m, p = xtwz.shape
    beta = np.full((m, p), np.nan)
    a, d, singular = _scaled(xtwx)
    ok = np.flatnonzero(~singular)
    if len(ok):
        rhs = xtwz[ok] / d[ok]
        beta[ok] = np.linalg.solve(a[ok], rhs[:, :, None])[:, :, 0] / d[ok]
    return beta, singular


def regression_result(sums: dict[str, Any], beta: ArrayLike, *,
                      logistic: bool) -> dict[str, NDArray[Any]]:
    """The genotype row of ``plink2 --glm`` from POOLED sums at the converged ``beta``.

    ``SE`` is the square root of the genotype diagonal of ``inv(xtwx)`` (times ``sigma^2 =
    RSS / (n - p)`` for a linear model, with ``RSS = yy - 2 beta' X'y + beta' X'X beta``).

    Logistic: ``BETA`` (log odds ratio), ``OR``, ``SE``, ``Z_STAT``, ``P`` (normal);
    linear: ``BETA``, ``SE``, ``T_STAT``, ``P`` (Student t, ``n - p`` df). Both: ``OBS_CT``.
    Singular variants (and linear fits with ``n <= p``) are NaN.
    """
    xtwx, xtwz = _sums(sums)
    m, p = xtwz.shape
    b = np.asarray(beta, dtype=np.float64)
    if b.shape != (m, p):
        raise ValueError(f"beta must be ({m}, {p}), got {b.shape}")
    n = np.asarray(sums["n"], dtype=np.float64).reshape(m)
    a, d, singular = _scaled(xtwx)
    var = np.full(m, np.nan)
    ok = np.flatnonzero(~singular & np.isfinite(b).all(axis=1))
    if len(ok):
        e = np.zeros((len(ok), p, 1))
        e[:, 1, 0] = 1.0 / d[ok, 1]
        col = np.linalg.solve(a[ok], e)[:, :, 0]
        var[ok] = col[:, 1] / d[ok, 1]
    coef = b[:, 1]
    out: dict[str, NDArray[Any]] = {"BETA": coef}
    with np.errstate(invalid="ignore", divide="ignore"):
        if logistic:
            se = np.sqrt(var)
            stat = coef / se
            out["OR"] = np.exp(coef)
            out["SE"] = se
            out["Z_STAT"] = stat
            out["P"] = 2.0 * special.ndtr(-np.abs(stat))
        else:
            yy = np.asarray(sums["yy"], dtype=np.float64).reshape(m)
            bxz = np.einsum("mp,mp->m", b, xtwz)
            bxxb = np.einsum("mp,mpq,mq->m", b, xtwx, b)
            rss = np.maximum(yy - 2.0 * bxz + bxxb, 0.0)
            df = n - p
            sigma2 = np.where(df > 0, rss / df, np.nan)
            se = np.sqrt(var * sigma2)
            stat = coef / se
            out["SE"] = se
            out["T_STAT"] = stat
            out["P"] = np.where(df > 0, 2.0 * special.stdtr(np.maximum(df, 1.0), -np.abs(stat)),
                                np.nan)
    out["OBS_CT"] = n.astype(np.int64)
    return out
