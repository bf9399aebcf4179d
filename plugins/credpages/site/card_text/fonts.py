"""The bundled fonts: fallback chains, character maps (read from each cmap table), faces."""

from __future__ import annotations

import hashlib
import struct
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageFont, features

FONT_DIR = Path(__file__).parent.parent / "fonts"

Weight = Literal["bold", "regular"]
#: ``start`` follows each text's own direction; ``left``/``right`` put every line on that side (a
#: card aligns all its texts alike, whatever the direction of each).
Align = Literal["start", "center", "left", "right"]

#: Fallback chains, most specific first for Latin/Greek/Cyrillic; a character is drawn with the
#: first font that has it. DroidSansFallback has no bold face: it is emboldened with a thin stroke.
FONT_CHAINS: dict[Weight, tuple[str, ...]] = {
    "bold": (
        "NotoSans-Bold.ttf",
        "NotoSansArabic-Bold.ttf",
        "NotoSansHebrew-Bold.ttf",
        "NotoSansDevanagari-Bold.ttf",
        "DroidSansFallback.ttf",
    ),
    "regular": (
        "NotoSans-Regular.ttf",
        "NotoSansArabic-Regular.ttf",
        "NotoSansHebrew-Regular.ttf",
        "NotoSansDevanagari-Regular.ttf",
        "DroidSansFallback.ttf",
    ),
}
_NO_BOLD_FACE = frozenset({"DroidSansFallback.ttf"})


def raqm_available() -> bool:
    """Whether Pillow can shape text with libraqm (needs FriBiDi at run time)."""
    return bool(features.check("raqm"))


def layout_engine() -> ImageFont.Layout:
    return ImageFont.Layout.RAQM if raqm_available() else ImageFont.Layout.BASIC


# --- fonts and their character maps ---------------------------------------------------------


def _cmap_codepoints(data: bytes) -> frozenset[int]:
    """The code points a TrueType/OpenType font maps to a real glyph (cmap format 12 or 4)."""
    (num_tables,) = struct.unpack_from(">H", data, 4)
    tables = {}
    for i in range(num_tables):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        tables[tag] = (offset, length)
    cmap_offset, _ = tables[b"cmap"]
    (count,) = struct.unpack_from(">H", data, cmap_offset + 2)
    best: tuple[int, int] | None = None
    for i in range(count):
        platform, encoding, sub = struct.unpack_from(">HHI", data, cmap_offset + 4 + 8 * i)
        (fmt,) = struct.unpack_from(">H", data, cmap_offset + sub)
        unicode_table = platform == 0 or (platform == 3 and encoding in (1, 10))
        if unicode_table and fmt == 12:
            best = (12, cmap_offset + sub)
        elif unicode_table and fmt == 4 and best is None:
            best = (4, cmap_offset + sub)
    if best is None:
        raise ValueError("no Unicode cmap subtable")
    fmt, at = best
    points: set[int] = set()
    if fmt == 12:
        (groups,) = struct.unpack_from(">I", data, at + 12)
        for i in range(groups):
            start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * i)
            first = start + 1 if glyph == 0 else start  # glyph 0 is .notdef
            points.update(range(first, end + 1))
        return frozenset(points)
    (seg_x2,) = struct.unpack_from(">H", data, at + 6)
    segs = seg_x2 // 2
    ends = struct.unpack_from(f">{segs}H", data, at + 14)
    starts = struct.unpack_from(f">{segs}H", data, at + 16 + seg_x2)
    deltas = struct.unpack_from(f">{segs}h", data, at + 16 + 2 * seg_x2)
    range_at = at + 16 + 3 * seg_x2
    range_offsets = struct.unpack_from(f">{segs}H", data, range_at)
    for i in range(segs):
        for cp in range(starts[i], ends[i] + 1):
            if cp == 0xFFFF:
                continue
            if range_offsets[i] == 0:
                glyph = (cp + deltas[i]) & 0xFFFF
            else:
                where = range_at + 2 * i + range_offsets[i] + 2 * (cp - starts[i])
                (glyph,) = struct.unpack_from(">H", data, where)
                glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
            if glyph:
                points.add(cp)
    return frozenset(points)


@cache
def coverage(font_file: str) -> frozenset[int]:
    """Code points that ``fonts/<font_file>`` has a glyph for (parsed once per process)."""
    return _cmap_codepoints((FONT_DIR / font_file).read_bytes())


@cache
def fonts_digest() -> str:
    """SHA-256 over every bundled font: a changed font changes every card's hash."""
    digest = hashlib.sha256()
    for chain in FONT_CHAINS.values():
        for name in chain:
            digest.update(name.encode() + b"\0" + (FONT_DIR / name).read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=512)
def font(font_file: str, size: int, engine: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    """A font object, cached per process (one per file, size and layout engine)."""
    return ImageFont.truetype(str(FONT_DIR / font_file), size, layout_engine=engine)


def _stroke(font_file: str, weight: Weight, size: int) -> float:
    """Synthetic emboldening for a bold text drawn with a font that has no bold face."""
    return round(size / 56, 2) if weight == "bold" and font_file in _NO_BOLD_FACE else 0.0
