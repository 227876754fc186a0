"""A FIB session server that reads the three FIB pages the other way wherever they allow it.

Readings taken (the reference server takes the first of each pair the other way):
``expirationTime`` is the access token's exp as Unix seconds (seed 001's table, not the
examples' 300); no ``status.message`` (seed 002); a wrong signature or key gets 401 (seed
000) and malformed input 400 (seed 002), never 422; an unreadable token on refresh or
logout is malformed input too (400), a missing one 401; ``authPublicKeyHex`` raw or with
Iroha's ``ed0120`` prefix; error envelopes with their own names and no ``data``; 404 for
every undeclared method and path; no JWKS endpoint; its own role/acc values and lifetimes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import jwt
import nacl.exceptions
import nacl.signing
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from independent.web import App, Reply, Request
from independent.web import serve as serve_app

__all__ = ["FLAGS", "MUTANTS", "SEED_USER", "USERS", "credentials", "serve"]

SESSION = "/auth/api/v1/authentication-management/session"
LOGOUT = "/auth/api/v1/authentication-management/logout"

ACCESS_SECONDS = 900
REFRESH_SECONDS = 4 * 3600
ROLE = "ROLE_CLIENT"

# The seeds' own example user: its request must log in here, proving the hash-then-sign reading.
SEED_USER = ("alice@mail.com", "8a53d297bc406c63396967388ecc2ebc8abd701d195a43bbb4751ac5a86eac1b")


def _user(n: int) -> dict[str, str]:
    seed = hashlib.sha256(f"independent fib user {n}".encode()).digest()
    public = bytes(nacl.signing.SigningKey(seed).verify_key)
    if n == 0:  # Iroha's forms: 64-byte private key, multihash public key
        return {
            "email": "first.user@fib.example",
            "privateKeyHex": (seed + public).hex(),
            "publicKeyHex": "ed0120" + public.hex().upper(),
        }
    return {
        "email": f"user{n}@fib.example",
        "privateKeyHex": seed.hex(),
        "publicKeyHex": public.hex(),
    }


USERS = [_user(n) for n in range(2)]

FLAGS = {
    "raw_email_signature": "also accepts a signature over the raw email bytes",
    "expiration_is_lifetime_off": "expirationTime is 300 while exp is 15 minutes ahead",
    "refresh_token_reusable": "a refresh token keeps working after it was exchanged",
    "logout_keeps_session": "logout answers 200 but revokes nothing",
    # Off in one place, the way a real server might be: no size check, a crash instead.
    "server_error_on_large_body": "a login body over 100 KB is answered 500",
    # Token trust: verifiers that take the key from the token, as real libraries once did.
    "trusts_embedded_jwk": "verifies a token with the key its jwk header carries",
    "trusts_key_url": "fetches the key set a token's jku or x5u names and verifies with it",
    "kid_names_key_file": "reads an HS256 key from the file a token's kid names",
    "hand_rolled_verifier": "its own verifier: trusts jwk and never looks at crit",
    "shares_hs256_secret": "also takes HS256 tokens signed with a neighbour's 'secret'",
    # Seen on a Node/Mongoose User API server, planted here: the account is found with
    # findOne({email, authPublicKeyHex}) from the body, and the signature checked with its key.
    "operator_matching": "email or key of {$ne|$gt|$regex} or a list match like a Mongo query",
    # Races: a refresh checks its token, waits (a slow store), then spends it.
    "refresh_race": "a refresh token is spent 200 ms after it is checked, outside the lock",
    # Logout ends the whole session (every pair refreshed since), but a refresh under way
    # adds its new pair to the session after the logout ended it (a lost update).
    "logout_race": "logout ends the session; a refresh racing it revives it 200 ms later",
    "case_sensitive_authorization": "the token is read only from a header named Authorization",
    "head_crashes": "HEAD on either session path is answered 500",
    "logout_skips_auth": "logout answers 200 to a missing or unusable Authorization",
}
KEY_FILES = os.path.dirname(os.path.abspath(__file__))  # where kid_names_key_file looks
NEIGHBOUR_SECRET = b"secret"
RACE_SECONDS = 0.200
# logout_race: logout waits this long first, so a refresh sent just before it is already
# past its check however busy the machine (a planted fault must show every time).
LOGOUT_DELAY_SECONDS = 0.050
LARGE_BODY = 100 * 1024
# flag -> the check that must fail on a server with that one fault
MUTANTS = {
    "raw_email_signature": "rejects_signature_over_raw_email",
    "expiration_is_lifetime_off": "expiration_time_matches_exp",
    "refresh_token_reusable": "used_refresh_token_is_rejected",
    "logout_keeps_session": "access_token_rejected_after_logout",
    "trusts_embedded_jwk": "token_with_embedded_jwk_is_rejected",
    "trusts_key_url": "token_with_key_url_is_rejected",
    "kid_names_key_file": "token_with_tampered_kid_is_rejected",
    "hand_rolled_verifier": "token_with_unknown_crit_is_rejected",
    "shares_hs256_secret": "token_of_another_system_is_rejected",
    "operator_matching": "operator_objects_log_nobody_in",
    "case_sensitive_authorization": "header_names_are_case_insensitive",
    "head_crashes": "head_and_options_never_5xx",
    "logout_skips_auth": "missing_authorization_is_refused",
}


def credentials() -> dict[str, Any]:
    """The ``fib`` section of a credentials file for the users every instance has."""
    return {"users": [dict(u) for u in USERS]}


def _envelope(code: int, name: str, data: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status": {"code": code, "name": name}}
    if data is not None:
        body["data"] = data
    return body


_NAMES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    404: "NOT_FOUND",
    411: "LENGTH_REQUIRED",
    413: "PAYLOAD_TOO_LARGE",
    500: "INTERNAL_SERVER_ERROR",
}


def _error(status: int, _why: str) -> Reply:
    return Reply(status, _envelope(status, _NAMES.get(status, "ERROR")))


def _iroha_hash(data: bytes) -> bytes:
    digest = bytearray(hashlib.blake2b(data, digest_size=32).digest())
    digest[31] |= 0x01
    return bytes(digest)


def _hex_bytes(value: Any, size: int) -> bytes | None:
    if not isinstance(value, str) or len(value) != 2 * size:
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def _matches(query: Any, value: str) -> bool:
    """``value`` against a Mongo-style query: a string, a list (any of) or an operator."""
    if isinstance(query, list):
        return value in query
    if isinstance(query, dict):
        ops = {"$ne": lambda q: value != q, "$gt": lambda q: isinstance(q, str) and value > q}
        ops["$regex"] = lambda q: re.search(str(q), value) is not None
        return all(op in ops and ops[op](q) for op, q in query.items())
    return value == query


def _public_key(value: Any) -> bytes | None:
    if isinstance(value, str) and len(value) == 70 and value[:6].lower() == "ed0120":
        value = value[6:]
    return _hex_bytes(value, 32)


class _Sessions:
    """Users, issued tokens and revocations, in dicts behind one lock."""

    def __init__(self, flags: frozenset[str], honoured: dict[str, int] | None = None) -> None:
        self.flags = flags
        # "refresh"/"logout" -> how many were done with a live token (for tests that count).
        self.honoured = honoured if honoured is not None else {}
        self.lock = threading.Lock()
        self.keys: dict[str, bytes] = {email: bytes.fromhex(key) for email, key in [SEED_USER]}
        for user in USERS:
            key = user["publicKeyHex"]
            self.keys[user["email"]] = bytes.fromhex(key[6:] if len(key) == 70 else key)
        self.private = Ed25519PrivateKey.generate()
        self.public = self.private.public_key()
        self.live_access: set[str] = set()
        self.live_refresh: dict[str, str] = {}  # refresh jti -> access jti
        self.session_of: dict[str, str] = {}  # any jti -> its login's session (logout_race)

    def issue(self, email: str, session: str | None = None) -> dict[str, Any]:
        now = int(time.time())
        access_jti, refresh_jti = str(uuid.uuid4()), str(uuid.uuid4())
        session = session or access_jti
        exp = now + ACCESS_SECONDS
        access = {
            "acc": email.split("@")[0] + "@fibnet",
            "sub": email,
            "role": ROLE,
            "exp": exp,
            "jti": access_jti,
        }
        refresh = {
            "sub": email,
            "acjti": access_jti,
            "exp": now + REFRESH_SECONDS,
            "jti": refresh_jti,
        }
        with self.lock:
            self.live_access.add(access_jti)
            self.live_refresh[refresh_jti] = access_jti
            self.session_of[access_jti] = self.session_of[refresh_jti] = session
        expiration = 300 if "expiration_is_lifetime_off" in self.flags else exp
        return {
            "accessToken": jwt.encode(access, self.private, algorithm="EdDSA"),
            "refreshToken": jwt.encode(refresh, self.private, algorithm="EdDSA"),
            "expirationTime": expiration,
        }

    def verify(self, email: str, key: bytes, signature: bytes) -> bool:
        messages = [_iroha_hash(email.encode("utf-8"))]
        if "raw_email_signature" in self.flags:
            messages.append(email.encode("utf-8"))
        for message in messages:
            try:
                nacl.signing.VerifyKey(key).verify(message, signature)
                return True
            except nacl.exceptions.BadSignatureError:
                continue
        return False


def _token(request: Request, flags: frozenset[str]) -> tuple[str | None, Reply | None]:
    """The token in Authorization (``Bearer `` optional), or the refusal to send instead."""
    value = request.headers.get("authorization")
    if "case_sensitive_authorization" in flags:  # a plain dict of the names as sent
        value = dict(request.raw_headers).get("Authorization")
    if value is None or not value.strip():
        return None, _error(401, "no token")
    value = value.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value, None


def _claims(sessions: _Sessions, token: str) -> tuple[dict[str, Any] | None, int]:
    """Verified claims, or (None, status): 400 for a token that is not a JWT, 401 otherwise."""
    try:
        if "hand_rolled_verifier" in sessions.flags:
            header = json.loads(_unb64(token.split(".")[0]))
            if isinstance(header, dict) and "jwk" in header:
                return _hand_rolled(token, header), 200
        header = jwt.get_unverified_header(token)
        key, algorithms = _verification_key(sessions, header)
        if isinstance(key, _RawHmacKey):
            return _hs256_by_hand(token, key), 200
        return jwt.decode(token, key, algorithms=algorithms), 200
    except jwt.InvalidSignatureError:
        return None, 401
    except jwt.DecodeError:  # not three base64url JSON parts: malformed input
        return None, 400
    except (jwt.PyJWTError, ValueError, KeyError, OSError):  # expired, wrong alg, no key
        return None, 401


def _verification_key(sessions: _Sessions, header: dict[str, Any]) -> tuple[Any, list[str]]:
    """The server's own key, unless a fault flag lets the token choose another."""
    flags = sessions.flags
    if "trusts_embedded_jwk" in flags and isinstance(header.get("jwk"), dict):
        return jwt.PyJWK(header["jwk"]).key, ["EdDSA"]
    if "trusts_key_url" in flags and isinstance(header.get("jku"), str):
        with urllib.request.urlopen(header["jku"], timeout=2) as answer:
            keys = json.loads(answer.read(64 * 1024))["keys"]
        return jwt.PyJWK(keys[0]).key, ["EdDSA"]
    if "trusts_key_url" in flags and isinstance(header.get("x5u"), str):
        with urllib.request.urlopen(header["x5u"], timeout=2) as answer:
            certificate = x509.load_pem_x509_certificate(answer.read(64 * 1024))
        return certificate.public_key(), ["EdDSA"]
    if "kid_names_key_file" in flags and header.get("alg") == "HS256" and "kid" in header:
        with open(os.path.join(KEY_FILES, str(header["kid"])), "rb") as file:
            return _RawHmacKey(file.read(4096)), ["HS256"]
    if "shares_hs256_secret" in flags and header.get("alg") == "HS256":
        return _RawHmacKey(NEIGHBOUR_SECRET), ["HS256"]
    return sessions.public, ["EdDSA"]


class _RawHmacKey(bytes):
    """An HMAC key PyJWT would frown on (too short, even empty): checked by hand instead."""


def _hs256_by_hand(token: str, key: bytes) -> dict[str, Any]:
    head, payload, signature = token.split(".")
    mac = hmac.new(key, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(mac, _unb64(signature)):
        raise jwt.InvalidSignatureError("bad signature")
    return json.loads(_unb64(payload))


def _hand_rolled(token: str, header: dict[str, Any]) -> dict[str, Any]:
    """Ed25519 under the token's own jwk, as a quick hand-written verifier would: no crit."""
    head, payload, signature = token.split(".")
    x = header["jwk"]["x"]
    key = nacl.signing.VerifyKey(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
    try:
        key.verify(f"{head}.{payload}".encode(), _unb64(signature))
    except nacl.exceptions.BadSignatureError as exc:
        raise jwt.InvalidSignatureError("bad signature") from exc
    return json.loads(_unb64(payload))


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _query_login(sessions: _Sessions, email: Any, signature_hex: Any, key_hex: Any) -> Reply:
    """The mutant's login: the oldest account matching {email, key} as a query, then the
    signature checked with that account's stored key over its stored email."""
    signature = _hex_bytes(signature_hex, 64)
    raw_key = _public_key(key_hex)
    key_query = raw_key.hex() if raw_key else key_hex
    for stored_email, key in sessions.keys.items():
        if _matches(email, stored_email) and _matches(key_query, key.hex()):
            if signature and sessions.verify(stored_email, key, signature):
                return Reply(200, _envelope(200, "OK", sessions.issue(stored_email)))
            return _error(401, "bad signature")
    return _error(404, "no such user")


def _handlers(sessions: _Sessions) -> dict[tuple[str, str], Callable[[Request], Reply]]:
    def login(request: Request) -> Reply:
        if "server_error_on_large_body" in sessions.flags and len(request.body) > LARGE_BODY:
            return _error(500, "internal error")
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            return _error(400, "not JSON")
        if not isinstance(body, dict):
            return _error(400, "not an object")
        email, signature_hex, key_hex = (
            body.get("email"),
            body.get("signature"),
            body.get("authPublicKeyHex"),
        )
        if "operator_matching" in sessions.flags and isinstance(email, dict | list):
            return _query_login(sessions, email, signature_hex, key_hex)
        if not isinstance(email, str) or not email:
            return _error(400, "email")
        signature, key = _hex_bytes(signature_hex, 64), _public_key(key_hex)
        if signature is None or key is None:
            return _error(400, "signature or key")
        registered = sessions.keys.get(email)
        if registered is None:
            return _error(404, "no such user")
        if registered != key or not sessions.verify(email, key, signature):
            return _error(401, "bad signature")
        return Reply(200, _envelope(200, "OK", sessions.issue(email)))

    def refresh(request: Request) -> Reply:
        token, refusal = _token(request, sessions.flags)
        if refusal:
            return refusal
        claims, status = _claims(sessions, token)
        if claims is None:
            return _error(status, "bad token")
        jti, acjti = claims.get("jti"), claims.get("acjti")
        with sessions.lock:
            if acjti is None or sessions.live_refresh.get(jti) != acjti:
                return _error(401, "not a live refresh token")
            session = sessions.session_of.get(jti)
            if not sessions.flags & {"refresh_token_reusable", "refresh_race"}:
                del sessions.live_refresh[jti]
        if sessions.flags & {"refresh_race", "logout_race"}:
            time.sleep(RACE_SECONDS)  # a slow store between the check and the write
        if "refresh_race" in sessions.flags:
            with sessions.lock:
                sessions.live_refresh.pop(jti, None)
        with sessions.lock:
            sessions.honoured["refresh"] = sessions.honoured.get("refresh", 0) + 1
        kept = session if "logout_race" in sessions.flags else None
        return Reply(200, _envelope(200, "OK", sessions.issue(claims["sub"], kept)))

    def logout(request: Request) -> Reply:
        if "logout_race" in sessions.flags:
            time.sleep(LOGOUT_DELAY_SECONDS)
        token, refusal = _token(request, sessions.flags)
        claims, status = _claims(sessions, token) if token else (None, 401)
        if claims is None and "logout_skips_auth" in sessions.flags:
            return Reply(200, _envelope(200, "OK", {}))
        if refusal:
            return refusal
        if claims is None:
            return _error(status, "bad token")
        jti = claims.get("jti")
        with sessions.lock:
            if "acjti" in claims or jti not in sessions.live_access:
                return _error(401, "not a live access token")
            if "logout_keeps_session" not in sessions.flags:
                sessions.live_access.discard(jti)
                for refresh_jti, access_jti in list(sessions.live_refresh.items()):
                    if access_jti == jti:
                        del sessions.live_refresh[refresh_jti]
            if "logout_race" in sessions.flags:  # the whole session, every pair since login
                ended = sessions.session_of.get(jti)
                for refresh_jti in list(sessions.live_refresh):
                    if sessions.session_of.get(refresh_jti) == ended:
                        del sessions.live_refresh[refresh_jti]
                sessions.live_access -= {
                    a for a in sessions.live_access if sessions.session_of.get(a) == ended
                }
            sessions.honoured["logout"] = sessions.honoured.get("logout", 0) + 1
        return Reply(200, _envelope(200, "OK", {}))

    routes = {("POST", SESSION): login, ("PATCH", SESSION): refresh, ("POST", LOGOUT): logout}
    if "head_crashes" in sessions.flags:
        for path in (SESSION, LOGOUT):
            routes[("HEAD", path)] = lambda _request: _error(500, "internal error")
    return routes


def serve(
    port: int = 0, flags: Iterable[str] = (), honoured: dict[str, int] | None = None
) -> tuple[str, Callable[[], None]]:
    """Start a fresh instance (new signing key, no sessions); ``flags`` pick faults from FLAGS.

    ``honoured``, when given, counts the refreshes and logouts done with a live token.
    """
    chosen = frozenset(flags)
    unknown = chosen - set(FLAGS)
    if unknown:
        raise ValueError(f"unknown FIB flags {sorted(unknown)}")
    # The faulty variant reads any body up to 2 MiB and breaks on it instead of refusing it.
    limit = 2 * 1024 * 1024 if "server_error_on_large_body" in chosen else 256 * 1024
    sessions = _Sessions(chosen, honoured)
    return serve_app(App(_handlers(sessions), _error, body_limit=limit), port)
