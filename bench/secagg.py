"""Secure aggregation overhead: sum of a 1,000,000-element float vector over 3 local nodes.

Both variants run over real HTTPS on loopback, in the same run, interleaved:
``plain`` has each node return its float64 vector and the coordinator add them;
``secure`` has each node fixed-point encode (2 limbs mod 2^64), mask with
pairwise X25519/HKDF/ChaCha20 streams, and the coordinator sum and decode.
Prints the median wall time of each, their ratio (target <= 1.3x) and checks
the two sums agree.

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
            coord.aggregate("bench.vector", "-", None, params, secure=False)  # warm up
            coord.aggregate("bench.vector", "-", None, params, secure=True)
            times: dict[bool, list[float]] = {False: [], True: []}
            totals = {}
            for _ in range(args.repeats):
                for secure in (False, True):
                    t = time.perf_counter()
                    res = coord.aggregate("bench.vector", "-", None, params, secure=secure)
                    times[secure].append(time.perf_counter() - t)
                    totals[secure] = res.sums["v"]
            health = coord.health()
    plain, secure = statistics.median(times[False]), statistics.median(times[True])
    diff = float(np.max(np.abs(totals[True] - totals[False])))
    print(f"sum of a {args.length:,}-element float64 vector over 3 nodes (HTTPS on loopback), "
          f"median of {args.repeats}")
    print(f"  plain (float64 vectors, no masking)  {plain * 1e3:8.1f} ms")
    print(f"  secure aggregation (masked limbs)     {secure * 1e3:8.1f} ms")
    print(f"  ratio secure / plain                  {secure / plain:8.2f}x   (target <= 1.3x)")
    print(f"  max |secure - plain| over elements    {diff:.3g}")
    print("  node peak RSS: " + ", ".join(f"{n} {h.get('peak_rss_mb')} MB"
                                         for n, h in health.items()))


if __name__ == "__main__":
    main()
