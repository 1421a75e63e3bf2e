from __future__ import annotations

import math
import os
import re
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

import medveil.report as report
from medveil.errors import InputError
from medveil.report import (
    Section,
    Table,
    bar_chart,
    forest_plot,
    histogram_chart,
    line_chart,
    paragraph,
    render_report,
    write_report,
)
from medveil.report._svg import format_number, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"
NAN = float("nan")
EVIL = "<script>alert('x')</script> & \"q\""


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def of_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if e.get("class") == cls]


def texts(root: ET.Element, cls: str | None = None) -> list[str]:
    return [e.text or "" for e in root.iter(f"{SVG}text") if cls is None or e.get("class") == cls]


def tick_x(root: ET.Element) -> dict[str, float]:
    """Tick label -> its x position."""
    return {e.text or "": float(e.get("x", "nan")) for e in of_class(root, "text", "tick")}


def path_points(d: str) -> list[list[tuple[float, float]]]:
    """Subpaths of a path made of absolute M/L commands."""
    out: list[list[tuple[float, float]]] = []
    for cmd, x, y in re.findall(r"([ML])(-?[\d.]+) (-?[\d.]+)", d):
        if cmd == "M":
            out.append([])
        out[-1].append((float(x), float(y)))
    return out


def height(e: ET.Element) -> float:
    return float(e.get("height", "nan"))


# --- public surface -------------------------------------------------------------------------


def test_public_surface_is_what_all_says() -> None:
    assert report.__all__ == sorted(report.__all__, key=lambda n: (not n[0].isupper(), n))
    public = {n for n in vars(report) if not n.startswith("_") and n != "annotations"}
    assert public == set(report.__all__)


# --- bar chart ------------------------------------------------------------------------------


def test_bar_chart_draws_one_bar_per_value_with_heights_in_proportion() -> None:
    svg = bar_chart(["I", "II", "III"], {"site a": [10, 20, 40], "site b": [5, 0, 40]},
                    title="Stage", y_label="patients")
    root = parse(svg)
    bars = of_class(root, "rect", "bar")
    assert len(bars) == 6
    a = [height(b) for b in bars[0::2]]
    assert a[1] == pytest.approx(2 * a[0], abs=0.02)
    assert a[2] == pytest.approx(4 * a[0], abs=0.02)
    assert height(bars[3]) == 0  # a zero is drawn as a zero, not skipped
    assert len(of_class(root, "rect", "swatch")) == 2
    assert texts(root, "legend") == ["site a", "site b"]
    assert texts(root, "category") == ["I", "II", "III"]
    assert texts(root, "title") == ["Stage"]
    assert root.find(f"{SVG}title") is not None
    assert root.get("viewBox") == "0 0 640 360"
    # Ticks are round numbers and cover the data.
    ticks = [float(t) for t in texts(root, "tick")]
    assert ticks[0] == 0 and ticks[-1] >= 40
    assert all(float(t).is_integer() for t in ticks)


def test_bar_chart_skips_missing_values_and_handles_negatives() -> None:
    root = parse(bar_chart(["a", "b", "c"], {"s": [3.0, NAN, -2.0], "t": [None, 1, 2]},
                           title="t"))  # type: ignore[list-item]
    bars = of_class(root, "rect", "bar")
    assert len(bars) == 4
    pos, neg = bars[0], bars[2]  # s/a, s/c (drawn category by category)
    zero_y = float(pos.get("y", "0")) + height(pos)
    assert float(neg.get("y", "0")) == pytest.approx(zero_y, abs=0.01)  # grows downwards
    assert height(neg) == pytest.approx(height(pos) * 2 / 3, abs=0.02)
    assert "−2" in texts(root, "tick") or "−4" in texts(root, "tick")


@pytest.mark.parametrize("series", [{"s": [0, 0, 0]}, {"s": [NAN, NAN, NAN]}, {}])
def test_bar_chart_with_zero_or_no_data_does_not_crash(series: dict[str, list[float]]) -> None:
    root = parse(bar_chart(["a", "b", "c"], series, title="nothing"))
    bars = of_class(root, "rect", "bar")
    assert all(height(b) == 0 for b in bars)
    assert texts(root, "tick")[0] == "0"


def test_bar_chart_without_categories_says_no_data() -> None:
    root = parse(bar_chart([], {"s": []}, title="empty"))
    assert of_class(root, "rect", "bar") == []
    assert texts(root, "empty") == ["no data"]


def test_bar_chart_rejects_mismatched_series() -> None:
    with pytest.raises(InputError):
        bar_chart(["a", "b"], {"s": [1.0]}, title="t")
    with pytest.raises(InputError):
        bar_chart(["a"], {"s": [1.0]}, title="t", width=50)


def test_long_category_labels_are_slanted_and_stay_inside() -> None:
    cats = [f"a rather long category name {i}" for i in range(10)]
    root = parse(bar_chart(cats, {"s": list(range(10))}, title="t"))
    labels = of_class(root, "text", "category")
    assert all("rotate(-40" in (e.get("transform") or "") for e in labels)
    # The first slanted label's far end stays right of the chart's left edge.
    first = labels[0]
    width = 0.58 * 12 * len(first.text or "")
    assert float(first.get("x", "0")) - width * 0.77 >= 0


# --- histogram ------------------------------------------------------------------------------


def test_histogram_bins_are_contiguous_and_proportional() -> None:
    edges = [0, 10, 20, 40]  # unequal widths
    root = parse(histogram_chart(edges, [5, 10, 5], title="Age", x_label="years"))
    bars = of_class(root, "rect", "bar")
    assert len(bars) == 3
    xs = [float(b.get("x", "0")) for b in bars]
    ws = [float(b.get("width", "0")) for b in bars]
    assert xs[0] + ws[0] == pytest.approx(xs[1], abs=0.02)
    assert xs[1] + ws[1] == pytest.approx(xs[2], abs=0.02)
    assert ws[2] == pytest.approx(2 * ws[0], abs=0.02)
    assert height(bars[1]) == pytest.approx(2 * height(bars[0]), abs=0.02)
    assert "years" in texts(root, "axis-label")


def test_histogram_from_numpy_skips_missing_counts() -> None:
    counts, edges = np.histogram(np.arange(100.0), bins=10)
    counts = counts.astype(float)
    counts[3] = np.nan
    root = parse(histogram_chart(edges, counts, title="h"))
    assert len(of_class(root, "rect", "bar")) == 9


def test_histogram_empty_and_invalid() -> None:
    root = parse(histogram_chart([], [], title="none"))
    assert texts(root, "empty") == ["no data"]
    with pytest.raises(InputError):
        histogram_chart([0, 1, 2], [1, 2, 3], title="t")
    with pytest.raises(InputError):
        histogram_chart([0, 2, 1], [1, 2], title="t")
    with pytest.raises(InputError):
        histogram_chart([0, NAN, 2], [1, 2], title="t")


# --- line chart -----------------------------------------------------------------------------


def test_line_chart_paths_points_and_gaps() -> None:
    root = parse(line_chart(
        {"a": ([0, 1, 2, 3, 4], [1, 3, NAN, 2, 4]), "b": ([0, 1, 2], [2, 2, 2])},
        title="t", x_label="x", y_label="y", markers=True,
    ))
    paths = of_class(root, "path", "series")
    assert len(paths) == 2
    assert len(path_points(paths[0].get("d", ""))) == 2  # broken at the NaN
    assert [len(p) for p in path_points(paths[0].get("d", ""))] == [2, 2]
    assert len(of_class(root, "circle", "point")) == 7
    assert len(of_class(root, "line", "swatch")) == 2


def test_step_chart_moves_horizontally_then_vertically() -> None:
    xs, ys = [0, 5, 12, 30], [1.0, 0.9, 0.7, 0.5]
    root = parse(line_chart({"KM": (xs, ys)}, title="km", step=True, y_range=(0, 1)))
    (path,) = of_class(root, "path", "series")
    (pts,) = path_points(path.get("d", ""))
    assert len(pts) == 1 + 2 * 3
    for i in range(1, len(pts), 2):
        assert pts[i][1] == pts[i - 1][1]  # horizontal: value held
        assert pts[i + 1][0] == pts[i][0]  # vertical: the drop
    assert all(b[1] >= a[1] for a, b in pairwise(pts))  # never rises
    ticks = texts(root, "tick")
    assert "0" in ticks and "1.0" in ticks  # y_range widened the axis to [0, 1]


def test_confidence_bands_are_closed_shapes_under_the_lines() -> None:
    xs, ys = [0, 1, 2, 3], [1.0, 0.8, 0.7, 0.5]
    lo, hi = [1.0, 0.7, NAN, 0.4], [1.0, 0.9, 0.8, 0.6]
    svg = line_chart({"s": (xs, ys)}, title="t", step=True, bands={"s": (lo, hi)})
    root = parse(svg)
    (band,) = of_class(root, "path", "band")
    d = band.get("d", "")
    assert d.count("Z") == 2  # one shape per run of complete points
    assert svg.index('class="band"') < svg.index('class="series"')
    with pytest.raises(InputError):
        line_chart({"s": (xs, ys)}, title="t", bands={"other": (lo, hi)})
    with pytest.raises(InputError):
        line_chart({"s": (xs, ys)}, title="t", bands={"s": (lo[:2], hi[:2])})
    with pytest.raises(InputError):
        line_chart({"s": (xs, ys[:2])}, title="t")


@pytest.mark.parametrize("series", [{}, {"s": ([], [])}, {"s": ([NAN, 1.0], [1.0, NAN])},
                                    {"s": ([1.0], [1.0])}, {"s": ([0.0, 0.0], [0.0, 0.0])}])
def test_line_chart_degenerate_input(
    series: dict[str, tuple[list[float], list[float]]]
) -> None:
    root = parse(line_chart(series, title="t", step=True, markers=True))
    n_points = sum(1 for x, y in zip(*next(iter(series.values()), ([], [])), strict=True)
                   if math.isfinite(x) and math.isfinite(y))
    assert len(of_class(root, "circle", "point")) == n_points
    assert len(of_class(root, "path", "series")) == (1 if n_points else 0)


# --- forest plot ----------------------------------------------------------------------------


def test_forest_plot_log_scale_rows_and_reference() -> None:
    labels = ["stage II", "stage III", "unknown", "open"]
    root = parse(forest_plot(labels, [2.0, 5.0, NAN, 1.0], [1.0, 2.0, NAN, 0.5],
                             [4.0, 10.0, NAN, math.inf], title="HR", x_label="hazard ratio"))
    squares = of_class(root, "rect", "estimate")
    assert len(squares) == 3
    assert len(of_class(root, "line", "ci")) == 3
    assert len(of_class(root, "polygon", "arrow")) == 1
    assert texts(root, "label") == labels
    summaries = texts(root, "summary")
    assert summaries[0] == "2 (1, 4)" and summaries[2] == "NA" and summaries[3] == "1 (0.5, ∞)"
    ticks = tick_x(root)
    # Log scale: 0.5 -> 1 and 1 -> 2 are the same distance.
    assert ticks["1"] - ticks["0.5"] == pytest.approx(ticks["2"] - ticks["1"], abs=0.02)
    (ref,) = of_class(root, "line", "reference")
    assert float(ref.get("x1", "0")) == pytest.approx(ticks["1"], abs=0.01)
    sq = squares[0]
    centre = float(sq.get("x", "0")) + float(sq.get("width", "0")) / 2
    assert centre == pytest.approx(ticks["2"], abs=0.01)


def test_forest_plot_linear_scale_and_invalid_input() -> None:
    root = parse(forest_plot(["d1", "d2"], [-0.5, 1.5], [-1.0, 0.5], [0.0, 2.5], title="diff",
                             log_scale=False, reference=0.0))
    assert len(of_class(root, "rect", "estimate")) == 2
    ticks = tick_x(root)
    (ref,) = of_class(root, "line", "reference")
    assert float(ref.get("x1", "0")) == pytest.approx(ticks["0"], abs=0.01)
    # Non-positive values cannot be placed on a log axis: treated as missing.
    root = parse(forest_plot(["a", "b"], [0.0, 2.0], [-1.0, 1.5], [1.0, 3.0], title="t"))
    assert len(of_class(root, "rect", "estimate")) == 1
    with pytest.raises(InputError):
        forest_plot(["a"], [1.0, 2.0], [1.0], [1.0], title="t")
    with pytest.raises(InputError):
        forest_plot(["a"], [1.0], [0.5], [2.0], title="t", reference=0.0)
    root = parse(forest_plot([], [], [], [], title="none"))
    assert texts(root, "empty") == ["no data"]


# --- escaping and determinism ---------------------------------------------------------------


def test_every_chart_escapes_text() -> None:
    charts = [
        bar_chart([EVIL], {EVIL: [1.0]}, title=EVIL, y_label=EVIL),
        histogram_chart([0, 1], [3], title=EVIL, x_label=EVIL, y_label=EVIL),
        line_chart({EVIL: ([0, 1], [0, 1]), "b": ([0], [1])}, title=EVIL, x_label=EVIL,
                   y_label=EVIL, markers=True),
        forest_plot([EVIL], [1.2], [1.0], [1.5], title=EVIL, x_label=EVIL),
    ]
    for svg in charts:
        assert "<script" not in svg
        root = parse(svg)
        assert root.findtext(f"{SVG}title") == EVIL
        # Labels may be shortened to fit, but what is shown is the text itself, unescaped once.
        assert any(t.startswith("<script>") for t in texts(root))


def test_control_characters_cannot_break_the_document() -> None:
    root = parse(bar_chart(["a\x00b", "\x1b[31m"], {"s\ud800": [1, 2]}, title="t\x07"))
    assert texts(root, "category")[0] == "a\ufffdb"


def test_charts_are_deterministic_and_use_no_ids() -> None:
    def make() -> list[str]:
        return [
            bar_chart(["a", "b"], {"x": [1.5, 2.5], "y": [3.0, 0.1]}, title="b"),
            histogram_chart([0, 1, 2], [4, 5], title="h"),
            line_chart({"s": ([0, 1, 2], [1, 0.5, 0.2])}, title="l", step=True,
                       bands={"s": ([1, 0.4, 0.1], [1, 0.6, 0.3])}),
            forest_plot(["a"], [1.3], [1.1], [1.6], title="f"),
        ]

    first, second = make(), make()
    assert first == second
    assert not any(" id=" in s for s in first)


def test_number_formats() -> None:
    assert [format_number(v) for v in (0.0, -0.0, 3.14159, 2.0, 0.000012344, 123456.7, 1e20,
                                       NAN, math.inf)] == [
        "0", "0", "3.142", "2", "1.234e-05", "123457", "1e+20", "NA", "∞"]
    assert nice_ticks(0, 37.4) == [0, 10, 20, 30, 40]
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(5, 5)[0] < 5 < nice_ticks(5, 5)[-1]


# --- tables, sections, documents ------------------------------------------------------------


def test_table_formats_cells() -> None:
    t = Table(["name", "n", "mean", "p", "note"], [
        ["a", 5000, 3.14159, 0.000012344, "0.050"],
        ["b", np.int64(12), np.float64(123456.7), NAN, None],
        ["c", 7, 2.0, 1e-30, True],
    ], caption="Results")
    html = t.to_html()
    root = ET.fromstring(html)
    rows = [[td.text or "" for td in tr] for tr in root.iter("tr")][1:]
    assert rows == [
        ["a", "5000", "3.142", "1.234e-05", "0.050"],
        ["b", "12", "123457", "", ""],
        ["c", "7", "2", "1e-30", "True"],
    ]
    heads = [th.get("class") for th in root.iter("th")]
    assert heads == [None, "num", "num", "num", None]
    assert root.findtext(".//caption") == "Results"
    with pytest.raises(InputError):
        Table(["a", "b"], [[1]])


def test_table_and_paragraph_escape() -> None:
    html = Table([EVIL], [[EVIL]], caption=EVIL).to_html()
    assert "<script" not in html
    root = ET.fromstring(html)
    assert root.findtext(".//td") == EVIL and root.findtext(".//th") == EVIL
    assert ET.fromstring(paragraph(EVIL)).text == EVIL


def test_report_is_complete_self_contained_and_parses() -> None:
    bars = bar_chart(["I", "II"], {"a": [1, 2]}, title="Stages")
    km = line_chart({"all": ([0, 10, 20], [1.0, 0.8, 0.6])}, title="Survival", step=True)
    table = Table(["site", "n"], [["hospital-a", 5000], ["hospital-b", 3000]], caption="Sites")
    sections = [
        Section("Cohorts", [paragraph("Three hospitals & one study."), table, bars]),
        Section(EVIL, [km]),
    ]
    html = render_report(EVIL, sections, subtitle="synthetic data",
                         generated="2026-01-02T03:04:05Z")
    assert html.startswith("<!DOCTYPE html>\n")
    assert "<script" not in html
    root = ET.fromstring(html.split("\n", 1)[1])
    assert root.tag == "html"
    assert root.findtext("head/title") == EVIL
    assert root.findtext(".//h1") == EVIL
    assert [h.text for h in root.iter("h2")] == ["Cohorts", EVIL]
    assert [a.get("href") for a in root.iter("a")] == ["#s1", "#s2"]
    assert [s.get("id") for s in root.iter("section")] == ["s1", "s2"]
    assert len(root.findall(".//figure/" + f"{SVG}svg")) == 2
    assert [[td.text for td in tr] for tr in root.iter("tr")][1:] == [
        ["hospital-a", "5000"], ["hospital-b", "3000"]]
    assert "Generated 2026-01-02T03:04:05Z" in html
    assert root.findtext(".//p[@class='subtitle']") == "synthetic data"
    # Loads nothing from elsewhere.
    assert not re.search(r"<(script|link|img|iframe)\b|\bsrc=|url\(|@import", html)
    assert re.findall(r"https?://[^\"' ]+", html) == ["http://www.w3.org/2000/svg"] * 2
    assert "@media print" in html


def test_report_is_deterministic_without_a_clock() -> None:
    def make() -> str:
        return render_report("R", [Section("only", [paragraph("p")])])

    html = make()
    assert html == make()
    assert "Generated" not in html
    assert "<nav" not in html  # no table of contents for a single section


def test_section_body_is_frozen() -> None:
    body = [paragraph("a")]
    s = Section("t", body)
    body.append(paragraph("b"))
    assert len(s.body) == 1
    with pytest.raises(AttributeError):
        s.title = "u"  # type: ignore[misc]
    with pytest.raises(InputError):
        Section("t", [3.5])  # type: ignore[list-item]


def test_write_report_replaces_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out" / "report.html"
    write_report(path, render_report("one", []))
    write_report(path, render_report("二", []))
    assert "<h1>二</h1>" in path.read_text(encoding="utf-8")
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]

    def fail(src: object, dst: object) -> None:
        raise OSError("no space")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="no space"):
        write_report(path, "partial")
    assert "<h1>二</h1>" in path.read_text(encoding="utf-8")
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]
