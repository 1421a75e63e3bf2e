"""Federation membership files and researcher identities.

``federation.toml`` lists the consortium's nodes::

    [[nodes]]
    name = "hospital-a"
    url = "https://10.0.0.5:8443"
    identity = "<base64 raw Ed25519 public key>"   # signs checkpoints, cosignatures
    kex = "<base64 raw X25519 public key>"          # pairwise secure-aggregation secrets
    tls_sha256 = "<hex SHA-256 of the DER certificate>"
    tls_cert = \"\"\"-----BEGIN CERTIFICATE----- ...\"\"\"

The certificate is the only trust anchor for that node's TLS (pinned: it must
hash to ``tls_sha256``). Nodes use the same file to learn their peers'
key-agreement keys, so a coordinator can never substitute its own.
"""

from __future__ import annotations

import base64
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from medveil._atomic import write_atomic
from medveil.errors import ConfigError, InputError, StateError
from medveil.ledger import SIG_COSIGNATURE_V1, Verifier
from medveil.ledger._note import raw_public_key
from medveil.site import Site, load_certificate, load_identity
from medveil.site._config import NAME_RE
from medveil.site._keys import cert_fingerprint, write_private, write_public


def _b64key(value: Any, what: str, path: Path, size: int = 32) -> bytes:
    try:
        raw = base64.b64decode(str(value), validate=True)
    except ValueError:
        raise ConfigError(f"{what} is not base64", path=path) from None
    if len(raw) != size:
        raise ConfigError(f"{what} is not a {size}-byte key", path=path)
    return raw


@dataclass(frozen=True)
class Member:
    """One node of the federation, with the public material peers pin."""

    name: str
    url: str
    identity: bytes  # raw Ed25519 public key
    kex: bytes  # raw X25519 public key
    tls_sha256: str
    tls_cert: str  # PEM
    origin: str = ""  # the node's ledger origin; "" means medveil/<name>

    @property
    def log_origin(self) -> str:
        return self.origin or f"medveil/{self.name}"

    @property
    def kex_key(self) -> X25519PublicKey:
        return X25519PublicKey.from_public_bytes(self.kex)

    @property
    def ledger_verifier(self) -> Verifier:
        return Verifier(self.log_origin, self.identity)

    @property
    def cosigner(self) -> Verifier:
        return Verifier(self.log_origin, self.identity, SIG_COSIGNATURE_V1)

    def to_toml(self) -> str:
        return (
            "[[nodes]]\n"
            f'name = "{self.name}"\n'
            f'url = "{self.url}"\n'
            f'identity = "{base64.b64encode(self.identity).decode()}"\n'
            f'kex = "{base64.b64encode(self.kex).decode()}"\n'
            f'origin = "{self.log_origin}"\n'
            f'tls_sha256 = "{self.tls_sha256}"\n'
            f'tls_cert = """\n{self.tls_cert.strip()}\n"""\n'
        )


@dataclass(frozen=True)
class Federation:
    members: tuple[Member, ...]

    def member(self, name: str) -> Member:
        for m in self.members:
            if m.name == name:
                return m
        raise InputError(f"no node named {name!r} in the federation")

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.members]

    def to_toml(self) -> str:
        head = "# medveil federation membership. Check every tls_sha256 out of band\n" \
               "# (`medveil site show` at each site) before trusting this file.\n\n"
        return head + "\n".join(m.to_toml() for m in self.members)

    def save(self, path: Path) -> None:
        write_atomic(path, self.to_toml())


def member_from_site(site: Site, url: str) -> Member:
    """A site folder's public material as a federation member (local mode)."""
    keys = site.config.keys
    ident = serialization.load_pem_public_key(
        site.path(keys.identity).with_suffix(".pub").read_bytes())
    kex = serialization.load_pem_public_key(site.path(keys.kex).with_suffix(".pub").read_bytes())
    assert isinstance(ident, Ed25519PublicKey) and isinstance(kex, X25519PublicKey)
    cert = load_certificate(site.path(keys.tls_cert))
    return Member(
        name=site.name, url=url, identity=raw_public_key(ident),
        kex=kex.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        tls_sha256=cert_fingerprint(cert),
        tls_cert=cert.public_bytes(serialization.Encoding.PEM).decode(),
        origin=site.config.ledger.origin,
    )


def load_federation(path: Path) -> Federation:
    """Parse and check a federation file (pins: each certificate hashes to its fingerprint)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("federation file not found", path=path) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"not a valid TOML federation file ({exc})", path=path) from None
    nodes = raw.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        raise ConfigError("no [[nodes]] entries", path=path)
    members = []
    for i, n in enumerate(nodes):
        if not isinstance(n, dict):
            raise ConfigError("malformed node entry", path=path, field=f"nodes[{i}]")
        for f in ("name", "url", "identity", "kex", "tls_sha256", "tls_cert"):
            if not isinstance(n.get(f), str):
                raise ConfigError("missing or not a string", path=path, field=f"nodes[{i}].{f}")
        if not NAME_RE.match(n["name"]):
            raise ConfigError("invalid node name", path=path, field=f"nodes[{i}].name")
        try:
            cert = x509.load_pem_x509_certificate(n["tls_cert"].encode())
        except ValueError:
            raise ConfigError("not a PEM certificate", path=path,
                              field=f"nodes[{i}].tls_cert") from None
        if cert_fingerprint(cert) != n["tls_sha256"].lower():
            raise ConfigError("certificate does not match its pinned fingerprint", path=path,
                              field=f"nodes[{i}].tls_sha256")
        members.append(Member(
            name=n["name"], url=n["url"].rstrip("/"),
            identity=_b64key(n["identity"], f"nodes[{i}].identity", path),
            kex=_b64key(n["kex"], f"nodes[{i}].kex", path),
            tls_sha256=n["tls_sha256"].lower(), tls_cert=n["tls_cert"],
            origin=str(n.get("origin", "")),
        ))
    names = [m.name for m in members]
    if len(set(names)) != len(names):
        raise ConfigError("node names are not unique", path=path)
    return Federation(tuple(members))


# -- researcher identities ---------------------------------------------------------------


def default_identity_path() -> Path:
    return Path(os.environ.get("MEDVEIL_IDENTITY", Path.home() / ".medveil" / "identity.key"))


def init_identity(path: Path) -> Ed25519PrivateKey:
    """Create a researcher's Ed25519 key (0600) and its .pub; refuse to overwrite."""
    if path.exists():
        raise StateError(f"{path}: an identity already exists; refusing to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    write_private(path, key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    write_public(path.with_suffix(".pub"), key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return key


def load_researcher(path: Path) -> Ed25519PrivateKey:
    return load_identity(path)

