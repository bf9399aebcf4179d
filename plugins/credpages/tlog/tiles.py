"""C2SP tlog-tiles: which tiles a tree of a given size publishes, their paths and their bytes.

A tile at level L holds up to 256 consecutive hashes of tree level 8·L; a level-0 tile holds leaf
hashes. Entry bundles hold the entries themselves, uint16-length-prefixed, 256 per full bundle.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..errors import CredpagesError
from .merkle import HASH_SIZE, NodeSource

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_ENTRY = 0xFFFF


@dataclass(frozen=True)
class TileRef:
    """One tile: ``level`` (or -1 for an entry bundle), ``index`` and ``width`` (1..256)."""

    level: int
    index: int
    width: int

    @property
    def path(self) -> str:
        head = "tile/entries" if self.level < 0 else f"tile/{self.level}"
        tail = f".p/{self.width}" if self.width < TILE_WIDTH else ""
        return f"{head}/{encode_index(self.index)}{tail}"


def encode_index(n: int) -> str:
    """1234067 → ``x001/x234/067``: zero-padded 3-digit elements, all but the last with ``x``."""
    if n < 0:
        raise CredpagesError(f"tile index {n} is negative")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def parse_index(text: str) -> int:
    """The inverse of ``encode_index``; refuses any other spelling (so a path names one tile)."""
    parts = text.split("/")
    if not all(len(p) == 4 and p[0] == "x" and p[1:].isdigit() for p in parts[:-1]) or not (
        len(parts[-1]) == 3 and parts[-1].isdigit()
    ):
        raise CredpagesError(f"{text!r} is not a tile index")
    n = 0
    for p in parts:
        n = n * 1000 + int(p.lstrip("x"))
    if encode_index(n) != text:
        raise CredpagesError(f"{text!r} is not the canonical spelling of tile index {n}")
    return n


def tiles_for(size: int) -> Iterator[TileRef]:
    """Every hash tile a tree of ``size`` leaves needs (full tiles, then the partial one)."""
    level = 0
    count = size  # complete nodes at tree level 8·level
    while count > 0:
        full, rest = divmod(count, TILE_WIDTH)
        for n in range(full):
            yield TileRef(level, n, TILE_WIDTH)
        if rest:
            yield TileRef(level, full, rest)
        count = full
        level += 1


def bundles_for(size: int) -> Iterator[TileRef]:
    full, rest = divmod(size, TILE_WIDTH)
    for n in range(full):
        yield TileRef(-1, n, TILE_WIDTH)
    if rest:
        yield TileRef(-1, full, rest)


def tile_bytes(tile: TileRef, node: NodeSource) -> bytes:
    """The ``width`` hashes of tree level 8·L that the tile holds, concatenated."""
    level = TILE_HEIGHT * tile.level
    first = tile.index * TILE_WIDTH
    return b"".join(node(level, first + i) for i in range(tile.width))


def bundle_bytes(entries: Sequence[bytes]) -> bytes:
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY:
            raise CredpagesError(f"a log entry of {len(entry)} bytes (at most {MAX_ENTRY})")
        out += struct.pack(">H", len(entry)) + entry
    return bytes(out)


def parse_bundle(data: bytes) -> list[bytes]:
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise CredpagesError("an entry bundle ends inside a length prefix")
        (length,) = struct.unpack_from(">H", data, pos)
        pos += 2
        if pos + length > len(data):
            raise CredpagesError("an entry bundle ends inside an entry")
        entries.append(data[pos : pos + length])
        pos += length
    return entries


def split_tile(data: bytes, width: int) -> list[bytes]:
    if len(data) != width * HASH_SIZE:
        raise CredpagesError(f"a tile of width {width} has {len(data)} bytes, not {width * 32}")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
