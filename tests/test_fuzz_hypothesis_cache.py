"""Schemathesis children share Hypothesis's derived tables instead of rebuilding them each run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance.fuzz import run as fuzz_run

KEY = "HYPOTHESIS_STORAGE_DIRECTORY"


def _env(monkeypatch: pytest.MonkeyPatch, cache_home: Path) -> dict[str, str]:
    monkeypatch.delenv(KEY, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    return fuzz_run._child_env(1024, 2**30, cache_home / "breaches")


def test_children_keep_hypothesis_tables_in_the_users_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _env(monkeypatch, tmp_path)
    cache = tmp_path / "authconform" / "hypothesis"
    assert env[KEY] == str(cache) and cache.is_dir()
    # Hypothesis itself writes its Unicode table there (what every child rebuilt before).
    draw = "from hypothesis import strategies as st; st.characters(codec='utf-8').example()"
    subprocess.run([sys.executable, "-c", draw], env=env, check=True, timeout=60)
    assert list(cache.glob("unicode_data/*/codec-v2-utf-8.json.gz")), sorted(cache.rglob("*"))


def test_a_storage_directory_the_user_chose_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv(KEY, str(tmp_path / "mine"))
    assert fuzz_run._child_env(1024, 2**30, tmp_path / "b")[KEY] == str(tmp_path / "mine")


def test_a_cache_that_cannot_be_made_leaves_hypothesis_in_the_childs_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "authconform").write_text("a file where the folder would go")
    assert KEY not in _env(monkeypatch, tmp_path)
