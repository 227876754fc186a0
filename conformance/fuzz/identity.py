"""What a Schemathesis finding observed, in the words the protocol checks use for the same thing.

A finding joins a protocol fault when they share the cause: the same (method, path) drawing
a 5xx, the same operation answering a status its documents do not give, the same answer
property missing. A finding with no such reading keeps (check, operation, title) as its own.
"""

from __future__ import annotations

import re
from typing import Any

from conformance import observed as say

__all__ = ["CONTRACT_FINDINGS", "answer_hint", "finding_observed"]

# Findings that break a MUST whatever level their check has: unsupported_method is advisory
# (no document asks for 405 rather than 404), but the 405 without Allow it also reports
# breaks RFC 9110 §15.5.6 ("the origin server MUST generate an Allow header field").
CONTRACT_FINDINGS = frozenset({say.no_allow_on_405()})
# How Schemathesis 4.32 words a 405 that lacks Allow (unsupported_method's second failure).
_NO_ALLOW = "without required `Allow` header"

_RECEIVED = re.compile(r"^Received:\s*(\d{3})\b", re.MULTILINE)
_REQUIRED = re.compile(r"""^["'](?P<name>[^"']+)["'] is a required property""", re.MULTILINE)
# Schemathesis's guess at why a schema-valid request was refused; the answer says better.
_GUESS = re.compile(r"\n\s*Hint: The request body contains .*", re.DOTALL)
_ANSWER_LIMIT = 200


def finding_observed(
    check: str,
    operation: str,
    *,
    sent: str | None,
    title: str,
    message: str,
    status: int | None,
    spec: dict[str, Any],
) -> str:
    """The observation of one finding: ``"POST /api/user/login: answered 5xx"`` and the like."""
    request = sent or operation
    if status is not None and status >= 500:
        return say.server_error(request)
    if check == "unsupported_method" and _NO_ALLOW in message:
        return say.no_allow_on_405()
    if check == "status_code_conformance":
        received = _RECEIVED.search(message)
        if received:
            return say.status(request, int(received.group(1)))
    if check == "ignored_auth":
        if "invalid" in title.lower():
            return say.honoured_invalid_token(operation)
        return say.honoured_without_token(operation)
    if check == "positive_data_acceptance" and status is not None:
        return say.status(request, status)
    if check == "response_schema_conformance":
        missing = _REQUIRED.search(message)
        if missing:
            return say.answer_property(say.answer_subject(spec, operation), missing.group("name"))
    return f"{operation}: {check}: {title}"


def answer_hint(message: str, status: int | None, body: str) -> str:
    """``message`` without Schemathesis's guess at the cause, with what the answer said."""
    message = _GUESS.sub("", message).rstrip()
    if status is None:
        return message
    if status < 300:  # a success: its body (tokens and all) is in the evidence below
        return f"{message}\nThe answer said: HTTP {status}, a success the documents do not give"
    said = " ".join(body.split())
    if len(said) > _ANSWER_LIMIT:
        said = said[:_ANSWER_LIMIT] + "…"
    return f"{message}\nThe answer said: HTTP {status} {said}".rstrip()
