"""MkDocs hook: publish each spec file and give it a reference page and an explorer page.

The reference is rendered to Markdown at build time (essentials-openapi), so it reads without
JavaScript and does not depend on a Markdown plugin surviving theme upgrades. The explorer
pages hold a ``<swagger-ui>`` tag that mkdocs-swagger-ui-tag turns into a bundled, offline
Swagger UI; the spec files are added to the site so the UI can fetch them over HTTP.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from openapidocs.mk.v3 import OpenAPIV3DocumentationHandler

from conformance.errors import UsageError
from conformance.openapi.files import SYSTEMS, load_spec, spec_path

log = logging.getLogger("mkdocs.hooks.openapi_pages")

# Where specs land on the site; the explorer pages point here.
SITE_SPEC_DIR = "spec"
REFERENCE_DIR = "reference"


def reference_markdown(system: str, spec: Path, document: dict) -> str:
    """The whole spec as Markdown: operations, parameters, bodies, responses, schemas."""
    handler = OpenAPIV3DocumentationHandler(document, style="MKDOCS", source=str(spec))
    spec_link = f"../{SITE_SPEC_DIR}/{spec.name}"
    note = (
        f'!!! info "Rendered from [`spec/{spec.name}`]({spec_link})"\n'
        "    Rendered when the site was built; the "
        f"[explorer]({system}-explorer.md) shows the same file in Swagger UI.\n\n"
    )
    body = handler.write()
    # Put the note under the page's first heading (the spec's title).
    head, sep, rest = body.partition("\n# ")
    if not sep:
        return note + body
    title, _, after = rest.partition("\n")
    return f"{head}\n# {title}\n\n{note}{after}"


def explorer_markdown(system: str, spec: Path, title: str) -> str:
    """A page holding one Swagger UI; its assets come from the site, not a CDN."""
    return (
        f"# {title}: API explorer\n\n"
        f"The interactive view of [`spec/{spec.name}`](../{SITE_SPEC_DIR}/{spec.name}). "
        f"For a page that reads without JavaScript, see the "
        f"[reference]({system}.md).\n\n"
        "*Try it out* sends requests from this page to the server named in the spec's "
        "`servers` (`http://127.0.0.1:8000`). The browser lets it through only when that "
        "server grants this site's origin, so start the reference server with it, e.g. for "
        "the site under `make serve-docs`:\n\n"
        "```sh\n"
        "authconform serve --demo-users 0 --cors-origin http://127.0.0.1:8001\n"
        "```\n\n"
        "(`--demo-users 0` registers alice alone, so the seed example logs in; see "
        "[Running the reference server](../guides/reference-server.md)). An operation that "
        "needs a credential (a token, an application key) takes it from the *Authorize* "
        "button: copy it there from an earlier answer.\n\n"
        f'<swagger-ui src="../{SITE_SPEC_DIR}/{spec.name}"/>\n'
    )


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for system in SYSTEMS:
        try:
            spec = spec_path(system)
            document = load_spec(system)
        except UsageError as exc:
            log.warning("no reference pages for %s: %s", system, exc)
            continue
        title = document.get("info", {}).get("title", system)
        published = File.generated(config, f"{SITE_SPEC_DIR}/{spec.name}", abs_src_path=str(spec))
        files.append(published)
        files.append(
            File.generated(
                config,
                f"{REFERENCE_DIR}/{system}.md",
                content=reference_markdown(system, spec, document),
            )
        )
        files.append(
            File.generated(
                config,
                f"{REFERENCE_DIR}/{system}-explorer.md",
                content=explorer_markdown(system, spec, title),
            )
        )
    return files
