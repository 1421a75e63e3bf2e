"""The scan's HTML summary for a privacy officer (no identifier values in it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medveil.report import Section, Table, bar_chart, paragraph, render_report, write_report
from medveil.scan._scan import FileReport


def write_scan_report(path: Path, reports: list[FileReport], skipped: list[tuple[Path, str]],
                      summary: dict[str, Any]) -> None:
    counts: dict[str, int] = summary["counts"]
    sections = [Section("Summary", [
        paragraph(f"{summary['files_scanned']} file(s) scanned, {summary['files_failed']} "
                  f"could not be read. Highest data grade (GB/T 39725-2020): "
                  f"{summary['max_grade'] or 'no tables'}. Findings give positions and types "
                  "only; no identifier values appear in this report."),
        Table(["identifier type", "found"], [[k, v] for k, v in counts.items()],
              caption="identifiers found in notes and free-text cells"),
    ])]
    if counts:
        sections[0] = Section("Summary", [*sections[0].body, bar_chart(
            list(counts), {"found": [float(v) for v in counts.values()]},
            title="Identifiers found, by type", y_label="findings")])
    for r in reports:
        if r.error:
            continue
        if r.table is not None:
            sections.append(Section(f"{r.path} (grade {r.table.grade})", [
                paragraph(f"{r.table.rows_total or r.table.rows_sampled} rows, "
                          f"{r.table.rows_sampled} sampled for classification."),
                Table(["column", "identifier", "confidence", "quasi-identifier", "category",
                       "grade", "decided by"],
                      [[c.column, str(c.identifier_type or ""), f"{c.confidence:.2f}",
                        "yes" if c.quasi_identifier else "", f"{c.category_zh} ({c.category})",
                        c.grade, "; ".join(c.rules)] for c in r.table.columns]),
            ]))
        else:
            sections.append(Section(str(r.path), [
                paragraph(f"{r.units} {'lines' if r.kind == 'text' else 'records'} "
                          f"({r.encoding})."),
                Table(["identifier type", "found"], [[k, v] for k, v in sorted(r.counts.items())]),
            ]))
    problems = [[str(r.path), r.error] for r in reports if r.error]
    problems += [[str(p), why] for p, why in skipped]
    if problems:
        sections.append(Section("Files that could not be scanned",
                                [Table(["file", "reason"], problems)]))
    write_report(path, render_report("medveil scan: sensitive data found", sections))
