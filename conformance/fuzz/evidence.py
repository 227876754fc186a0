"""How a Schemathesis finding is shown: the request chain that led to it, its answer, and
the list of distinct failures of one check (masked of the run's secrets).

Reads the recorder's ``cases`` and ``interactions`` of the NDJSON stream; holds no state.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Protocol

__all__ = ["body_text", "evidence", "mask", "render_failures", "sent"]

BODY_LIMIT = 600
# Distinct failures listed per check; past this a report only counts them.
MAX_FAILURES_SHOWN = 8


def body_text(body: Any) -> str:
    if isinstance(body, dict) and set(body) == {"$base64"}:
        raw = base64.b64decode(body["$base64"])
        text = raw.decode("utf-8", "replace")
        return text if text.isprintable() or text.strip() else f"(bytes) {raw!r}"
    if isinstance(body, str):
        return body
    return json.dumps(body, ensure_ascii=False)


def _clip(text: str) -> str:
    return text if len(text) <= BODY_LIMIT else f"{text[:BODY_LIMIT]}… ({len(text)} characters)"


def evidence(case_id: str, cases: dict[str, Any], interactions: dict[str, Any]) -> str:
    """The failing request (after the steps that led to it, in stateful runs) and its answer."""
    chain = []
    current: str | None = case_id
    while current and current in cases and len(chain) < 10:
        chain.append(current)
        current = cases[current].get("parent_id")
    lines = []
    for step, cid in enumerate(reversed(chain), start=1):
        if len(chain) > 1:
            lines.append(f"step {step}:")
        lines.extend(_request_lines(cases[cid].get("value") or {}, interactions.get(cid)))
    return "\n".join(lines) if lines else f"case {case_id} (not recorded)"


def sent(case_id: str, cases: dict[str, Any], interactions: dict[str, Any]) -> str | None:
    """``"TRACE /auth/token"``: the method and path of the request actually sent."""
    case = (cases.get(case_id) or {}).get("value") or {}
    request = (interactions.get(case_id) or {}).get("request") or {}
    method = request.get("method") or case.get("method")
    path = case.get("formatted_path") or case.get("path")
    if not method or not path:
        return None
    for name, value in (case.get("path_parameters") or {}).items():
        path = path.replace("{" + name + "}", str(value))
    return f"{str(method).upper()} {path}"


def _request_lines(case: dict[str, Any], interaction: dict[str, Any] | None) -> list[str]:
    request = (interaction or {}).get("request") or {}
    method = request.get("method") or case.get("method", "?")  # what was sent, not planned
    path = case.get("formatted_path") or case.get("path", "?")
    for name, value in (case.get("path_parameters") or {}).items():
        path = path.replace("{" + name + "}", str(value))
    query = case.get("query") or {}
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    lines = [f"> {method} {path}"]
    headers = request.get("headers") or case.get("headers") or {}
    for name, value in headers.items():
        value = ", ".join(value) if isinstance(value, list) else value
        lines.append(f"> {name}: {value}")
    # The planned body is shown only if one went out (none goes with TRACE, see child.py);
    # the record of a request sent without content has no body.
    sent_body = "body" in case and (not request or request.get("body") is not None)
    has_type = any(name.lower() == "content-type" for name in headers)
    if case.get("media_type") and case.get("body") is not None and sent_body and not has_type:
        lines.append(f"> Content-Type: {case['media_type']}")
    if sent_body:
        lines.append(f"> {_clip(body_text(case['body']))}")
    response = (interaction or {}).get("response")
    if response:
        lines.append(f"< {response.get('status_code')}")
        content = response.get("content")
        if content is not None:
            lines.append(f"< {_clip(body_text(content))}")
    elif interaction is not None:
        lines.append("< (no response)")
    return lines


class Shown(Protocol):
    """What a rendered failure shows (conformance.fuzz.report's failures have it); a protocol,
    so this module needs nothing of the report's."""

    title: str
    message: str
    phase: str
    evidence: str
    count: int

    @property
    def where(self) -> str: ...


def render_failures(failures: list[Shown], footer: str) -> str:
    blocks = []
    for number, failure in enumerate(failures[:MAX_FAILURES_SHOWN], start=1):
        times = f" (seen {failure.count}x)" if failure.count > 1 else ""
        blocks.append(
            f"{number}. {failure.title}{times}: {failure.where}, {failure.phase} phase\n"
            f"{failure.message}\n{failure.evidence}"
        )
    hidden = len(failures) - MAX_FAILURES_SHOWN
    if hidden > 0:
        blocks.append(f"... and {hidden} more distinct failure(s)")
    blocks.append(footer)
    return "\n\n".join(blocks)


def mask(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
