"""Duktig: POST /auth/token behind a configured X-Auth-Key, HS256 token pair (seed 004)."""

from __future__ import annotations

from conformance.profiles import Profile

PROFILE = Profile(
    name="duktig",
    title="Duktig.Microservice (authorization)",
    spec_file="duktig.openapi.yaml",
    credentials_key="duktig",
    check_modules=(
        "conformance.checks.duktig.auth_key",
        "conformance.checks.duktig.validation",
        "conformance.checks.duktig.login",
        "conformance.checks.duktig.robustness",
        "conformance.checks.duktig.injection",
        "conformance.checks.duktig.schema",
        "conformance.checks.duktig.account",
        "conformance.checks.duktig.trust",
        "conformance.checks.duktig.headers",
        "conformance.checks.duktig.discovery",
        "conformance.checks.duktig.semantics",
    ),
    schemathesis={
        # What the checks run on the spec's contract view cite (conformance.fuzz.config).
        "documents": ["seed 004"],
        # Every request carries the configured key from the credentials section.
        "credential_headers": {"X-Auth-Key": "authKey"},
        # Schema-valid bodies name users that do not exist (401); seed 004's 422 judges
        # email and password strength by its own rules, which a schema cannot fully state;
        # 403 is the documented answer for an inactive account.
        "positive_data_acceptance": {"expected_statuses": [200, 401, 403, 422]},
        "disabled_checks": {},
        # For plain `st run` (conformance.openapi.st_config): log in as a real user, so responses
        # other than 401 are seen and the success schema is checked against real answers.
        "user_body_fields": {"getToken": {"email": "email", "password": "password"}},
    },
)
