"""Run the reference GWAS tools (plink1.9, plink2) and parse what they write.

The federated GWAS must reproduce plink1.9 / plink2 on the pooled data; these wrappers run
the Debian ``plink1.9`` and ``plink2`` binaries (``make plink`` installs them) on a bfile
prefix, with ``--threads 1 --memory 2000`` (plus ``--allow-no-sex`` for plink1.9: plink2
ignores it), write into ``out_dir``, check the return code (raising :class:`PlinkError` with
the tail of the tool's log on failure) and return pandas DataFrames with numeric columns
parsed ("NA" and "nan" become NaN).

QC flags pass through ``extra``, e.g. ``("--geno", "0.05", "--maf", "0.01", "--hwe", "1e-6",
"--mind", "0.1")``.

Conventions worth knowing (plink1.9 v1.90b6.26, plink2 v2.00a3.5):

* plink1.9 recodes A1 to the *minor* allele of the loaded samples (after filters) unless
  ``--keep-allele-order`` is given, so ``.assoc`` A1 may differ from ``.bim`` column 5.
  ``F_A``/``F_U`` are A1 frequencies in cases/controls and ``OR`` is for A1.
* plink2 reads ``.bim`` column 5 as ALT and column 6 as REF (no recoding of the file), but
  ``--glm`` (since alpha 3) tests the *minor* allele of the loaded samples, not ALT: its
  ``A1`` column names the tested allele, which is REF (``.bim`` column 6) wherever ALT's
  frequency exceeds 0.5. ``plink2_glm(..., omit_ref=True)`` adds the ``omit-ref`` modifier,
  after which A1 is always ALT (``.bim`` column 5, the allele ``bed_reader`` counts with
  ``count_A1=True``).
* plink1.9's ``--freq`` and ``--missing`` run *before* ``--geno``, ``--hwe`` and ``--maf``
  (but after ``--mind``) in plink's order of operations: to see which variants survive QC use
  :func:`plink19_qc` (``--write-snplist``) or an association report.
* Case/control phenotypes are 1 = control, 2 = case; -9 and 0 are missing (in the ``.fam``
  and in ``--pheno`` files); "NA" is missing in a ``--pheno`` file for both tools.
* plink2 ``--glm`` refuses to run without covariates unless ``allow-no-covars`` is given
  (added here when ``covar_file`` is None).

Column names are the tools' own, except that plink2's leading ``#`` is dropped
(``#CHROM`` -> ``CHROM``, ``#FID`` -> ``FID``).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

PLINK19 = "plink1.9"
PLINK2 = "plink2"
_COMMON = ("--threads", "1", "--memory", "2000")
_LOG_TAIL = 40

__all__ = [
    "PLINK2",
    "PLINK19",
    "PlinkError",
    "have_plink",
    "plink2_glm",
    "plink2_pca",
    "plink19_assoc",
    "plink19_freq",
    "plink19_hardy",
    "plink19_missing",
    "plink19_model",
    "plink19_qc",
    "read_plink2",
    "read_plink19",
]


class PlinkError(RuntimeError):
    """A plink run failed (non-zero exit or a missing output file)."""


def have_plink() -> bool:
    return shutil.which(PLINK19) is not None and shutil.which(PLINK2) is not None


def _tail(out: Path, proc: subprocess.CompletedProcess[str]) -> str:
    log = out.with_name(out.name + ".log")
    text = log.read_text(errors="replace") if log.exists() else proc.stdout + proc.stderr
    return "\n".join(text.splitlines()[-_LOG_TAIL:])


def _run(tool: str, args: Sequence[str], out_dir: Path, name: str) -> Path:
    """Run ``tool args --out out_dir/name`` in ``out_dir``; return the output prefix."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / name
    for stale in out_dir.glob(name + ".*"):  # never parse a previous run's report
        stale.unlink()
    cmd = [tool, *args, *_COMMON, "--out", str(out)]
    if tool == PLINK19:
        cmd.append("--allow-no-sex")
    proc = subprocess.run(cmd, cwd=out_dir, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise PlinkError(
            f"{' '.join(cmd)}\nexited with {proc.returncode}; log tail:\n{_tail(out, proc)}"
        )
    return out


def _output(out: Path, suffix: str) -> Path:
    path = out.with_name(out.name + suffix)
    if not path.exists():
        written = sorted(p.name for p in out.parent.glob(out.name + ".*"))
        raise PlinkError(f"expected {path.name}; plink wrote {written}")
    return path


def read_plink19(path: Path) -> pd.DataFrame:
    """A plink1.9 report: whitespace-aligned, one header line."""
    return pd.read_csv(path, sep=r"\s+", na_values=["NA", "nan", "inf"], keep_default_na=True)


def read_plink2(path: Path) -> pd.DataFrame:
    """A plink2 report: tab-delimited, header line starting with '#'."""
    df = pd.read_csv(path, sep="\t", na_values=["NA", "nan", "inf"], keep_default_na=True)
    return df.rename(columns=lambda c: c.lstrip("#"))


def _pheno_args(pheno: Path | None, pheno_name: str | None) -> list[str]:
    args: list[str] = []
    if pheno is not None:
        args += ["--pheno", str(pheno)]
        if pheno_name is not None:
            args += ["--pheno-name", pheno_name]
    return args


def plink19_assoc(
    prefix: Path,
    out_dir: Path,
    *,
    pheno: Path | None = None,
    pheno_name: str | None = None,
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    """``plink1.9 --assoc``: case/control ``.assoc`` (CHR SNP BP A1 F_A F_U A2 CHISQ P OR).

    Without ``pheno`` the ``.fam`` phenotype is used. A quantitative phenotype gives the
    ``.qassoc`` report instead (CHR SNP BP NMISS BETA SE R2 T P), which is returned then.
    """
    args = ["--bfile", str(prefix), *_pheno_args(pheno, pheno_name), "--assoc", *extra]
    out = _run(PLINK19, args, out_dir, "assoc")
    qassoc = out.with_name(out.name + ".qassoc")
    return read_plink19(qassoc if qassoc.exists() else _output(out, ".assoc"))


def plink19_model(
    prefix: Path,
    out_dir: Path,
    *,
    pheno: Path | None = None,
    pheno_name: str | None = None,
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    """``plink1.9 --model``, TREND rows only (Cochran-Armitage trend test).

    Columns: CHR SNP A1 A2 TEST AFF UNAFF CHISQ DF P, where AFF/UNAFF are the A1/A2 allele
    counts "n1/n2" in cases/controls (strings). ``CHISQ``/``P`` are NaN where plink skips.
    """
    args = ["--bfile", str(prefix), *_pheno_args(pheno, pheno_name), "--model", *extra]
    out = _run(PLINK19, args, out_dir, "model")
    df = read_plink19(_output(out, ".model"))
    trend = df[df["TEST"] == "TREND"].reset_index(drop=True)
    for col in ("CHISQ", "DF", "P"):
        trend[col] = pd.to_numeric(trend[col], errors="coerce")
    return trend


def plink19_hardy(
    prefix: Path,
    out_dir: Path,
    *,
    pheno: Path | None = None,
    pheno_name: str | None = None,
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    """``plink1.9 --hardy``: exact HWE test, ``.hwe`` (CHR SNP TEST A1 A2 GENO O(HET) E(HET) P).

    TEST is ALL, AFF (cases) and UNAFF (controls) with a case/control phenotype, ALL(QT) or
    ALL(NP) otherwise. GENO is "n(A1A1)/n(A1A2)/n(A2A2)".
    """
    args = ["--bfile", str(prefix), *_pheno_args(pheno, pheno_name), "--hardy", *extra]
    out = _run(PLINK19, args, out_dir, "hardy")
    return read_plink19(_output(out, ".hwe"))


def plink19_freq(
    prefix: Path,
    out_dir: Path,
    *,
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    """``plink1.9 --freq``: ``.frq`` (CHR SNP A1 A2 MAF NCHROBS); MAF is A1's frequency."""
    out = _run(PLINK19, ["--bfile", str(prefix), "--freq", *extra], out_dir, "freq")
    return read_plink19(_output(out, ".frq"))


def plink19_missing(
    prefix: Path,
    out_dir: Path,
    *,
    extra: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``plink1.9 --missing``: (``.lmiss``, ``.imiss``).

    ``.lmiss``: CHR SNP N_MISS N_GENO F_MISS (per variant);
    ``.imiss``: FID IID MISS_PHENO N_MISS N_GENO F_MISS (per sample).
    """
    out = _run(PLINK19, ["--bfile", str(prefix), "--missing", *extra], out_dir, "missing")
    lmiss = read_plink19(_output(out, ".lmiss"))
    imiss = read_plink19(_output(out, ".imiss"))
    imiss["FID"] = imiss["FID"].astype(str)
    imiss["IID"] = imiss["IID"].astype(str)
    return lmiss, imiss


def plink19_qc(
    prefix: Path,
    out_dir: Path,
    *,
    extra: Sequence[str] = (),
) -> tuple[list[str], pd.DataFrame]:
    """Which variants and samples pass the QC flags in ``extra``.

    Runs ``--write-snplist --make-just-fam`` after the filters; returns (variant ids,
    the ``.fam`` of the kept samples as FID IID PAT MAT SEX PHENO, ids as strings).
    """
    args = ["--bfile", str(prefix), "--write-snplist", "--make-just-fam", *extra]
    out = _run(PLINK19, args, out_dir, "qc")
    snps = _output(out, ".snplist").read_text().split()
    fam = pd.read_csv(
        _output(out, ".fam"), sep=r"\s+", header=None,
        names=["FID", "IID", "PAT", "MAT", "SEX", "PHENO"],
        dtype={"FID": str, "IID": str, "PAT": str, "MAT": str},
    )
    return snps, fam


def plink2_glm(
    prefix: Path,
    out_dir: Path,
    *,
    pheno_file: Path,
    pheno_name: str,
    covar_file: Path | None = None,
    covar_names: Sequence[str] = (),
    qt: bool = False,
    omit_ref: bool = False,
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    """``plink2 --glm`` (``no-firth`` logistic, or linear with ``qt``), ADD rows only.

    Logistic: CHROM POS ID REF ALT A1 TEST OBS_CT OR LOG(OR)_SE Z_STAT P ERRCODE;
    linear: CHROM POS ID REF ALT A1 TEST OBS_CT BETA SE T_STAT P ERRCODE. A1 is the tested
    allele: the minor allele by default, ALT (``.bim`` column 5) with ``omit_ref``.
    Covariates (if any) are variance-standardized; ``extra`` goes after the ``--glm``
    modifiers, so it must start with a flag.
    """
    modifiers = ["hide-covar"] if qt else ["no-firth", "hide-covar"]
    if omit_ref:
        modifiers.append("omit-ref")
    args = ["--bfile", str(prefix), "--pheno", str(pheno_file), "--pheno-name", pheno_name]
    if covar_file is not None:
        args += ["--covar", str(covar_file)]
        if covar_names:
            args += ["--covar-name", ",".join(covar_names)]
        args.append("--covar-variance-standardize")
    else:
        modifiers.append("allow-no-covars")
    args += ["--glm", *modifiers, *extra]
    out = _run(PLINK2, args, out_dir, "glm")
    kind = "linear" if qt else "logistic"
    path = out.with_name(f"{out.name}.{pheno_name}.glm.{kind}")
    if not path.exists():
        written = sorted(p.name for p in out.parent.glob(out.name + ".*"))
        raise PlinkError(
            f"expected {path.name} (is {pheno_name!r} {'quantitative' if qt else 'binary'}?);"
            f" plink2 wrote {written}"
        )
    return read_plink2(path)


def plink2_pca(
    prefix: Path,
    out_dir: Path,
    k: int,
    *,
    approx: bool = False,
    extra: Sequence[str] = (),
) -> tuple[pd.DataFrame, np.ndarray]:
    """``plink2 --pca k``: (eigenvectors FID IID PC1..PCk, eigenvalues as a float array).

    The exact method builds the n x n GRM and is very slow past a few thousand samples
    (over 20 minutes at 10,000 x 20,000): pass ``approx=True`` (randomized PCA) there.
    """
    pca = ["--pca", str(k), *(["approx"] if approx else [])]
    out = _run(PLINK2, ["--bfile", str(prefix), *pca, *extra], out_dir, "pca")
    vec = read_plink2(_output(out, ".eigenvec"))
    if "FID" not in vec.columns:  # plink2 omits FID when every FID is "0"
        vec.insert(0, "FID", vec["IID"])
    vec["FID"] = vec["FID"].astype(str)
    vec["IID"] = vec["IID"].astype(str)
    val = np.loadtxt(_output(out, ".eigenval"), dtype=float, ndmin=1)
    return vec, val
