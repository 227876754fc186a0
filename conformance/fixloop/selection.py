"""Which checks a replay re-runs: ``only`` maps a system to the names to run.

Imports nothing of the suite, so the runner can ask it without an import circle.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

__all__ = ["fuzz_selected", "selected"]

Only = Mapping[str, Collection[str]] | None  # absent (None): every check runs


def selected(only: Only, system: str, name: str) -> bool:
    """Whether the check ``name`` of ``system`` runs (always, unless a replay narrowed it)."""
    return only is None or name in only.get(system, ())


def fuzz_selected(only: Only, system: str) -> bool:
    """Whether ``system``'s Schemathesis stage runs: a replay runs it for its own failures."""
    return only is None or any(n.startswith("schemathesis.") for n in only.get(system, ()))
