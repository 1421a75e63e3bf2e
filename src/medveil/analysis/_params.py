"""The parameters of each node op, validated where they cross a trust boundary.

A node receives params as JSON from the coordinator; each op validates them
with its model (strict types, no unknown fields, finite numbers) before it
reads a row. Params are plain JSON (lists, strings, numbers, null): no NaN, so
"no value" is ``null``. Floats must travel as shortest round-trip decimals
(Python's ``json`` does this), so the pooled means a node receives are the
coordinator's own bits.

Sizes are bounded so a request cannot make a node build a huge table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from medveil.errors import InputError

__all__ = [
    "CdfParams",
    "CellsParams",
    "CenteredParams",
    "CountParams",
    "CrossprodParams",
    "HistogramParams",
    "LevelsParams",
    "MomentsParams",
    "validate_params",
]

MAX_COLUMNS = 64
MAX_LEVELS = 1000
MAX_TABLE_CELLS = 100_000
MAX_THRESHOLDS = 64
MAX_EDGES = 1001

Name = str  # a column name; existence is checked against the site's data
Columns = list[Name]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _unique(values: list[str], what: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"{what} repeat a name")


class CountParams(_Params):
    """``stats.count``: no parameters."""


class LevelsParams(_Params):
    """``stats.levels``: the labels of ``columns`` among rows complete in all of them."""

    columns: Columns = Field(min_length=1, max_length=8)

    @model_validator(mode="after")
    def _check(self) -> LevelsParams:
        _unique(self.columns, "columns")
        return self


class _GroupedParams(_Params):
    """Columns, optionally per group: ``by`` over its agreed ``levels``."""

    columns: Columns = Field(min_length=1, max_length=MAX_COLUMNS)
    by: Name | None = None
    levels: list[str] | None = Field(default=None, max_length=MAX_LEVELS)

    @model_validator(mode="after")
    def _check(self) -> _GroupedParams:
        _unique(self.columns, "columns")
        if (self.by is None) != (self.levels is None):
            raise ValueError("'by' and 'levels' come together")
        if self.levels is not None:
            _unique(self.levels, "levels")
        if self.by is not None and self.by in self.columns:
            raise ValueError("'by' is also one of 'columns'")
        return self

    @property
    def n_groups(self) -> int:
        return 1 if self.levels is None else len(self.levels)


class MomentsParams(_GroupedParams):
    """``stats.moments``: per group and column, the count n and Σx of the values;
    with ``missing``, also the count of missing values (a cell like any other)."""

    missing: bool = False


class CenteredParams(_GroupedParams):
    """``stats.centered``: Σ(x − mean)² per group and column, about the POOLED ``means``.

    ``means[g][c]`` is the pooled mean of column c in group g from the moments
    round, or null where that group has no value.
    """

    means: list[list[float | None]]

    @model_validator(mode="after")
    def _check_means(self) -> CenteredParams:
        if len(self.means) != self.n_groups or any(
            len(row) != len(self.columns) for row in self.means
        ):
            raise ValueError("'means' must be groups x columns")
        return self


class CellsParams(_Params):
    """``stats.cells``: counts of complete rows on the grid of agreed ``levels``."""

    columns: Columns = Field(min_length=1, max_length=3)
    levels: list[list[str]]

    @model_validator(mode="after")
    def _check(self) -> CellsParams:
        _unique(self.columns, "columns")
        if len(self.levels) != len(self.columns):
            raise ValueError("one list of levels per column")
        for lv in self.levels:
            if not 1 <= len(lv) <= MAX_LEVELS:
                raise ValueError(f"each column has 1 to {MAX_LEVELS} levels")
            _unique(lv, "levels")
        if math.prod(len(lv) for lv in self.levels) > MAX_TABLE_CELLS:
            raise ValueError(f"the table would exceed {MAX_TABLE_CELLS} cells")
        return self


class CdfParams(_Params):
    """``stats.cdf``: counts of values <= and > each threshold."""

    column: Name
    thresholds: list[float] = Field(min_length=1, max_length=MAX_THRESHOLDS)


class HistogramParams(_Params):
    """``stats.histogram``: counts per bin of ``edges`` (numpy's rule), below and above.

    With ``open_ends`` the first and last bins also count the values below and
    above the edges (and ``below``/``above`` are 0), so no cell holds only a tail.
    """

    column: Name
    edges: list[float] = Field(min_length=2, max_length=MAX_EDGES)
    open_ends: bool = False

    @model_validator(mode="after")
    def _check(self) -> HistogramParams:
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise ValueError("edges must increase strictly")
        return self


class CrossprodParams(_Params):
    """``stats.crossprod``: complete-case n and Σx; with pooled ``means``, Σ(x−m)(x−m)ᵀ."""

    columns: Columns = Field(min_length=1, max_length=MAX_COLUMNS)
    means: list[float] | None = None

    @model_validator(mode="after")
    def _check(self) -> CrossprodParams:
        _unique(self.columns, "columns")
        if self.means is not None and len(self.means) != len(self.columns):
            raise ValueError("one mean per column")
        return self


P = TypeVar("P", bound=_Params)


def validate_params(model: type[P], params: Mapping[str, Any]) -> P:
    """``params`` as ``model``, or :class:`InputError` naming the field at fault.

    The message is pydantic's description of the problem, without the value.
    """
    if isinstance(params, model):
        return params
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        loc = ".".join(str(p) for p in err["loc"]) or "params"
        raise InputError(f"{err['msg']}", field=loc) from None
    except TypeError:
        raise InputError("params must be a JSON object", field="params") from None
