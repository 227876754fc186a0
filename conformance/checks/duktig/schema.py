"""Duktig answers against the spec: every answer matches spec/duktig.openapi.yaml, and
(advisory) the reference's own shapes where seed 004 leaves a choice.
"""

from __future__ import annotations

import httpx

from conformance.checks.common import judge_responses
from conformance.checks.duktig.common import TOKEN_PATH, active_user, request_token
from conformance.checks.registry import check, requires_credentials
from conformance.engine.context import Context
from conformance.model import CheckSkipped


def _schema_probes(ctx: Context) -> list[tuple[str, str, httpx.Response]]:
    """Sign-in, wrong password, bad fields, no key, the inactive user, a body not JSON."""
    user = active_user(ctx)
    answers = [
        request_token(ctx, {"email": user["email"], "password": user["password"]}),
        request_token(ctx, {"email": user["email"], "password": user["password"] + "-x"}),
        request_token(ctx, {"email": "not-an-email", "password": "x"}),
        request_token(ctx, {"email": user["email"], "password": user["password"]}, send_key=False),
        request_token(ctx, b"{not json"),
    ]
    inactive = (ctx.credentials or {}).get("inactiveUsers") or []
    if inactive:
        answers.append(
            request_token(ctx, {"email": inactive[0]["email"], "password": inactive[0]["password"]})
        )
    return [("POST", TOKEN_PATH, response) for response in answers]


@check(
    "duktig",
    group="schema",
    source="seed 004: the 200, 401, 403 and 422 answers (its general error page: 400)",
)
@requires_credentials
def response_bodies_match_the_spec(ctx: Context) -> None:
    """200, 400, 401, 403 and 422 answers match the documented contract in the spec.

    Source: seed 004 and its general error page (a 400 or 422 may be a list of messages).
    """
    if not ctx.spec.get("paths"):
        raise CheckSkipped("no spec loaded for duktig")
    judge_responses(
        ctx,
        _schema_probes(ctx),
        strict=False,
        bodies_judged_by="success_body_has_documented_fields",
    )


@check(
    "duktig",
    group="schema",
    level="advisory",
    source="project decision: lastLogin always a date, a 422 always a field map",
)
@requires_credentials
def responses_follow_the_project_choices(ctx: Context) -> None:
    """Answers take the reference's shapes: lastLogin always a date, 422 always a field map.

    Advisory: the x-authconform-advisory marks in spec/duktig.openapi.yaml.
    """
    if not ctx.spec.get("paths"):
        raise CheckSkipped("no spec loaded for duktig")
    judge_responses(ctx, _schema_probes(ctx), strict=True)
