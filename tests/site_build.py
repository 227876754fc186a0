"""A strict MkDocs build of this working tree, and the site's build hooks as modules.

Shared by the site's tests: ``test_site`` (the build every page test reads) and
``test_site_hook`` (builds with a given report, run beside it).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["BUILD_TIMEOUT_SECONDS", "REPO", "build", "load_hook"]

REPO = Path(__file__).resolve().parent.parent
BUILD_TIMEOUT_SECONDS = 420


def load_hook(name: str) -> ModuleType:
    """``docs/hooks/NAME.py`` imported as a module of its own."""
    spec = importlib.util.spec_from_file_location(name, REPO / "docs" / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(out: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """One strict build of this working tree into ``out``, in the given environment."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO,
        env={**env, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
        check=False,
    )
