"""What actionlint does not check: the structure of a composite action's ``action.yml``.

actionlint lints workflows only. ``action_problems`` applies GitHub's rules for a composite
action's metadata file, plus the project's own: no ``${{ }}`` inside a ``run:`` script
(inputs reach scripts through ``env:``, so an input cannot inject shell code).
``as_workflow`` turns the action's steps into a reusable workflow with the same inputs, so
actionlint can check their expressions and the actions they use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

__all__ = ["EXPRESSION", "action_problems", "as_workflow", "expressions", "load_action"]

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.DOTALL)
INPUT_REF = re.compile(r"\binputs\.([A-Za-z_][A-Za-z0-9_-]*)")
STEP_OUTPUT_REF = re.compile(r"\bsteps\.([A-Za-z_][A-Za-z0-9_-]*)\.outputs\.")
# owner/repo[/path]@ref, a local ./path, or a docker:// image.
USES = re.compile(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[\w.-]+|\./\S+|docker://\S+")
REQUIRED_KEYS = ("name", "description", "runs")


def load_action(path: Path) -> Any:
    """The parsed file (whatever YAML it holds: the checks say what is wrong with it)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def expressions(value: Any) -> Iterator[str]:
    """Every ``${{ ... }}`` body anywhere in a parsed YAML value."""
    if isinstance(value, str):
        yield from EXPRESSION.findall(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from expressions(item)


def action_problems(action: Any) -> list[str]:
    """One sentence per rule the action breaks; empty when it is a valid composite action."""
    if not isinstance(action, dict):
        return ["the file is not a YAML mapping"]
    problems = [f"missing required key {key!r}" for key in REQUIRED_KEYS if not action.get(key)]
    inputs = action.get("inputs") or {}
    for name, spec in inputs.items():
        if not isinstance(spec, dict) or not spec.get("description"):
            problems.append(f"input {name!r} has no description")
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        problems.append(f"runs.using is {runs.get('using')!r}, expected 'composite'")
    steps = runs.get("steps")
    if not isinstance(steps, list) or not steps:
        return [*problems, "runs.steps must be a non-empty list"]
    earlier_ids: set[str] = set()
    for number, step in enumerate(steps, 1):
        problems.extend(_step_problems(step, number, set(inputs), earlier_ids))
    for name, spec in (action.get("outputs") or {}).items():
        if not isinstance(spec, dict) or "value" not in spec:
            problems.append(f"output {name!r}: a composite action's output needs a value")
            continue
        for step_id in STEP_OUTPUT_REF.findall(str(spec["value"])):
            if step_id not in earlier_ids:
                problems.append(f"output {name!r} reads steps.{step_id}, which no step has as id")
    return problems


def _step_problems(step: Any, number: int, inputs: set[str], earlier_ids: set[str]) -> list[str]:
    """The problems of one step; adds its id to ``earlier_ids`` for the steps after it."""
    if not isinstance(step, dict):
        return [f"step {number} is not a mapping"]
    label = f"step {number} ({step.get('name') or step.get('id') or 'unnamed'})"
    problems = []
    if ("run" in step) == ("uses" in step):
        problems.append(f"{label}: needs exactly one of run and uses")
    if "run" in step:
        if not step.get("shell"):
            problems.append(f"{label}: a run step in a composite action needs shell")
        if EXPRESSION.search(str(step["run"])):
            problems.append(f"{label}: an expression inside the script; pass it through env")
    if "uses" in step and not USES.fullmatch(str(step["uses"])):
        problems.append(f"{label}: uses {step['uses']!r} is not owner/repo@ref")
    for expression in expressions(step):
        problems.extend(
            f"{label}: refers to inputs.{name}, which the action does not declare"
            for name in INPUT_REF.findall(expression)
            if name not in inputs
        )
        problems.extend(
            f"{label}: reads steps.{step_id}, which is not an earlier step's id"
            for step_id in STEP_OUTPUT_REF.findall(expression)
            if step_id not in earlier_ids
        )
    if "id" in step:
        if step["id"] in earlier_ids:
            problems.append(f"{label}: id {step['id']!r} is used twice")
        earlier_ids.add(step["id"])
    return problems


def as_workflow(action: dict[str, Any]) -> dict[str, Any]:
    """A reusable workflow running the action's steps with the same inputs, for actionlint."""
    inputs = {}
    for name, spec in (action.get("inputs") or {}).items():
        declared: dict[str, Any] = {"type": "string", "required": bool(spec.get("required"))}
        if not declared["required"] and "default" in spec:
            declared["default"] = str(spec["default"])
        inputs[name] = declared
    return {
        "name": f"steps of {action.get('name', 'the action')}",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
