"""Random (version 4) UUID strings for token ids (``jti``) and sessions (``sid``), in batches.

Each login needs three. Formatting them one at a time (a system call for the random
bytes, then slicing and joining hex per id) cost a login more than its JSON parsing;
here one read of the system's random source makes ``BATCH`` ids at once with a few
slice operations over the whole batch, and each login takes three ready strings.

The ids are the same as ``str(uuid.uuid4())`` would give: 122 random bits from
``os.urandom``, the version digit ``4``, the variant digit one of ``8 9 a b``.
Ids never repeat between processes: a child after ``fork`` drops the ids it
inherited and reads fresh random bytes. The pool is a ``deque``, whose
``popleft`` and ``extend`` are safe between threads.
"""

from __future__ import annotations

import os
from collections import deque

__all__ = ["BATCH", "uuid4_batch", "uuid4_text"]

# Ids made per read of the random source: 4 KiB of random bytes, about 9 KiB of text.
BATCH = 256
UUID_BYTES = 16
# ``bytes.hex("-", 2)`` writes each id's 32 digits in 8 groups of 4, each followed by a
# dash ("g1-g2-...-g8-", 40 characters); a UUID is "g1g2-g3-g4-g5-g6g7g8". So the dashes
# after g8, g7, g6 and g1 go (offsets 39, 34, 29, 4 of each id, the last one first so the
# others keep their offsets), the one after g8 turned into a space to split on.
_ID_END, _DASHES_TO_DROP = 39, (34, 29, 4)
UUID_CHARS = 36
VERSION_AT = 14  # "4": the version
VARIANT_AT = 19  # 8, 9, a or b: the variant's two high bits are 10
_VARIANT = bytes.maketrans(b"0123456789abcdef", b"89ab89ab89ab89ab")

_pool: deque[str] = deque()
os.register_at_fork(after_in_child=_pool.clear)


def uuid4_batch(count: int = BATCH) -> list[str]:
    """``count`` fresh random UUID strings from one read of ``os.urandom``.

    PERF: each step below is one slice operation over the whole batch, not a loop per id.
    """
    text = bytearray(os.urandom(count * UUID_BYTES).hex("-", 2).encode("ascii"))
    period = _ID_END + 1
    text[_ID_END::period] = b" " * (count - 1)
    for offset in _DASHES_TO_DROP:
        del text[offset::period]
        period -= 1
    text[VERSION_AT::period] = b"4" * count
    text[VARIANT_AT::period] = text[VARIANT_AT::period].translate(_VARIANT)
    return text.decode("ascii").split(" ")


def uuid4_text() -> str:
    """One fresh random UUID string, never handed out twice."""
    try:
        return _pool.popleft()
    except IndexError:
        batch = uuid4_batch()
        _pool.extend(batch[1:])
        return batch[0]
