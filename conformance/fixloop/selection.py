"""Which checks a replay re-runs: ``options["only"]`` maps a system to the names to run.

Imports nothing of the suite, so the runner can ask it without an import circle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ONLY", "fuzz_selected", "selected"]

ONLY = "only"  # the run option: {system: [check names]}; absent, every check runs


def selected(options: Mapping[str, Any], system: str, name: str) -> bool:
    """Whether the check ``name`` of ``system`` runs (always, unless a replay narrowed it)."""
    only = options.get(ONLY)
    return only is None or name in only.get(system, ())


def fuzz_selected(options: Mapping[str, Any], system: str) -> bool:
    """Whether ``system``'s Schemathesis stage runs: a replay runs it for its own failures."""
    only = options.get(ONLY)
    return only is None or any(n.startswith("schemathesis.") for n in only.get(system, ()))
