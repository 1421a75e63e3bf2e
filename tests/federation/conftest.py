"""Four small hospital sites served by real nodes on loopback, started once per module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from medveil.federation import Federation, init_identity, local_federation
from medveil.federation._auth import public_key_b64
from medveil.federation._data import add_dataset
from medveil.site import SITE_TOML, Site, init_site
from medveil.site._edit import grant_access

SIZES = (420, 330, 280, 200)
NAMES = ("site-a", "site-b", "site-c", "site-d")


def site_frame(i: int, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Non-identically distributed clinical-like rows; every category well populated."""
    stage = rng.choice(["I", "II", "III", "IV"], size=n,
                       p=[0.2 + 0.05 * i, 0.3, 0.3, 0.2 - 0.05 * i])
    age = rng.normal(60 + 3 * i, 10, n).round(1)
    cea = np.exp(rng.normal(1 + 0.2 * i, 0.6, n))
    # Missing CEA on every 8th row, all of them women: every released missing-count
    # cell is then 0 or well above min_cell, as disclosure control requires.
    cea[::8] = np.nan
    return pd.DataFrame({
        "patient_name": [f"name-{i}-{k}" for k in range(n)],
        "resident_id": [f"{110105 + i}{19500101 + k:08d}0{k % 10}X" for k in range(n)],
        "sex": np.where(np.arange(n) % 2 == 0, "F", "M"),
        "age": age,
        "cea": cea,
        "bmi": rng.normal(23 + i, 3, n),
        "stage": stage,
        "recurrence": (rng.random(n) < 0.3 + 0.1 * (stage == "IV")).astype(int),
        # survival: days to death or censoring, exponential hazards by stage and age
        "days": np.minimum(
            rng.exponential(2500 / np.exp(0.5 * (stage == "III") + (stage == "IV")
                                          + 0.02 * (age - 60))),
            rng.uniform(300, 2200, n)).round(0),
    }).pipe(_with_death_flag)


def _with_death_flag(df: pd.DataFrame) -> pd.DataFrame:
    """died = 1 unless censored: censoring times were drawn on a coarser pattern."""
    rng = np.random.default_rng(len(df))
    return df.assign(died=(rng.random(len(df)) < 0.6).astype(int))


@dataclass
class Study:
    sites: list[Site]
    frames: list[pd.DataFrame]
    key: Ed25519PrivateKey
    key_path: Path
    fed: Federation
    limited: Ed25519PrivateKey  # may only run stats.count

    @property
    def pooled(self) -> pd.DataFrame:
        return pd.concat(self.frames[:3], ignore_index=True)


def build_sites(root: Path, names: tuple[str, ...] = NAMES, sizes: tuple[int, ...] = SIZES,
                ) -> tuple[list[Site], list[pd.DataFrame], Ed25519PrivateKey, Path,
                           Ed25519PrivateKey]:
    rng = np.random.default_rng(7)
    key_path = root / "researcher.key"
    key = init_identity(key_path)
    limited = init_identity(root / "limited.key")
    sites, frames = [], []
    for i, (name, n) in enumerate(zip(names, sizes, strict=True)):
        site = init_site(root / name, name)
        df = site_frame(i, n, rng)
        df.to_parquet(site.root / "data" / "crc.parquet")
        add_dataset(site, name="crc", path="data/crc.parquet",
                    identifiers=["patient_name", "resident_id"])
        site = Site.open(site.root)
        grant_access(site.path(SITE_TOML), site.config, name="tester",
                     key=public_key_b64(key.public_key()), role="researcher",
                     datasets=["crc"], operations=["stats.*", "glm.*", "surv.*", "datasets.list",
                                                   "ledger.witness", "bench.*"])
        site = Site.open(site.root)
        grant_access(site.path(SITE_TOML), site.config, name="limited",
                     key=public_key_b64(limited.public_key()), role="researcher",
                     datasets=["crc"], operations=["stats.count"])
        sites.append(Site.open(site.root))
        frames.append(df)
    return sites, frames, key, key_path, limited


@pytest.fixture(scope="package")
def study(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Study]:
    root = tmp_path_factory.mktemp("federation")
    sites, frames, key, key_path, limited = build_sites(root)
    with local_federation([s.root for s in sites]) as fed:
        yield Study(sites, frames, key, key_path, fed, limited)
