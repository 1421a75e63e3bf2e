"""The coordinator half of the federated GWAS: harmonise, QC, test, report.

Rounds (each through the aggregator; every array is a sum over sites):

1. ``gwas.variants``: the sites' variant lists; :func:`harmonize` picks the study's
   variants and excludes (with reasons) the absent, mismatched and strand-ambiguous ones.
2. ``gwas.samples``: sample QC at each site (``--mind``) and the phenotype's case/control
   totals; every site must report the same study order (digest).
3. ``gwas.counts`` per chunk: genotype counts by phenotype group; from the pooled counts,
   call rate (``--geno``), allele frequency (``--maf``, the reported A1 is the pooled minor
   allele, as PLINK 1.9 reports), Hardy–Weinberg exact test in controls (``--hwe``), then the
   allelic chi-square (PLINK ``--assoc``) or the Cochran–Armitage trend test (``--model``).
4. ``gwas.regress`` per chunk and iteration (``--test glm``): batched IRLS for all the
   chunk's variants at once (logistic for a case/control phenotype, least squares for a
   quantitative one), with covariates, as ``plink2 --glm``.

Privacy cost: pooled genotype counts per variant and phenotype group (the summary
statistics every GWAS publishes), pooled regression sums per variant; per site, only
whether its variant list and study order agree. Per-sample values never leave.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import math
import secrets
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from medveil.analysis._aggregator import Aggregator
from medveil.analysis._contribution import Totals
from medveil.errors import InputError, IntegrityError, ModelError
from medveil.gwas._harmonize import Harmonized, harmonize
from medveil.gwas._node import bits, encode_array, from_upper
from medveil.gwas._pca import PCACoordinator
from medveil.gwas._stats import (
    allelic_test,
    hwe_exact,
    regression_result,
    regression_step,
    trend_test,
)

__all__ = ["GwasResult", "gwas"]

logger = logging.getLogger(__name__)

TESTS = ("assoc", "trend", "glm")
COUNTS_CHUNK = 50_000  # variants per counts round (the node reads them in slices)
PCA_BLOCK = 25_000  # variants per PCA request: a larger study sends its basis in blocks
REGRESS_CHUNK = 10_000  # variants per regression chunk (a round per IRLS iteration)
MAX_IRLS = 25
IRLS_TOL = 1e-10  # relative step; the coefficients are the next solve's
_CHI2_MEDIAN = float(stats.chi2.ppf(0.5, 1))
# PCA products travel as one fixed-point limb at scale 2^-24 (|x| < 2^29 ~ 5e8): X'XQ holds
# sums over samples of standardized genotypes times an orthonormal basis, far inside that,
# and 6e-8 absolute precision is 1e-9 relative or better at the values PCA produces.
PCA_FRAC_BITS = 24
PCA_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class GwasResult:
    """One study's results; ``table`` has one row per tested variant (PLINK's columns)."""

    dataset: str
    test: str
    pheno: str | None
    covar: tuple[str, ...]
    quantitative: bool
    table: pd.DataFrame
    samples: dict[str, int]
    variants: dict[str, Any]
    lambda_gc: float
    n_sites: int
    notes: tuple[str, ...] = field(default=())
    eigenvalues: tuple[float, ...] = field(default=())

    def summary(self, top: int = 10) -> dict[str, Any]:
        """The JSON summary: counts, exclusions, λGC and the top hits."""
        hits = self.table.nsmallest(top, "P") if len(self.table) else self.table
        return {
            "dataset": self.dataset, "test": self.test, "pheno": self.pheno,
            "covar": list(self.covar), "quantitative": self.quantitative,
            "samples": self.samples, "variants": self.variants,
            "lambda_gc": None if not math.isfinite(self.lambda_gc) else self.lambda_gc,
            "n_sites": self.n_sites, "notes": list(self.notes),
            "eigenvalues": list(self.eigenvalues),
            "top": [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                     for k, v in row.items()} for row in hits.to_dict("records")],
        }


MAX_VARIANT_TEXT = 1 << 30  # bytes a site's variant list may expand to


def _variant_lists(t: Totals) -> list[str]:
    """Each distinct site list, as the text its sites sent (one string per digest): the
    ``zlib:`` + base64 form is expanded (at most MAX_VARIANT_TEXT bytes) and checked
    against its digest."""
    out: list[str] = []
    for key, value in sorted(t.levels.items()):
        if not key.startswith("variants/"):
            continue
        if len(value) != 1 or not value[0].startswith("zlib:"):
            raise IntegrityError("a site sent its variant list in an unknown form")
        try:
            inflate = zlib.decompressobj()
            raw = inflate.decompress(base64.b64decode(value[0][5:], validate=True),
                                     MAX_VARIANT_TEXT)
        except (ValueError, zlib.error):
            raise IntegrityError("a site's variant list does not decode") from None
        if inflate.unconsumed_tail or not inflate.eof:
            raise IntegrityError("a site's variant list is larger than "
                                 f"{MAX_VARIANT_TEXT} bytes or truncated")
        if hashlib.sha256(raw).hexdigest()[:32] != key.removeprefix("variants/"):
            raise IntegrityError("a site's variant list does not match its digest")
        out.append(raw.decode())
    return out


def lambda_gc(p: NDArray[np.float64]) -> float:
    """Genomic inflation: median chi-square (1 df) of the p-values / its null median."""
    p = np.sort(p[np.isfinite(p)])[::-1]  # descending p = ascending chi-square
    if not len(p):
        return math.nan
    # the chi-square quantile is monotone: the median of the statistics is the statistic of
    # the middle p-value(s), so only those two are converted
    mid = len(p) // 2
    middle = p[[mid]] if len(p) % 2 else p[[mid - 1, mid]]
    return float(np.mean(stats.chi2.isf(middle, 1)) / _CHI2_MEDIAN)


def gwas(
    agg: Aggregator,
    dataset: str,
    *,
    pheno: str | None = None,
    covar: Sequence[str] = (),
    test: str = "assoc",
    geno: float | None = None,
    maf: float | None = None,
    hwe: float | None = None,
    mind: float | None = None,
    pcs: int = 0,
    progress: Callable[[str], None] | None = None,
) -> GwasResult:
    """A federated GWAS equal to PLINK on the pooled samples (see the module docstring).

    ``pheno`` names a column of the sites' phenotype files (None: the .fam's phenotype);
    ``covar`` covariate columns (``--test glm`` only); ``geno``, ``maf``, ``hwe``, ``mind``
    are PLINK's QC thresholds (None: off); ``pcs`` > 0 computes that many principal
    components by federated PCA (their scores stay at the sites) and adds them as
    covariates (``--test glm``).
    """
    if test not in TESTS:
        raise InputError(f"test is one of {', '.join(TESTS)}", field="test")
    if covar and test != "glm":
        raise InputError("covariates need --test glm", field="covar")
    if pcs and test != "glm":
        raise InputError("principal components are covariates: they need --test glm",
                         field="pcs")
    if not 0 <= pcs <= 50:
        raise InputError("0 to 50 principal components", field="pcs")
    for name, value in (("geno", geno), ("maf", maf), ("mind", mind)):
        if value is not None and not 0.0 <= value <= 1.0:
            raise InputError("must be in [0, 1]", field=name)
    if hwe is not None and not 0.0 <= hwe <= 1.0:
        raise InputError("must be in [0, 1]", field="hwe")
    say = progress or (lambda _msg: None)

    say("variant lists")
    vt = agg.aggregate("gwas.variants", dataset, None, {})
    study = harmonize(_variant_lists(vt))
    if study.n_variants == 0:
        raise InputError("no variant is present at every site with matching alleles",
                         field="dataset")
    spec: dict[str, Any] = {"exclude": sorted(study.excluded), "pheno": pheno, "mind": mind}
    say("sample QC")
    st = agg.aggregate("gwas.samples", dataset, None, {**spec, "covar": list(covar)},
                       frac_bits=0)
    digests = st.levels.get("study", ())
    if digests != (study.digest(),):
        raise IntegrityError("the sites do not order the study's variants the same way "
                             "(their variant lists changed during the study?)")
    quant = float(st.sums["quantitative"][0])
    if 0 < quant < st.n_sites:
        raise InputError("the phenotype is case/control at some sites and quantitative at "
                         "others", field="pheno")
    quantitative = quant > 0
    samples = {k: round(float(st.sums[k][0])) for k in
               ("kept", "removed_mind", "cases", "controls", "no_pheno", "no_covar")}
    if not quantitative and (samples["cases"] == 0 or samples["controls"] == 0):
        raise InputError("the phenotype has one class only (no cases or no controls)",
                         field="pheno")
    if quantitative and test in ("assoc", "trend"):
        raise InputError(f"--test {test} needs a case/control phenotype; use --test glm",
                         field="test")

    counts = np.zeros((3, 4, study.n_variants))
    for start in range(0, study.n_variants, COUNTS_CHUNK):
        stop = min(start + COUNTS_CHUNK, study.n_variants)
        say(f"genotype counts: variants {start + 1:,}-{stop:,} of {study.n_variants:,}")
        t = agg.aggregate("gwas.counts", dataset, None, {**spec, "start": start, "stop": stop},
                          frac_bits=0)  # integer counts: one exact limb
        counts[:, :, start:stop] = np.asarray(t.sums["counts"])
    counts_i = np.rint(counts).astype(np.int64)
    qc = _variant_qc(counts_i, quantitative, geno=geno, maf=maf, hwe=hwe)
    keep = qc["keep"]
    minor = qc["minor_is_other"]
    eigenvalues: tuple[float, ...] = ()
    pc_spec: dict[str, Any] = {}
    if pcs:
        eigenvalues, session = _federated_pca(agg, dataset, spec, keep, qc["freq"], pcs,
                                              samples["kept"], say)
        pc_spec = {"pcs": pcs, "session": session}
    if test == "glm":
        table = _regression(agg, dataset, {**spec, **pc_spec}, study, keep, minor,
                            list(covar), logistic=not quantitative, say=say)
    else:
        table = _count_tests(study, counts_i, keep, minor, test)
    lam = lambda_gc(table["P"].to_numpy(float)) if len(table) else math.nan
    variants = {"in_files": study.n_variants + len(study.excluded),
                "excluded_harmonisation": len(study.excluded),
                "excluded_reasons": _reason_counts(study.excluded),
                "excluded_geno": int(qc["fail_geno"].sum()),
                "excluded_maf": int(qc["fail_maf"].sum()),
                "excluded_hwe": int(qc["fail_hwe"].sum()),
                "tested": len(table)}
    names = tuple(covar) + tuple(f"PC{i + 1}" for i in range(pcs))
    return GwasResult(dataset, test, pheno, names, quantitative, table, samples,
                      variants, lam, vt.n_sites, eigenvalues=eigenvalues)


def _federated_pca(agg: Aggregator, dataset: str, spec: dict[str, Any],
                   keep: NDArray[np.bool_], freq: NDArray[np.float64], k: int, n_samples: int,
                   say: Callable[[str], None]) -> tuple[tuple[float, ...], str]:
    """Randomized block Krylov PCA over the QC'd variants; only SNP-space products (variants
    x block) are pooled. The sites keep their samples' scores under a fresh session id."""
    f = freq[keep]
    m = int(keep.sum())
    if m < k or n_samples < k:
        raise InputError(f"{k} principal components need at least {k} variants and samples",
                         field="pcs")
    # Ritz values settled to 1e-6 relative: eigenvalues and the top-k subspace are then
    # well inside the 1e-3 the study needs, in about 15 rounds instead of 21 at 1e-9
    pca = PCACoordinator(m, n_samples, k, tol=PCA_TOL)
    session = secrets.token_hex(16)
    blocks = [(a, min(a + PCA_BLOCK, m)) for a in range(0, m, PCA_BLOCK)]
    base = {**spec, "keep": bits(keep), "session": session}
    while (q := pca.query()) is not None:
        r = pca.rounds
        say(f"PCA: round {r + 1} ({m:,} variants x {q.shape[1]} columns)")
        if len(blocks) == 1:
            t = agg.aggregate("gwas.pca", dataset, None,
                              {**base, "freq": encode_array(f), "q": encode_array(q)},
                              frac_bits=PCA_FRAC_BITS)
            pca.submit(np.asarray(t.sums["z"]))
            continue
        # the basis in blocks of variants: each site sums X_b Q_b into its own Y, then
        # returns X_b' Y block by block (no request or response grows with the study)
        for a, b in blocks:
            agg.aggregate("gwas.pca", dataset, None, {
                **base, "part": "y", "start": a, "stop": b, "round": r,
                "freq": encode_array(f[a:b]), "q": encode_array(q[a:b])})
        z = np.empty((m, q.shape[1]))
        for a, b in blocks:
            t = agg.aggregate("gwas.pca", dataset, None, {
                **base, "part": "z", "start": a, "stop": b, "round": r,
                "freq": encode_array(f[a:b])}, frac_bits=PCA_FRAC_BITS)
            z[a:b] = np.asarray(t.sums["z"])
        pca.submit(z)
    eig, v = pca.result()
    say("PCA: each site computes and keeps its samples' scores")
    lam = [float(x) for x in eig]
    if len(blocks) == 1:
        agg.aggregate("gwas.pca_scores", dataset, None, {
            **base, "freq": encode_array(f), "v": encode_array(v), "eigenvalues": lam})
    else:
        for a, b in blocks:
            agg.aggregate("gwas.pca_scores", dataset, None, {
                **base, "part": "block", "start": a, "stop": b, "freq": encode_array(f[a:b]),
                "v": encode_array(v[a:b]), "eigenvalues": lam})
    return tuple(float(x) for x in eig), session


def _reason_counts(excluded: dict[str, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for reason in excluded.values():
        out[reason] = out.get(reason, 0) + 1
    return dict(sorted(out.items()))


def _variant_qc(counts: NDArray[np.int64], quantitative: bool, *, geno: float | None,
                maf: float | None, hwe: float | None) -> dict[str, NDArray[Any]]:
    total = counts.sum(axis=0)  # (4, m): hom counted, het, hom other, missing
    called = total[0] + total[1] + total[2]
    n = called + total[3]
    with np.errstate(invalid="ignore", divide="ignore"):
        missing_rate = np.where(n > 0, total[3] / n, 1.0)
        freq = np.where(called > 0, (2 * total[0] + total[1]) / (2.0 * called), np.nan)
    maf_v = np.minimum(freq, 1.0 - freq)
    fail_geno = (missing_rate > geno) if geno is not None else np.zeros(len(freq), bool)
    fail_maf = (~(maf_v >= maf)) if maf is not None else np.zeros(len(freq), bool)
    if hwe is not None:
        grp = total if quantitative else counts[0]  # PLINK: controls for case/control
        p_hwe = hwe_exact(grp[1], grp[0], grp[2])
        fail_hwe = p_hwe < hwe
    else:
        fail_hwe = np.zeros(len(freq), bool)
    keep = ~(fail_geno | fail_maf | fail_hwe) & (called > 0)
    minor_is_other = freq > 0.5  # the counted allele is the major one: report the other
    return {"keep": keep, "fail_geno": fail_geno, "fail_maf": fail_maf & ~fail_geno,
            "fail_hwe": fail_hwe & ~fail_geno & ~fail_maf, "minor_is_other": minor_is_other,
            "freq": freq}


def _oriented(c: NDArray[np.int64], flip: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Counts (4, m) with the homozygote columns swapped where the minor allele is the
    other one, so they count the reported A1."""
    out = c.copy()
    out[0, flip], out[2, flip] = c[2, flip], c[0, flip]
    return out


def _base_table(study: Harmonized, idx: NDArray[np.int64],
                minor: NDArray[np.bool_]) -> pd.DataFrame:
    counted = np.asarray(study.counted, dtype=object)[idx]
    other = np.asarray(study.other, dtype=object)[idx]
    flip = minor[idx]
    return pd.DataFrame({
        "CHR": np.asarray(study.chrom, dtype=object)[idx],
        "SNP": np.asarray(study.ids, dtype=object)[idx],
        "BP": np.asarray(study.pos, dtype=np.int64)[idx],
        "A1": np.where(flip, other, counted),
        "A2": np.where(flip, counted, other),
    })


def _count_tests(study: Harmonized, counts: NDArray[np.int64], keep: NDArray[np.bool_],
                 minor: NDArray[np.bool_], test: str) -> pd.DataFrame:
    idx = np.flatnonzero(keep)
    flip = minor[idx]
    controls = _oriented(counts[0][:, idx], flip)
    cases = _oriented(counts[1][:, idx], flip)
    table = _base_table(study, idx, minor)
    if test == "assoc":
        r = allelic_test(cases, controls)
        table["F_A"], table["F_U"] = r["F_A"], r["F_U"]
        table["CHISQ"], table["P"], table["OR"] = r["CHISQ"], r["P"], r["OR"]
        return table[["CHR", "SNP", "BP", "A1", "F_A", "F_U", "A2", "CHISQ", "P", "OR"]]
    r = trend_test(cases, controls)
    table["CHISQ"], table["P"] = r["CHISQ"], r["P"]
    return table[["CHR", "SNP", "BP", "A1", "A2", "CHISQ", "P"]]


def _null_model(agg: Aggregator, dataset: str, spec: dict[str, Any], covar: list[str],
                say: Callable[[str], None]) -> NDArray[np.float64]:
    """The logistic model without genotype, fitted by federated IRLS: (intercept,
    covariates) coefficients, from which every variant's fit starts."""
    beta: NDArray[np.float64] | None = None
    for it in range(MAX_IRLS):
        say(f"regression: covariates-only model, iteration {it + 1}")
        t = agg.aggregate("gwas.null", dataset, None, {
            **spec, "covar": covar, "beta": None if beta is None else beta.tolist()})
        new, singular = regression_step({"xtwx": np.asarray(t.sums["xtwx"])[None],
                                         "xtwz": np.asarray(t.sums["xtwz"])[None]})
        if singular[0]:
            raise ModelError("the covariates-only model is singular (a covariate is constant "
                             "or collinear with others)")
        if beta is not None and np.max(np.abs(new[0] - beta)) <= IRLS_TOL * (
                1.0 + np.max(np.abs(beta))):
            return np.asarray(new[0], dtype=np.float64)
        beta = new[0]
    raise ModelError(f"the covariates-only model did not converge in {MAX_IRLS} iterations")


def _regression(agg: Aggregator, dataset: str, spec: dict[str, Any], study: Harmonized,
                keep: NDArray[np.bool_], minor: NDArray[np.bool_], covar: list[str], *,
                logistic: bool, say: Callable[[str], None]) -> pd.DataFrame:
    """Batched IRLS per chunk: every variant starts at the covariates-only fit (genotype
    coefficient 0) and leaves the rounds once its step is below IRLS_TOL; its coefficients
    are the last solve, its standard error from the sums the solve used."""
    parts: list[pd.DataFrame] = []
    m = study.n_variants
    n_par = 2 + len(covar) + int(spec.get("pcs", 0))
    start_beta = np.zeros(n_par)
    if logistic and keep.any():
        null = _null_model(agg, dataset, spec, covar, say)
        start_beta[0], start_beta[2:] = null[0], null[1:]
    for start in range(0, m, REGRESS_CHUNK):
        stop = min(start + REGRESS_CHUNK, m)
        k = keep[start:stop]
        if not k.any():
            continue
        tested = np.flatnonzero(k)  # positions in the chunk
        t_n = len(tested)
        params = {**spec, "start": start, "stop": stop, "minor": bits(minor[start:stop]),
                  "covar": covar, "logistic": logistic}
        beta = np.tile(start_beta, (t_n, 1))
        final_beta = np.full((t_n, n_par), np.nan)
        sums: dict[str, NDArray[np.float64]] = {
            "xtwx": np.zeros((t_n, n_par, n_par)), "xtwz": np.zeros((t_n, n_par)),
            "n": np.zeros(t_n), "yy": np.zeros(t_n)}
        active = np.ones(t_n, dtype=bool)
        for it in range(MAX_IRLS if logistic else 1):
            rows = np.flatnonzero(active)
            say(f"regression: variants {start + 1:,}-{stop:,} of {m:,}, iteration {it + 1} "
                f"({len(rows):,} variants)")
            mask = np.zeros(stop - start, dtype=bool)
            mask[tested[rows]] = True
            t = agg.aggregate("gwas.regress", dataset, None, {
                **params, "keep": bits(mask),
                "beta": encode_array(beta[rows]) if logistic else None})
            got = {key: np.asarray(v) for key, v in t.sums.items()}
            got["xtwx"] = from_upper(got.pop("xtwx_upper"), n_par)
            new, singular = regression_step(got)
            if not logistic:
                done = np.ones(len(rows), dtype=bool)
            else:
                # singular rows are NaN: their step is NaN and they are done
                step = np.max(np.abs(new - beta[rows]), axis=1) if len(rows) else np.zeros(0)
                scale = 1.0 + np.max(np.abs(beta[rows]), axis=1)
                done = (step <= IRLS_TOL * scale) | singular | ~np.isfinite(step)
                if it == MAX_IRLS - 1 and not done.all():
                    logger.warning("IRLS stopped after %d iterations for %d variants",
                                   MAX_IRLS, int((~done).sum()))
                    done[:] = True
            fin = rows[done]
            for key in sums:
                sums[key][fin] = got[key][done]
            final_beta[fin] = new[done]
            beta[rows[~done]] = new[~done]
            active[fin] = False
            if not active.any():
                break
        res = regression_result(sums, final_beta, logistic=logistic)
        idx = np.flatnonzero(k) + start
        part = _base_table(study, idx, minor)
        part["OBS_CT"] = np.asarray(res["OBS_CT"]).astype(np.int64)
        if logistic:
            part["OR"] = res["OR"]
            part["LOG(OR)_SE"] = res["SE"]
            part["Z_STAT"] = res["Z_STAT"]
        else:
            part["BETA"] = res["BETA"]
            part["SE"] = res["SE"]
            part["T_STAT"] = res["T_STAT"]
        part["P"] = res["P"]
        parts.append(part)
    if not parts:
        return _base_table(study, np.zeros(0, dtype=np.int64), minor)
    return pd.concat(parts, ignore_index=True)

