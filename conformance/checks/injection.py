"""Operator objects and lists in credential fields: logins that must never log anyone in.
Registers no check; each system's module names its accounts and registers the claim.

A login names the account it logs into, with a string in each credential field. A server
that passes the request's JSON straight into a document-store query (a Mongo-style
``findOne({email: body.email})``) turns ``{"$ne": null}``, ``{"$gt": ""}`` or
``{"$regex": ".*"}`` into "any account": ``findOne`` then returns the oldest document,
which is an account the suite did not create, so the probes carry the credentials of the
credentials file's accounts first, then the suite's own. A list of values in one field
names no single account either (a driver may read it as "any of these"). Any 2xx to
such a body is a login that did not name its account; a 4xx is the only right answer
(a 5xx is the server-error fault, judged for every request elsewhere).

Bounded: at most ``MAX_ACCOUNTS`` accounts. The identifying field gets ``{"$ne": null}``
with each account's other credentials, and every other operator and a list with the
first account's; every other credential field gets every operator and a list, with the
first account's identifier. Each account first shows its own login accepted (its
control), so a refusal is never credited to the operators when the credentials are stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.checks.controls import Control, require_accepted
from conformance.engine.context import Context
from conformance.engine.masking import token_values
from conformance.model import CheckBlocked

__all__ = [
    "INJECTION_SOURCE",
    "MAX_ACCOUNTS",
    "OPERATORS",
    "Account",
    "Probe",
    "never_log_in",
    "probes",
]

# Enough to reach the oldest documents of a store the suite did not fill, few enough to
# keep the check to a handful of requests.
MAX_ACCOUNTS = 3

# Mongo-style query operators that each match every string, shown as sent.
OPERATORS: tuple[tuple[str, Any], ...] = (
    ('{"$ne": null}', {"$ne": None}),
    ('{"$gt": ""}', {"$gt": ""}),
    ('{"$regex": ".*"}', {"$regex": ".*"}),
)

DOCUMENTED = (
    "a refusal (4xx): a login names its account with a string in every credential field "
    "({source}); an operator object or a list names no account"
)
HINT = (
    "accept only strings in credential fields before they reach the store: a Mongo-style "
    'findOne({{"{field}": {{"$ne": null}}}}) matches the oldest account'
)

# What every system's claim rests on beside its own seed: the operators are a query language
# the body must not reach.
INJECTION_SOURCE = (
    "ASVS 5.0 V1.2.4: database queries, NoSQL included, are parameterized or otherwise "
    "protected from injection"
)


@dataclass(frozen=True)
class Account:
    """An account the suite can log in as: who it is (for messages) and its login body."""

    label: str  # "credentials user 1", "the suite's own user": never a secret
    body: Mapping[str, str]


@dataclass(frozen=True)
class Probe:
    """A login body with one credential field replaced, and what it is, in words."""

    field: str
    what: str
    body: dict[str, Any] = field(repr=False)


def probes(accounts: list[Account], identifier: str, stranger: Mapping[str, str]) -> list[Probe]:
    """The bounded probe list (see the module docstring) for ``accounts`` (at least one).

    ``stranger`` holds a value of each field that belongs to no account, the other item
    of each list probe.
    """
    first, found = accounts[0], []
    (ne_shown, ne_value), *other_operators = OPERATORS
    for account in accounts[:MAX_ACCOUNTS]:
        found.append(_probe(account, identifier, ne_shown, ne_value))
    for shown, value in other_operators:
        found.append(_probe(first, identifier, shown, value))
    found.append(_list_probe(first, identifier, stranger))
    for name in first.body:
        if name == identifier:
            continue
        found += [_probe(first, name, shown, value) for shown, value in OPERATORS]
        found.append(_list_probe(first, name, stranger))
    return found


def _probe(account: Account, name: str, shown: str, value: Any) -> Probe:
    others = ", ".join(k for k in account.body if k != name)
    what = f"{name} {shown} and the {others} of {account.label}"
    return Probe(name, what, {**account.body, name: value})


def _list_probe(account: Account, name: str, stranger: Mapping[str, str]) -> Probe:
    others = ", ".join(k for k in account.body if k != name)
    what = f"{name} as a list of an unknown value and {account.label}'s, with its {others}"
    return Probe(name, what, {**account.body, name: [stranger[name], account.body[name]]})


def never_log_in(
    ctx: Context,
    path: str,
    accounts: list[Account],
    *,
    identifier: str,
    stranger: Mapping[str, str],
    control: Callable[[Account], Control],
    source: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Fail on the first probe answered with a 2xx; blocked when no account logs in.

    ``control(account)`` is that account's own login; an account whose login is refused
    is left out (its probes could not succeed anyway); with none left the check is
    blocked by the control's owner.
    """
    usable: list[Account] = []
    blocked: CheckBlocked | None = None
    for account in accounts[:MAX_ACCOUNTS]:
        try:
            require_accepted(ctx, control(account))
        except CheckBlocked as why:
            blocked = blocked or why
            continue
        usable.append(account)
    if not usable:
        assert blocked is not None  # accounts is never empty here
        raise blocked
    if ctx.learn is not None:  # a secret inside a list is not masked by its field's name
        # Only what masking counts as a secret or token (a password, a signature): a public
        # key or an email in a list stays readable, as it does anywhere else.
        for account in (*usable, Account("a stranger", stranger)):
            ctx.learn(token_values({}, account.body))
    for probe in probes(usable, identifier, stranger):
        response = ctx.request("POST", path, json_body=probe.body, headers=dict(headers or {}))
        if 200 <= response.status_code < 300:
            ctx.fail(
                f"a login with {probe.what} was accepted",
                received=f"HTTP {response.status_code}: a login that names no account",
                documented=DOCUMENTED.format(source=source),
                hint=HINT.format(field=probe.field),
                observed=f"POST {path}: a non-string credential logs in",
            )
