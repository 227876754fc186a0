"""Several hosts on one Linux machine: network namespaces joined by veth pairs to a bridge.

Each host is a namespace with one address in 10.231.N.0/24 (N picked per run); the bridge
sits in a namespace of its own, so no packet of these hosts reaches the machine's network.
Needs root and iproute2; everything made is removed again, also after a failure.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Host", "cannot_make_hosts", "hosts", "in_host"]

PREFIX = 24


@dataclass(frozen=True)
class Host:
    name: str  # role, e.g. "target"
    netns: str
    address: str


def cannot_make_hosts() -> str | None:
    """Why namespaces cannot be made here, or None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "network namespaces need root (CI runs as root)"
    if shutil.which("ip") is None:
        return "no `ip` command (iproute2)"
    probe = f"acprobe{secrets.token_hex(3)}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"cannot make a network namespace: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def in_host(host: Host, command: list[str]) -> list[str]:
    """``command`` run inside ``host``'s namespace."""
    return ["ip", "netns", "exec", host.netns, *command]


@contextlib.contextmanager
def hosts(*names: str) -> Iterator[dict[str, Host]]:
    """One namespace per name on a private /24, plus the bridge's; all removed at the end."""
    run = secrets.token_hex(3)
    subnet = f"10.231.{secrets.randbelow(250) + 2}"
    bridge = f"ac{run}br"
    made: list[str] = []
    try:
        _ip("netns", "add", bridge)
        made.append(bridge)
        _ip("-n", bridge, "link", "add", "br0", "type", "bridge")
        _ip("-n", bridge, "link", "set", "br0", "up")
        found: dict[str, Host] = {}
        for number, name in enumerate(names, start=10):
            netns = f"ac{run}{name[:4]}{number}"
            _ip("netns", "add", netns)
            made.append(netns)
            # The pair is made inside the host's namespace, then one end moved to the bridge.
            _ip("-n", netns, "link", "add", "eth0", "type", "veth", "peer", "name", f"p{number}")
            _ip("-n", netns, "link", "set", f"p{number}", "netns", bridge)
            _ip("-n", bridge, "link", "set", f"p{number}", "master", "br0")
            _ip("-n", bridge, "link", "set", f"p{number}", "up")
            address = f"{subnet}.{number}"
            _ip("-n", netns, "addr", "add", f"{address}/{PREFIX}", "dev", "eth0")
            _ip("-n", netns, "link", "set", "eth0", "up")
            _ip("-n", netns, "link", "set", "lo", "up")
            found[name] = Host(name, netns, address)
        yield found
    finally:
        # Deleting a namespace deletes its veth ends but kills nothing: whatever still runs
        # inside one (a worker waiting for a master that never came) is killed first.
        for netns in reversed(made):
            _kill_inside(netns)
            subprocess.run(["ip", "netns", "del", netns], capture_output=True, timeout=10)


def _kill_inside(netns: str) -> None:
    listed = subprocess.run(["ip", "netns", "pids", netns], capture_output=True, text=True)
    for pid in listed.stdout.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


def leftover(run_prefix: str) -> list[str]:
    """Namespaces whose names start with ``run_prefix`` (none once ``hosts`` has ended)."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(run_prefix)]
