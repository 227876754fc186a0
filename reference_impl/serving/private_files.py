"""Files holding secrets (the demo credentials): owner-only from their first byte, replaced whole.

The content goes to a new 0600 file beside the target, which then takes the target's
name in one ``os.replace``. Whatever stood there before (an old file with loose
permissions, a symlink pointing anywhere) is replaced, never written through, and a
reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Any

__all__ = ["write_private_json"]


def write_private_json(path: str | os.PathLike[str], payload: Any) -> None:
    """Write ``payload`` as indented JSON to ``path``, mode 0600, atomically."""
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    # mkstemp creates the file 0600 with O_EXCL: no one else can have it open.
    fd, temporary = tempfile.mkstemp(prefix=".credentials-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
