"""Compiled kernels on packed .bed rows (medveil.gwas._kernels) against the int8 reference.

Every kernel must give exactly (counts, decoding) or to rounding (IRLS sums) what the
numpy reference of :mod:`medveil.gwas._stats` gives on the decoded genotypes, for sample
counts that do and do not fill a byte (4 samples) or a word (32 samples), missing calls,
flipped alleles and sample subsets; :class:`PlinkSet` reads the same genotypes as
bed-reader.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from medveil.gwas._kernels import centred, decode, group_counts
from medveil.gwas._plink import PlinkSet
from medveil.gwas._stats import genotype_counts, logistic_sums_packed, regression_sums

MISSING = -127


def pack(G: NDArray[np.int8]) -> NDArray[np.uint8]:
    """.bed rows (m x ceil(n/4)) of an n x m int8 matrix (PLINK's codes, low bits first)."""
    n, m = G.shape
    code = np.select([G.T == 2, G.T == 1, G.T == 0], [0, 2, 3], 1).astype(np.uint8)
    code = np.pad(code, ((0, 0), (0, -n % 4))).reshape(m, (n + 3) // 4, 4)
    out: NDArray[np.uint8] = (code[..., 0] | (code[..., 1] << 2) | (code[..., 2] << 4)
                              | (code[..., 3] << 6)).astype(np.uint8)
    return out


def genotypes(rng: np.random.Generator, n: int, m: int) -> NDArray[np.int8]:
    G = rng.binomial(2, rng.uniform(0.05, 0.95, m), (n, m)).astype(np.int8)
    G[rng.random((n, m)) < rng.uniform(0, 0.3, m)] = MISSING
    return G


def flipped(G: NDArray[np.int8], flip: NDArray[np.bool_]) -> NDArray[np.int8]:
    return np.where(flip & (G != MISSING), 2 - G, G).astype(np.int8)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 140), m=st.integers(0, 9), n_groups=st.integers(1, 4),
       seed=st.integers(0, 2**32 - 1))
def test_group_counts_equal_the_int8_counts(n: int, m: int, n_groups: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    G = genotypes(rng, n, m)
    groups = rng.integers(-1, n_groups, n)
    want = genotype_counts(G, groups, n_groups)
    rows = pack(G)
    np.testing.assert_array_equal(group_counts(rows, groups, n_groups), want)
    # bytes past the samples (word padding) never count, whatever they hold
    junk = rng.integers(0, 256, (m, 8 + (-rows.shape[1] % 8)), dtype=np.uint8)
    np.testing.assert_array_equal(group_counts(np.hstack([rows, junk]), groups, n_groups),
                                  want)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 140), m=st.integers(0, 40), seed=st.integers(0, 2**32 - 1))
def test_decode_and_centred_equal_the_int8_reference(n: int, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    G = genotypes(rng, n, m)
    flip = rng.random(m) < 0.4
    samples = np.flatnonzero(rng.random(n) < 0.7)
    rows = pack(G)
    want = flipped(G, flip)[samples]
    np.testing.assert_array_equal(decode(rows, samples, flip), want)
    np.testing.assert_array_equal(decode(rows, np.arange(n)), G)
    two_p = rng.uniform(0, 2, m)
    np.testing.assert_array_equal(centred(rows, samples, flip, two_p),
                                  np.where(want == MISSING, 0.0, want - two_p))


@pytest.mark.parametrize("n,m,c", [(1, 1, 0), (37, 5, 0), (300, 23, 3), (2_001, 40, 12)])
@pytest.mark.parametrize("start", ["zero", "random"])
def test_logistic_sums_packed_equal_regression_sums(n: int, m: int, c: int,
                                                    start: str) -> None:
    rng = np.random.default_rng(n + m + c)
    G = genotypes(rng, n, m)
    flip = rng.random(m) < 0.5
    C = rng.normal(size=(n, c)) * rng.uniform(0.5, 20, c)
    y = (rng.random(n) < 0.4).astype(float)
    samples = np.flatnonzero(rng.random(n) < 0.8) if n > 1 else np.arange(1)
    beta = None if start == "zero" else rng.normal(0, 0.2, (m, 2 + c))
    want = regression_sums(flipped(G, flip)[samples], y[samples], C[samples], beta,
                           logistic=True, deviance=True)
    got = logistic_sums_packed(pack(G), samples, flip, y[samples], C[samples], beta,
                               deviance=True)
    assert set(got) == set(want)
    np.testing.assert_array_equal(got["n"], want["n"])
    for key in ("xtwx", "xtwz", "dev", "yy"):
        scale = np.abs(want[key]).max(initial=0.0) + 1e-300
        np.testing.assert_allclose(got[key], want[key], rtol=1e-10, atol=1e-12 * scale,
                                   err_msg=key)


def test_logistic_sums_packed_refuses_what_regression_sums_refuses() -> None:
    rows = pack(np.ones((4, 2), dtype=np.int8))
    with pytest.raises(ValueError, match="y in"):
        logistic_sums_packed(rows, np.arange(4), np.zeros(2, bool), np.array([0, 1, 2, 0.]),
                             None, None)
    with pytest.raises(ValueError, match="present"):
        logistic_sums_packed(rows, np.arange(4), np.zeros(2, bool),
                             np.array([0, 1, np.nan, 0.]), None, None)
    with pytest.raises(ValueError, match="beta"):
        logistic_sums_packed(rows, np.arange(4), np.zeros(2, bool), np.array([0, 1, 1, 0.]),
                             None, np.zeros((3, 2)))


def test_plinkset_reads_what_bed_reader_reads(tmp_path: Path) -> None:
    bed_reader = pytest.importorskip("bed_reader")
    rng = np.random.default_rng(5)
    G = genotypes(rng, 45, 30)
    prefix = tmp_path / "g"
    bed_reader.to_bed(prefix.with_suffix(".bed"),
                      np.where(G == MISSING, np.nan, G).astype(np.float32),
                      properties={"sid": [f"rs{j}" for j in range(30)]})
    ref = bed_reader.open_bed(prefix.with_suffix(".bed"), count_A1=True)
    gs = PlinkSet(prefix)
    for index in (np.arange(30), np.arange(4, 17), np.array([29, 3, 3, 11, 0]),
                  np.zeros(0, dtype=np.int64)):
        want = ref.read(index=np.s_[:, index], dtype="int8")
        np.testing.assert_array_equal(gs.read(index), want)
    np.testing.assert_array_equal(gs.rows(np.arange(5, 9)), pack(G)[5:9])
    np.testing.assert_array_equal(gs.rows(np.array([9, 2])), pack(G)[[9, 2]])
    np.testing.assert_array_equal(gs.rows(np.array([1, 2, 3, 7, 8, 0])),
                                  pack(G)[[1, 2, 3, 7, 8, 0]])


def test_bim_read_in_chunks_names_the_bad_line(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The .bim is parsed a few lines at a time; errors still name the file's line."""
    from medveil.errors import InputError
    from medveil.gwas import _plink

    bed_reader = pytest.importorskip("bed_reader")
    monkeypatch.setattr(_plink, "_BIM_CHUNK", 4)
    G = genotypes(np.random.default_rng(2), 9, 11)
    prefix = tmp_path / "g"
    bed_reader.to_bed(prefix.with_suffix(".bed"),
                      np.where(G == MISSING, np.nan, G).astype(np.float32),
                      properties={"sid": [f"rs{j}" for j in range(11)],
                                  "chromosome": ["1"] * 6 + ["2"] * 5})
    gs = PlinkSet(prefix)
    assert gs.variants["pos"].dtype == np.int64 and list(gs.variants["id"])[9] == "rs9"
    assert list(gs.variants["chrom"].astype(str)) == ["1"] * 6 + ["2"] * 5
    np.testing.assert_array_equal(gs.read(np.arange(11)), G)
    bim = prefix.with_suffix(".bim")
    lines = bim.read_text().splitlines()
    good = list(lines)
    fields = lines[9].split("\t")
    fields[3] = "x9"
    lines[9] = "\t".join(fields)
    bim.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"line 10: a \.bim position is not a number"):
        PlinkSet(prefix)
    good[7] = good[7].replace("rs7", "rs2")
    bim.write_text("\n".join(good) + "\n")
    with pytest.raises(InputError, match=r"line 8: the \.bim lists a variant id twice"):
        PlinkSet(prefix)
