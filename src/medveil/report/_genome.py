"""Manhattan and QQ plots of association p-values, as SVG.

A genome-wide scan has ~10^5–10^7 p-values; drawing each as an SVG element would make
the report megabytes long. Points with -log10(p) above ``dense_below`` are all drawn; the
rest are thinned to one point per pixel column and row (which looks the same), so the
plot's size is bounded by its pixel area, not by the number of variants.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from medveil.report._svg import (
    PALETTE,
    _inner_ticks,
    _left_margin,
    _Scale,
    _Svg,
    _tick_labels,
    _x_axis,
    _y_axis,
    nice_ticks,
)

__all__ = ["manhattan_plot", "qq_plot"]

_GENOME_WIDE = 5e-8


def _thin(px: np.ndarray, py: np.ndarray, keep_all: np.ndarray) -> np.ndarray:
    """Indices of the points to draw: all of ``keep_all``, one per pixel for the rest."""
    cell = np.round(px).astype(np.int64) * 100_000 + np.round(py).astype(np.int64)
    _, first = np.unique(np.where(keep_all, -1 - np.arange(len(px)), cell), return_index=True)
    return np.sort(first)


def manhattan_plot(chrom: Sequence[str], pos: Sequence[int], p: Sequence[float], *,
                   title: str, dense_below: float = 3.0, width: int = 900,
                   height: int = 360) -> str:
    """-log10(p) against position, chromosomes side by side in alternating colours, with
    the genome-wide significance line at 5e-8."""
    p_arr = np.asarray(p, dtype=float)
    ok = np.isfinite(p_arr) & (p_arr > 0)
    chrom_arr = np.asarray(chrom, dtype=object)[ok]
    pos_arr = np.asarray(pos, dtype=float)[ok]
    logp = -np.log10(p_arr[ok])
    svg = _Svg(width, height, title)
    top_val = max(float(logp.max()) if len(logp) else 1.0, -math.log10(_GENOME_WIDE)) * 1.05
    ticks = nice_ticks(0.0, top_val)
    labels = _tick_labels(ticks)
    left = _left_margin(labels, "-log10(p)")
    right = width - 16
    bottom = height - 16 - 42
    y = _Scale(ticks[0], ticks[-1], bottom, svg.top)
    _y_axis(svg, ticks, y, left, right, "-log10(p)")
    # chromosome offsets in the order they first appear (the study order)
    names: list[str] = []
    spans: dict[str, tuple[float, float]] = {}
    for c in dict.fromkeys(chrom_arr.tolist()):
        sel = chrom_arr == c
        spans[c] = (float(pos_arr[sel].min()), float(pos_arr[sel].max()))
        names.append(c)
    offsets: dict[str, float] = {}
    total = 0.0
    for c in names:
        lo, hi = spans[c]
        offsets[c] = total - lo
        total += max(hi - lo, 1.0) * 1.02
    x = _Scale(0.0, max(total, 1.0), left, right)
    if len(logp):
        gx = pos_arr + np.array([offsets[c] for c in chrom_arr])
        px = np.array([x(v) for v in gx])
        py = np.array([y(v) for v in logp])
        draw = _thin(px, py, logp >= dense_below)
        colour = {c: PALETTE[i % 2] for i, c in enumerate(names)}
        for i in draw:
            svg.parts.append(f'<circle cx="{px[i]:.1f}" cy="{py[i]:.1f}" r="1.8" '
                             f'fill="{colour[chrom_arr[i]]}"/>')
        gw = y(-math.log10(_GENOME_WIDE))
        svg.line(left, gw, right, gw, stroke=PALETTE[3], width=1.0, dash="4 3")
    else:
        svg.empty((left + right) / 2, (svg.top + bottom) / 2)
    mids = [x(offsets[c] + (spans[c][0] + spans[c][1]) / 2) for c in names]
    step = max(1, len(names) // 24)
    _x_axis(svg, [], [], x, bottom, "chromosome")
    for c, m in list(zip(names, mids, strict=True))[::step]:
        svg.text(m, bottom + 16, str(c), anchor="middle")
    return svg.render()


def qq_plot(p: Sequence[float], *, title: str, lambda_gc: float | None = None,
            dense_below: float = 3.0, width: int = 420, height: int = 420) -> str:
    """Observed against expected -log10(p) under the null, with the identity line."""
    p_arr = np.sort(np.asarray(p, dtype=float)[np.isfinite(np.asarray(p, dtype=float))])
    p_arr = p_arr[p_arr > 0]
    n = len(p_arr)
    title = title + (f" (λGC = {lambda_gc:.3f})" if lambda_gc is not None
                     and math.isfinite(lambda_gc) else "")
    svg = _Svg(width, height, title)
    obs = -np.log10(p_arr) if n else np.zeros(0)
    exp = -np.log10((np.arange(1, n + 1) - 0.5) / n) if n else np.zeros(0)
    hi = max(float(obs.max()) if n else 1.0, float(exp.max()) if n else 1.0) * 1.05
    ticks = nice_ticks(0.0, hi)
    labels = _tick_labels(ticks)
    left = _left_margin(labels, "observed -log10(p)")
    right = width - 16
    bottom = height - 16 - 42
    y = _Scale(ticks[0], ticks[-1], bottom, svg.top)
    x = _Scale(ticks[0], ticks[-1], left, right)
    _y_axis(svg, ticks, y, left, right, "observed -log10(p)")
    svg.line(x(0.0), y(0.0), x(ticks[-1]), y(ticks[-1]), stroke=PALETTE[3], width=1.0,
             dash="4 3")
    if n:
        px = np.array([x(v) for v in exp])
        py = np.array([y(v) for v in obs])
        for i in _thin(px, py, obs >= dense_below):
            svg.parts.append(f'<circle cx="{px[i]:.1f}" cy="{py[i]:.1f}" r="1.8" '
                             f'fill="{PALETTE[0]}"/>')
    else:
        svg.empty((left + right) / 2, (svg.top + bottom) / 2)
    xt = _inner_ticks(ticks[0], ticks[-1])
    _x_axis(svg, xt, _tick_labels(xt), x, bottom, "expected -log10(p)")
    return svg.render()
