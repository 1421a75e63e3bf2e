"""The GWAS simulator writes real PLINK filesets, and the plink runners parse their reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bed_reader import open_bed

from medveil.demo._genotypes import SITE_POPULATION_MIX, SimulatedStudy, simulate_study
from tests.gwas._plink import (
    have_plink,
    plink2_glm,
    plink2_pca,
    plink19_assoc,
    plink19_freq,
    plink19_hardy,
    plink19_missing,
    plink19_model,
    plink19_qc,
)

N, M, SHARES = 600, 1500, (0.5, 0.3, 0.2)
needs_plink = pytest.mark.skipif(not have_plink(), reason="plink1.9/plink2 missing: make plink")


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> SimulatedStudy:
    return simulate_study(
        tmp_path_factory.mktemp("sim"), n_samples=N, n_variants=M, shares=SHARES, seed=7
    )


def _bim(prefix: Path) -> pd.DataFrame:
    return pd.read_csv(
        prefix.with_suffix(".bim"), sep="\t", header=None,
        names=["chrom", "id", "cm", "pos", "a1", "a2"], dtype={"a1": str, "a2": str},
    )


def _fam(prefix: Path) -> pd.DataFrame:
    return pd.read_csv(
        prefix.with_suffix(".fam"), sep=" ", header=None,
        names=["fid", "iid", "pat", "mat", "sex", "pheno"], dtype={"fid": str, "iid": str},
    )


def _genotypes(prefix: Path) -> np.ndarray:
    """n x m counts of .bim column 5 (A1), -1 for missing."""
    with open_bed(prefix.with_suffix(".bed"), count_A1=True) as bed:
        g = bed.read(dtype="int8")
    g[g == -127] = -1
    return g


def _a1_freq(g: np.ndarray) -> np.ndarray:
    called = g >= 0
    return np.where(called, g, 0).sum(0) / (2 * called.sum(0))


def _samples(study: SimulatedStudy) -> pd.DataFrame:
    assert study.samples_file is not None
    return pd.read_csv(study.samples_file, sep=" ", dtype={"FID": str, "IID": str})


def test_files_read_back_and_sites_follow_shares(study: SimulatedStudy) -> None:
    sizes = [len(_fam(p)) for p in study.site_prefixes]
    assert sizes == [300, 180, 120]
    assert sum(sizes) == len(_fam(study.pooled_prefix)) == N
    ids = pd.concat([_fam(p)["iid"] for p in study.site_prefixes])
    assert ids.is_unique and list(ids) == list(_fam(study.pooled_prefix)["iid"])
    assert all(i.startswith(f"{s}_") for s, p in zip("abc", study.site_prefixes, strict=True)
               for i in _fam(p)["iid"])

    pooled = _genotypes(study.pooled_prefix)
    assert pooled.shape == (N, M)
    assert set(np.unique(pooled)) <= {-1, 0, 1, 2}
    sites = [_genotypes(p) for p in study.site_prefixes]
    assert [s.shape for s in sites] == [(300, M), (180, M), (120, M - len(study.absent))]

    # The pool is the sites' data: site a as is, site b with the swapped variants recounted,
    # site c without the absent variants.
    bim = _bim(study.pooled_prefix)
    assert np.array_equal(sites[0], pooled[:300])
    swapped = bim["id"].isin(study.swapped).to_numpy()
    b = pooled[300:480].copy()
    b[:, swapped] = np.where(b[:, swapped] >= 0, 2 - b[:, swapped], -1)
    assert np.array_equal(sites[1], b)
    present = ~bim["id"].isin(study.absent).to_numpy()
    assert np.array_equal(sites[2], pooled[480:, present])

    # Missing calls: ~1 % at random plus a few samples with ~20 % missing.
    miss = (pooled < 0).mean(axis=1)
    assert 0.005 < (pooled < 0).mean() < 0.03
    assert 5 <= (miss > 0.12).sum() <= 20


@needs_plink
def test_plink19_reads_files_and_freq_matches(study: SimulatedStudy, tmp_path: Path) -> None:
    for prefix in (*study.site_prefixes, study.pooled_prefix):
        frq = plink19_freq(prefix, tmp_path)
        assert len(frq) == len(_bim(prefix))

    frq = plink19_freq(study.pooled_prefix, tmp_path)
    assert list(frq.columns) == ["CHR", "SNP", "A1", "A2", "MAF", "NCHROBS"]
    bim = _bim(study.pooled_prefix)
    g = _genotypes(study.pooled_prefix)
    f = _a1_freq(g)
    assert list(frq["SNP"]) == list(bim["id"])
    np.testing.assert_array_equal(frq["NCHROBS"], 2 * (g >= 0).sum(0))
    np.testing.assert_allclose(frq["MAF"], np.minimum(f, 1 - f), atol=1e-4)
    # plink1.9 makes A1 the minor allele: .bim column 5 where it is minor, else column 6.
    clear = np.abs(f - 0.5) > 1e-3
    expect_a1 = np.where(f <= 0.5, bim["a1"], bim["a2"])
    assert (frq["A1"].to_numpy()[clear] == expect_a1[clear]).all()
    assert (f >= 0.005).all() and (f <= 0.995).all()


def test_variant_ids_alleles_and_positions(study: SimulatedStudy) -> None:
    bim = _bim(study.pooled_prefix)
    assert bim["id"].is_unique
    assert all(re.fullmatch(r"rs\d+", i) for i in bim["id"])
    assert bim["chrom"].nunique() >= 3
    assert list(bim["chrom"]) == sorted(bim["chrom"])
    for _, pos in bim.groupby("chrom")["pos"]:
        assert (np.diff(pos.to_numpy()) > 0).all()
    complement = {"A": "T", "T": "A", "C": "G", "G": "C"}
    ambiguous = bim["a1"].map(complement) == bim["a2"]
    assert (bim["a1"] != bim["a2"]).all()
    assert set(bim.loc[ambiguous, "id"]) == set(study.ambiguous)
    assert 1 <= len(study.ambiguous) <= 0.01 * M
    assert len(study.causal) == 10
    sets = [set(study.causal), set(study.ambiguous), set(study.absent), set(study.hwe_fail)]
    assert sum(len(s) for s in sets) == len(set().union(*sets))  # disjoint


def test_swapped_variants_are_swapped_at_site_b(study: SimulatedStudy) -> None:
    bim_a, bim_b = _bim(study.site_prefixes[0]), _bim(study.site_prefixes[1])
    swapped = bim_a["id"].isin(study.swapped).to_numpy()
    assert 0.005 * M <= swapped.sum() <= 0.02 * M
    assert (bim_b.loc[swapped, "a1"].to_numpy() == bim_a.loc[swapped, "a2"].to_numpy()).all()
    assert (bim_b.loc[~swapped, ["a1", "a2"]] == bim_a.loc[~swapped, ["a1", "a2"]]).all().all()
    assert set(study.swapped) & set(study.causal)  # one signal variant needs aligning

    # Predict site b's frequency of site a's A1 from the per-population frequencies at sites
    # a and c and site b's population mix: at swapped variants b's A1 has 1 - that.
    samples = _samples(study)
    pooled = _genotypes(study.pooled_prefix)
    not_b = (samples["site"] != "b").to_numpy()
    pop_freq = np.array(
        [_a1_freq(pooled[not_b & (samples["population"] == p).to_numpy()]) for p in range(3)]
    )
    mix_b = samples.loc[~not_b, "population"].value_counts(normalize=True).sort_index()
    expected = mix_b.to_numpy() @ pop_freq
    f_b = _a1_freq(_genotypes(study.site_prefixes[1]))
    assert np.mean(np.abs(f_b[swapped] - (1 - expected[swapped]))) < 0.06
    assert np.mean(np.abs(f_b[~swapped] - expected[~swapped])) < 0.06
    informative = swapped & (np.abs(expected - 0.5) > 0.15)
    assert informative.sum() >= 3
    assert (np.abs(f_b - (1 - expected)) < np.abs(f_b - expected))[informative].all()


def test_absent_variants_are_absent_at_site_c(study: SimulatedStudy) -> None:
    assert 1 <= len(study.absent) <= 0.01 * M
    assert not set(_bim(study.site_prefixes[2])["id"]) & set(study.absent)
    for prefix in (*study.site_prefixes[:2], study.pooled_prefix):
        assert set(study.absent) <= set(_bim(prefix)["id"])


def test_sites_differ_in_population_and_case_rate(study: SimulatedStudy) -> None:
    samples = _samples(study)
    mix = pd.crosstab(samples["site"], samples["population"], normalize="index")
    np.testing.assert_allclose(mix.to_numpy(), np.array(SITE_POPULATION_MIX), atol=0.01)

    pheno = pd.read_csv(study.pooled_pheno, sep=" ", dtype={"FID": str, "IID": str})
    covar = pd.read_csv(study.pooled_covar, sep=" ", dtype={"FID": str, "IID": str})
    fam = _fam(study.pooled_prefix)
    assert list(pheno.columns) == ["FID", "IID", "case", "qt"]
    assert list(covar.columns) == ["FID", "IID", "age", "sex"]
    assert list(pheno["IID"]) == list(fam["iid"]) == list(covar["IID"])
    assert list(pheno["case"]) == list(fam["pheno"])
    assert list(covar["sex"]) == list(fam["sex"])
    assert set(pheno["case"]) == {1, 2, -9}
    assert 1 <= (pheno["case"] == -9).sum() <= 0.03 * N
    assert 1 <= pheno["qt"].isna().sum() <= 0.03 * N
    called = pheno[pheno["case"] > 0]
    assert 0.3 < (called["case"] == 2).mean() < 0.5
    rate = (called["case"] == 2).groupby(called["IID"].str[0]).mean()
    assert rate["c"] > rate["a"]  # stratification: pop2 (site c) carries more cases
    assert covar["sex"].isin([1, 2]).all() and covar["age"].between(18, 90).all()

    site_rows = [
        pd.read_csv(p, sep=" ", dtype={"FID": str, "IID": str}) for p in study.pheno_files
    ]
    pd.testing.assert_frame_equal(pd.concat(site_rows, ignore_index=True), pheno)
    covar_rows = [
        pd.read_csv(p, sep=" ", dtype={"FID": str, "IID": str}) for p in study.covar_files
    ]
    pd.testing.assert_frame_equal(pd.concat(covar_rows, ignore_index=True), covar)

    assert study.truth_file is not None
    truth = json.loads(study.truth_file.read_text())
    assert [c["id"] for c in truth["causal"]] == list(study.causal)
    assert all(0.18 < abs(c["log_or_per_a1"]) < 0.41 for c in truth["causal"])


@needs_plink
def test_population_structure_shows_in_pca(study: SimulatedStudy, tmp_path: Path) -> None:
    vec, val = plink2_pca(study.pooled_prefix, tmp_path, 3)
    assert list(vec.columns) == ["FID", "IID", "PC1", "PC2", "PC3"]
    assert len(vec) == N and val.shape == (3,) and (np.diff(val) <= 0).all()
    pop = vec.merge(_samples(study), on=["FID", "IID"])["population"]
    assert abs(np.corrcoef(vec["PC1"], pop == 0)[0, 1]) > 0.8


def test_same_seed_same_files(tmp_path: Path) -> None:
    def files(root: Path, seed: int) -> dict[str, bytes]:
        simulate_study(root, n_samples=150, n_variants=300, seed=seed)
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    first = files(tmp_path / "one", 3)
    assert len(first) == 4 * 5 + 2
    assert files(tmp_path / "two", 3) == first
    other = files(tmp_path / "three", 4)
    assert other.keys() == first.keys() and other != first


@needs_plink
def test_qc_flags_catch_the_planted_problems(study: SimulatedStudy, tmp_path: Path) -> None:
    hwe = plink19_hardy(study.pooled_prefix, tmp_path)
    assert list(hwe.columns) == ["CHR", "SNP", "TEST", "A1", "A2", "GENO", "O(HET)", "E(HET)", "P"]
    assert set(hwe["TEST"]) == {"ALL", "AFF", "UNAFF"}
    controls = hwe[hwe["TEST"] == "UNAFF"].set_index("SNP")
    assert (controls.loc[list(study.hwe_fail), "P"] < 1e-6).all()
    # --freq would run before --hwe: ask which variants survive instead.
    kept, fam = plink19_qc(study.pooled_prefix, tmp_path, extra=("--hwe", "1e-6"))
    assert not set(kept) & set(study.hwe_fail)
    assert len(kept) > 0.9 * M and len(fam) == N

    lmiss, imiss = plink19_missing(study.pooled_prefix, tmp_path)
    assert list(lmiss.columns) == ["CHR", "SNP", "N_MISS", "N_GENO", "F_MISS"]
    assert list(imiss.columns) == ["FID", "IID", "MISS_PHENO", "N_MISS", "N_GENO", "F_MISS"]
    assert len(lmiss) == M and len(imiss) == N
    high = set(imiss.loc[imiss["F_MISS"] > 0.1, "IID"])
    assert 5 <= len(high) <= 20
    _, after = plink19_missing(study.pooled_prefix, tmp_path, extra=("--mind", "0.1"))
    assert len(after) == N - len(high) and not set(after["IID"]) & high
    _, fam = plink19_qc(study.pooled_prefix, tmp_path, extra=("--mind", "0.1"))
    assert set(fam["IID"]) == set(imiss["IID"]) - high


@needs_plink
def test_plink_runners_parse_association_reports(study: SimulatedStudy, tmp_path: Path) -> None:
    bim = _bim(study.pooled_prefix)
    assoc = plink19_assoc(study.pooled_prefix, tmp_path)
    assert list(assoc.columns) == ["CHR", "SNP", "BP", "A1", "F_A", "F_U", "A2", "CHISQ", "P", "OR"]
    assert len(assoc) == M and assoc["P"].between(0, 1).all()
    assert (assoc["F_A"] <= 0.6).all()  # A1 is the overall minor allele

    qassoc = plink19_assoc(
        study.pooled_prefix, tmp_path, pheno=study.pooled_pheno, pheno_name="qt"
    )
    assert {"NMISS", "BETA", "SE", "P"} <= set(qassoc.columns) and len(qassoc) == M

    trend = plink19_model(study.pooled_prefix, tmp_path, extra=("--maf", "0.01"))
    assert set(trend["TEST"]) == {"TREND"} and trend["SNP"].is_unique
    assert {"CHISQ", "P", "AFF", "UNAFF"} <= set(trend.columns)
    assert trend["P"].dtype.kind == "f" and trend["P"].notna().mean() > 0.95

    logistic = plink2_glm(
        study.pooled_prefix, tmp_path, pheno_file=study.pooled_pheno, pheno_name="case",
        covar_file=study.pooled_covar, covar_names=("age", "sex"),
    )
    assert list(logistic.columns) == [
        "CHROM", "POS", "ID", "REF", "ALT", "A1", "TEST", "OBS_CT",
        "OR", "LOG(OR)_SE", "Z_STAT", "P", "ERRCODE",
    ]
    assert len(logistic) == M and set(logistic["TEST"]) == {"ADD"}
    assert logistic["OR"].dtype.kind == "f" and logistic["P"].notna().mean() > 0.95
    # no-firth: a rare variant seen only in controls (or cases) gets NA and an ERRCODE.
    failed = logistic["P"].isna()
    assert (logistic.loc[failed, "ERRCODE"] != ".").all()
    assert (logistic.loc[~failed, "ERRCODE"] == ".").all()
    # plink2 reads .bim column 5 as ALT, but --glm tests the minor allele unless omit-ref.
    assert list(logistic["ALT"]) == list(bim["a1"])
    assert list(logistic["REF"]) == list(bim["a2"])
    f = _a1_freq(_genotypes(study.pooled_prefix))
    clear = np.abs(f - 0.5) > 1e-3
    minor = np.where(f < 0.5, bim["a1"], bim["a2"])
    assert (logistic["A1"].to_numpy() == minor)[clear].all()
    assert (logistic["A1"] != logistic["ALT"]).any()
    alt = plink2_glm(
        study.pooled_prefix, tmp_path, pheno_file=study.pooled_pheno, pheno_name="case",
        covar_file=study.pooled_covar, covar_names=("age", "sex"), omit_ref=True,
    )
    assert list(alt["A1"]) == list(bim["a1"])
    flipped = (logistic["A1"] != logistic["ALT"]).to_numpy()
    np.testing.assert_allclose(alt["OR"][flipped], 1 / logistic["OR"][flipped], rtol=1e-4)
    assert alt["P"].isna().equals(failed)
    # plink2 a3.5's logistic fit is not exactly coding-invariant: SE/P move by up to ~0.4 %.
    np.testing.assert_allclose(alt["P"], logistic["P"], rtol=1e-2)

    linear = plink2_glm(
        study.pooled_prefix, tmp_path, pheno_file=study.pooled_pheno, pheno_name="qt",
        covar_file=study.pooled_covar, covar_names=("age", "sex"), qt=True,
        extra=("--geno", "0.05", "--maf", "0.01", "--hwe", "1e-6", "--mind", "0.1"),
    )
    assert {"BETA", "SE", "T_STAT", "P", "OBS_CT"} <= set(linear.columns)
    assert 0 < len(linear) < M and not set(linear["ID"]) & set(study.hwe_fail)

    bare = plink2_glm(
        study.site_prefixes[2], tmp_path, pheno_file=study.pheno_files[2], pheno_name="case"
    )
    assert len(bare) == M - len(study.absent)
