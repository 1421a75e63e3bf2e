"""Covariance and Pearson correlation of numeric columns over complete cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from medveil.analysis._aggregator import Aggregator
from medveil.analysis._json import JsonResult
from medveil.analysis._rounds import complete_moments
from medveil.errors import InputError

__all__ = ["CorrelationResult", "correlation"]


@dataclass(frozen=True, eq=False)
class CorrelationResult(JsonResult):
    """Over the ``n`` rows complete in all ``columns``: means, covariance (ddof = 1)
    and Pearson correlation (NaN where undefined, e.g. a constant column)."""

    dataset: str
    where: str | None
    columns: tuple[str, ...]
    n: int
    mean: NDArray[np.float64]
    covariance: NDArray[np.float64]
    correlation: NDArray[np.float64]
    n_sites: int


def correlation(
    agg: Aggregator, dataset: str, columns: Sequence[str], *, where: str | None = None
) -> CorrelationResult:
    """Listwise complete cases; equal to pandas ``df[columns].dropna().cov()`` / ``.corr()``.

    Rounds: ``stats.crossprod`` (n, Σx), then ``stats.crossprod`` with the pooled
    means (Σ(x − mean)(x − mean)ᵀ).

    Privacy cost: per site the complete-case count (>= min_cell or 0); pooled
    only, the column sums and the centred cross-product matrix.
    """
    columns = list(columns)
    if len(columns) < 2:
        raise InputError("a correlation needs at least 2 columns", field="columns")
    m = complete_moments(agg, dataset, columns, where=where)
    cov = m.covariance
    diag = np.sqrt(np.diag(m.cp))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = m.cp / np.outer(diag, diag)
    corr = np.where(np.isfinite(corr), corr, np.nan)
    for arr in (m.mean, cov, corr):
        arr.setflags(write=False)
    return CorrelationResult(dataset, where, m.columns, m.n, m.mean, cov, corr, m.n_sites)
