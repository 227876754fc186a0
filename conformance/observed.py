"""What a failure observed, in the words both stages share: the last part of a fault's identity.

A fault is (system, operation, observed). Protocol checks and Schemathesis findings build
their observation here, so one cause reads the same whichever stage saw it and is counted
once. Standard library only, like :mod:`conformance.model`, so any part may import it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "TOKEN",
    "answer_property",
    "answer_subject",
    "header_name_case",
    "media_type_refused",
    "no_allow_on_405",
    "server_error",
    "status",
    "token_claim",
    "token_lifetime",
]

# The subject of token observations: one function usually makes every token a system
# issues, so the same claim missing from the signup and the login token is one fault.
TOKEN = "token"


def server_error(request: str) -> str:
    """``"POST /path: answered 5xx"``: every 5xx to one (method, path) is one fault."""
    return f"{request}: answered 5xx"


def status(operation: str, code: int) -> str:
    """An operation answered with a status its documents do not give for that request."""
    if code >= 500:
        return server_error(operation)
    return f"{operation}: answered {code}"


def answer_property(subject: str, name: str, problem: str = "absent") -> str:
    """A documented answer property missing or mistyped, in the answer schema ``subject``."""
    return f"{subject}: property {name} {problem}"


def media_type_refused(operation: str) -> str:
    """A correct request refused for how its JSON media type is spelled (case, parameters):
    one fault however many spellings showed it (RFC 9110 §8.3.1)."""
    return f"{operation}: refuses another spelling of application/json"


def header_name_case(operation: str, name: str) -> str:
    """A header read only under one spelling of its name (RFC 9110 §5.1)."""
    return f"{operation}: reads {name} only in one letter case"


def no_allow_on_405() -> str:
    """A 405 without ``Allow`` (RFC 9110 §15.5.6): one server-wide habit, one fault, whichever
    path or stage showed it."""
    return "405 answers: no Allow header"


def honoured_without_token(operation: str) -> str:
    """An operation that takes a token answered 2xx to the request without one."""
    return f"{operation}: honoured without a token"


def honoured_invalid_token(operation: str) -> str:
    """An operation that takes a token answered 2xx to an unusable one in its place."""
    return f"{operation}: honoured an invalid token"


def token_claim(name: str, problem: str = "absent") -> str:
    """A documented token claim missing or mistyped, in whichever token showed it."""
    return f"{TOKEN}: claim {name} {problem}"


def token_lifetime(seconds: int) -> str:
    """A token living other than documented: the same lifetime in two tokens is one fault."""
    return f"{TOKEN}: lives {seconds} s"


def answer_subject(spec: dict[str, Any], operation: str, code: str = "200") -> str:
    """The answer schema's component name (operations sharing it share faults), else the
    operation itself: ``"UserWithToken answer"`` for either User API operation."""
    method, _, path = operation.partition(" ")
    operation_spec = ((spec.get("paths") or {}).get(path) or {}).get(method.lower()) or {}
    answer = (operation_spec.get("responses") or {}).get(code) or {}
    answer = _component(spec, answer.get("$ref", "")) or answer
    schema = ((answer.get("content") or {}).get("application/json") or {}).get("schema") or {}
    ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
    return f"{ref.rsplit('/', 1)[-1]} answer" if ref else f"{operation} answer"


def _component(spec: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        return {}
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}
