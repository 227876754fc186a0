"""bench/slow_machine.py, the slow-machine rehearsal: it runs the command and cleans up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "slow_machine.py"
GROUPS = (Path("/sys/fs/cgroup/cpu/authconform-slow"), Path("/sys/fs/cgroup/authconform-slow"))


def test_the_command_runs_slowed_and_its_exit_status_is_the_scripts():
    """The command's status comes back, the share it got is said, and nothing is left running
    or behind: no neighbour outlives the command, no cgroup of the rehearsal stays."""
    command = [sys.executable, "-c", "import sys; print('ran'); sys.exit(3)"]
    done = subprocess.run([sys.executable, str(SCRIPT), "--share", "0.5", "--", *command],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip() == "ran"
    assert "a calibration loop now runs at" in done.stderr, done.stderr
    assert not any(group.exists() for group in GROUPS)
    spinning = subprocess.run(["pgrep", "-f", "slow_machine._spin"], capture_output=True)
    assert spinning.returncode == 1, spinning.stdout


def test_a_share_out_of_range_is_refused():
    done = subprocess.run([sys.executable, str(SCRIPT), "--share", "1.5", "--", "true"],
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert done.returncode == 2 and "--share must be between" in done.stderr
