"""bench/slow_machine.py, the slow-machine rehearsal: it runs the command and cleans up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "slow_machine.py"
CGROUP_ROOTS = (Path("/sys/fs/cgroup/cpu"), Path("/sys/fs/cgroup"))


def _rehearsal_groups() -> set[Path]:
    return {group for root in CGROUP_ROOTS for group in root.glob("authconform-slow-*")}


def test_the_command_runs_slowed_and_its_exit_status_is_the_scripts():
    """The command's status comes back, the share it got is said, and nothing is left running
    or behind: no neighbour outlives the command, no cgroup of the rehearsal stays."""
    command = [sys.executable, "-c", "import sys; print('ran'); sys.exit(3)"]
    before = _rehearsal_groups()  # an outer rehearsal's own (make test-slow) stays
    spinning_before = subprocess.run(["pgrep", "-f", "slow_machine._spin"],
                                     capture_output=True).stdout.split()  # fmt: skip
    done = subprocess.run([sys.executable, str(SCRIPT), "--share", "0.5", "--", *command],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip() == "ran"
    assert "a calibration loop now runs at" in done.stderr, done.stderr
    assert _rehearsal_groups() == before
    spinning = subprocess.run(["pgrep", "-f", "slow_machine._spin"], capture_output=True)
    assert len(spinning.stdout.split()) == len(spinning_before), spinning.stdout


def test_a_share_out_of_range_is_refused():
    done = subprocess.run([sys.executable, str(SCRIPT), "--share", "1.5", "--", "true"],
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert done.returncode == 2 and "--share must be between" in done.stderr
