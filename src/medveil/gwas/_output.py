"""GWAS outputs: PLINK-compatible tables, a JSON summary, an HTML report.

* ``--test assoc``: ``PREFIX.assoc``, PLINK 1.9's columns (CHR SNP BP A1 F_A F_U A2 CHISQ
  P OR), whitespace-aligned; ``--test trend``: ``PREFIX.model.trend`` (CHR SNP A1 A2 TEST
  CHISQ DF P, TEST = TREND).
* ``--test glm``: ``PREFIX.<pheno>.glm.logistic`` or ``.glm.linear`` in plink2's layout
  (tab-separated, ``#CHROM POS ID REF ALT A1 TEST OBS_CT OR|BETA LOG(OR)_SE|SE
  Z_STAT|T_STAT P``), A1 = ALT = the pooled minor allele.
* ``PREFIX.summary.json`` (samples, variants kept and excluded with reasons, λGC, top hits)
  and ``PREFIX.html`` (Manhattan and QQ plots, the top hits).

Numbers are written with 6 significant digits (plink2's precision); non-finite as NA.
Every file is written atomically (no partial output on failure).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from medveil._atomic import write_atomic
from medveil.gwas._study import GwasResult
from medveil.report import Section, Table, paragraph, render_report
from medveil.report._genome import manhattan_plot, qq_plot

__all__ = ["write_outputs"]


def _g(v: object) -> str:
    if isinstance(v, float | np.floating):
        f = float(v)
        if math.isnan(f):
            return "NA"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f"{f:.6g}"
    return str(v)


def _aligned(df: pd.DataFrame) -> str:
    cells = [[str(c) for c in df.columns]] + [[_g(v) for v in row] for row in
                                               df.itertuples(index=False)]
    widths = [max(len(r[j]) for r in cells) for j in range(len(df.columns))]
    return "".join(" ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + "\n"
                   for r in cells)


def _tabbed(df: pd.DataFrame) -> str:
    lines = ["\t".join(str(c) for c in df.columns)]
    lines += ["\t".join(_g(v) for v in row) for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def table_path(prefix: Path, res: GwasResult) -> Path:
    if res.test == "assoc":
        return prefix.with_name(prefix.name + ".assoc")
    if res.test == "trend":
        return prefix.with_name(prefix.name + ".model.trend")
    kind = "linear" if res.quantitative else "logistic"
    return prefix.with_name(f"{prefix.name}.{res.pheno or 'PHENO1'}.glm.{kind}")


def plink_table(res: GwasResult) -> str:
    t = res.table
    if res.test == "assoc":
        return _aligned(t)
    if res.test == "trend":
        out = t.assign(TEST="TREND", DF=1)[["CHR", "SNP", "A1", "A2", "TEST", "CHISQ", "DF",
                                             "P"]]
        return _aligned(out)
    stat = ["BETA", "SE", "T_STAT"] if res.quantitative else ["OR", "LOG(OR)_SE", "Z_STAT"]
    out = pd.DataFrame({"#CHROM": t["CHR"], "POS": t["BP"], "ID": t["SNP"], "REF": t["A2"],
                        "ALT": t["A1"], "A1": t["A1"], "TEST": "ADD", "OBS_CT": t["OBS_CT"]})
    for c in [*stat, "P"]:
        out[c] = t[c]
    return _tabbed(out)


def write_outputs(prefix: Path, res: GwasResult) -> list[Path]:
    """Write the table, the JSON summary and the HTML report next to ``prefix``."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    table = table_path(prefix, res)
    write_atomic(table, plink_table(res).encode())
    summary = prefix.with_name(prefix.name + ".summary.json")
    write_atomic(summary, (json.dumps(res.summary(), indent=2, ensure_ascii=False,
                                      default=str) + "\n").encode())
    html = prefix.with_name(prefix.name + ".html")
    write_atomic(html, report_html(res).encode())
    paths = [table, summary, html]
    if res.eigenvalues:  # plink2's .eigenval: one eigenvalue (GRM scale) per line
        eigenval = prefix.with_name(prefix.name + ".eigenval")
        write_atomic(eigenval, "".join(f"{v:.6g}\n" for v in res.eigenvalues).encode())
        paths.append(eigenval)
    return paths


def report_html(res: GwasResult) -> str:
    t = res.table
    p = t["P"].to_numpy(float) if len(t) else np.zeros(0)
    hits = t.nsmallest(20, "P") if len(t) else t
    v, s = res.variants, res.samples
    what = {"assoc": "allelic chi-square (PLINK --assoc)", "trend": "Cochran–Armitage trend "
            "test (PLINK --model)", "glm": ("linear" if res.quantitative else "logistic")
            + " regression per variant (plink2 --glm)"}[res.test]
    intro = paragraph(
        f"{what} on {res.dataset} across {res.n_sites} sites; phenotype "
        f"{res.pheno or '(.fam)'}{'; covariates ' + ', '.join(res.covar) if res.covar else ''}. "
        f"Samples: {s['kept']:,} after QC ({s['removed_mind']:,} removed by --mind)"
        + ("" if res.quantitative else f", {s['cases']:,} cases, {s['controls']:,} controls")
        + f". Variants: {v['tested']:,} tested of {v['in_files']:,}; "
        f"{v['excluded_harmonisation']:,} excluded when harmonising sites, "
        f"{v['excluded_geno']:,} by --geno, {v['excluded_maf']:,} by --maf, "
        f"{v['excluded_hwe']:,} by --hwe. Genotypes never left the sites: every number here "
        "comes from sums pooled by secure aggregation.")
    sections = [
        Section("Study", [intro]),
        Section("Manhattan plot", [manhattan_plot(t["CHR"].astype(str).tolist() if len(t)
                                                  else [], t["BP"].tolist() if len(t) else [],
                                                  p.tolist(), title="Association")]),
        Section("QQ plot", [qq_plot(p.tolist(), title="Observed vs expected p-values",
                                    lambda_gc=res.lambda_gc)]),
        Section("Top hits", [Table(list(hits.columns), hits.values.tolist(),
                                   caption="Smallest p-values")]),
    ]
    return render_report(f"GWAS: {res.dataset}", sections)
