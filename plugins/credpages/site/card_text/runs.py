"""Text cleaning, grapheme clusters, per-font runs and bidi visual order."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from .fonts import FONT_CHAINS, Weight, coverage

ELLIPSIS = "…"
_RTL_CLASSES = frozenset({"R", "AL"})
_STRONG_CLASSES = frozenset({"L", "R", "AL"})
_NUMBER_CLASSES = frozenset({"EN", "AN"})
#: Invisible characters that may be dropped where the chosen font lacks them (joiners, selectors).
_IGNORABLE = frozenset({0x200C, 0x200D, *range(0xFE00, 0xFE10), 0x00AD})
#: Explicit bidi controls: hostile in names (they reorder what follows), dropped when cleaning.
_BIDI_CONTROLS = frozenset({0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)})


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
