"""`medveil scan PATH...`"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from medveil.cli._common import EXIT_INPUT, console, err_console, handled
from medveil.errors import InputError


def scan_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (CSV, TSV, Parquet, "
                                                "TXT, JSONL).")],
    fmt: Annotated[str, typer.Option("--format", help="table | json (one object per line)")]
    = "table",
    show_values: Annotated[bool, typer.Option(
        "--show-values", help="Include the matched text in JSON findings (off by default).")]
    = False,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Write an HTML summary for a privacy officer.")] = None,
    text_field: Annotated[str, typer.Option(help="JSONL field holding the note text.")]
    = "text",
    rules: Annotated[Path | None, typer.Option(
        help="Site rules (TOML) extending the built-in classification rules.")] = None,
    sample_rows: Annotated[int, typer.Option(help="Rows sampled per table to classify.",
                                             min=100)] = 5000,
) -> None:
    """Find identifiers in tables and notes (English and Chinese); classify and grade
    table columns per GB/T 39725-2020. Exit 0 when every file was scanned, 2 if any
    file could not be (each named; the others are still scanned)."""
    from medveil.classify import load_rules
    from medveil.scan import FileFinding, FileReport, Scanner, discover

    with handled():
        if fmt not in ("table", "json"):
            raise InputError("table or json", field="--format")
        rule_set = load_rules(rules)
        targets, skipped = discover(paths)
        total = sum(t.path.stat().st_size for t in targets)

        def emit(f: FileFinding) -> None:
            if fmt == "json":
                console.print(json.dumps(f.to_dict(), ensure_ascii=False), highlight=False,
                              markup=False, soft_wrap=True)

        reports: list[FileReport] = []
        with Progress("[progress.description]{task.description}", BarColumn(),
                      DownloadColumn(), TimeRemainingColumn(), console=err_console,
                      transient=True, disable=not err_console.is_terminal) as bar:
            task = bar.add_task("scanning", total=total or None)
            scanner = Scanner(rules=rule_set, text_field=text_field, sample_rows=sample_rows,
                              show_values=show_values, on_finding=emit,
                              progress=lambda n: bar.advance(task, n))
            for target in targets:
                bar.update(task, description=f"scanning {target.path.name}")
                r = scanner.scan(target)
                reports.append(r)
                if fmt == "json":
                    console.print(json.dumps(r.to_dict(), ensure_ascii=False), highlight=False,
                                  markup=False, soft_wrap=True)
                else:
                    _print_report(r)
        failed = [r for r in reports if r.error] + [None] * len(skipped)
        for path, why in skipped:
            err_console.print(f"error (bad input): {path}: {why}", markup=False,
                              highlight=False)
        summary = _summary(reports, skipped)
        if fmt == "json":
            console.print(json.dumps(summary, ensure_ascii=False), highlight=False,
                          markup=False, soft_wrap=True)
        else:
            console.print(f"{summary['files_scanned']} file(s) scanned, "
                          f"{summary['files_failed']} failed; highest grade "
                          f"{summary['max_grade'] or '-'}; identifiers found: "
                          f"{_counts_text(summary['counts'])}", highlight=False)
        if report is not None:
            from medveil.scan._report import write_scan_report

            write_scan_report(report, reports, skipped, summary)
            if fmt == "table":
                console.print(f"report: {report}", highlight=False)
        if failed:
            raise typer.Exit(EXIT_INPUT)


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"


def _summary(reports: list[Any], skipped: list[tuple[Path, str]]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    grades = []
    for r in reports:
        counts.update(r.counts)
        if r.table is not None:
            grades.append(r.table.grade)
    return {"kind": "summary", "files_scanned": sum(1 for r in reports if not r.error),
            "files_failed": sum(1 for r in reports if r.error) + len(skipped),
            "max_grade": max(grades) if grades else None, "counts": dict(sorted(counts.items()))}


def _print_report(r: Any) -> None:
    if r.error:
        err_console.print(f"error (bad input): {r.error}", markup=False, highlight=False)
        return
    if r.table is not None:
        t = Table(title=f"{r.path} — {r.table.rows_total or r.table.rows_sampled} rows "
                        f"({r.table.rows_sampled} sampled), grade {r.table.grade}")
        for col in ("column", "identifier (confidence)", "QI", "category", "grade", "rule"):
            t.add_column(col, overflow="fold")
        for c in r.table.columns:
            ident = (f"text: {_counts_text(dict(c.entity_counts))}" if c.free_text
                     else f"{c.identifier_type} ({c.confidence:.2f})" if c.identifier_type
                     else "-")
            t.add_row(c.column, ident, "yes" if c.quasi_identifier else "", c.category_zh,
                      str(c.grade), c.rules[0] if c.rules else "")
        console.print(t)
        if r.counts:
            console.print(f"  in free-text cells: {_counts_text(dict(r.counts))}",
                          highlight=False)
        return
    t = Table(title=f"{r.path} — {r.units} {'lines' if r.kind == 'text' else 'records'} "
                    f"({r.encoding})")
    t.add_column("type")
    t.add_column("count", justify="right")
    for k, v in sorted(r.counts.items()):
        t.add_row(k, str(v))
    if not r.counts:
        t.add_row("(no identifiers found)", "0")
    console.print(t)
