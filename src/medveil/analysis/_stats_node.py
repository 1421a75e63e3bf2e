"""Node halves of the federated statistics: one site's rows to a Contribution.

Each op is a pure function of the site's (already row-filtered) table and the
request's params. Arrays are laid out by the params alone (column order, the
agreed level order), never by anything site-local, so they line up for secure
aggregation at every site.

Privacy cost, per op (everything in ``cells`` is checked by disclosure control
at the site before release; ``sums`` and ``cells`` are only seen pooled):

* ``stats.count``: cells n (rows).
* ``stats.levels``: no cells; the labels of rows complete in the columns, sent
  in the clear (a rare label says that such a patient exists somewhere).
* ``stats.moments``: cells n (and n_missing if asked) per group x column;
  sums Σx.
* ``stats.centered``: sums Σ(x − pooled mean)² per group x column.
* ``stats.cells``: cells n, complete rows per cell of the grid of agreed levels.
* ``stats.cdf``: cells le and gt, the values <= and > each threshold.
* ``stats.histogram``: cells bins, below, above.
* ``stats.crossprod``: cells n (complete cases); sums Σx, and with pooled
  means Σ(x − mean)(x − mean)ᵀ.

Missing values: a row whose group (``by``) is missing is left out of every
group; numeric statistics use each column's non-missing values (``moments``,
``centered``, ``cdf``, ``histogram``) or the rows complete in all columns
(``crossprod``, ``cells``, ``levels``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import BaseModel

from medveil.analysis._contribution import Contribution, NodeOp
from medveil.analysis._frame import label_codes, labels, numbers
from medveil.analysis._glm_node import (
    GlmIrlsParams,
    GlmLevelsParams,
    GlmSummaryParams,
    glm_columns,
    glm_irls,
    glm_levels,
    glm_summary,
    surv_summary,
)
from medveil.analysis._params import (
    CdfParams,
    CellsParams,
    CenteredParams,
    CountParams,
    CrossprodParams,
    HistogramParams,
    LevelsParams,
    MomentsParams,
    _Params,
    validate_params,
)
from medveil.analysis._survival_node import (
    CoxParams,
    KmParams,
    PlanParams,
    surv_cox,
    surv_km,
    surv_plan,
)
from medveil.analysis._where import apply_where
from medveil.errors import InputError
from medveil.policy import DisclosureThresholds

DEFAULT_THRESHOLDS = DisclosureThresholds()

__all__ = ["NODE_OPS", "PARAMS_MODELS", "columns_read", "op_params_model", "run_node_op"]

logger = logging.getLogger(__name__)


def _count(df: pd.DataFrame, p: CountParams) -> Contribution:
    n = len(df)
    return Contribution(cells={"n": np.array([n])}, sums={}, n_records=n)


def _levels(df: pd.DataFrame, p: LevelsParams) -> Contribution:
    values = [labels(df, c) for c in p.columns]
    complete = np.ones(len(df), dtype=bool)
    for _, missing in values:
        complete &= ~missing
    found = {
        c: tuple(sorted({str(v) for v in vals[complete]}))
        for c, (vals, _) in zip(p.columns, values, strict=True)
    }
    return Contribution(cells={}, sums={}, n_records=len(df), levels=found)


def _group_codes(df: pd.DataFrame, p: MomentsParams | CenteredParams) -> NDArray[np.int64]:
    if p.by is None or p.levels is None:
        return np.zeros(len(df), dtype=np.int64)
    return label_codes(df, p.by, p.levels)


def _moments(df: pd.DataFrame, p: MomentsParams) -> Contribution:
    g_count = p.n_groups
    codes = _group_codes(df, p)
    in_group = codes >= 0
    n = np.zeros((g_count, len(p.columns)), dtype=np.int64)
    n_missing = np.zeros_like(n)
    sums = np.zeros((g_count, len(p.columns)), dtype=np.float64)
    for j, column in enumerate(p.columns):
        x = numbers(df, column)
        present = ~np.isnan(x)
        ok = present & in_group
        n[:, j] = np.bincount(codes[ok], minlength=g_count)
        n_missing[:, j] = np.bincount(codes[~present & in_group], minlength=g_count)
        sums[:, j] = np.bincount(codes[ok], weights=x[ok], minlength=g_count)
    cells = {"n": n, "n_missing": n_missing} if p.missing else {"n": n}
    return Contribution(cells=cells, sums={"sum": sums}, n_records=len(df))


def _centered(df: pd.DataFrame, p: CenteredParams) -> Contribution:
    g_count = p.n_groups
    codes = _group_codes(df, p)
    in_group = codes >= 0
    ss = np.zeros((g_count, len(p.columns)), dtype=np.float64)
    for j, column in enumerate(p.columns):
        x = numbers(df, column)
        ok = ~np.isnan(x) & in_group
        means = np.array(
            [np.nan if row[j] is None else row[j] for row in p.means], dtype=np.float64
        )
        if np.isnan(means[codes[ok]]).any():
            raise InputError(
                f"no pooled mean for a group holding values of {column!r}", field="means"
            )
        dev = x[ok] - means[codes[ok]]
        ss[:, j] = np.bincount(codes[ok], weights=dev * dev, minlength=g_count)
    return Contribution(cells={}, sums={"ss": ss}, n_records=len(df))


def _cells(df: pd.DataFrame, p: CellsParams) -> Contribution:
    shape = tuple(len(lv) for lv in p.levels)
    codes = [label_codes(df, c, lv) for c, lv in zip(p.columns, p.levels, strict=True)]
    complete = np.logical_and.reduce([c >= 0 for c in codes])
    flat = np.ravel_multi_index(tuple(c[complete] for c in codes), shape)
    counts = np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape)
    return Contribution(cells={"n": counts}, sums={}, n_records=len(df))


def _sorted_values(df: pd.DataFrame, column: str) -> NDArray[np.float64]:
    x = numbers(df, column)
    return np.sort(x[~np.isnan(x)])


def _cdf(df: pd.DataFrame, p: CdfParams) -> Contribution:
    v = _sorted_values(df, p.column)
    le = np.searchsorted(v, np.array(p.thresholds, dtype=np.float64), side="right")
    return Contribution(
        cells={"le": le.astype(np.int64), "gt": (len(v) - le).astype(np.int64)},
        sums={},
        n_records=len(df),
    )


def _histogram(df: pd.DataFrame, p: HistogramParams) -> Contribution:
    # numpy.histogram's rule: bins [e0, e1), [e1, e2), ..., [e_k-1, e_k] (last closed).
    v = _sorted_values(df, p.column)
    edges = np.array(p.edges, dtype=np.float64)
    lt = np.searchsorted(v, edges, side="left").astype(np.int64)
    le_last = int(np.searchsorted(v, edges[-1], side="right"))
    bins = np.diff(lt)
    bins[-1] += le_last - lt[-1]
    below, above = int(lt[0]), len(v) - le_last
    if p.open_ends:
        bins[0] += below
        bins[-1] += above
        below = above = 0
    return Contribution(
        cells={"bins": bins, "below": np.array([below]), "above": np.array([above])},
        sums={},
        n_records=len(df),
    )


def _crossprod(df: pd.DataFrame, p: CrossprodParams) -> Contribution:
    x = np.column_stack([numbers(df, c) for c in p.columns])
    complete = x[~np.isnan(x).any(axis=1)]
    sums: dict[str, NDArray[np.float64]] = {"sum": complete.sum(axis=0)}
    if p.means is not None:
        dev = complete - np.array(p.means, dtype=np.float64)
        sums["cp"] = dev.T @ dev
    return Contribution(
        cells={"n": np.array([len(complete)])}, sums=sums, n_records=len(df)
    )


P = TypeVar("P", bound=_Params)


def _vetted(model: type[P], fn: Callable[[pd.DataFrame, P], Contribution]) -> NodeOp:
    def op(df: pd.DataFrame, params: Mapping[str, Any], *,
           thresholds: DisclosureThresholds = DEFAULT_THRESHOLDS) -> Contribution:
        return fn(df, validate_params(model, params))

    op.__name__ = fn.__name__.lstrip("_")
    op.__doc__ = model.__doc__
    return op


def _vetted_policy(
    model: type[P], fn: Callable[[pd.DataFrame, P, DisclosureThresholds], Contribution]
) -> NodeOp:
    """An op that also reads the site's disclosure thresholds (to plan a safe grid)."""
    def op(df: pd.DataFrame, params: Mapping[str, Any], *,
           thresholds: DisclosureThresholds = DEFAULT_THRESHOLDS) -> Contribution:
        return fn(df, validate_params(model, params), thresholds)

    op.__name__ = fn.__name__.lstrip("_")
    op.__doc__ = model.__doc__
    return op


PARAMS_MODELS: Mapping[str, type[_Params]] = MappingProxyType(
    {
        "glm.irls": GlmIrlsParams,
        "glm.levels": GlmLevelsParams,
        "glm.summary": GlmSummaryParams,
        "stats.cdf": CdfParams,
        "stats.cells": CellsParams,
        "surv.cox": CoxParams,
        "surv.km": KmParams,
        "surv.levels": GlmLevelsParams,
        "surv.plan": PlanParams,
        "surv.summary": GlmSummaryParams,
        "stats.centered": CenteredParams,
        "stats.count": CountParams,
        "stats.crossprod": CrossprodParams,
        "stats.histogram": HistogramParams,
        "stats.levels": LevelsParams,
        "stats.moments": MomentsParams,
    }
)

NODE_OPS: Mapping[str, NodeOp] = MappingProxyType(
    {
        "glm.irls": _vetted(GlmIrlsParams, glm_irls),
        "glm.levels": _vetted(GlmLevelsParams, glm_levels),
        "glm.summary": _vetted(GlmSummaryParams, glm_summary),
        "stats.cdf": _vetted(CdfParams, _cdf),
        "stats.cells": _vetted(CellsParams, _cells),
        "stats.centered": _vetted(CenteredParams, _centered),
        "stats.count": _vetted(CountParams, _count),
        "stats.crossprod": _vetted(CrossprodParams, _crossprod),
        "stats.histogram": _vetted(HistogramParams, _histogram),
        "stats.levels": _vetted(LevelsParams, _levels),
        "stats.moments": _vetted(MomentsParams, _moments),
        "surv.cox": _vetted(CoxParams, surv_cox),
        "surv.km": _vetted(KmParams, surv_km),
        "surv.levels": _vetted(GlmLevelsParams, glm_levels),
        "surv.plan": _vetted_policy(PlanParams, surv_plan),
        "surv.summary": _vetted(GlmSummaryParams, surv_summary),
    }
)
"""The vetted node ops by name; each validates its own params (see ``op_params_model``)."""


def _all_strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, Mapping):
        return set().union(*(_all_strings(v) for v in value.values()))
    if isinstance(value, list | tuple):
        return set().union(*(_all_strings(v) for v in value))
    return set()


def columns_read(op: str, params: Mapping[str, Any]) -> set[str]:
    """Every column name a request of ``op`` may read: each string in its params, and
    for model ops the columns of the formula (checked by the node against the columns
    it never lets anyone query)."""
    names = _all_strings(params)
    if op.startswith(("glm.", "surv.")):
        names |= glm_columns(params)
        covariates = params.get("covariates")
        if isinstance(covariates, str):
            names |= glm_columns({"formula": f"{params.get('time', 't')} {covariates}"})
    return names


def op_params_model(op: str) -> type[BaseModel]:
    """The pydantic model of ``op``'s params (strict, no extra fields, finite floats)."""
    try:
        return PARAMS_MODELS[op]
    except KeyError:
        raise InputError(f"unknown op {op!r}", field="op") from None


def run_node_op(
    op: str, df: pd.DataFrame, params: Mapping[str, Any], *, where: str | None = None,
    thresholds: DisclosureThresholds = DEFAULT_THRESHOLDS,
) -> Contribution:
    """Run a vetted op on one site's table: validate params, filter rows, compute.

    This is all a node does with its rows for a request; the caller then applies
    :func:`medveil.policy.check_release` to the result before anything leaves.
    ``n_records`` of the result counts the rows left by ``where``; ``thresholds``
    are the site's own (ops that plan a release read them).
    """
    op_params_model(op)
    validated = validate_params(PARAMS_MODELS[op], params)
    rows = apply_where(df, where)
    logger.debug("op %s over %d rows", op, len(rows))
    return NODE_OPS[op](rows, validated.model_dump(), thresholds=thresholds)
