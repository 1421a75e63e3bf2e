"""`medveil site ...`"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from medveil.cli._common import console, handled
from medveil.errors import InputError
from medveil.ledger import SIG_COSIGNATURE_V1, Verifier
from medveil.site import (
    SITE_TOML,
    Site,
    cert_fingerprint,
    init_site,
    load_certificate,
    load_public_identity,
    read_public_pem,
)
from medveil.site._edit import grant_access

app = typer.Typer(help="Create and inspect site folders (one per institution).",
                  no_args_is_help=True)


@app.command("init")
def init(
    directory: Annotated[
        Path, typer.Argument(help="Folder to create (must not exist or be empty).")
    ],
    name: Annotated[str, typer.Option("--name", help="Short site name, e.g. hospital-a.")],
) -> None:
    """Create a site: keys (0600), a commented site.toml, and a signed empty ledger."""
    with handled():
        site = init_site(directory, name)
        console.print(f"created site [bold]{site.name}[/] in {site.root}")
        console.print(f"  ledger key: {site.verifier().vkey}", highlight=False)


def public_identity(site: Site) -> dict[str, str]:
    """What a site may publish: names, public keys and the TLS fingerprint."""
    v = site.verifier()
    keys = site.config.keys
    return {
        "name": site.name,
        "ledger_vkey": v.vkey,
        "cosigner_vkey": Verifier(v.name, v.public_key, SIG_COSIGNATURE_V1).vkey,
        "identity_pub": read_public_pem(site.path(keys.identity).with_suffix(".pub")),
        "kex_pub": read_public_pem(site.path(keys.kex).with_suffix(".pub")),
        "tls_sha256": cert_fingerprint(load_certificate(site.path(keys.tls_cert))),
    }


@app.command("show")
def show(
    directory: Annotated[Path, typer.Argument(help="Site folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print a site's public identity (never private keys)."""
    with handled():
        info = public_identity(Site.open(directory))
        if as_json:
            console.print_json(json.dumps(info))
            return
        for k in ("name", "ledger_vkey", "cosigner_vkey", "tls_sha256"):
            console.print(f"{k:14} {info[k]}", highlight=False)


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


@app.command("grant")
def grant(
    directory: Annotated[Path, typer.Argument(help="Site folder.")],
    name: Annotated[str, typer.Option(help="Who (a label for the ledger and messages).")],
    key: Annotated[str | None, typer.Option(help="Base64 Ed25519 public key.")] = None,
    pubkey: Annotated[Path | None, typer.Option(help="Or: a PEM public key file.")] = None,
    role: Annotated[str, typer.Option(help="researcher | coordinator | auditor")]
    = "researcher",
    datasets: Annotated[str, typer.Option(help="Comma-separated dataset patterns.")] = "*",
    operations: Annotated[str, typer.Option(help="Comma-separated operation patterns.")]
    = "stats.*,datasets.list,ledger.witness",
) -> None:
    """Allow a requester key to run operations on datasets at this site."""
    with handled():
        site = Site.open(directory)
        if (key is None) == (pubkey is None):
            raise InputError("give exactly one of --key or --pubkey", field="--key")
        if pubkey is not None:
            from medveil.federation._auth import public_key_b64

            key = public_key_b64(load_public_identity(pubkey))
        assert key is not None
        grant_access(site.path(SITE_TOML), site.config, name=name, key=key, role=role,
                     datasets=_split(datasets), operations=_split(operations))
        console.print(f"granted {name} ({role}) {operations} on {datasets} at {site.name}",
                      highlight=False)


@app.command("add-dataset")
def add_dataset_cmd(
    directory: Annotated[Path, typer.Argument(help="Site folder.")],
    name: Annotated[str, typer.Option(help="Dataset name used in queries.")],
    path: Annotated[str, typer.Option(
        help="File, relative to the site folder (a PLINK fileset: its prefix or .bed).")],
    fmt: Annotated[str | None, typer.Option(
        "--format", help="csv | parquet | duckdb | plink")] = None,
    table: Annotated[str | None, typer.Option(help="Table name in a DuckDB file.")] = None,
    identifiers: Annotated[str, typer.Option(
        help="Comma-separated identifying columns, never queryable.")] = "",
    pheno: Annotated[str | None, typer.Option(
        help="PLINK fileset: phenotype file (FID IID name ...).")] = None,
    covar: Annotated[str | None, typer.Option(
        help="PLINK fileset: covariate file (FID IID name ...).")] = None,
) -> None:
    """Register a table or a PLINK genotype fileset the node serves (checked first)."""
    with handled():
        from medveil.federation._data import add_dataset

        site = Site.open(directory)
        rows = add_dataset(site, name=name, path=path, fmt=fmt, table=table,
                           identifiers=_split(identifiers), pheno=pheno, covar=covar)
        console.print(f"registered dataset {name} ({rows} rows) at {site.name}",
                      highlight=False)
