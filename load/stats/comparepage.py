"""The baseline comparison on paper: ``baseline.json``, ``baseline.html`` (a bar chart of both
runs' latencies and the table) and the same section added to the run's ``report.html``.

Plain SVG and escaped HTML, no plotting library; kept free of Locust.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from load.stats.compare import SOURCES, Comparison

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
        for k, (who, value) in enumerate((("baseline", c.baseline), ("this run", c.current))):
            colour = COLOURS["regressed"] if who == "this run" and c.regressed else COLOURS[who]
            h = plot_h * value / top
            out.append(
                f'<rect x="{x + k * width:.1f}" y="{TOP + plot_h - h:.1f}" width="{width:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{who}: {c.label} {value:,.1f} ms'
                "</title></rect>"
            )
        out.append(
            f'<text x="{x + width:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
            f"{html.escape(c.label)}</text>"
        )
    legend_y = HEIGHT - 8
    for k, (who, colour) in enumerate(COLOURS.items()):
        out.append(f'<rect x="{LEFT + k * 120}" y="{legend_y - 10}" width="10" height="10" '
                   f'fill="{colour}"/><text x="{LEFT + k * 120 + 14}" y="{legend_y}">{who}'
                   "</text>")  # fmt: skip
    out.append("</svg>")
    return "\n".join(out)


def comparison_html(result: Comparison, baseline_dir: str | Path) -> str:
    """One self-contained section: heading, what was compared, chart, table, verdict."""
    rows = []
    for c in result.changes:
        fmt = "{:.4f}" if c.unit == "" else "{:,.1f}"
        verdict = "REGRESSED" if c.regressed else ("ok" if c.judged else "shown, not judged")
        change = "same" if not c.worse_pct else f"{c.worse_pct:+.1f}% worse"
        rows.append(
            f"<tr><td>{html.escape(c.label)} {html.escape(c.unit)}</td>"
            f"<td>{fmt.format(c.baseline)}</td><td>{fmt.format(c.current)}</td>"
            f"<td>{html.escape(change)}</td><td>{verdict}</td></tr>"
        )
    notes = "".join(f"<p>Note: {html.escape(n)}</p>" for n in result.notes)
    regressed = ", ".join(c.label for c in result.regressions)
    verdict = (f"Regression past {result.max_regression_pct:g}%: {html.escape(regressed)}"
               if regressed else f"No regression past {result.max_regression_pct:g}%")  # fmt: skip
    return "\n".join([
        MARKER,
        '<section id="baseline-comparison" style="font-family:sans-serif;margin:1em">',
        "<h2>Against the baseline</h2>",
        f"<p>Baseline: <code>{html.escape(str(Path(baseline_dir).resolve()))}</code>. "
        f"Compared: {html.escape(SOURCES[result.source])}.</p>",
        _chart(result),
        '<table border="1" cellpadding="4" style="border-collapse:collapse">',
        "<tr><th>figure</th><th>baseline</th><th>this run</th><th>change</th><th>verdict</th>"
        "</tr>",
        *rows,
        "</table>",
        notes,
        f"<p><strong>{verdict}</strong></p>",
        "</section>",
    ])  # fmt: skip


def write_comparison(result: Comparison, baseline_dir: str | Path, report: Path) -> None:
    """baseline.json and baseline.html in ``report``; the section appended to report.html."""
    section = comparison_html(result, baseline_dir)
    (report / "baseline.json").write_text(json.dumps(result.to_dict(), indent=2), "utf-8")
    (report / "baseline.html").write_text(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Load run against its '
        f"baseline</title></head><body>\n{section}\n</body></html>\n",
        encoding="utf-8",
    )
    page = report / "report.html"
    if page.is_file():
        text = page.read_text(encoding="utf-8")
        if MARKER not in text:
            at = text.rfind("</body>")
            text = text[:at] + section + "\n" + text[at:] if at >= 0 else text + section
            page.write_text(text, encoding="utf-8")
