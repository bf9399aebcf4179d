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

The PNG is quantized to a palette (12-16 colours, 32 with an issuer's photo or gradient, fewer
if the file would be large; the card's flat colours and text colours exact) and written
unfiltered at 4 or 8 bits a pixel: typically 5–25 KB, never over ``MAX_PNG_BYTES``.
:func:`card_hash` covers everything shown, the style, the bundled fonts and ``CARD_VERSION``, so
a changed card gets a new file name (the build cache, in ``cards``, keys cards by it too).
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import struct
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
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
CARD_VERSION = "6"
MAX_PNG_BYTES = 300 * 1024
#: Above this the card is quantized again with fewer colours.
TARGET_PNG_BYTES = 90 * 1024
PALETTE_COLOURS = (32, 16, 8, 4)  # 4 colours = 2 bits/pixel: < 190 KB whatever the picture
#: A colour on at least this share of a card's pixels is one of its flat colours: kept exact.
FLAT_SHARE = 0.005
#: A colour on at least this share of a pasted image (an issuer's picture, the placeholder medal)
#: is one of its flat colours: kept exact.
PICTURE_FLAT_SHARE = 0.02
#: A pasted image whose flat colours cover this share of its opaque pixels is flat art: the card
#: then gets 16 colours (4 bits a pixel), else 32 (a gradient badge banded at 16).
FLAT_ART_COVER = 0.8
#: Palette entries a card of flat art gets beyond its exact colours, for anti-aliased edges.
SHADES = 6
#: Colours this close (each channel) are one colour of the palette.
NEAR = 8
PARALLEL_THRESHOLD = 4  # fewer cards than this render faster in-process
CARD_CHUNK = 16  # cards a worker draws per task: a task's results are sent back whole

# --- encoding, rendering and hashing ----------------------------------------------------------


@dataclass(frozen=True)
class _Exact:
    """The colours a card's palette keeps exact, and whether its pictures are flat art."""

    colours: list[tuple[int, int, int]]
    flat_pictures: bool


def _exact_colours(canvas: Canvas) -> _Exact:
    """The card's flat colours (any colour on at least ``FLAT_SHARE`` of the pixels, the most
    common first), the colours its text was drawn in, and each pasted image's own flat colours
    (``PICTURE_FLAT_SHARE`` of it: the placeholder medal's ribbon, a logo's small yellow dot)
    unless it is an issuer's picture that is not flat art: a photograph or a gradient, whose
    flat colours cover less than ``FLAT_ART_COVER`` of its opaque pixels."""
    rgb = canvas.image
    total = rgb.width * rgb.height
    used = cast("list[tuple[int, tuple[int, int, int]]]", rgb.getcolors(total) or [])
    present = {colour for _, colour in used}
    chosen = [colour for n, colour in sorted(used, reverse=True) if n >= total * FLAT_SHARE]
    chosen += [ink for ink in canvas.inks if ink in present]
    flat_pictures = True
    for image, photo in canvas.pasted:
        area = image.width * image.height
        counts = cast("list[tuple[int, tuple[int, int, int, int]]]", image.getcolors(area) or [])
        opaque = [(n, (r, g, b)) for n, (r, g, b, a) in counts if a == 255]
        own = [(n, c) for n, c in sorted(opaque, reverse=True) if n >= area * PICTURE_FLAT_SHARE]
        if photo and sum(n for n, _ in own) < FLAT_ART_COVER * sum(n for n, _ in opaque):
            flat_pictures = False  # the octree's colours serve it better
        else:
            chosen += [c for _, c in own if c in present]
    distinct: list[tuple[int, int, int]] = []
    for colour in chosen:  # a resized medal's edge shades of its own colour are not new colours
        if not any(_near(colour, kept) for kept in distinct):
            distinct.append(colour)
    return _Exact(distinct, flat_pictures)


def _near(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) <= NEAR


def _quantize(canvas: Canvas, count: int, exact: _Exact | None = None) -> Image.Image:
    """A palette of ``count`` colours without dithering (crisp text and flat colours): first
    the exact colours (``_exact_colours``), then an octree palette's most used colours that are
    not near one of those; every pixel then takes its nearest colour. The issuer's own pictures
    are re-mapped to that palette with Floyd–Steinberg dithering, so gradients in a badge do
    not band.

    Octree rather than median cut: median cut spends the palette on near-duplicates of the
    large flat areas and leaves edges noisier, so its PNG is larger (the bench site's card:
    20.2 KB against 14.2 KB, ``bench/budgets.py --part bytes``) and it is slower. Octree alone
    rounds colours (white came out #fcfcfc) and merges a small text's colour into its
    background (grey text on white vanished at 16 colours), hence the exact colours first."""
    from PIL import Image

    rgb = canvas.image
    chosen = list((exact or _exact_colours(canvas)).colours)
    octree = rgb.quantize(colors=count, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    octree_palette = octree.getpalette() or []
    indices = cast("list[tuple[int, int]]", octree.getcolors(count) or [])
    for _, index in sorted(indices, reverse=True):  # the most used first
        colour = cast("tuple[int, int, int]", tuple(octree_palette[3 * index : 3 * index + 3]))
        if not any(_near(colour, c) for c in chosen):
            chosen.append(colour)
    chosen = chosen[:count]
    palette = [channel for colour in chosen for channel in colour]
    holder = Image.new("P", (1, 1))
    holder.putpalette(palette)
    quantized = rgb.quantize(palette=holder, dither=Image.Dither.NONE)
    for (x, y), photo in canvas.photos:
        box = (x, y, x + photo.width, y + photo.height)
        dithered = rgb.crop(box).quantize(palette=holder, dither=Image.Dither.FLOYDSTEINBERG)
        opaque = photo.getchannel("A").point(lambda a: 255 if a == 255 else 0)
        quantized.paste(dithered, box[:2], opaque)
    quantized.putpalette(palette)  # exactly these colours: 16 or fewer are written 4 bits a pixel
    highest = cast("tuple[int, int]", quantized.getextrema())[1]
    assert highest < len(chosen), "a pixel outside the palette"
    return quantized


def _png(image: Image.Image) -> bytes:
    """``image`` (mode P) as a PNG: 1, 2, 4 or 8 bits a pixel as its palette needs, every row
    unfiltered, zlib level 9. Pillow's writer filters the rows of a 16-colour image (adaptive
    filters), which costs palette data ~15%; filter 0 is what palette images compress best with."""
    palette = image.getpalette() or []
    colours = len(palette) // 3
    bits = next(b for b in (1, 2, 4, 8) if colours <= 1 << b)
    raw = image.tobytes("raw", "P" if bits == 8 else f"P;{bits}")
    stride = (image.width * bits + 7) // 8
    rows = b"".join(b"\0" + raw[y : y + stride] for y in range(0, len(raw), stride))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", image.width, image.height, bits, 3, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"PLTE", bytes(palette)),
            chunk(b"IDAT", zlib.compress(rows, 9)),
            chunk(b"IEND", b""),
        )
    )


def encode_png(canvas: Canvas) -> bytes:
    """A palette PNG: the most colours that stay under the target size, never over the cap.
    A card of text and flat art (the placeholder medal, a flat logo) gets its exact colours and
    ``SHADES`` more for anti-aliased edges, 12 to 16 in all, 4 bits a pixel (the bench site's
    card: 12.1 KB at 16, 11.0 KB at 12, its text as crisp to the eye); a card with an issuer's
    picture that is not flat art (a photo, a gradient) gets 32, as a gradient bands at 16."""
    fallback: bytes | None = None
    exact = _exact_colours(canvas)
    flat = (min(16, max(12, len(exact.colours) + SHADES)), *PALETTE_COLOURS[2:])
    for count in flat if exact.flat_pictures else PALETTE_COLOURS:
        data = _png(_quantize(canvas, count, exact))
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


def render_cards(cards: Sequence[tuple[CardData, CardStyle]], workers: int) -> Iterator[CardResult]:
    """Render many cards, spreading them over ``workers``; results come in the input order as
    they are drawn (never all at once: 35,000 personal cards are ~700 MB of PNG)."""
    jobs = list(cards)
    workers = max(1, min(workers, len(jobs)))
    if workers > 1 and len(jobs) >= PARALLEL_THRESHOLD:
        # gc.enable: forked from a build that paused the cycle collector (see the plugin)
        with ProcessPoolExecutor(max_workers=workers, initializer=gc.enable) as pool:
            chunk = max(1, min(CARD_CHUNK, len(jobs) // (workers * 4)))
            yield from pool.map(_render_job, jobs, chunksize=chunk)
        return
    for card, style in jobs:
        yield render_card(card, style)
