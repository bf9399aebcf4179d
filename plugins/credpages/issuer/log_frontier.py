"""The issuance log's frontier, kept in a cache: what appending to a big log needs.

Appending leaves and signing the new checkpoint needs only the roots of the tree's complete
subtrees (its frontier: one hash per set bit of its size), not every leaf. Parsing and hashing
every line of ``log.txt`` again was ~70 ms of one ``issue`` into a 10,000-credential site.

The frontier is stored beside the build cache with the SHA-256 of the log file it describes.
:class:`~credpages.issuer.issuance_log.IssuanceLog` uses it only when the log file is, byte for
byte, that file and the frontier leads to the size and root of the file's checkpoint, whose
signature by a keyring key it checks. A missing, stale, damaged or forged cache therefore costs
the parse and nothing else: the root a new checkpoint signs either extends a tree the issuer's key
already signed, or is computed from every leaf, as without a cache.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..config import Settings
from ..errors import CredpagesError
from ..fsio import atomic_write
from ..tlog import merkle

SUFFIX = "-log-frontier.txt"
HEADER = "# credpages issuance log frontier, version 1 (a cache: safe to delete)"
_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass
class Frontier:
    """A tree of ``size`` leaves, as its frontier (:func:`credpages.tlog.merkle.frontier`)."""

    size: int
    hashes: list[bytes] = field(default_factory=list)

    def append(self, leaf_hash: bytes) -> None:
        merkle.frontier_append(self.hashes, self.size, leaf_hash)
        self.size += 1

    def root(self) -> bytes:
        return merkle.frontier_root(self.hashes)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load(settings: Settings, log_bytes: bytes) -> Frontier | None:
    """The cached frontier of exactly this log file, if one is kept and well formed. Whether it
    is the file's true frontier is the caller's check (against the signed checkpoint)."""
    path = settings.cache_sibling(SUFFIX)
    try:
        text = path.read_text(encoding="ascii") if path else ""
    except (OSError, UnicodeDecodeError):
        return None
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1]:
        return None
    header, digest, size, *hashes = lines[:-1]
    if header != HEADER or digest != file_hash(log_bytes) or not size.isdecimal():
        return None
    if len(hashes) != int(size).bit_count() or not all(_HEX.fullmatch(h) for h in hashes):
        return None
    return Frontier(int(size), [bytes.fromhex(h) for h in hashes])


def save(settings: Settings, log_bytes: bytes, frontier: Frontier) -> None:
    """Keep ``frontier`` as the one of this log file (a cache: unflushed, failures ignored)."""
    path = settings.cache_sibling(SUFFIX)
    if path is None:
        return
    lines = [HEADER, file_hash(log_bytes), str(frontier.size), *(h.hex() for h in frontier.hashes)]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, "\n".join(lines) + "\n", durable=False)
    except (OSError, CredpagesError):
        pass  # a read-only cache only costs the next run the parse
