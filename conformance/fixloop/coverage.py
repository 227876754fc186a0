"""Documented-answer coverage: which documented operations and status codes a run saw.

A passing run says little if it never drew a documented 422. The documented answers are
the ``responses`` of each operation in ``spec/<system>.openapi.yaml``; the observed ones
are every answer the protocol checks received (the Schemathesis stage runs in a child
process and is not counted). Operations the project added to a spec
(``x-authconform-addition``) are no documented answers and are left out. A range such as
``4XX`` counts as seen when some 4xx answer that the operation does not list on its own
came back.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from conformance.engine.context import EXCHANGE_OBSERVERS
from conformance.model import Exchange

__all__ = ["Observed", "coverage_document", "coverage_lines", "coverage_markdown", "observing"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# (system, METHOD, path, status) of every answer seen.
Observed = set[tuple[str, str, str, int]]


@contextlib.contextmanager
def observing() -> Iterator[Observed]:
    """Collect every answer the checks receive while the block runs."""
    seen: Observed = set()

    def observe(system: str, exchange: Exchange) -> None:
        if exchange.status is not None:
            path = urlsplit(exchange.url).path or "/"
            seen.add((system, exchange.method.upper(), path, exchange.status))

    EXCHANGE_OBSERVERS.append(observe)
    try:
        yield seen
    finally:
        EXCHANGE_OBSERVERS.remove(observe)


def _path_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}/?$")


def _covers(code: str, statuses: set[int], listed: set[str]) -> bool:
    if code.isdigit():
        return int(code) in statuses
    if re.fullmatch(r"[1-5]XX", code, re.IGNORECASE):
        return any(str(s)[0] == code[0] and str(s) not in listed for s in statuses)
    return False


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, list[str]]]:
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method, operation in item.items():
            # A project addition (x-authconform-addition) is no documented operation.
            addition = isinstance(operation, dict) and "x-authconform-addition" in operation
            if method in _METHODS and isinstance(operation, dict) and not addition:
                codes = [c for c in (operation.get("responses") or {}) if not c.startswith("x-")]
                yield method.upper(), path, codes


def system_coverage(spec: dict[str, Any], system: str, seen: Observed) -> dict[str, Any]:
    """One system's table: per documented operation, its codes seen and never seen."""
    operations = []
    covered = documented = 0
    for method, path, codes in _operations(spec):
        pattern = _path_pattern(path)
        statuses = {
            s for sys_, m, p, s in seen if sys_ == system and m == method and pattern.match(p)
        }
        listed = {c for c in codes if c.isdigit()}
        hit = [c for c in codes if _covers(c, statuses, listed)]
        operations.append(
            {
                "method": method,
                "path": path,
                "documented": codes,
                "seen": hit,
                "never": [c for c in codes if c not in hit],
                "undocumented": sorted(
                    s for s in statuses if str(s) not in listed and not _in_range(s, codes)
                ),
            }
        )
        covered += len(hit)
        documented += len(codes)
    percent = round(100.0 * covered / documented, 1) if documented else 100.0
    return {
        "operations": operations,
        "covered": covered,
        "documented": documented,
        "percent": percent,
    }


def _in_range(status: int, codes: list[str]) -> bool:
    return any(c.upper() == f"{str(status)[0]}XX" for c in codes)


def coverage_document(systems: list[str], seen: Observed) -> dict[str, Any]:
    """The report.json ``coverage`` block: per system, then the whole run's percentage."""
    from conformance.openapi.files import load_spec

    by_system = {}
    for system in systems:
        try:
            spec = load_spec(system)
        except Exception:
            continue
        by_system[system] = system_coverage(spec, system, seen)
    covered = sum(s["covered"] for s in by_system.values())
    documented = sum(s["documented"] for s in by_system.values())
    percent = round(100.0 * covered / documented, 1) if documented else 100.0
    return {"systems": by_system, "covered": covered, "documented": documented, "percent": percent}


def _codes(codes: list[str]) -> str:
    return ", ".join(codes) if codes else "none"


def coverage_lines(coverage: dict[str, Any]) -> list[str]:
    """The coverage table for the terminal."""
    lines = [
        f"Documented-answer coverage: {coverage['covered']} of {coverage['documented']} "
        f"documented status codes seen ({coverage['percent']:g}%)"
    ]
    for system, table in coverage["systems"].items():
        lines.append(
            f"  {system}: {table['covered']}/{table['documented']} ({table['percent']:g}%)"
        )
        for op in table["operations"]:
            line = (
                f"    {op['method']} {op['path']}: seen {_codes(op['seen'])}; "
                f"never {_codes(op['never'])}"
            )
            if op["undocumented"]:
                line += f"; undocumented {', '.join(map(str, op['undocumented']))}"
            lines.append(line)
    return lines


def coverage_markdown(coverage: dict[str, Any]) -> list[str]:
    """The coverage table as Markdown lines (report.md, the site, the job summary)."""
    lines = [
        f"{coverage['covered']} of {coverage['documented']} documented status codes seen "
        f"({coverage['percent']:g}%).",
        "",
        "| System | Operation | Seen | Never seen | Undocumented seen |",
        "|---|---|---|---|---|",
    ]
    for system, table in coverage["systems"].items():
        for op in table["operations"]:
            undocumented = ", ".join(map(str, op["undocumented"])) or "—"
            lines.append(
                f"| {system} | `{op['method']} {op['path']}` | {_codes(op['seen'])} "
                f"| {_codes(op['never'])} | {undocumented} |"
            )
    return lines
