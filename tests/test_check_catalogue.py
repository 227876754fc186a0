"""The site's check catalogue, as its build hook writes it from the registry (no build here;
tests/test_site.py reads the page of the one shared build)."""

from __future__ import annotations

import pytest
from site_build import load_hook

from conformance.engine.catalog import CheckInfo, list_checks
from conformance.model import Level
from conformance.sources import parse_sources

hook = load_hook("check_catalogue")


@pytest.fixture(scope="module")
def checks() -> list[CheckInfo]:
    return list_checks("all")


@pytest.fixture(scope="module")
def sections(checks: list[CheckInfo]) -> dict[str, str]:
    """Section title -> its text."""
    page = hook.catalogue_markdown(checks)
    return {part.split("\n", 1)[0]: part for part in page.split("\n## ")[1:]}


def test_sections_go_documents_first_then_rfcs_asvs_and_project_decisions(
    sections: dict[str, str],
) -> None:
    titles = list(sections)
    assert titles[:4] == ["Seeds 000-002", "Seed 003", "Seed 004", "FIB docs"]
    rfcs = [t for t in titles if t.startswith("RFC ")]
    assert rfcs == sorted(rfcs, key=lambda t: int(t.split()[1])) and "RFC 9110" in rfcs
    assert titles[-3:] == ["ASVS 5.0", "Project decisions", "Not a claim"]


def test_every_check_is_listed_under_each_standard_it_cites(
    checks: list[CheckInfo], sections: dict[str, str]
) -> None:
    titles = {"seeds 000-002": "Seeds 000-002", "seed 003": "Seed 003", "seed 004": "Seed 004"}
    titles["project decision"] = "Project decisions"
    listed = 0
    for info in checks:
        if not info.source:
            assert f"`{info.system}/{info.name}`" in sections["Not a claim"]
            continue
        for source in parse_sources(info.source):
            section = sections[titles.get(source.standard, source.standard)]
            row = f"| {info.system} | `{info.name}` | {info.level.value} |"
            assert row in section, (info.name, source.standard)
            listed += 1
    assert listed > len(checks)  # some checks cite several standards
    expiry = "| fib | `expired_access_token_is_rejected` | contract |"
    assert expiry in sections["Seeds 000-002"] and expiry in sections["RFC 7519"]


def test_rows_follow_section_numbers_and_keep_table_cells_whole() -> None:
    infos = [
        CheckInfo("demo", "later", "g", Level.ADVISORY, "Claim b.", "RFC 9110 §15.5.14: x"),
        CheckInfo("demo", "earlier", "g", Level.ADVISORY, "Claim | a.", "RFC 9110 §15.5.2: <b>"),
    ]
    page = hook.catalogue_markdown(infos)
    assert page.index("`earlier`") < page.index("`later`")  # 15.5.2 before 15.5.14
    assert "Claim \\| a." in page and "&lt;b>" in page
