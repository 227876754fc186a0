"""The reference server's layout: packages that say their job, no import circles, small modules.

The import graph is read from the source (every ``import`` statement, late ones inside
functions included), so a circle hidden behind a function-level import still counts.
"""

from __future__ import annotations

import ast
import importlib
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "reference_impl"
MAX_LINES = 500


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(path: pathlib.Path) -> set[str]:
    """Every module an import in ``path`` names (``from a import b`` gives a and a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _graph() -> dict[str, set[str]]:
    return {name: _imports(path) & MODULES.keys() - {name} for name, path in MODULES.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a list of module names, or None (depth-first, three colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_layout_names_the_design() -> None:
    # A newcomer finds the router, the three systems, the store and the tokens by file name.
    for expected in (
        "reference_impl.app",
        "reference_impl.store",
        "reference_impl.http.router",
        "reference_impl.systems.fib",
        "reference_impl.systems.user_api",
        "reference_impl.systems.duktig",
        "reference_impl.auth.tokens_fib",
        "reference_impl.auth.tokens_hs256",
        "reference_impl.serving.cli",
    ):
        assert expected in MODULES


def test_every_package_says_its_job_in_one_line() -> None:
    for name, path in MODULES.items():
        if path.name == "__init__.py":
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            assert doc and "\n" not in doc.strip(), f"{name} needs a one-line docstring"


def test_no_import_circles() -> None:
    assert _cycle(_graph()) is None, f"import circle: {' -> '.join(_cycle(_graph()) or [])}"


def test_the_circle_finder_finds_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_module_over_the_limit() -> None:
    sizes = {name: len(p.read_text(encoding="utf-8").splitlines()) for name, p in MODULES.items()}
    assert {n: s for n, s in sizes.items() if s > MAX_LINES} == {}


def test_the_server_imports_nothing_from_the_suite() -> None:
    for name, path in MODULES.items():
        outside = {m for m in _imports(path) if m.split(".")[0] in ("conformance", "load")}
        assert outside == set(), f"{name} imports {sorted(outside)}"


@pytest.mark.parametrize("name", sorted(set(MODULES) - {"reference_impl.__main__"}))
def test_each_module_imports(name: str) -> None:
    assert importlib.import_module(name).__name__ == name
