"""Text on share cards: bundled fonts, glyph coverage, script runs, bidi order and fitting.

Names come in any script, so every string is split into *runs*, each drawn with the first bundled
font (``fonts/``) whose character map has all of the run's characters. Coverage is read from the
fonts' ``cmap`` tables, never guessed from pixels: a character no bundled font has makes
:func:`missing_glyph` return it, and the caller leaves that text out rather than draw a tofu box.

Shaping and bidi: with Pillow's libraqm layout (HarfBuzz + FriBiDi) each run is shaped and ordered
by raqm, and the runs of a line are put in visual order here (a run-level simplification of the
Unicode bidi algorithm that is right for names: one embedding level per direction). Without raqm
(Pillow's BASIC layout: e.g. a machine without libfribidi) right-to-left runs are reordered here and
Arabic is shaped with the Unicode presentation forms (:func:`shape_arabic_basic`); text that this
fallback cannot shape correctly is reported as missing instead of being drawn wrong.

Fitting: a text shrinks on one line, then wraps onto at most ``max_lines`` balanced lines (at
spaces, hyphens and between CJK characters), then is ellipsized at the smallest size. It never
overflows its box.
"""

from __future__ import annotations

import hashlib
import struct
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import groupby
from pathlib import Path
from typing import Literal

from PIL import ImageDraw, ImageFont, features

FONT_DIR = Path(__file__).parent / "fonts"

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
        "DroidSansFallback.ttf",
    ),
    "regular": (
        "NotoSans-Regular.ttf",
        "NotoSansArabic-Regular.ttf",
        "NotoSansHebrew-Regular.ttf",
        "DroidSansFallback.ttf",
    ),
}
_NO_BOLD_FACE = frozenset({"DroidSansFallback.ttf"})

ELLIPSIS = "…"
_RTL_CLASSES = frozenset({"R", "AL"})
_STRONG_CLASSES = frozenset({"L", "R", "AL"})
_NUMBER_CLASSES = frozenset({"EN", "AN"})
#: Invisible characters that may be dropped where the chosen font lacks them (joiners, selectors).
_IGNORABLE = frozenset({0x200C, 0x200D, *range(0xFE00, 0xFE10), 0x00AD})
#: Explicit bidi controls: hostile in names (they reorder what follows), dropped when cleaning.
_BIDI_CONTROLS = frozenset({0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)})
_NO_BREAK_BEFORE = frozenset(
    "、。，．・ー）」』】〉》〕｝！？：；…‥ゝゞヽヾ々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ)]},.!?:;"
)
_NO_BREAK_AFTER = frozenset("（「『【〈《〔｛([{")
_MIRROR = dict(zip("()[]{}<>«»‹›", ")(][}{><»«›‹", strict=True))


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


# --- cleaning, clusters and runs ---------------------------------------------------------------


def clean_text(text: str) -> str:
    """NFC, no control or bidi-override characters, whitespace collapsed to single spaces."""
    text = unicodedata.normalize("NFC", text)
    kept = []
    for ch in text:
        if ord(ch) in _BIDI_CONTROLS:
            continue
        if ch.isspace():
            kept.append(" ")
        elif unicodedata.category(ch) != "Cc":
            kept.append(ch)
    return " ".join("".join(kept).split())


def _is_extending(ch: str) -> bool:
    cp = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or cp in _IGNORABLE
        or 0xE0100 <= cp <= 0xE01EF
    )


def clusters(text: str) -> list[str]:
    """Base characters with the marks, joiners and selectors that follow them."""
    out: list[str] = []
    for ch in text:
        if out and _is_extending(ch):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _fit_cluster(cluster: str, font_file: str) -> str | None:
    """The cluster as ``font_file`` can draw it (dropping ignorables it lacks), or None."""
    cov = coverage(font_file)
    kept = []
    for ch in cluster:
        cp = ord(ch)
        if cp in cov:
            kept.append(ch)
        elif not (cp in _IGNORABLE or 0xE0100 <= cp <= 0xE01EF):
            return None
    return "".join(kept) or None


def missing_glyph(text: str, weight: Weight) -> str | None:
    """The first character of ``text`` that no bundled font can draw, or None."""
    for cluster in clusters(clean_text(text)):
        if not any(_fit_cluster(cluster, f) for f in FONT_CHAINS[weight]):
            for ch in cluster:
                ignorable = ord(ch) in _IGNORABLE or 0xE0100 <= ord(ch) <= 0xE01EF
                if not ignorable and not any(ord(ch) in coverage(f) for f in FONT_CHAINS[weight]):
                    return ch
            return cluster[0]
    return None


def describe_char(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unassigned or private-use character')}"


@dataclass(frozen=True)
class Run:
    """Consecutive characters drawn with one font, in logical order."""

    text: str
    font_file: str
    rtl: bool


def _strong(text: str) -> str | None:
    for ch in text:
        cls = unicodedata.bidirectional(ch)
        if cls in _STRONG_CLASSES:
            return "rtl" if cls in _RTL_CLASSES else "ltr"
    return None


def is_rtl(text: str) -> bool:
    """Paragraph direction: that of the first strong character (left-to-right if none)."""
    return _strong(text) == "rtl"


def runs(text: str, weight: Weight) -> list[Run]:
    """Split ``text`` into font runs; neutral characters stay in the run they follow.

    Raises ``LookupError`` if a character has no font (check :func:`missing_glyph` first).
    """
    chain = FONT_CHAINS[weight]
    pieces: list[tuple[str, str]] = []  # (cluster as drawn, font)
    for cluster in clusters(text):
        strong = _strong(cluster) is not None
        chosen: tuple[str, str] | None = None
        if not strong and pieces:
            fitted = _fit_cluster(cluster, pieces[-1][1])
            if fitted:
                chosen = (fitted, pieces[-1][1])
        if chosen is None:
            for font_file in chain:
                fitted = _fit_cluster(cluster, font_file)
                if fitted:
                    chosen = (fitted, font_file)
                    break
        if chosen is None:
            raise LookupError(cluster)
        pieces.append(chosen)
    merged = [
        ("".join(p[0] for p in group), font_file)
        for font_file, group in groupby(pieces, key=lambda p: p[1])
    ]
    directions = [_strong(t) for t, _ in merged]
    paragraph = "rtl" if is_rtl(text) else "ltr"
    out = []
    for i, (run_text, font_file) in enumerate(merged):
        direction = directions[i]
        if direction is None:  # neutral run: its neighbours' direction if they agree
            before = next((d for d in reversed(directions[:i]) if d), paragraph)
            after = next((d for d in directions[i + 1 :] if d), paragraph)
            direction = before if before == after else paragraph
        has_rtl = any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in run_text)
        out.append(Run(run_text, font_file, direction == "rtl" or has_rtl))
    return out


def visual_order(line_runs: Sequence[Run], rtl_paragraph: bool) -> list[Run]:
    """Runs left to right: each same-direction group kept together, RTL groups reversed."""
    groups = [list(g) for _, g in groupby(line_runs, key=lambda r: r.rtl)]
    ordered = [list(reversed(g)) if g[0].rtl else g for g in groups]
    if rtl_paragraph:
        ordered.reverse()
    return [run for group in ordered for run in group]


# --- the BASIC-layout fallback: Arabic presentation forms and reordering ---------------------

# letter: (first presentation form, number of forms); forms run isolated, final, initial, medial.
_ARABIC_FORMS: dict[int, tuple[int, int]] = {
    0x0621: (0xFE80, 1), 0x0622: (0xFE81, 2), 0x0623: (0xFE83, 2), 0x0624: (0xFE85, 2),
    0x0625: (0xFE87, 2), 0x0626: (0xFE89, 4), 0x0627: (0xFE8D, 2), 0x0628: (0xFE8F, 4),
    0x0629: (0xFE93, 2), 0x062A: (0xFE95, 4), 0x062B: (0xFE99, 4), 0x062C: (0xFE9D, 4),
    0x062D: (0xFEA1, 4), 0x062E: (0xFEA5, 4), 0x062F: (0xFEA9, 2), 0x0630: (0xFEAB, 2),
    0x0631: (0xFEAD, 2), 0x0632: (0xFEAF, 2), 0x0633: (0xFEB1, 4), 0x0634: (0xFEB5, 4),
    0x0635: (0xFEB9, 4), 0x0636: (0xFEBD, 4), 0x0637: (0xFEC1, 4), 0x0638: (0xFEC5, 4),
    0x0639: (0xFEC9, 4), 0x063A: (0xFECD, 4), 0x0641: (0xFED1, 4), 0x0642: (0xFED5, 4),
    0x0643: (0xFED9, 4), 0x0644: (0xFEDD, 4), 0x0645: (0xFEE1, 4), 0x0646: (0xFEE5, 4),
    0x0647: (0xFEE9, 4), 0x0648: (0xFEED, 2), 0x064A: (0xFEF1, 4),
    0x0671: (0xFB50, 2), 0x0679: (0xFB66, 4), 0x067E: (0xFB56, 4), 0x0686: (0xFB7A, 4),
    0x0688: (0xFB88, 2), 0x0691: (0xFB8C, 2), 0x0698: (0xFB8A, 2), 0x06A9: (0xFB8E, 4),
    0x06AF: (0xFB92, 4), 0x06BE: (0xFBAA, 4), 0x06C1: (0xFBA6, 4), 0x06CC: (0xFBFC, 4),
    0x06D2: (0xFBAE, 2),
}  # fmt: skip
# ALEF MAKSURA joins on both sides; its initial and medial forms live in Presentation Forms-A.
_ALEF_MAKSURA = {0x0649: (0xFEEF, 0xFEF0, 0xFBE8, 0xFBE9)}
_LAM = 0x0644
_LAM_ALEF = {0x0622: 0xFEF5, 0x0623: 0xFEF7, 0x0625: 0xFEF9, 0x0627: 0xFEFB}
_TATWEEL = 0x0640
_ZWNJ, _ZWJ = "\u200c", "\u200d"


class Unshapeable(Exception):
    """Text the BASIC-layout fallback cannot draw correctly (the character is the argument)."""


def _is_arabic_letter(ch: str) -> bool:
    cp = ord(ch)
    in_block = 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x08A0 <= cp <= 0x08FF
    return in_block and unicodedata.category(ch) == "Lo"


def _forms(cp: int) -> tuple[int, int | None, int | None, int | None] | None:
    if cp in _ALEF_MAKSURA:
        return _ALEF_MAKSURA[cp]
    entry = _ARABIC_FORMS.get(cp)
    if entry is None:
        return None
    first, count = entry
    return (
        first,
        first + 1 if count >= 2 else None,
        first + 2 if count == 4 else None,
        first + 3 if count == 4 else None,
    )


def _joins_forward(cluster: str) -> bool:
    """Whether this letter can connect to the following one (dual-joining or tatweel)."""
    if _ZWNJ in cluster:
        return False
    cp = ord(cluster[0])
    forms = _forms(cp)
    return cp == _TATWEEL or (forms is not None and forms[2] is not None)


def _joins_backward(cluster: str) -> bool:
    """Whether this letter can connect to the preceding one (it has a final form)."""
    cp = ord(cluster[0])
    forms = _forms(cp)
    return cp == _TATWEEL or (forms is not None and forms[1] is not None)


def shape_arabic_basic(text: str) -> str:
    """Arabic letters replaced by their contextual presentation forms (logical order kept)."""
    units = clusters(text)
    out: list[str] = []
    i = 0
    while i < len(units):
        unit = units[i]
        base = ord(unit[0])
        if _is_arabic_letter(unit[0]) and _forms(base) is None and base != _TATWEEL:
            raise Unshapeable(unit[0])
        forms = _forms(base)
        if forms is None:
            out.append(unit)
            i += 1
            continue
        prev_joins = i > 0 and _joins_forward(units[i - 1]) and _joins_backward(unit)
        nxt = units[i + 1] if i + 1 < len(units) else None
        if base == _LAM and nxt is not None and ord(nxt[0]) in _LAM_ALEF and _ZWNJ not in unit:
            ligature = _LAM_ALEF[ord(nxt[0])] + (1 if prev_joins else 0)
            out.append(chr(ligature) + unit[1:] + nxt[1:])
            i += 2
            continue
        next_joins = nxt is not None and _joins_forward(unit) and _joins_backward(nxt)
        isolated, final, initial, medial = forms
        if prev_joins and next_joins and medial is not None:
            form = medial
        elif prev_joins and final is not None:
            form = final
        elif next_joins and initial is not None:
            form = initial
        else:
            form = isolated
        out.append(chr(form) + unit[1:].replace(_ZWJ, ""))
        i += 1
    return "".join(out)


def _drop_ignorables(text: str) -> str:
    """Joiners and selectors have done their work once shaped; BASIC layout would draw them."""
    return "".join(ch for ch in text if ord(ch) not in _IGNORABLE)


def basic_visual(run: Run) -> str:
    """A run's characters in left-to-right drawing order for Pillow's BASIC layout."""
    if not run.rtl:
        return _drop_ignorables(run.text)
    shaped = _drop_ignorables(shape_arabic_basic(run.text))
    missing = [ch for ch in shaped if ord(ch) not in coverage(run.font_file)]
    if missing:
        raise Unshapeable(missing[0])
    units = clusters(shaped)
    tokens = [
        (is_number, list(group))
        for is_number, group in groupby(
            units, key=lambda u: unicodedata.bidirectional(u[0]) in _NUMBER_CLASSES
        )
    ]
    parts = []
    for is_number, group in reversed(tokens):
        if is_number:
            parts.append("".join(group))
        else:
            parts.append("".join(_MIRROR.get(u[0], u[0]) + u[1:] for u in reversed(group)))
    return "".join(parts)


# --- measuring, fitting and drawing --------------------------------------------------------


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]  # visual order, left to right
    width: float


@dataclass(frozen=True)
class Block:
    """Fitted text: lines at one size, ready to draw."""

    lines: tuple[Line, ...]
    size: int
    weight: Weight
    rtl: bool
    line_height: int
    engine: ImageFont.Layout

    @property
    def height(self) -> int:
        """From the first line's top (ascender) to the last line's descender."""
        return round(self.size * 1.2) + (len(self.lines) - 1) * self.line_height

    @property
    def width(self) -> float:
        return max((line.width for line in self.lines), default=0.0)


@dataclass(frozen=True)
class TextSpec:
    weight: Weight
    max_size: int
    min_size: int
    wrap_below: int  # one line is tried down to this size, then wrapping starts
    max_lines: int = 2
    line_spacing: float = 1.22


def _run_width(run: Run, weight: Weight, size: int, engine: ImageFont.Layout) -> float:
    face = font(run.font_file, size, engine)
    stroke = _stroke(run.font_file, weight, size)
    if engine == ImageFont.Layout.RAQM:
        width = face.getlength(run.text, direction="rtl" if run.rtl else "ltr")
    else:
        width = face.getlength(basic_visual(run))
    return width + 2 * stroke


def make_line(
    text: str, weight: Weight, size: int, engine: ImageFont.Layout, rtl_paragraph: bool
) -> Line:
    ordered = visual_order(runs(text, weight), rtl_paragraph)
    return Line(tuple(ordered), sum(_run_width(r, weight, size, engine) for r in ordered))


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x9FFF
        or 0xAC00 <= cp <= 0xD7A3
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF
        or 0x20000 <= cp <= 0x3FFFF
    )


def break_points(units: Sequence[str]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Where a line may end: (end of line 1, start of line 2) as cluster indexes.

    Returns (preferred, all): breaks at spaces and after hyphens first, between CJK characters
    only where nothing better exists.
    """
    preferred: list[tuple[int, int]] = []
    others: list[tuple[int, int]] = []
    for i in range(1, len(units)):
        before, after = units[i - 1], units[i]
        if before == " " and i > 1:
            preferred.append((i - 1, i))
        elif before in "-\u2010" and after != " " and i > 1:
            preferred.append((i, i))
        elif (
            (_is_cjk(before[0]) or _is_cjk(after[0]))
            and before != " "
            and after != " "
            and after[0] not in _NO_BREAK_BEFORE
            and before[0] not in _NO_BREAK_AFTER
        ):
            others.append((i, i))
    return preferred, sorted(preferred + others)


def _first_true(count: int, predicate: Callable[[int], bool]) -> int:
    """The smallest index in [0, count) where a monotonic predicate holds (count if none)."""
    lo, hi = 0, count
    while lo < hi:
        mid = (lo + hi) // 2
        if predicate(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _sizes(high: int, low: int) -> list[int]:
    sizes = []
    size = high
    while size > low:
        sizes.append(size)
        size = min(size - 2, int(size * 0.94))
    sizes.append(low)
    return sizes


def fit_text(
    text: str, spec: TextSpec, box_width: int, engine: ImageFont.Layout | None = None
) -> Block:
    """Shrink, then wrap onto at most ``spec.max_lines`` lines, then ellipsize: always fits.

    ``text`` must be clean (:func:`clean_text`) and fully covered (:func:`missing_glyph`).
    """
    engine = engine or layout_engine()
    rtl = is_rtl(text)
    units = clusters(text)

    def line(part: str, size: int) -> Line:
        return make_line(part, spec.weight, size, engine, rtl)

    def block(lines: Sequence[Line], size: int) -> Block:
        spacing = round(size * spec.line_spacing)
        return Block(tuple(lines), size, spec.weight, rtl, spacing, engine)

    def joined(start: int, end: int) -> str:
        return "".join(units[start:end]).strip()

    sizes = _sizes(spec.max_size, spec.min_size)
    for size in sizes:
        if size < spec.wrap_below and spec.max_lines > 1:
            break
        whole = line(text, size)
        if whole.width <= box_width:
            return block([whole], size)
    preferred, every = break_points(units)
    if spec.max_lines > 1:
        for size in (s for s in sizes if s <= spec.wrap_below):
            if line(text, size).width > 2.1 * box_width:
                continue  # cannot fit on two lines at this size
            for candidates in (preferred, every):
                split = _balanced_split(candidates, units, size, box_width, line, joined)
                if split is not None:
                    return block(split, size)
    return block(_ellipsized(units, every, spec, box_width, line, joined), spec.min_size)


def _balanced_split(
    candidates: Sequence[tuple[int, int]],
    units: Sequence[str],
    size: int,
    box_width: int,
    line: Callable[[str, int], Line],
    joined: Callable[[int, int], str],
) -> list[Line] | None:
    if not candidates:
        return None

    def pair(k: int) -> tuple[Line, Line]:
        end, start = candidates[k]
        return line(joined(0, end), size), line(joined(start, len(units)), size)

    def first_wider(k: int) -> bool:
        first, second = pair(k)
        return first.width >= second.width

    crossover = _first_true(len(candidates), first_wider)
    best: tuple[Line, Line] | None = None
    for k in (crossover - 1, crossover):
        if 0 <= k < len(candidates):
            first, second = pair(k)
            fits = first.width <= box_width and second.width <= box_width
            if fits and (best is None or max(first.width, second.width) < best[0].width):
                best = (first, second)
    return list(best) if best else None


def _ellipsized(
    units: Sequence[str],
    candidates: Sequence[tuple[int, int]],
    spec: TextSpec,
    box_width: int,
    line: Callable[[str, int], Line],
    joined: Callable[[int, int], str],
) -> list[Line]:
    size = spec.min_size

    def fitting(start: int, ends: Sequence[int], suffix: str = "") -> int:
        """How many of the (increasing) line ends after ``start`` still fit the box."""
        return _first_true(
            len(ends), lambda k: line(joined(start, ends[k]) + suffix, size).width > box_width
        )

    lines: list[Line] = []
    start = 0
    for _ in range(spec.max_lines - 1):
        usable = [c for c in candidates if c[0] > start]
        count = fitting(start, [end for end, _ in usable])
        if count:
            end, next_start = usable[count - 1]
        else:  # a word longer than the line: break it between clusters
            end = start + max(1, fitting(start, range(start + 1, len(units) + 1)))
            next_start = end
        lines.append(line(joined(start, end), size))
        start = next_start
        rest = line(joined(start, len(units)), size)
        if rest.width <= box_width:
            return [*lines, rest]
    keep = fitting(start, range(start, len(units) + 1), ELLIPSIS)
    lines.append(line(joined(start, start + max(keep - 1, 0)) + ELLIPSIS, size))
    return lines


def draw_block(
    draw: ImageDraw.ImageDraw,
    block: Block,
    *,
    left: int,
    width: int,
    top: int,
    fill: tuple[int, int, int],
    align: Align = "start",
) -> None:
    """Draw ``block`` in the box from ``left`` to ``left + width``, its first line at ``top``."""
    baseline = top + round(block.size * 0.95)
    for line in block.lines:
        if align == "center":
            x = left + (width - line.width) / 2
        elif align == "right" or (align == "start" and block.rtl):
            x = left + width - line.width
        else:
            x = float(left)
        for run in line.runs:
            face = font(run.font_file, block.size, block.engine)
            stroke = _stroke(run.font_file, block.weight, block.size)
            if block.engine == ImageFont.Layout.RAQM:
                text, direction = run.text, ("rtl" if run.rtl else "ltr")
            else:
                text, direction = basic_visual(run), None
            draw.text(
                (x + stroke, baseline),
                text,
                font=face,
                fill=fill,
                anchor="ls",
                direction=direction,
                stroke_width=stroke,
                stroke_fill=fill,
            )
            x += _run_width(run, block.weight, block.size, block.engine)
        baseline += block.line_height


def unsupported(text: str, weight: Weight, engine: ImageFont.Layout | None = None) -> str | None:
    """Why ``text`` (clean) cannot be drawn correctly, or None if it can."""
    ch = missing_glyph(text, weight)
    if ch is not None:
        return f"no bundled font has {describe_char(ch)}"
    if (engine or layout_engine()) == ImageFont.Layout.RAQM:
        return None
    for run in runs(text, weight):
        if not run.rtl:
            continue
        cov = coverage(run.font_file)
        for c in run.text:
            if not _is_arabic_letter(c):
                continue
            forms = _forms(ord(c))
            needed = [f for f in forms or () if f is not None]
            if ord(c) == _LAM:
                needed += [lig + i for lig in _LAM_ALEF.values() for i in (0, 1)]
            if forms is None or any(f not in cov for f in needed):
                return (
                    f"{describe_char(c)} needs text shaping that this Pillow lacks "
                    "(its libraqm layout needs the FriBiDi library)"
                )
    return None
