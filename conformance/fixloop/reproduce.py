"""A copy-paste curl reproducer for the one request that shows a failure.

Reports are shared, so a reproducer carries no secret: the credentials' values become
environment-variable placeholders (``"$AUTHCONFORM_FIB_SIGNATURE"``), with a comment line
saying how to set each. A token the failing request sends that an earlier answer of the
same system issued is fetched again by replaying that earlier request first (login, then
refresh), so the chain runs as it stands; any other token becomes ``$AUTHCONFORM_TOKEN``.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from conformance.model import Exchange

__all__ = ["failing_request", "reproducer", "run_reproducer_line"]

# Headers a reader must send to repeat the request; curl adds the rest itself.
_KEPT_HEADERS = ("content-type", "authorization", "x-auth-key", "accept")
# A value this short is no token: matching it to an earlier answer would be chance.
_MIN_TOKEN_LENGTH = 16
# Login, then refresh, then the failing request: chains longer than this are not "short".
MAX_CHAIN = 3
TOKEN_VARIABLE = "AUTHCONFORM_TOKEN"
# Ed25519 over the raw email bytes (pynacl comes with authconform): argv 1 key, argv 2 email.
_RAW_SIGNER = (
    "import sys, nacl.signing; "
    "k = nacl.signing.SigningKey(bytes.fromhex(sys.argv[1])[:32]); "
    "print(k.sign(sys.argv[2].encode()).signature.hex())"
)

# One piece of a shell word: literal text, or the name of a variable to expand.
Piece = tuple[str, str]  # ("text" | "var", value)


def failing_request(exchange: Exchange | None) -> dict[str, Any] | None:
    """The failing request as data (method, path, status): the cause of a fault fingerprint."""
    if exchange is None:
        return None
    return {
        "method": exchange.method,
        "path": urlsplit(exchange.url).path or "/",
        "status": exchange.status,
    }


class _Secrets:
    """Which values of a system's credentials section stand behind which variable."""

    def __init__(self, system: str, credentials: dict[str, Any] | None) -> None:
        self.values: dict[str, str] = {}  # secret value -> variable name
        self.notes: dict[str, str] = {}  # variable name -> how to set it
        prefix = "AUTHCONFORM_" + re.sub(r"[^A-Z0-9]+", "_", system.upper())
        section = credentials or {}
        for number, user in enumerate(section.get("users") or [], start=1):
            if not isinstance(user, dict):
                continue
            suffix = "" if number == 1 else f"_{number}"
            email = str(user.get("email", ""))
            if user.get("privateKeyHex"):
                self._add_signature(prefix + "_SIGNATURE" + suffix, prefix + suffix, email, user)
            if user.get("password"):
                name = prefix + "_PASSWORD" + suffix
                self.values[str(user["password"])] = name
                self.notes[name] = f"the password of {email} from your credentials file"
        if section.get("authKey"):
            name = prefix + "_AUTH_KEY"
            self.values[str(section["authKey"])] = name
            self.notes[name] = "the X-Auth-Key (authKey) from your credentials file"

    def _add_signature(self, name: str, key_prefix: str, email: str, user: dict[str, Any]) -> None:
        from conformance.signing import sign_email, sign_raw

        private_key = str(user["privateKeyHex"])
        try:
            signature = sign_email(email, private_key)
            # Signed over the raw email instead of its hash: a login on a server with that bug.
            raw = sign_raw(email.encode("utf-8"), private_key)
        except ValueError:
            return
        key = key_prefix + "_PRIVATE_KEY"
        where = f"  # {key}: privateKeyHex of {email} from your credentials file"
        self.values[signature] = name
        self.notes[name] = (
            f'$(authconform sign --email {shlex.quote(email)} --private-key "${key}"){where}'
        )
        raw_name = name.replace("_SIGNATURE", "_RAW_SIGNATURE")
        self.values[raw] = raw_name
        self.notes[raw_name] = (
            f'$(python3 -c {shlex.quote(_RAW_SIGNER)} "${key}" {shlex.quote(email)}){where}'
        )


def _pieces_of(text: str, secrets: dict[str, str]) -> list[Piece]:
    """``text`` split so that every secret value in it becomes a variable piece."""
    if not secrets:
        return [("text", text)]
    pattern = re.compile("|".join(re.escape(v) for v in sorted(secrets, key=len, reverse=True)))
    pieces: list[Piece] = []
    position = 0
    for match in pattern.finditer(text):
        pieces.append(("text", text[position : match.start()]))
        pieces.append(("var", secrets[match.group(0)]))
        position = match.end()
    pieces.append(("text", text[position:]))
    return [p for p in pieces if p[1]]


def _quote(text: str) -> str:
    """Shell-quoted text; control characters as visible escapes (bash's $'...' quoting)."""
    if text.isprintable():
        return shlex.quote(text)
    out = []
    for char in text:
        if char in "\\'":
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}")
    return "$'" + "".join(out) + "'"


def _word(pieces: Sequence[Piece]) -> str:
    """One shell word: literal text single-quoted, variables double-quoted."""
    merged: list[Piece] = []
    for kind, value in pieces:
        if kind == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + value)
        else:
            merged.append((kind, value))
    out = [f'"${value}"' if kind == "var" else _quote(value) for kind, value in merged]
    return "".join(out) or "''"


def _json_path(value: Any, wanted: str, path: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    if isinstance(value, str):
        return path if value == wanted else None
    items: Iterator[tuple[Any, Any]]
    if isinstance(value, dict):
        items = iter(value.items())
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, child in items:
        found = _json_path(child, wanted, (*path, key))
        if found is not None:
            return found
    return None


def _jq(path: tuple[Any, ...]) -> str:
    """A jq path; keys the target chose that are no plain names are quoted."""
    parts = []
    for p in path:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p):
            parts.append(f".{p}")
        else:
            parts.append(f"[{json.dumps(p)}]")
    joined = "".join(parts)
    return joined if joined.startswith(".") else "." + joined


def _variable_for(path: tuple[Any, ...], taken: set[str]) -> str:
    last = next((p for p in reversed(path) if isinstance(p, str)), "token")
    base = re.sub(r"(?<!^)(?=[A-Z])", "_", last).upper()
    base = re.sub(r"[^A-Z0-9_]+", "_", base) or "TOKEN"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    taken.add(name)
    return name


def _issuer(
    token: str, history: Sequence[Exchange], before: int
) -> tuple[int, tuple[Any, ...]] | None:
    """The latest earlier exchange whose JSON answer holds ``token``, and where in it."""
    for index in range(before - 1, -1, -1):
        try:
            body = json.loads(history[index].response_body or "null")
        except ValueError:
            continue
        path = _json_path(body, token)
        if path is not None:
            return index, path
    return None


def _token_in(value: str) -> str | None:
    token = value.split(" ", 1)[1] if value.lower().startswith("bearer ") else value
    return token if len(token) >= _MIN_TOKEN_LENGTH else None


class _Builder:
    def __init__(self, history: Sequence[Exchange], secrets: _Secrets) -> None:
        self.history = history
        self.secrets = secrets
        self.lines: list[str] = []
        self.taken: set[str] = set()
        self.used: set[str] = set()  # variables the reader must set
        self.tokens: dict[str, str] = {}  # token value -> the variable an earlier step set

    def command(self, exchange: Exchange, index: int, depth: int) -> list[str]:
        """The curl words of ``exchange``, after the steps that fetch the tokens it sends."""
        words = ["curl", "-sS"]
        words += ["-X", exchange.method] if exchange.method != "GET" else []
        sent = {k.lower(): v for k, v in exchange.request_headers.items()}
        for name in _KEPT_HEADERS:
            if name not in sent:
                continue
            value = sent[name]
            if name == "accept" and value == "*/*":
                continue  # curl's own default
            pieces = [("text", f"{name}: ")]
            token = _token_in(value) if name == "authorization" else None
            if token is not None:
                variable = self._token_variable(token, index, depth)
                pieces += [("text", value[: len(value) - len(token)]), ("var", variable)]
            else:
                pieces += self._secret_pieces(value)
            words += ["-H", _word(pieces)]
        if exchange.request_body:
            words += ["--data-raw", _word(self._secret_pieces(exchange.request_body))]
        words.append(_quote(exchange.url))
        return words

    def _secret_pieces(self, text: str) -> list[Piece]:
        pieces = _pieces_of(text, self.secrets.values)
        self.used.update(value for kind, value in pieces if kind == "var")
        return pieces

    def _token_variable(self, token: str, index: int, depth: int) -> str:
        if token in self.tokens:
            return self.tokens[token]
        found = _issuer(token, self.history, index) if depth < MAX_CHAIN - 1 else None
        if found is None:
            self.used.add(TOKEN_VARIABLE)
            return TOKEN_VARIABLE
        earlier, path = found
        variable = _variable_for(path, self.taken)
        words = self.command(self.history[earlier], earlier, depth + 1)
        self.lines.append(f"{variable}=$({' '.join(words)} | jq -r {shlex.quote(_jq(path))})")
        self.tokens[token] = variable
        return variable


def reproducer(
    exchange: Exchange | None,
    history: Sequence[Exchange],
    system: str,
    credentials: dict[str, Any] | None,
) -> str:
    """Shell lines that send the failing request again (the chain before it, if any)."""
    if exchange is None:
        return ""
    index = next((i for i, e in enumerate(history) if e is exchange), len(history))
    builder = _Builder(history, _Secrets(system, credentials))
    words = builder.command(exchange, index, 0)
    words.insert(2, "-i")  # the answer's status line and headers are the point
    notes = []
    for variable in sorted(builder.used):
        how = builder.secrets.notes.get(variable)
        if variable == TOKEN_VARIABLE:
            how = "a token the check made or obtained itself (not shown: reports carry no tokens)"
        if how and how.startswith("$("):
            notes.append(f"# export {variable}={how}")
        else:
            notes.append(f"# {variable}: {how}")
    return "\n".join([*notes, *builder.lines, " ".join(words)])


def run_reproducer_line(run_command: str | None, system: str, seed: int | None) -> str:
    """For a Schemathesis result: the command that repeats the system's run with its seed."""
    if not run_command:
        return ""
    words = shlex.split(run_command)
    if "--api" in words:
        words[words.index("--api") + 1] = system
    if seed is not None:
        words += ["--seed", str(seed)]
    return shlex.join(words)
