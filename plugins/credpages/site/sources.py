"""Which credential files are unchanged since the last build, told without reading them.

A warm build used to read and hash every credential file (10,000 files: a tenth of the build)
only to find the ``verify`` entry of the same bytes. Like git's index, a build now keeps, per
file, its ``stat`` identity (size, mtime, ctime, inode, device: of the file a path leads to, as
reading it would) beside the SHA-256 of the bytes it read. A file whose identity is unchanged
is taken to hold those bytes: any write, rename over it, checkout or ``touch`` changes its
ctime or inode, and ctime cannot be set back from user space (``utime`` restoring the mtime
sets the ctime to now). The identity is taken *before* the bytes are read, so a change while
they are read shows as another identity next time. Git's "racily clean" rule: a record whose
mtime or ctime is within :data:`RACY_NS` of the moment the identity was taken is not kept
(a same-size rewrite in the same clock tick would keep the identity), so that file is read
again by the next build.

The records are one ``source`` entry of the build cache (authenticated like every entry, keyed
by the folder's path and this code), so a forged or stale record only costs a read; what is
published still comes from verified bytes only (the trust rule, see DESIGN.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import time
from pathlib import Path

from .cache import BuildCache, key_maker

#: Coarser than any file system's timestamps (FAT: 2 s) and the kernel's file clock lag.
RACY_NS = 3_000_000_000
Identity = tuple[int, int, int, int, int]
#: a record held during the build, one bytes object: the identity packed, then the SHA-256
#: (105 bytes a file, where a tuple of an identity tuple and a hex str took ~400: a cold
#: 100,000 build holds 100,000 of them while it verifies)
_IDENTITY = struct.Struct("<QqqQQ")  # size, mtime, ctime (may be before 1970), inode, device
_RECORD_SIZE = _IDENTITY.size + hashlib.sha256().digest_size


def identity(path: str | Path) -> Identity:
    """What changes whenever a file's bytes can have changed (follows links, as a read does)."""
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class SourceDigests:
    """``digest(path)``: the SHA-256 of a file's bytes when its identity proves them unchanged,
    else None (read it, then :meth:`record`); :meth:`save` keeps the settled records."""

    def __init__(self, folder: Path, cache: BuildCache) -> None:
        self._cache = cache
        self._key = key_maker("source", str(folder.resolve()))()
        self._now = time.time_ns()  # before any identity is taken: the racy rule's clock
        self._known: dict[str, bytes] = {}  # file name → its record (``_record``)
        self._kept: dict[str, bytes] = {}
        value = cache.get("source", self._key)
        if value is not None:
            known = _parse(value)
            if known is None:
                cache.reject()
            else:
                self._known = known

    def digest(self, path: str) -> str | None:
        """The recorded SHA-256 of ``path`` (hex) if its identity is the recorded one."""
        name = os.path.basename(path)
        record = self._known.get(name)
        if record is None:
            return None
        try:
            current = _IDENTITY.pack(*identity(path))
        except (OSError, struct.error):
            return None
        if not record.startswith(current):
            return None
        self._kept[name] = record
        return record[_IDENTITY.size :].hex()

    def read(self, path: str) -> tuple[bytes, str]:
        """Read ``path`` (its identity taken first) and record what was read: (bytes, SHA-256)."""
        name = os.path.basename(path)
        before = identity(path)
        with open(path, "rb") as handle:
            content = handle.read()
        digest = hashlib.sha256(content).hexdigest()
        record = _record(before, digest)
        if max(before[1], before[2]) < self._now - RACY_NS and record is not None:
            self._kept[name] = record
        else:
            self._kept.pop(name, None)
        return content, digest

    def save(self) -> None:
        """Store the records of the files this build saw (a removed file's record goes)."""
        if self._kept == self._known:  # the stored entry holds exactly these records
            self._cache.touch("source", self._key)
            return
        records = {name: [*_unpack(record)] for name, record in self._kept.items()}
        self._cache.put("source", self._key, json.dumps(records, separators=(",", ":")).encode())


def _record(ident: Identity, digest: str) -> bytes | None:
    """The record of a file read now, None if its identity does not fit (then not kept)."""
    try:
        return _IDENTITY.pack(*ident) + bytes.fromhex(digest)
    except (struct.error, ValueError):
        return None


def _unpack(record: bytes) -> tuple[int, int, int, int, int, str]:
    """(size, mtime, ctime, inode, device, SHA-256 hex) of a record, as the entry stores it."""
    return (*_IDENTITY.unpack_from(record), record[_IDENTITY.size :].hex())


def _parse(value: bytes) -> dict[str, bytes] | None:
    """The records of a ``source`` entry, None unless exactly our shape."""
    try:
        raw = json.loads(value)
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    known: dict[str, bytes] = {}
    for name, record in raw.items():
        if not (
            isinstance(record, list)
            and len(record) == 6
            and all(type(n) is int for n in record[:5])
            and isinstance(record[5], str)
        ):
            return None
        size, mtime, ctime, ino, dev, digest = record
        packed = _record((size, mtime, ctime, ino, dev), digest)
        if packed is None or len(packed) != _RECORD_SIZE:
            return None
        known[name] = packed
    return known
