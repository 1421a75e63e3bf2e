"""Federated describe + 2-way table over 3 sites holding 1,000,000 rows in total,
against pandas/scipy on the pooled rows, in the same run.

Nodes run on loopback (real HTTPS, secure aggregation); datasets are loaded by each
node once (a warm-up count), then `describe(age, cea, bmi by sex)` and
`table(stage, recurrence)` (with chi-square) are timed end to end. The pandas
reference computes the same statistics on the concatenated rows already in memory.
Prints the ratio (target <= 3x) and each node's peak RSS.

Usage: python bench/stats.py [--rows 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sites import make_sites
from medveil.analysis import count, describe, table
from medveil.federation import Coordinator, local_federation

SHARES = (0.5, 0.3, 0.2)


def site_rows(i: int, n: int, rng: np.random.Generator) -> pd.DataFrame:
    stage = rng.choice(np.array(["I", "II", "III", "IV"]), size=n,
                       p=[0.15 + 0.05 * i, 0.3, 0.35 - 0.05 * i, 0.2])
    cea = np.exp(rng.normal(1.0 + 0.2 * i, 0.7, n))
    cea[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({
        "sex": rng.choice(np.array(["F", "M"]), size=n),
        "age": rng.normal(62 - 2 * i, 11, n),
        "cea": cea,
        "bmi": rng.normal(23 + 0.5 * i, 3.2, n),
        "stage": stage,
        "recurrence": (rng.random(n) < np.where(stage == "IV", 0.5, 0.2)).astype(np.int64),
    })


def pandas_reference(pooled: pd.DataFrame) -> float:
    t = time.perf_counter()
    pooled.groupby("sex")[["age", "cea", "bmi"]].agg(["count", "mean", "var", "std"])
    tab = pd.crosstab(pooled["stage"], pooled["recurrence"])
    sps.chi2_contingency(tab.to_numpy())
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(2026)
    sizes = [int(args.rows * s) for s in SHARES]
    frames = [site_rows(i, n, rng) for i, n in enumerate(sizes)]
    pooled = pd.concat(frames, ignore_index=True)
    with tempfile.TemporaryDirectory(prefix="medveil-bench-") as tmp:
        sites, key = make_sites(Path(tmp), list(frames))
        with local_federation([s.root for s in sites]) as fed, Coordinator(fed, key) as coord:
            assert count(coord, "data").n == len(pooled)  # loads each node's data once
            fed_times, ref_times = [], []
            for _ in range(args.repeats):
                t = time.perf_counter()
                d = describe(coord, "data", ["age", "cea", "bmi"], by="sex")
                tb = table(coord, "data", ["stage", "recurrence"])
                fed_times.append(time.perf_counter() - t)
                ref_times.append(pandas_reference(pooled))
            health = coord.health()
    ref = pooled.groupby("sex")["age"].mean()
    err = max(abs(d.get("age", g).mean - ref[g]) / abs(ref[g]) for g in ref.index)
    chi_ref = sps.chi2_contingency(pd.crosstab(pooled["stage"],
                                               pooled["recurrence"]).to_numpy()).statistic
    f, p = statistics.median(fed_times), statistics.median(ref_times)
    print(f"describe(age, cea, bmi by sex) + table(stage, recurrence) over 3 sites, "
          f"{len(pooled):,} rows ({', '.join(f'{n:,}' for n in sizes)}), median of "
          f"{args.repeats}")
    print(f"  federated (3 nodes, HTTPS, secure aggregation)  {f * 1e3:8.1f} ms")
    print(f"  pandas + scipy on the pooled rows               {p * 1e3:8.1f} ms")
    print(f"  ratio federated / pooled                        {f / p:8.2f}x   (target <= 3x)")
    print(f"  max relative error of mean age vs pandas        {err:.1e}; chi-square "
          f"{tb.chi2.statistic:.6f} vs {chi_ref:.6f}")
    print("  node peak RSS: " + ", ".join(f"{n} {h.get('peak_rss_mb')} MB"
                                         for n, h in health.items()))


if __name__ == "__main__":
    main()
