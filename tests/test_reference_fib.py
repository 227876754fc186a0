"""FIB on the reference server: login, tokens, refresh rotation, logout, persistence."""

from __future__ import annotations

import hashlib

import httpx
import jwt
import nacl.signing
import pytest

from conformance.signing import sign_email
from reference_impl.serving.embedded import Running

SESSION = "/auth/api/v1/authentication-management/session"
LOGOUT = "/auth/api/v1/authentication-management/logout"
SEED_EXAMPLE = {
    "email": "alice@mail.com",
    "signature": "0b458f758eeca3d7a2a64de0648c9b7dccaee146202257cd8ebaeb4690aa48b4"
    "64108111d8cf0e7f3b0ace1b51dcda89e76d372233514f324e00d64c6b899c0e",
    "authPublicKeyHex": "8a53d297bc406c63396967388ecc2ebc8abd701d195a43bbb4751ac5a86eac1b",
}


def login_body(user: dict) -> dict:
    return {
        "email": user["email"],
        "signature": sign_email(user["email"], user["privateKeyHex"]),
        "authPublicKeyHex": user["publicKeyHex"],
    }


def login(server: Running, index: int = 0) -> dict:
    user = server.credentials["fib"]["users"][index]
    response = httpx.post(f"{server.url}{SESSION}", json=login_body(user))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def jwks_key(server: Running):
    keys = httpx.get(f"{server.url}/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519"
    return jwt.PyJWK(keys[0]).key


def test_signed_login_returns_documented_body(reference_server: Running) -> None:
    user = reference_server.credentials["fib"]["users"][0]
    response = httpx.post(f"{reference_server.url}{SESSION}", json=login_body(user))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == {
        "code": 200,
        "name": "OK",
        "message": "User authorization has been successful.",
    }
    assert set(body["data"]) == {"accessToken", "refreshToken", "expirationTime"}
    assert body["data"]["expirationTime"] == 300


def test_signature_made_independently_in_the_test_logs_in(reference_server: Running) -> None:
    """Hash-then-sign written here from the documents, not with either side's code."""
    user = reference_server.credentials["fib"]["users"][1]
    digest = bytearray(hashlib.blake2b(user["email"].encode(), digest_size=32).digest())
    digest[-1] |= 1
    key = nacl.signing.SigningKey(bytes.fromhex(user["privateKeyHex"]))
    signature = key.sign(bytes(digest)).signature.hex()
    response = httpx.post(
        f"{reference_server.url}{SESSION}",
        json={
            "email": user["email"],
            "signature": signature,
            "authPublicKeyHex": user["publicKeyHex"],
        },
    )
    assert response.status_code == 200


def test_seed_example_request_logs_alice_in(reference_server: Running) -> None:
    response = httpx.post(f"{reference_server.url}{SESSION}", json=SEED_EXAMPLE)
    assert response.status_code == 200, response.text
    access = response.json()["data"]["accessToken"]
    claims = jwt.decode(access, jwks_key(reference_server), algorithms=["EdDSA"])
    assert claims["sub"] == "alice@mail.com"
    assert claims["acc"] == "alice@wonderland"


def test_iroha_multihash_public_key_form_is_accepted(reference_server: Running) -> None:
    body = dict(SEED_EXAMPLE, authPublicKeyHex="ed0120" + SEED_EXAMPLE["authPublicKeyHex"].upper())
    assert httpx.post(f"{reference_server.url}{SESSION}", json=body).status_code == 200


def test_signature_over_raw_email_is_422(reference_server: Running) -> None:
    user = reference_server.credentials["fib"]["users"][0]
    key = nacl.signing.SigningKey(bytes.fromhex(user["privateKeyHex"]))
    raw_signature = key.sign(user["email"].encode()).signature.hex()
    body = dict(login_body(user), signature=raw_signature)
    assert httpx.post(f"{reference_server.url}{SESSION}", json=body).status_code == 422


def test_wrong_key_for_the_email_is_422(reference_server: Running) -> None:
    first, second = reference_server.credentials["fib"]["users"][:2]
    body = {
        "email": first["email"],
        "signature": sign_email(first["email"], second["privateKeyHex"]),
        "authPublicKeyHex": second["publicKeyHex"],
    }
    response = httpx.post(f"{reference_server.url}{SESSION}", json=body)
    assert response.status_code == 422
    assert response.json()["status"]["code"] == 422


def test_unknown_email_is_404(reference_server: Running) -> None:
    user = reference_server.credentials["fib"]["users"][0]
    body = dict(login_body(user), email="nobody@example.com")
    response = httpx.post(f"{reference_server.url}{SESSION}", json=body)
    assert response.status_code == 404
    assert response.json()["status"]["message"] == "User has not been found."


@pytest.mark.parametrize(
    "field,value",
    [
        ("signature", "zz" * 64),
        ("signature", "ab" * 63),
        ("authPublicKeyHex", "not hex at all"),
        ("authPublicKeyHex", "ab" * 31),
    ],
)
def test_bad_hex_or_length_is_422_even_for_unknown_users(
    reference_server: Running, field: str, value: str
) -> None:
    body = dict(SEED_EXAMPLE, email="nobody@example.com", **{field: value})
    assert httpx.post(f"{reference_server.url}{SESSION}", json=body).status_code == 422


@pytest.mark.parametrize("missing", ["email", "signature", "authPublicKeyHex"])
def test_missing_field_is_400(reference_server: Running, missing: str) -> None:
    body = {k: v for k, v in SEED_EXAMPLE.items() if k != missing}
    response = httpx.post(f"{reference_server.url}{SESSION}", json=body)
    assert response.status_code == 400
    assert missing in response.json()["status"]["message"]


def test_tokens_verify_with_the_published_key_and_carry_documented_claims(
    reference_server: Running,
) -> None:
    data = login(reference_server)
    key = jwks_key(reference_server)
    assert jwt.get_unverified_header(data["accessToken"]) == {"typ": "JWT", "alg": "EdDSA"}
    access = jwt.decode(data["accessToken"], key, algorithms=["EdDSA"])
    refresh = jwt.decode(data["refreshToken"], key, algorithms=["EdDSA"])
    # The documented claims, plus sid: the session both tokens belong to.
    assert set(access) == {"acc", "sub", "role", "exp", "jti", "sid"}
    assert set(refresh) == {"sub", "acjti", "exp", "jti", "sid"}
    assert access["role"] == "ROLE_PEER"
    assert refresh["acjti"] == access["jti"]
    assert refresh["sid"] == access["sid"]
    assert refresh["exp"] - access["exp"] == 86400 - 300


def test_refresh_rotates_and_old_refresh_token_is_refused(reference_server: Running) -> None:
    data = login(reference_server)
    url = f"{reference_server.url}{SESSION}"
    first = httpx.patch(url, headers={"Authorization": f"Bearer {data['refreshToken']}"})
    assert first.status_code == 200, first.text
    new = first.json()["data"]
    assert new["refreshToken"] != data["refreshToken"]
    # the rotated token works, without the Bearer prefix too
    newer = httpx.patch(url, headers={"Authorization": new["refreshToken"]})
    assert newer.status_code == 200
    again = httpx.patch(url, headers={"Authorization": data["refreshToken"]})
    assert again.status_code == 401
    assert again.json()["status"]["code"] == 401
    # the reuse ended the whole session: the newest refresh token is refused as well
    latest = newer.json()["data"]["refreshToken"]
    assert httpx.patch(url, headers={"Authorization": latest}).status_code == 401


def test_access_token_cannot_refresh_and_refresh_token_cannot_log_out(
    reference_server: Running,
) -> None:
    data = login(reference_server)
    url = reference_server.url
    auth = {"Authorization": data["accessToken"]}
    assert httpx.patch(f"{url}{SESSION}", headers=auth).status_code == 401
    auth = {"Authorization": data["refreshToken"]}
    assert httpx.post(f"{url}{LOGOUT}", headers=auth).status_code == 401


def test_logout_revokes_access_and_its_refresh_token(reference_server: Running) -> None:
    data = login(reference_server)
    url = reference_server.url
    response = httpx.post(
        f"{url}{LOGOUT}", headers={"Authorization": f"Bearer {data['accessToken']}"}
    )
    assert response.status_code == 200
    assert response.json()["data"] == {}
    assert response.json()["status"]["code"] == 200
    again = httpx.post(f"{url}{LOGOUT}", headers={"Authorization": data["accessToken"]})
    assert again.status_code == 401
    refresh = httpx.patch(f"{url}{SESSION}", headers={"Authorization": data["refreshToken"]})
    assert refresh.status_code == 401


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer garbage", "a.b.c", "Basic Zm9v"])
def test_missing_or_garbage_authorization_is_enveloped_401(
    reference_server: Running, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    for method, path in (("PATCH", SESSION), ("POST", LOGOUT)):
        response = httpx.request(method, f"{reference_server.url}{path}", headers=headers)
        assert response.status_code == 401
        assert response.json()["status"]["code"] == 401
        assert response.json()["data"] is None


def test_token_signed_with_another_key_or_alg_is_401(reference_server: Running) -> None:
    data = login(reference_server)
    claims = jwt.decode(data["refreshToken"], options={"verify_signature": False})
    forged_hs = jwt.encode(claims, "secret-long-enough-for-hs256-xxxxxxx", algorithm="HS256")
    other_key = nacl.signing.SigningKey.generate()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged_ed = jwt.encode(
        claims, Ed25519PrivateKey.from_private_bytes(bytes(other_key)), algorithm="EdDSA"
    )
    for token in (forged_hs, forged_ed):
        response = httpx.patch(f"{reference_server.url}{SESSION}", headers={"Authorization": token})
        assert response.status_code == 401


def test_expired_tokens_are_401_by_the_clock_option(start_server) -> None:
    now = [1_900_000_000.0]
    server = start_server(demo_users=1, clock=lambda: now[0])
    data = login(server)
    assert jwt.decode(data["accessToken"], options={"verify_signature": False})["exp"] == (
        1_900_000_000 + 300
    )
    now[0] += 86400 + 1
    url = server.url
    assert (
        httpx.patch(f"{url}{SESSION}", headers={"Authorization": data["refreshToken"]}).status_code
        == 401
    )
    assert (
        httpx.post(f"{url}{LOGOUT}", headers={"Authorization": data["accessToken"]}).status_code
        == 401
    )


def test_signature_verifier_option_replaces_the_check(start_server) -> None:
    server = start_server(demo_users=1, signature_verifier=lambda email, key, sig: True)
    user = server.credentials["fib"]["users"][0]
    body = dict(login_body(user), signature="00" * 64)
    assert httpx.post(f"{server.url}{SESSION}", json=body).status_code == 200


def test_key_users_and_revocations_survive_a_restart(start_server, tmp_path) -> None:
    db = str(tmp_path / "restart.db")
    first = start_server(demo_users=1, db_path=db)
    data = login(first)
    jwks_before = httpx.get(f"{first.url}/.well-known/jwks.json").json()
    logout = httpx.post(f"{first.url}{LOGOUT}", headers={"Authorization": data["accessToken"]})
    assert logout.status_code == 200

    second = start_server(demo_users=1, db_path=db)
    assert httpx.get(f"{second.url}/.well-known/jwks.json").json() == jwks_before
    assert second.credentials == first.credentials  # re-seeding one database repeats users
    refused = httpx.patch(f"{second.url}{SESSION}", headers={"Authorization": data["refreshToken"]})
    assert refused.status_code == 401
    assert login(second)["accessToken"]
