"""Outputs built from the report.json document: SARIF for code scanning, the CI job summary.

Each writer takes the document (see ``conformance.output.report.report_json``), never the engine's
objects, so it reads an old run's report.json as easily as the current one.
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
