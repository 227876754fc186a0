"""`authconform spec check`: the docs pages are the source of truth; this keeps the specs in step.

The pages mark what the spec must mirror with one-line HTML comments, invisible when rendered:

    <!-- fields: POST /path -->      request-body table: first column the field, plus "Required"
    <!-- headers: PATCH /path -->    request-header table: first column the header, plus "Required"
    <!-- responses: POST /path -->   response table: first column the status code
    <!-- example: POST /path request -->   the next ```json block is a request body
    <!-- example: POST /path 200 -->       the next ```json block is a 200 response body
    <!-- example: illustration -->         the next ```json block is not checked

Every ```json block needs an example marker, so a new example cannot slip by unchecked.
Each difference is printed on one line; exit 1 on drift, 0 when clean.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import UsageError
from conformance.openapi.files import SYSTEMS, docs_dirs, spec_path
from conformance.openapi.files import docs_dir as default_docs_dir
from conformance.openapi.schema import (
    SpecOperation,
    escape_pointer,
    follow,
    pointer_get,
    schema_errors,
    spec_operations,
)
from conformance.openapi.view import contract_view, strict_view

__all__ = ["DocPage", "check_system", "configure", "parse_page", "run"]


_MARKER = re.compile(r"^\s*<!--\s*(fields|headers|responses|example)\s*:\s*(.*?)\s*-->\s*$")
_OPERATION = re.compile(r"^([A-Za-z]+)\s+(/\S*)$")
_EXAMPLE = re.compile(r"^([A-Za-z]+)\s+(/\S*)\s+(request|\d{3}|default)$")
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)")
_YES = {"yes", "required", "true"}
_NO = {"no", "optional", "false"}


# --- the docs side -------------------------------------------------------------------------


@dataclass
class Example:
    where: str  # "docs/apis/fib/login.md:42"
    operation: tuple[str, str]
    kind: str  # "request" or a status code
    text: str


@dataclass
class DocOperation:
    """What the pages say about one (method, path); None means "no table for it"."""

    fields: dict[str, bool] | None = None
    headers: dict[str, bool] | None = None
    responses: set[str] | None = None
    seen_in: list[str] = field(default_factory=list)


@dataclass
class DocPage:
    operations: dict[tuple[str, str], DocOperation] = field(default_factory=dict)
    examples: list[Example] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _cell(text: str) -> str:
    return text.replace("`", "").replace("**", "").strip()


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _table(lines: list[str], start: int) -> tuple[list[str], list[list[str]]]:
    """The Markdown table beginning at or after ``start`` (blank lines skipped)."""
    i = _skip_blank(lines, start)
    rows = []
    while i < len(lines) and lines[i].strip().startswith("|"):
        rows.append([_cell(c) for c in lines[i].strip().strip("|").split("|")])
        i += 1
    if len(rows) < 2:
        return [], []
    return [h.lower() for h in rows[0]], rows[2:]


def _required_map(
    header: list[str], rows: list[list[str]], where: str, problems: list[str]
) -> dict[str, bool]:
    if "required" not in header:
        problems.append(f"{where}: table has no 'Required' column")
        return {row[0]: True for row in rows if row and row[0]}
    column = header.index("required")
    result = {}
    for row in rows:
        value = row[column].lower() if column < len(row) else ""
        if value not in _YES | _NO:
            problems.append(f"{where}: {row[0]!r}: Required is {value!r}, expected yes or no")
        result[row[0]] = value in _YES
    return result


def _fenced_json(lines: list[str], start: int) -> tuple[int, str] | None:
    """(line number, text) of the ```json block at or after ``start``, if one follows."""
    i = _skip_blank(lines, start)
    match = _FENCE.match(lines[i]) if i < len(lines) else None
    if not match or match.group(2) != "json":
        return None
    fence, body = match.group(1), []
    for j in range(i + 1, len(lines)):
        if lines[j].strip().startswith(fence):
            return i + 1, "\n".join(body)
        body.append(lines[j])
    return None


def parse_page(path: Path, label: str) -> DocPage:
    """Read one page's markers, tables and examples; malformed markers become problems."""
    page = DocPage()
    lines = path.read_text(encoding="utf-8").splitlines()
    claimed: set[int] = set()  # line numbers of ```json blocks that follow an example marker
    for number, line in enumerate(lines, start=1):
        match = _MARKER.match(line)
        if not match:
            continue
        kind, target = match.groups()
        where = f"{label}:{number}"
        if kind == "example":
            block = _fenced_json(lines, number)
            if block is None:
                page.problems.append(f"{where}: example marker not followed by a ```json block")
                continue
            claimed.add(block[0])
            if target == "illustration":
                continue
            example = _EXAMPLE.match(target)
            if not example:
                page.problems.append(
                    f"{where}: example marker {target!r}: expected 'METHOD /path request',"
                    " 'METHOD /path <code>' or 'illustration'"
                )
                continue
            method, api_path, which = example.groups()
            page.examples.append(Example(where, (method.lower(), api_path), which, block[1]))
            continue
        operation = _OPERATION.match(target)
        if not operation:
            page.problems.append(f"{where}: {kind} marker {target!r}: expected 'METHOD /path'")
            continue
        key = (operation.group(1).lower(), operation.group(2))
        doc = page.operations.setdefault(key, DocOperation())
        doc.seen_in.append(where)
        header, rows = _table(lines, number)
        if not header:
            page.problems.append(f"{where}: {kind} marker not followed by a table")
            continue
        if kind == "responses":
            doc.responses = {row[0] for row in rows if row and row[0]}
        elif kind == "fields":
            doc.fields = _required_map(header, rows, where, page.problems)
        else:
            named = _required_map(header, rows, where, page.problems)
            doc.headers = {name.lower(): required for name, required in named.items()}
    for number, line in enumerate(lines, start=1):
        fence = _FENCE.match(line)
        if fence and fence.group(2) == "json" and number not in claimed:
            page.problems.append(
                f"{label}:{number}: ```json block without an '<!-- example: ... -->' marker"
            )
    return page


def read_docs(directory: Path, root: Path) -> DocPage:
    """All pages of one system merged; a table given twice for one operation is a problem."""
    merged = DocPage()
    pages = sorted(directory.rglob("*.md")) if directory.is_dir() else []
    if not pages:
        merged.problems.append(f"{_label(directory, root)}: no documentation pages")
    for path in pages:
        page = parse_page(path, _label(path, root))
        merged.problems.extend(page.problems)
        merged.examples.extend(page.examples)
        for key, doc in page.operations.items():
            into = merged.operations.setdefault(key, DocOperation())
            for attr in ("fields", "headers", "responses"):
                value = getattr(doc, attr)
                if value is None:
                    continue
                if getattr(into, attr) is not None:
                    merged.problems.append(
                        f"{', '.join(doc.seen_in)}: {attr} of {_op(key)} given more than once"
                    )
                setattr(into, attr, value)
            into.seen_in.extend(doc.seen_in)
    return merged


# --- the spec side -------------------------------------------------------------------------


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


# --- comparing -----------------------------------------------------------------------------


def _op(key: tuple[str, str]) -> str:
    return f"{key[0].upper()} {key[1]}"


def _label(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def _compare_names(
    what: str, key: tuple[str, str], docs: dict[str, bool], spec: dict[str, bool]
) -> Iterator[str]:
    for name in sorted(docs.keys() - spec.keys()):
        yield f"{_op(key)}: {what} {name!r} is in the docs but not in the spec"
    for name in sorted(spec.keys() - docs.keys()):
        yield f"{_op(key)}: {what} {name!r} is in the spec but not in the docs"
    for name in sorted(docs.keys() & spec.keys()):
        if docs[name] != spec[name]:
            said = {True: "required", False: "optional"}
            yield (
                f"{_op(key)}: {what} {name!r} is {said[docs[name]]} in the docs"
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
        yield f"{_op(key)}: in the spec but documented nowhere"
    for key in sorted(docs.operations.keys() - operations.keys()):
        yield f"{_op(key)}: documented ({docs.operations[key].seen_in[0]}) but not in the spec"
    for key in sorted(docs.operations.keys() & operations.keys()):
        doc, op = docs.operations[key], operations[key]
        if doc.responses is None:
            yield f"{_op(key)}: the docs have no responses table for it"
        else:
            for code in sorted(doc.responses - op.responses.keys()):
                yield f"{_op(key)}: response {code} is in the docs but not in the spec"
            for code in sorted(op.responses.keys() - doc.responses):
                yield f"{_op(key)}: response {code} is in the spec but not in the docs"
        if op.fields is None and doc.fields is not None:
            yield f"{_op(key)}: the docs list request fields but the spec has no request body"
        elif op.fields is not None and doc.fields is None:
            yield f"{_op(key)}: the spec has a request body but the docs have no fields table"
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
    title = f"{example.where}: example for {_op(example.operation)} {example.kind}"
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
    label = _label(spec_file, root)
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


# --- command line --------------------------------------------------------------------------


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(
        dest="spec_command",
        metavar="{check,schemathesis-config,schemathesis-env}",
        required=True,
    )
    check = actions.add_parser(
        "check",
        help="compare docs/apis/<system>/*.md with spec/<system>.openapi.yaml",
        description="Report every difference between the docs pages and the OpenAPI specs "
        "(paths, methods, request fields, headers, response codes, examples), and "
        "validate the specs. Exit 1 on drift, 0 when clean.",
    )
    check.add_argument("--api", choices=[*SYSTEMS, "all"], default="all")
    check.add_argument(
        "--docs-dir",
        type=Path,
        default=None,
        help="directory holding <system>/*.md (default: the repository's docs/apis, else the "
        "copy installed with the package)",
    )
    check.add_argument(
        "--spec-dir",
        type=Path,
        default=None,
        help="directory holding <system>.openapi.yaml (default: the usual spec lookup)",
    )
    from conformance.openapi import st_config

    st_config.configure(actions)


def run(args: argparse.Namespace) -> int:
    if args.spec_command != "check":
        from conformance.openapi import st_config

        runner = {"schemathesis-config": st_config.run_config}.get(
            args.spec_command, st_config.run_env
        )
        return runner(args)
    docs_dir = args.docs_dir or default_docs_dir()
    if not docs_dir.is_dir():
        tried = ", ".join(str(d) for d in ([docs_dir] if args.docs_dir else docs_dirs()))
        raise UsageError(f"docs directory {docs_dir}", f"not found in {tried} (use --docs-dir)")
    root = docs_dir.resolve().parent.parent
    systems = SYSTEMS if args.api == "all" else (args.api,)
    drift = []
    for system in systems:
        if args.spec_dir is not None:
            spec_file = args.spec_dir / f"{system}.openapi.yaml"
            if not spec_file.is_file():
                raise UsageError(f"spec file {spec_file}", "not found")
        else:
            spec_file = spec_path(system)
        drift.extend(check_system(system, docs_dir.resolve(), spec_file, root))
    for line in drift:
        print(line)
    if drift:
        print(f"spec check: {len(drift)} difference(s) between docs and spec")
        return 1
    print(f"spec check: docs and spec agree ({', '.join(systems)})")
    return 0
