"""Controls for refusal checks: a refusal is credited to the field under test only when the
same request with that field valid is accepted. Registers no check.

A server may refuse a request for a reason the check is not about (its password policy,
a rate limit, a closed signup). So a check that saw the refusal it expected then shows
the control, the same request with the field under test made valid, accepted: sent now,
or a recent acceptance of an identical request reused. When the control is refused,
the check is blocked by the check that owns that refusal (``owner``), never passed on a
refusal it cannot explain, nor failed for a fault that is not its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.engine.context import Context
from conformance.engine.evidence import clip
from conformance.model import CheckBlocked, Exchange

__all__ = [
    "PASSWORD_POLICY",
    "Control",
    "is_2xx",
    "names_password",
    "require_accepted",
    "require_sent_accepted",
]

# The cause named when a server's password policy refused every password the suite made:
# no check reports it (no document sets a policy), so it blocks and is never a failure.
PASSWORD_POLICY = "password_policy"


def is_2xx(status: int) -> bool:
    return 200 <= status < 300


@dataclass(frozen=True)
class Control:
    """The request with the field under test valid, and the check that owns its refusal."""

    path: str
    body: Any
    owner: str  # the check that reports this request being refused
    what: str  # "signup with every field valid", for the blocked message
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str = "POST"
    accepted: Callable[[int], bool] = is_2xx
    # A signup: a refusal naming the password is the server's policy, not the owner's fault.
    # (A login refused "wrong email or password" names it too, so only signups say so.)
    password_policy: bool = False


def names_password(response: httpx.Response) -> bool:
    """A 4xx whose body speaks of the password: a password policy's refusal."""
    return 400 <= response.status_code < 500 and "password" in response.text.lower()


def require_accepted(ctx: Context, control: Control) -> None:
    """Return when ``control`` is (or recently was) accepted; else block the calling check.

    The probe the check judges stays the evidence of record.
    """
    if _accepted_recently(ctx, control):
        return
    headers = dict(control.headers) or None

    def send() -> httpx.Response:
        return ctx.request(control.method, control.path, json_body=control.body, headers=headers)

    require_sent_accepted(
        ctx,
        send,
        owner=control.owner,
        what=control.what,
        accepted=control.accepted,
        password_policy=control.password_policy,
    )


def require_sent_accepted(
    ctx: Context,
    send: Callable[[], httpx.Response],
    *,
    owner: str,
    what: str,
    accepted: Callable[[int], bool] = is_2xx,
    password_policy: bool = False,
) -> None:
    """The control sent by ``send``, for a request that cannot be repeated as it was (it
    spends a fresh token): return when it is accepted; else block the calling check by
    ``owner``. The probe the check judges stays the evidence of record."""
    probe = ctx.last
    response = send()
    ctx.last = probe
    if accepted(response.status_code):
        return
    cause = owner
    if password_policy and names_password(response):
        cause = PASSWORD_POLICY
    why = (
        f"its control, {what}, was refused too (HTTP {response.status_code}: "
        f"{clip(response.text)[:120]}), so the refusal shows nothing of the field under test"
    )
    if ctx.check_name == cause:
        ctx.fail(f"{what} was refused", received=f"HTTP {response.status_code}")
    raise CheckBlocked(cause, why)


def _accepted_recently(ctx: Context, control: Control) -> bool:
    """An identical request (method, path, body, the control's headers) accepted this run."""
    return any(
        exchange.status is not None
        and control.accepted(exchange.status)
        and _same_request(exchange, control)
        for exchange in reversed(ctx.history)
    )


def _same_request(exchange: Exchange, control: Control) -> bool:
    if exchange.key() != f"{control.method.upper()} {control.path}":
        return False
    sent = {name.lower(): value for name, value in exchange.request_headers.items()}
    if any(sent.get(name.lower()) != value for name, value in control.headers.items()):
        return False
    try:
        return json.loads(exchange.request_body) == control.body
    except ValueError:
        return False
