"""Measuring, fitting (shrink, two balanced lines, an ellipsis) and drawing a text block."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import ImageDraw, ImageFont

from .arabic import _LAM, _LAM_ALEF, _forms, _is_arabic_letter, basic_visual
from .fonts import Align, Weight, _stroke, coverage, font, layout_engine
from .runs import ELLIPSIS, Run, clusters, describe_char, is_rtl, missing_glyph, runs, visual_order

_NO_BREAK_BEFORE = frozenset(
    "、。，．・ー）」』】〉》〕｝！？：；…‥ゝゞヽヾ々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ)]},.!?:;"
)
_NO_BREAK_AFTER = frozenset("（「『【〈《〔｛([{")


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


_NEEDS_SHAPING = (
    "needs text shaping that this Pillow lacks (its libraqm layout needs the FriBiDi library)"
)


def unsupported(text: str, weight: Weight, engine: ImageFont.Layout | None = None) -> str | None:
    """Why ``text`` (clean) cannot be drawn correctly, or None if it can."""
    ch = missing_glyph(text, weight)
    if ch is not None:
        return f"no bundled font has {describe_char(ch)}"
    if (engine or layout_engine()) == ImageFont.Layout.RAQM:
        return None
    # Devanagari's vowel signs and conjuncts are placed by shaping: the BASIC layout misdraws them
    indic = next((c for c in text if 0x0900 <= ord(c) <= 0x097F), None)
    if indic is not None:
        return f"{describe_char(indic)} {_NEEDS_SHAPING}"
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
                return f"{describe_char(c)} {_NEEDS_SHAPING}"
    return None
