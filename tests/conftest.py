"""Shared fixtures: the reference server on a real loopback socket with a real SQLite file.

Also how `make test` splits the suite: which tests run alone, after the parallel pass.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from types import ModuleType
from typing import Any

import packaged
import pytest
from once import built_once

from reference_impl.serving.embedded import Running, running_server

pytest_plugins = ("cpu_times",)  # AUTHCONFORM_CPU_LOG=FILE: per-test CPU and wall seconds

# Bytecode is kept in __pycache__ (ignored by git) even where PYTHONDONTWRITEBYTECODE is set,
# as on this project's machine: the tests start a hundred-odd Python children (servers,
# checks, Schemathesis, Locust, MkDocs) that each compiled the project's modules anew, and
# each xdist worker (started after this line, with this environment) rewrote the asserts
# of every module of the packages that carry a pytest plugin (this project, Schemathesis,
# Hypothesis) again: about 3 CPU seconds per worker.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Under xdist, each worker keeps Hypothesis's caches in a folder of its own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        hypothesis_home = REPO / ".hypothesis" / worker
        os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(hypothesis_home))


@pytest.fixture(scope="session")
def reference_server() -> Iterator[Running]:
    """One server for the session, 3 demo users per system; tests must not depend on its state."""
    with running_server(demo_users=3) as server:
        yield server


@pytest.fixture
def start_server() -> Iterator[Callable[..., Running]]:
    """``start_server(**running_server_kwargs) -> Running``, stopped when the test ends."""
    with ExitStack() as stack:

        def start(**kwargs: Any) -> Running:
            manager: AbstractContextManager[Running] = running_server(**kwargs)
            return stack.enter_context(manager)

        yield start


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def free_port() -> Callable[[], int]:
    """``free_port()`` -> a loopback port free right now (the usual small race is accepted)."""
    return _free_port


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> packaged.Installed:
    """This tree built into a wheel and installed in a fresh venv, once per test run."""
    return packaged.this_tree(built_once(tmp_path_factory, "wheel", packaged.build_this_tree))


# The longest files of the parallel pass, longest in wall time first (docs/guides/testing.md):
# a worker takes a whole file (--dist loadfile), so starting these first keeps one from
# running on alone at the end (`--no-loadscope-reorder` keeps this order; xdist would sort
# files by test count). Tests that judge time carry `@pytest.mark.serial` themselves:
# `make test` runs them alone, after this pass.
LONGEST_FILES = (
    "test_site.py",
    "test_publishable_reports.py",
    "test_hostile.py",
    "test_independent.py",
    "test_actions.py",
    "test_load_hosts.py",
    "test_duktig.py",
    "test_cli_check.py",
    "test_load.py",
    "test_fuzz.py",
    "test_deployed_check.py",
    "test_pytest_plugin.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist, the longest files first (a stable sort keeps each file's own order)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        rank = {name: place for place, name in enumerate(LONGEST_FILES)}
        items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


# --- report.sarif: every one a test writes under its tmp_path is valid SARIF 2.1.0 ---------
@pytest.fixture(autouse=True)
def _sarif_is_valid(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    folder = request.node.funcargs.get("tmp_path")
    if folder is not None:
        from sarif_check import validate_written

        validate_written(folder)


@pytest.fixture
def served() -> Iterator[Callable[..., str]]:
    """``served(module, flags=()) -> url``: a tests/independent/ server, stopped after."""
    stops: list[Callable[[], None]] = []

    def start(module: ModuleType, flags: tuple[str, ...] = ()) -> str:
        url, stop = module.serve(flags=flags)
        stops.append(stop)
        return url

    yield start
    for stop in stops:
        stop()
