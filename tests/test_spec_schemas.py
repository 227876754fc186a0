"""The OpenAPI files are valid and their schemas accept every documented reading of the seeds."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from conformance.errors import UsageError
from conformance.openapi import files as specfiles
from conformance.openapi.schema import schema_errors, spec_operations

SESSION = ("post", "/auth/api/v1/authentication-management/session")
SEED_REQUEST = {
    "email": "alice@mail.com",
    "signature": (
        "0b458f758eeca3d7a2a64de0648c9b7dccaee146202257cd8ebaeb4690aa48b4"
        "64108111d8cf0e7f3b0ace1b51dcda89e76d372233514f324e00d64c6b899c0e"
    ),
    "authPublicKeyHex": "8a53d297bc406c63396967388ecc2ebc8abd701d195a43bbb4751ac5a86eac1b",
}
SEED_200 = {
    "status": {"code": 200, "name": "OK", "message": "User authorization has been successful."},
    "data": {
        "accessToken": "eyJ0eXAiOiJKV1QiLCJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2ln",
        "refreshToken": "eyJ0eXAiOiJKV1QiLCJhbGciOiJFZERTQSJ9.eyJzdWIiOiJiIn0.c2ln",
        "expirationTime": 300,
    },
}


@pytest.fixture(scope="module")
def fib() -> dict:
    return specfiles.load_spec("fib")


def _request_errors(spec: dict, body: dict) -> list[str]:
    return schema_errors(spec, spec_operations(spec)[SESSION].request_schema, body)


def _response_errors(spec: dict, code: str, body: dict) -> list[str]:
    return schema_errors(spec, spec_operations(spec)[SESSION].responses[code], body)


@pytest.mark.parametrize("system", specfiles.SYSTEMS)
def test_each_spec_is_valid_openapi_3_1(system: str) -> None:
    spec = specfiles.load_spec(system)
    assert spec["openapi"] == "3.1.0"
    assert [e.message for e in OpenAPIV31SpecValidator(spec).iter_errors()] == []
    assert [server["url"] for server in spec["servers"]] == ["http://127.0.0.1:8000"]


def test_seed_request_validates_against_fib_request_schema(fib: dict) -> None:
    assert _request_errors(fib, SEED_REQUEST) == []


def test_fib_request_schema_accepts_iroha_multihash_key(fib: dict) -> None:
    body = dict(SEED_REQUEST, authPublicKeyHex="ed0120" + SEED_REQUEST["authPublicKeyHex"])
    assert _request_errors(fib, body) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("signature", SEED_REQUEST["signature"][:-1]),  # 127 digits
        ("signature", "zz" + SEED_REQUEST["signature"][2:]),  # not hex
        ("authPublicKeyHex", SEED_REQUEST["authPublicKeyHex"] + "00"),  # 33 bytes
        ("email", 42),
    ],
)
def test_fib_request_schema_refuses_malformed_fields(fib: dict, field: str, value: object) -> None:
    errors = _request_errors(fib, dict(SEED_REQUEST, **{field: value}))
    assert errors and all(e.startswith(field) for e in errors)


def test_fib_request_schema_requires_every_field(fib: dict) -> None:
    for name in SEED_REQUEST:
        body = {k: v for k, v in SEED_REQUEST.items() if k != name}
        assert any(name in e for e in _request_errors(fib, body)), name


def test_200_seed_example_validates_with_and_without_status_message(fib: dict) -> None:
    without = copy.deepcopy(SEED_200)
    del without["status"]["message"]
    assert _response_errors(fib, "200", SEED_200) == []
    assert _response_errors(fib, "200", without) == []


@pytest.mark.parametrize("expiration", [300, 1703187412])
def test_expiration_time_validates_as_lifetime_and_as_epoch(fib: dict, expiration: int) -> None:
    body = copy.deepcopy(SEED_200)
    body["data"]["expirationTime"] = expiration
    assert _response_errors(fib, "200", body) == []


@pytest.mark.parametrize("expiration", ["300", 3.5, None])
def test_expiration_time_must_be_an_integer(fib: dict, expiration: object) -> None:
    body = copy.deepcopy(SEED_200)
    body["data"]["expirationTime"] = expiration
    assert any("expirationTime" in e for e in _response_errors(fib, "200", body))


def test_200_schema_requires_both_tokens_and_the_status_name(fib: dict) -> None:
    body = copy.deepcopy(SEED_200)
    del body["data"]["refreshToken"]
    del body["status"]["name"]
    errors = _response_errors(fib, "200", body)
    assert any("refreshToken" in e for e in errors)
    assert any("name" in e for e in errors)


def test_fib_documents_every_seed_code_and_the_conventions(fib: dict) -> None:
    assert set(spec_operations(fib)[SESSION].responses) == {
        "200",
        "400",
        "401",
        "404",
        "413",
        "415",
        "422",
        "500",
    }


def test_login_links_feed_tokens_to_refresh_and_logout(fib: dict) -> None:
    links = fib["components"]["responses"]["TokenPair"]["links"]
    assert links["Refresh"]["operationId"] == "refreshSession"
    assert links["Refresh"]["parameters"] == {
        "header.Authorization": "$response.body#/data/refreshToken"
    }
    assert links["Logout"]["parameters"] == {
        "header.Authorization": "$response.body#/data/accessToken"
    }
    operations = spec_operations(fib)
    for key in (("patch", SESSION[1]), ("post", "/auth/api/v1/authentication-management/logout")):
        assert operations[key].headers == {"authorization": True}


def test_duktig_auth_key_is_a_required_header() -> None:
    operation = spec_operations(specfiles.load_spec("duktig"))[("post", "/auth/token")]
    assert operation.headers == {"x-auth-key": True}


def test_spec_dir_from_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fib.openapi.yaml").write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\n")
    monkeypatch.setenv(specfiles.ENV_VAR, str(tmp_path))
    assert specfiles.spec_path("fib") == tmp_path / "fib.openapi.yaml"
    assert specfiles.load_spec("fib")["info"]["title"] == "t"
    # Not in the override: the repository's copy is next in line.
    assert specfiles.spec_path("duktig").parent.name == "spec"


def test_unknown_system_and_unreadable_spec_are_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UsageError, match="unknown"):
        specfiles.spec_path("nope")
    (tmp_path / "fib.openapi.yaml").write_text("- just\n- a list\n")
    monkeypatch.setenv(specfiles.ENV_VAR, str(tmp_path))
    with pytest.raises(UsageError, match="not an OpenAPI document"):
        specfiles.load_spec("fib")


@pytest.mark.parametrize("system", specfiles.SYSTEMS)
def test_libyaml_reads_each_spec_as_the_pure_python_loader_does(system: str) -> None:
    import yaml

    text = specfiles.spec_path(system).read_text(encoding="utf-8")
    assert specfiles.load_spec(system) == yaml.load(text, Loader=yaml.SafeLoader)


def test_a_spec_is_parsed_once_per_version_and_each_caller_gets_its_own_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fib.openapi.yaml"
    path.write_text("openapi: 3.1.0\ninfo: {title: first, version: '1'}\n")
    monkeypatch.setenv(specfiles.ENV_VAR, str(tmp_path))
    first = specfiles.load_spec("fib")
    first["info"]["title"] = "changed by a caller"
    assert specfiles.load_spec("fib")["info"]["title"] == "first"
    path.write_text("openapi: 3.1.0\ninfo: {title: second, version: '22'}\n")  # another size
    assert specfiles.load_spec("fib")["info"]["title"] == "second"
    assert [key for key in specfiles._PARSED if key.parent == tmp_path.resolve()] == [
        path.resolve()
    ]  # the first version is not kept beside the second
