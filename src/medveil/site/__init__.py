"""Site folders: one institution's configuration, keys, ledger and data."""

from __future__ import annotations

from medveil.site._config import SiteConfig, load_config
from medveil.site._edit import access_block, append_block, dataset_block
from medveil.site._keys import (
    cert_fingerprint,
    load_certificate,
    load_identity,
    load_public_identity,
    read_public_pem,
)
from medveil.site._site import SITE_TOML, VKEY_FILE, Site, init_site

__all__ = [
    "SITE_TOML",
    "VKEY_FILE",
    "Site",
    "SiteConfig",
    "access_block",
    "append_block",
    "cert_fingerprint",
    "dataset_block",
    "init_site",
    "load_certificate",
    "load_config",
    "load_identity",
    "load_public_identity",
    "read_public_pem",
]
