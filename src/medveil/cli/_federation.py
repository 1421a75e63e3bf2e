"""`medveil node ...`, `medveil identity ...`, `medveil federation ...`"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse

import typer

from medveil.cli._common import console, handled
from medveil.errors import InputError, IntegrityError
from medveil.federation import (
    Federation,
    Member,
    NodeClient,
    default_identity_path,
    init_identity,
    serve,
)
from medveil.federation._membership import _b64key
from medveil.site._keys import cert_fingerprint

node_app = typer.Typer(help="Run a site's node service.", no_args_is_help=True)
identity_app = typer.Typer(help="Researcher identities (Ed25519 keys).", no_args_is_help=True)
federation_app = typer.Typer(help="Consortium membership files.", no_args_is_help=True)


@node_app.command("serve")
def node_serve(
    site_dir: Annotated[Path, typer.Argument(help="Site folder.")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: any free port).", min=0, max=65535)]
    = 8443,
    federation: Annotated[Path | None, typer.Option(
        help="Membership file to trust (default: site.toml [federation] members).")] = None,
    port_file: Annotated[Path | None, typer.Option(
        help="Write the bound port here once listening.")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """Serve the site's datasets to authorized requesters over HTTPS (TLS with the site's
    certificate); every request is recorded in the site's ledger."""
    with handled():
        serve(site_dir, host=host, port=port, federation=federation, port_file=port_file,
              log_level=log_level)


@identity_app.command("init")
def identity_init(
    path: Annotated[Path | None, typer.Option(
        help="Key file (default $MEDVEIL_IDENTITY or ~/.medveil/identity.key).")] = None,
) -> None:
    """Create a researcher key (0600) and print the public key a site grants access to."""
    with handled():
        target = path or default_identity_path()
        key = init_identity(target)
        from medveil.federation._auth import public_key_b64

        pub = public_key_b64(key.public_key())
        console.print(f"created {target}", highlight=False)
        console.print(f"public key: {pub}", highlight=False)
        console.print(f"a site grants it with:  medveil site grant SITE_DIR --name NAME "
                      f"--key {pub}", highlight=False)


def _fetch_member(url: str, expect: dict[str, str]) -> Member:
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise InputError(f"{url}: node URLs are https://host:port", field="URL")
    port = parsed.port or 443
    try:
        presented = ssl.get_server_certificate((parsed.hostname, port), timeout=10)
    except OSError as exc:
        raise InputError(f"{url}: cannot connect ({exc.strerror or exc})", field="URL") from None
    # Pin what the server presented, then ask it who it is over that pinned channel.
    probe = Member(name="probe", url=url.rstrip("/"), identity=b"\0" * 32, kex=b"\0" * 32,
                   tls_sha256="", tls_cert=presented)
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    fp = cert_fingerprint(x509.load_pem_x509_certificate(presented.encode()))
    client = NodeClient(probe, Ed25519PrivateKey.generate())
    try:
        info = client.get_json("/v1/identity")
    finally:
        client.close()
    name = str(info.get("name", ""))
    if info.get("tls_sha256") != fp:
        raise IntegrityError(f"{url}: the node reports TLS fingerprint {info.get('tls_sha256')}"
                             f" but presented {fp}")
    if name in expect and expect[name].lower() != fp:
        raise IntegrityError(f"{url}: {name}'s certificate {fp} is not the expected "
                             f"{expect[name]}")
    where = Path(url)
    return Member(name=name, url=url.rstrip("/"),
                  identity=_b64key(info.get("identity"), "identity", where),
                  kex=_b64key(info.get("kex"), "kex", where), tls_sha256=fp,
                  tls_cert=presented, origin=str(info.get("origin", "")))


@federation_app.command("init")
def federation_init(
    out: Annotated[Path, typer.Argument(help="Membership file to write (e.g. federation.toml).")],
    urls: Annotated[list[str], typer.Argument(help="Node URLs, https://host:port.")],
    expect: Annotated[list[str] | None, typer.Option(
        help="NAME=SHA256: refuse unless NAME's certificate has this fingerprint.")] = None,
) -> None:
    """Fetch each node's public keys and certificate into a membership file.

    Compare every printed fingerprint with `medveil site show` at that site (or pass
    --expect): the file pins these certificates from then on.
    """
    with handled():
        if out.exists():
            raise InputError("refusing to overwrite an existing file", path=out)
        pins: dict[str, str] = {}
        for e in expect or []:
            name, sep, fp = e.partition("=")
            if not sep:
                raise InputError("expected NAME=SHA256", field="--expect")
            pins[name] = fp
        members = [_fetch_member(u, pins) for u in urls]
        names = [m.name for m in members]
        if len(set(names)) != len(names):
            raise InputError(f"node names are not unique: {names}", field="URL")
        Federation(tuple(members)).save(out)
        for m in members:
            console.print(f"{m.name:20} {m.url:30} tls sha256 {m.tls_sha256}", highlight=False)
        console.print(f"wrote {out}: check the fingerprints out of band before use",
                      highlight=False)
