"""The baseline comparison on paper: ``baseline.json``, ``baseline.html`` (a bar chart of both
runs' latencies and the table) and the same section added to the run's ``report.html``.

Plain SVG (no plotting library) inside Jinja2 templates with autoescape, shipped in the
package (``templates/``); kept free of Locust.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from load.stats.compare import SOURCES, Comparison

if TYPE_CHECKING:
    import jinja2

__all__ = ["comparison_html", "write_comparison"]

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 60, 40, 20
COLOURS = {"baseline": "#7f7f7f", "this run": "#1f77b4", "regressed": "#d62728"}
MARKER = "<!-- authconform baseline comparison -->"


def _chart(result: Comparison) -> str:
    """Paired bars, baseline then this run, for each latency figure (ms, linear scale)."""
    bars = [c for c in result.changes if c.unit == "ms"]
    top = max([max(c.baseline, c.current) for c in bars] + [1.0]) * 1.1
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - 10) / len(bars)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="12" role="img" aria-label="latency, ms">',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 10}" y2="{TOP + plot_h}" '
        'stroke="#444"/>',
        f'<text x="4" y="{TOP + 10}">ms</text>',
        f'<text x="4" y="{TOP + plot_h}">0</text>',
        f'<text x="4" y="{TOP + 24}">{top:,.0f}</text>',
    ]
    for n, c in enumerate(bars):
        x = LEFT + n * slot + slot * 0.15
        width = slot * 0.3
        label = html.escape(c.label)
        for k, (who, value) in enumerate((("baseline", c.baseline), ("this run", c.current))):
            colour = COLOURS["regressed"] if who == "this run" and c.regressed else COLOURS[who]
            h = plot_h * value / top
            out.append(
                f'<rect x="{x + k * width:.1f}" y="{TOP + plot_h - h:.1f}" width="{width:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{who}: {label} {value:,.1f} ms'
                "</title></rect>"
            )
        out.append(
            f'<text x="{x + width:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
            f"{label}</text>"
        )
    legend_y = HEIGHT - 8
    for k, (who, colour) in enumerate(COLOURS.items()):
        out.append(f'<rect x="{LEFT + k * 120}" y="{legend_y - 10}" width="10" height="10" '
                   f'fill="{colour}"/><text x="{LEFT + k * 120 + 14}" y="{legend_y}">{who}'
                   "</text>")  # fmt: skip
    out.append("</svg>")
    return "\n".join(out)


@cache
def _templates() -> jinja2.Environment:
    """The package's templates, autoescaped: labels and notes are text, never markup."""
    # Imported here: ``authconform load`` imports this module, and only a baseline
    # comparison writes a page.
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("load.stats", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
    )


def comparison_html(result: Comparison, baseline_dir: str | Path) -> str:
    """One self-contained section: heading, what was compared, chart, table, verdict."""
    from markupsafe import Markup

    rows = []
    for c in result.changes:
        fmt = "{:.4f}" if c.unit == "" else "{:,.1f}"
        rows.append({
            "label": c.label,
            "unit": c.unit,
            "baseline": fmt.format(c.baseline),
            "current": fmt.format(c.current),
            "change": "same" if not c.worse_pct else f"{c.worse_pct:+.1f}% worse",
            "verdict": "REGRESSED" if c.regressed else ("ok" if c.judged else "shown, not judged"),
        })  # fmt: skip
    regressed = ", ".join(c.label for c in result.regressions)
    limit = f"{result.max_regression_pct:g}%"
    verdict = f"{'Regression' if regressed else 'No regression'} past {limit}"
    if regressed:
        verdict += f": {regressed}"
    return _templates().get_template("comparison.html.j2").render(
        # The marker is a fixed comment that write_comparison looks for: trusted markup.
        marker=Markup(MARKER),
        baseline_dir=str(Path(baseline_dir).resolve()),
        compared=SOURCES[result.source],
        # Built from numbers and escaped labels above: trusted markup inside the page.
        chart=Markup(_chart(result)),
        rows=rows,
        notes=result.notes,
        verdict=verdict,
    )


def write_comparison(result: Comparison, baseline_dir: str | Path, report: Path) -> None:
    """baseline.json and baseline.html in ``report``; the section appended to report.html."""
    from markupsafe import Markup

    section = comparison_html(result, baseline_dir)
    (report / "baseline.json").write_text(json.dumps(result.to_dict(), indent=2), "utf-8")
    page_text = _templates().get_template("baseline.html.j2").render(section=Markup(section))
    (report / "baseline.html").write_text(page_text + "\n", encoding="utf-8")
    page = report / "report.html"
    if page.is_file():
        text = page.read_text(encoding="utf-8")
        if MARKER not in text:
            at = text.rfind("</body>")
            text = text[:at] + section + "\n" + text[at:] if at >= 0 else text + section
            page.write_text(text, encoding="utf-8")
