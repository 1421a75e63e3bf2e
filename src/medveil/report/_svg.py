"""SVG charts that need nothing but a browser: no JavaScript, web fonts or stylesheets.

Each chart function returns one ``<svg>`` element as a string, styled with presentation
attributes so it also stands alone (saved as a ``.svg`` file or pasted into a slide).

* Every text a caller passes (title, axis labels, category, series and row names) is escaped:
  labels often come from data (a column value, a site's display name), and a report must not
  become a way to inject markup.
* Missing values (NaN, None, infinities) are skipped, never drawn as zero: an empty bar and
  an unknown one must not look alike. A line breaks at a missing point.
* Output depends only on the arguments (no ids, clocks or randomness), so a report can be
  regenerated and compared byte for byte, and several charts can share one HTML page.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from medveil.errors import InputError

# Okabe–Ito: distinguishable with the common colour-vision deficiencies and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
FONT = ("system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'PingFang SC', "
        "'Microsoft YaHei', sans-serif")
_AXIS = "#57606a"
_GRID = "#e1e4e8"
_TEXT = "#1b1f23"
_FONT_SIZE = 12
_PAD = 16  # outer margin, px
_ROW = 24  # forest plot row height, px

# Characters XML 1.0 forbids (and lone surrogates, which UTF-8 cannot encode).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text: object) -> str:
    """``text`` as XML/HTML character data or attribute value (quotes escaped too)."""
    return html.escape(_NOT_XML.sub("\ufffd", str(text)), quote=True)


def format_number(value: float) -> str:
    """A number for people: 4 significant digits, no exponent between 1e-4 and 1e15."""
    if math.isnan(value):
        return "NA"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == 0:
        return "0"
    if 1e4 <= abs(value) < 1e15:
        return f"{value:.0f}"
    return f"{value:.4g}"


def _floats(values: Sequence[object] | None) -> list[float]:
    """Plain floats; anything that is not a number (None, pandas.NA) becomes NaN."""
    out = []
    for v in values if values is not None else ():
        try:
            out.append(float(v))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            out.append(math.nan)
    return out


def _ok(v: float, log: bool = False) -> bool:
    return math.isfinite(v) and (v > 0 or not log)


def _n(v: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros, no '-0'."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _text_width(text: str, size: float = _FONT_SIZE) -> float:
    """Estimated rendered width: CJK and other wide characters take a full em."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else 0.58 * size for c in text)


def _truncate(text: str, max_width: float, size: float = _FONT_SIZE) -> str:
    if _text_width(text, size) <= max_width:
        return text
    while text and _text_width(text + "…", size) > max_width:
        text = text[:-1]
    return text + "…"


def _decimals(step: float) -> int:
    """Fewest decimals that write multiples of ``step`` exactly (2.5 needs one, 25 none)."""
    for d in range(12):
        if abs(round(step, d) - step) <= step * 1e-9:
            return d
    return 12


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values whose first and last enclose [lo, hi]: steps of 1, 2, 2.5 or 5
    times a power of ten, at most ``count + 3`` ticks, wasting as little of the axis as
    possible."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    lo, hi = min(lo, hi), max(lo, hi)
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = (lo - pad, hi + pad) if lo != 0 else (0.0, 1.0)
    exp = math.floor(math.log10((hi - lo) / max(count - 1, 1)))
    best: tuple[float, int, int, float] | None = None
    for e in (exp - 1, exp, exp + 1):
        for m in (1.0, 2.0, 2.5, 5.0):
            step = m * 10.0**e
            first = math.floor(lo / step + 1e-9)
            last = math.ceil(hi / step - 1e-9)
            n = last - first + 1
            if 3 <= n <= count + 3:
                cover = (last - first) * step
                if best is None or cover < best[0] - 1e-12 * cover:
                    best = (cover, first, last, step)
    if best is None:  # unreachable for count >= 2; keep a sane axis anyway
        return [lo, hi]
    _, first, last, step = best
    d = _decimals(step)
    return [round(k * step, d) for k in range(first, last + 1)]


def _inner_ticks(lo: float, hi: float, count: int = 7) -> list[float]:
    """Round ticks inside [lo, hi], about ``count`` of them (for an axis that spans the data,
    such as time, rather than being stretched to round ends)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return nice_ticks(lo, hi, count)
    raw = (hi - lo) / count
    exp = math.floor(math.log10(raw))
    m = next(m for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * 10.0**exp >= raw * (1 - 1e-9))
    step = m * 10.0**exp
    d = _decimals(step)
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return [round(k * step, d) for k in range(first, last + 1)]


def _log_ticks(lo: float, hi: float) -> list[float]:
    """Ticks at 1-2-5 (or whole decades when too many) enclosing [lo, hi], both > 0."""
    e0, e1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    for mantissas in ((1, 2, 5), (1,)):
        cands = [float(f"{m}e{e}") for e in range(e0 - 1, e1 + 1) for m in mantissas]
        start = max(c for c in cands if c <= lo * (1 + 1e-12))
        stop = min(c for c in cands if c >= hi * (1 - 1e-12))
        ticks = [c for c in cands if start <= c <= stop]
        if len(ticks) <= 9:
            break
    if len(ticks) == 1:
        ticks = [ticks[0] / 2, ticks[0], ticks[0] * 2]
    return ticks


def _tick_labels(ticks: Sequence[float]) -> list[str]:
    if len(ticks) < 2:
        return [format_number(t) for t in ticks]
    step = abs(ticks[1] - ticks[0])
    if max(abs(t) for t in ticks) >= 1e6 or step < 1e-4:
        return [format_number(t) for t in ticks]
    decimals = _decimals(step)
    out = []
    for t in ticks:
        s = f"{t:.{decimals}f}"
        out.append("0" if float(s) == 0 else s.replace("-", "−"))
    return out


@dataclass(frozen=True)
class _Scale:
    """Maps the domain [d0, d1] onto pixels [r0, r1], linearly or by log10."""

    d0: float
    d1: float
    r0: float
    r1: float
    log: bool = False

    def __call__(self, v: float) -> float:
        a, b = (math.log10(self.d0), math.log10(self.d1)) if self.log else (self.d0, self.d1)
        t = math.log10(v) if self.log else v
        if b == a:
            return (self.r0 + self.r1) / 2
        return self.r0 + (t - a) / (b - a) * (self.r1 - self.r0)


class _Svg:
    """Collects the elements of one chart, in drawing order."""

    def __init__(self, width: int, height: int, title: str) -> None:
        if width < 160 or height < 120:
            raise InputError("a chart must be at least 160 × 120 px", field="width/height")
        self.width, self.height = width, height
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'font-family="{escape(FONT)}" font-size="{_FONT_SIZE}" fill="{_TEXT}">',
            f"<title>{escape(title)}</title>",
            f'<rect class="background" width="{width}" height="{height}" fill="#ffffff"/>',
        ]
        self.top = float(_PAD)
        if title:
            self.text(width / 2, 22, _truncate(title, width - 2 * _PAD, 15), anchor="middle",
                      size=15, weight="600", cls="title")
            self.top = 34.0

    def text(self, x: float, y: float, s: str, *, anchor: str = "start", size: float = 0,
             weight: str = "", cls: str = "", fill: str = "", rotate: float = 0,
             dy: str = "") -> None:
        attrs = [f'x="{_n(x)}"', f'y="{_n(y)}"']
        if dy:
            attrs.append(f'dy="{dy}"')
        if anchor != "start":
            attrs.append(f'text-anchor="{anchor}"')
        if size:
            attrs.append(f'font-size="{_n(size)}"')
        if weight:
            attrs.append(f'font-weight="{weight}"')
        if fill:
            attrs.append(f'fill="{fill}"')
        if rotate:
            attrs.append(f'transform="rotate({_n(rotate)} {_n(x)} {_n(y)})"')
        if cls:
            attrs.append(f'class="{cls}"')
        self.parts.append(f"<text {' '.join(attrs)}>{escape(s)}</text>")

    def line(self, x1: float, y1: float, x2: float, y2: float, *, stroke: str = _AXIS,
             cls: str = "", width: float = 1, dash: str = "") -> None:
        extra = (f' class="{cls}"' if cls else "") + (f' stroke-dasharray="{dash}"' if dash else "")
        self.parts.append(
            f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" '
            f'stroke-width="{_n(width)}"{extra}/>')

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str, cls: str,
             tooltip: str = "", stroke: str = "") -> None:
        extra = f' stroke="{stroke}" stroke-width="0.5"' if stroke else ""
        head = (f'<rect class="{cls}" x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" '
                f'height="{_n(max(h, 0))}" fill="{fill}"{extra}')
        self.parts.append(f"{head}><title>{escape(tooltip)}</title></rect>" if tooltip
                          else f"{head}/>")

    def legend(self, items: Sequence[tuple[str, str]], *, line: bool = False) -> None:
        """Series names in rows under the title; moves ``top`` below them."""
        if len(items) < 2:
            return
        x, y = float(_PAD), self.top
        for name, colour in items:
            label = _truncate(str(name), 220)
            w = 16 + _text_width(label) + 18
            if x > _PAD and x + w > self.width - _PAD:
                x, y = float(_PAD), y + 18
            if line:
                self.line(x, y + 6, x + 12, y + 6, stroke=colour, width=2.5, cls="swatch")
            else:
                self.rect(x, y + 1, 10, 10, fill=colour, cls="swatch")
            self.text(x + 16, y + 10, label, cls="legend")
            x += w
        self.top = y + 24

    def empty(self, x: float, y: float) -> None:
        self.text(x, y, "no data", anchor="middle", fill=_AXIS, cls="empty")

    def render(self) -> str:
        return "\n".join([*self.parts, "</svg>"])


def _y_axis(svg: _Svg, ticks: Sequence[float], y: _Scale, left: float, right: float,
            label: str) -> None:
    for t, s in zip(ticks, _tick_labels(ticks), strict=True):
        svg.line(left, y(t), right, y(t), stroke=_GRID, cls="grid")
        svg.text(left - 6, y(t), s, anchor="end", dy="0.32em", fill=_AXIS, cls="tick")
    if label:
        mid = (y.r0 + y.r1) / 2
        svg.text(_PAD + 4, mid, _truncate(label, abs(y.r0 - y.r1)), anchor="middle",
                 rotate=-90, dy="0.32em", cls="axis-label")


def _x_axis(svg: _Svg, ticks: Sequence[float], labels: Sequence[str], x: _Scale, bottom: float,
            label: str) -> None:
    svg.line(x.r0, bottom, x.r1, bottom, cls="axis")
    for t, s in zip(ticks, labels, strict=True):
        svg.line(x(t), bottom, x(t), bottom + 4, cls="tick")
        svg.text(x(t), bottom + 16, s, anchor="middle", fill=_AXIS, cls="tick")
    if label:
        svg.text((x.r0 + x.r1) / 2, bottom + 34, _truncate(label, abs(x.r1 - x.r0)),
                 anchor="middle", cls="axis-label")


def _left_margin(tick_labels: Sequence[str], y_label: str) -> float:
    return _PAD + (20 if y_label else 0) + max(_text_width(s) for s in tick_labels) + 8


def _value_ticks(values: Sequence[float], include_zero: bool) -> list[float]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return [0.0, 1.0]
    lo, hi = min(finite), max(finite)
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    return nice_ticks(lo, hi)


def bar_chart(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    y_label: str = "",
    width: int = 640,
    height: int = 360,
) -> str:
    """Grouped bars: one group per category, one bar per series (``series[name][i]`` is the
    value of category *i*). Bars start at zero; a missing value leaves a gap."""
    names = list(series)
    values = {k: _floats(series[k]) for k in names}
    for k in names:
        if len(values[k]) != len(categories):
            raise InputError(f"series has {len(values[k])} values for {len(categories)} "
                             "categories", field="series")
    svg = _Svg(width, height, title)
    colours = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(names)}
    svg.legend([(k, colours[k]) for k in names])
    ticks = _value_ticks([v for vs in values.values() for v in vs], include_zero=True)
    tick_text = _tick_labels(ticks)
    left = _left_margin(tick_text, y_label)
    right = width - _PAD
    band = (right - left) / max(len(categories), 1)
    cats = [str(c) for c in categories]
    rotate = any(_text_width(c) > band * 0.95 for c in cats)
    shown = [_truncate(c, 150 if rotate else band * 0.95) for c in cats]
    if rotate and shown:  # the first label, slanted left, must stay inside the chart
        left = max(left, _PAD + _text_width(shown[0]) * 0.77 - band / 2)
        band = (right - left) / len(cats)
    bottom_room = (max((_text_width(c) for c in shown), default=0) * 0.64 + 20 if rotate
                   else 22)
    bottom = height - _PAD - bottom_room
    y = _Scale(ticks[0], ticks[-1], bottom, svg.top)
    _y_axis(svg, ticks, y, left, right, y_label)
    if not cats or not names:
        svg.empty((left + right) / 2, (svg.top + bottom) / 2)
    inner = band * 0.8 / max(len(names), 1)
    for i, cat in enumerate(cats):
        x0 = left + i * band + band * 0.1
        for j, k in enumerate(names):
            v = values[k][i]
            if math.isfinite(v):
                top, base = sorted((y(v), y(0.0)))
                svg.rect(x0 + j * inner, top, inner, base - top, fill=colours[k], cls="bar",
                         tooltip=f"{k}, {cat}: {format_number(v)}")
        cx = left + (i + 0.5) * band
        if rotate:
            svg.text(cx, bottom + 12, shown[i], anchor="end", rotate=-40, cls="category")
        else:
            svg.text(cx, bottom + 16, shown[i], anchor="middle", cls="category")
    svg.line(left, y(0.0), right, y(0.0), cls="axis")
    return svg.render()


def histogram_chart(
    edges: Sequence[float],
    counts: Sequence[float],
    *,
    title: str,
    x_label: str = "",
    y_label: str = "count",
    width: int = 640,
    height: int = 360,
) -> str:
    """Bars between consecutive ``edges`` (len(edges) == len(counts) + 1, increasing).

    Bins with a missing count are left empty; the edges must all be finite because they
    define the axis.
    """
    e, c = _floats(edges), _floats(counts)
    if c and len(e) != len(c) + 1:
        raise InputError(f"{len(e)} edges for {len(c)} counts; need counts + 1",
                         field="edges")
    if not all(math.isfinite(v) for v in e) or any(b <= a for a, b in pairwise(e)):
        raise InputError("edges must be finite and strictly increasing", field="edges")
    svg = _Svg(width, height, title)
    ticks = _value_ticks(c, include_zero=True)
    tick_text = _tick_labels(ticks)
    left = _left_margin(tick_text, y_label)
    right = width - _PAD
    bottom = height - _PAD - (42 if x_label else 24)
    y = _Scale(ticks[0], ticks[-1], bottom, svg.top)
    _y_axis(svg, ticks, y, left, right, y_label)
    if not c:
        svg.empty((left + right) / 2, (svg.top + bottom) / 2)
        _x_axis(svg, [], [], _Scale(0, 1, left, right), bottom, x_label)
        return svg.render()
    x = _Scale(e[0], e[-1], left, right)
    for a, b, v in zip(e, e[1:], c, strict=False):
        if math.isfinite(v):
            top, base = sorted((y(v), y(0.0)))
            svg.rect(x(a), top, x(b) - x(a), base - top, fill=PALETTE[0], cls="bar",
                     stroke="#ffffff", tooltip=f"[{format_number(a)}, {format_number(b)}): "
                                               f"{format_number(v)}")
    xt = _inner_ticks(e[0], e[-1])
    _x_axis(svg, xt, _tick_labels(xt), x, bottom, x_label)
    return svg.render()


def _runs(points: Sequence[tuple[float, ...]]) -> list[list[tuple[float, ...]]]:
    """Split points into runs of consecutive all-finite points (a missing one breaks a run)."""
    runs: list[list[tuple[float, ...]]] = [[]]
    for p in points:
        if all(math.isfinite(v) for v in p):
            runs[-1].append(p)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _trace(pts: Sequence[tuple[float, float]], step: bool, start: str) -> str:
    """Path data through pixel points; a step path holds each value until the next x."""
    out = [f"{start}{_n(pts[0][0])} {_n(pts[0][1])}"]
    for (_, y0), (x1, y1) in pairwise(pts):
        if step:
            out.append(f"L{_n(x1)} {_n(y0)}")
        out.append(f"L{_n(x1)} {_n(y1)}")
    return "".join(out)


def line_chart(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    title: str,
    x_label: str = "",
    y_label: str = "",
    step: bool = False,
    bands: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    markers: bool = False,
    y_range: tuple[float, float] | None = None,
    width: int = 640,
    height: int = 360,
) -> str:
    """Lines through ``series[name] = (xs, ys)``; ``step=True`` draws step functions
    (Kaplan–Meier curves). ``bands[name] = (lower, upper)``, aligned with that series' xs,
    shades a confidence band. ``y_range`` is a range the y axis covers at least, e.g.
    ``(0, 1)`` for survival probabilities. Points with a missing x or y are skipped and break
    the line."""
    bands = bands or {}
    data: dict[str, list[tuple[float, float]]] = {}
    for name, (xs, ys) in series.items():
        fx, fy = _floats(xs), _floats(ys)
        if len(fx) != len(fy):
            raise InputError(f"{len(fx)} x values for {len(fy)} y values", field="series")
        data[name] = list(zip(fx, fy, strict=True))
    band_data: dict[str, list[tuple[float, float, float]]] = {}
    for name, (lows, highs) in bands.items():
        if name not in data:
            raise InputError("a band names no series", field="bands")
        fl, fh = _floats(lows), _floats(highs)
        if not len(fl) == len(fh) == len(data[name]):
            raise InputError("a band needs one lower and one upper value per point",
                             field="bands")
        band_data[name] = [(x, lo, hi) for (x, _), lo, hi in zip(data[name], fl, fh,
                                                                 strict=True)]
    xs_all = [p[0] for pts in data.values() for r in _runs(pts) for p in r]
    ys_all = [p[1] for pts in data.values() for r in _runs(pts) for p in r]
    for pts3 in band_data.values():
        for r in _runs(pts3):
            xs_all += [p[0] for p in r]
            ys_all += [v for p in r for v in p[1:]]
    ys_all += list(y_range or ())

    svg = _Svg(width, height, title)
    colours = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(data)}
    svg.legend([(k, colours[k]) for k in data], line=True)
    yt = _value_ticks(ys_all, include_zero=False)
    x0, x1 = (min(xs_all), max(xs_all)) if xs_all else (0.0, 1.0)
    if x0 == x1:
        x0, x1 = x0 - (abs(x0) * 0.1 or 1.0), x1 + (abs(x1) * 0.1 or 1.0)
    xt = _inner_ticks(x0, x1)
    left = _left_margin(_tick_labels(yt), y_label)
    right = width - _PAD - 8  # room for the last tick label
    bottom = height - _PAD - (42 if x_label else 24)
    x = _Scale(x0, x1, left, right)
    y = _Scale(yt[0], yt[-1], bottom, svg.top)
    _y_axis(svg, yt, y, left, right, y_label)
    _x_axis(svg, xt, _tick_labels(xt), x, bottom, x_label)
    if not any(_runs(pts) for pts in data.values()):
        svg.empty((left + right) / 2, (svg.top + bottom) / 2)
    for name, pts3 in band_data.items():
        d = []
        for r in _runs(pts3):
            upper = [(x(px), y(hi)) for px, _, hi in r]
            lower = [(x(px), y(lo)) for px, lo, _ in r]
            # Back along the lower bound: a step holds each value until the *next* x.
            back = [lower[-1]]
            for i in range(len(lower) - 2, -1, -1):
                if step:
                    back.append((lower[i + 1][0], lower[i][1]))
                back.append(lower[i])
            d.append(_trace(upper, step, "M") + _trace(back, False, "L") + "Z")
        if d:
            svg.parts.append(f'<path class="band" d="{"".join(d)}" fill="{colours[name]}" '
                             f'fill-opacity="0.18" stroke="none"/>')
    for name, pts in data.items():
        runs = _runs(pts)
        if not runs:
            continue
        path = "".join(_trace([(x(px), y(py)) for px, py in r], step, "M") for r in runs)
        svg.parts.append(f'<path class="series" d="{path}" fill="none" stroke="{colours[name]}" '
                         f'stroke-width="2" stroke-linejoin="round"><title>{escape(name)}'
                         "</title></path>")
        if markers:
            for r in runs:
                for px, py in r:
                    svg.parts.append(
                        f'<circle class="point" cx="{_n(x(px))}" cy="{_n(y(py))}" r="3" '
                        f'fill="{colours[name]}"><title>{escape(name)}: '
                        f"({format_number(px)}, {format_number(py)})</title></circle>")
    return svg.render()


def forest_plot(
    labels: Sequence[str],
    estimates: Sequence[float],
    lower: Sequence[float],
    upper: Sequence[float],
    *,
    title: str,
    x_label: str = "",
    log_scale: bool = True,
    reference: float = 1.0,
    width: int = 640,
    height: int | None = None,
) -> str:
    """One row per label: a square at the estimate and a line over its confidence interval,
    the estimate and interval printed at the right, and a dashed line at ``reference`` (no
    effect: 1 for ratios on a log scale, 0 for differences).

    A row with a missing estimate shows "NA"; a missing or infinite bound runs the line to
    the edge of the axis and ends it with an arrow. ``height`` defaults to fit the rows.
    """
    n = len(labels)
    est, lo, hi = _floats(estimates), _floats(lower), _floats(upper)
    if not len(est) == len(lo) == len(hi) == n:
        raise InputError(f"{n} labels need {n} estimates, lower and upper bounds",
                         field="estimates")
    if not _ok(reference, log_scale):
        raise InputError("the reference must be finite (and > 0 on a log scale)",
                         field="reference")
    values = [v for i in range(n) if _ok(est[i], log_scale)
              for v in (est[i], lo[i], hi[i]) if _ok(v, log_scale)]
    lo_v, hi_v = min([*values, reference]), max([*values, reference])
    ticks = _log_ticks(lo_v, hi_v) if log_scale else nice_ticks(lo_v, hi_v)
    axis_room = 56.0 if x_label else 36.0
    fit = int((34 if title else _PAD) + 4 + max(n, 1) * _ROW + axis_room)
    svg = _Svg(width, height or max(fit, 120), title)
    top = svg.top + 4
    bottom = svg.height - axis_room
    row = (bottom - top) / max(n, 1)
    summary = [f"{format_number(e)} ({format_number(a)}, {format_number(b)})"
               if _ok(e, log_scale) else "NA" for e, a, b in zip(est, lo, hi, strict=True)]
    label_w = min(max((_text_width(str(s)) for s in labels), default=0), width * 0.35)
    right_w = max((_text_width(s, 11) for s in summary), default=0) + 8
    x = _Scale(ticks[0], ticks[-1], _PAD + label_w + 12, width - _PAD - right_w, log_scale)
    for t in ticks:
        svg.line(x(t), top, x(t), bottom, stroke=_GRID, cls="grid")
    svg.line(x(reference), top, x(reference), bottom, stroke=_AXIS, dash="4 3",
             cls="reference")
    if n == 0:
        svg.empty((x.r0 + x.r1) / 2, (top + bottom) / 2)
    for i in range(n):
        yc = top + (i + 0.5) * row
        svg.text(_PAD, yc, _truncate(str(labels[i]), label_w), dy="0.32em", cls="label")
        svg.text(width - _PAD, yc, summary[i], anchor="end", size=11, dy="0.32em",
                 fill=_AXIS, cls="summary")
        if not _ok(est[i], log_scale):
            continue
        a = x(lo[i]) if _ok(lo[i], log_scale) else x.r0
        b = x(hi[i]) if _ok(hi[i], log_scale) else x.r1
        svg.line(a, yc, b, yc, stroke=_TEXT, width=1.5, cls="ci")
        for edge, open_ in ((a, not _ok(lo[i], log_scale)), (b, not _ok(hi[i], log_scale))):
            if open_:
                tip = -6 if edge == x.r0 else 6
                svg.parts.append(
                    f'<polygon class="arrow" points="{_n(edge + tip)},{_n(yc)} '
                    f'{_n(edge)},{_n(yc - 4)} {_n(edge)},{_n(yc + 4)}" fill="{_TEXT}"/>')
        svg.rect(x(est[i]) - 4.5, yc - 4.5, 9, 9, fill=PALETTE[0], cls="estimate",
                 tooltip=f"{labels[i]}: {summary[i]}")
    _x_axis(svg, ticks, [format_number(t) for t in ticks], x, bottom, x_label)
    return svg.render()
