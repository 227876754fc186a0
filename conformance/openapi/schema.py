"""Reading an OpenAPI 3.1 document: its operations, and validating values against its schemas.

Shared by `authconform spec check` and by the checks that hold responses to the spec, so
both resolve ``$ref``s the same way: locally, inside the spec, with formats checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.errors import UsageError

__all__ = [
    "HTTP_METHODS",
    "SpecOperation",
    "documented_code",
    "escape_pointer",
    "follow",
    "pointer_get",
    "response_errors",
    "schema_errors",
    "security_headers",
    "spec_operations",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SPEC_URI = "urn:authconform:spec"


def pointer_get(spec: dict[str, Any], pointer: str) -> Any:
    node: Any = spec
    for part in pointer.lstrip("/").split("/") if pointer.strip("/") else []:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def escape_pointer(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def follow(spec: dict[str, Any], pointer: str) -> tuple[str, Any]:
    """Follow local ``$ref``s from ``pointer``; returns where it ended and the node there."""
    node = pointer_get(spec, pointer)
    for _ in range(32):  # bounded: a $ref cycle is a broken spec, reported by the validator
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return pointer, node
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise UsageError(f"$ref {ref}", "only local references (#/...) are supported")
        pointer = ref[1:]
        node = pointer_get(spec, pointer)
    raise UsageError(f"$ref at {pointer}", "too many nested references")


@dataclass
class SpecOperation:
    fields: dict[str, bool] | None
    headers: dict[str, bool]
    responses: dict[str, str | None]  # code -> JSON pointer of its application/json schema
    request_schema: str | None


def _json_schema_pointer(spec: dict[str, Any], pointer: str) -> str | None:
    pointer, node = follow(spec, pointer)
    if isinstance(node, dict) and "application/json" in node.get("content", {}):
        return f"{pointer}/content/application~1json/schema"
    return None


def security_headers(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, bool]:
    """Headers the operation's security schemes send; required when every alternative sends it.

    An ``http`` scheme sends ``Authorization``; an ``apiKey`` scheme ``in: header`` sends its
    ``name``. An empty requirement (``{}``) makes every credential optional.
    """
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    requirements = op.get("security", spec.get("security")) or []
    per_alternative = []
    for requirement in requirements:
        names = set()
        for scheme_name in requirement:
            scheme = schemes.get(scheme_name) or {}
            if scheme.get("type") == "http":
                names.add("authorization")
            elif scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                names.add(str(scheme.get("name", "")).lower())
        per_alternative.append(names)
    every = set.intersection(*per_alternative) if per_alternative else set()
    return {name: name in every for name in set().union(*per_alternative)}


def spec_operations(spec: dict[str, Any]) -> dict[tuple[str, str], SpecOperation]:
    operations = {}
    for api_path, item in (spec.get("paths") or {}).items():
        item_pointer = f"/paths/{escape_pointer(api_path)}"
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op_pointer = f"{item_pointer}/{method}"
            op = item[method]
            headers = {}
            for base, params in ((item_pointer, item), (op_pointer, op)):
                for index in range(len(params.get("parameters") or [])):
                    _, param = follow(spec, f"{base}/parameters/{index}")
                    if param.get("in") == "header":
                        headers[param["name"].lower()] = bool(param.get("required"))
            headers.update(security_headers(spec, op))
            request_schema = fields = None
            if "requestBody" in op:
                request_schema = _json_schema_pointer(spec, f"{op_pointer}/requestBody")
                fields = {}
                if request_schema:
                    _, schema = follow(spec, request_schema)
                    required = set(schema.get("required") or [])
                    fields = {name: name in required for name in schema.get("properties") or {}}
            responses = {
                str(code): _json_schema_pointer(spec, f"{op_pointer}/responses/{code}")
                for code in op.get("responses") or {}
                if not str(code).startswith("x-")
            }
            operations[(method, api_path)] = SpecOperation(
                fields, headers, responses, request_schema
            )
    return operations


def _validator(spec: dict[str, Any], pointer: str) -> Draft202012Validator:
    """A validator for the schema at ``pointer`` whose own ``$ref``s resolve inside the spec."""
    registry = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def schema_errors(spec: dict[str, Any], pointer: str, instance: Any) -> list[str]:
    """Every way ``instance`` breaks the schema at ``pointer``, one short line each."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(_validator(spec, pointer).iter_errors(instance), key=str)
    ]


def response_errors(
    spec: dict[str, Any], path: str, method: str, status: int | str, body: Any
) -> list[str] | None:
    """How ``body`` breaks the schema documented for that response; None if none is documented.

    An exact status wins over its range (``4XX``), the range over ``default``, as in OpenAPI.
    """
    operation = spec_operations(spec).get((method.lower(), path))
    if operation is None:
        return None
    code = documented_code(operation.responses, status)
    pointer = operation.responses.get(code) if code else None
    if pointer is None:
        return None
    return schema_errors(spec, pointer, body)


def documented_code(responses: dict[str, Any], status: int | str) -> str | None:
    """The key of ``responses`` that documents ``status`` (exact, range, default), or None."""
    status = str(status)
    for key in (status, f"{status[:1]}XX", "default"):
        for declared in responses:
            if str(declared).upper() == key.upper():
                return str(declared)
    return None
