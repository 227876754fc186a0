"""Answers judged by the spec: seed 003's bodies (contract), the project's choices (advisory)."""

from __future__ import annotations

from conformance.checks.common import judge_responses
from conformance.checks.controls import require_accepted
from conformance.checks.registry import check
from conformance.checks.user_api.account import SIGNUP_PATH, fresh_session, new_user, signup_control
from conformance.checks.user_api.common import is_4xx, schema_probes
from conformance.engine.context import Context
from conformance.model import CheckSkipped


@check(
    "user-api",
    group="schema",
    source="seed 003: the 200 bodies; it shows no refusal, so a refusal may carry any body",
)
def response_bodies_match_the_spec(ctx: Context) -> None:
    """Signup and login answers, success and refusal, match the spec's documented contract.

    Source: seed 003 (the 200 bodies); refusals may carry any body, as the seed shows none.
    """
    if not ctx.spec.get("paths"):
        raise CheckSkipped("no spec loaded for user-api")
    judge_responses(
        ctx, schema_probes(ctx), strict=False, bodies_judged_by="signup_then_login_round_trip"
    )


@check(
    "user-api",
    group="schema",
    level="advisory",
    source="project decision: a 24-hex userId, 400/401/409 refusals, {error, message} bodies",
)
def responses_follow_the_project_choices(ctx: Context) -> None:
    """Answers take the project's reading: 24-hex userId, 400/401/409, {error, message} bodies.

    Advisory: seed 003 documents no error at all; these are the reference server's
    choices, marked x-authconform-advisory in spec/user-api.openapi.yaml.
    """
    if not ctx.spec.get("paths"):
        raise CheckSkipped("no spec loaded for user-api")
    judge_responses(ctx, schema_probes(ctx), strict=True)


# Bodies the project refuses by its own limits; seed 003 states none of them.
OVER_THE_LIMITS: tuple[tuple[str, dict[str, str]], ...] = (
    ("a 65-character name", {"name": "n" * 65}),
    ("a 7-character password", {"password": "Pw-1234"}),
    ("a 129-character password", {"password": "P" * 129}),
    ("an email without @", {"email": "not-an-email"}),
    ("a 300-character email", {"email": "a" * 288 + "@example.com"}),
)


@check(
    "user-api",
    group="signup",
    level="advisory",
    source=(
        "project decision: names up to 64 characters, passwords of 8 to 128, real addresses; ASVS "
        "5.0 V6.2.1: passwords of at least 8 characters"
    ),
)
def signup_enforces_the_project_limits(ctx: Context) -> None:
    """Signup refuses names over 64 characters, passwords outside 8..128 and non-addresses.

    Advisory: seed 003 gives no limits; these are the project's (x-authconform-advisory).
    """
    fresh_session(ctx)  # settles the password strength this server takes, or blocks
    for what, change in OVER_THE_LIMITS:
        user = new_user(ctx)
        response = ctx.post(SIGNUP_PATH, {**user, **change})
        if not is_4xx(response):
            ctx.fail(
                f"signup with {what} was not refused",
                received=f"HTTP {response.status_code}",
                documented="a 4xx (project limits: name 1-64, password 8-128, an email "
                "address of at most 254 characters; seed 003 states none)",
            )
        require_accepted(ctx, signup_control(user, f"the same signup without {what}"))
