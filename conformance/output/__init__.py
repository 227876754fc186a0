"""Outputs of a run: console lines as results come (``console``), then the reports.

SARIF for code scanning and the CI job summary are built from the report.json document
(see ``conformance.output.report.report_json``), never the engine's objects, so they read an
old run's report.json as easily as the current one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["write_extra_outputs"]


def write_extra_outputs(document: dict[str, Any], directory: Path) -> list[Path]:
    """Write report.sarif and report.summary.md next to the other reports."""
    from conformance.output.sarif import sarif_document
    from conformance.output.summary import summary_markdown

    sarif = directory / "report.sarif"
    sarif.write_text(json.dumps(sarif_document(document), indent=2) + "\n", encoding="utf-8")
    summary = directory / "report.summary.md"
    summary.write_text(summary_markdown(document), encoding="utf-8")
    return [sarif, summary]
