"""Text from a target is data: control characters become visible escapes before any output.

A hostile answer can hold ``ESC ] 0 ; title BEL`` or ``ESC [ 2 K``; printed raw, it retitles
or wipes the reader's terminal, and the same bytes make junit.xml unparseable. Every C0
and C1 control character except newline and tab, DEL, and the two non-characters XML 1.0
forbids (U+FFFE, U+FFFF) are written as ``\\x1b`` / ``\\u0085`` style escapes instead.
Surrogates (from undecodable bytes) are escaped too: they cannot be encoded in UTF-8.
"""

from __future__ import annotations

import re

__all__ = ["one_line", "visible"]

# C0 minus \t and \n, DEL, C1, surrogates, and the XML 1.0 non-characters.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every unsafe character shown as an escape (idempotent: no raw ones left)."""
    if not text:
        return text
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """``text`` made visible and kept on one line (for ``error: ...`` on stderr)."""
    return visible(text).replace("\n", "\\n").replace("\t", "\\t")
