"""Data classification and grading of tables (GB/T 39725-2020; HIPAA identifiers).

For each column of a CSV / Parquet table or DataFrame, :func:`classify_frame` and
:func:`classify_table_file` decide from its header and a sample of its values the
identifier type it holds (with a confidence), whether it is a quasi-identifier, its
GB/T 39725-2020 category (个人属性 / 健康状况 / 医疗应用 / 医疗支付 / 卫生资源 / 公共卫生)
and grade 1–5, and which rules decided. Free-text columns are scanned with the
:mod:`medveil.detect` recognizers. The rules are data (``rules.toml`` in this package,
documented there); :func:`load_rules` reads them and a site's own extension file.
"""

from __future__ import annotations

from medveil.classify._load import load_rules
from medveil.classify._result import CATEGORIES, ColumnClass, TableClass
from medveil.classify._rules import Rules
from medveil.classify._table import classify_frame, classify_table_file

__all__ = [
    "CATEGORIES",
    "ColumnClass",
    "Rules",
    "TableClass",
    "classify_frame",
    "classify_table_file",
    "load_rules",
]
