"""The checks' layout: small modules that say their job, a report order the profiles decide.

Checks register when their module is imported, and reports list them in registration order.
So a check module must not import another one (that would register the other's checks
first), and a profile's ``check_modules`` must be the report order.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

from conformance.checks.registry import checks_for
from conformance.model import Level
from conformance.profiles import discover_profiles, load_checks
from conformance.sources import Kind

ROOT = pathlib.Path(__file__).resolve().parent.parent / "conformance" / "checks"
MAX_LINES = 500


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _tree(name: str) -> ast.Module:
    return ast.parse(MODULES[name].read_text(encoding="utf-8"))


def _registers_checks(name: str) -> bool:
    """Whether the module decorates a function with ``@check(...)``."""
    return any(
        isinstance(deco, ast.Call) and getattr(deco.func, "id", None) == "check"
        for node in ast.walk(_tree(name))
        if isinstance(node, ast.FunctionDef)
        for deco in node.decorator_list
    )


CHECK_MODULES = sorted(name for name in MODULES if _registers_checks(name))


def _imported(name: str) -> set[str]:
    """Every module an import in ``name`` names, late ones inside functions included."""
    found: set[str] = set()
    for node in ast.walk(_tree(name)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_tree_is_read() -> None:
    # Guards the tests below against passing on an empty or wrong directory.
    assert "conformance.checks.fib.session" in MODULES
    assert "conformance.checks.duktig.validation" in CHECK_MODULES
    assert "conformance.checks.fib.session_common" not in CHECK_MODULES
    assert len(CHECK_MODULES) >= 10


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_small_and_says_its_job(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines (at most {MAX_LINES})"
    doc = ast.get_docstring(_tree(name))
    assert doc and doc.strip(), f"{name} has no module docstring"


@pytest.mark.parametrize("name", CHECK_MODULES)
def test_check_module_imports_no_other_check_module(name: str) -> None:
    others = _imported(name) & set(CHECK_MODULES) - {name}
    assert not others, f"{name} imports {sorted(others)}: their checks would register first"


def test_every_check_module_is_in_exactly_one_profile() -> None:
    listed = [m for p in discover_profiles().values() for m in p.check_modules]
    assert sorted(listed) == CHECK_MODULES, "a module with checks no profile runs, or a stale name"


@pytest.mark.parametrize("system", sorted(discover_profiles()))
def test_report_order_follows_the_profile_list(system: str) -> None:
    profile = discover_profiles()[system]
    load_checks(profile)
    rank = {module: i for i, module in enumerate(profile.check_modules)}
    order = [rank[c.func.__module__] for c in checks_for(system)]
    assert order, f"no checks registered for {system}"
    assert order == sorted(order), f"{system}: checks do not register in profile order"


def _registered() -> list:
    """Every check of every profile, registered by importing the profile's modules."""
    found = []
    for system, profile in sorted(discover_profiles().items()):
        load_checks(profile)
        found += checks_for(system)
    return found


def test_every_check_cites_a_well_formed_source() -> None:
    checks = _registered()
    assert len(checks) >= 70, "fewer checks than expected: the profiles were not loaded"
    problems = {}
    for chk in checks:
        try:
            assert chk.sources
        except ValueError as exc:
            problems[f"{chk.system}/{chk.name}"] = str(exc)
    assert not problems, f"checks without a well-formed source= (conformance.sources): {problems}"


def test_a_contract_claim_rests_on_a_document_or_an_rfc_must() -> None:
    # A contract check fails the run, so what it cites must bind the target: a seed page, a
    # system's documents, or an RFC's absolute requirement. Practice and the project's own
    # choices make advisories.
    weak = {
        f"{chk.system}/{chk.name}": chk.source
        for chk in _registered()
        if chk.level is Level.CONTRACT and not any(s.backs_a_contract for s in chk.sources)
    }
    assert not weak, f"contract checks citing only practice or project decisions: {weak}"


def test_a_check_resting_on_project_decisions_alone_is_an_advisory() -> None:
    only_ours = [c for c in _registered() if {s.kind for s in c.sources} == {Kind.PROJECT}]
    assert only_ours, "expected some checks of the project's own reading"
    assert all(c.level is Level.ADVISORY for c in only_ours)
