"""Convert the hand-written notes (tests/data/notes/handwritten.txt, [[TYPE:text]] markup)
into labeled JSONL for `bench/scan_quality.py --notes`.

The hand-written notes are an independent check on the template-generated corpus: they
were written by hand, in other styles, and never used to develop the detector.

Usage: python bench/handwritten.py   (rewrites tests/data/notes/handwritten.jsonl)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "notes"
_MARK = re.compile(r"\[\[([A-Z_0-9]+):(.*?)\]\]")


def convert(source: str) -> list[dict[str, Any]]:
    """Notes (one per paragraph, grouped under `lang: xx` lines) with their labeled spans."""
    notes: list[dict[str, Any]] = []
    lang = ""
    buf: list[str] = []

    def flush() -> None:
        if not buf:
            return
        raw = "\n".join(buf).strip()
        text, spans, pos = "", [], 0
        for m in _MARK.finditer(raw):
            text += raw[pos:m.start()]
            start = len(text)
            text += m.group(2)
            spans.append({"start": start, "end": len(text), "type": m.group(1)})
            pos = m.end()
        text += raw[pos:]
        notes.append({"id": f"hw-{lang}-{len(notes):02d}", "lang": lang, "kind": "handwritten",
                      "text": text, "spans": spans})
        buf.clear()

    for line in source.splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("lang: "):
            flush()
            lang = line[6:].strip()
        elif not line.strip():
            flush()
        else:
            buf.append(line)
    flush()
    return notes


def render(notes: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(n, ensure_ascii=False) + "\n" for n in notes)


def main() -> None:
    notes = convert((DATA / "handwritten.txt").read_text(encoding="utf-8"))
    (DATA / "handwritten.jsonl").write_text(render(notes), encoding="utf-8")
    print(f"wrote {len(notes)} notes, {sum(len(n['spans']) for n in notes)} spans")


if __name__ == "__main__":
    main()
