"""Three synthetic hospitals for the federated statistics tests.

Sizes are uneven (about 500 / 300 / 200 rows), distributions differ by site, and
the categorical design guarantees that every count the statistics release at a
site is 0 or >= 5 (each stage x sex x arm x grade cell holds at least 5 rows),
so the default disclosure thresholds pass. Levels are missing at some sites
(no stage IV at "c", no grade 3 at "c"); missing values come in blocks of 5-8
rows inside one cell, so per-group missing counts are 0 or >= 5 too. ``grade``
is an integer code column that is int64 at "a" and "c" but float64 at "b"
(it has missing values there): labels must still agree ("2", never "2.0").
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from medveil.analysis import InProcessAggregator
from medveil.policy import DisclosureThresholds

DATASET = "cohort"
STAGES = ("I", "II", "III", "IV")
SEXES = ("F", "M")
ARMS = ("A", "B")
GRADES = (1, 2, 3)

_PLAN = {
    # name: (rows, stages, grades, age mean, age sd, seed)
    "a": (500, STAGES, GRADES, 60.0, 10.0, 11),
    "b": (300, STAGES, GRADES, 55.0, 12.0, 12),
    "c": (200, STAGES[:3], GRADES[:2], 66.0, 8.0, 13),
}


def _site(name: str) -> pd.DataFrame:
    rows, stages, grades, age_mu, age_sd, seed = _PLAN[name]
    rng = np.random.default_rng(seed)
    cells = list(itertools.product(stages, SEXES, ARMS, grades))
    sizes = 5 + rng.multinomial(rows - 5 * len(cells), np.full(len(cells), 1 / len(cells)))
    design = [cell for cell, size in zip(cells, sizes, strict=True) for _ in range(size)]
    df = pd.DataFrame(design, columns=["stage", "sex", "arm", "grade"])
    n = len(df)
    stage_effect = df["stage"].map({"I": 0.0, "II": 2.0, "III": 5.0, "IV": 9.0}).to_numpy()
    age = rng.normal(age_mu, age_sd, n) + stage_effect
    arm_effect = np.where(df["arm"] == "B", -4.0, 0.0)
    df["age"] = np.round(age, 1)
    df["sbp"] = 95 + 0.5 * age + arm_effect + rng.normal(0, 9 + 3 * (name == "b"), n)
    df["bmi"] = rng.gamma(30 + 5 * (name == "c"), 0.9, n)
    df["crp"] = np.exp(rng.normal(1.0 + 0.3 * (name == "b"), 0.8, n))
    df["smoker"] = rng.random(n) < 0.3
    # Missing values in blocks inside one design cell.
    def block(stage: str, sex: str, arm: str, k: int) -> np.ndarray:
        """k rows of one design cell (the first grade that has k rows)."""
        in_cell = (df["stage"] == stage) & (df["sex"] == sex) & (df["arm"] == arm)
        for grade in grades:
            idx = np.flatnonzero(in_cell & (df["grade"] == grade))
            if len(idx) >= k:
                return idx[:k]
        raise AssertionError("no design cell large enough")

    if name == "a":
        df.loc[block("II", "F", "A", 7), "age"] = np.nan
    if name == "b":
        df.loc[block("I", "M", "A", 6), "sbp"] = np.nan
    if name == "c":
        df.loc[block("III", "M", "B", 5), "age"] = np.nan
        df.loc[block("II", "F", "B", 8), "bmi"] = np.nan
    df = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    extra = df.iloc[:0].copy()
    if name == "a":  # 6 rows without a stage
        extra = df.iloc[block("I", "F", "A", 6)].copy()
        extra["stage"] = None
    if name == "b":  # 5 rows without a grade: grade becomes float64 here
        extra = df.iloc[block("I", "M", "B", 5)].copy()
        extra["grade"] = np.nan
    df = pd.concat([df, extra], ignore_index=True)
    if name == "b":
        df["grade"] = df["grade"].astype("float64")
    return df


def sites() -> dict[str, dict[str, pd.DataFrame]]:
    """Fresh copies of the three sites: {site: {DATASET: frame}}."""
    return {name: {DATASET: _site(name)} for name in _PLAN}


def pooled(site_map: dict[str, dict[str, pd.DataFrame]] | None = None) -> pd.DataFrame:
    """The rows of every site in one frame: the reference a pooled analysis would use."""
    site_map = site_map if site_map is not None else sites()
    return pd.concat([d[DATASET] for _, d in sorted(site_map.items())], ignore_index=True)


def label(series: pd.Series) -> pd.Series:
    """Reference labels for a pooled column: integral floats without '.0'."""
    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return series.astype(object).map(one)


def aggregator(
    site_map: dict[str, dict[str, pd.DataFrame]] | None = None,
    thresholds: DisclosureThresholds | None = None,
) -> InProcessAggregator:
    return InProcessAggregator(
        site_map if site_map is not None else sites(),
        thresholds=thresholds or DisclosureThresholds(),
    )
