"""Read a bounded sample of a CSV or Parquet table, and its exact row count, with DuckDB.

DuckDB streams the file: a reservoir sample of ``sample_rows`` rows and a ``count(*)``,
each one pass in bounded memory, whatever the file's size. CSV is read with every column
as text (``all_varchar``) so identifiers keep their leading zeros and check letters.
DuckDB reads UTF-8 only, so a CSV in another encoding (GBK/GB18030 from Chinese hospital
systems, UTF-16 from spreadsheet exports) is first transcoded, streaming, to a temporary
UTF-8 file. Errors name the file and, when DuckDB reports it, the line; they never repeat
DuckDB's message, which can quote the offending row.
"""

from __future__ import annotations

import codecs
import csv
import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from medveil.errors import InputError

log = logging.getLogger(__name__)

_SNIFF_BYTES = 4 << 20
_CHUNK = 1 << 20
_SEED = 42
_PARQUET_SUFFIXES = {".parquet", ".pq", ".parq"}

# DuckDB error phrases -> what we say instead (its messages may quote patient values).
_REASONS = (
    ("expected number of columns", "a row has the wrong number of columns"),
    ("unterminated quote", "a quoted field is not terminated"),
    ("invalid unicode", "the file is not valid UTF-8"),
    ("maximum line size", "a line is too long"),
    ("sniff", "the CSV dialect could not be detected"),
    ("magic bytes", "not a Parquet file"),
    ("parquet", "the Parquet file cannot be read"),
    ("out of memory", "out of memory"),
)


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def is_parquet(path: Path) -> bool:
    """By suffix, else by the ``PAR1`` magic bytes."""
    if path.suffix.lower() in _PARQUET_SUFFIXES:
        return True
    with path.open("rb") as f:
        return f.read(4) == b"PAR1"


def detect_encoding(path: Path) -> str:
    """``utf-8`` if the first MBs decode as UTF-8, else ``gb18030`` (a superset of GBK);
    UTF-16 by its byte-order mark. :class:`InputError` if none fits."""
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    final = len(head) < _SNIFF_BYTES
    line: int | None = None
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=final)
        except UnicodeDecodeError as exc:
            if line is None:  # where UTF-8 failed
                line = head[: exc.start].count(b"\n") + 1
            continue
        return encoding
    raise InputError("text encoding not recognised (neither UTF-8 nor GB18030); "
                     "pass the encoding explicitly", path=path, line=line)


def _canonical(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", field="encoding") from None


def transcode(path: Path, encoding: str, target: Path) -> None:
    """Stream ``path`` from ``encoding`` to UTF-8 at ``target`` (1 MB at a time)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    ascii_newlines = "\n".encode(encoding) == b"\n"
    line = 1
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while True:
            chunk = src.read(_CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                where = line + chunk[: exc.start].count(b"\n") if ascii_newlines else None
                raise InputError(f"not valid {encoding} text", path=path, line=where) from None
            dst.write(text.removeprefix("\ufeff") if line == 1 else text)
            line += text.count("\n")
            if not chunk:
                break


@contextmanager
def _utf8_csv(path: Path, encoding: str | None) -> Iterator[Path]:
    enc = _canonical(encoding) if encoding else _canonical(detect_encoding(path))
    if enc == "utf-8" or (enc == "ascii" and encoding is not None):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="medveil-classify-") as tmp:
        target = Path(tmp) / "utf8.csv"
        log.info("transcoding a %s CSV to UTF-8 in a temporary file", enc)
        transcode(path, enc, target)
        yield target


def _csv_source(path: Path, original: Path) -> str:
    """A ``read_csv`` call with the dialect fixed from the header line.

    DuckDB's sniffer, when a row is malformed, can silently fall back to a one-column
    dialect; fixing the delimiter and columns makes a bad row an error with its line.
    """
    try:
        with path.open(encoding="utf-8", newline="") as f:
            first = f.readline(1 << 20)
            delim = max(",\t;|", key=first.count) if first.strip() else ","
            f.seek(0)
            header = next(csv.reader(f, delimiter=delim, quotechar='"'), None)
    except UnicodeDecodeError:
        raise InputError("the header line is not valid UTF-8", path=original, line=1) from None
    except csv.Error:
        raise InputError("the header line cannot be parsed as CSV", path=original,
                         line=1) from None
    if not header:
        raise InputError("no header line", path=original, line=1)
    names: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(header):
        name = (raw.removeprefix("\ufeff") if i == 0 else raw).strip() or f"column{i}"
        base, k = name, 0
        while name in seen:  # DuckDB's own convention for repeated names
            k += 1
            name = f"{base}_{k}"
        seen.add(name)
        names.append(name)
    columns = ", ".join(f"{_sql_str(n)}: 'VARCHAR'" for n in names)
    return (f"read_csv({_sql_str(str(path))}, auto_detect = false, header = true, "
            f"delim = {_sql_str(delim)}, quote = '\"', escape = '\"', "
            f"columns = {{{columns}}})")


def _duckdb_error(exc: duckdb.Error, path: Path, kind: str) -> InputError:
    text = str(exc)
    folded = text.casefold()
    reason = next((r for phrase, r in _REASONS if phrase in folded), type(exc).__name__)
    m = re.search(r"Error on Line:\s*(\d+)", text)
    return InputError(f"cannot read {kind} ({reason})", path=path,
                      line=int(m.group(1)) if m else None)


def read_sample(
    path: Path, *, sample_rows: int, encoding: str | None = None
) -> tuple[pd.DataFrame, int]:
    """A uniform sample of at most ``sample_rows`` rows of a CSV or Parquet file and the
    file's exact row count. Bounded memory: DuckDB streams the file twice (count, sample).
    """
    path = Path(path)
    if sample_rows < 1:
        raise InputError("sample_rows must be at least 1", field="sample_rows")
    if not path.is_file():
        raise InputError("file not found", path=path)
    parquet = is_parquet(path)
    kind = "Parquet" if parquet else "CSV"
    if not parquet and path.stat().st_size == 0:
        raise InputError("empty file: a CSV needs at least a header line", path=path)
    con = duckdb.connect(":memory:", config={"threads": 2, "memory_limit": "512MB",
                                             "preserve_insertion_order": False})
    try:
        con.execute("SET enable_progress_bar = false")
        if parquet:
            df, total = _query(con, f"read_parquet({_sql_str(str(path))})", sample_rows)
        else:
            with _utf8_csv(path, encoding) as csv_path:
                df, total = _query(con, _csv_source(csv_path, path), sample_rows)
    except duckdb.Error as exc:
        raise _duckdb_error(exc, path, kind) from None
    finally:
        con.close()
    log.info("sampled %d of %d rows, %d columns from a %s file", len(df), total, df.shape[1],
             kind)
    return df, total


def _query(
    con: duckdb.DuckDBPyConnection, source: str, sample_rows: int
) -> tuple[pd.DataFrame, int]:
    row = con.execute(f"SELECT count(*) FROM {source}").fetchone()
    total = int(row[0]) if row else 0
    if total <= sample_rows:
        df = con.execute(f"SELECT * FROM {source}").df()
    else:
        df = con.execute(
            f"SELECT * FROM {source} USING SAMPLE reservoir({int(sample_rows)} ROWS) "
            f"REPEATABLE ({_SEED})").df()
    return df, total
