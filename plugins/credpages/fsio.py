"""Atomic file writes: a temp file in the same folder, fsync, then rename over the target.

A reader (or a killed batch) therefore sees either the old file or the complete new one, never
half of one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from .errors import CredpagesError


def _default_mode(target: Path) -> int:
    """The replaced file's permissions, or what a plain ``open()`` would give (0666 - umask)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write(
    path: str | Path, data: bytes | str, *, mode: int | None = None, durable: bool = True
) -> None:
    """Write ``data`` to ``path`` atomically; ``mode`` sets permissions before the data lands.

    ``durable=False`` is for a cache, or for the build's output, which the next build makes
    again: the file is still renamed into place whole, but not flushed to disk first (a few ms
    a file, and up to tens of ms while the disk is busy writing a big site), so a crash may
    leave it empty or damaged, and its reader must check what it reads.

    Without ``mode`` the file keeps the permissions it had (a new file gets the usual ones), so
    a rewrite never makes a committed file unreadable to others. Only a regular file (or a new
    name) is replaced: renaming over ``/dev/null``, a FIFO or a socket would destroy it, and as
    root that includes the machine's own device files.
    """
    target = Path(path)
    with contextlib.suppress(FileNotFoundError):
        kind = target.lstat().st_mode
        if not (stat.S_ISREG(kind) or stat.S_ISLNK(kind)):
            raise CredpagesError(
                "is not a regular file (a folder, device, FIFO or socket): give a file name",
                file=target,
            )
    if mode is None:
        mode = _default_mode(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
