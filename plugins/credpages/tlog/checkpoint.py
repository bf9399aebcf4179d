"""C2SP tlog-checkpoint: the note text that commits to a tree (origin, size, root hash)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from ..errors import CredpagesError
from .merkle import HASH_SIZE


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii")]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """A checkpoint's note text → Checkpoint; every line checked against the spec."""
    if not text.endswith("\n"):
        raise CredpagesError("a checkpoint must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise CredpagesError("a checkpoint has at least three non-empty lines")
    origin, size, root, *extensions = lines
    if not re.fullmatch(r"0|[1-9][0-9]*", size):
        raise CredpagesError(f"checkpoint tree size {size!r} is not a decimal number")
    try:
        raw = base64.b64decode(root, validate=True)
    except binascii.Error:
        raise CredpagesError("checkpoint root hash is not base64") from None
    if len(raw) != HASH_SIZE:
        raise CredpagesError(f"checkpoint root hash has {len(raw)} bytes, not {HASH_SIZE}")
    return Checkpoint(origin, int(size), raw, tuple(extensions))
