"""`medveil site ...`"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from medveil.cli._common import console, handled
from medveil.ledger import SIG_COSIGNATURE_V1, Verifier
from medveil.site import (
    Site,
    cert_fingerprint,
    init_site,
    load_certificate,
    read_public_pem,
)

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
