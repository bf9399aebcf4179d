"""Open Graph share cards: a 1200×627 palette PNG per credential, rendered at build time.

A card shows the recipient's name, the achievement's name and badge, the issuer's name and logo
and the issue date, in the issuer's brand colours, in one of two layouts (``classic``: a brand
panel with the badge beside the text; ``minimal``: everything centred on the brand colour). The
layout follows the direction of the card's main text (the recipient's name, else the
achievement's): for a right-to-left name the classic layout is mirrored and every text is
right-aligned, so a card never mixes alignments. Text in any script the bundled fonts cover is
drawn correctly (see ``card_text``); a text with a character no bundled font has is left out and a
warning returned, never drawn as tofu.

Images: the issuer's own artwork, PNG, JPEG or SVG (rasterised offline by ``svg_raster``, external
references removed). Without an image the card shows a placeholder medal in the brand colours; an
image that cannot be drawn also gets the placeholder, with a warning.

The PNG is quantized to a palette (32 colours, fewer if the file would be large; the card's flat
colours exact) and optimised: typically 10–30 KB, never over ``MAX_PNG_BYTES``.
:func:`card_hash` covers everything shown, the style, the bundled fonts and ``CARD_VERSION``, so
a changed card gets a new file name (the build cache, in ``cards``, keys cards by it too).
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, cast

from ...config import LAYOUTS
from .style import (
    CARD_HEIGHT,
    CARD_WIDTH,
    WHITE,
    CardData,
    CardResult,
    CardStyle,
    card_style,
    colours,
)

if TYPE_CHECKING:  # Pillow, the fonts and the layouts load on first use: a build whose
    # cards are all in place (or off) draws nothing and should not pay for them
    from PIL import Image

    from .images import Canvas

__all__ = [
    "CARD_HEIGHT",
    "CARD_VERSION",
    "CARD_WIDTH",
    "LAYOUTS",
    "WHITE",
    "CardData",
    "CardResult",
    "CardStyle",
    "card_hash",
    "card_style",
    "colours",
    "is_card_png",
    "render_card",
    "render_cards",
]

#: Bump when the drawing changes: every card then gets a new hash (and URL).
CARD_VERSION = "4"
MAX_PNG_BYTES = 300 * 1024
#: Above this the card is quantized again with fewer colours.
TARGET_PNG_BYTES = 90 * 1024
PALETTE_COLOURS = (32, 16, 8, 4)  # 4 colours = 2 bits/pixel: < 190 KB whatever the picture
#: A colour on at least this share of a card's pixels is one of its flat colours: kept exact.
FLAT_SHARE = 0.005
PARALLEL_THRESHOLD = 4  # fewer cards than this render faster in-process

# --- encoding, rendering and hashing ----------------------------------------------------------


def _quantize(canvas: Canvas, count: int) -> Image.Image:
    """An octree palette without dithering (crisp text and flat colours), each of the card's
    flat colours (any colour on at least ``FLAT_SHARE`` of the pixels) then made exact in it;
    the issuer's own pictures are re-mapped to that palette with Floyd–Steinberg dithering, so
    gradients in a badge do not band.

    Octree rather than median cut: median cut spends the palette on near-duplicates of the
    large flat areas and leaves edges noisier, so its PNG is larger (the bench site's card:
    20.2 KB against 14.2 KB, ``bench/budgets.py --part bytes``) and it is slower. Octree alone
    rounds colours (white came out #fcfcfc), hence the exact flat colours."""
    from PIL import Image

    rgb = canvas.image
    quantized = rgb.quantize(
        colors=count, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    indices = Image.frombytes("L", quantized.size, quantized.tobytes())
    total = rgb.width * rgb.height
    # (pixel count, (r, g, b, palette index)) for each colour and the index it went to
    pairs = cast(
        "list[tuple[int, tuple[int, int, int, int]]]",
        Image.merge("CMYK", (*rgb.split(), indices)).getcolors(total) or [],
    )
    pixels: dict[tuple[int, int, int], int] = {}
    for n, (r, g, b, _) in pairs:
        pixels[(r, g, b)] = pixels.get((r, g, b), 0) + n
    palette = quantized.getpalette() or []
    exact: set[int] = set()
    for _, (r, g, b, index) in sorted(pairs, reverse=True):  # the most common first
        if pixels[(r, g, b)] >= total * FLAT_SHARE and index not in exact:
            palette[3 * index : 3 * index + 3] = (r, g, b)
            exact.add(index)
    quantized.putpalette(palette)
    for (x, y), photo in canvas.photos:
        box = (x, y, x + photo.width, y + photo.height)
        dithered = rgb.crop(box).quantize(palette=quantized, dither=Image.Dither.FLOYDSTEINBERG)
        opaque = photo.getchannel("A").point(lambda a: 255 if a == 255 else 0)
        quantized.paste(dithered, box[:2], opaque)
    return quantized


def encode_png(canvas: Canvas) -> bytes:
    """A palette PNG: the most colours that stay under the target size, never over the cap."""
    fallback: bytes | None = None
    for count in PALETTE_COLOURS:
        out = io.BytesIO()
        _quantize(canvas, count).save(out, "PNG", compress_level=9)
        data = out.getvalue()
        if len(data) <= TARGET_PNG_BYTES:
            return data
        if fallback is None and len(data) <= MAX_PNG_BYTES:
            fallback = data
    assert fallback is not None, "a 4-colour 1200×627 PNG is always under the cap"
    return fallback


def render_card(card: CardData, style: CardStyle) -> CardResult:
    """Draw one card. Texts that cannot be drawn correctly are left out, with a warning."""
    from .layouts import _LAYOUT_FUNCTIONS

    warnings: list[str] = []
    canvas = _LAYOUT_FUNCTIONS[style.layout](card, colours(style), warnings)
    return CardResult(encode_png(canvas), warnings)


def _image_key(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def card_hash(card: CardData, style: CardStyle) -> str:
    """SHA-256 over what the card shows, its style, the fonts, the layout engine and version."""
    from PIL import ImageFont

    from .. import card_text

    shown = {
        "version": CARD_VERSION,
        "fonts": card_text.fonts_digest(),
        "engine": "raqm" if card_text.layout_engine() == ImageFont.Layout.RAQM else "basic",
        # The text with white space collapsed, not the fully cleaned, clipped text drawn: the
        # card is a function of it, and this is ~50x cheaper on warm builds that only look up.
        "recipient": _hash_text(card.recipient),
        "achievement": _hash_text(card.achievement),
        "issuer": _hash_text(card.issuer),
        "issued": _hash_text(card.issued_date_text),
        "badge": _image_key(card.badge_image),
        "logo": _image_key(card.logo_image),
        "style": [style.layout, style.primary, style.accent],
        **({"rtl": True} if card.rtl else {}),  # absent when False: older hashes stay valid
    }
    payload = json.dumps(shown, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()


def _hash_text(value: str) -> str:
    return " ".join(value.split())


def is_card_png(data: bytes) -> bool:
    """Whether ``data`` is an intact PNG of the card's size (chunks and CRCs checked)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=("PNG",)) as image:
            if image.size != (CARD_WIDTH, CARD_HEIGHT):
                return False
            image.verify()
    except Exception:  # Pillow raises many kinds for a damaged file
        return False
    return True


def _render_job(job: tuple[CardData, CardStyle]) -> CardResult:
    return render_card(*job)


def render_cards(cards: Sequence[tuple[CardData, CardStyle]], workers: int) -> list[CardResult]:
    """Render many cards, spreading them over ``workers``; results keep the input order."""
    jobs = list(cards)
    workers = max(1, min(workers, len(jobs)))
    if workers > 1 and len(jobs) >= PARALLEL_THRESHOLD:
        # gc.enable: forked from a build that paused the cycle collector (see the plugin)
        with ProcessPoolExecutor(max_workers=workers, initializer=gc.enable) as pool:
            chunk = max(1, len(jobs) // (workers * 4))
            return list(pool.map(_render_job, jobs, chunksize=chunk))
    return [render_card(card, style) for card, style in jobs]
