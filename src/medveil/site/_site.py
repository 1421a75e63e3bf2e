"""A site folder: configuration, keys, ledger and data of one institution.

::

    site-a/
      site.toml        name, ledger settings (grows with datasets and policy)
      keys/            identity.key (Ed25519), kex.key (X25519), tls.key, tls.crt,
                       their public halves, and ledger.vkey (the log's verifier key)
      ledger.sqlite    the site's audit ledger
      data/            the site's own files
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from medveil.errors import InputError, IntegrityError, StateError
from medveil.ledger import (
    SIG_COSIGNATURE_V1,
    Entry,
    Ledger,
    Signer,
    Verifier,
    Witness,
    actor_id,
)
from medveil.ledger._note import raw_public_key
from medveil.site._config import NAME_RE, SiteConfig, load_config
from medveil.site._keys import (
    cert_fingerprint,
    generate_identity,
    generate_kex,
    generate_tls,
    load_identity,
    load_public_identity,
    write_public,
)

log = logging.getLogger(__name__)

SITE_TOML = "site.toml"
VKEY_FILE = "keys/ledger.vkey"

_TEMPLATE = """\
# medveil site configuration: one per hospital or institute.
# Created by `medveil site init`. Paths are relative to this folder.

[site]
# Short name used in federation files and as this site's ledger origin:
# lowercase letters, digits, '.', '_' or '-'.
name = "{name}"
# Human-readable institution name, shown in reports (optional).
display_name = ""

[keys]
# Private keys are mode 0600 and never leave this folder.
identity = "keys/identity.key"   # Ed25519: signs requests, ledger checkpoints, cosignatures
kex = "keys/kex.key"             # X25519: pairwise secrets for secure aggregation
tls_key = "keys/tls.key"         # ECDSA P-256 key of the node's TLS certificate
tls_cert = "keys/tls.crt"        # self-signed; peers pin its SHA-256 fingerprint

[ledger]
path = "ledger.sqlite"
# The log's name in checkpoints (c2sp.org/tlog-checkpoint origin line).
origin = "medveil/{name}"
# Sign a checkpoint when at least this many entries were appended since the
# last one (1: every append is covered by a signature at once).
checkpoint_interval = 1

[disclosure]
# Every count this node contributes to a released cell is 0 or >= min_cell;
# every query must cover >= min_records rows here; secure aggregations need
# >= min_sites participants.
min_cell = 5
min_records = 10
min_sites = 3
# A model may have at most max_param_ratio parameters per record this node
# contributes (DataSHIELD's nfilter.glm).
max_param_ratio = 0.33
# Survival analyses put event counts on a time grid no finer than this, in the
# time column's units (e.g. days).
min_time_grid = 1.0

[federation]
# The consortium membership this node trusts (peers' identity, key-agreement and
# TLS keys), e.g. written by `medveil federation init` and checked out of band.
members = "federation.toml"

# Datasets this node serves read-only (CSV, Parquet, or a DuckDB table):
# [[datasets]]
# name = "crc"
# path = "data/crc.parquet"
# identifiers = ["patient_name", "resident_id", "phone", "mrn"]   # never queryable
#
# Who may do what (add with `medveil site grant`):
# [[access]]
# name = "dr-li"
# key = "<base64 Ed25519 public key>"     # from `medveil identity init`
# role = "researcher"
# datasets = ["crc"]
# operations = ["stats.*"]
"""


@dataclass(frozen=True)
class Site:
    """An opened site folder."""

    root: Path
    config: SiteConfig

    @classmethod
    def open(cls, root: str | Path) -> Site:
        root = Path(root)
        if not root.is_dir():
            raise InputError("not a site folder (no such directory)", path=root)
        return cls(root, load_config(root / SITE_TOML))

    @property
    def name(self) -> str:
        return self.config.site.name

    @property
    def ledger_path(self) -> Path:
        return self.root / self.config.ledger.path

    def path(self, relative: str) -> Path:
        return self.root / relative

    def signer(self) -> Signer:
        """The ledger signer: the identity key named by the log origin."""
        key = load_identity(self.path(self.config.keys.identity))
        return Signer(self.config.ledger.origin, key)

    def verifier(self) -> Verifier:
        """The log's verifier key, from keys/ledger.vkey."""
        vkey_path = self.path(VKEY_FILE)
        try:
            return Verifier.from_vkey(vkey_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("ledger verifier key not found", path=vkey_path) from None
        except UnicodeDecodeError:
            raise InputError("not a verifier key (not UTF-8 text)", path=vkey_path) from None
        except IntegrityError as exc:
            raise InputError(f"not a verifier key: {exc}", path=vkey_path) from None

    @property
    def actor(self) -> str:
        """This site's actor id in ledger entries, from its identity public key."""
        pub = load_public_identity(self.path(self.config.keys.identity).with_suffix(".pub"))
        return actor_id(raw_public_key(pub))

    def witness_cosigner(self) -> Verifier:
        """The key others use to check this site's witness cosignatures (type 0x04)."""
        v = self.verifier()
        return Verifier(v.name, v.public_key, SIG_COSIGNATURE_V1)

    def open_ledger(self, *, write: bool = False) -> Ledger:
        """Open the site's ledger; ``write`` loads the private key for appending."""
        interval = self.config.ledger.checkpoint_interval
        if write:
            return Ledger.open(self.ledger_path, signer=self.signer(),
                               checkpoint_interval=interval)
        return Ledger.open(self.ledger_path, verifier=self.verifier(),
                           checkpoint_interval=interval)

    def witness(self, ledger: Ledger) -> Witness:
        return Witness(ledger, self.signer())


def init_site(root: str | Path, name: str) -> Site:
    """Create a site folder with fresh keys, a site.toml and an empty signed ledger.

    Refuses an existing site or a non-empty folder. Everything is built in a
    temporary sibling folder and renamed into place, so a failure leaves nothing.
    """
    root = Path(root)
    if not NAME_RE.match(name):
        raise InputError("site names are lowercase letters, digits, '.', '_' or '-'",
                         field="--name")
    if (root / SITE_TOML).exists():
        raise StateError(f"{root}: a site already exists here; refusing to overwrite it")
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise StateError(f"{root}: exists and is not an empty folder; refusing to overwrite it")
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.init-", dir=root.parent))
    try:
        (tmp / "keys").mkdir(mode=0o700)
        (tmp / "data").mkdir()
        identity = generate_identity(tmp / "keys" / "identity.key")
        generate_kex(tmp / "keys" / "kex.key")
        cert = generate_tls(tmp / "keys" / "tls.key", tmp / "keys" / "tls.crt", name)
        (tmp / SITE_TOML).write_text(_TEMPLATE.format(name=name), encoding="utf-8")
        config = load_config(tmp / SITE_TOML)
        signer = Signer(config.ledger.origin, identity)
        write_public(tmp / VKEY_FILE, (signer.verifier().vkey + "\n").encode())
        with Ledger.create(tmp / config.ledger.path, signer) as ledger:
            ledger.append([Entry(
                actor=actor_id(raw_public_key(identity.public_key())),
                op="site.init",
                decision="info",
                reason="site created",
                params={"site": name, "tls_sha256": cert_fingerprint(cert)},
            )])
        os.chmod(tmp, 0o755)
        if root.exists():
            root.rmdir()
        tmp.rename(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("created site %s at %s", name, root)
    return Site.open(root)
