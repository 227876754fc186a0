"""Where a claim comes from: the written form of a check's ``source=``, parsed and linked.

Every check cites what it enforces, as one line a person reads and a program parses::

    seed 003: signup answers 200
    seeds 000-002: the tokens are EdDSA JWTs          (a range, or "seeds 000, 002")
    FIB docs: logout answers {"status": {...}, "data": {}}
    RFC 9110 §15.5.6: the origin server MUST generate an Allow header field in a 405
    ASVS 5.0 V6.3.8: valid users cannot be deduced from failed logins
    project decision: a body over 1 MiB is refused with 413

Each is a *reference* (what to look up) and, after the colon, what the source says there.
Several sources are joined with ``"; "``. What each kind may back:

* ``seed NNN`` (the seed pages) and ``<System> docs`` (public documentation beyond the
  seeds): the documents; a broken claim contradicts them, so they back *contract* checks.
* ``RFC NNNN §X``: an RFC section, quoting its BCP 14 keyword. A MUST backs a contract
  claim where the system speaks that protocol; a SHOULD is an *advisory*.
* ``ASVS 5.0 Vx.y.z``: OWASP ASVS 5.0 security practice, advisory unless a document makes it
  a promise.
* ``project decision``: this project's own reading where the documents are silent;
  advisory only.

The module is stdlib-only, like :mod:`conformance.model`, so the registry, the outputs and
the site's hooks share one reading of a source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ASVS_CHAPTERS",
    "DOCS_URL",
    "Kind",
    "Source",
    "cited",
    "parse_source",
    "parse_sources",
    "source_labels",
]


class Kind(StrEnum):
    SEED = "seed"  # a seed page: the documents the suite was derived from
    DOC = "doc"  # a system's public documentation beyond the seeds
    RFC = "rfc"  # an IETF RFC section
    ASVS = "asvs"  # an OWASP ASVS 5.0 requirement
    PROJECT = "project"  # this project's decision where the documents are silent


# Where the site's pages live as files; the published site has no fixed address (every
# link in it is relative), so a report links the page's source on the default branch.
DOCS_URL = "https://github.com/authconform/authconform/blob/main/docs/"
# Each seed page, and the site page that renders the system it documents.
SEED_PAGES = {
    "000": "apis/fib/login.md",
    "001": "apis/fib/login.md",
    "002": "apis/fib/login.md",
    "003": "apis/user-api/authentication.md",
    "004": "apis/duktig/token.md",
}
# Public documentation beyond the seeds, by the name a source gives it, and its site page.
DOC_PAGES = {"FIB": "apis/fib/session.md"}
PROJECT_PAGE = "sources-disagree.md"
RFC_URL = "https://www.rfc-editor.org/rfc/rfc{number}#section-{section}"
# ASVS 5.0 as released (tag v5.0.0_release): one file per chapter.
ASVS_URL = "https://github.com/OWASP/ASVS/blob/v5.0.0_release/5.0/en/{file}"
ASVS_CHAPTERS = {
    1: "0x10-V1-Encoding-and-Sanitization.md",
    2: "0x11-V2-Validation-and-Business-Logic.md",
    3: "0x12-V3-Web-Frontend-Security.md",
    4: "0x13-V4-API-and-Web-Service.md",
    5: "0x14-V5-File-Handling.md",
    6: "0x15-V6-Authentication.md",
    7: "0x16-V7-Session-Management.md",
    8: "0x17-V8-Authorization.md",
    9: "0x18-V9-Self-contained-Tokens.md",
    10: "0x19-V10-OAuth-and-OIDC.md",
    11: "0x20-V11-Cryptography.md",
    12: "0x21-V12-Secure-Communication.md",
    13: "0x22-V13-Configuration.md",
    14: "0x23-V14-Data-Protection.md",
    15: "0x24-V15-Secure-Coding-and-Architecture.md",
    16: "0x25-V16-Security-Logging-and-Error-Handling.md",
    17: "0x26-V17-WebRTC.md",
}
# BCP 14 keywords (RFC 2119, RFC 8174), longest first so "MUST NOT" is not read as "MUST".
KEYWORDS = (
    "MUST NOT", "SHALL NOT", "SHOULD NOT", "NOT RECOMMENDED", "MUST", "REQUIRED", "SHALL",
    "SHOULD", "RECOMMENDED", "MAY", "OPTIONAL",
)  # fmt: skip
# Keywords that make an RFC section an absolute requirement (RFC 2119 §1, §2).
ABSOLUTE = frozenset({"MUST", "MUST NOT", "REQUIRED", "SHALL", "SHALL NOT"})

_SEEDS = r"(?P<seeds>seeds? \d{3}(?:(?:-|, )\d{3})*)"
_DOC = r"(?P<doc>[A-Z][\w-]*) docs"
_RFC = r"RFC (?P<rfc>\d{3,5}) §(?P<section>\d+(?:\.\d+)*)"
_ASVS = r"ASVS 5\.0 V(?P<asvs>\d{1,2}(?:\.\d+){2})"
_PROJECT = r"(?P<project>project decision)"
_ONE = re.compile(rf"(?:{_SEEDS}|{_DOC}|{_RFC}|{_ASVS}|{_PROJECT}): (?P<says>\S.*)")
# Where a joined line starts its next source: "; " followed by a reference.
_NEXT = re.compile(r";\s+(?=seeds? \d|[A-Z][\w-]* docs:|RFC \d|ASVS \d|project decision:)")
_FORMS = (
    '"seed 003: ...", "seeds 000-002: ...", "FIB docs: ...", "RFC 9110 §15.6: ...", '
    '"ASVS 5.0 V6.3.8: ...", "project decision: ..."'
)


@dataclass(frozen=True)
class Source:
    """One cited source: its kind, the reference within it, and what it says there."""

    kind: Kind
    ref: str  # "003", "000-002", "FIB", "9110 §15.6", "V6.3.8"; "" for a project decision
    says: str

    @property
    def label(self) -> str:
        """The reference as people write it: ``seed 003``, ``RFC 9110 §15.6``..."""
        if self.kind is Kind.SEED:
            return f"{'seeds' if len(self.seeds) > 1 else 'seed'} {self.ref}"
        if self.kind is Kind.DOC:
            return f"{self.ref} docs"
        if self.kind is Kind.RFC:
            return f"RFC {self.ref}"
        if self.kind is Kind.ASVS:
            return f"ASVS 5.0 {self.ref}"
        return "project decision"

    @property
    def seeds(self) -> tuple[str, ...]:
        """Every seed page the reference names, a range spelled out."""
        if self.kind is not Kind.SEED:
            return ()
        found: list[str] = []
        for part in self.ref.split(", "):
            first, _, last = part.partition("-")
            found += [f"{n:03d}" for n in range(int(first), int(last or first) + 1)]
        return tuple(found)

    @property
    def tags(self) -> tuple[str, ...]:
        """Labels to search and filter by: one per seed page, else the label."""
        if self.kind is Kind.SEED:
            return tuple(f"seed {n}" for n in self.seeds)
        return (self.label,)

    @property
    def standard(self) -> str:
        """What the site's catalogue groups by: a seed page, a document, an RFC, ASVS 5.0."""
        if self.kind is Kind.SEED:
            pages = {SEED_PAGES[n] for n in self.seeds}
            group = [n for n, page in SEED_PAGES.items() if page in pages]
            return f"seeds {group[0]}-{group[-1]}" if len(group) > 1 else f"seed {group[0]}"
        if self.kind is Kind.RFC:
            return f"RFC {self.ref.split()[0]}"
        if self.kind is Kind.ASVS:
            return "ASVS 5.0"
        return self.label

    @property
    def page(self) -> str | None:
        """The site page (relative to ``docs/``) that renders this source, if the site has one."""
        if self.kind is Kind.SEED:
            return SEED_PAGES[self.seeds[0]]
        if self.kind is Kind.DOC:
            return DOC_PAGES[self.ref]
        if self.kind is Kind.PROJECT:
            return PROJECT_PAGE
        return None

    @property
    def url(self) -> str:
        """An absolute address to read the source at."""
        if self.kind is Kind.RFC:
            number, section = self.ref.split(" §")
            return RFC_URL.format(number=number, section=section)
        if self.kind is Kind.ASVS:
            chapter = int(self.ref[1:].split(".")[0])
            return ASVS_URL.format(file=ASVS_CHAPTERS[chapter])
        return DOCS_URL + str(self.page)

    @property
    def requirement(self) -> str | None:
        """The BCP 14 keyword an RFC source quotes (``MUST``, ``SHOULD``...), if any."""
        for word in KEYWORDS:
            if re.search(rf"\b{word}\b", self.says):
                return word
        return None

    @property
    def backs_a_contract(self) -> bool:
        """Whether this source alone can make a claim a contract: a document, an RFC MUST."""
        if self.kind in (Kind.SEED, Kind.DOC):
            return True
        return self.kind is Kind.RFC and self.requirement in ABSOLUTE

    def __str__(self) -> str:
        return f"{self.label}: {self.says}"


def parse_source(text: str) -> Source:
    """One source written as the module docstring shows; ValueError says what is wrong."""
    match = _ONE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"source {text!r} is not one of the written forms {_FORMS}")
    says = match["says"].strip()
    if match["seeds"]:
        ref = match["seeds"].split(" ", 1)[1]
        source = Source(Kind.SEED, ref, says)
        unknown = [n for n in source.seeds if n not in SEED_PAGES]
        if unknown or ("-" in ref and len(source.seeds) < 2):
            known = ", ".join(SEED_PAGES)
            raise ValueError(f"source {text!r}: no seed page {unknown or ref} (known: {known})")
        if (len(source.seeds) > 1) != match["seeds"].startswith("seeds "):
            raise ValueError(f"source {text!r}: write 'seed' for one page, 'seeds' for several")
        return source
    if match["doc"]:
        if match["doc"] not in DOC_PAGES:
            raise ValueError(f"source {text!r}: no documents called {match['doc']!r} docs")
        return Source(Kind.DOC, match["doc"], says)
    if match["rfc"]:
        return Source(Kind.RFC, f"{match['rfc']} §{match['section']}", says)
    if match["asvs"]:
        if int(match["asvs"].split(".")[0]) not in ASVS_CHAPTERS:
            raise ValueError(f"source {text!r}: ASVS 5.0 has chapters V1 to V17")
        return Source(Kind.ASVS, f"V{match['asvs']}", says)
    return Source(Kind.PROJECT, "", says)


def parse_sources(text: str) -> tuple[Source, ...]:
    """Every source of a ``"; "``-joined line, in order; ValueError if any is malformed."""
    if not text.strip():
        raise ValueError("no source given")
    return tuple(parse_source(part) for part in _NEXT.split(text.strip()))


def cited(text: str) -> tuple[Source, ...]:
    """The sources of a result's ``source`` line, or none when it names none (a result of
    the run itself) or cannot be read (an old report): outputs show what they can."""
    try:
        return parse_sources(text) if text.strip() else ()
    except ValueError:
        return ()


def source_labels(text: str) -> str:
    """The short form a failure is shown with: ``seeds 000-002; RFC 7519 §4.1.4``."""
    sources = cited(text)
    return "; ".join(s.label for s in sources) if sources else text.strip()
