"""`medveil scan`: find and grade sensitive data in tables and clinical notes.

Tables (CSV, TSV, Parquet) get a per-column classification and GB/T 39725 grade
(``medveil.classify``); free-text columns, plain-text notes and JSONL notes are
run through the recognizers (``medveil.detect``). Findings carry offsets, type
and rule, never the matched text unless asked for.
"""

from __future__ import annotations

from medveil.scan._files import ScanTarget, detect_encoding, discover
from medveil.scan._scan import FileFinding, FileReport, Scanner

__all__ = [
    "FileFinding",
    "FileReport",
    "ScanTarget",
    "Scanner",
    "detect_encoding",
    "discover",
]
