"""Finding and reading the files a scan covers: tables, plain-text notes, JSONL notes.

Text is read as UTF-8 (with or without BOM) or, when that fails, GB18030 (a superset
of GBK and GB2312, the encodings Chinese hospital systems export). Reading streams:
a note file is processed line by line, a JSONL file record by record.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from medveil.errors import InputError

Kind = Literal["table", "text", "jsonl"]
SUFFIXES: dict[str, Kind] = {
    ".csv": "table", ".tsv": "table", ".parquet": "table", ".pq": "table",
    ".txt": "text", ".text": "text", ".md": "text", ".note": "text",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
}
_PROBE_BYTES = 1 << 20


@dataclass(frozen=True)
class ScanTarget:
    path: Path
    kind: Kind


def discover(paths: Sequence[Path]) -> tuple[list[ScanTarget], list[tuple[Path, str]]]:
    """Files to scan (folders recursively, sorted) and the paths that cannot be scanned."""
    targets: list[ScanTarget] = []
    skipped: list[tuple[Path, str]] = []
    for p in paths:
        if p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file()):
                kind = SUFFIXES.get(f.suffix.lower())
                if kind is not None:
                    targets.append(ScanTarget(f, kind))
        elif p.is_file():
            kind = SUFFIXES.get(p.suffix.lower())
            if kind is None:
                skipped.append((p, f"unsupported file type {p.suffix or '(none)'!r}"))
            else:
                targets.append(ScanTarget(p, kind))
        else:
            skipped.append((p, "no such file or folder"))
    return targets, skipped


def detect_encoding(path: Path) -> str:
    """'utf-8-sig' when the first MB decodes as UTF-8, else 'gb18030' if that decodes."""
    with path.open("rb") as f:
        head = f.read(_PROBE_BYTES)
    for enc in ("utf-8-sig", "gb18030"):
        dec = codecs.getincrementaldecoder(enc)()
        try:
            dec.decode(head, final=False)  # a multi-byte char cut at the end is fine
            return enc
        except UnicodeDecodeError:
            continue
    raise InputError("not UTF-8 or GB18030 (GBK) text", path=path)


def iter_lines(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its newline); decoding errors name the line."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError:
                raise InputError(f"undecodable bytes ({encoding})", path=path,
                                 line=number) from None
            if number == 1 and line.startswith("\ufeff"):
                line = line[1:]
            yield number, line.rstrip("\r\n")


def iter_jsonl(path: Path, encoding: str, text_field: str) -> Iterator[tuple[int, str]]:
    """(line number, the record's text field); malformed records name their line."""
    for number, line in iter_lines(path, encoding):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise InputError("not a JSON object", path=path, line=number) from None
        if not isinstance(record, dict):
            raise InputError("not a JSON object", path=path, line=number)
        value = record.get(text_field)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InputError("is not a string", path=path, line=number, field=text_field)
        yield number, value
