"""Reports: self-contained HTML documents with SVG charts and tables.

Charts (:func:`bar_chart`, :func:`histogram_chart`, :func:`line_chart`, :func:`forest_plot`)
return ``<svg>`` strings; :class:`Section` groups them with :class:`Table` objects and
:func:`paragraph` text; :func:`render_report` makes one HTML file that loads nothing from
elsewhere and prints cleanly; :func:`write_report` writes it atomically. All text is escaped,
and output is deterministic for given inputs.
"""

from __future__ import annotations

from medveil.report._html import Section, Table, paragraph, render_report, write_report
from medveil.report._models import cox_section, glm_section, km_section
from medveil.report._svg import bar_chart, forest_plot, histogram_chart, line_chart

__all__ = [
    "Section",
    "Table",
    "bar_chart",
    "cox_section",
    "forest_plot",
    "glm_section",
    "histogram_chart",
    "km_section",
    "line_chart",
    "paragraph",
    "render_report",
    "write_report",
]
