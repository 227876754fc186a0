"""Run a composite action's ``run:`` steps here, the way the GitHub runner runs them.

Each script goes to a file and runs as ``bash --noprofile --norc -eo pipefail FILE`` (the
runner's command for ``shell: bash``), with the step's ``env:`` expressions filled in from
the inputs, ``github.action_path`` and earlier steps' outputs. ``$GITHUB_ENV``,
``$GITHUB_OUTPUT`` and ``$RUNNER_TEMP`` are files and a directory under ``workdir``; the
step's working directory is ``workdir`` (the workspace). ``uses:`` steps (setup-python,
upload-artifact) are the runner's own and are not run. Like the runner, the first failing
step ends the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from action_file import EXPRESSION

__all__ = ["ActionRun", "run_action"]

BASH = ("bash", "--noprofile", "--norc", "-eo", "pipefail")


@dataclass
class ActionRun:
    """What a run left: each run step's exit status and output, the outputs, GITHUB_ENV."""

    exit_codes: dict[str, int] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def failed_step(self) -> str | None:
        return next((name for name, code in self.exit_codes.items() if code), None)


def run_action(
    action: dict[str, Any],
    action_path: Path,
    inputs: dict[str, str],
    workdir: Path,
    *,
    only: set[str] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> ActionRun:
    """Run the action's ``run:`` steps (those named in ``only``, if given) in ``workdir``."""
    declared = action.get("inputs") or {}
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs the action does not declare: {sorted(unknown)}"
    values = {name: str(spec.get("default", "")) for name, spec in declared.items()} | inputs
    missing = [name for name, spec in declared.items() if spec.get("required") and not values[name]]
    assert not missing, f"required inputs not given: {missing}"
    runner_temp = workdir / "runner-temp"
    runner_temp.mkdir(parents=True, exist_ok=True)
    github_env = workdir / "github-env"
    github_env.touch()
    run = ActionRun(env=dict(env or {}))
    for number, step in enumerate(action["runs"]["steps"], 1):
        name = step.get("name") or step.get("id") or f"step {number}"
        if "run" not in step or (only is not None and name not in only):
            continue
        assert "if" not in step, f"{name}: the local runner does not evaluate if: conditions"
        assert step["shell"] == "bash", f"{name}: the local runner runs bash steps only"
        output_file = workdir / f"github-output-{number}"
        output_file.touch()
        script = runner_temp / f"step-{number}.sh"
        script.write_text(step["run"], encoding="utf-8")

        def fill(value: Any, name: str = name) -> str:
            return EXPRESSION.sub(
                lambda m: _evaluate(m.group(1), name, values, action_path, run), str(value)
            )

        step_env = (
            dict(os.environ)
            | {
                # The runner puts its Python first on PATH (setup-python); here, the tests'.
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                "RUNNER_TEMP": str(runner_temp),
                "GITHUB_WORKSPACE": str(workdir),
                "GITHUB_ACTION_PATH": str(action_path),
                "GITHUB_ENV": str(github_env),
                "GITHUB_OUTPUT": str(output_file),
            }
            | run.env
            | {key: fill(value) for key, value in (step.get("env") or {}).items()}
        )
        proc = subprocess.run(
            [*BASH, str(script)],
            cwd=workdir,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        run.exit_codes[name] = proc.returncode
        run.logs[name] = proc.stdout + proc.stderr
        if "id" in step:
            run.outputs[step["id"]] = _key_values(output_file)
        run.env |= _key_values(github_env)
        if proc.returncode:
            break
    return run


def _evaluate(
    expression: str, step: str, inputs: dict[str, str], action_path: Path, run: ActionRun
) -> str:
    """The expressions the action's env: blocks use; any other one fails the test loudly."""
    parts = expression.split(".")
    if len(parts) == 2 and parts[0] == "inputs":
        return inputs[parts[1]]
    if expression == "github.action_path":
        return str(action_path)
    if len(parts) == 4 and parts[0] == "steps" and parts[2] == "outputs":
        return run.outputs.get(parts[1], {}).get(parts[3], "")
    raise AssertionError(f"{step}: the local runner cannot evaluate ${{{{ {expression} }}}}")


def _key_values(path: Path) -> dict[str, str]:
    """``KEY=value`` lines, as the runner reads GITHUB_ENV and GITHUB_OUTPUT (one-line values)."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line:
            assert "=" in line and "<<" not in line.split("=", 1)[0], f"unsupported line {line!r}"
            key, value = line.split("=", 1)
            pairs[key] = value
    return pairs
