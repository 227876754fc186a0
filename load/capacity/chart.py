"""The capacity chart as plain SVG (no plotting library) and a self-contained HTML page
(a Jinja2 template with autoescape, shipped in the package).

Top: achieved throughput against the offered rate, with the diagonal it follows until the
knee. Bottom: p50 and p99 from the intended start against the offered rate, on a log
scale, with the SLO. Both mark the knee and the capacity found.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

__all__ = ["capacity_svg", "write_chart"]

WIDTH, PANEL, GAP = 760, 260, 40
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 30, 40
COLOURS = {"achieved": "#1f77b4", "p50": "#2ca02c", "p99": "#d62728", "knee": "#ff7f0e",
           "capacity": "#6a3d9a", "axis": "#444", "grid": "#ddd", "slo": "#d62728"}  # fmt: skip


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= value:
            return factor * power
    return 10 * power


class _Panel:
    """Maps data to pixels inside one panel; y may be logarithmic."""

    def __init__(self, top: float, x_max: float, y_min: float, y_max: float, log: bool) -> None:
        self.top, self.x_max, self.y_min, self.y_max, self.log = top, x_max, y_min, y_max, log
        self.width = WIDTH - LEFT - RIGHT
        self.height = PANEL - TOP - BOTTOM

    def x(self, value: float) -> float:
        return LEFT + self.width * value / self.x_max

    def y(self, value: float) -> float:
        if self.log:
            low, high = math.log10(self.y_min), math.log10(self.y_max)
            share = (math.log10(max(value, self.y_min)) - low) / (high - low)
        else:
            share = value / self.y_max
        share = min(1.0, max(0.0, share))
        return self.top + TOP + self.height * (1 - share)

    def frame(self, title: str, y_label: str, y_ticks: list[float]) -> list[str]:
        bottom = self.top + TOP + self.height
        out = [
            f'<text x="{LEFT}" y="{self.top + 18}" font-weight="bold">{html.escape(title)}</text>',
            f'<text x="14" y="{self.top + TOP + self.height / 2}" transform="rotate(-90 14 '
            f'{self.top + TOP + self.height / 2})" text-anchor="middle">{y_label}</text>',
        ]
        for tick in y_ticks:
            y = self.y(tick)
            out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                       f'stroke="{COLOURS["grid"]}"/>')  # fmt: skip
            out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
        for i in range(6):
            value = self.x_max * i / 5
            x = self.x(value)
            out.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">'
                       f'{value:,.0f}</text>')  # fmt: skip
        out.append(f'<text x="{LEFT + self.width / 2}" y="{bottom + 34}" text-anchor="middle">'
                   "offered rate, logins/s</text>")  # fmt: skip
        out.append(f'<rect x="{LEFT}" y="{self.top + TOP}" width="{self.width}" '
                   f'height="{self.height}" fill="none" stroke="{COLOURS["axis"]}"/>')  # fmt: skip
        return out

    def vertical(self, value: float, colour: str, label: str, ident: str, row: int = 0) -> str:
        """A dashed marker at ``value`` with its label on text ``row`` (so labels never meet)."""
        x = self.x(value)
        top, bottom = self.top + TOP, self.top + TOP + self.height
        return (
            f'<g id="{ident}" class="marker"><line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" '
            f'y2="{bottom}" stroke="{colour}" stroke-dasharray="6 4" stroke-width="2"/>'
            f'<text x="{x + 4:.1f}" y="{top + 14 + 16 * row}" fill="{colour}">'
            f"{html.escape(label)}</text></g>"
        )


def _series(panel: _Panel, points: list[tuple[float, float]], colour: str, name: str) -> str:
    path = " ".join(f"{panel.x(x):.1f},{panel.y(y):.1f}" for x, y in points)
    dots = "".join(
        f'<circle cx="{panel.x(x):.1f}" cy="{panel.y(y):.1f}" r="3.5" fill="{colour}"/>'
        for x, y in points
    )
    return (f'<g class="series" data-name="{name}"><polyline points="{path}" fill="none" '
            f'stroke="{colour}" stroke-width="2"/>{dots}</g>')  # fmt: skip


def capacity_svg(result: dict[str, Any]) -> str:
    """The two panels for a search result (``load.capacity.driver.answer`` plus its ``steps``)."""
    steps = sorted(result["steps"], key=lambda s: s["offered"])
    x_max = _nice_max(max(s["offered"] for s in steps) * 1.05)
    y_top = _nice_max(max(max(s["achieved"], s["offered"]) for s in steps) * 1.05)
    top = _Panel(0, x_max, 0, y_top, log=False)
    times = [t for s in steps for t in (s["p50_ms"], s["p99_ms"]) if t > 0]
    low = 10 ** math.floor(math.log10(min([*times, result["slo_p99_ms"]]) or 0.1))
    high = 10 ** math.ceil(math.log10(max([*times, result["slo_p99_ms"]]) * 1.01))
    bottom = _Panel(PANEL + GAP, x_max, low, max(high, low * 10), log=True)
    height = 2 * PANEL + GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12" '
        'role="img" aria-label="capacity search chart">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        *top.frame(
            "Achieved throughput vs offered rate", "logins/s", [y_top * i / 5 for i in range(6)]
        ),
        f'<line x1="{top.x(0):.1f}" y1="{top.y(0):.1f}" x2="{top.x(min(x_max, y_top)):.1f}" '
        f'y2="{top.y(min(x_max, y_top)):.1f}" stroke="#999" stroke-dasharray="3 3"/>',
        _series(
            top, [(s["offered"], s["achieved"]) for s in steps], COLOURS["achieved"], "achieved"
        ),
        *bottom.frame(
            "Latency from the intended start vs offered rate",
            "ms (log)",
            [
                10**e
                for e in range(round(math.log10(bottom.y_min)), round(math.log10(bottom.y_max)) + 1)
            ],
        ),
        _series(bottom, [(s["offered"], s["p50_ms"]) for s in steps], COLOURS["p50"], "p50"),
        _series(bottom, [(s["offered"], s["p99_ms"]) for s in steps], COLOURS["p99"], "p99"),
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom.y(result["slo_p99_ms"]):.1f}" '
        f'y2="{bottom.y(result["slo_p99_ms"]):.1f}" stroke="{COLOURS["slo"]}" '
        'stroke-dasharray="2 2"/>',
        f'<text x="{WIDTH - RIGHT - 4}" y="{bottom.y(result["slo_p99_ms"]) - 4:.1f}" '
        f'text-anchor="end" fill="{COLOURS["slo"]}">SLO p99 {result["slo_p99_ms"]:g} ms</text>',
        _legend(bottom),
    ]
    knee = result.get("knee")
    if knee:
        label = f"knee ≈ {knee['saturates_at']:,.0f}/s"
        parts.append(top.vertical(knee["saturates_at"], COLOURS["knee"], label, "knee"))
        parts.append(bottom.vertical(knee["saturates_at"], COLOURS["knee"], label, "knee-latency"))
    if result.get("capacity"):
        label = f"capacity {result['capacity']:,.0f}/s"
        parts.append(
            bottom.vertical(result["capacity"], COLOURS["capacity"], label, "capacity", row=1)
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _legend(panel: _Panel) -> str:
    x, y = LEFT + 10, panel.top + TOP + panel.height - 30
    return (
        f'<g class="legend"><line x1="{x}" x2="{x + 20}" y1="{y}" y2="{y}" '
        f'stroke="{COLOURS["p50"]}" stroke-width="2"/><text x="{x + 24}" y="{y + 4}">p50</text>'
        f'<line x1="{x + 60}" x2="{x + 80}" y1="{y}" y2="{y}" stroke="{COLOURS["p99"]}" '
        f'stroke-width="2"/><text x="{x + 84}" y="{y + 4}">p99</text></g>'
    )


def write_chart(report: Path, result: dict[str, Any]) -> None:
    """``capacity.svg`` and ``capacity.html`` (the chart inline, no outside assets)."""
    if not result.get("steps"):
        return
    from markupsafe import Markup

    svg = capacity_svg(result)
    (report / "capacity.svg").write_text(svg + "\n", encoding="utf-8")
    page = _page_template().render(
        width=WIDTH + 40,
        line=result["line"],
        # Built from numbers and escaped labels above: trusted markup inside the page.
        svg=Markup(svg),
        steps=sorted(result["steps"], key=lambda s: s["offered"]),
    )
    (report / "capacity.html").write_text(page + "\n", encoding="utf-8")


def _page_template() -> jinja2.Template:
    """The page around the chart, from the package's templates (autoescaped: verdicts are text)."""
    # Imported here: ``authconform load`` imports this module, and only a capacity search
    # writes the page (jinja2 alone was about 0.15 CPU seconds of every load process's start).
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("load.capacity", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("capacity.html")
