"""``python -m reference_impl`` under Granian in a subprocess: serves, persists, restarts.

Also the secrets at rest: the database, its WAL and SHM files and the credentials file
are owner-only (0600) under the usual umask 022, and the credentials file replaces an
existing file or a symlink instead of writing through it.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from subprocesses import serving

from conformance.signing import sign_email

SESSION = "/auth/api/v1/authentication-management/session"
LOGOUT = "/auth/api/v1/authentication-management/logout"
WORKERS = ("--workers", "2")
# What these tests are about (persistence, restarts, file modes) does not depend on how
# slowly passwords are hashed; the light cost keeps each seeding to a fraction of a second.
# A hash records its own cost, so a restart without the flag still verifies them.
LIGHT = ("--password-cost", "light")


def signed_login(url: str, user: dict) -> httpx.Response:
    body = {
        "email": user["email"],
        "signature": sign_email(user["email"], user["privateKeyHex"]),
        "authPublicKeyHex": user["publicKeyHex"],
    }
    return httpx.post(f"{url}{SESSION}", json=body, timeout=10)


@pytest.mark.slow
def test_server_keeps_key_users_and_revocations_across_restart(tmp_path: Path, free_port) -> None:
    db, log, creds = tmp_path / "serve.db", tmp_path / "serve.log", tmp_path / "creds.json"
    seed_args = ("--demo-users", "2", "--credentials-out", str(creds), *LIGHT)
    with serving(free_port(), db, *WORKERS, *seed_args, log=log, require_clean_exit=True) as url:
        credentials = json.loads(creds.read_text())
        assert set(credentials) == {"fib", "user-api", "duktig"}
        assert _mode(creds) == 0o600
        user = credentials["fib"]["users"][0]
        first = signed_login(url, user)
        assert first.status_code == 200, first.text
        tokens = first.json()["data"]
        jwks_before = httpx.get(f"{url}/.well-known/jwks.json").json()
        logout = httpx.post(f"{url}{LOGOUT}", headers={"Authorization": tokens["accessToken"]})
        assert logout.status_code == 200
        api_user = credentials["user-api"]["users"][0]
        api = httpx.post(
            f"{url}/api/user/login", json={k: api_user[k] for k in ("email", "password")}
        )
        assert api.status_code == 200
    assert f"serving on {url}" in log.read_text()

    # no demo flags: everything must come from the database
    with serving(free_port(), db, *WORKERS, log=log, require_clean_exit=True) as url:
        assert httpx.get(f"{url}/.well-known/jwks.json").json() == jwks_before
        assert signed_login(url, user).status_code == 200
        refused = httpx.patch(f"{url}{SESSION}", headers={"Authorization": tokens["refreshToken"]})
        assert refused.status_code == 401


def test_demo_users_without_credentials_file_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reference_impl",
            "--db",
            str(tmp_path / "x.db"),
            "--demo-users",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--credentials-out" in result.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path, follow_symlinks=False).st_mode)


def test_database_wal_shm_and_credentials_are_owner_only(tmp_path: Path, free_port) -> None:
    db, creds = tmp_path / "fresh.db", tmp_path / "creds.json"
    creds.write_text("old, world-readable\n")
    creds.chmod(0o644)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("must stay as it is\n")
    link = tmp_path / "link.json"
    link.symlink_to(elsewhere)
    old_umask = os.umask(0o022)
    try:
        seed = ("--demo-users", "1", *LIGHT, "--credentials-out")
        with serving(free_port(), db, *seed, str(creds)) as url:
            assert httpx.get(f"{url}/.well-known/jwks.json").status_code == 200
            modes = {p.name: _mode(p) for p in tmp_path.glob("fresh.db*")}
        # Seeding again, into a symlink: the link is replaced, its target left alone.
        with serving(free_port(), db, *seed, str(link)):
            pass
    finally:
        os.umask(old_umask)
    assert modes == {"fresh.db": 0o600, "fresh.db-wal": 0o600, "fresh.db-shm": 0o600}
    assert _mode(creds) == 0o600 and "fib" in json.loads(creds.read_text())
    assert not link.is_symlink() and _mode(link) == 0o600
    assert json.loads(link.read_text()) == json.loads(creds.read_text())
    assert elsewhere.read_text() == "must stay as it is\n"
