"""HTTP semantics every server must get right, whatever it serves (RFC 9110). Registers no check.

Each system's ``http`` check module registers these claims with its own known-good request
(a login the system's other checks already make), so the claims read the same for every
system and no check asks which system it is:

- a correct request is accepted with its JSON media type spelled otherwise: type and
  subtype in another case, a ``charset`` parameter (RFC 9110 §8.3.1: both are
  case-insensitive, parameters are allowed);
- a correct request is accepted with a header name in another case (RFC 9110 §5.1: field
  names are case-insensitive); the name goes out as given (httpx keeps the case of a
  header name on HTTP/1.1, and the project's tests read it back from the wire);
- HEAD and OPTIONS on each documented path are never answered 5xx (RFC 9110 §9.3.2,
  §15.6; a 501 says the method is not implemented, §15.6.2, and is accepted);
- every 405 carries ``Allow`` (RFC 9110 §15.5.6: the origin server MUST send it).

A refusal of the variant counts only when the plain request is accepted too (its
control); else the check is blocked by the check that owns the plain request.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from conformance import observed
from conformance.checks.controls import Control, require_accepted, require_sent_accepted
from conformance.engine.context import Context
from conformance.engine.evidence import clip
from conformance.model import CheckNotApplicable, Exchange, unimplemented_method
from conformance.openapi.view import contract_view

__all__ = [
    "ALLOW_SOURCE",
    "FIELD_NAME_SOURCE",
    "MEDIA_TYPE_SOURCE",
    "MEDIA_TYPE_VARIANTS",
    "PROBE_METHODS",
    "SERVER_FAILED_SOURCE",
    "accepts_header_name_in_other_case",
    "accepts_media_type_variants",
    "accepts_sent_header_name_in_other_case",
    "method_probes",
    "other_case",
    "require_allow_on_405",
    "require_no_5xx_on_probes",
]

# What these claims cite. §8.3.1 and §5.1 define equal spellings rather than say MUST, and
# §15.6 names what a 5xx means: each system's check rests them on its own documents (which
# name the JSON body and the headers), the RFC beside them. §15.5.6 is a MUST of its own.
MEDIA_TYPE_SOURCE = (
    "RFC 9110 §8.3.1: a media type's type and subtype are case-insensitive, and parameters "
    "such as charset may follow"
)
FIELD_NAME_SOURCE = "RFC 9110 §5.1: header field names are case-insensitive"
SERVER_FAILED_SOURCE = (
    "RFC 9110 §15.6: a 5xx says the server failed a request it should have handled; a 501 "
    "(§15.6.2) that it does not implement the method"
)
ALLOW_SOURCE = "RFC 9110 §15.5.6: the origin server MUST generate an Allow header field in a 405"

# Spellings of application/json a server must take like the plain one (RFC 9110 §8.3.1).
MEDIA_TYPE_VARIANTS = ("Application/JSON", "application/json; charset=utf-8")
# Methods sent to each documented path; never answered 5xx, and a 405 names what is allowed.
PROBE_METHODS = ("HEAD", "OPTIONS")
# Sent to each documented path when neither probe was answered 405: a method no document
# gives these paths, so an Allow can be judged wherever the server answers 405 at all.
UNDOCUMENTED_METHOD = "PUT"

MEDIA_TYPE_DOCUMENTED = (
    "the same answer as for Content-Type: application/json (RFC 9110 §8.3.1: type and "
    "subtype are case-insensitive, and a media type may carry parameters such as charset)"
)
HEADER_NAME_DOCUMENTED = (
    "the same answer as for the name's usual spelling (RFC 9110 §5.1: field names are "
    "case-insensitive)"
)
ALLOW_DOCUMENTED = (
    "an Allow header listing the methods the resource supports (RFC 9110 §15.5.6: the "
    "origin server MUST generate Allow in a 405 response)"
)
_PROBES_KEY = "http_method_probes"


def other_case(name: str) -> str:
    """``name`` in capitals, or in small letters when it is in capitals already."""
    return name.upper() if name != name.upper() else name.lower()


def _operation(control: Control) -> str:
    return f"{control.method.upper()} {control.path}"


def accepts_media_type_variants(ctx: Context, control: Control) -> None:
    """``control`` sent as raw JSON under each variant Content-Type is accepted as it is."""
    raw = json.dumps(control.body).encode("utf-8")
    for media_type in MEDIA_TYPE_VARIANTS:
        headers = {**control.headers, "Content-Type": media_type}
        response = ctx.request(control.method, control.path, content=raw, headers=headers)
        if control.accepted(response.status_code):
            continue
        require_accepted(ctx, control)
        ctx.fail(
            f"{_operation(control)} with Content-Type: {media_type} was refused",
            received=f"HTTP {response.status_code}: {clip(response.text)[:160]}",
            documented=MEDIA_TYPE_DOCUMENTED,
            hint="compare the media type case-insensitively and ignore its parameters "
            "(or read charset), not the whole header as one string",
            observed=observed.media_type_refused(_operation(control)),
        )


def accepts_header_name_in_other_case(ctx: Context, control: Control, name: str) -> None:
    """``control`` with header ``name`` spelled in another case is accepted as it is.

    The body goes out as raw JSON with its Content-Type set here, so ``name`` may be
    Content-Type itself.
    """
    headers = {"Content-Type": "application/json", **control.headers}
    renamed = {
        (other_case(key) if key.lower() == name.lower() else key): value
        for key, value in headers.items()
    }
    raw = json.dumps(control.body).encode("utf-8")
    response = ctx.request(control.method, control.path, content=raw, headers=renamed)
    if control.accepted(response.status_code):
        return
    require_accepted(ctx, control)
    _header_refused(ctx, _operation(control), name, response)


def accepts_sent_header_name_in_other_case(
    ctx: Context,
    send: Callable[[str], httpx.Response],
    *,
    operation: str,
    name: str,
    owner: str,
    what: str,
    accepted: Callable[[int], bool],
) -> None:
    """``send(header_name)`` is accepted with ``name`` in another case as with ``name``.

    For requests that spend what they carry (a fresh token each time): ``send`` makes a
    whole new request; the plain one, sent only after a refusal, is the control.
    """
    response = send(other_case(name))
    if accepted(response.status_code):
        return
    require_sent_accepted(ctx, lambda: send(name), owner=owner, what=what, accepted=accepted)
    _header_refused(ctx, operation, name, response)


def _header_refused(ctx: Context, operation: str, name: str, response: httpx.Response) -> None:
    ctx.fail(
        f"{operation} with the header name {other_case(name)} (for {name}) was refused",
        received=f"HTTP {response.status_code}: {clip(response.text)[:160]}",
        documented=HEADER_NAME_DOCUMENTED,
        hint="look header names up case-insensitively",
        observed=observed.header_name_case(operation, name),
    )


def _documented_paths(ctx: Context) -> list[str]:
    paths = contract_view(ctx.spec).get("paths") or {}
    return [path for path in paths if "{" not in path]


def method_probes(ctx: Context) -> list[Exchange]:
    """HEAD and OPTIONS on each documented path, sent once per run and shared."""
    if _PROBES_KEY not in ctx.cache:
        found = []
        for path in _documented_paths(ctx):
            for method in PROBE_METHODS:
                ctx.request(method, path)
                found.append(ctx.last)
        ctx.cache[_PROBES_KEY] = found
    return ctx.cache[_PROBES_KEY]


def require_no_5xx_on_probes(ctx: Context) -> None:
    """Fail on the first HEAD or OPTIONS answered 5xx (a 501 excepted)."""
    for exchange in method_probes(ctx):
        status = exchange.status or 0
        method, _, path = exchange.key().partition(" ")
        if status >= 500 and not unimplemented_method(status, ctx.documents(method, path)):
            ctx.last = exchange
            ctx.fail(
                f"{exchange.key()} was answered {status}",
                received=f"HTTP {status}",
                documented="any answer but a 5xx (RFC 9110 §9.3.2: HEAD is the GET without "
                "content; §15.6: a 5xx is the server failing); 501 if the method is not "
                "implemented (§15.6.2)",
                hint="route HEAD and OPTIONS (or answer 405 with Allow) instead of crashing",
            )


def require_allow_on_405(ctx: Context) -> None:
    """Fail on a 405 without Allow among the probes (and one undocumented method per path
    when no probe drew a 405); not applicable when the server never answers 405."""
    answers = list(method_probes(ctx))
    if not any(exchange.status == 405 for exchange in answers):
        for path in _documented_paths(ctx):
            ctx.request(UNDOCUMENTED_METHOD, path)
            answers.append(ctx.last)
    seen = [exchange for exchange in answers if exchange.status == 405]
    if not seen:
        raise CheckNotApplicable(
            "no probe was answered 405 (the server answers other methods otherwise)"
        )
    for exchange in seen:
        if not any(name.lower() == "allow" for name in exchange.response_headers):
            ctx.last = exchange
            ctx.fail(
                f"{exchange.key()} was answered 405 without Allow",
                received="HTTP 405, no Allow header",
                documented=ALLOW_DOCUMENTED,
                observed=observed.no_allow_on_405(),
            )
