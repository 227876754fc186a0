"""The specs declare how credentials travel (security schemes), not as plain header parameters.

OpenAPI 3.1 says tools SHALL ignore a header parameter named ``Authorization``; a security
scheme is what Swagger UI's Authorize dialog, Schemathesis and code generators act on.
"""

from __future__ import annotations

import pytest

from conformance.openapi import files as specfiles
from conformance.openapi.schema import security_headers, spec_operations

SESSION = "/auth/api/v1/authentication-management/session"
LOGOUT = "/auth/api/v1/authentication-management/logout"


@pytest.fixture(scope="module")
def fib() -> dict:
    return specfiles.load_spec("fib")


def test_fib_tokens_travel_bare_or_as_bearer(fib: dict) -> None:
    schemes = fib["components"]["securitySchemes"]
    assert schemes["token"] == {**schemes["token"], "type": "apiKey", "in": "header",
                                "name": "Authorization"}
    assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"] == "bearer"
    for method, path in (("patch", SESSION), ("post", LOGOUT)):
        operation = fib["paths"][path][method]
        assert operation["security"] == [{"token": []}, {"bearer": []}]
        # The scheme replaces the header parameter that tools must ignore.
        assert not any(p.get("in") == "header" for p in operation.get("parameters", []))


def test_public_operations_say_so(fib: dict) -> None:
    assert fib["paths"][SESSION]["post"]["security"] == []
    assert fib["paths"]["/.well-known/jwks.json"]["get"]["security"] == []
    assert security_headers(fib, fib["paths"][SESSION]["post"]) == {}


def test_duktig_key_is_an_api_key_scheme() -> None:
    duktig = specfiles.load_spec("duktig")
    scheme = duktig["components"]["securitySchemes"]["authKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-Auth-Key")
    operation = duktig["paths"]["/auth/token"]["post"]
    assert operation["security"] == [{"authKey": []}]
    assert "parameters" not in operation


def test_a_credential_is_optional_when_one_alternative_needs_none(fib: dict) -> None:
    operation = {"security": [{"token": []}, {}]}
    assert security_headers(fib, operation) == {"authorization": False}
    assert security_headers(fib, {"security": [{"bearer": []}]}) == {"authorization": True}


def test_response_headers_the_reference_sends_are_declared(fib: dict) -> None:
    responses = fib["components"]["responses"]
    no_store = responses["TokenPair"]["headers"]["Cache-Control"]["$ref"]
    challenge = responses["BadToken"]["headers"]["WWW-Authenticate"]["$ref"]
    headers = fib["components"]["headers"]
    assert headers[no_store.rsplit("/", 1)[1]]["schema"]["examples"] == ["no-store"]
    assert headers[challenge.rsplit("/", 1)[1]]["schema"]["examples"] == ["Bearer"]
    # The documents do not ask for either: declared, never required of other servers.
    assert not any(header.get("required") for header in headers.values())
    operations = spec_operations(fib)
    assert operations[("patch", SESSION)].headers == {"authorization": True}
