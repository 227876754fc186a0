"""The docs pages' side of `spec check`: what the Markdown pages say about each operation.

The pages mark what the spec must mirror with one-line HTML comments, invisible when rendered:

    <!-- fields: POST /path -->      request-body table: first column the field, plus "Required"
    <!-- headers: PATCH /path -->    request-header table: first column the header, plus "Required"
    <!-- responses: POST /path -->   response table: first column the status code
    <!-- example: POST /path request -->   the next ```json block is a request body
    <!-- example: POST /path 200 -->       the next ```json block is a 200 response body
    <!-- example: illustration -->         the next ```json block is not checked

Every ```json block needs an example marker, so a new example cannot slip by unchecked; a
malformed marker or table becomes a problem line, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DocOperation",
    "DocPage",
    "Example",
    "op_label",
    "parse_page",
    "path_label",
    "read_docs",
]


_MARKER = re.compile(r"^\s*<!--\s*(fields|headers|responses|example)\s*:\s*(.*?)\s*-->\s*$")
_OPERATION = re.compile(r"^([A-Za-z]+)\s+(/\S*)$")
_EXAMPLE = re.compile(r"^([A-Za-z]+)\s+(/\S*)\s+(request|\d{3}|default)$")
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)")
_YES = {"yes", "required", "true"}
_NO = {"no", "optional", "false"}


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
        merged.problems.append(f"{path_label(directory, root)}: no documentation pages")
    for path in pages:
        page = parse_page(path, path_label(path, root))
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
                        f"{', '.join(doc.seen_in)}: {attr} of {op_label(key)} given more than once"
                    )
                setattr(into, attr, value)
            into.seen_in.extend(doc.seen_in)
    return merged


def op_label(key: tuple[str, str]) -> str:
    """``("post", "/x")`` -> ``"POST /x"``, as every drift line names an operation."""
    return f"{key[0].upper()} {key[1]}"


def path_label(path: Path, root: Path) -> str:
    """A path as the lines show it: relative to the repository root when inside it."""
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)
