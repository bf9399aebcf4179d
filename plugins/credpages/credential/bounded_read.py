"""Reading a file that may be hostile: only a regular file, only up to a size, never blocking.

A FIFO or device named as a credential would hang or flood the build, so the file is checked
before it is opened and again on the open handle (the path may have been swapped in between).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import CredpagesError

MAX_BYTES = 4 * 1024 * 1024
"""Largest file read: credentials are a few kilobytes, so more is a mistake or hostile."""


def _check_file(info: os.stat_result, source: str, max_bytes: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise CredpagesError("not a regular file: give the path of a YAML file", file=source)
    if info.st_size > max_bytes:
        raise CredpagesError(
            f"the file is {info.st_size} bytes, over the limit of {max_bytes} bytes: "
            "a credential is a few kilobytes, so check that this is the right file",
            file=source,
            line=1,
        )


def _open_nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def read_bounded(path: str | Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else is refused unread."""
    source = str(path)
    try:
        _check_file(os.stat(path), source, max_bytes)
        # Non-blocking open, then check again: the path may have been swapped for a FIFO.
        with open(path, "rb", opener=_open_nonblocking) as handle:
            _check_file(os.fstat(handle.fileno()), source, max_bytes)
            raw = handle.read(max_bytes + 1)  # the file may have grown since stat
    except FileNotFoundError:
        raise CredpagesError("file not found: check the path", file=source) from None
    except OSError as error:
        raise CredpagesError(
            f"cannot read the file ({error.strerror or error}): check that it exists and is "
            "readable",
            file=source,
        ) from None
    return raw
