"""The comparison of `spec check`: the docs pages against a spec, one line per difference.

Tables are compared with the contract view of the spec, examples (the reference's answers)
with the strict view; the spec itself is validated first, since comparing against a broken
spec would only bury the real message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import UsageError
from conformance.openapi.docspage import DocPage, Example, op_label, path_label, read_docs
from conformance.openapi.schema import (
    SpecOperation,
    escape_pointer,
    follow,
    pointer_get,
    schema_errors,
    spec_operations,
)
from conformance.openapi.view import contract_view, strict_view

__all__ = ["check_system", "compare", "spec_problems"]


def _spec_examples(
    spec: dict[str, Any], operations: dict[tuple[str, str], SpecOperation]
) -> Iterator[tuple[str, str, Any]]:
    """(where, schema pointer, value) for each example inside the spec's media types."""
    for (method, api_path), op in operations.items():
        targets = [("request", op.request_schema), *op.responses.items()]
        for which, schema_pointer in targets:
            if schema_pointer is None:
                continue
            media_pointer = schema_pointer.rsplit("/", 1)[0]
            for name in pointer_get(spec, media_pointer).get("examples") or {}:
                _, example = follow(spec, f"{media_pointer}/examples/{escape_pointer(name)}")
                if "value" in example:
                    where = f"{method.upper()} {api_path} {which} example {name!r}"
                    yield where, schema_pointer, example["value"]


def _compare_names(
    what: str, key: tuple[str, str], docs: dict[str, bool], spec: dict[str, bool]
) -> Iterator[str]:
    for name in sorted(docs.keys() - spec.keys()):
        yield f"{op_label(key)}: {what} {name!r} is in the docs but not in the spec"
    for name in sorted(spec.keys() - docs.keys()):
        yield f"{op_label(key)}: {what} {name!r} is in the spec but not in the docs"
    for name in sorted(docs.keys() & spec.keys()):
        if docs[name] != spec[name]:
            said = {True: "required", False: "optional"}
            yield (
                f"{op_label(key)}: {what} {name!r} is {said[docs[name]]} in the docs"
                f" but {said[spec[name]]} in the spec"
            )


def compare(docs: DocPage, spec: dict[str, Any]) -> Iterator[str]:
    """Tables against the contract; examples (the reference's answers) against the strict view."""
    strict = strict_view(spec)
    examples_for = spec_operations(strict)
    spec = contract_view(spec)
    operations = spec_operations(spec)
    yield from docs.problems
    for key in sorted(operations.keys() - docs.operations.keys()):
        yield f"{op_label(key)}: in the spec but documented nowhere"
    for key in sorted(docs.operations.keys() - operations.keys()):
        yield f"{op_label(key)}: documented ({docs.operations[key].seen_in[0]}) but not in the spec"
    for key in sorted(docs.operations.keys() & operations.keys()):
        doc, op = docs.operations[key], operations[key]
        if doc.responses is None:
            yield f"{op_label(key)}: the docs have no responses table for it"
        else:
            for code in sorted(doc.responses - op.responses.keys()):
                yield f"{op_label(key)}: response {code} is in the docs but not in the spec"
            for code in sorted(op.responses.keys() - doc.responses):
                yield f"{op_label(key)}: response {code} is in the spec but not in the docs"
        if op.fields is None and doc.fields is not None:
            yield f"{op_label(key)}: the docs list request fields but the spec has no request body"
        elif op.fields is not None and doc.fields is None:
            yield f"{op_label(key)}: the spec has a request body but the docs have no fields table"
        elif op.fields is not None and doc.fields is not None:
            yield from _compare_names("request field", key, doc.fields, op.fields)
        yield from _compare_names("header", key, doc.headers or {}, op.headers)
    for example in docs.examples:
        yield from _check_example(example, examples_for, strict)
    for where, pointer, value in _spec_examples(strict, examples_for):
        for error in schema_errors(strict, pointer, value)[:3]:
            yield f"spec {where} does not match its own schema: {error}"


def _check_example(
    example: Example, operations: dict[tuple[str, str], SpecOperation], spec: dict[str, Any]
) -> Iterator[str]:
    title = f"{example.where}: example for {op_label(example.operation)} {example.kind}"
    op = operations.get(example.operation)
    if op is None:
        yield f"{title}: no such operation in the spec"
        return
    if example.kind == "request":
        pointer = op.request_schema
    elif example.kind in op.responses:
        pointer = op.responses[example.kind]
    else:
        yield f"{title}: the spec has no {example.kind} response"
        return
    if pointer is None:
        yield f"{title}: the spec gives no application/json schema for it"
        return
    try:
        value = json.loads(example.text)
    except json.JSONDecodeError as exc:
        yield f"{title}: not valid JSON ({exc.msg}, line {exc.lineno})"
        return
    for error in schema_errors(spec, pointer, value)[:3]:
        yield f"{title}: does not match the spec: {error}"


def spec_problems(spec: dict[str, Any], label: str) -> list[str]:
    """What openapi-spec-validator finds wrong with the spec itself."""
    try:  # a development dependency: only this subcommand needs it
        from openapi_spec_validator import OpenAPIV31SpecValidator
    except ImportError as exc:
        raise UsageError(
            "openapi-spec-validator", "not installed; install it or authconform[dev]"
        ) from exc
    return [
        f"{label}: invalid OpenAPI at {'/'.join(str(p) for p in error.path) or '(root)'}:"
        f" {error.message}"
        for error in OpenAPIV31SpecValidator(spec).iter_errors()
    ]


def check_system(system: str, docs_dir: Path, spec_file: Path, root: Path) -> list[str]:
    """Every drift for one system, as lines starting with the system name."""
    label = path_label(spec_file, root)
    try:
        spec = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"spec {spec_file}", f"cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        return [f"{system}: {label}: not valid YAML: {' '.join(str(exc).split())}"]
    if not isinstance(spec, dict):
        return [f"{system}: {label}: not an OpenAPI document"]
    invalid = spec_problems(spec, label)
    if invalid:
        # Comparing against a broken spec would only add noise to the real message.
        return [f"{system}: {line}" for line in invalid]
    docs = read_docs(docs_dir / system, root)
    return [f"{system}: {line}" for line in compare(docs, spec)]
