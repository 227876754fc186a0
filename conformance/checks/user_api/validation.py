"""Required fields: a signup without one is refused (seed 003 marks every field required)."""

from __future__ import annotations

from conformance.checks.controls import require_accepted
from conformance.checks.registry import check
from conformance.checks.user_api.account import SIGNUP_PATH, fresh_session, new_user, signup_control
from conformance.checks.user_api.common import refused_without_token
from conformance.engine.context import Context


@check(
    "user-api",
    group="signup",
    source="seed 003: signup's name, email and password are required=true",
)
def signup_without_a_required_field_is_refused(ctx: Context) -> None:
    """A signup without name, email or password, with an unused email, is refused (4xx).

    Source: seed 003 marks name, email and password required=true for signup.
    """
    fresh_session(ctx)  # settles the password strength this server takes, or blocks
    for missing in ("name", "email", "password"):
        user = new_user(ctx)
        body = {k: v for k, v in user.items() if k != missing}
        response = ctx.post(SIGNUP_PATH, body)
        refused_without_token(ctx, response, f"a signup without {missing} (fresh email)", "400")
        require_accepted(ctx, signup_control(user, f"the same signup with {missing}"))
