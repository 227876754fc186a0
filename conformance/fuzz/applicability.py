"""Which Schemathesis checks have something to judge in a spec, decided from the spec itself.

Schemathesis records a check as held for every response it was applied to, also when the
check found nothing to look at (``use_after_free`` on an API that deletes nothing). Such a
check is reported not applicable, with the reason read here from the spec's operations,
links, parameters and security requirements; never from the system's name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from conformance.openapi.schema import HTTP_METHODS, follow

__all__ = ["not_applicable"]

Operation = tuple[str, str, dict[str, Any]]  # method, path, operation object


def _operations(spec: Mapping[str, Any]) -> Iterator[Operation]:
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield method, path, item[method]


def _declares_security(spec: Mapping[str, Any], operation: dict[str, Any]) -> bool:
    requirements = operation.get("security", spec.get("security")) or []
    return any(isinstance(req, dict) and req for req in requirements)


def _resolved(spec: Mapping[str, Any], node: Any) -> Any:
    if (
        isinstance(node, dict)
        and isinstance(node.get("$ref"), str)
        and node["$ref"].startswith("#/")
    ):
        return follow(dict(spec), node["$ref"][1:])[1]
    return node


def _required_headers(spec: Mapping[str, Any]) -> bool:
    for _, path, operation in _operations(spec):
        shared = (spec.get("paths") or {})[path].get("parameters") or []
        for param in [*shared, *(operation.get("parameters") or [])]:
            param = _resolved(spec, param)
            if isinstance(param, dict) and param.get("in") == "header" and param.get("required"):
                return True
    return False


def _responses(spec: Mapping[str, Any], operation: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for code, response in (operation.get("responses") or {}).items():
        if not str(code).startswith("x-"):
            yield str(code), _resolved(spec, response)


def _post_links_to_get(spec: Mapping[str, Any]) -> bool:
    """A POST's 2xx answer links to a GET operation: a created thing that can be fetched."""
    get_ids = {op.get("operationId") for method, _, op in _operations(spec) if method == "get"}
    for method, _, operation in _operations(spec):
        if method != "post":
            continue
        for code, response in _responses(spec, operation):
            if not code.startswith("2") or not isinstance(response, dict):
                continue
            for link in (response.get("links") or {}).values():
                link = _resolved(spec, link)
                if isinstance(link, dict) and link.get("operationId") in get_ids:
                    return True
    return False


def not_applicable(
    spec: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Check name -> why it has nothing to judge in ``spec`` under the run's ``config``."""
    config = config or {}
    operations = list(_operations(spec))
    found: dict[str, str] = {}
    if not any(method == "delete" for method, _, _ in operations):
        found["use_after_free"] = (
            "the spec declares no DELETE operation: nothing is deleted, so nothing can be "
            "used after it"
        )
    if not _post_links_to_get(spec):
        found["ensure_resource_availability"] = (
            "no POST answer in the spec links to a GET of what it created"
        )
    if not any(_declares_security(spec, op) for _, _, op in operations):
        found["ignored_auth"] = "the spec declares no security requirement to enforce"
    if not any(m == "get" and _declares_security(spec, op) for m, _, op in operations):
        found["object_level_authorization"] = (
            "no GET operation declares authentication: there is no user's object to read "
            "as another user"
        )
    elif "auth" not in config:
        found["object_level_authorization"] = (
            "the run gives Schemathesis one identity: there is no second user to compare"
        )
    if not _required_headers(spec):
        found["missing_required_header"] = "no operation in the spec has a required header"
    if not any(
        isinstance(response, dict) and response.get("headers")
        for _, _, op in operations
        for _, response in _responses(spec, op)
    ):
        found["response_headers_conformance"] = "no response in the spec declares headers"
    methods = ((config.get("phases") or {}).get("coverage") or {}).get("unexpected-methods")
    if methods is not None and "OPTIONS" not in methods:
        found["allow_header_conformance"] = "the run sends no OPTIONS request to read Allow from"
    return found
