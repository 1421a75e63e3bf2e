"""What one site sends for one request, and what the coordinator learns from all.

A :class:`Contribution` is one site's sufficient statistics *before* masking: the
node checks its ``cells`` against disclosure control, then every ``cells`` and
``sums`` array is summed across sites by secure aggregation, so no one sees it.
The coordinator only ever holds :class:`Totals`: pooled sums and the sorted
union of category levels.

Arrays are held as read-only views (no copy: a benchmark vector may hold tens
of millions of floats); whoever builds a contribution hands its arrays over and
does not change them afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from medveil.policy import DisclosureThresholds

__all__ = ["Contribution", "NodeOp", "Totals"]


def _frozen_int(values: Mapping[str, Any]) -> Mapping[str, NDArray[np.int64]]:
    out: dict[str, NDArray[np.int64]] = {}
    for key, value in values.items():
        arr = np.asarray(value, dtype=np.int64).view()
        if arr.size and int(arr.min()) < 0:
            raise ValueError(f"cell {key!r} holds a negative count")
        arr.setflags(write=False)
        out[key] = arr
    return MappingProxyType(out)


def _frozen_float(values: Mapping[str, Any]) -> Mapping[str, NDArray[np.float64]]:
    out: dict[str, NDArray[np.float64]] = {}
    for key, value in values.items():
        arr = np.asarray(value, dtype=np.float64).view()
        if not np.isfinite(arr).all():
            # Secure aggregation encodes sums as fixed-point integers: no NaN or inf.
            raise ValueError(f"sum {key!r} is not finite")
        arr.setflags(write=False)
        out[key] = arr
    return MappingProxyType(out)


def _frozen_levels(values: Mapping[str, Any]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({k: tuple(str(v) for v in vs) for k, vs in values.items()})


@dataclass(frozen=True, eq=False)
class Contribution:
    """What ONE site sends for one request (before masking).

    ``cells``: counts, released as cells (each element 0 or >= min_cell at the site).
    ``sums``: float quantities (finite), summed securely.
    ``n_records``: rows this request covered at the site (after the row filter),
    checked against min_records; it is not sent.
    ``levels``: category labels, sent in the clear and united at the coordinator.
    ``n_parameters``: parameters of the model this release serves to fit (0 for a
    descriptive statistic), checked against max_param_ratio; not sent.
    ``time_grid``: the width of the time grid survival counts are on, checked
    against min_time_grid; not sent.
    """

    cells: Mapping[str, NDArray[np.int64]]
    sums: Mapping[str, NDArray[np.float64]]
    n_records: int
    levels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    n_parameters: int = 0
    time_grid: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", _frozen_int(self.cells))
        object.__setattr__(self, "sums", _frozen_float(self.sums))
        object.__setattr__(self, "levels", _frozen_levels(self.levels))
        if self.n_records < 0:
            raise ValueError("n_records is negative")


@dataclass(frozen=True, eq=False)
class Totals:
    """What the coordinator learns from one round: pooled totals only.

    ``cells`` and ``sums`` are element-wise sums over the sites; ``levels`` is,
    per key, the sorted union of the sites' levels; ``n_sites`` the sites pooled.
    """

    cells: Mapping[str, NDArray[np.int64]]
    sums: Mapping[str, NDArray[np.float64]]
    levels: Mapping[str, tuple[str, ...]]
    n_sites: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", _frozen_int(self.cells))
        object.__setattr__(self, "sums", _frozen_float(self.sums))
        object.__setattr__(self, "levels", _frozen_levels(self.levels))


class NodeOp(Protocol):
    """A vetted node operation: one site's rows, the request's params and the site's
    disclosure thresholds (read only by ops that plan a release) to a contribution."""

    __name__: str

    def __call__(
        self, df: pd.DataFrame, params: Mapping[str, Any], *,
        thresholds: DisclosureThresholds = ...,
    ) -> Contribution: ...
