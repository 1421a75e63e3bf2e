"""Node operations that touch no patient data.

``bench.vector``: a seeded pseudo-random float vector of a requested length,
used by ``bench/secagg.py`` to measure secure aggregation and transport alone.
It is the only operation allowed to answer without secure aggregation
(``secure = false``), since nothing it returns comes from a dataset.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from medveil.analysis import Contribution
from medveil.errors import InputError

MAX_BENCH_LENGTH = 50_000_000


def bench_vector(params: Mapping[str, Any]) -> Contribution:
    length = params.get("length")
    seed = params.get("seed", 0)
    if not isinstance(length, int) or not 0 < length <= MAX_BENCH_LENGTH:
        raise InputError(f"length must be an integer in 1..{MAX_BENCH_LENGTH}", field="length")
    if not isinstance(seed, int | str):
        raise InputError("seed must be an integer or a string", field="seed")
    digest = hashlib.sha256(str(seed).encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    return Contribution(cells={}, sums={"v": rng.standard_normal(length) * 100.0}, n_records=0)


SERVICE_OPS: Mapping[str, Callable[[Mapping[str, Any]], Contribution]] = {
    "bench.vector": bench_vector,
}
PLAIN_OK_OPS = frozenset({"bench.vector"})
