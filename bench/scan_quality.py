"""Precision, recall and F2 of `medveil.detect` on the labeled notes, against the targets.

Runs ``Detector().detect`` over tests/data/notes/eval.jsonl (and, with ``--fresh N``, over N
freshly generated held-out notes from another seed) and prints, per entity type and overall,
per language:

* OVERLAP matching: a predicted span matches a gold span of the same type when they overlap;
  matching is one-to-one (each gold span and each prediction counts at most once; pairs with
  the largest overlap are matched first), so a gold span split into two predictions yields
  one true positive and one false positive.
* EXACT matching: same type, same start and end.
* R(any): the share of gold spans overlapped by a prediction of any type (a diagnostic for
  type confusions such as PHONE vs FAX).

Targets: overall overlap F2 >= 0.95; recall of the structured identifiers (CN_RESIDENT_ID,
SSN, PHONE, FAX, EMAIL, DATE, MRN, URL, IP_ADDRESS, HEALTH_PLAN_ID) >= 0.97; PERSON and
LOCATION recall >= 0.85 in each language. If tests/data/tables/truth.json and
`medveil.classify.classify_table_file` exist, the column identifier types are scored too.

``--errors N`` prints N false negatives and N false positives with a masked context: every
labeled or predicted character in the window is shown as '*', so no identifier is printed
(they are synthetic, but the habit is the point).

Usage:
  python bench/scan_quality.py [--fresh 2000] [--errors 20] [--json quality.json]
  python bench/scan_quality.py --standin   # harness self-test with a toy regex detector
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
from corpus import Note, Span

ROOT = Path(__file__).resolve().parents[1]
TABLES = ROOT / "tests" / "data" / "tables"
STRUCTURED = ("CN_RESIDENT_ID", "SSN", "PHONE", "FAX", "EMAIL", "DATE", "MRN", "URL",
              "IP_ADDRESS", "HEALTH_PLAN_ID")
TARGET_F2 = 0.95
TARGET_STRUCTURED_RECALL = 0.97
TARGET_NAME_LOCATION_RECALL = 0.85
MODES = ("overlap", "exact")

Detect = Callable[[str], list[Span]]


# ---------------------------------------------------------------------------------------------
# Detectors
# ---------------------------------------------------------------------------------------------

def real_detector() -> Detect:
    from medveil.detect import Detector

    detector = Detector()

    def detect(text: str) -> list[Span]:
        return [Span(f.start, f.end, str(getattr(f.type, "value", f.type)))
                for f in detector.detect(text)]
    return detect


_STANDIN = (
    ("EMAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("URL", re.compile(r"https?://[^\s，。；）]+")),
    ("CN_RESIDENT_ID", re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")),
    ("SSN", re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")),
    ("DATE", re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}月\d{1,2}[日号]")),
    ("PHONE", re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|\(\d{3}\) \d{3}-\d{4}")),
    ("IP_ADDRESS", re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")),
)


def standin_detector() -> Detect:
    """A toy regex detector, only to exercise this harness while medveil.detect is absent."""

    def detect(text: str) -> list[Span]:
        found: list[Span] = []
        for typ, rx in _STANDIN:
            for m in rx.finditer(text):
                if not any(s.start < m.end() and m.start() < s.end for s in found):
                    found.append(Span(m.start(), m.end(), typ))
        return sorted(found)
    return detect


# ---------------------------------------------------------------------------------------------
# Matching and scores
# ---------------------------------------------------------------------------------------------

def match(gold: Sequence[Span], pred: Sequence[Span], mode: str) -> tuple[set[int], set[int]]:
    """One-to-one matching of same-type spans; returns matched gold and prediction indices."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if p.type != g.type:
                continue
            if mode == "exact":
                ok = (p.start, p.end) == (g.start, g.end)
            else:
                ok = p.start < g.end and g.start < p.end
            if ok:
                pairs.append((-(min(g.end, p.end) - max(g.start, p.start)), gi, pi))
    pairs.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
    return used_g, used_p


class Tally:
    """tp / fp / fn per (mode, language, type), and gold spans hit by any prediction."""

    def __init__(self) -> None:
        self.n: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        self.any_hit: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        self.errors: dict[str, list[tuple[Note, Span, list[Span]]]] = {"fn": [], "fp": []}

    def add(self, note: Note, pred: list[Span]) -> None:
        gold = note.spans
        for mode in MODES:
            mg, mp = match(gold, pred, mode)
            for i, g in enumerate(gold):
                self.n[mode, note.lang, g.type][0 if i in mg else 2] += 1
            for i, p in enumerate(pred):
                if i not in mp:
                    self.n[mode, note.lang, p.type][1] += 1
            if mode == "overlap":
                self.errors["fn"] += [(note, g, pred) for i, g in enumerate(gold) if i not in mg]
                self.errors["fp"] += [(note, p, pred) for i, p in enumerate(pred) if i not in mp]
        for g in gold:
            hit = any(p.start < g.end and g.start < p.end for p in pred)
            self.any_hit[note.lang, g.type][0] += hit
            self.any_hit[note.lang, g.type][1] += 1

    def counts(self, mode: str, langs: Iterable[str], types: Iterable[str]) -> tuple[int, int, int]:
        langs, types = set(langs), set(types)
        tp = fp = fn = 0
        for (m, lang, typ), (a, b, c) in self.n.items():
            if m == mode and lang in langs and typ in types:
                tp, fp, fn = tp + a, fp + b, fn + c
        return tp, fp, fn

    def any_recall(self, langs: Iterable[str], types: Iterable[str]) -> float:
        langs, types = set(langs), set(types)
        hit = sum(v[0] for (lang, t), v in self.any_hit.items() if lang in langs and t in types)
        tot = sum(v[1] for (lang, t), v in self.any_hit.items() if lang in langs and t in types)
        return hit / tot if tot else math.nan


def scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else math.nan
    r = tp / (tp + fn) if tp + fn else math.nan
    f2 = (0.0 if tp + fn else math.nan) if tp == 0 else 5 * p * r / (4 * p + r)
    return {"precision": p, "recall": r, "f2": f2}


# ---------------------------------------------------------------------------------------------
# Evaluation and printing
# ---------------------------------------------------------------------------------------------

def evaluate(notes: list[Note], detect: Detect) -> tuple[Tally, float, int]:
    tally = Tally()
    elapsed = 0.0
    for note in notes:
        t = time.perf_counter()
        pred = sorted(detect(note.text))
        elapsed += time.perf_counter() - t
        tally.add(note, pred)
    return tally, elapsed, sum(len(n.text.encode("utf-8")) for n in notes)


def _fmt(x: float) -> str:
    return "    -" if math.isnan(x) else f"{x:5.3f}"


def table(tally: Tally, langs: tuple[str, ...]) -> dict[str, Any]:
    types = sorted({t for (_, lang, t) in tally.n if lang in langs},
                   key=lambda t: corpus.LABEL_TYPES.index(t) if t in corpus.LABEL_TYPES else 99)
    rows: dict[str, Any] = {}
    for t in [*types, "ALL"]:
        sel = types if t == "ALL" else [t]
        row: dict[str, Any] = {"any_type_recall": tally.any_recall(langs, sel)}
        for mode in MODES:
            tp, fp, fn = tally.counts(mode, langs, sel)
            row[mode] = {"tp": tp, "fp": fp, "fn": fn, **scores(tp, fp, fn)}
        row["gold"] = row["overlap"]["tp"] + row["overlap"]["fn"]
        row["predicted"] = row["overlap"]["tp"] + row["overlap"]["fp"]
        rows[t] = row
    return rows


def print_table(title: str, rows: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(f"{'type':<15}{'gold':>6}{'pred':>6} | {'overlap P':>9} {'R':>5} {'F2':>5} |"
          f" {'exact P':>7} {'R':>5} {'F2':>5} | {'R(any)':>6}")
    for t, row in rows.items():
        o, e = row["overlap"], row["exact"]
        if t == "ALL":
            print("-" * 86)
        print(f"{t:<15}{row['gold']:>6}{row['predicted']:>6} | {_fmt(o['precision']):>9} "
              f"{_fmt(o['recall'])} {_fmt(o['f2'])} | {_fmt(e['precision']):>7} "
              f"{_fmt(e['recall'])} {_fmt(e['f2'])} | {_fmt(row['any_type_recall']):>6}")


def targets(tally: Tally) -> list[dict[str, Any]]:
    out = []

    def check(name: str, value: float, target: float) -> None:
        out.append({"target": name, "value": value, "threshold": target,
                    "met": not math.isnan(value) and value >= target})

    langs = ("en", "zh")
    check("overall overlap F2", scores(*tally.counts("overlap", langs, corpus.LABEL_TYPES))["f2"],
          TARGET_F2)
    check("structured recall (overlap)",
          scores(*tally.counts("overlap", langs, STRUCTURED))["recall"], TARGET_STRUCTURED_RECALL)
    for lang in langs:
        for typ in ("PERSON", "LOCATION"):
            check(f"{typ} recall ({lang})",
                  scores(*tally.counts("overlap", (lang,), (typ,)))["recall"],
                  TARGET_NAME_LOCATION_RECALL)
    return out


def report(label: str, notes: list[Note], detect: Detect) -> tuple[dict[str, Any], Tally]:
    tally, elapsed, nbytes = evaluate(notes, detect)
    print(f"\n=== {label}: {len(notes)} notes, {nbytes / 1e6:.2f} MB, detect {elapsed:.2f} s "
          f"({nbytes / 1e6 / elapsed if elapsed else math.inf:.2f} MB/s) ===")
    result: dict[str, Any] = {"notes": len(notes), "bytes": nbytes, "detect_seconds": elapsed,
                              "tables": {}}
    for name, langs in (("all", ("en", "zh")), ("en", ("en",)), ("zh", ("zh",))):
        rows = table(tally, langs)
        result["tables"][name] = rows
        print_table(f"[{label}] language: {name}", rows)
    result["group_recall"] = {}
    print(f"\n[{label}] recall (overlap) of groups")
    for lang_name, langs in (("all", ("en", "zh")), ("en", ("en",)), ("zh", ("zh",))):
        g = {"structured": scores(*tally.counts("overlap", langs, STRUCTURED))["recall"],
             "PERSON": scores(*tally.counts("overlap", langs, ("PERSON",)))["recall"],
             "LOCATION": scores(*tally.counts("overlap", langs, ("LOCATION",)))["recall"]}
        result["group_recall"][lang_name] = g
        print(f"  {lang_name:<4} structured {_fmt(g['structured'])}   PERSON {_fmt(g['PERSON'])}"
              f"   LOCATION {_fmt(g['LOCATION'])}")
    result["targets"] = targets(tally)
    print(f"\n[{label}] targets")
    for t in result["targets"]:
        mark = "PASS" if t["met"] else "FAIL"
        print(f"  {mark}  {t['target']:<30} {_fmt(t['value'])}  (>= {t['threshold']:.2f})")
    return result, tally


def masked_context(note: Note, span: Span, pred: list[Span], width: int = 40) -> str:
    lo, hi = max(0, span.start - width), min(len(note.text), span.end + width)
    chars = list(note.text[lo:hi])
    for s in (*note.spans, *pred):
        for i in range(max(s.start, lo), min(s.end, hi)):
            chars[i - lo] = "*"
    chars.insert(span.end - lo, "⟧")
    chars.insert(span.start - lo, "⟦")
    return "".join(chars).replace("\n", "⏎")


def print_errors(tally: Tally, n: int) -> None:
    for kind, title in (("fn", "false negatives (missed gold spans)"),
                        ("fp", "false positives (unmatched predictions)")):
        by_type: dict[str, list[tuple[Note, Span, list[Span]]]] = defaultdict(list)
        for item in tally.errors[kind]:
            by_type[item[1].type].append(item)
        picked: list[tuple[Note, Span, list[Span]]] = []
        while len(picked) < n and any(by_type.values()):  # round-robin over types
            for t in sorted(by_type):
                if by_type[t] and len(picked) < n:
                    picked.append(by_type[t].pop(0))
        print(f"\n{title}: {len(tally.errors[kind])} in all, {len(picked)} shown")
        for note, span, pred in picked:
            print(f"  {note.id:<8} {span.type:<15} len {span.end - span.start:>3}  "
                  f"{masked_context(note, span, pred)}")


# ---------------------------------------------------------------------------------------------
# Column types of tables
# ---------------------------------------------------------------------------------------------

def _norm_type(t: object) -> str | None:
    if t is None:
        return None
    s = str(getattr(t, "value", t)).strip()
    return None if s.upper() in ("", "NONE", "NULL") else s


def _truth_entries(obj: Any) -> list[tuple[str, dict[str, str | None]]]:
    """Accept {file: {column: type}}, {file: [{column, identifier_type}]}, a list of
    {file|path|name, columns}, or either under a "files"/"tables" key."""
    if isinstance(obj, dict) and set(obj) & {"files", "tables"} and len(obj) <= 3:
        obj = obj.get("files", obj.get("tables"))

    def columns(cols: Any) -> dict[str, str | None]:
        if isinstance(cols, dict):
            return {str(k): _norm_type(v.get("identifier_type") if isinstance(v, dict) else v)
                    for k, v in cols.items()}
        return {str(c.get("column", c.get("name"))): _norm_type(c.get("identifier_type"))
                for c in cols}

    if isinstance(obj, dict):
        return [(str(f), columns(c.get("columns", c) if isinstance(c, dict) and "columns" in c
                                 else c)) for f, c in obj.items()]
    return [(str(e.get("file", e.get("path", e.get("name")))), columns(e["columns"])) for e in obj]


def evaluate_tables(tables_dir: Path) -> dict[str, Any] | None:
    truth_path = tables_dir / "truth.json"
    if not truth_path.exists():
        print(f"\n(column types: skipped, {truth_path.relative_to(ROOT)} does not exist)")
        return None
    try:
        from medveil.classify import classify_table_file
    except ImportError as exc:
        print(f"\n(column types: skipped, medveil.classify is not available: {exc})")
        return None
    try:
        entries = _truth_entries(json.loads(truth_path.read_text(encoding="utf-8")))
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        print(f"\n(column types: skipped, unrecognized layout of truth.json: {exc!r})")
        return None
    right = total = id_right = id_total = clean_right = clean_total = 0
    wrong: list[str] = []
    t0 = time.perf_counter()
    for name, truth in entries:
        path = tables_dir / name
        if not path.exists():
            print(f"  (missing table {name})")
            continue
        got = {c.column: _norm_type(c.identifier_type) for c in classify_table_file(path).columns}
        for col, want in truth.items():
            have = got.get(col, "<no column>")
            ok = have == want
            right, total = right + ok, total + 1
            if want is None:
                clean_right, clean_total = clean_right + ok, clean_total + 1
            else:
                id_right, id_total = id_right + ok, id_total + 1
            if not ok:
                wrong.append(f"{name}:{col} truth {want} got {have}")
    elapsed = time.perf_counter() - t0
    acc = right / total if total else math.nan
    result = {"tables": len(entries), "columns": total, "accuracy": acc,
              "identifier_columns": id_total,
              "identifier_accuracy": id_right / id_total if id_total else math.nan,
              "non_identifier_columns": clean_total,
              "non_identifier_accuracy": clean_right / clean_total if clean_total else math.nan,
              "errors": wrong, "seconds": elapsed}
    print(f"\n=== column identifier types: {len(entries)} tables, {total} columns, "
          f"{elapsed:.1f} s ===")
    print(f"  accuracy {_fmt(acc)}   identifier columns {_fmt(result['identifier_accuracy'])} "
          f"({id_total})   non-identifier columns {_fmt(result['non_identifier_accuracy'])} "
          f"({clean_total})")
    for w in wrong[:40]:
        print(f"  wrong: {w}")
    return result


def _clean(obj: Any) -> Any:
    """NaN -> None, for strict JSON."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=Path, default=corpus.EVAL_PATH)
    ap.add_argument("--fresh", type=int, default=0, metavar="N",
                    help="also evaluate N freshly generated notes (half EN, half ZH)")
    ap.add_argument("--fresh-seed", type=int, default=corpus.EVAL_SEED + 1)
    ap.add_argument("--errors", type=int, default=0, metavar="N",
                    help="print N false negatives and N false positives (masked)")
    ap.add_argument("--json", type=Path, default=None, metavar="FILE")
    ap.add_argument("--tables", type=Path, default=TABLES)
    ap.add_argument("--standin", action="store_true",
                    help="use a toy regex detector (harness self-test only)")
    args = ap.parse_args(argv)

    detect = standin_detector() if args.standin else real_detector()
    if args.standin:
        print("NOTE: --standin: scoring a toy regex detector, not medveil.detect")
    out: dict[str, Any] = {"detector": "standin" if args.standin else "medveil.detect.Detector"}
    notes = corpus.load(args.notes)
    out["eval"], tally = report(args.notes.name, notes, detect)
    if args.errors:
        print_errors(tally, args.errors)
    if args.fresh:
        fresh = corpus.generate(args.fresh_seed, args.fresh // 2, args.fresh - args.fresh // 2)
        out["fresh"], fresh_tally = report(f"fresh seed {args.fresh_seed}", fresh, detect)
        if args.errors:
            print_errors(fresh_tally, args.errors)
    out["columns"] = evaluate_tables(args.tables)
    if args.json:
        args.json.write_text(json.dumps(_clean(out), indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        print(f"\nwrote {args.json}")
    met = all(t["met"] for t in out["eval"]["targets"])
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
