"""Self-contained HTML reports: one file with its stylesheet and SVG charts inside.

A report is sent by e-mail, archived with a study and opened years later, often offline and
inside a hospital network that blocks CDNs; so it loads nothing (no scripts, fonts or
images from elsewhere) and prints cleanly. The document is written as well-formed XML
(polyglot HTML5) so that tests, and anyone who wants to, can parse it with an XML parser.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from medveil._atomic import write_atomic
from medveil._version import __version__
from medveil.errors import InputError
from medveil.report._svg import escape, format_number

_CSS = """
:root { --fg: #1b1f23; --muted: #57606a; --rule: #d0d7de; --stripe: #f6f8fa; --accent: #0072b2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 62rem; padding: 2rem 1.5rem 3rem; color: var(--fg);
  background: #ffffff; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto,
  "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .8rem; padding-bottom: .3rem;
  border-bottom: 1px solid var(--rule); }
p { max-width: 48rem; }
.subtitle { color: var(--muted); font-size: 1.05rem; margin: 0; }
.generated { color: var(--muted); font-size: .85rem; margin: .35rem 0 0; }
nav ol { margin: .4rem 0 0; padding-left: 1.4rem; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
figure { margin: 1.2rem 0; }
svg.chart { display: block; max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; font-size: .9rem; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: .4rem; }
th, td { padding: .3rem .75rem; border-bottom: 1px solid var(--rule); text-align: left;
  vertical-align: top; }
thead th { border-bottom: 2px solid var(--fg); white-space: nowrap; }
tbody tr:nth-child(even) { background: var(--stripe); }
.num { text-align: right; white-space: nowrap; }
footer { margin-top: 3rem; padding-top: .6rem; border-top: 1px solid var(--rule);
  color: var(--muted); font-size: .8rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  figure, .table-wrap, tr { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  tbody tr:nth-child(even) { background: none; }
  a { color: inherit; }
}
@page { margin: 16mm 14mm; }
"""


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def format_cell(value: object) -> str:
    """Cell text: integers as integers, other numbers to 4 significant digits, missing as
    an empty cell; strings exactly as given (so a caller can choose its own format)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    if _is_number(value):
        v = float(value)  # type: ignore[arg-type]
        return "" if math.isnan(v) else format_number(v)
    return str(value)


@dataclass(frozen=True)
class Table:
    """A captioned table of results (never of patient rows: reports leave the site)."""

    columns: Sequence[str]
    rows: Sequence[Sequence[object]]
    caption: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(str(c) for c in self.columns))
        object.__setattr__(self, "rows", tuple(tuple(r) for r in self.rows))
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise InputError(f"row {i} has {len(row)} cells for {len(self.columns)} "
                                 "columns", field="rows")

    def to_html(self) -> str:
        """The table as an HTML fragment; numeric columns are right-aligned."""
        numeric = [
            any(_is_number(r[j]) for r in self.rows)
            and all(_is_number(r[j]) or r[j] is None for r in self.rows)
            for j in range(len(self.columns))
        ]

        def cls(j: int) -> str:
            return ' class="num"' if numeric[j] else ""

        out = ['<div class="table-wrap"><table>']
        if self.caption:
            out.append(f"<caption>{escape(self.caption)}</caption>")
        out.append("<thead><tr>" + "".join(
            f'<th scope="col"{cls(j)}>{escape(c)}</th>' for j, c in enumerate(self.columns))
            + "</tr></thead>")
        out.append("<tbody>")
        for row in self.rows:
            out.append("<tr>" + "".join(f"<td{cls(j)}>{escape(format_cell(v))}</td>"
                                        for j, v in enumerate(row)) + "</tr>")
        out.append("</tbody></table></div>")
        return "\n".join(out)


@dataclass(frozen=True)
class Section:
    """A titled part of a report.

    ``body`` items are rendered in order: a :class:`Table`, or a string that is an SVG or
    HTML fragment made by this package (a chart, or :func:`paragraph`). Strings are inserted
    as they are, so text from anywhere else must go through :func:`paragraph`.
    """

    title: str
    body: Sequence[str | Table] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "body", tuple(self.body))
        for i, item in enumerate(self.body):
            if not isinstance(item, str | Table):
                raise InputError(f"body item {i} is a {type(item).__name__}, not a fragment "
                                 "or a Table", field="body")


def paragraph(text: str) -> str:
    """A paragraph of plain text, escaped."""
    return f"<p>{escape(text)}</p>"


def _section_html(index: int, section: Section) -> str:
    out = [f'<section id="s{index}">', f"<h2>{escape(section.title)}</h2>"]
    for item in section.body:
        if isinstance(item, Table):
            out.append(item.to_html())
        elif item.lstrip().startswith("<svg"):
            out.append(f"<figure>\n{item}\n</figure>")
        else:
            out.append(item)
    out.append("</section>")
    return "\n".join(out)


def render_report(
    title: str,
    sections: Sequence[Section],
    *,
    subtitle: str = "",
    generated: str | None = None,
) -> str:
    """A complete HTML5 document.

    ``generated`` (e.g. an ISO timestamp) is printed under the title when given; it is a
    parameter, not read from the clock, so the same inputs give the same bytes.
    """
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f'<meta name="generator" content="medveil {escape(__version__)}"/>',
        f"<title>{escape(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{escape(title)}</h1>",
    ]
    if subtitle:
        head.append(f'<p class="subtitle">{escape(subtitle)}</p>')
    if generated is not None:
        head.append(f'<p class="generated">Generated {escape(generated)}</p>')
    head.append("</header>")
    if len(sections) > 1:
        items = "".join(f'<li><a href="#s{i}">{escape(s.title)}</a></li>'
                        for i, s in enumerate(sections, 1))
        head.append(f'<nav aria-label="Contents"><ol>{items}</ol></nav>')
    body = ["<main>", *(_section_html(i, s) for i, s in enumerate(sections, 1)), "</main>"]
    tail = [f"<footer>Produced by medveil {escape(__version__)}.</footer>", "</body>",
            "</html>", ""]
    return "\n".join(head + body + tail)


def write_report(path: Path, html: str) -> None:
    """Write ``html`` to ``path`` (UTF-8) atomically: a reader sees the old file or the new
    one, never a half-written report."""
    write_atomic(path, html)
