"""Ledger benchmark: durable append rates, proof time and full verification at 1M entries.

Prints, from one run on one machine:

* durable appends/s, entries of ~350 bytes committed one by one and in batches
  of 1,000 (a signed checkpoint every 1,000 entries), WAL + synchronous=FULL;
* the in-memory append rate of pymerkle 7 (GPLv3: installed on the side by
  `make bench`, never a dependency) on the same entry bytes, and the ratio;
* inclusion-proof generation (+ verification) time at N entries;
* full `verify_ledger` time at N entries;
* the peak RSS of each phase (each runs in its own process).

Usage: python bench/ledger.py [--entries 1000000] [--one-by-one 3000] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

BATCH = 1000


def _entry(i: int) -> Any:
    from medveil.ledger import Entry

    return Entry(
        actor="3f6c2a9d0b1e4f5a8c7d6e5f4a3b2c1d", op="query.count", decision="release",
        reason="every released cell >= 5", dataset="crc_cohort",
        params={"by": ["stage", "sex"], "min_cell": 5, "rows": 1200 + i % 97},
        result_sha256=f"{i:064x}", request_id=f"req-{i:012d}",
    )


def _signer() -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from medveil.ledger import Signer

    return Signer("medveil/bench", Ed25519PrivateKey.generate())


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_one_by_one(path: str, n: int, interval: int) -> dict[str, float]:
    from medveil.ledger import Ledger

    with Ledger.create(path, _signer(), checkpoint_interval=interval) as led:
        entries = [_entry(i) for i in range(n)]
        t = time.perf_counter()
        for e in entries:
            led.append([e])
        dt = time.perf_counter() - t
    return {"rate": n / dt, "peak_mb": _peak_mb()}


def phase_batched(path: str, n: int) -> dict[str, float]:
    from medveil.ledger import Ledger

    with Ledger.create(path, _signer(), checkpoint_interval=BATCH) as led:
        spent = 0.0
        for start in range(0, n, BATCH):
            batch = [_entry(i) for i in range(start, min(n, start + BATCH))]
            t = time.perf_counter()
            led.append(batch)
            spent += time.perf_counter() - t
    return {"rate": n / spent, "peak_mb": _peak_mb(),
            "db_mb": Path(path).stat().st_size / 2**20}


def phase_pymerkle(n: int) -> dict[str, float]:
    from pymerkle import InmemoryTree

    tree = InmemoryTree(algorithm="sha256")
    spent = 0.0
    for start in range(0, n, BATCH):
        datas = [_entry(i).encode() for i in range(start, min(n, start + BATCH))]
        t = time.perf_counter()
        for d in datas:
            tree.append_entry(d)
        spent += time.perf_counter() - t
    return {"rate": n / spent, "peak_mb": _peak_mb()}


def phase_proofs(path: str, samples: int) -> dict[str, float]:
    from medveil.ledger import Ledger, leaf_hash, verify_inclusion

    rng = random.Random(1)
    with Ledger.open(path) as led:
        cp = led.latest_checkpoint()
        gen, ver = [], []
        for _ in range(samples):
            i = rng.randrange(cp.size)
            t = time.perf_counter()
            proof = led.inclusion_proof(i, cp.size)
            t1 = time.perf_counter()
            verify_inclusion(leaf_hash(led.entry(i)), i, cp.size, proof, cp.root)
            t2 = time.perf_counter()
            gen.append(t1 - t)
            ver.append(t2 - t1)
    gen.sort()
    return {"size": cp.size, "median_ms": statistics.median(gen) * 1e3,
            "p99_ms": gen[int(0.99 * len(gen))] * 1e3,
            "verify_median_ms": statistics.median(ver) * 1e3, "peak_mb": _peak_mb()}


def phase_verify(path: str) -> dict[str, float]:
    from medveil.ledger import Ledger, verify_ledger

    with Ledger.open(path) as led:
        t = time.perf_counter()
        report = verify_ledger(led)
        dt = time.perf_counter() - t
    return {"seconds": dt, "entries": report.size, "checkpoints": report.checkpoints,
            "peak_mb": _peak_mb()}


def _run(fn: Any, *args: Any) -> dict[str, float]:
    """Run one phase in a fresh process so its peak RSS is its own."""
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--one-by-one", type=int, default=3000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    n = args.entries
    with tempfile.TemporaryDirectory(prefix="medveil-bench-", dir=".") as d:
        size = len(_entry(0).encode())
        print(f"medveil ledger benchmark: {n:,} entries of {size} bytes, "
              f"{platform.python_version()}, {mp.cpu_count()} cores")
        one = _run(phase_one_by_one, f"{d}/one.sqlite", args.one_by_one, BATCH)
        one_signed = _run(phase_one_by_one, f"{d}/one1.sqlite", args.one_by_one, 1)
        batched = _run(phase_batched, f"{d}/big.sqlite", n)
        pym = _run(phase_pymerkle, n)
        proofs = _run(phase_proofs, f"{d}/big.sqlite", 2000)
        verify = _run(phase_verify, f"{d}/big.sqlite")
    ratio = batched["rate"] / pym["rate"]
    rows = [
        ("durable appends, one per commit (checkpoint every 1,000)",
         f"{one['rate']:,.0f} /s", f"{one['peak_mb']:.0f} MB"),
        ("durable appends, one per commit (signed checkpoint each)",
         f"{one_signed['rate']:,.0f} /s", f"{one_signed['peak_mb']:.0f} MB"),
        (f"durable appends, batches of {BATCH:,} (checkpoint each batch)",
         f"{batched['rate']:,.0f} /s", f"{batched['peak_mb']:.0f} MB"),
        ("pymerkle 7 InmemoryTree.append_entry (reference, in memory)",
         f"{pym['rate']:,.0f} /s", f"{pym['peak_mb']:.0f} MB"),
        ("ratio batched durable / pymerkle in-memory (target >= 1.0)", f"{ratio:.2f}x", ""),
        (f"inclusion proof at {proofs['size']:,} entries (median / p99; target < 1 ms)",
         f"{proofs['median_ms']:.3f} / {proofs['p99_ms']:.3f} ms", f"{proofs['peak_mb']:.0f} MB"),
        ("  proof verification (median)", f"{proofs['verify_median_ms']:.3f} ms", ""),
        (f"full verify of {verify['entries']:,} entries, {verify['checkpoints']:,} "
         "checkpoints (target < 20 s)", f"{verify['seconds']:.1f} s",
         f"{verify['peak_mb']:.0f} MB"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'result':>22}  peak RSS")
    for name, value, mem in rows:
        print(f"{name:<{width}}  {value:>22}  {mem}")
    print(f"ledger file at {n:,} entries: {batched['db_mb']:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps({
            "entries": n, "entry_bytes": size, "one_by_one": one, "one_by_one_signed": one_signed,
            "batched": batched, "pymerkle": pym, "ratio": ratio, "proofs": proofs,
            "verify": verify,
        }, indent=2))


if __name__ == "__main__":
    main()
