"""Scanning files: column classification for tables, recognizers for notes.

One :class:`Scanner` walks the targets; each file gives a :class:`FileReport`
(counts per type, the table's column classes, or the error that stopped it),
and every identifier found in a note or a free-text cell is passed to
``on_finding`` as a :class:`FileFinding` — offsets, type, rule; the matched
text only when the caller asked for values.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from medveil.classify import TableClass, classify_table_file
from medveil.detect import Detector
from medveil.errors import InputError, MedveilError
from medveil.scan._files import ScanTarget, detect_encoding, iter_jsonl, iter_lines

log = logging.getLogger(__name__)

_CHUNK_ROWS = 20_000


@dataclass(frozen=True)
class FileFinding:
    """One identifier in one note (``line``) or table cell (``row`` and ``column``)."""

    file: str
    line: int | None
    row: int | None
    column: str | None
    start: int
    end: int
    type: str
    confidence: float
    rule: str
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": "finding", "file": self.file, "line": self.line,
                             "row": self.row, "column": self.column, "start": self.start,
                             "end": self.end, "type": self.type,
                             "confidence": round(self.confidence, 3), "rule": self.rule}
        if self.value is not None:
            d["value"] = self.value
        return d


@dataclass
class FileReport:
    path: Path
    kind: str
    encoding: str | None = None
    table: TableClass | None = None
    counts: Counter[str] = field(default_factory=Counter)
    units: int = 0  # lines, records or rows scanned
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "file", "file": str(self.path), "type": self.kind,
                "encoding": self.encoding, "units": self.units,
                "counts": dict(sorted(self.counts.items())), "error": self.error,
                "table": self.table.to_dict() if self.table is not None else None}


class Scanner:
    """Scans files; collects per-file reports and streams findings to ``on_finding``."""

    def __init__(self, *, detector: Detector | None = None, rules: Any | None = None,
                 text_field: str = "text", sample_rows: int = 5000, show_values: bool = False,
                 on_finding: Callable[[FileFinding], None] | None = None,
                 progress: Callable[[int], None] | None = None) -> None:
        self.detector = detector or Detector()
        self.rules = rules
        self.text_field = text_field
        self.sample_rows = sample_rows
        self.show_values = show_values
        self._on_finding = on_finding
        self._progress = progress

    def scan(self, target: ScanTarget) -> FileReport:
        """Scan one file; errors become ``report.error`` (the scan of others goes on)."""
        report = FileReport(target.path, target.kind)
        try:
            if target.kind == "table":
                self._scan_table(target.path, report)
            else:
                report.encoding = detect_encoding(target.path)
                items = (iter_lines(target.path, report.encoding) if target.kind == "text"
                         else iter_jsonl(target.path, report.encoding, self.text_field))
                for number, text in items:
                    self._scan_text(report, text, line=number)
                    report.units += 1
        except MedveilError as exc:
            report.error = str(exc)
        except OSError as exc:
            report.error = f"{target.path}: cannot read ({exc.strerror or exc})"
        return report

    def _scan_text(self, report: FileReport, text: str, *, line: int | None = None,
                   row: int | None = None, column: str | None = None) -> None:
        if self._progress is not None and row is None:
            self._progress(len(text.encode("utf-8")) + 1)
        if not text:
            return
        for f in self.detector.detect(text):
            report.counts[str(f.type)] += 1
            if self._on_finding is not None:
                self._on_finding(FileFinding(
                    file=str(report.path), line=line, row=row, column=column, start=f.start,
                    end=f.end, type=str(f.type), confidence=f.confidence, rule=f.rule,
                    value=text[f.start:f.end] if self.show_values else None))

    def _scan_table(self, path: Path, report: FileReport) -> None:
        table = classify_table_file(path, rules=self.rules, sample_rows=self.sample_rows)
        if self._progress is not None:
            self._progress(path.stat().st_size)
        report.table = table
        free = [c.column for c in table.columns if c.free_text]
        report.units = table.rows_total or table.rows_sampled
        if not free:
            return
        for offset, chunk in self._chunks(path, free):
            for column in free:
                values = chunk[column]
                for i, value in enumerate(values):
                    if isinstance(value, str) and value:
                        self._scan_text(report, value, row=offset + i + 1, column=column)

    def _chunks(self, path: Path, columns: list[str]) -> Iterator[tuple[int, pd.DataFrame]]:
        """All rows of ``columns`` in chunks (bounded memory), as strings."""
        offset = 0
        if path.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            try:
                pf = pq.ParquetFile(path)
                for batch in pf.iter_batches(batch_size=_CHUNK_ROWS, columns=columns):
                    df = batch.to_pandas().astype(object)
                    yield offset, df
                    offset += len(df)
            except (OSError, ValueError) as exc:
                raise InputError(f"not a readable Parquet file ({type(exc).__name__})",
                                 path=path) from None
            return
        encoding = detect_encoding(path)
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
        try:
            reader = pd.read_csv(path, usecols=columns, dtype=str, encoding=encoding, sep=sep,
                                 chunksize=_CHUNK_ROWS, keep_default_na=False)
            for df in reader:
                yield offset, df
                offset += len(df)
        except pd.errors.ParserError as exc:
            raise InputError(f"malformed CSV ({_parser_reason(exc)})", path=path) from None
        except UnicodeDecodeError:
            raise InputError(f"undecodable bytes ({encoding})", path=path) from None


def _parser_reason(exc: Exception) -> str:
    """pandas' parser message without any cell content (it only names lines and counts)."""
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else "parse error"
    return text[:200]
