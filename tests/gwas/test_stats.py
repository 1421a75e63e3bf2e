"""GWAS arithmetic (medveil.gwas._stats) against PLINK and independent implementations.

* Pure-math checks (always run): genotype counts equal a naive loop, per-site sums add up
  to the pooled sums, the allelic / trend / HWE tests equal scipy or textbook formulas and a
  straightforward per-variant exact HWE test, the regressions equal statsmodels.
* PLINK checks (skipped unless the Debian ``plink1.9`` and ``plink2`` binaries are on PATH):
  a fileset written here (800 samples x 300 variants: missing calls, rare, monomorphic and
  HWE-violating variants, a 1/2 phenotype with missing values, a QT, three covariates with
  missing values) is run through ``plink1.9 --assoc / --model / --hardy`` and
  ``plink2 --glm no-firth hide-covar --covar-variance-standardize``; every printed number
  must equal ours at PLINK's printed precision (4 significant digits for plink1.9, 6 for
  plink2; ``NA`` = NaN). The regressions are fitted by IRLS on the pooled samples as one
  site and on a three-site split whose sums are added: both equal plink2.

PLINK's A1 conventions: our counts are for ``.bim`` column 5 (the allele ``G`` counts).
plink1.9 reports the minor allele as A1 and plink2 ``--glm`` tests the minor allele as A1
too, so each report is compared after orienting our counts / signs to the report's A1.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.stats
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

from medveil.gwas._stats import (
    allele_freq,
    allelic_test,
    call_rate,
    genotype_counts,
    hwe_chisq,
    hwe_exact,
    regression_result,
    regression_step,
    regression_sums,
    trend_test,
)

MISSING = -127
PLINK19 = shutil.which("plink1.9") or shutil.which("plink")
PLINK2 = shutil.which("plink2")
needs_plink = pytest.mark.skipif(PLINK19 is None or PLINK2 is None,
                                 reason="plink1.9 / plink2 not installed "
                                        "(apt-get install plink1.9 plink2)")


# --------------------------------------------------------------------------- helpers


def _naive_counts(G: NDArray[Any], groups: NDArray[np.int64], k: int) -> NDArray[np.int64]:
    out = np.zeros((k, 4, G.shape[1]), dtype=np.int64)
    for i in range(G.shape[0]):
        if groups[i] < 0:
            continue
        for j in range(G.shape[1]):
            v = int(G[i, j])
            out[groups[i], {2: 0, 1: 1, 0: 2}.get(v, 3), j] += 1
    return out


def _flip(counts: NDArray[Any], flip: NDArray[np.bool_]) -> NDArray[Any]:
    """Counts (4, m) for the other allele where ``flip``."""
    out = counts.copy()
    out[0, flip], out[2, flip] = counts[2, flip], counts[0, flip]
    return out


def _hwe_straightforward(het: int, hom1: int, hom2: int) -> float:
    """Wigginton, Cutler & Abecasis (2005), verbatim: het probabilities by recurrence from
    the mode, p = sum of those <= the observed one."""
    homr, homc = min(hom1, hom2), max(hom1, hom2)
    n = het + homr + homc
    rare = 2 * homr + het
    if n == 0:
        return 1.0
    probs = np.zeros(rare + 1)
    mid = rare * (2 * n - rare) // (2 * n)
    if mid % 2 != rare % 2:
        mid += 1
    probs[mid] = 1.0
    cr, cc = (rare - mid) // 2, n - mid - (rare - mid) // 2
    h = mid
    while h > 1:
        probs[h - 2] = probs[h] * h * (h - 1.0) / (4.0 * (cr + 1.0) * (cc + 1.0))
        cr, cc, h = cr + 1, cc + 1, h - 2
    cr, cc = (rare - mid) // 2, n - mid - (rare - mid) // 2
    h = mid
    while h <= rare - 2:
        probs[h + 2] = probs[h] * 4.0 * cr * cc / ((h + 2.0) * (h + 1.0))
        cr, cc, h = cr - 1, cc - 1, h + 2
    probs /= probs.sum()
    return float(min(1.0, probs[probs <= probs[het] * (1 + 1e-9)].sum()))


def _add(parts: list[dict[str, NDArray[Any]]]) -> dict[str, NDArray[Any]]:
    return {k: sum((p[k] for p in parts[1:]), start=parts[0][k].copy()) for k in parts[0]}


@dataclass
class Fit:
    result: dict[str, NDArray[Any]]
    beta: NDArray[np.float64]
    converged: NDArray[np.bool_]
    singular: NDArray[np.bool_]


def _fit(sites: list[tuple[NDArray[Any], NDArray[Any], NDArray[Any]]], *,
         logistic: bool, max_iter: int = 40, tol: float = 1e-11) -> Fit:
    """The coordinator loop: each site's sums at the current beta, added; one step."""
    beta: NDArray[np.float64] | None = None
    m = sites[0][0].shape[1]
    done = np.zeros(m, dtype=bool)
    for _ in range(max_iter if logistic else 1):
        sums = _add([regression_sums(g, y, c, beta, logistic=logistic) for g, y, c in sites])
        new, singular = regression_step(sums)
        if not logistic:
            return Fit(regression_result(sums, new, logistic=False), new, ~singular, singular)
        if beta is not None:
            with np.errstate(invalid="ignore"):
                step = np.abs(new - beta).max(axis=1)
                done = step <= tol * (1.0 + np.abs(beta).max(axis=1))
            if (done | singular).all():
                break
        beta = np.where(np.isfinite(new), new, 0.0)
    assert beta is not None
    return Fit(regression_result(sums, beta, logistic=True), beta, done & ~singular, singular)


# --------------------------------------------------------------------------- counts


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_genotype_counts_equal_a_naive_loop(data: st.DataObject) -> None:
    n = data.draw(st.integers(0, 40))
    m = data.draw(st.integers(0, 12))
    k = data.draw(st.integers(1, 3))
    G = data.draw(hnp.arrays(np.int8, (n, m), elements=st.sampled_from([0, 1, 2, MISSING])))
    groups = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(-1, k - 1)))
    got = genotype_counts(G, groups, k)
    assert got.dtype == np.int64 and got.shape == (k, 4, m)
    np.testing.assert_array_equal(got, _naive_counts(G, groups, k))


def test_genotype_counts_large_blocks_and_sites_add() -> None:
    rng = np.random.default_rng(3)
    G = rng.choice(np.array([0, 1, 2, MISSING], dtype=np.int8), size=(1500, 37))
    groups = rng.integers(-1, 2, 1500)
    pooled = genotype_counts(G, groups, 2)
    np.testing.assert_array_equal(pooled, _naive_counts(G, groups, 2))
    site = rng.integers(0, 3, 1500)
    split = sum(genotype_counts(G[site == s], groups[site == s], 2) for s in range(3))
    np.testing.assert_array_equal(split, pooled)
    with pytest.raises(ValueError):
        genotype_counts(G, np.full(1500, 2), 2)


def test_allele_freq_and_call_rate() -> None:
    counts = np.array([[[3, 0, 0], [2, 0, 0], [1, 0, 4], [4, 5, 1]],
                       [[1, 0, 0], [0, 0, 0], [1, 0, 0], [0, 5, 0]]])
    np.testing.assert_allclose(allele_freq(counts), [(2 * 4 + 2) / (2 * 8), np.nan, 0.0])
    np.testing.assert_allclose(call_rate(counts), [8 / 12, 0.0, 4 / 5])
    np.testing.assert_allclose(allele_freq(counts[0]), [8 / 12, np.nan, 0.0])
    assert np.isnan(call_rate(np.zeros((4, 1)))).all()


# --------------------------------------------------------------------------- tests on counts


def _random_counts(rng: np.random.Generator, m: int) -> tuple[NDArray[Any], NDArray[Any]]:
    case = rng.integers(0, 60, (4, m))
    ctrl = rng.integers(0, 60, (4, m))
    # edge cases: A1 absent everywhere; controls uncalled; no A1 in cases; no A2 in cases
    case[:, :4] = np.array([[0, 0, 4, 1], [5, 5, 0, 1], [0, 0, 3, 0], [3, 0, 0, 9]]).T
    ctrl[:, :4] = np.array([[0, 0, 9, 1], [0, 0, 0, 4], [1, 1, 1, 0], [1, 1, 1, 1]]).T
    return case, ctrl


def test_allelic_test_equals_pearson_on_the_allele_table() -> None:
    rng = np.random.default_rng(4)
    case, ctrl = _random_counts(rng, 200)
    r = allelic_test(case, ctrl)
    for j in range(4, 200):
        a, b = 2 * case[0, j] + case[1, j], 2 * case[2, j] + case[1, j]
        c, d = 2 * ctrl[0, j] + ctrl[1, j], 2 * ctrl[2, j] + ctrl[1, j]
        chi2, p, _, _ = scipy.stats.chi2_contingency([[a, b], [c, d]], correction=False)
        assert r["CHISQ"][j] == pytest.approx(chi2, rel=1e-12, abs=1e-12)
        assert r["P"][j] == pytest.approx(p, rel=1e-10)
        assert r["F_A"][j] == pytest.approx(a / (a + b))
        assert r["F_U"][j] == pytest.approx(c / (c + d))
        assert r["OR"][j] == pytest.approx(a * d / (b * c))
    # edge cases as PLINK prints them: allele absent everywhere -> NA; a group with no
    # calls -> CHISQ 0, P 1; OR NA when its denominator is 0, 0 when its numerator is
    assert np.isnan(r["CHISQ"][0]) and np.isnan(r["P"][0]) and np.isnan(r["OR"][0])
    assert r["F_A"][0] == 0 and r["F_U"][0] == 0
    assert r["CHISQ"][1] == 0 and r["P"][1] == 1 and np.isnan(r["F_U"][1])
    assert np.isnan(r["OR"][1])
    assert r["OR"][2] == 0 and r["F_A"][2] == 0 and r["CHISQ"][2] > 0
    assert np.isnan(r["OR"][3]) and r["F_A"][3] == 1 and r["CHISQ"][3] > 0


def test_trend_test_is_n_times_r_squared() -> None:
    rng = np.random.default_rng(5)
    case, ctrl = _random_counts(rng, 60)
    r = trend_test(case, ctrl)
    for j in range(60):
        score = np.repeat([2, 1, 0, 2, 1, 0], [*case[:3, j], *ctrl[:3, j]])
        status = np.repeat([1, 0], [case[:3, j].sum(), ctrl[:3, j].sum()])
        if score.std() == 0 or status.std() == 0:
            assert np.isnan(r["CHISQ"][j]) and np.isnan(r["P"][j])
            continue
        chi2 = len(score) * np.corrcoef(score, status)[0, 1] ** 2
        assert r["CHISQ"][j] == pytest.approx(chi2, rel=1e-10, abs=1e-12)
        assert r["P"][j] == pytest.approx(scipy.stats.chi2.sf(chi2, 1), rel=1e-9)


def _hwe_triples(rng: np.random.Generator) -> NDArray[np.int64]:
    rows = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 7), (2, 0, 0), (0, 1, 1), (0, 5, 5),
            (100, 0, 0), (0, 50, 50), (1, 0, 5000), (0, 1, 5000), (3, 2, 5000),
            (50, 30, 4000), (2, 40, 600), (57, 14, 29)]
    for _ in range(1500):
        n = int(rng.integers(1, 400))
        q = float(rng.random() ** 2)
        probs = [q * q, 2 * q * (1 - q), (1 - q) ** 2]
        if rng.random() < 0.3:  # departures from HWE
            probs = list(rng.dirichlet([1, 1, 1]))
        g = rng.choice(3, n, p=probs)
        rows.append((int((g == 1).sum()), int((g == 2).sum()), int((g == 0).sum())))
    return np.array(rows * 2)  # duplicates exercise the cache


def test_hwe_exact_equals_the_straightforward_algorithm() -> None:
    t = _hwe_triples(np.random.default_rng(6))
    got = hwe_exact(t[:, 0], t[:, 1], t[:, 2])
    want = np.array([_hwe_straightforward(*map(int, row)) for row in t])
    assert got.shape == (len(t),)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-300)
    assert (want < 1e-20).any() and (want == 1).any()
    # float counts (as pooled sums arrive) and the hom1/hom2 symmetry
    np.testing.assert_array_equal(hwe_exact(t[:, 0] * 1.0, t[:, 2], t[:, 1]), got)


def test_hwe_exact_extreme_counts_against_log_space_sums() -> None:
    rows = [(0, 2500, 2500), (600, 2200, 2200), (4990, 5, 5), (50, 30, 40000),
            (2, 40, 60000), (20000, 15000, 15000), (1200, 400, 3400), (1400, 300, 3300)]

    def exact(het: int, hom1: int, hom2: int) -> float:
        homr, homc = min(hom1, hom2), max(hom1, hom2)
        n, rare = het + homr + homc, 2 * homr + het
        lp = [(rare - 2 * k) * math.log(2) - math.lgamma(k + 1) - math.lgamma(rare - 2 * k + 1)
              - math.lgamma(n - rare + k + 1) for k in range(rare // 2 + 1)]
        top, obs = max(lp), lp[homr]
        tail = math.fsum(math.exp(x - top) for x in lp if x <= obs + 1e-9)
        return tail / math.fsum(math.exp(x - top) for x in lp)

    t = np.array(rows)
    got = hwe_exact(t[:, 0], t[:, 1], t[:, 2])
    for row, p in zip(rows, got, strict=True):
        assert p == pytest.approx(exact(*row), rel=1e-8, abs=1e-320), row


def test_hwe_chisq_equals_scipy() -> None:
    rng = np.random.default_rng(7)
    t = rng.integers(1, 200, (50, 3))
    got = hwe_chisq(t[:, 0], t[:, 1], t[:, 2])
    for (het, a, b), p in zip(t, got, strict=True):
        n = het + a + b
        f = (2 * a + het) / (2 * n)
        exp = [n * f * f, 2 * n * f * (1 - f), n * (1 - f) ** 2]
        want = scipy.stats.chisquare([a, het, b], exp, ddof=1).pvalue
        assert p == pytest.approx(want, rel=1e-9)
    assert (hwe_chisq([0, 0, 0], [0, 10, 0], [0, 0, 5]) == 1).all()


# --------------------------------------------------------------------------- regression


def _regression_data(seed: int, n: int = 600, m: int = 8
                     ) -> tuple[NDArray[np.int8], NDArray[np.float64], NDArray[np.float64],
                                NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    G = rng.binomial(2, rng.uniform(0.1, 0.9, m), (n, m)).astype(np.int8)
    G[rng.random((n, m)) < 0.05] = MISSING
    G[:, -1] = 1  # constant genotype: singular
    C = np.column_stack([rng.normal(60, 9, n), rng.integers(0, 2, n), rng.normal(size=n)])
    C[rng.random((n, 3)) < 0.02] = np.nan
    g0 = np.where(G[:, 0] >= 0, G[:, 0], 0)
    eta = -0.3 + 0.4 * g0 + 0.02 * (np.nan_to_num(C[:, 0]) - 60)
    yb = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    yb[:7] = np.nan
    yq = 3 + 0.5 * g0 + 0.1 * np.nan_to_num(C[:, 2]) + rng.normal(size=n)
    yq[10:14] = np.nan
    return G, yb, yq, C


@pytest.mark.parametrize("logistic", [True, False])
def test_regression_equals_statsmodels_and_sites_add(logistic: bool) -> None:
    G, yb, yq, C = _regression_data(9)
    y = yb if logistic else yq
    pooled = _fit([(G, y, C)], logistic=logistic)
    site = np.random.default_rng(10).integers(0, 3, len(y))
    split = _fit([(G[site == s], y[site == s], C[site == s]) for s in range(3)],
                 logistic=logistic)
    assert pooled.singular.tolist() == [False] * 7 + [True]
    assert pooled.converged[:7].all()
    for key, val in pooled.result.items():
        np.testing.assert_allclose(split.result[key], val, rtol=1e-10, err_msg=key)
    for j in range(7):
        ok = (G[:, j] >= 0) & np.isfinite(y) & np.isfinite(C).all(axis=1)
        X = np.column_stack([np.ones(ok.sum()), G[ok, j], C[ok]])
        if logistic:
            ref = sm.GLM(y[ok], X, family=sm.families.Binomial()).fit(tol=1e-13)
            stat = "Z_STAT"
            assert pooled.result["OR"][j] == pytest.approx(np.exp(ref.params[1]), rel=1e-9)
        else:
            ref = sm.OLS(y[ok], X).fit()
            stat = "T_STAT"
        # (statsmodels' IRLS stops on the deviance, a hair before the exact optimum)
        assert pooled.result["BETA"][j] == pytest.approx(ref.params[1], rel=1e-8)
        assert pooled.result["SE"][j] == pytest.approx(ref.bse[1], rel=1e-8)
        assert pooled.result[stat][j] == pytest.approx(ref.tvalues[1], rel=1e-8)
        assert pooled.result["P"][j] == pytest.approx(ref.pvalues[1], rel=1e-7)
        assert pooled.result["OBS_CT"][j] == ok.sum()
    assert np.isnan(pooled.result["P"][-1]) and np.isnan(pooled.result["SE"][-1])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_sites=st.integers(2, 4), logistic=st.booleans())
def test_regression_sums_of_sites_add_to_the_pooled_sums(seed: int, n_sites: int,
                                                         logistic: bool) -> None:
    rng = np.random.default_rng(seed)
    n, m, c = int(rng.integers(5, 80)), int(rng.integers(1, 6)), int(rng.integers(0, 3))
    G = rng.choice(np.array([0, 1, 2, MISSING], dtype=np.int8), size=(n, m))
    y = (rng.random(n) < 0.5).astype(float) if logistic else rng.normal(size=n)
    y[rng.random(n) < 0.1] = np.nan
    C = rng.normal(size=(n, c))
    C[rng.random((n, c)) < 0.05] = np.nan
    beta = None if rng.random() < 0.3 else rng.normal(size=(m, 2 + c))
    site = rng.integers(0, n_sites, n)
    pooled = regression_sums(G, y, C, beta, logistic=logistic)
    parts = _add([regression_sums(G[site == s], y[site == s], C[site == s], beta,
                                  logistic=logistic) for s in range(n_sites)])
    assert set(pooled) == {"xtwx", "xtwz", "n", "dev", "yy"}
    assert pooled["xtwx"].shape == (m, 2 + c, 2 + c) and pooled["xtwz"].shape == (m, 2 + c)
    for key in pooled:
        np.testing.assert_allclose(parts[key], pooled[key], rtol=1e-12, atol=1e-9)
    # against the per-variant definition X' W X with X = [1, g, C] on the usable samples
    b = np.zeros((m, 2 + c)) if beta is None else beta
    for j in range(m):
        ok = (G[:, j] != MISSING) & np.isfinite(y) & np.isfinite(C).all(axis=1)
        X = np.column_stack([np.ones(ok.sum()), G[ok, j], C[ok]])
        eta = X @ b[j]
        if logistic:
            mu = 1 / (1 + np.exp(-eta))
            w = mu * (1 - mu)
            z = eta + (y[ok] - mu) / w
        else:
            w, z = np.ones(ok.sum()), y[ok]
        np.testing.assert_allclose(pooled["xtwx"][j], X.T @ (w[:, None] * X), rtol=1e-10,
                                   atol=1e-9)
        np.testing.assert_allclose(pooled["xtwz"][j], X.T @ (w * z), rtol=1e-9, atol=1e-8)
        assert pooled["n"][j] == ok.sum()
        assert pooled["yy"][j] == pytest.approx((y[ok] ** 2).sum(), rel=1e-12)
        if logistic:
            dev = -2 * (y[ok] * np.log(mu) + (1 - y[ok]) * np.log1p(-mu)).sum()
        else:
            dev = ((y[ok] - eta) ** 2).sum()
        assert pooled["dev"][j] == pytest.approx(dev, rel=1e-9, abs=1e-9)
    # float genotypes with NaN for missing give the same sums
    Gf = np.where(G == MISSING, np.nan, G.astype(float))
    floats = regression_sums(Gf, y, C, beta, logistic=logistic)
    for key in pooled:
        np.testing.assert_allclose(floats[key], pooled[key], rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- PLINK


def _write_bed(prefix: Path, G: NDArray[np.int8]) -> None:
    """PLINK .bed (SNP-major): 2 bits per sample, 00 = hom .bim col 5 (G = 2), 10 = het,
    11 = hom col 6 (G = 0), 01 = missing; 4 samples per byte, lowest bits first."""
    n, m = G.shape
    code = np.select([G.T == 2, G.T == 1, G.T == 0], [0, 2, 3], 1).astype(np.uint8)
    code = np.pad(code, ((0, 0), (0, -n % 4)))
    code = code.reshape(m, -1, 4)
    packed = code[..., 0] | (code[..., 1] << 2) | (code[..., 2] << 4) | (code[..., 3] << 6)
    prefix.with_suffix(".bed").write_bytes(bytes([0x6C, 0x1B, 0x01]) + packed.tobytes())


def test_bed_writer_matches_bed_reader(tmp_path: Path) -> None:
    bed_reader = pytest.importorskip("bed_reader")
    G = np.random.default_rng(11).choice(np.array([0, 1, 2, MISSING], dtype=np.int8),
                                         size=(13, 5))
    _write_bed(tmp_path / "ours", G)
    val = np.where(G == MISSING, np.nan, G).astype(np.float32)
    bed_reader.to_bed(tmp_path / "ref.bed", val)
    assert (tmp_path / "ours.bed").read_bytes() == (tmp_path / "ref.bed").read_bytes()


@dataclass
class Study:
    G: NDArray[np.int8]
    pheno: NDArray[np.int64]  # 1 control, 2 case, -9 missing
    qt: NDArray[np.float64]
    C: NDArray[np.float64]
    dir: Path

    def groups(self) -> NDArray[np.int64]:
        return np.select([self.pheno == 1, self.pheno == 2], [0, 1], 2)


def _make_study(out: Path, seed: int = 7, n: int = 800, m: int = 300) -> Study:
    rng = np.random.default_rng(seed)
    maf = rng.uniform(0.02, 0.5, m)
    maf[:20] = rng.uniform(0.002, 0.01, 20)  # rare
    maf[20:24] = 0.0  # monomorphic
    freq = np.where(rng.random(m) < 0.5, maf, 1 - maf)  # the counted allele minor or major
    G = rng.binomial(2, freq, (n, m)).astype(np.int8)
    for j in range(24, 40):  # excess homozygotes: HWE departures
        G[:, j] = np.where(rng.random(n) < 0.3, 2 * (rng.random(n) < freq[j]), G[:, j])
    G[:, 40] = 1  # all heterozygous
    G[:, 41] = 2  # monomorphic, counted allele
    G[rng.random((n, m)) < rng.uniform(0, 0.1, m)] = MISSING
    G[:, 42] = MISSING
    G[:5, 42] = 1  # nearly all missing
    C = np.column_stack([rng.normal(50, 10, n), rng.integers(0, 2, n), rng.normal(0, 1, n)])
    C[rng.random((n, 3)) < 0.01] = np.nan
    g = np.where(G >= 0, G, 0).astype(float)
    sex, pc1, age = C[:, 1], C[:, 2], C[:, 0]
    eta = (-1 + 0.02 * np.nan_to_num(age - 50) + 0.3 * np.nan_to_num(sex)
           + 0.2 * np.nan_to_num(pc1) + 0.5 * g[:, 50] - 0.4 * g[:, 51])
    pheno = np.where(rng.random(n) < 1 / (1 + np.exp(-eta)), 2, 1)
    pheno[rng.random(n) < 0.03] = -9
    qt = 10 + 0.05 * np.nan_to_num(age - 50) + 0.4 * g[:, 60] + rng.normal(0, 1, n)
    qt[rng.random(n) < 0.03] = np.nan

    out.mkdir(parents=True, exist_ok=True)
    _write_bed(out / "d", G)
    ids = [f"s{i}" for i in range(n)]
    (out / "d.fam").write_text("".join(f"f {s} 0 0 1 {p}\n" for s, p in zip(ids, pheno,
                                                                             strict=True)))
    (out / "d.bim").write_text("".join(f"1\trs{j}\t0\t{100 * (j + 1)}\tA\tC\n"
                                       for j in range(m)))

    def num(v: float) -> str:
        return "NA" if np.isnan(v) else repr(float(v))

    (out / "d.pheno").write_text("FID IID BIN QT\n" + "".join(
        f"f {s} {p} {num(q)}\n" for s, p, q in zip(ids, pheno, qt, strict=True)))
    (out / "d.covar").write_text("FID IID AGE SEX PC1\n" + "".join(
        f"f {s} {' '.join(num(v) for v in row)}\n" for s, row in zip(ids, C, strict=True)))
    return Study(G, pheno, qt, C, out)


def _run(tool: str | None, study: Study, *args: str) -> None:
    assert tool is not None
    cmd = [tool, "--bfile", "d", *args, "--threads", "1", "--out", "d"]
    if tool == PLINK19:
        cmd.append("--allow-no-sex")
    proc = subprocess.run(cmd, cwd=study.dir, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _table(path: Path) -> list[dict[str, str]]:
    """A PLINK report as rows of strings (whitespace- or tab-separated; '#' dropped)."""
    lines = path.read_text().splitlines()
    head = lines[0].lstrip("#").split()
    return [dict(zip(head, line.split(), strict=True)) for line in lines[1:] if line.strip()]


def _agrees(ours: float, printed: str, digits: int, units: float = 0.5) -> bool:
    """``ours`` is within ``units`` of the last printed digit of ``printed`` (a value with
    ``digits`` significant digits; 0.5 = ``ours`` rounds to it)."""
    if printed in ("NA", "nan"):
        return bool(np.isnan(ours))
    if printed in ("inf", "-inf"):
        return ours == float(printed)
    v = float(printed)
    if v == 0.0:
        return abs(ours) < 1e-300
    tol = units * 10.0 ** (math.floor(math.log10(abs(v))) - digits + 1)
    return abs(ours - v) <= tol * (1 + 1e-6)


def _rel_err(ours: float, printed: str) -> float:
    if printed in ("NA", "nan", "inf", "-inf") or float(printed) == 0:
        return 0.0
    return abs(ours / float(printed) - 1.0)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    if PLINK19 is None or PLINK2 is None:
        pytest.skip("plink1.9 / plink2 not installed")
    s = _make_study(tmp_path_factory.mktemp("gwas_plink"))
    _run(PLINK19, s, "--assoc")
    _run(PLINK19, s, "--model")
    _run(PLINK19, s, "--hardy")
    _run(PLINK2, s, "--pheno", "d.pheno", "--pheno-name", "BIN,QT", "--covar", "d.covar",
         "--glm", "no-firth", "hide-covar", "--covar-variance-standardize")
    return s


def _check(rows: list[dict[str, str]], ours: dict[str, NDArray[Any]], cols: dict[str, str],
           digits: int, units: dict[str, float] | None = None) -> dict[str, float]:
    """Every printed value of ``cols`` (plink name -> our key) agrees to ``units`` of its last
    digit (default 0.5: exact rounding); returns the largest relative deviation per column."""
    worst = dict.fromkeys(cols, 0.0)
    for j, row in enumerate(rows):
        for col, key in cols.items():
            val = float(ours[key][j])
            tol = (units or {}).get(col, 0.5)
            assert _agrees(val, row[col], digits, tol), (row.get("SNP", row.get("ID")), col,
                                                         row[col], val)
            worst[col] = max(worst[col], _rel_err(val, row[col]))
    return worst


@needs_plink
def test_assoc_equals_plink19(study: Study) -> None:
    rows = _table(study.dir / "d.assoc")
    assert [r["SNP"] for r in rows] == [f"rs{j}" for j in range(study.G.shape[1])]
    counts = genotype_counts(study.G, study.groups(), 3)
    flip = np.array([r["A1"] != "A" for r in rows])  # plink's A1 is the minor allele
    assert flip.any() and (~flip).any()
    r = allelic_test(_flip(counts[1], flip), _flip(counts[0], flip))
    _check(rows, r, {k: k for k in ("F_A", "F_U", "CHISQ", "P", "OR")}, 4)
    assert np.isnan(r["CHISQ"]).sum() >= 4 and np.isnan(r["OR"]).any()


@needs_plink
def test_trend_equals_plink19_model(study: Study) -> None:
    rows = [r for r in _table(study.dir / "d.model") if r["TEST"] == "TREND"]
    counts = genotype_counts(study.G, study.groups(), 3)
    flip = np.array([r["A1"] != "A" for r in rows])
    case, ctrl = _flip(counts[1], flip), _flip(counts[0], flip)
    for r, j in zip(rows, range(len(rows)), strict=True):  # AFF/UNAFF: A1/A2 allele counts
        assert r["AFF"] == f"{2 * case[0, j] + case[1, j]}/{2 * case[2, j] + case[1, j]}"
        assert r["UNAFF"] == f"{2 * ctrl[0, j] + ctrl[1, j]}/{2 * ctrl[2, j] + ctrl[1, j]}"
    _check(rows, trend_test(case, ctrl), {"CHISQ": "CHISQ", "P": "P"}, 4)


@needs_plink
def test_hwe_exact_equals_plink19_hardy(study: Study) -> None:
    rows = _table(study.dir / "d.hwe")
    counts = genotype_counts(study.G, study.groups(), 3)
    groups = {"ALL": counts.sum(axis=0), "AFF": counts[1], "UNAFF": counts[0]}
    smallest = 1.0
    for test, c in groups.items():
        sub = [r for r in rows if r["TEST"] == test]
        flip = np.array([r["A1"] != "A" for r in sub])
        c = _flip(c, flip)
        for r, j in zip(sub, range(len(sub)), strict=True):
            assert r["GENO"] == f"{c[0, j]}/{c[1, j]}/{c[2, j]}"
        p = hwe_exact(c[1], c[0], c[2])
        _check(sub, {"P": p}, {"P": "P"}, 4)
        smallest = min(smallest, float(p.min()))
    assert smallest < 1e-10  # the HWE-violating variants are tested


def _glm_check(study: Study, *, logistic: bool) -> None:
    name = "BIN.glm.logistic" if logistic else "QT.glm.linear"
    rows = _table(study.dir / f"d.{name}")
    assert [r["ID"] for r in rows] == [f"rs{j}" for j in range(study.G.shape[1])]
    y = (np.where(study.pheno == 2, 1.0, np.where(study.pheno == 1, 0.0, np.nan)) if logistic
         else study.qt)
    pooled = _fit([(study.G, y, study.C)], logistic=logistic)
    site = np.random.default_rng(12).integers(0, 3, len(y))
    split = _fit([(study.G[site == s], y[site == s], study.C[site == s]) for s in range(3)],
                 logistic=logistic)
    np.testing.assert_array_equal(split.converged, pooled.converged)
    # plink2 --glm tests the minor allele: orient our genotype coefficient to its A1
    sign = np.array([1.0 if r["A1"] == "A" else -1.0 for r in rows])
    assert (sign < 0).any() and (sign > 0).any()
    stat = "Z_STAT" if logistic else "T_STAT"
    na = np.array([r["P"] == "NA" for r in rows])
    # plink's NA rows (constant genotype, separation) are singular or diverge here
    assert (pooled.singular | ~pooled.converged)[na].all()
    assert (pooled.converged | pooled.singular).sum() >= 250
    for fit in (pooled, split):
        res = fit.result
        ours = {"BETA": sign * res["BETA"], "SE": res["SE"], stat: sign * res[stat],
                "P": res["P"], "OR": np.exp(sign * res["BETA"]), "OBS_CT": res["OBS_CT"]}
        assert fit.converged[~na].all()
        keep = [r for r, bad in zip(rows, na, strict=True) if not bad]
        mine = {k: v[~na] for k, v in ours.items()}
        if logistic:
            # plink2 v2.00a3.5 fits logistic models in single precision (LogisticRegressionF)
            # and stops at sum |delta beta| < 1e-4, taking the SE from the Hessian of the
            # iterate before the last: its OR is right to 6 digits (+-1 in the last one),
            # its SE (and so Z, P) only to about 1e-3. Ours is the exact MLE (statsmodels to
            # 1e-8, test above); here: OR to 6 digits, SE / Z / P to plink's own error.
            _check(keep, mine, {"OR": "OR"}, 6, {"OR": 1.0})
            for col, key in {"LOG(OR)_SE": "SE", stat: stat, "P": "P"}.items():
                rel = np.array([_rel_err(float(v), r[col]) for v, r in zip(mine[key], keep,
                                                                           strict=True)])
                assert rel.max() < 2e-3, (col, rel.max())
                assert np.median(rel) < 3e-6, (col, np.median(rel))
                exact = np.mean([_agrees(float(v), r[col], 6, 1.0)
                                 for v, r in zip(mine[key], keep, strict=True)])
                assert exact > 0.75, (col, exact)
        else:
            # BETA, SE, T_STAT exactly as printed; plink2's t-distribution P can be 1 off in
            # the 6th digit
            worst = _check(keep, mine, {"BETA": "BETA", "SE": "SE", stat: stat, "P": "P"}, 6,
                           {"P": 1.0})
            assert all(w < 5e-6 for w in worst.values()), worst
        for r, n_obs in zip(rows, ours["OBS_CT"], strict=True):
            if r["P"] != "NA":
                assert int(r["OBS_CT"]) == n_obs


@needs_plink
def test_logistic_equals_plink2_glm(study: Study) -> None:
    _glm_check(study, logistic=True)


@needs_plink
def test_linear_equals_plink2_glm(study: Study) -> None:
    _glm_check(study, logistic=False)
