"""Shared fixtures: the reference server on a real loopback socket with a real SQLite file."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from typing import Any

import pytest

from reference_impl.embedded import Running, running_server


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


# --- report.sarif: every one a test writes under its tmp_path is valid SARIF 2.1.0 ---------
@pytest.fixture(autouse=True)
def _sarif_is_valid(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    folder = request.node.funcargs.get("tmp_path")
    if folder is not None:
        from sarif_check import validate_written

        validate_written(folder)
