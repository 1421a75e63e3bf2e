"""Classify every column of a table: from a DataFrame, or a CSV / Parquet file via DuckDB."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from medveil.classify._column import classify_column
from medveil.classify._load import load_rules
from medveil.classify._read import read_sample
from medveil.classify._result import TableClass
from medveil.classify._rules import Rules
from medveil.errors import InputError

log = logging.getLogger(__name__)

# classify_frame samples larger frames down to this many rows (value checks are per value).
MAX_FRAME_ROWS = 20_000
_SEED = 42
_NULLS = frozenset({"", "nan", "nat", "none", "null", "na", "n/a", "<na>"})


def _as_text(column: pd.Series) -> pd.Series:
    """Non-empty values as stripped strings; integral floats print without ``.0``."""
    s = column.dropna()
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        midnight = bool((s.dt.normalize() == s).all()) if len(s) else True
        s = s.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S")
    elif pd.api.types.is_bool_dtype(s.dtype):
        s = s.astype(str)
    elif pd.api.types.is_float_dtype(s.dtype):
        arr = s.to_numpy(dtype=np.float64)
        if len(arr) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)) \
                and np.all(np.abs(arr) < 2**53):
            s = pd.Series(arr.astype(np.int64), index=s.index)
    text = s.astype(str).str.strip()
    return text[~text.str.casefold().isin(_NULLS)].astype(str)


def classify_frame(
    df: pd.DataFrame,
    *,
    source: str = "",
    rules: Rules | None = None,
    detector: Any | None = None,
    rows_total: int | None = None,
) -> TableClass:
    """Classify each column of ``df`` (rows already sampled, or sampled here to
    :data:`MAX_FRAME_ROWS`): identifier type and confidence, quasi-identifier, GB/T 39725
    category and grade, with the rules that decided.

    ``rules`` defaults to the shipped rules (:func:`load_rules`); ``detector`` is the free-
    text recognizer (anything with ``detect(text) -> list[Finding]``; default
    :class:`medveil.detect.Detector`, built only if a column is free text). ``rows_total``
    is the size of the table the frame was sampled from, when known. Nothing of the values
    is kept in the result, only counts.
    """
    rules = rules if rules is not None else load_rules()
    if len(df) > MAX_FRAME_ROWS:
        df = df.sample(n=MAX_FRAME_ROWS, random_state=np.random.default_rng(_SEED))
    built: list[Any] = [] if detector is None else [detector]

    def get_detector() -> Any:
        if not built:
            from medveil.detect import Detector

            built.append(Detector())
        return built[0]

    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        raise InputError("column names are not unique", path=source or None)
    columns = tuple(
        classify_column(name, _as_text(df.iloc[:, i]), rules, get_detector)
        for i, name in enumerate(names)
    )
    grade = max((c.grade for c in columns), default=1)
    log.info("classified %d columns of %d sampled rows: table grade %d", len(columns),
             len(df), grade)
    return TableClass(source=source, rows_total=rows_total, rows_sampled=len(df),
                      columns=columns, grade=grade)


def classify_table_file(
    path: Path,
    *,
    rules: Rules | None = None,
    sample_rows: int = 5000,
    encoding: str | None = None,
) -> TableClass:
    """Classify a CSV or Parquet file from a uniform sample of ``sample_rows`` rows.

    The file is streamed by DuckDB in bounded memory; ``rows_total`` is exact. A CSV's
    ``encoding`` is detected when ``None`` (UTF-8, else GB18030/GBK; UTF-16 by its BOM).
    Raises :class:`~medveil.errors.InputError` naming the file (and line, when known) for
    input that cannot be read; messages never contain values from the file.
    """
    path = Path(path)
    df, total = read_sample(path, sample_rows=sample_rows, encoding=encoding)
    return classify_frame(df, source=path.name, rules=rules, rows_total=total)


