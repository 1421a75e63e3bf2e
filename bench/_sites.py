"""Benchmark helper: throwaway sites with a researcher granted everywhere."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from medveil.federation import init_identity
from medveil.federation._auth import public_key_b64
from medveil.federation._data import add_dataset
from medveil.site import SITE_TOML, Site, init_site
from medveil.site._edit import grant_access


def make_sites(root: Path, frames: list[pd.DataFrame | None]) -> tuple[list[Site],
                                                                     Ed25519PrivateKey]:
    key = init_identity(root / "researcher.key")
    sites = []
    for i, df in enumerate(frames):
        site = init_site(root / f"site-{chr(97 + i)}", f"site-{chr(97 + i)}")
        if df is not None:
            df.to_parquet(site.root / "data" / "data.parquet")
            add_dataset(site, name="data", path="data/data.parquet")
            site = Site.open(site.root)
        grant_access(site.path(SITE_TOML), site.config, name="bench",
                     key=public_key_b64(key.public_key()), role="researcher",
                     datasets=["*"], operations=["*"])
        sites.append(Site.open(site.root))
    return sites, key
