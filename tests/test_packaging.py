"""Packaging and publishing: metadata, a warning-free build and install, versioned docs.

The builds run on a copy of the project's files in a temporary directory, so the working
tree gets no ``build/`` or ``*.egg-info`` from them; pip builds in its usual isolated
environment, as ``pip install .`` does for a user (tests/packaged.py). The clean build is
the one ``installed_wheel`` makes once per test run, shared with test_wheel_install.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import in_process
import pytest
import yaml
from packaged import Installed, build_wheel, project_copy

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
REPOSITORY = "https://github.com/authconform/authconform"
MIKE_TIMEOUT_SECONDS = 300
# A line of the build's or pip's output that is a warning, whatever prints it.
WARNING = re.compile(r"warn|deprecat", re.IGNORECASE)
# This machine's pip configuration names local package indexes, and pip warns about each
# one that lacks a package it looks up: a fact of the machine, not of the package.
MACHINE_INDEX_WARNING = re.compile(r"^WARNING: Location '.*' is ignored: it is neither a file")
CHANGELOG_RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.M)


class _MkDocsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose ``!!python/name:`` tags are kept as their dotted names."""


_MkDocsLoader.add_multi_constructor(
    "tag:yaml.org,2002:python/name:", lambda loader, suffix, node: suffix
)
MKDOCS = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=_MkDocsLoader)


def test_license_is_an_spdx_string_with_its_file() -> None:
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    license_text = (REPO / "LICENSE").read_text()
    assert license_text.startswith("MIT License\n")
    assert re.search(r"^Copyright \(c\) \d{4} authconform contributors$", license_text, re.M)
    # PEP 639: with a license expression, license classifiers are an error.
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]


def test_build_backend_reads_spdx_license_strings() -> None:
    requires = PYPROJECT["build-system"]["requires"]
    setuptools = next(r for r in requires if r.startswith("setuptools"))
    minimum = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", setuptools)
    assert minimum and int(minimum.group(1)) >= 77, setuptools


def test_project_urls_and_the_site_point_to_the_repository() -> None:
    urls = PROJECT["urls"]
    assert urls["Repository"] == REPOSITORY == urls["Homepage"]
    assert urls["Issues"] == f"{REPOSITORY}/issues"
    assert urls["Changelog"] == f"{REPOSITORY}/blob/main/CHANGELOG.md"
    assert MKDOCS["repo_url"] == REPOSITORY
    assert MKDOCS["repo_name"] == "authconform/authconform"
    assert MKDOCS["edit_uri"] == "edit/main/docs/"
    assert MKDOCS["extra"]["version"]["provider"] == "mike"
    assert "Programming Language :: Python :: 3.11" in PROJECT["classifiers"]


def test_guides_for_ci_and_publishing_are_in_the_nav_and_readme() -> None:
    guides = next(item["Guides"] for item in MKDOCS["nav"] if "Guides" in item)
    pages = [next(iter(entry.values())) for entry in guides]
    assert {"guides/ci.md", "guides/publishing.md"} <= set(pages)
    readme = (REPO / "README.md").read_text()
    assert "(docs/guides/ci.md)" in readme
    assert "(docs/guides/publishing.md)" in readme


def test_changelog_follows_keep_a_changelog() -> None:
    changelog = (REPO / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog\n")
    assert "https://keepachangelog.com/" in changelog
    assert "\n## [Unreleased]\n" in changelog
    releases = CHANGELOG_RELEASE.findall(changelog)
    assert PROJECT["version"] in [version for version, _ in releases]
    # Every heading's version has its link at the bottom.
    for name in ["Unreleased", *(version for version, _ in releases)]:
        assert re.search(rf"^\[{re.escape(name)}\]: {REPOSITORY}/", changelog, re.M), name
    sections = re.findall(r"^### (\w+)$", changelog, re.M)
    keep_a_changelog = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    assert sections and set(sections) <= keep_a_changelog, sections


def _warnings(output: str) -> list[str]:
    return [
        line
        for line in output.splitlines()
        if WARNING.search(line) and not MACHINE_INDEX_WARNING.match(line)
    ]


@pytest.mark.slow
def test_pip_install_prints_no_warning_and_installs_spec_and_license(
    installed_wheel: Installed,
) -> None:
    venv, output = installed_wheel.venv, installed_wheel.output
    assert installed_wheel.returncode == 0, output
    assert _warnings(output) == [], output
    # conformance.openapi.files looks for the specs in <prefix>/share/authconform/spec; the
    # Schemathesis configuration for plain `st run` sits beside them.
    shared = venv / "share" / "authconform" / "spec"
    assert sorted(p.name for p in shared.iterdir()) == sorted(
        p.name for p in (REPO / "spec").glob("*.*") if p.suffix in (".yaml", ".toml")
    )
    (dist_info,) = (venv / "lib").glob("python3*/site-packages/authconform-*.dist-info")
    assert (dist_info / "licenses" / "LICENSE").read_text() == (REPO / "LICENSE").read_text()
    metadata = (dist_info / "METADATA").read_text()
    assert "License-Expression: MIT" in metadata
    assert f"Project-URL: Repository, {REPOSITORY}" in metadata


@pytest.mark.slow
def test_the_warning_check_sees_the_old_license_table(tmp_path: Path) -> None:
    """The same build with the deprecated ``license = {text = ...}`` does print a warning.

    Only the wheel is built: setuptools warns while building, and installing the wheel
    (about a fifth of the CPU) would add nothing to what the check reads.
    """
    project = project_copy(tmp_path / "project")
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    old = text.replace('license = "MIT"', 'license = { text = "MIT" }')
    old = old.replace('license-files = ["LICENSE"]\n', "")
    assert old != text
    pyproject.write_text(old)
    built = build_wheel(project, tmp_path / "wheels")
    output = built.stdout + built.stderr
    assert built.returncode == 0, output
    assert list((tmp_path / "wheels").glob("authconform-*.whl")), output
    found = _warnings(output)
    assert any("project.license" in line for line in found), found


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


@pytest.mark.slow
def test_mike_keeps_a_copy_per_release_and_moves_latest(tmp_path: Path) -> None:
    """The release commands of docs/guides/publishing.md, without --push, on a copy."""
    project = project_copy(tmp_path / "project")
    _git(project, "init", "--quiet", "--initial-branch", "main")
    _git(project, "add", "--all")
    _git(project, "commit", "--quiet", "-m", "site")
    _git(project, "config", "user.name", "t")
    _git(project, "config", "user.email", "t@example.com")
    # One quick real run for the conformance page, shared by both builds. In this process:
    # the page needs the run's report, not a process of its own.
    report = tmp_path / "report"
    checked = in_process.authconform(
        "check", "--api", "duktig", "--no-fuzz", "--report", str(report)
    )
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr
    mike = Path(sys.executable).with_name("mike")
    env = {
        **os.environ,
        "AUTHCONFORM_SITE_REPORT": str(report),
        "NO_MKDOCS_2_WARNING": "1",
        # mike runs `mkdocs` from PATH.
        "PATH": f"{mike.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for version in ("0.1.0", "0.2.0"):
        deployed = subprocess.run(
            [str(mike), "deploy", "--update-aliases", version, "latest"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=MIKE_TIMEOUT_SECONDS,
            check=False,
        )
        assert deployed.returncode == 0, deployed.stderr[-3000:]
    subprocess.run(
        [str(mike), "set-default", "latest"], cwd=project, env=env, check=True, timeout=60
    )

    versions = json.loads(_git(project, "show", "gh-pages:versions.json"))
    assert [(v["version"], v["aliases"]) for v in versions] == [
        ("0.2.0", ["latest"]),
        ("0.1.0", []),
    ]
    tree = _git(project, "ls-tree", "--name-only", "gh-pages").split()
    assert {"0.1.0", "0.2.0", "latest", "index.html", "versions.json"} <= set(tree)
    page = _git(project, "show", "gh-pages:0.1.0/guides/publishing/index.html")
    assert '<h1 id="publishing-the-site">Publishing the site' in page
    # The site's root sends readers to the newest release.
    assert "url=latest/" in _git(project, "show", "gh-pages:index.html")
