"""The fix loop's parts of report.html: a reproducer per finding, coverage, the baseline.

The markup is in ``templates/fixloop.html.j2`` (autoescaped); these functions hand it to the
report page as ready markup, so the page needs to know nothing of the fix loop's data.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

__all__ = ["fixloop_html", "reproduce_html"]


@cache
def _macros() -> Any:
    """The template's macros, loaded once; the template ships as package data."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("conformance.fixloop", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
    )
    return env.get_template("fixloop.html.j2").module


def reproduce_html(reproduce: str) -> Markup:
    """A finding's reproducer as a preformatted shell block (empty when it has none)."""
    return Markup(_macros().reproduce(reproduce))


def fixloop_html(extra: dict[str, Any]) -> Markup:
    """The coverage table and the comparison with the baseline, when the run has them."""
    return Markup(_macros().sections(extra))
