"""Counts, descriptive statistics and group comparisons (t-test, one-way ANOVA).

Coordinator halves: each drives rounds through an :class:`Aggregator` and sees
only pooled totals. Results equal the same computation on the pooled rows
(pandas ``count``/``mean``/``var``/``std``; ``scipy.stats.ttest_ind`` and
``f_oneway``): counts exactly, floats to ~1e-12 relative.

No minimum or maximum is ever reported: each is one patient's value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from medveil.analysis._aggregator import Aggregator
from medveil.analysis._json import JsonResult
from medveil.analysis._rounds import ask, grouped_moments
from medveil.errors import InputError

__all__ = [
    "AnovaResult",
    "ColumnSummary",
    "CountResult",
    "DescribeResult",
    "TTestResult",
    "anova",
    "count",
    "describe",
    "ttest",
]


@dataclass(frozen=True)
class CountResult(JsonResult):
    """Rows of ``dataset`` (after ``where``) over all sites."""

    dataset: str
    where: str | None
    n: int
    n_sites: int


def count(agg: Aggregator, dataset: str, *, where: str | None = None) -> CountResult:
    """Total rows. One round (``stats.count``).

    Privacy cost: one count per site, released only if >= min_records (and min_cell).
    """
    totals = ask(agg, "stats.count", dataset, where, {})
    return CountResult(dataset, where, int(totals.cells["n"][0]), totals.n_sites)


@dataclass(frozen=True)
class ColumnSummary(JsonResult):
    """One column within one group. ``group`` is None without ``by``.

    ``n`` counts non-missing values, ``n_missing`` the missing ones (rows whose
    ``by`` is missing belong to no group); ``variance`` has ddof = 1 (NaN below two
    values), ``sd`` is its square root; ``mean`` is NaN without values.
    """

    column: str
    group: str | None
    n: int
    n_missing: int
    mean: float
    variance: float
    sd: float


@dataclass(frozen=True)
class DescribeResult(JsonResult):
    """Summaries per group (sorted levels of ``by``) and column, groups outermost."""

    dataset: str
    where: str | None
    columns: tuple[str, ...]
    by: str | None
    groups: tuple[str, ...]
    summaries: tuple[ColumnSummary, ...]
    n_sites: int

    def get(self, column: str, group: str | None = None) -> ColumnSummary:
        """The summary of ``column`` in ``group``; KeyError if there is none."""
        for s in self.summaries:
            if s.column == column and s.group == group:
                return s
        raise KeyError((column, group))


def describe(
    agg: Aggregator,
    dataset: str,
    columns: Sequence[str],
    *,
    by: str | None = None,
    where: str | None = None,
) -> DescribeResult:
    """n, n_missing, mean, variance (ddof = 1) and sd per column, per level of ``by``.

    Rounds: ``stats.levels`` of ``by`` (only with ``by``), ``stats.moments``,
    ``stats.centered`` (with the pooled means). Missing values are dropped per
    column; rows whose ``by`` is missing are left out (as pandas' groupby does).

    Privacy cost: per site, the group x column counts n and n_missing (each 0 or
    >= min_cell) and, pooled only, Σx and Σ(x − mean)²; the levels of ``by``.
    """
    m = grouped_moments(agg, dataset, list(columns), by=by, where=where, missing=True)
    assert m.n_missing is not None
    var = m.variance
    summaries = []
    groups: Sequence[str | None] = m.groups if by is not None else [None]
    for g, group in enumerate(groups):
        for c, column in enumerate(m.columns):
            summaries.append(
                ColumnSummary(
                    column=column,
                    group=group,
                    n=int(m.n[g, c]),
                    n_missing=int(m.n_missing[g, c]),
                    mean=float(m.mean[g, c]),
                    variance=float(var[g, c]),
                    sd=math.sqrt(var[g, c]) if not np.isnan(var[g, c]) else math.nan,
                )
            )
    return DescribeResult(
        dataset, where, m.columns, by, m.groups, tuple(summaries), m.n_sites
    )


@dataclass(frozen=True)
class TTestResult(JsonResult):
    """Two-sample t-test of ``column`` between the two levels of ``by``.

    ``groups`` are the two levels in sorted order; the statistic is for
    mean(groups[0]) − mean(groups[1]), as ``ttest_ind(a, b)`` with a the first.
    """

    dataset: str
    where: str | None
    column: str
    by: str
    groups: tuple[str, str]
    n: tuple[int, int]
    mean: tuple[float, float]
    sd: tuple[float, float]
    equal_var: bool
    statistic: float
    df: float
    pvalue: float
    n_sites: int


def ttest(
    agg: Aggregator,
    dataset: str,
    column: str,
    *,
    by: str,
    where: str | None = None,
    equal_var: bool = True,
) -> TTestResult:
    """Student's (``equal_var``) or Welch's t-test, equal to ``scipy.stats.ttest_ind``
    on the pooled groups (two-sided).

    ``by`` must have exactly two levels (InputError otherwise) and each group at
    least two values. Rounds and privacy cost: as :func:`describe` of ``column``
    by ``by``, without the missing counts.
    """
    m = grouped_moments(agg, dataset, [column], by=by, where=where)
    if len(m.groups) != 2:
        raise InputError(
            f"column {by!r} has {len(m.groups)} levels; a t-test needs exactly 2", field=by
        )
    n = m.n[:, 0]
    for g, level in enumerate(m.groups):
        if n[g] < 2:
            raise InputError(
                f"group {level!r} of {by!r} has fewer than 2 values of {column!r}", field=column
            )
    var = m.variance[:, 0]
    mean = m.mean[:, 0]
    sd = np.sqrt(var)
    res = stats.ttest_ind_from_stats(
        mean[0], sd[0], n[0], mean[1], sd[1], n[1], equal_var=equal_var
    )
    if equal_var:
        df = float(n[0] + n[1] - 2)
    else:
        a, b = var[0] / n[0], var[1] / n[1]
        df = float((a + b) ** 2 / (a * a / (n[0] - 1) + b * b / (n[1] - 1)))
    return TTestResult(
        dataset=dataset,
        where=where,
        column=column,
        by=by,
        groups=(m.groups[0], m.groups[1]),
        n=(int(n[0]), int(n[1])),
        mean=(float(mean[0]), float(mean[1])),
        sd=(float(sd[0]), float(sd[1])),
        equal_var=equal_var,
        statistic=float(res.statistic),
        df=df,
        pvalue=float(res.pvalue),
        n_sites=m.n_sites,
    )


@dataclass(frozen=True, eq=False)
class AnovaResult(JsonResult):
    """One-way ANOVA of ``column`` across the levels of ``by`` that hold values."""

    dataset: str
    where: str | None
    column: str
    by: str
    groups: tuple[str, ...]
    n: NDArray[np.int64]
    mean: NDArray[np.float64]
    ss_between: float
    ss_within: float
    df_between: int
    df_within: int
    statistic: float
    pvalue: float
    n_sites: int


def anova(
    agg: Aggregator, dataset: str, column: str, *, by: str, where: str | None = None
) -> AnovaResult:
    """One-way ANOVA F test, equal to ``scipy.stats.f_oneway`` on the pooled groups.

    Levels of ``by`` without any value of ``column`` are left out; at least two
    groups must remain and more values than groups. Rounds and privacy cost: as
    :func:`describe` of ``column`` by ``by``.
    """
    m = grouped_moments(agg, dataset, [column], by=by, where=where)
    keep = m.n[:, 0] > 0
    groups = tuple(g for g, k in zip(m.groups, keep, strict=True) if k)
    n = m.n[keep, 0]
    mean = m.mean[keep, 0]
    ss = m.ss[keep, 0]
    k, total = len(groups), int(n.sum())
    if k < 2:
        raise InputError(f"column {by!r} has fewer than 2 groups with values", field=by)
    if total <= k:
        raise InputError(f"too few values of {column!r} for {k} groups", field=column)
    grand = float((n * mean).sum() / total)
    ss_between = float((n * (mean - grand) ** 2).sum())
    ss_within = float(ss.sum())
    df_b, df_w = k - 1, total - k
    f = (ss_between / df_b) / (ss_within / df_w) if ss_within > 0 else math.inf
    p = float(stats.f.sf(f, df_b, df_w))
    n.setflags(write=False)
    mean.setflags(write=False)
    return AnovaResult(
        dataset, where, column, by, groups, n, mean, ss_between, ss_within, df_b, df_w, f, p,
        m.n_sites,
    )
