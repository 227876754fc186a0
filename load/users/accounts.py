"""Which account each simulated user logs in with, without any state shared between processes.

Locust hands users to workers round-robin, so user ``k`` of worker ``w`` out of ``n`` workers
is roughly global user ``w + k * n``. Picking that account index (modulo the pool) gives
every user its own account while there are enough, and cycles through them when there are not.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["account_index", "load_section_users"]


def account_index(serial: int, worker_index: int, worker_count: int, pool_size: int) -> int:
    """Index into the pool for this process's ``serial``-th user (0-based)."""
    if pool_size <= 0:
        raise ValueError("the account pool is empty")
    stride = max(1, worker_count)
    return (max(0, worker_index) + serial * stride) % pool_size


@functools.cache
def load_section_users(path: str, section: str) -> tuple[dict[str, Any], ...]:
    """The ``users`` of one system's section of the credentials file, read once per process."""
    from conformance.engine.credentials import load_credentials

    users = load_credentials(path).get(section, {}).get("users", [])
    return tuple(users)
