"""Multi-round building blocks shared by the coordinator halves.

Each helper drives rounds through an :class:`Aggregator` and returns pooled
intermediate values. Two-pass centring (pooled means first, then Σ(x − mean)²
about them) is what makes the federated variance equal pandas' to ~1e-15: an
error δ in the mean changes Σ(x − mean)² only by nδ².
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from medveil.analysis._aggregator import Aggregator
from medveil.analysis._contribution import Totals
from medveil.analysis._params import validate_params
from medveil.analysis._stats_node import PARAMS_MODELS
from medveil.errors import InputError

__all__ = [
    "CompleteMoments",
    "GroupedMoments",
    "agreed_levels",
    "ask",
    "complete_moments",
    "grouped_moments",
]

logger = logging.getLogger(__name__)

def ask(
    agg: Aggregator, op: str, dataset: str, where: str | None, params: dict[str, Any]
) -> Totals:
    """One round. Params are validated here first, so a bad request fails before any
    site is asked (each node validates them again)."""
    validate_params(PARAMS_MODELS[op], params)
    logger.debug("asking %s on %r", op, dataset)
    return agg.aggregate(op, dataset, where, params)


def _mean(total: NDArray[np.float64], n: NDArray[np.int64]) -> NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _json_floats(values: NDArray[np.float64]) -> list[Any]:
    """Nested lists of floats, None for NaN (JSON has no NaN)."""
    return [_json_floats(v) if v.ndim else (None if np.isnan(v) else float(v)) for v in values]


def agreed_levels(
    agg: Aggregator, dataset: str, columns: Sequence[str], where: str | None
) -> tuple[dict[str, tuple[str, ...]], int]:
    """The sorted union of the sites' levels of ``columns`` (rows complete in all of
    them), and the number of sites. One round; labels travel in the clear."""
    totals = ask(agg, "stats.levels", dataset, where, {"columns": list(columns)})
    return {c: totals.levels.get(c, ()) for c in columns}, totals.n_sites


@dataclass(frozen=True, eq=False)
class GroupedMoments:
    """Pooled per-group, per-column n, n_missing, mean and Σ(x − mean)² (G x C).

    ``n_missing`` is None unless it was asked for (it is a released count too).
    """

    columns: tuple[str, ...]
    by: str | None
    groups: tuple[str, ...]
    n: NDArray[np.int64]
    n_missing: NDArray[np.int64] | None
    mean: NDArray[np.float64]
    ss: NDArray[np.float64]
    n_sites: int

    @property
    def variance(self) -> NDArray[np.float64]:
        """ddof = 1; NaN below two values."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n >= 2, self.ss / np.maximum(self.n - 1, 1), np.nan)


def grouped_moments(
    agg: Aggregator,
    dataset: str,
    columns: Sequence[str],
    *,
    by: str | None,
    where: str | None,
    missing: bool = False,
) -> GroupedMoments:
    """Rounds: levels of ``by`` (if any), moments, centred sums of squares."""
    params: dict[str, Any] = {"columns": list(columns)}
    groups: tuple[str, ...] = ("",)
    if by is not None:
        levels, _ = agreed_levels(agg, dataset, [by], where)
        groups = levels[by]
        if not groups:
            raise InputError(f"column {by!r} has no values to group by", field=by)
        params.update(by=by, levels=list(groups))
    moments = ask(agg, "stats.moments", dataset, where, {**params, "missing": missing})
    n = moments.cells["n"]
    mean = _mean(moments.sums["sum"], n)
    centered = ask(
        agg, "stats.centered", dataset, where, {**params, "means": _json_floats(mean)}
    )
    return GroupedMoments(
        columns=tuple(columns),
        by=by,
        groups=groups if by is not None else (),
        n=n,
        n_missing=moments.cells["n_missing"] if missing else None,
        mean=mean,
        ss=centered.sums["ss"],
        n_sites=centered.n_sites,
    )


@dataclass(frozen=True, eq=False)
class CompleteMoments:
    """Pooled complete-case n, means (C) and centred cross-products (C x C)."""

    columns: tuple[str, ...]
    n: int
    mean: NDArray[np.float64]
    cp: NDArray[np.float64]
    n_sites: int

    @property
    def covariance(self) -> NDArray[np.float64]:
        """ddof = 1; NaN below two complete rows."""
        if self.n < 2:
            return np.full_like(self.cp, np.nan)
        return self.cp / (self.n - 1)


def complete_moments(
    agg: Aggregator, dataset: str, columns: Sequence[str], *, where: str | None
) -> CompleteMoments:
    """Rounds: complete-case n and Σx, then Σ(x − mean)(x − mean)ᵀ about the pooled means."""
    params: dict[str, Any] = {"columns": list(columns)}
    first = ask(agg, "stats.crossprod", dataset, where, params)
    n = int(first.cells["n"][0])
    mean = _mean(first.sums["sum"], np.full(len(columns), n, dtype=np.int64))
    if n == 0:
        return CompleteMoments(
            tuple(columns), 0, mean, np.full((len(columns),) * 2, np.nan), first.n_sites
        )
    second = ask(
        agg, "stats.crossprod", dataset, where, {**params, "means": [float(m) for m in mean]}
    )
    return CompleteMoments(tuple(columns), n, mean, second.sums["cp"], second.n_sites)
