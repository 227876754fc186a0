"""Two readings of one spec file: what the documents fix, and the reference server's stricter one.

The spec files describe the documented contract. Where this project chose more than the
documents say (a pattern taken from one example value, a length limit, an error body
shape), the choice sits beside the contract in an ``x-authconform-advisory`` mapping:

    userId:
      type: string
      x-authconform-advisory:
        pattern: "^[0-9a-f]{24}$"
        why: seed 003's one example value is 24 hex digits; no document makes it a rule.

:func:`contract_view` drops those mappings (the contract checks judge by it);
:func:`strict_view` merges each into the node that holds it (the advisory checks judge
by it). A key mapped to ``null`` is removed by the merge; ``why`` is never merged.
Operations marked ``x-authconform-addition: true`` are the project's own additions; the
contract view can leave out the ones a target does not serve.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any

from conformance.openapi.schema import HTTP_METHODS

__all__ = [
    "ADDITION_KEY",
    "ADVISORY_KEY",
    "Addition",
    "additions",
    "contract_view",
    "strict_view",
]

ADVISORY_KEY = "x-authconform-advisory"
ADDITION_KEY = "x-authconform-addition"
WHY_KEY = "why"


class Addition(tuple):
    """(method, path, operationId) of an operation no document asks for."""

    @property
    def method(self) -> str:
        return self[0]

    @property
    def path(self) -> str:
        return self[1]

    @property
    def operation_id(self) -> str:
        return self[2]


def _overlaid(node: Any, merge: bool) -> Any:
    if isinstance(node, list):
        return [_overlaid(item, merge) for item in node]
    if not isinstance(node, dict):
        return node
    overlay = node.get(ADVISORY_KEY)
    result = {k: _overlaid(v, merge) for k, v in node.items() if k != ADVISORY_KEY}
    if merge and isinstance(overlay, dict):
        for key, value in overlay.items():
            if key == WHY_KEY:
                continue
            if value is None:
                result.pop(key, None)
            else:
                result[key] = _overlaid(value, merge)
    return result


def contract_view(
    spec: dict[str, Any], *, leave_out: Iterable[tuple[str, str]] = ()
) -> dict[str, Any]:
    """The spec as the documents fix it; ``leave_out`` (method, path) pairs are removed."""
    view = _overlaid(spec, merge=False)
    for method, path in leave_out:
        item = (view.get("paths") or {}).get(path)
        if isinstance(item, dict):
            item.pop(method.lower(), None)
            if not any(m in item for m in HTTP_METHODS):
                del view["paths"][path]
    return view


def strict_view(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with every advisory choice applied: the reference server's reading."""
    return _overlaid(copy.deepcopy(spec), merge=True)


def additions(spec: dict[str, Any]) -> list[Addition]:
    """Operations marked as the project's own additions, in spec order."""
    return list(_additions(spec))


def _additions(spec: dict[str, Any]) -> Iterator[Addition]:
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict) and operation.get(ADDITION_KEY) is True:
                yield Addition((method, path, str(operation.get("operationId") or "")))
