"""Disclosure control: the thresholds every released count must meet at a site.

A node applies :func:`check_release` to each contribution before it leaves the
site (before secure-aggregation masking), and the coordinator applies
:func:`check_sites` before it asks anyone: a pooled total over fewer than
``min_sites`` sites would come close to one site's own numbers.

Refusal messages name the rule, the cell key and its index. They never hold a
patient value, and they do not hold the refused count either: the message may
travel back to the coordinator, and telling it "3 records" would release the
very number the rule withholds. They say "1 to 4 records" instead, which the
refusal itself already reveals.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from medveil.errors import DisclosureRefusal, InputError

__all__ = ["DisclosureThresholds", "check_release", "check_sites"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DisclosureThresholds:
    """The minimum sizes a site releases.

    ``min_cell``: every released count is 0 or at least this many records.
    ``min_records``: a request must cover at least this many of the site's records
    (after its row filter); 0 is refused too, since a site that contributes
    nothing would leave the pooled total to fewer sites than ``min_sites``.
    ``min_sites``: a pooled result mixes at least this many sites (>= 2, or the
    "pool" would be one site's own contribution).
    ``max_param_ratio``: a model may have at most this many parameters per record the
    site contributes (DataSHIELD's ``nfilter.glm``, 0.33): a model nearly as large
    as the data nearly reproduces the data.
    ``min_time_grid``: the finest time grid (in the time column's units) a survival
    analysis may put event counts on.
    """

    min_cell: int = 5
    min_records: int = 10
    min_sites: int = 3
    max_param_ratio: float = 0.33
    min_time_grid: float = 1.0

    def __post_init__(self) -> None:
        for name, lowest in (("min_cell", 1), ("min_records", 1), ("min_sites", 2)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputError("must be an integer", field=name)
            if value < lowest:
                raise InputError(f"must be >= {lowest}", field=name)
        for name in ("max_param_ratio", "min_time_grid"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError("must be a number", field=name)
        if not 0.0 < self.max_param_ratio <= 1.0:
            raise InputError("must be in (0, 1]", field="max_param_ratio")
        if not 0.0 <= self.min_time_grid < float("inf"):
            raise InputError("must be >= 0", field="min_time_grid")


def check_release(
    cells: Mapping[str, NDArray[np.int64]],
    n_records: int,
    t: DisclosureThresholds,
    *,
    n_parameters: int = 0,
    time_grid: float | None = None,
) -> None:
    """Refuse a site's release unless it meets ``t``.

    ``cells`` are the counts the site is about to release (each array element is one
    count), ``n_records`` the number of the site's rows the request covered, and
    ``n_parameters`` the number of model parameters the release serves to estimate
    (0 for a descriptive statistic), and ``time_grid`` the width of the time grid
    survival counts are put on (None when there is none).
    Raises :class:`~medveil.errors.DisclosureRefusal` naming the rule and the first
    offending cell (keys in sorted order, indices row-major). Returns nothing:
    a release that passes needs no answer.
    """
    if n_records < t.min_records:
        raise DisclosureRefusal(
            f"query covers fewer than {t.min_records} records (min_records)"
        )
    if n_parameters > t.max_param_ratio * n_records:
        raise DisclosureRefusal(
            f"the model's {n_parameters} parameters exceed {t.max_param_ratio:g} x the records "
            "this site contributes (max_param_ratio): simplify the model"
        )
    if time_grid is not None and not time_grid >= t.min_time_grid:
        raise DisclosureRefusal(
            f"a time grid of width {time_grid:g} is finer than this site allows "
            f"({t.min_time_grid:g}, min_time_grid)"
        )
    for key in sorted(cells):
        arr = np.asarray(cells[key])
        if arr.dtype.kind not in "iu":
            raise ValueError(f"cell {key!r} is not an integer array")
        if arr.size and int(arr.min()) < 0:
            raise ValueError(f"cell {key!r} holds a negative count")
        small = (arr > 0) & (arr < t.min_cell)
        n_small = int(np.count_nonzero(small))
        if n_small:
            first = tuple(int(i) for i in np.argwhere(small)[0])
            where = f"[{', '.join(str(i) for i in first)}]" if first else ""
            more = f" ({n_small} such cells)" if n_small > 1 else ""
            logger.info("refused a release: %d small cells under key %r", n_small, key)
            raise DisclosureRefusal(
                f"cell {key!r}{where} holds 1 to {t.min_cell - 1} records{more}: "
                f"every released count must be 0 or >= {t.min_cell} (min_cell)"
            )


def check_sites(n_sites: int, t: DisclosureThresholds) -> None:
    """Refuse a pooled computation over fewer than ``t.min_sites`` sites."""
    if n_sites < t.min_sites:
        raise DisclosureRefusal(
            f"the study has {n_sites} sites, fewer than {t.min_sites} (min_sites)"
        )
