"""Aggregators: how the coordinator gets pooled totals for one round.

A statistic's coordinator half only talks to an :class:`Aggregator`. Over the
network, the federation layer implements it with secure aggregation: each node
runs the op, applies disclosure control, masks its arrays, and the coordinator
learns only the sums. :class:`InProcessAggregator` does the same with data
frames in memory and plain sums: it is the pooled reference used in tests and
by anything that runs all "sites" in one trusted process.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from medveil.analysis._contribution import Contribution, Totals
from medveil.analysis._stats_node import run_node_op
from medveil.errors import DisclosureRefusal, InputError, IntegrityError
from medveil.policy import DisclosureThresholds, check_release, check_sites

__all__ = ["Aggregator", "InProcessAggregator", "combine"]

logger = logging.getLogger(__name__)


class Aggregator(Protocol):
    """Runs one node op at every site and returns the pooled totals.

    ``where`` is the row filter text (parsed by each node against its own data);
    ``params`` are JSON-able and identical for every site. ``frac_bits`` chooses the wire
    encoding of the sums: None, exact two-limb fixed point; an integer, one limb at scale
    2^-frac_bits (0 for integer counts: exact and half the bytes).
    """

    def aggregate(
        self, op: str, dataset: str, where: str | None, params: Mapping[str, Any], *,
        frac_bits: int | None = None,
    ) -> Totals: ...


def _add(
    acc: dict[str, NDArray[Any]], part: Mapping[str, NDArray[Any]], what: str, site: str
) -> None:
    if acc and set(acc) != set(part):
        raise IntegrityError(f"site {site!r} sent different {what} keys")
    for key, arr in part.items():
        if key in acc:
            if acc[key].shape != arr.shape:
                raise IntegrityError(f"site {site!r} sent {what} {key!r} of another shape")
            acc[key] = acc[key] + arr
        else:
            acc[key] = arr.copy()


def combine(contributions: Mapping[str, Contribution]) -> Totals:
    """Pool contributions by site name: sum cells and sums, unite and sort levels.

    Mismatched keys or shapes mean the sites did not compute the same thing;
    that is refused, never patched up.
    """
    cells: dict[str, NDArray[np.int64]] = {}
    sums: dict[str, NDArray[np.float64]] = {}
    levels: dict[str, set[str]] = {}
    for site, c in contributions.items():
        _add(cells, c.cells, "cell", site)
        _add(sums, c.sums, "sum", site)
        for key, values in c.levels.items():
            levels.setdefault(key, set()).update(values)
    return Totals(
        cells=cells,
        sums=sums,
        levels={k: tuple(sorted(v)) for k, v in levels.items()},
        n_sites=len(contributions),
    )


class InProcessAggregator:
    """All sites in one process: the pooled reference for the network aggregator.

    ``sites`` maps site name to that site's datasets (name to data frame, or to a
    :class:`medveil.gwas.PlinkSet` for the ``gwas.*`` ops). Each
    round runs exactly what a node runs (the row filter, the vetted op, the site's
    disclosure check with ``thresholds``) and then sums in plain float64, which is
    what secure aggregation yields after its exact fixed-point decoding.
    """

    def __init__(
        self,
        sites: Mapping[str, Mapping[str, pd.DataFrame]],
        *,
        thresholds: DisclosureThresholds = DisclosureThresholds(),
    ) -> None:
        self.sites = dict(sorted(sites.items()))
        self.thresholds = thresholds
        self.rounds = 0

    def aggregate(
        self, op: str, dataset: str, where: str | None, params: Mapping[str, Any], *,
        frac_bits: int | None = None,
    ) -> Totals:
        """One round of ``op`` over every site; see :class:`Aggregator`. ``frac_bits`` (the
        federation's wire encoding) is accepted and ignored: sums here are plain float64."""
        check_sites(len(self.sites), self.thresholds)
        self.rounds += 1
        parts: dict[str, Contribution] = {}
        if op.startswith("gwas."):  # what a node would parse from the wire: plain JSON
            params = json.loads(json.dumps(dict(params)))
        for name, datasets in self.sites.items():
            if dataset not in datasets:
                raise InputError(
                    f"unknown dataset {dataset!r} at site {name!r}", field="dataset"
                )
            if op.startswith("gwas."):  # a genotype fileset (medveil.gwas.PlinkSet)
                from medveil.gwas._node import run_gwas_op

                contribution = run_gwas_op(op, datasets[dataset], params,  # type: ignore[arg-type]
                                           thresholds=self.thresholds)
            else:
                contribution = run_node_op(op, datasets[dataset], params, where=where,
                                           thresholds=self.thresholds)
            try:
                check_release(contribution.cells, contribution.n_records, self.thresholds,
                              n_parameters=contribution.n_parameters,
                              time_grid=contribution.time_grid)
            except DisclosureRefusal as exc:
                raise DisclosureRefusal(f"site {name!r}: {exc}") from None
            parts[name] = contribution
        logger.debug("round %d: %s on %r over %d sites", self.rounds, op, dataset, len(parts))
        return combine(parts)
