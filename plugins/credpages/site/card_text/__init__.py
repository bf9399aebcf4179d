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

from .fit import Block, Line, TextSpec, draw_block, fit_text, unsupported
from .fonts import FONT_DIR, Align, Weight, fonts_digest, layout_engine, raqm_available
from .runs import ELLIPSIS, clean_text, clusters, is_rtl

__all__ = [
    "ELLIPSIS",
    "FONT_DIR",
    "Align",
    "Block",
    "Line",
    "TextSpec",
    "Weight",
    "clean_text",
    "clusters",
    "draw_block",
    "fit_text",
    "fonts_digest",
    "is_rtl",
    "layout_engine",
    "raqm_available",
    "unsupported",
]
