"""Small server-rendered SVG charts for dashboards and reports (no JavaScript).

The SVG uses presentation attributes and classes only (no `style=`), so it
passes the strict CSP; colours come from the stylesheet through classes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("c1", "c2", "c3", "c4", "c5", "c6")


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    href: str = ""


def _fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") if value >= 100 or value == int(value) else f"{value:.1f}"


def bar_chart(points: Sequence[Point], *, width: int = 420, bar_height: int = 22, title: str = "") -> Markup:
    """Horizontal bars with labels and values; an empty series gives an empty-state text."""
    if not points:
        return Markup('<p class="muted chart-empty">{}</p>').format(title or "—")
    label_w, value_w, gap = 150, 56, 6
    top = max(p.value for p in points) or 1
    plot_w = width - label_w - value_w
    height = len(points) * (bar_height + gap)
    rows = []
    for i, p in enumerate(points):
        y = i * (bar_height + gap)
        w = max(2.0, plot_w * p.value / top) if p.value else 0
        bar = (f'<rect class="bar {PALETTE[i % len(PALETTE)]}" x="{label_w}" y="{y}" '
               f'width="{w:.1f}" height="{bar_height}" rx="3"/>')
        label = (f'<text class="label" x="{label_w - 8}" y="{y + bar_height * 0.7:.1f}" '
                 f'text-anchor="end">{escape(p.label)}</text>')
        value = f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + bar_height * 0.7:.1f}">{_fmt(p.value)}</text>'
        row = bar + label + value
        if p.href:
            row = f'<a href="{escape(p.href)}">{row}</a>'
        rows.append(row)
    return Markup(
        f'<svg class="chart bar-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>'
    )


def donut_chart(points: Sequence[Point], *, size: int = 160, title: str = "") -> Markup:
    """A donut with a legend; slices in palette order."""
    total = sum(p.value for p in points)
    if not total:
        return Markup('<p class="muted chart-empty">{}</p>').format(title or "—")
    r, inner = size / 2 - 4, size / 2 - 30
    cx = cy = size / 2
    angle = -math.pi / 2
    slices = []
    for i, p in enumerate(points):
        sweep = 2 * math.pi * p.value / total
        if sweep >= 2 * math.pi - 1e-9:
            sweep = 2 * math.pi - 1e-4
        x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
        x2, y2 = cx + r * math.cos(angle + sweep), cy + r * math.sin(angle + sweep)
        ix1, iy1 = cx + inner * math.cos(angle + sweep), cy + inner * math.sin(angle + sweep)
        ix2, iy2 = cx + inner * math.cos(angle), cy + inner * math.sin(angle)
        large = 1 if sweep > math.pi else 0
        d = (f"M{x1:.2f},{y1:.2f} A{r:.2f},{r:.2f} 0 {large} 1 {x2:.2f},{y2:.2f} "
             f"L{ix1:.2f},{iy1:.2f} A{inner:.2f},{inner:.2f} 0 {large} 0 {ix2:.2f},{iy2:.2f} Z")
        slices.append(f'<path class="slice {PALETTE[i % len(PALETTE)]}" d="{d}"><title>'
                      f"{escape(p.label)}: {_fmt(p.value)}</title></path>")
        angle += sweep
    centre = f'<text class="total" x="{cx}" y="{cy + 6}" text-anchor="middle">{_fmt(total)}</text>'
    legend = "".join(
        f'<li><span class="swatch {PALETTE[i % len(PALETTE)]}"></span>{escape(p.label)} '
        f'<strong>{_fmt(p.value)}</strong></li>'
        for i, p in enumerate(points)
    )
    return Markup(
        f'<div class="donut"><svg class="chart donut-chart" viewBox="0 0 {size} {size}" width="{size}" '
        f'height="{size}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f'{"".join(slices)}{centre}</svg><ul class="legend">{legend}</ul></div>'
    )
