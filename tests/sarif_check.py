"""Validate SARIF logs against the OASIS SARIF 2.1.0 schema kept in tests/schemas/."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA = Path(__file__).with_name("schemas") / "sarif-schema-2.1.0.json"
# A test's tmp_path holds a few report folders; this bounds the walk all the same.
MAX_FILES = 50


@functools.cache
def _validator() -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def validate_sarif(log: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless ``log`` is valid SARIF 2.1.0."""
    _validator().validate(log)


def validate_written(folder: Path) -> int:
    """Validate every report.sarif under ``folder``; how many there were."""
    found = sorted(folder.rglob("report.sarif"))[:MAX_FILES]
    for path in found:
        validate_sarif(json.loads(path.read_text(encoding="utf-8")))
    return len(found)
