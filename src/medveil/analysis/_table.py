"""Contingency tables of 1 to 3 categorical columns, with the chi-square test.

Rounds: ``stats.levels`` (each site's labels among rows complete in all the
columns; the coordinator takes the sorted union, so every level has at least
one complete row somewhere and no expected count is zero), then
``stats.cells`` on the full grid of agreed levels. Rows missing any of the
columns are left out, as ``pandas.crosstab`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from medveil.analysis._aggregator import Aggregator
from medveil.analysis._json import JsonResult, json_object
from medveil.analysis._rounds import agreed_levels, ask
from medveil.errors import InputError

__all__ = ["ChiSquareTest", "TableResult", "table"]


@dataclass(frozen=True, eq=False)
class ChiSquareTest:
    """``scipy.stats.chi2_contingency(observed)`` with its defaults (Yates' correction
    when dof is 1)."""

    statistic: float
    pvalue: float
    dof: int
    expected: NDArray[np.float64]
    correction: bool

    def to_dict(self) -> dict[str, Any]:
        return json_object(
            {
                "statistic": self.statistic,
                "pvalue": self.pvalue,
                "dof": self.dof,
                "expected": self.expected,
                "yates_correction": self.correction,
            }
        )


@dataclass(frozen=True, eq=False)
class TableResult(JsonResult):
    """Counts of complete rows per combination of ``levels`` (one axis per column).

    ``percent`` (1-way) is each level's share of ``n`` in percent; ``chi2``
    (2- and 3-way) the test of independence; each is None otherwise.
    """

    dataset: str
    where: str | None
    columns: tuple[str, ...]
    levels: tuple[tuple[str, ...], ...]
    observed: NDArray[np.int64]
    n: int
    percent: NDArray[np.float64] | None
    chi2: ChiSquareTest | None
    n_sites: int


def table(
    agg: Aggregator, dataset: str, columns: Sequence[str], *, where: str | None = None
) -> TableResult:
    """Frequencies (1 column) or a contingency table with chi-square test (2-3 columns).

    Equal to ``pandas.crosstab`` on the pooled rows, reindexed to the sorted levels,
    and to ``scipy.stats.chi2_contingency`` of that table.

    Privacy cost: the labels of each column (in the clear), and per site every
    cell count of the grid (each 0 or >= min_cell).
    """
    columns = list(columns)
    if not 1 <= len(columns) <= 3:
        raise InputError("a table has 1 to 3 columns", field="columns")
    levels, _ = agreed_levels(agg, dataset, columns, where)
    for c in columns:
        if not levels[c]:
            raise InputError(f"no row has values in all of the columns (see {c!r})", field=c)
    totals = ask(
        agg,
        "stats.cells",
        dataset,
        where,
        {"columns": columns, "levels": [list(levels[c]) for c in columns]},
    )
    observed = totals.cells["n"]
    n = int(observed.sum())
    percent: NDArray[np.float64] | None = None
    chi2: ChiSquareTest | None = None
    if len(columns) == 1:
        percent = 100.0 * observed / n
        percent.setflags(write=False)
    else:
        res = stats.chi2_contingency(observed)
        expected = np.asarray(res.expected_freq, dtype=np.float64)
        expected.setflags(write=False)
        chi2 = ChiSquareTest(
            statistic=float(res.statistic),
            pvalue=float(res.pvalue),
            dof=int(res.dof),
            expected=expected,
            correction=int(res.dof) == 1,
        )
    return TableResult(
        dataset=dataset,
        where=where,
        columns=tuple(columns),
        levels=tuple(levels[c] for c in columns),
        observed=observed,
        n=n,
        percent=percent,
        chi2=chi2,
        n_sites=totals.n_sites,
    )
