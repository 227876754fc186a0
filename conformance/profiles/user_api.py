"""User API: email/password signup and login with a one-hour HS256 token (seed 003)."""

from __future__ import annotations

from conformance.profiles import Profile

PROFILE = Profile(
    name="user-api",
    title="User API (signup and login)",
    spec_file="user-api.openapi.yaml",
    credentials_key="user-api",
    check_modules=("conformance.checks.user_api",),
    schemathesis={
        # Schema-valid bodies: a fresh signup is 200, a repeated email 409, a login with
        # generated credentials 401. 400 stays allowed because a server may judge an
        # address stricter than JSON Schema's "email" format does (seed 003 is silent).
        "positive_data_acceptance": {"expected_statuses": [200, 400, 401, 409]},
        "disabled_checks": {},
    },
)
