"""The login's hand-written fast paths write exactly what the general code would.

Tokens are written without PyJWT and signed with libsodium; Ed25519 is deterministic,
so a token re-encoded by ``jwt.encode`` from its own claims must be the same string.
"""

from __future__ import annotations

import os
from pathlib import Path

import jwt
import nacl.signing
import pytest

from reference_impl.auth import iroha
from reference_impl.auth.tokens_fib import FibTokens, Session

NOW = 1_800_000_000

CASES = [
    ("user0@example.com", "user0@bench", None),
    # Escapes: quotes, backslashes, non-ASCII and control characters in every string.
    ('ü"\\\n@x.y', 'q"@\u2028', Session('s"\\id\u00e9', NOW + 100)),
]


@pytest.mark.parametrize(("email", "account_id", "session"), CASES)
def test_issued_tokens_are_what_pyjwt_writes(
    email: str, account_id: str, session: Session | None
) -> None:
    tokens = FibTokens.from_seed(os.urandom(32), clock=lambda: NOW)
    pair = tokens.issue(email=email, account_id=account_id, session=session)
    for token, kind in ((pair.access_token, "access"), (pair.refresh_token, "refresh")):
        claims = jwt.decode(token, options={"verify_signature": False})
        assert jwt.encode(claims, tokens._private_key, algorithm="EdDSA") == token
        assert jwt.decode(token, tokens._public_key, algorithms=["EdDSA"])["sub"] == email
        assert tokens.verify(token, kind)["sub"] == email  # type: ignore[arg-type]
    assert jwt.decode(pair.refresh_token, options={"verify_signature": False})["acjti"] == (
        pair.access_jti
    )


def test_iroha_verify_accepts_only_the_signed_email_and_key() -> None:
    key = nacl.signing.SigningKey(os.urandom(32))
    public = bytes(key.verify_key)
    email = "user0@example.com"
    signature = key.sign(iroha.iroha_hash(email.encode())).signature
    assert iroha.verify(email, public, signature)
    assert not iroha.verify("user1@example.com", public, signature)
    assert not iroha.verify(
        email, bytes(nacl.signing.SigningKey(os.urandom(32)).verify_key), signature
    )
    assert not iroha.verify(email, public, signature[:-1] + bytes([signature[-1] ^ 1]))
    assert not iroha.verify(email, public[:31], signature)
    assert not iroha.verify("\udc80", public, signature)  # not encodable: refused, no crash


JSON_BODIES = [
    b'{"email":"a@b.c","signature":"00","authPublicKeyHex":"11"}',
    b'{"a":[1,2,{"b":null}]}',
    b"[1,2]",
    b'{"a":1}x',
    b'{"a":1}]',
    b'{"a":NaN}',
    b'{"a":Infinity}',
    b'{"a":1',
    b'{"a":"\\ud800"}',
    b" {}",
    b"{} ",
    b"[" * 100_000 + b"]" * 100_000,
    b"{" + b'"a":' + b"1" * 5000 + b"}",
]


@pytest.mark.parametrize("raw", JSON_BODIES, ids=range(len(JSON_BODIES)))
def test_body_parsing_fast_path_answers_as_the_decoder(raw: bytes) -> None:
    """The C-scanner shortcut gives the decoder's value, or the same 400 message."""
    from reference_impl.http import body
    from reference_impl.http.errors import HTTPError

    def outcome() -> object:
        try:
            return ("value", body.parse_json_bytes(raw))
        except HTTPError as err:
            return ("error", err.code, str(err))

    fast = outcome()
    original = body._decode
    body._decode = body._DECODER.decode  # the general path alone
    try:
        general = outcome()
    finally:
        body._decode = original
    assert fast == general


def test_login_answer_bytes_match_the_json_encoder() -> None:
    from reference_impl.auth.tokens_fib import TokenPair
    from reference_impl.systems import fib

    pair = TokenPair('a"b\\c\u00e9', "r.t", "j", 300)
    fast, general = fib._token_response(pair), fib._general_token_response("x", "y", 1.5)
    expected = fib._general_token_response(pair.access_token, pair.refresh_token, 300)
    assert (fast.status, fast.body, fast.headers) == (
        expected.status,
        expected.body,
        expected.headers,
    )
    assert b'"expirationTime":1.5' in general.body


class _Trickle:
    """A request body stream that hands out at most ``step`` bytes per read."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step = data, step

    def read(self, size: int = -1) -> bytes:
        n = min(size, self.step) if size >= 0 else self.step
        chunk, self.data = self.data[:n], self.data[n:]
        return chunk


@pytest.mark.parametrize("step", [1, 7, 4096])
def test_small_body_read_whole_however_it_arrives(step: int) -> None:
    from reference_impl.http import body

    raw = b'{"email":"a@b.c","signature":"00","authPublicKeyHex":"11"}'
    environ = {
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": _Trickle(raw + b"NEXT REQUEST", step),
    }
    assert body.read_json(environ)["email"] == "a@b.c"
    assert environ[body.BODY_DONE] is True
    assert environ[body.BODY_READ] == len(raw)
    assert environ["wsgi.input"].data == b"NEXT REQUEST"  # nothing past the body was read


def test_small_body_cut_short_is_not_marked_done() -> None:
    from reference_impl.http import body
    from reference_impl.http.errors import HTTPError

    environ = {
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "50",
        "wsgi.input": _Trickle(b'{"a":', 3),
    }
    with pytest.raises(HTTPError) as caught:
        body.read_json(environ)
    assert caught.value.code == 400
    assert environ[body.BODY_DONE] is False


def test_store_opens_its_own_connection_in_a_forked_child(tmp_path: Path) -> None:
    """The process id is cached for speed; a child after fork must still not reuse it."""
    from reference_impl.store import Store

    store = Store(tmp_path / "db.sqlite3")
    store.put_fib_user("a@b.c", bytes(32), "a@b")
    parent = store._connection()
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if it got a fresh, working connection
        ok = store._connection() is not parent and store.fib_user("a@b.c") is not None
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert store._connection() is parent


def test_token_ids_are_random_version_4_uuids_never_repeated() -> None:
    import uuid

    from reference_impl.auth import token_ids

    batch = token_ids.uuid4_batch(3)
    taken = [token_ids.uuid4_text() for _ in range(2 * token_ids.BATCH + 5)]  # past a refill
    for text in batch + taken:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
    assert len(set(batch + taken)) == len(batch) + len(taken)
    # 122 random bits: every hex digit but the version one takes many values.
    digits = [{text[i] for text in taken} for i in range(36)]
    assert [i for i, seen in enumerate(digits) if len(seen) == 1] == [8, 13, 14, 18, 23]
    assert digits[19] == set("89ab")


def test_a_forked_child_draws_token_ids_its_parent_does_not() -> None:
    """The pool of ready ids is dropped in a child, so two workers never share an id."""
    from reference_impl.auth import token_ids

    token_ids.uuid4_text()  # the pool now holds ids made before the fork
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        os.write(write_end, " ".join(token_ids.uuid4_text() for _ in range(50)).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        child = set(pipe.read().decode().split())
    os.waitpid(pid, 0)
    parent = {token_ids.uuid4_text() for _ in range(50)}
    assert len(child) == 50
    assert not child & parent


def test_login_answer_for_own_tokens_matches_the_json_encoder() -> None:
    """Tokens from ``FibTokens`` itself are written unescaped; the bytes are the encoder's."""
    from reference_impl.systems import fib

    pair = FibTokens.from_seed(os.urandom(32)).issue(email='q"\\ü@x', account_id="a@b")
    fast = fib._token_response(pair, plain=True)
    expected = fib._general_token_response(pair.access_token, pair.refresh_token, 300)
    assert (fast.status, fast.body, fast.headers) == (
        expected.status,
        expected.body,
        expected.headers,
    )


def test_store_lookup_cursor_holds_no_snapshot(tmp_path: Path) -> None:
    """The reused lookup cursor ends its read at once: other writers' changes show at the
    next lookup, and a full WAL checkpoint from another connection is not held back."""
    import sqlite3

    from reference_impl.store import Store

    path = tmp_path / "db.sqlite3"
    reader, writer = Store(path), Store(path)
    writer.put_fib_user("a@b.c", bytes(32), "a@b")
    assert reader.fib_user("a@b.c").public_key == bytes(32)  # type: ignore[union-attr]
    writer.put_fib_user("a@b.c", bytes([7]) * 32, "a@b")
    assert reader.fib_user("a@b.c").public_key == bytes([7]) * 32  # type: ignore[union-attr]
    assert reader.fib_user("nobody@b.c") is None
    other = sqlite3.connect(path, isolation_level=None)
    try:
        busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        other.close()
    assert busy == 0


def _public_key_as_before(text: str) -> bytes | None:
    """The key parsing the fast one replaced: lower the whole text, then strip the prefix."""
    lowered = text.lower()
    if len(lowered) == 70 and lowered.startswith("ed0120"):
        lowered = lowered[6:]
    raw = iroha.parse_hex(lowered)
    return raw if raw is not None and len(raw) == 32 else None


_KEY = "0123456789abcdef" * 4
KEY_TEXTS = [
    _KEY,
    _KEY.upper(),
    "ed0120" + _KEY,
    "ED0120" + _KEY.upper(),
    "Ed0120" + _KEY,
    _KEY[:-1],
    _KEY + "0",
    " " + _KEY[1:],
    _KEY[:10] + " " + _KEY[11:],
    "ed0120" + _KEY[:-1],
    "ed0121" + _KEY,
    "ed0120ed0120" + _KEY[12:],
    "",
    "ed0120",
    "g" * 64,
    "\u0130" + _KEY[1:],
    _KEY[:32] + "\u00e9" + _KEY[33:],
    "\t" * 64,
]


@pytest.mark.parametrize("text", KEY_TEXTS, ids=range(len(KEY_TEXTS)))
def test_public_key_parsing_answers_as_before(text: str) -> None:
    assert iroha.parse_public_key(text) == _public_key_as_before(text)


def test_remembered_fib_users_follow_every_change(tmp_path: Path) -> None:
    """A user found once is answered from memory only while nobody has written since:
    the store's own writes, another connection's and another process's all show at once."""
    import sqlite3
    import subprocess
    import sys

    from reference_impl.store import Store

    path = tmp_path / "db.sqlite3"
    store = Store(path)
    store.put_fib_user("a@b.c", bytes(32), "a@b")
    assert store.fib_user("a@b.c").public_key == bytes(32)  # type: ignore[union-attr]
    assert store.fib_user("a@b.c").public_key == bytes(32)  # type: ignore[union-attr]

    store.put_fib_user("a@b.c", bytes([1]) * 32, "a@b")  # this connection's own write
    assert store.fib_user("a@b.c").public_key == bytes([1]) * 32  # type: ignore[union-attr]

    Store(path).put_fib_user("a@b.c", bytes([2]) * 32, "a@b")  # another connection
    assert store.fib_user("a@b.c").public_key == bytes([2]) * 32  # type: ignore[union-attr]

    script = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "c.execute('UPDATE fib_users SET account_id = ? WHERE email = ?', ('moved@b', 'a@b.c'))"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, timeout=30)
    assert store.fib_user("a@b.c").account_id == "moved@b"  # type: ignore[union-attr]

    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("DELETE FROM fib_users WHERE email = 'a@b.c'")
    finally:
        other.close()
    assert store.fib_user("a@b.c") is None
