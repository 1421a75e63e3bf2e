"""Reading one site's columns the same way at every site.

Two views of a column are used by the statistics:

* numbers: ``float64`` with NaN for missing. Booleans and (nullable) integers
  count as numbers; text, categories and dates do not. Infinite values are
  refused: secure aggregation encodes finite fixed-point numbers only.
* labels: category labels as strings, with a missing mask. Every site must turn
  the same value into the same label whatever its dtype (a column of integer
  codes becomes float at a site that has a missing value), so integral numbers
  are written without a decimal point (``2`` and ``2.0`` are both ``"2"``),
  other floats with ``repr``, booleans as ``"True"``/``"False"``.

Errors name the column, never a value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from medveil.errors import InputError

__all__ = ["is_numeric", "label_codes", "labels", "numbers", "require_columns"]


def require_columns(df: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise :class:`InputError` (field = the column) for the first unknown column."""
    for name in columns:
        if name not in df.columns:
            raise InputError(f"unknown column {name!r}", field=name)


def is_numeric(series: pd.Series) -> bool:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return True
    return bool(
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
        and not isinstance(dtype, pd.CategoricalDtype)
    )


def numbers(df: pd.DataFrame, column: str) -> NDArray[np.float64]:
    """The column as float64, NaN where missing; InputError unless numeric and finite."""
    require_columns(df, [column])
    series = df[column]
    if not is_numeric(series):
        raise InputError(f"column {column!r} is not numeric", field=column)
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(values).any():
        raise InputError(f"column {column!r} holds infinite values", field=column)
    return values


def _label(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "True" if value else "False"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        f = float(value)
        return str(int(f)) if f.is_integer() else repr(f)
    return str(value)


def _factorize(df: pd.DataFrame, column: str) -> tuple[NDArray[np.intp], list[str]]:
    require_columns(df, [column])
    series = df[column]
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        raise InputError(f"column {column!r} holds dates, not categories", field=column)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.intp), [_label(u) for u in uniques]


def labels(df: pd.DataFrame, column: str) -> tuple[NDArray[np.object_], NDArray[np.bool_]]:
    """The column's category labels (str; "" where missing) and its missing mask."""
    codes, uniques = _factorize(df, column)
    names = np.array([*uniques, ""], dtype=object)
    return names[codes], codes < 0


def label_codes(
    df: pd.DataFrame, column: str, levels: Sequence[str]
) -> NDArray[np.int64]:
    """Index of each row's label in ``levels`` (-1 where missing).

    A label outside the agreed ``levels`` means the levels round was skipped or the
    data changed between rounds: refused, since counting it nowhere would make
    the pooled result wrong without anyone noticing.
    """
    codes, uniques = _factorize(df, column)
    index = {level: i for i, level in enumerate(levels)}
    table = np.array([*(index.get(u, -2) for u in uniques), -1], dtype=np.int64)
    out = table[codes]
    if (out == -2).any():
        raise InputError(
            f"column {column!r} holds a level outside the agreed levels", field=column
        )
    return out
