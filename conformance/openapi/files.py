"""Where the OpenAPI files live, so a checkout, an install and a test's temp copy all work.

Lookup order: ``$AUTHCONFORM_SPEC_DIR``, then the repository's ``spec/`` next to this
package, then ``<sys.prefix>/share/authconform/spec`` (where the wheel installs them).
The docs pages `spec check` compares with are found the same way (``docs/apis``; the
wheel installs them under ``share/authconform/docs/apis``).
"""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import UsageError

__all__ = ["ENV_VAR", "SYSTEMS", "docs_dir", "docs_dirs", "load_spec", "spec_dirs", "spec_path"]

SYSTEMS: tuple[str, ...] = ("fib", "user-api", "duktig")
ENV_VAR = "AUTHCONFORM_SPEC_DIR"
_REPO_SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"
_REPO_DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "apis"


def spec_dirs() -> list[Path]:
    """The directories searched, in order (the environment variable only when set)."""
    dirs = []
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]))
    dirs.append(_REPO_SPEC_DIR)
    dirs.append(Path(sys.prefix) / "share" / "authconform" / "spec")
    return dirs


def docs_dirs() -> list[Path]:
    """Where the API docs pages may be: the repository's, then the installed copy."""
    return [_REPO_DOCS_DIR, Path(sys.prefix) / "share" / "authconform" / "docs" / "apis"]


def docs_dir() -> Path:
    """The first docs directory that exists (the repository's path when none does)."""
    return next((d for d in docs_dirs() if d.is_dir()), _REPO_DOCS_DIR)


def spec_path(system: str) -> Path:
    """The first ``<system>.openapi.yaml`` found; a UsageError names every place tried."""
    if system not in SYSTEMS:
        raise UsageError(f"system {system!r}", f"unknown; expected one of {', '.join(SYSTEMS)}")
    name = f"{system}.openapi.yaml"
    tried = [directory / name for directory in spec_dirs()]
    for candidate in tried:
        if candidate.is_file():
            return candidate
    raise UsageError(
        f"spec file {name}",
        f"not found in {', '.join(str(p.parent) for p in tried)}"
        f" (set {ENV_VAR} to the directory holding it)",
    )


# libyaml's loader where PyYAML was built with it (its wheels are): the same documents,
# parsed about eight times faster than by the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# A check run reads each spec several times (its checks, its fuzz stage, its coverage).
# Per file, its last parsed version (inode, size, change time) and document: one each.
_PARSED: dict[Path, tuple[tuple[int, int, int], dict[str, Any]]] = {}


def load_spec(system: str) -> dict[str, Any]:
    """The parsed spec; a file that is not a YAML mapping is a UsageError, not a traceback.

    Parsed again only when the file changed (its inode, size or change time); each caller
    gets a copy of its own to change.
    """
    path = spec_path(system)
    try:
        key, stat = path.resolve(), path.stat()
        version = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if key not in _PARSED or _PARSED[key][0] != version:
            loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
            if not isinstance(loaded, dict):
                raise UsageError(f"spec {path}", "not an OpenAPI document (no top-level mapping)")
            _PARSED[key] = (version, loaded)
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"spec {path}", f"cannot be read: {exc}") from exc
    return copy.deepcopy(_PARSED[key][1])
