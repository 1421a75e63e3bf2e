"""Secure aggregation overhead: sum of a 1,000,000-element float vector over 3 local nodes.

All variants run over real HTTPS on loopback, in the same run, interleaved:
``plain`` has each node return its float64 vector and the coordinator add them;
the secure variants have each node fixed-point encode (one limb mod 2^64 at a
scale the caller picks, or the exact two-limb encoding the statistics use),
mask with pairwise X25519/HKDF/ChaCha20 streams, and the coordinator sum and
decode. Prints the median wall time of each, the ratio to plain (target <=
1.3x) and the largest difference from the plain sum.

Usage: python bench/secagg.py [--length 1000000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _sites import make_sites
from medveil.federation import Coordinator, local_federation


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--length", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="medveil-bench-") as tmp:
        sites, key = make_sites(Path(tmp), [None, None, None])
        with local_federation([s.root for s in sites]) as fed, Coordinator(fed, key) as coord:
            params = {"length": args.length, "seed": 11}
            modes = {"plain": {"secure": False},
                     "secure, one limb (scale 2^-40)": {"secure": True, "frac_bits": 40},
                     "secure, two limbs (exact, 2^-48)": {"secure": True}}
            for kw in modes.values():  # warm up
                coord.aggregate("bench.vector", "-", None, params, **kw)  # type: ignore[arg-type]
            times: dict[str, list[float]] = {m: [] for m in modes}
            totals = {}
            for _ in range(args.repeats):
                for mode, kw in modes.items():
                    t = time.perf_counter()
                    res = coord.aggregate("bench.vector", "-", None, params,
                                          **kw)  # type: ignore[arg-type]
                    times[mode].append(time.perf_counter() - t)
                    totals[mode] = res.sums["v"]
            health = coord.health()
    med = {m: statistics.median(v) for m, v in times.items()}
    print(f"sum of a {args.length:,}-element float64 vector over 3 nodes (HTTPS on loopback), "
          f"median of {args.repeats}")
    for mode in modes:
        diff = float(np.max(np.abs(totals[mode] - totals["plain"])))
        ratio = med[mode] / med["plain"]
        print(f"  {mode:34} {med[mode] * 1e3:8.1f} ms  {ratio:5.2f}x plain   "
              f"max |diff| {diff:.2g}")
    print("  target: secure <= 1.3x plain")
    print("  node peak RSS: " + ", ".join(f"{n} {h.get('peak_rss_mb')} MB"
                                         for n, h in health.items()))


if __name__ == "__main__":
    main()
