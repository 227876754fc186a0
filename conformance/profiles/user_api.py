"""User API: email/password signup and login with a one-hour HS256 token (seed 003)."""

from __future__ import annotations

from conformance.profiles import Profile

PROFILE = Profile(
    name="user-api",
    title="User API (signup and login)",
    spec_file="user-api.openapi.yaml",
    credentials_key="user-api",
    check_modules=(
        "conformance.checks.user_api.round_trip",
        "conformance.checks.user_api.emails",
        "conformance.checks.user_api.refusals",
        "conformance.checks.user_api.injection",
        "conformance.checks.user_api.schema",
        "conformance.checks.user_api.login",
        "conformance.checks.user_api.validation",
        "conformance.checks.user_api.trust",
        "conformance.checks.user_api.headers",
        "conformance.checks.user_api.passwords",
        "conformance.checks.user_api.discovery",
        "conformance.checks.user_api.semantics",
    ),
    schemathesis={
        # What the checks run on the spec's contract view cite (conformance.fuzz.config).
        "documents": ["seed 003"],
        # Seed 003 documents only the 200 answers and types every field as a plain string:
        # a server may refuse a schema-valid body for any rule of its own (a length limit,
        # an address format, a taken email, wrong credentials), with any 4xx.
        "positive_data_acceptance": {"expected_statuses": [200, "4xx"]},
        # A body that breaks the seed's types or omits a required field: any 4xx refuses it
        # (413 and 411 too); a 5xx is not_a_server_error's to judge.
        "negative_data_rejection": {"expected_statuses": ["4xx", "5xx"]},
        "disabled_checks": {},
    },
)
