"""Operator objects and lists in credential fields (conformance/checks/injection.py): which
probes the claim sends, and that a store reading them as a query is caught even when the
account it matches first is one the suite did not create."""

from __future__ import annotations

import json

from independent import duktig
from suite_in_process import describe, run_checks

from conformance.checks.injection import MAX_ACCOUNTS, OPERATORS, Account, probes
from conformance.model import Outcome

ACCOUNTS = [
    Account(f"user {n}", {"email": f"u{n}@example.com", "password": f"Secret-{n}-pass"})
    for n in range(1, 5)
]
STRANGER = {"email": "nobody@example.invalid", "password": "Nobody-s-password-1"}


def test_each_operator_and_a_list_reach_every_field_in_a_handful_of_requests() -> None:
    sent = probes(ACCOUNTS, "email", STRANGER)
    # {"$ne": null} in the email with each account's password (at most MAX_ACCOUNTS), the
    # other operators and a list with the first one's; every operator and a list in the
    # password with the first account's email.
    assert len(sent) == MAX_ACCOUNTS + len(OPERATORS) + len(OPERATORS) + 1
    shapes = {(p.field, json.dumps(p.body[p.field])) for p in sent}
    for _, value in OPERATORS:
        assert ("email", json.dumps(value)) in shapes
        assert ("password", json.dumps(value)) in shapes
    assert ("email", json.dumps([STRANGER["email"], "u1@example.com"])) in shapes
    assert ("password", json.dumps([STRANGER["password"], "Secret-1-pass"])) in shapes
    for probe in sent:  # one field spoiled, the rest an account's own, never a string
        spoiled = [k for k, v in probe.body.items() if not isinstance(v, str)]
        assert spoiled == [probe.field], probe


def test_the_email_operator_carries_each_known_password_in_the_file_s_order() -> None:
    sent = [p for p in probes(ACCOUNTS, "email", STRANGER) if p.body["email"] == {"$ne": None}]
    assert [p.body["password"] for p in sent] == [
        a.body["password"] for a in ACCOUNTS[:MAX_ACCOUNTS]
    ]
    assert "user 1" in sent[0].what and '{"$ne": null}' in sent[0].what


def test_a_store_whose_oldest_account_the_suite_does_not_know_is_caught_by_the_list(
    served,
) -> None:
    """Every operator matches the oldest account, whose password the file does not give:
    those probes are refused, and the list naming a stranger and the known account is not."""
    url = served(duktig, ("operator_matching",))
    section = duktig.credentials()
    section["users"] = section["users"][1:]  # the file names only the second account
    results = run_checks("duktig", url, {"duktig": section})
    found = results["operator_objects_log_nobody_in"]
    assert found.outcome is Outcome.FAILED, describe(results)
    assert found.message.startswith("a login with email as a list"), found.message
