"""MkDocs hook: the check catalogue, every check grouped by the standard it cites.

The page is generated from the registry when the site is built (the profiles' protocol
checks and the Schemathesis checks they enable, through ``conformance.engine.catalog``), so
it lists exactly what a run checks and never drifts from the code. A check that cites
several sources appears under each of them.
"""

from __future__ import annotations

import re

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from conformance.engine.catalog import CheckInfo, list_checks
from conformance.sources import Kind, Source, cited

PAGE = "checks.md"
# Sections in this order: the documents first, then RFCs by number, ASVS, our own choices.
KIND_ORDER = (Kind.SEED, Kind.DOC, Kind.RFC, Kind.ASVS, Kind.PROJECT)
KIND_INTRO = {
    Kind.SEED: "The seed pages the suite was derived from: the documents themselves.",
    Kind.DOC: "The system's public documentation beyond the seeds.",
    Kind.RFC: "An IETF standard: a MUST binds where the system speaks that protocol.",
    Kind.ASVS: "OWASP ASVS 5.0: security practice, advisory unless a document promises it.",
    Kind.PROJECT: "This project's reading where the documents are silent: advisories.",
}
INTRO = """# Check catalogue

Every check a run makes, grouped by the source it enforces: the seed pages, the FIB
documentation beyond them, each RFC, OWASP ASVS 5.0, and this project's own decisions. The
page is generated from the suite's registry when the site is built, so it lists exactly what
`authconform check` runs. A check that cites several sources is listed under each.

A **contract** check rests on a document or an RFC MUST, and a broken one fails the run; an
**advisory** warns, and fails only under `--strict`. Checks named `schemathesis.*` are the
Schemathesis checks each system's profile enables. To add a check and cite its source, see
[Adding a check](architecture.md#adding-a-check).

{counts}
"""


def on_files(files: Files, config: MkDocsConfig) -> Files:
    files.append(File.generated(config, PAGE, content=catalogue_markdown(list_checks("all"))))
    return files


def catalogue_markdown(checks: list[CheckInfo]) -> str:
    """The whole page: one section per standard, one table row per (check, source)."""
    groups: dict[tuple[int, int, str], list[tuple[CheckInfo, Source]]] = {}
    uncited = []
    for info in checks:
        sources = cited(info.source)
        if not sources:
            uncited.append(info)
        for source in sources:
            groups.setdefault(_order(source), []).append((info, source))
    cited_checks = len(checks) - len(uncited)
    counts = f"{cited_checks} checks cite {len(groups)} standards."
    out = [INTRO.format(counts=counts)]
    kind = None
    for key in sorted(groups):
        rows = groups[key]
        first = rows[0][1]
        if first.kind is not kind:
            kind = first.kind
            out.append(f"*{KIND_INTRO[kind]}*\n")
        out.append(_section(first, rows))
    if uncited:
        names = ", ".join(f"`{i.system}/{i.name}`" for i in uncited)
        out.append(f"## Not a claim\n\nResults of the run itself, citing nothing: {names}.\n")
    return "\n".join(out)


def _order(source: Source) -> tuple[int, int, str]:
    """Seed pages by number, RFCs by number, then by name."""
    number = source.standard.split()[1][:5] if source.kind in (Kind.SEED, Kind.RFC) else "0"
    return KIND_ORDER.index(source.kind), int(number.split("-")[0]), source.standard


def _section(first: Source, rows: list[tuple[CheckInfo, Source]]) -> str:
    title = _title(first)
    lines = [f"## {title}\n"]
    if first.page:
        lines.append(f"Rendered on the site as [{_page_name(first.page)}]({first.page}).\n")
    elif first.kind is Kind.RFC:
        lines.append(f"[{title} at the RFC Editor]({first.url.split('#')[0]}).\n")
    else:
        lines.append(f"[The ASVS 5.0 requirements]({first.url.rsplit('/', 1)[0]}).\n")
    lines += ["| System | Check | Level | Claim | Where, and what it says |", "|" + "---|" * 5]
    for info, source in sorted(rows, key=lambda r: (_numbers(r[1].ref), r[0].system, r[0].name)):
        # An RFC or ASVS row links its own section; a seed row names its page(s).
        where = {Kind.RFC: f"[{source.label}]({source.url})", Kind.SEED: source.label}.get(
            source.kind, f"[{source.label}]({source.url})" if source.kind is Kind.ASVS else ""
        )
        says = f"{where}: {_cell(source.says)}" if where else _cell(source.says)
        lines.append(
            f"| {info.system} | `{info.name}` | {info.level.value} "
            f"| {_cell(info.summary)} | {says} |"
        )
    return "\n".join(lines) + "\n"


def _numbers(ref: str) -> tuple[int, ...]:
    """``"9110 §15.5.14"`` -> (9110, 15, 5, 14): sections in reading order, not text order."""
    return tuple(int(n) for n in re.findall(r"\d+", ref))


def _title(source: Source) -> str:
    if source.kind is Kind.SEED:
        return source.standard.capitalize()
    if source.kind is Kind.PROJECT:
        return "Project decisions"
    return source.standard


def _page_name(page: str) -> str:
    return {
        "apis/fib/login.md": "FIB: login",
        "apis/fib/session.md": "FIB: refresh and logout",
        "apis/user-api/authentication.md": "User API: sign up and log in",
        "apis/duktig/token.md": "Duktig: get a token",
        "sources-disagree.md": "Where the sources disagree",
    }.get(page, page)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, no column breaks, no raw HTML."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")
