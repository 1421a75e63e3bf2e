"""The federated GWAS over real HTTPS in local mode, through the command line.

Three site folders register their PLINK filesets (with phenotype and covariate files) in
site.toml; `medveil gwas --local ...` starts a node per site, runs the study and writes
the PLINK-format table, the JSON summary and the HTML report. The results equal the
in-process run (the pooled reference tests live in test_gwas.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from medveil.analysis import InProcessAggregator
from medveil.cli import app
from medveil.demo._genotypes import SimulatedStudy, simulate_study
from medveil.errors import InputError
from medveil.federation import init_identity
from medveil.federation._auth import public_key_b64
from medveil.federation._data import add_dataset
from medveil.gwas import PlinkSet, gwas
from medveil.site import SITE_TOML, Site, init_site
from medveil.site._edit import grant_access


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Site], Path,
                                                             SimulatedStudy]:
    root = tmp_path_factory.mktemp("gwas-http")
    study = simulate_study(root / "sim", n_samples=900, n_variants=1200, seed=5)
    key_path = root / "researcher.key"
    key = init_identity(key_path)
    out = []
    for i, (prefix, pheno, covar) in enumerate(zip(study.site_prefixes, study.pheno_files,
                                                   study.covar_files, strict=True)):
        site = init_site(root / f"site-{'abc'[i]}", f"site-{'abc'[i]}")
        data = site.root / "data"
        for ext in (".bed", ".bim", ".fam"):
            shutil.copy(prefix.with_name(prefix.name + ext), data / f"geno{ext}")
        shutil.copy(pheno, data / "pheno.txt")
        shutil.copy(covar, data / "covar.txt")
        n = add_dataset(site, name="geno", path="data/geno", fmt="plink",
                        pheno="data/pheno.txt", covar="data/covar.txt")
        assert n == len(pd.read_csv(data / "geno.fam", sep=r"\s+", header=None))
        site = Site.open(site.root)
        grant_access(site.path(SITE_TOML), site.config, name="tester",
                     key=public_key_b64(key.public_key()), role="researcher",
                     datasets=["geno"], operations=["gwas.*", "ledger.witness"])
        out.append(Site.open(site.root))
    return out, key_path, study


@pytest.mark.parametrize("pca_block", [None, 300], ids=["pca-one-request", "pca-in-blocks"])
def test_cli_gwas_in_local_mode_equals_in_process(
        sites: tuple[list[Site], Path, SimulatedStudy], tmp_path: Path,
        pca_block: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over HTTPS; with ``pca-in-blocks`` the PCA basis goes out in blocks of 300 variants
    (the nodes keep the partial sums between requests)."""
    from medveil.gwas import _study

    if pca_block is not None:
        monkeypatch.setattr(_study, "PCA_BLOCK", pca_block)
    site_list, key_path, _sim = sites
    runner = CliRunner(env={"COLUMNS": "200"})
    local = [x for s in site_list for x in ("--local", str(s.root))]
    res = runner.invoke(app, ["gwas", *local, "--identity", str(key_path), "--dataset", "geno",
                              "--pheno", "case", "--covar", "age,sex", "--pcs", "2",
                              "--test", "glm", "--maf", "0.02", "--out",
                              str(tmp_path / "out" / "study")])
    assert res.exit_code == 0, res.output
    assert "variants tested" in res.stdout and "wrote" in res.stdout
    table = pd.read_csv(tmp_path / "out" / "study.case.glm.logistic", sep="\t")
    summary = json.loads((tmp_path / "out" / "study.summary.json").read_text())
    assert len(summary["eigenvalues"]) == 2
    assert (tmp_path / "out" / "study.eigenval").read_text().count("\n") == 2
    assert "<svg" in (tmp_path / "out" / "study.html").read_text()
    agg = InProcessAggregator({
        s.name: {"geno": PlinkSet(s.root / "data" / "geno", s.root / "data" / "pheno.txt",
                                  s.root / "data" / "covar.txt")} for s in site_list})
    ref = gwas(agg, "geno", pheno="case", covar=["age", "sex"], pcs=2, test="glm", maf=0.02)
    assert list(table["ID"]) == list(ref.table["SNP"])
    # each PCA starts from its own random basis (OS entropy), so the two runs agree to the
    # PCA's convergence (Ritz values settled to 1e-6), not bit for bit
    np.testing.assert_allclose(summary["eigenvalues"], ref.eigenvalues, rtol=1e-4)
    ours, theirs = table["OR"].to_numpy(float), ref.table["OR"].to_numpy(float)
    ok = np.isfinite(theirs)
    np.testing.assert_allclose(ours[ok], theirs[ok], rtol=1e-4)


def test_cli_gwas_assoc_and_bad_input(sites: tuple[list[Site], Path, SimulatedStudy],
                                      tmp_path: Path) -> None:
    site_list, key_path, _study = sites
    runner = CliRunner(env={"COLUMNS": "200"})
    base = ["gwas", *[x for s in site_list for x in ("--local", str(s.root))], "--identity",
            str(key_path), "--dataset", "geno", "--no-witness"]
    res = runner.invoke(app, [*base, "--pheno", "case", "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    header = (tmp_path / "a.assoc").read_text().splitlines()[0].split()
    assert header == ["CHR", "SNP", "BP", "A1", "F_A", "F_U", "A2", "CHISQ", "P", "OR"]
    assert "strand-ambiguous" in res.stdout and "absent at some site" in res.stdout
    res = runner.invoke(app, [*base, "--pheno", "nope", "--out", str(tmp_path / "b")])
    assert res.exit_code == 2 and "unknown phenotype 'nope'" in res.stderr
    assert not (tmp_path / "b.assoc").exists()
    res = runner.invoke(app, [*base, "--pheno", "qt", "--out", str(tmp_path / "c")])
    assert res.exit_code == 2 and "--test glm" in res.stderr


def test_registering_a_broken_fileset_is_refused(tmp_path: Path,
                                                 sites: tuple[list[Site], Path,
                                                              SimulatedStudy]) -> None:
    _, _, study = sites
    site = init_site(tmp_path / "s", "s")
    prefix = study.site_prefixes[0]
    for ext in (".bed", ".bim", ".fam"):
        shutil.copy(prefix.with_name(prefix.name + ext), site.root / "data" / f"g{ext}")
    bed = site.root / "data" / "g.bed"
    bed.write_bytes(bed.read_bytes()[:-1])
    with pytest.raises(InputError, match="truncated"):
        add_dataset(site, name="g", path="data/g", fmt="plink")
