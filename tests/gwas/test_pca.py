"""Federated PCA (medveil.gwas._pca) against plink2 --pca on simulated structured genotypes.

Three populations (Balding–Nichols, Fst 0.05), 900 samples at three sites with different
population mixes (450/270/180), 3,000 variants with a few missing calls and monomorphic
variants. The federation is simulated in-process: each round sums the three sites'
``site_product`` contributions.
"""

from __future__ import annotations

import shutil
import subprocess
import tracemalloc
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from medveil.errors import InputError, ModelError
from medveil.gwas._pca import (
    MISSING,
    PCACoordinator,
    PCAResult,
    converged,
    finish,
    iter_chunks,
    orthonormalize,
    pooled_frequency,
    run_in_process,
    site_allele_counts,
    site_product,
    site_scores,
    standardize,
    start_basis,
)

N_SITES = (450, 270, 180)
M = 3_000
K = 10
SEED = 20240611


def _simulate(rng: np.random.Generator, missing_rate: float) -> NDArray[np.int8]:
    n = sum(N_SITES)
    base = rng.uniform(0.05, 0.5, M)
    fst = 0.05
    a = base * (1 - fst) / fst
    b = (1 - base) * (1 - fst) / fst
    pops = rng.beta(a, b, size=(3, M))
    mixes = [(0.8, 0.15, 0.05), (0.2, 0.6, 0.2), (0.1, 0.2, 0.7)]
    labels = np.concatenate([rng.choice(3, size=s, p=p) for s, p in zip(N_SITES, mixes,
                                                                         strict=True)])
    G: NDArray[np.int8] = rng.binomial(2, pops[labels]).astype(np.int8)
    G[:, 10] = 0  # monomorphic: A1 absent
    G[:, 500] = 2  # monomorphic: A1 fixed
    G[:, 1500] = 0
    G[:, 2999] = 2
    if missing_rate:
        G[rng.random((n, M)) < missing_rate] = MISSING
    assert G.shape == (n, M)
    return G


def _sites(G: NDArray[np.int8]) -> list[NDArray[np.int8]]:
    edges = np.cumsum((0, *N_SITES))
    return [G[edges[i]:edges[i + 1]] for i in range(len(N_SITES))]


def _freq(G: NDArray[np.int8]) -> NDArray[np.float64]:
    """Pooled frequency from the three sites' counts (the federation's counts round)."""
    alt = np.zeros(M, dtype=np.int64)
    called = np.zeros(M, dtype=np.int64)
    for site in _sites(G):
        a, c = site_allele_counts(site, M, chunk_size=1_000)
        alt += a
        called += c
    out: NDArray[np.float64] = pooled_frequency(alt, called)
    return out


@dataclass
class Plink:
    eigenval: NDArray[np.float64]
    eigenvec: NDArray[np.float64]
    freq: NDArray[np.float64] | None = None


def _write_bed(G: NDArray[np.int8], prefix: Path) -> None:
    bed_reader = pytest.importorskip("bed_reader")
    n = G.shape[0]
    values = np.where(G == MISSING, np.nan, G.astype(np.float32))
    ids = [f"s{i}" for i in range(n)]
    bed_reader.to_bed(
        str(prefix) + ".bed", values, count_A1=True,
        properties={"fid": ids, "iid": ids, "sid": [f"v{j}" for j in range(M)],
                    "chromosome": ["1"] * M, "bp_position": np.arange(1, M + 1) * 1000,
                    "allele_1": ["A"] * M, "allele_2": ["G"] * M})


def _plink_pca(prefix: Path, out: Path, *modifiers: str) -> Plink:
    subprocess.run(["plink2", "--bfile", str(prefix), "--pca", str(K), *modifiers,
                    "--threads", "1", "--freq", "--out", str(out)],
                   check=True, capture_output=True, timeout=120)
    eigenval = np.loadtxt(str(out) + ".eigenval")
    eigenvec = np.loadtxt(str(out) + ".eigenvec", skiprows=1, usecols=range(2, 2 + K))
    freq = np.loadtxt(str(out) + ".afreq", skiprows=1, usecols=4)
    return Plink(eigenval, eigenvec, freq)


needs_plink2 = pytest.mark.skipif(shutil.which("plink2") is None,
                                  reason="plink2 not installed (apt-get install plink2)")


@pytest.fixture(scope="module")
def data() -> NDArray[np.int8]:
    return _simulate(np.random.default_rng(SEED), missing_rate=0.005)


@pytest.fixture(scope="module")
def freq(data: NDArray[np.int8]) -> NDArray[np.float64]:
    return _freq(data)


@pytest.fixture(scope="module")
def fed(data: NDArray[np.int8], freq: NDArray[np.float64]) -> PCAResult:
    return run_in_process(_sites(data), freq, K, seed=7, chunk_size=700)


@pytest.fixture(scope="module")
def plink_meanimpute(data: NDArray[np.int8], tmp_path_factory: pytest.TempPathFactory
                     ) -> Plink:
    if shutil.which("plink2") is None:
        pytest.skip("plink2 not installed (apt-get install plink2)")
    tmp = tmp_path_factory.mktemp("plink_mi")
    _write_bed(data, tmp / "pooled")
    return _plink_pca(tmp / "pooled", tmp / "pca", "meanimpute")


def _principal_sin(A: NDArray[np.float64], B: NDArray[np.float64]) -> float:
    """Sine of the largest principal angle between the column spaces of A and B."""
    qa, _ = np.linalg.qr(A)
    qb, _ = np.linalg.qr(B)
    cos = np.linalg.svd(qa.T @ qb, compute_uv=False)
    return float(np.sqrt(max(0.0, 1.0 - float(cos.min()) ** 2)))


def _align(ours: NDArray[np.float64], ref: NDArray[np.float64]) -> NDArray[np.float64]:
    sign = np.sign(np.sum(ours * ref, axis=0))
    return ours * np.where(sign == 0, 1.0, sign)


def _well_separated(eigenvalues: NDArray[np.float64], rel_gap: float = 0.05) -> list[int]:
    """PCs whose eigenvalue is at least ``rel_gap`` away from both neighbours."""
    out = []
    for i, lam in enumerate(eigenvalues):
        gaps = [abs(lam - eigenvalues[j]) / lam for j in (i - 1, i + 1)
                if 0 <= j < len(eigenvalues)]
        if min(gaps) > rel_gap:
            out.append(i)
    return out


# -- plink2 agreement ---------------------------------------------------------------------


@needs_plink2
def test_pooled_frequency_is_plinks(freq: NDArray[np.float64], plink_meanimpute: Plink) -> None:
    assert plink_meanimpute.freq is not None
    # plink2 reads the .bim's column 5 (A1, the counted allele) as ALT, so ALT_FREQS is the
    # A1 frequency over called alleles, printed to 6 significant digits
    np.testing.assert_allclose(freq, plink_meanimpute.freq, atol=5e-6)


@needs_plink2
def test_eigenvalues_match_plink2(fed: PCAResult, plink_meanimpute: Plink) -> None:
    rel = np.abs(fed.eigenvalues - plink_meanimpute.eigenval) / plink_meanimpute.eigenval
    assert rel.max() < 1e-4, rel  # plink2 prints 6 significant digits
    assert fed.converged


@needs_plink2
def test_scores_match_plink2_eigenvec(fed: PCAResult, plink_meanimpute: Plink) -> None:
    ours = np.vstack(fed.scores)
    ref = plink_meanimpute.eigenvec
    # the whole top-10 subspace, bulk PCs included (measured: 1.7e-5)
    assert _principal_sin(ours, ref) < 1e-3
    separated = _well_separated(plink_meanimpute.eigenval)
    assert separated == [0, 1]  # three populations: two structure PCs, then the bulk
    aligned = _align(ours, ref)
    for i in separated:
        assert abs(np.corrcoef(ours[:, i], ref[:, i])[0, 1]) > 0.999
        np.testing.assert_allclose(aligned[:, i], ref[:, i], atol=2e-6)  # same scale
    # plink2's .eigenvec columns are unit-norm eigenvectors of the GRM; so are ours
    np.testing.assert_allclose(np.linalg.norm(ref, axis=0), 1.0, atol=1e-5)
    np.testing.assert_allclose(ours.T @ ours, np.eye(K), atol=1e-10)


@needs_plink2
def test_default_pca_without_missing_calls(tmp_path: Path) -> None:
    """With no missing call plink2's default --pca is the same computation."""
    G = _simulate(np.random.default_rng(SEED + 1), missing_rate=0.0)
    _write_bed(G, tmp_path / "pooled")
    ref = _plink_pca(tmp_path / "pooled", tmp_path / "pca")
    res = run_in_process(_sites(G), _freq(G), K, seed=3, chunk_size=1_000)
    rel = np.abs(res.eigenvalues - ref.eigenval) / ref.eigenval
    assert rel.max() < 1e-4
    assert _principal_sin(np.vstack(res.scores), ref.eigenvec) < 1e-3


@needs_plink2
def test_default_pca_with_missing_calls_is_missingness_corrected(
        data: NDArray[np.int8], fed: PCAResult, tmp_path: Path) -> None:
    """plink2's default --pca divides each GRM entry by the variants called in both samples;
    mean imputation (ours, plink2's ``meanimpute``/``approx``) scales eigenvalues by about
    the squared call rate instead. The PCs themselves barely move."""
    _write_bed(data, tmp_path / "pooled")
    ref = _plink_pca(tmp_path / "pooled", tmp_path / "pca")
    call_rate = (data != MISSING).mean(axis=1)
    ratio = fed.eigenvalues / ref.eigenval
    np.testing.assert_allclose(ratio[:2], np.mean(call_rate**2), rtol=2e-3)
    ours = np.vstack(fed.scores)
    for i in (0, 1):
        assert abs(np.corrcoef(ours[:, i], ref.eigenvec[:, i])[0, 1]) > 0.9999


# -- federation invariances ---------------------------------------------------------------


def test_three_sites_equal_one_site(data: NDArray[np.int8], freq: NDArray[np.float64],
                                    fed: PCAResult) -> None:
    one = run_in_process([data], freq, K, seed=7, chunk_size=700)
    assert one.rounds == fed.rounds
    np.testing.assert_allclose(one.eigenvalues, fed.eigenvalues, rtol=1e-10)
    np.testing.assert_allclose(one.V, fed.V, atol=1e-10)
    np.testing.assert_allclose(one.scores[0], np.vstack(fed.scores), atol=1e-10)


def test_chunk_size_does_not_change_result(data: NDArray[np.int8],
                                           freq: NDArray[np.float64]) -> None:
    sites = _sites(data)
    runs = [run_in_process([iter_chunks(s, size) for s in sites], freq, K,
                           n_samples=data.shape[0], seed=7, tol=0.0, max_rounds=4)
            for size in (M, 700, 256)]
    ref = runs[0]
    for res in runs[1:]:
        assert res.rounds == ref.rounds == 4
        np.testing.assert_allclose(res.eigenvalues, ref.eigenvalues, rtol=1e-10)
        np.testing.assert_allclose(res.V, ref.V, atol=1e-10)
        for a, b in zip(res.scores, ref.scores, strict=True):
            np.testing.assert_allclose(a, b, atol=1e-10)


def test_result_equals_dense_eigendecomposition(data: NDArray[np.int8],
                                                freq: NDArray[np.float64],
                                                fed: PCAResult) -> None:
    X = standardize(data, freq)
    w, U = np.linalg.eigh(X @ X.T / M)
    w, U = w[::-1][:K], U[:, ::-1][:, :K]
    np.testing.assert_allclose(fed.eigenvalues, w, rtol=1e-9)
    assert _principal_sin(np.vstack(fed.scores), U) < 1e-4
    # V: unit-norm eigenvectors of X'X, with the documented sign convention
    np.testing.assert_allclose(fed.V.T @ fed.V, np.eye(K), atol=1e-10)
    np.testing.assert_allclose(X.T @ (X @ fed.V[:, :2]), fed.V[:, :2] * (M * w[:2]),
                               rtol=1e-6, atol=1e-6 * M * w[0])
    peak = fed.V[np.argmax(np.abs(fed.V), axis=0), np.arange(K)]
    assert (peak > 0).all()


def test_krylov_rounds_for_k10(fed: PCAResult) -> None:
    """The documented cost: ~20 rounds for all ten PCs (eight of them inside the noise
    bulk, separated by gaps of a fraction of a percent), and the Ritz values settle
    monotonically from below."""
    assert 12 <= fed.rounds <= 26
    assert len(fed.history) == fed.rounds
    hist = np.array(fed.history)
    assert (np.diff(hist, axis=0) >= -1e-12 * hist[1:]).all()
    # after 12 rounds every eigenvalue is within 1e-3 of the converged one
    assert (np.abs(hist[11] - fed.eigenvalues) / fed.eigenvalues).max() < 1e-3


def test_subspace_iteration_for_population_pcs(data: NDArray[np.int8],
                                               freq: NDArray[np.float64],
                                               fed: PCAResult) -> None:
    res = run_in_process(_sites(data), freq, 2, seed=11, chunk_size=M, method="subspace",
                         oversample=4)
    assert res.converged and res.rounds <= 10
    np.testing.assert_allclose(res.eigenvalues, fed.eigenvalues[:2], rtol=1e-8)
    np.testing.assert_allclose(np.vstack(res.scores), np.vstack(fed.scores)[:, :2],
                               atol=1e-6)


# -- node side ----------------------------------------------------------------------------


def test_standardize_is_plinks_formula() -> None:
    G = np.array([[0, 1, 2, 0], [2, MISSING, 2, 1], [1, 1, 2, MISSING]], dtype=np.int8)
    p = np.array([0.5, 1 / 3, 1.0, np.nan])
    X = standardize(G, p)
    assert X.dtype == np.float64
    expected0 = (np.array([0, 2, 1]) - 1.0) / np.sqrt(0.5)
    np.testing.assert_allclose(X[:, 0], expected0)
    sd1 = np.sqrt(2 * p[1] * (1 - p[1]))
    np.testing.assert_allclose(X[:, 1], [(1 - 2 * p[1]) / sd1, 0.0, (1 - 2 * p[1]) / sd1])
    assert not X[:, 2].any()  # monomorphic
    assert not X[:, 3].any()  # no frequency: treated as monomorphic
    with pytest.raises(InputError):
        standardize(G, p[:3])
    with pytest.raises(InputError):
        standardize(G, np.array([0.5, 1.5, 0.2, 0.2]))


def test_allele_counts_and_frequency() -> None:
    G = np.array([[0, MISSING], [2, MISSING], [1, 2]], dtype=np.int8)
    alt, called = site_allele_counts(G, 2, chunk_size=1)
    assert alt.tolist() == [3, 2] and called.tolist() == [6, 2]
    np.testing.assert_allclose(pooled_frequency(alt, called), [0.5, 1.0])
    assert np.isnan(pooled_frequency(np.array([0]), np.array([0])))[0]


@dataclass
class _CountingChunks:
    """A chunk factory recording every pass and chunk shape it hands out."""

    G: NDArray[np.int8]
    size: int
    passes: int = 0
    shapes: list[tuple[int, int]] | None = None

    def __call__(self) -> Iterable[tuple[slice, NDArray[np.int8]]]:
        self.passes += 1
        if self.shapes is None:
            self.shapes = []
        for start in range(0, self.G.shape[1], self.size):
            sl = slice(start, min(start + self.size, self.G.shape[1]))
            chunk = np.array(self.G[:, sl])  # a fresh copy, as a file reader would give
            self.shapes.append(chunk.shape)
            yield sl, chunk


def test_site_product_streams_chunks_twice(data: NDArray[np.int8],
                                           freq: NDArray[np.float64]) -> None:
    site = np.ascontiguousarray(_sites(data)[0])
    Q = start_basis(M, K, 10, seed=1)
    chunks = _CountingChunks(site, 250)
    tracemalloc.start()
    try:
        Z = site_product(chunks, freq, Q)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert chunks.passes == 2
    assert chunks.shapes is not None and len(chunks.shapes) == 2 * 12
    assert all(s[0] == site.shape[0] and s[1] <= 250 for s in chunks.shapes)
    full_float = site.shape[0] * M * 8
    assert peak < full_float / 4, (peak, full_float)  # never the whole standardized matrix
    X = standardize(site, freq)
    np.testing.assert_allclose(Z, X.T @ (X @ Q), rtol=1e-10, atol=1e-9)


def test_site_product_refuses_bad_streams(data: NDArray[np.int8],
                                          freq: NDArray[np.float64]) -> None:
    site = _sites(data)[2]
    Q = start_basis(M, 2, 0, seed=1)

    def short() -> Iterable[tuple[slice, NDArray[np.int8]]]:
        yield slice(0, M - 1), site[:, : M - 1]

    def repeated() -> Iterable[tuple[slice, NDArray[np.int8]]]:
        yield slice(0, M), site
        yield slice(0, 1), site[:, :1]

    def ragged() -> Iterable[tuple[slice, NDArray[np.int8]]]:
        yield slice(0, 10), site[:, :10]
        yield slice(10, M), site[1:, 10:]

    def mislabeled() -> Iterable[tuple[slice, NDArray[np.int8]]]:
        yield slice(0, M), site[:, :10]

    def floats() -> Iterable[tuple[slice, NDArray[Any]]]:
        yield slice(0, M), site.astype(np.float64)

    for bad in (short, repeated, ragged, mislabeled, floats):
        with pytest.raises(InputError):
            site_product(bad, freq, Q)
    with pytest.raises(InputError):
        site_product(site, freq, Q[:-1])


def test_site_scores_scale(data: NDArray[np.int8], freq: NDArray[np.float64],
                           fed: PCAResult) -> None:
    site = _sites(data)[1]
    X = standardize(site, freq)
    expected = X @ fed.V / np.sqrt(M * fed.eigenvalues)
    got = site_scores(iter_chunks(site, 999), freq, fed.V, fed.eigenvalues)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got, fed.scores[1], atol=1e-12)
    with pytest.raises(InputError):
        site_scores(site, freq, fed.V, fed.eigenvalues[:-1])


# -- coordinator side ---------------------------------------------------------------------


def test_start_basis_seeding() -> None:
    a = start_basis(200, 10, 10, seed=5)
    b = start_basis(200, 10, 10, seed=5)
    assert a.shape == (200, 20)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a.T @ a, np.eye(20), atol=1e-12)
    assert not np.allclose(start_basis(200, 10, 10), start_basis(200, 10, 10))  # OS entropy
    assert start_basis(15, 10, 10, seed=1).shape == (15, 15)
    with pytest.raises(InputError):
        start_basis(5, 10, 0)


def test_orthonormalize_sign_convention_and_deflation() -> None:
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((50, 6))
    Q = orthonormalize(Z)
    np.testing.assert_allclose(Q.T @ Q, np.eye(6), atol=1e-12)
    R = Q.T @ Z
    assert (np.diag(R) > 0).all()
    np.testing.assert_allclose(np.tril(R, -1), 0.0, atol=1e-12)
    # unique: the same Q for Z times any upper-triangular matrix with a positive diagonal
    T = np.triu(rng.uniform(0.5, 2.0, (6, 6)))
    np.testing.assert_allclose(orthonormalize(Z @ T), Q, atol=1e-10)
    # against a basis: orthogonal to it, dependent columns dropped
    K = orthonormalize(rng.standard_normal((50, 4)))
    W = np.hstack([K @ rng.standard_normal((4, 2)), Z[:, :3], Z[:, :1] + Z[:, 1:2]])
    P = orthonormalize(W, against=K)
    assert P.shape == (50, 3)
    np.testing.assert_allclose(K.T @ P, 0.0, atol=1e-12)
    np.testing.assert_allclose(P.T @ P, np.eye(3), atol=1e-12)
    assert orthonormalize(np.zeros((5, 2))).shape == (5, 0)


def test_finish_is_exact_on_a_full_basis() -> None:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 30))
    Q = orthonormalize(rng.standard_normal((30, 30)))
    lam, V = finish(X.T @ X @ Q, Q, 5, n_samples=40, n_variants=30)
    w, U = np.linalg.eigh(X.T @ X / 30)
    np.testing.assert_allclose(lam, w[::-1][:5], rtol=1e-12)
    np.testing.assert_allclose(np.abs(V.T @ U[:, ::-1][:, :5]), np.eye(5), atol=1e-10)
    with pytest.raises(InputError):
        finish(X.T @ X @ Q, Q, 41, n_samples=40, n_variants=30)


def test_converged() -> None:
    a = np.array([10.0, 2.0])
    assert not converged(None, a, 1e-6)
    assert converged(a, a * (1 + 1e-9), 1e-8)
    assert not converged(a, a * (1 + 1e-7), 1e-8)
    assert not converged(a, np.array([10.0]), 1.0)


def test_coordinator_protocol_errors(data: NDArray[np.int8], freq: NDArray[np.float64]) -> None:
    coord = PCACoordinator(M, data.shape[0], 2, oversample=2, seed=1, max_rounds=1)
    with pytest.raises(ModelError):
        coord.result()
    Q = coord.query()
    assert Q is not None and Q.shape == (M, 4)
    with pytest.raises(InputError):
        coord.submit(np.zeros((M, 3)))
    coord.submit(site_product(data, freq, Q))
    assert coord.query() is None and coord.done and not coord.is_converged
    with pytest.raises(ModelError):
        coord.submit(np.zeros((M, 4)))
    lam, V = coord.result()
    assert lam.shape == (2,) and V.shape == (M, 2)
    with pytest.raises(InputError):
        PCACoordinator(M, 5, 10)
    with pytest.raises(InputError):
        run_in_process([iter_chunks(data)], freq, 2)  # n_samples needed with factories
