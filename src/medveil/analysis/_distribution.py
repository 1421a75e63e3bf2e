"""Histograms and quantiles of one numeric column.

Histogram: counts per bin, with numpy's edge rule (bins [e0, e1), ..., and the
last closed [e_k-1, e_k]), plus counts below the first and above the last edge.
With an integer number of bins the edges are *agreed* from a moments round:
``bins`` equal-width bins over pooled mean ± 3 sd (mean ± 0.5 if sd is 0, as
numpy does for constant data), so no edge is ever set by a patient's own value
(unlike ``numpy.histogram``'s default range, the data's min and max). Agreed
bins are open-ended by default: the first and last bins also hold the values
beyond ±3 sd, since a cell of the far tails alone would nearly always hold 1 to
4 records at some site and be refused.

Quantiles: secure bisection on counts, never on values. For each q the
coordinator finds k, the rank ``numpy.quantile(x, q, method="inverted_cdf")``
picks (the smallest k with k >= q·n, at least 1), and narrows an interval
(lo, hi] with pooled ``count(x <= lo) < k <= count(x <= hi)``, so the k-th
smallest value lies in (lo, hi]. Each round asks every site for its counts of
values <= each of up to 15 thresholds; once the target is bracketed by asked
thresholds they split the interval into 16 parts.

The first interval needs no search: Cantelli's inequality bounds the k-th
smallest of n values with mean μ and population sd σ by
μ − σ·√((n−k)/k) < x₍k₎ <= μ + σ·√((k−1)/(n−k+1)) (widened by a tiny margin for
rounding), so no threshold is ever placed in a far tail, where small per-site
counts would be refused. The first round's thresholds lie in the bulk, within
±0.35σ of the mean; later rounds step outwards towards the target (see
``_Search.next_thresholds``) until it is bracketed, then split the interval
evenly. The search stops when hi − lo <= ``resolution`` (default: sd × 1e-6)
or no float lies strictly between lo and hi (then hi is the value itself).

Privacy cost: per round, per site, the counts of values <= and > each
threshold (each 0 or >= min_cell, so a site refuses thresholds in its own
tails); the result reveals a pooled order statistic to within ``resolution``.
A refused quantile is reported unresolved with the reason; the others go on.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from medveil.analysis._aggregator import Aggregator
from medveil.analysis._json import JsonResult, json_object
from medveil.analysis._params import MAX_EDGES
from medveil.analysis._rounds import ask, complete_moments
from medveil.errors import DisclosureRefusal, InputError

__all__ = [
    "HistogramResult",
    "QuantileEstimate",
    "QuantileResult",
    "histogram",
    "quantiles",
]

logger = logging.getLogger(__name__)

SPLITS = 16  # each bisection round shrinks the interval 16-fold (15 thresholds)
MAX_ROUNDS = 100
MAX_QUANTILES = 64


@dataclass(frozen=True, eq=False)
class HistogramResult(JsonResult):
    """Counts per bin of ``edges``; ``below``/``above`` count values outside them.

    With ``open_ends`` the first and last bins hold those values instead, and
    ``below``/``above`` are None. ``agreed`` tells whether the edges came from pooled
    mean ± 3 sd (int ``bins``) rather than from the caller; ``n`` counts every
    non-missing value.
    """

    dataset: str
    where: str | None
    column: str
    edges: NDArray[np.float64]
    counts: NDArray[np.int64]
    below: int | None
    above: int | None
    n: int
    agreed: bool
    open_ends: bool
    n_sites: int


def _agreed_edges(
    agg: Aggregator, dataset: str, column: str, bins: int, where: str | None
) -> list[float]:
    m = complete_moments(agg, dataset, [column], where=where)
    if m.n < 2:
        raise InputError(f"column {column!r} has fewer than 2 values", field=column)
    mean = float(m.mean[0])
    sd = math.sqrt(float(m.covariance[0, 0]))
    half = 3.0 * sd if sd > 0 else 0.5
    return [float(e) for e in np.linspace(mean - half, mean + half, bins + 1)]


def histogram(
    agg: Aggregator,
    dataset: str,
    column: str,
    *,
    bins: Sequence[float] | int,
    where: str | None = None,
    open_ends: bool | None = None,
) -> HistogramResult:
    """Histogram of the non-missing values of ``column``.

    ``bins`` as edges: equal to ``numpy.histogram(x, bins=edges)`` on the pooled
    values, plus counts outside. ``bins`` as an int: agreed edges (module doc).
    ``open_ends`` (default: True for agreed edges, False for given ones) folds
    the values outside the edges into the first and last bins.

    Rounds: ``stats.histogram`` (1), after two ``stats.crossprod`` rounds for
    agreed edges. Privacy cost: per site every bin count and the two outside
    counts (each 0 or >= min_cell); for agreed edges, pooled mean and sd.
    """
    agreed = isinstance(bins, int) and not isinstance(bins, bool)
    if agreed:
        assert isinstance(bins, int)
        if not 1 <= bins <= 1000:
            raise InputError("between 1 and 1000 bins", field="bins")
        edges = _agreed_edges(agg, dataset, column, bins, where)
    else:
        assert not isinstance(bins, int)
        edges = [float(e) for e in bins]
    if not 2 <= len(edges) <= MAX_EDGES:
        raise InputError(f"2 to {MAX_EDGES} edges", field="bins")
    if not all(math.isfinite(e) for e in edges) or any(
        b <= a for a, b in itertools.pairwise(edges)
    ):
        raise InputError("edges must be finite and increase strictly", field="bins")
    folded = agreed if open_ends is None else bool(open_ends)
    params = {"column": column, "edges": edges, "open_ends": folded}
    totals = ask(agg, "stats.histogram", dataset, where, params)
    counts = totals.cells["bins"]
    below = int(totals.cells["below"][0])
    above = int(totals.cells["above"][0])
    n = int(counts.sum()) + below + above
    edge_array = np.array(edges, dtype=np.float64)
    edge_array.setflags(write=False)
    return HistogramResult(
        dataset=dataset,
        where=where,
        column=column,
        edges=edge_array,
        counts=counts,
        below=None if folded else below,
        above=None if folded else above,
        n=n,
        agreed=agreed,
        open_ends=folded,
        n_sites=totals.n_sites,
    )


@dataclass(frozen=True)
class QuantileEstimate(JsonResult):
    """The q-quantile (numpy's ``inverted_cdf``: the ``rank``-th smallest value) lies
    in (``lo``, ``hi``].

    ``midpoint`` is set when ``resolved``; otherwise ``reason`` says why not, and
    (lo, hi] is the last interval established (infinite if none).
    """

    q: float
    rank: int
    lo: float
    hi: float
    midpoint: float | None
    resolved: bool
    reason: str | None
    rounds: int


@dataclass(frozen=True)
class QuantileResult:
    """Quantile intervals of ``column`` over its ``n`` non-missing values."""

    dataset: str
    where: str | None
    column: str
    n: int
    resolution: float
    estimates: tuple[QuantileEstimate, ...]
    n_sites: int

    def to_dict(self) -> dict[str, Any]:
        return {
            **json_object(
                {
                    "dataset": self.dataset,
                    "where": self.where,
                    "column": self.column,
                    "n": self.n,
                    "resolution": self.resolution,
                    "n_sites": self.n_sites,
                }
            ),
            "estimates": [e.to_dict() for e in self.estimates],
        }


def _rank(n: int, q: float) -> int:
    """numpy's inverted_cdf rank: ceil(n·q) in float arithmetic, within [1, n]."""
    nq = n * q
    k = math.floor(nq) if nq == math.floor(nq) else math.floor(nq) + 1
    return min(max(k, 1), n)


@dataclass
class _Search:
    """One quantile's search: the rank-th smallest value lies in (lo, hi].

    ``points`` are the thresholds asked so far with their pooled counts of values
    <= each; ``lo``/``hi`` start at the Cantelli bounds, which are never asked.
    """

    agg: Aggregator
    dataset: str
    column: str
    where: str | None
    rank: int
    lo: float
    hi: float
    sigma: float
    points: dict[float, int] = field(default_factory=dict)
    rounds: int = 0
    fallbacks: int = 0
    boost: float = 1.0
    last_edge_count: int | None = None

    def ask(self, thresholds: Sequence[float]) -> bool:
        """Counts at the thresholds strictly inside (lo, hi); False if there is none."""
        inside = sorted({float(t) for t in thresholds if self.lo < t < self.hi})
        if not inside:
            return False
        totals = ask(
            self.agg,
            "stats.cdf",
            self.dataset,
            self.where,
            {"column": self.column, "thresholds": inside},
        )
        self.rounds += 1
        for t, le in zip(inside, totals.cells["le"], strict=True):
            self.points[t] = int(le)
            if le < self.rank:
                self.lo = max(self.lo, t)
            else:
                self.hi = min(self.hi, t)
        return True

    def even_split(self) -> list[float]:
        width = self.hi - self.lo
        return [self.lo + width * j / SPLITS for j in range(1, SPLITS)]

    @property
    def tight(self) -> bool:
        return math.nextafter(self.lo, math.inf) >= self.hi

    def next_thresholds(self) -> list[float]:
        """Where to ask next.

        Between two asked thresholds: split evenly. A site's count at a point
        between two released ones lies between its released counts, so it is
        rarely small there. Beyond every asked threshold: step outwards by half
        the distance a straight line through the two outermost counts puts the
        target at. Half steps approach a tail from the bulk and stop soon past
        the target instead of sweeping the tail, where sites hold few values and
        refuse (in simulations with three sites of 200-500 rows, half steps
        resolved more tail quantiles than 3/4 or full steps, at ~2 extra rounds).
        """
        below = sorted(t for t, c in self.points.items() if c < self.rank)
        above = sorted(t for t, c in self.points.items() if c >= self.rank)
        if below and above:
            return self.even_split()
        if above:  # the target lies below every asked threshold
            t0 = above[0]
            c0 = self.points[t0]
            nxt = next((t for t in above if self.points[t] > c0), None)
            need = c0 - self.rank + 1
            sign, bound = -1.0, self.lo
        else:  # the target lies above every asked threshold
            t0 = below[-1]
            c0 = self.points[t0]
            nxt = next((t for t in reversed(below) if self.points[t] < c0), None)
            need = self.rank - c0
            sign, bound = 1.0, self.hi
        self.boost = 2.0 * self.boost if c0 == self.last_edge_count else 1.0
        self.last_edge_count = c0
        if nxt is not None:
            slope = abs(self.points[nxt] - c0) / abs(nxt - t0)
            reach = 0.5 * self.boost * need / slope
        elif self.sigma > 0:
            reach = 0.35 * self.sigma * 2.0**self.fallbacks
            self.fallbacks += 1
        else:
            reach = abs(bound - t0)
        reach = min(reach, abs(bound - t0))
        return [t0 + sign * reach * j / (SPLITS - 1) for j in range(1, SPLITS)]


def _estimate(
    agg: Aggregator,
    dataset: str,
    column: str,
    where: str | None,
    q: float,
    n: int,
    mean: float,
    ss: float,
    resolution: float,
) -> QuantileEstimate:
    k = _rank(n, q)
    sigma = math.sqrt(ss / n)  # population sd: the Cantelli bounds use it
    margin = 1e-8 * (abs(mean) + sigma * (1.0 + math.sqrt(n))) + 1e-300
    search = _Search(
        agg,
        dataset,
        column,
        where,
        k,
        lo=mean - sigma * math.sqrt((n - k) / k) - margin,
        hi=mean + sigma * math.sqrt((k - 1) / (n - k + 1)) + margin,
        sigma=sigma,
    )
    # First round: the bulk around the mean, where every site is likely to hold
    # many values on each side of each threshold.
    thresholds = [float(t) for t in mean + sigma * np.linspace(-0.35, 0.35, SPLITS - 1)]
    try:
        while search.rounds < MAX_ROUNDS and search.hi - search.lo > resolution:
            if not (search.ask(thresholds) or search.ask(search.even_split())):
                break  # no float strictly inside (lo, hi)
            thresholds = search.next_thresholds()
    except DisclosureRefusal as exc:
        logger.info("quantile search refused after %d rounds", search.rounds)
        return QuantileEstimate(
            q, k, search.lo, search.hi, None, False, str(exc), search.rounds
        )
    if search.hi - search.lo > resolution and not search.tight:
        return QuantileEstimate(
            q, k, search.lo, search.hi, None, False, "did not converge", search.rounds
        )
    mid = search.lo + (search.hi - search.lo) / 2
    return QuantileEstimate(q, k, search.lo, search.hi, mid, True, None, search.rounds)


def quantiles(
    agg: Aggregator,
    dataset: str,
    column: str,
    qs: Sequence[float],
    *,
    where: str | None = None,
    resolution: float | None = None,
) -> QuantileResult:
    """An interval (lo, hi] holding each q-quantile (0 < q < 1) of ``column``.

    The pooled ``numpy.quantile(x, q, method="inverted_cdf")`` lies in (lo, hi],
    whose width is at most ``resolution`` (default: pooled sd × 1e-6). Missing
    values are dropped. Rounds: two ``stats.crossprod`` (n, mean, sd), then per
    q about ⌈log16(sd / resolution)⌉ + 1 ``stats.cdf`` rounds. Privacy cost: see
    the module doc; q = 0 and 1 (the minimum and maximum) are refused outright.
    """
    qs = [float(q) for q in qs]
    if not 1 <= len(qs) <= MAX_QUANTILES:
        raise InputError(f"1 to {MAX_QUANTILES} quantiles", field="qs")
    for q in qs:
        if not 0.0 < q < 1.0:
            raise InputError(
                "each q must lie strictly between 0 and 1 (the minimum and maximum "
                "are single patients' values)",
                field="qs",
            )
    if resolution is not None and not (resolution >= 0 and math.isfinite(resolution)):
        raise InputError("the resolution must be finite and >= 0", field="resolution")
    m = complete_moments(agg, dataset, [column], where=where)
    n = m.n
    if n == 0:
        none = tuple(
            QuantileEstimate(q, 0, -math.inf, math.inf, None, False, "no values", 0) for q in qs
        )
        return QuantileResult(dataset, where, column, 0, math.nan, none, m.n_sites)
    mean = float(m.mean[0])
    ss = max(float(m.cp[0, 0]), 0.0)
    sd = math.sqrt(ss / (n - 1)) if n >= 2 else 0.0
    res = resolution if resolution is not None else sd * 1e-6
    estimates = tuple(
        _estimate(agg, dataset, column, where, q, n, mean, ss, res) for q in qs
    )
    return QuantileResult(dataset, where, column, n, res, estimates, m.n_sites)
