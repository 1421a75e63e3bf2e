"""`medveil gwas`: a federated GWAS equal to PLINK on the pooled samples."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from medveil.cli._common import console, err_console, handled
from medveil.cli._models import (
    Dataset,
    Federation,
    Identity,
    Local,
    MinSites,
    OnFailure,
    Witness,
    _opts,
)
from medveil.cli._stats import _session
from medveil.errors import InputError


def _chunk_progress(message: str) -> None:
    """One line per chunk on stderr (not per IRLS iteration)."""
    if "iteration" not in message or message.endswith("iteration 1"):
        err_console.print(message.removesuffix(", iteration 1"), highlight=False)


def gwas_command(
    out: Annotated[Path, typer.Option(help="Output prefix (PREFIX.assoc / PREFIX.<pheno>."
                                           "glm.logistic, PREFIX.summary.json, PREFIX.html).")],
    dataset: Dataset,
    pheno: Annotated[str | None, typer.Option(
        help="Phenotype column of the sites' phenotype files (default: the .fam's).")] = None,
    covar: Annotated[str, typer.Option(help="Comma-separated covariates (--test glm).")] = "",
    pcs: Annotated[int, typer.Option(help="Principal components (federated PCA) added as "
                                          "covariates (--test glm); scores stay at the sites.",
                                     min=0, max=50)] = 0,
    test: Annotated[str, typer.Option(help="assoc | trend | glm")] = "assoc",
    geno: Annotated[float | None, typer.Option(help="Drop variants missing in more than "
                                                    "this share of samples.")] = None,
    maf: Annotated[float | None, typer.Option(help="Drop variants with a pooled minor allele "
                                                   "frequency below this.")] = None,
    hwe: Annotated[float | None, typer.Option(help="Drop variants whose HWE exact test p "
                                                   "(controls) is below this.")] = None,
    mind: Annotated[float | None, typer.Option(help="Drop samples (at their site) missing "
                                                    "more than this share of calls.")] = None,
    federation: Federation = None,
    local: Local = None,
    identity: Identity = None,
    on_failure: OnFailure = "abort",
    min_sites: MinSites = 3,
    witness: Witness = True,
) -> None:
    """Federated GWAS: QC, association tests and plots; genotypes never leave the sites."""
    from medveil.gwas import gwas, write_outputs

    opts = _opts(federation, local, identity, dataset, None, "table", on_failure, min_sites,
                 witness)
    with handled():
        covars = [c.strip() for c in covar.split(",") if c.strip()]
        if test not in ("assoc", "trend", "glm"):
            raise InputError("assoc, trend or glm", field="--test")
        with _session(opts) as coord:
            res = gwas(coord, dataset, pheno=pheno, covar=covars, test=test, geno=geno,
                       maf=maf, hwe=hwe, mind=mind, pcs=pcs, progress=_chunk_progress)
        paths = write_outputs(out, res)
        s, v = res.samples, res.variants
        t = Table(title=f"GWAS ({res.test}) on {dataset}", show_header=False)
        t.add_column("field")
        t.add_column("value")
        for k, val in (("sites", res.n_sites), ("samples after QC", f"{s['kept']:,}"),
                       ("removed by --mind", f"{s['removed_mind']:,}"),
                       ("cases / controls", "quantitative" if res.quantitative
                        else f"{s['cases']:,} / {s['controls']:,}"),
                       ("variants tested", f"{v['tested']:,} of {v['in_files']:,}"),
                       ("excluded (sites disagree)", f"{v['excluded_harmonisation']:,}"),
                       ("excluded --geno/--maf/--hwe",
                        f"{v['excluded_geno']:,} / {v['excluded_maf']:,} / "
                        f"{v['excluded_hwe']:,}"),
                       ("lambda GC", f"{res.lambda_gc:.4f}"),
                       ("PC eigenvalues", ", ".join(f"{e:.4g}" for e in res.eigenvalues)
                        or "-")):
            t.add_row(k, str(val))
        console.print(t)
        for reason, n in v["excluded_reasons"].items():
            console.print(f"excluded: {n:,} variants: {reason}", highlight=False)
        for p in paths:
            console.print(f"wrote {p}", highlight=False)
