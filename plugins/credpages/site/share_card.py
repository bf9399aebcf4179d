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

The PNG is quantized to a palette (64 colours, fewer if the file would be large) and optimised:
typically 20–45 KB, never over ``MAX_PNG_BYTES``. :func:`card_hash` covers everything shown, the
style, the bundled fonts and ``CARD_VERSION``, so a changed card gets a new file name (the
build cache, in ``cards``, keys cards by it too).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps

from ..config import LAYOUTS, MATERIAL_ACCENT, MATERIAL_PRIMARY, Layout, parse_colour
from ..errors import CredpagesError
from . import card_text
from .card_text import Block, TextSpec, Weight
from .svg_raster import svg_to_png

#: Bump when the drawing changes: every card then gets a new hash (and URL).
CARD_VERSION = "3"
CARD_WIDTH, CARD_HEIGHT = 1200, 627
MAX_PNG_BYTES = 300 * 1024
#: Above this the card is quantized again with fewer colours.
TARGET_PNG_BYTES = 90 * 1024
PALETTE_COLOURS = (64, 32, 16, 8, 4)  # 4 colours = 2 bits/pixel: < 190 KB whatever the picture
MAX_IMAGE_PIXELS = 25_000_000
PARALLEL_THRESHOLD = 4  # fewer cards than this render faster in-process

RGB = tuple[int, int, int]

_SVG_START = re.compile(rb"^(\xef\xbb\xbf)?\s*(<\?xml|<svg|<!--|<!DOCTYPE\s+svg)", re.I)

WHITE: RGB = (255, 255, 255)
INK: RGB = (26, 28, 33)
MUTED: RGB = (92, 97, 107)


@dataclass(frozen=True)
class CardStyle:
    """The issuer's look: brand colours (hex or Material names) and one of :data:`LAYOUTS`."""

    primary: str = "indigo"
    accent: str = "indigo"
    layout: Layout = "classic"

    def __post_init__(self) -> None:
        fld = "plugins.credpages.share_cards"
        object.__setattr__(
            self,
            "primary",
            parse_colour(self.primary, palette=MATERIAL_PRIMARY, fld=f"{fld}.primary"),
        )
        object.__setattr__(
            self, "accent", parse_colour(self.accent, palette=MATERIAL_ACCENT, fld=f"{fld}.accent")
        )
        if self.layout not in LAYOUTS:
            raise CredpagesError(
                f"{self.layout!r} is not a layout: use one of {', '.join(LAYOUTS)}",
                field=f"{fld}.layout",
            )


def card_style(raw: Mapping[str, Any] | None) -> CardStyle:
    """The ``share_cards:`` settings (``primary``, ``accent``, ``layout``) as a style."""
    raw = dict(raw or {})
    known = {"primary", "accent", "layout"}
    unknown = set(raw) - known
    if unknown:
        raise CredpagesError(
            f"unknown setting(s) {sorted(unknown)}; known: {sorted(known)}",
            field="plugins.credpages.share_cards",
        )
    return CardStyle(**raw)


@dataclass(frozen=True)
class CardData:
    """What a card shows; images are raw file bytes (PNG, JPEG or SVG; None → placeholder)."""

    recipient: str
    achievement: str
    issuer: str
    issued_date_text: str
    badge_image: bytes | None = None
    logo_image: bytes | None = None


@dataclass
class CardResult:
    png: bytes
    warnings: list[str] = field(default_factory=list)


# --- colours ---------------------------------------------------------------------------------


def _rgb(hex_colour: str) -> RGB:
    return (int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16))


def _luminance(colour: RGB) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio, 1 to 21."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _readable_on(background: RGB, colour: RGB, ratio: float = 4.5) -> RGB:
    """``colour`` darkened (or lightened) just enough to read on ``background``."""
    target = INK if _luminance(background) > 0.4 else WHITE
    for step in range(11):
        candidate = _mix(colour, target, step / 10)
        if contrast(candidate, background) >= ratio:
            return candidate
    return target


@dataclass(frozen=True)
class Colours:
    primary: RGB
    accent: RGB
    on_primary: RGB  # text on the primary colour
    brand_text: RGB  # the primary colour, readable on white
    medal: RGB  # the placeholder medal's body, visible on white
    ribbon: RGB


def colours(style: CardStyle) -> Colours:
    primary, accent = _rgb(style.primary), _rgb(style.accent)
    on_primary = WHITE if contrast(WHITE, primary) >= contrast(INK, primary) else INK
    medal = primary if contrast(primary, WHITE) >= 1.5 else _readable_on(WHITE, primary, 3)
    ribbon = accent if contrast(accent, WHITE) >= 1.5 else _readable_on(WHITE, accent, 3)
    if ribbon == medal:
        ribbon = _mix(medal, INK, 0.3)
    return Colours(primary, accent, on_primary, _readable_on(WHITE, primary), medal, ribbon)


# --- images ----------------------------------------------------------------------------------


def is_svg(data: bytes) -> bool:
    return bool(_SVG_START.match(data[:512]))


@lru_cache(maxsize=32)
def _decode(data: bytes) -> tuple[Image.Image | None, str | None]:
    """A PNG/JPEG as RGBA (at most 600 px), or (None, why not); cached per process."""
    try:
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as opened:
            if opened.width * opened.height > MAX_IMAGE_PIXELS:
                return None, f"is too large ({opened.width}×{opened.height} pixels)"
            if opened.format == "JPEG":
                opened.draft("RGB", (600, 600))
            image = ImageOps.exif_transpose(opened).convert("RGBA")
    except Exception as exc:  # damaged files raise many kinds; the card must still render
        return None, f"is not a PNG or JPEG image Pillow can read ({exc})"
    image.thumbnail((600, 600), Image.Resampling.LANCZOS)
    return image, None


#: SVG artwork is drawn this wide, then fitted like a PNG (the largest box on a card is 220 px).
SVG_RASTER_WIDTH = 600


@lru_cache(maxsize=32)
def _rasterise(data: bytes) -> tuple[bytes | None, str | None]:
    """An SVG drawn as PNG bytes, or (None, why not); cached per process (one SVG, many cards)."""
    try:
        return svg_to_png(data, width=SVG_RASTER_WIDTH), None
    except CredpagesError as exc:
        return None, exc.message


def _image(data: bytes | None, label: str, warnings: list[str]) -> Image.Image | None:
    if data is None:
        return None
    if is_svg(data):
        png, problem = _rasterise(data)
        if png is None:
            warnings.append(f"the {label} {problem}; the share card shows a placeholder instead")
            return None
        data = png
    image, problem = _decode(data)
    if problem:
        warnings.append(f"the {label} {problem}: the share card shows a placeholder instead")
    return image


def _contained(image: Image.Image, width: int, height: int) -> Image.Image:
    return ImageOps.contain(image, (width, height), Image.Resampling.LANCZOS)


@lru_cache(maxsize=16)
def _medal(size: int, c: Colours, *, ribbon: bool = True) -> Image.Image:
    """The placeholder: a medal (disc, white ring, star) on a ribbon, drawn 4× and downsampled."""
    s = size * 4
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    cx = s / 2
    cy, radius = (s * 0.40, s * 0.34) if ribbon else (s / 2, s * 0.48)
    if ribbon:
        half = s * 0.11
        for side, colour in ((-1, c.ribbon), (1, _mix(c.ribbon, INK, 0.25))):
            top_x, foot_x, bottom = cx + side * s * 0.05, cx + side * s * 0.21, s * 0.97
            draw.polygon(
                [
                    (top_x - half, cy),
                    (top_x + half, cy),
                    (foot_x + half, bottom),
                    (foot_x, bottom - s * 0.08),
                    (foot_x - half, bottom),
                ],
                fill=colour,
            )
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=c.medal)
    ring = radius * 0.8
    draw.ellipse(
        (cx - ring, cy - ring, cx + ring, cy + ring), outline=WHITE, width=round(radius * 0.07)
    )
    star = [
        (
            cx + r * math.cos(math.radians(-90 + 36 * i)),
            cy + radius * 0.04 + r * math.sin(math.radians(-90 + 36 * i)),
        )
        for i in range(10)
        for r in [radius * (0.5 if i % 2 == 0 else 0.21)]
    ]
    draw.polygon(star, fill=WHITE)
    return img.resize((size, size), Image.Resampling.LANCZOS)


@lru_cache(maxsize=16)
def _disc(diameter: int, colour: RGB) -> Image.Image:
    """An anti-aliased filled circle (RGBA)."""
    big = Image.new("RGBA", (diameter * 4, diameter * 4), (0, 0, 0, 0))
    ImageDraw.Draw(big).ellipse((0, 0, diameter * 4 - 1, diameter * 4 - 1), fill=colour)
    return big.resize((diameter, diameter), Image.Resampling.LANCZOS)


class Canvas:
    """The card being drawn, and where raster images (badge, logo) were pasted."""

    def __init__(self, background: RGB) -> None:
        self.image = Image.new("RGB", (CARD_WIDTH, CARD_HEIGHT), background)
        self.draw = ImageDraw.Draw(self.image)
        self.photos: list[tuple[tuple[int, int], Image.Image]] = []

    def paste(self, image: Image.Image, x: int, y: int, *, photo: bool = False) -> None:
        """Paste an RGBA image; ``photo`` marks an issuer's picture, dithered when quantized."""
        self.image.paste(image, (x, y), image)
        if photo:
            self.photos.append(((x, y), image))

    def paste_centred(self, image: Image.Image, cx: int, cy: int, *, photo: bool = False) -> None:
        self.paste(image, cx - image.width // 2, cy - image.height // 2, photo=photo)


# --- text --------------------------------------------------------------------------------------

MAX_TEXT_CLUSTERS = 400  # longer texts are cut before fitting (they end in an ellipsis anyway)


@dataclass(frozen=True)
class _Field:
    attribute: str
    label: str


_RECIPIENT = _Field("recipient", "recipient name")
_ACHIEVEMENT = _Field("achievement", "achievement name")
_ISSUER = _Field("issuer", "issuer name")
_DATE = _Field("issued_date_text", "issue date")


class _Writer:
    """Checks, fits and draws the card's texts, collecting warnings for texts left out."""

    def __init__(self, card: CardData, draw: ImageDraw.ImageDraw, warnings: list[str]) -> None:
        self.card = card
        self.draw = draw
        self.warnings = warnings
        self.engine = card_text.layout_engine()

    def fit(self, fld: _Field, spec: TextSpec, width: int) -> Block | None:
        text = _shown_text(getattr(self.card, fld.attribute))
        if not text:
            return None
        problem = card_text.unsupported(text, spec.weight, self.engine)
        if problem:
            self.warnings.append(f"the {fld.label} is left out of the share card: {problem}")
            return None
        return card_text.fit_text(text, spec, width, self.engine)

    def put(
        self,
        block: Block | None,
        *,
        left: int,
        width: int,
        top: int,
        fill: RGB,
        align: card_text.Align = "start",
    ) -> None:
        if block is not None:
            card_text.draw_block(
                self.draw, block, left=left, width=width, top=top, fill=fill, align=align
            )


def _shown_text(value: str) -> str:
    text = card_text.clean_text(value)
    units = card_text.clusters(text)
    return "".join(units[:MAX_TEXT_CLUSTERS]) if len(units) > MAX_TEXT_CLUSTERS else text


def _spec(weight: Weight, high: int, wrap: int, low: int, lines: int = 2) -> TextSpec:
    return TextSpec(weight=weight, max_size=high, wrap_below=wrap, min_size=low, max_lines=lines)


def _stack(blocks: Sequence[tuple[Block | None, int]]) -> int:
    """Height of blocks placed one under another with the given gaps before each."""
    present = [(b, gap) for b, gap in blocks if b is not None]
    return sum(b.height for b, _ in present) + sum(gap for _, gap in present[1:])


# --- layouts -----------------------------------------------------------------------------------

MARGIN = 64


def _badge(canvas: Canvas, card: CardData, c: Colours, warnings: list[str], **at: int) -> None:
    """The badge on a white disc of ``disc`` px centred at (``cx``, ``cy``)."""
    cx, cy, disc, inner = at["cx"], at["cy"], at["disc"], at["inner"]
    canvas.paste_centred(_disc(disc, WHITE), cx, cy)
    badge = _image(card.badge_image, "badge image", warnings)
    if badge is not None:
        canvas.paste_centred(_contained(badge, inner, inner), cx, cy, photo=True)
    else:
        canvas.paste_centred(_medal(round(inner * 1.06), c), cx, cy)


def _logo(
    card: CardData, c: Colours, warnings: list[str], box: tuple[int, int]
) -> tuple[Image.Image, bool]:
    """The issuer's logo fitted in ``box`` (and True), or the placeholder (and False)."""
    logo = _image(card.logo_image, "issuer logo", warnings)
    if logo is not None:
        return _contained(logo, *box), True
    return _medal(box[1] - 4, c, ribbon=False), False


def card_is_rtl(card: CardData) -> bool:
    """The card's direction: that of the recipient's name, else of the achievement's."""
    main = _shown_text(card.recipient) or _shown_text(card.achievement)
    return card_text.is_rtl(main)


def _classic(card: CardData, c: Colours, warnings: list[str]) -> Canvas:
    """A brand-colour panel with the badge on a white disc, the text beside it on white: panel
    on the left and text left-aligned, or (right-to-left card) everything mirrored."""
    canvas = Canvas(WHITE)
    rtl = card_is_rtl(card)
    align: card_text.Align = "right" if rtl else "left"

    def span(x0: int, x1: int) -> tuple[int, int]:
        """A horizontal span given for the left-to-right card, as drawn on this one."""
        return (CARD_WIDTH - 1 - x1, CARD_WIDTH - 1 - x0) if rtl else (x0, x1)

    panel = 440
    x0, x1 = span(0, panel - 1)
    canvas.draw.rectangle((x0, 0, x1, CARD_HEIGHT), fill=c.primary)
    x0, x1 = span(panel, panel + 11)
    canvas.draw.rectangle((x0, 0, x1, CARD_HEIGHT), fill=c.accent)
    x0, x1 = span(0, panel - 1)
    _badge(
        canvas, card, c, warnings, cx=(x0 + x1 + 1) // 2, cy=CARD_HEIGHT // 2, disc=316, inner=220
    )

    writer = _Writer(card, canvas.draw, warnings)
    width = CARD_WIDTH - MARGIN - (panel + 12 + MARGIN)
    left = MARGIN if rtl else panel + 12 + MARGIN
    logo, is_photo = _logo(card, c, warnings, (180, 52))
    header_mid = MARGIN + 26
    logo_x = left + width - logo.width if rtl else left
    canvas.paste(logo, logo_x, header_mid - logo.height // 2, photo=is_photo)
    text_width = width - logo.width - 18
    text_left = left if rtl else left + logo.width + 18
    issuer = writer.fit(_ISSUER, _spec("regular", 28, 0, 20, lines=1), text_width)
    if issuer is not None:
        top = header_mid - issuer.height // 2
        writer.put(issuer, left=text_left, width=text_width, top=top, fill=MUTED, align=align)

    date = writer.fit(_DATE, _spec("regular", 26, 0, 18, lines=1), width)
    bottom = CARD_HEIGHT - MARGIN
    if date is not None:
        writer.put(date, left=left, width=width, top=bottom - date.height, fill=MUTED, align=align)

    name = writer.fit(_RECIPIENT, _spec("bold", 68, 52, 34), width)
    # an achievement's own card (no recipient): its name is the headline
    headline = _spec("bold", 68, 52, 34) if name is None else _spec("bold", 38, 32, 24)
    achievement = writer.fit(_ACHIEVEMENT, headline, width)
    area_top, area_bottom = MARGIN + 52 + 28, bottom - 26 - 28
    y = area_top + (area_bottom - area_top - _stack([(name, 0), (achievement, 22)])) // 2
    writer.put(name, left=left, width=width, top=y, fill=INK, align=align)
    if name is not None:
        y += name.height + 22
    writer.put(achievement, left=left, width=width, top=y, fill=c.brand_text, align=align)
    return canvas


def _minimal(card: CardData, c: Colours, warnings: list[str]) -> Canvas:
    """Everything centred on the brand colour, with an accent rule along the bottom."""
    canvas = Canvas(c.primary)
    fg = c.on_primary
    soft = _mix(fg, c.primary, 0.22)
    rule = c.accent if contrast(c.accent, c.primary) >= 1.4 else soft
    canvas.draw.rectangle((0, CARD_HEIGHT - 12, CARD_WIDTH, CARD_HEIGHT), fill=rule)
    cx, badge_mid = CARD_WIDTH // 2, 52 + 84
    _badge(canvas, card, c, warnings, cx=cx, cy=badge_mid, disc=168, inner=116)

    writer = _Writer(card, canvas.draw, warnings)
    side = 110
    width = CARD_WIDTH - 2 * side
    name = writer.fit(_RECIPIENT, _spec("bold", 64, 50, 34), width)
    headline = _spec("bold", 64, 50, 34) if name is None else _spec("regular", 36, 30, 24)
    achievement = writer.fit(_ACHIEVEMENT, headline, width)

    row_mid = CARD_HEIGHT - 12 - 52
    logo, is_photo = _logo(card, c, warnings, (150, 40))
    issuer = writer.fit(_ISSUER, _spec("regular", 24, 0, 18, lines=1), 560)
    date = writer.fit(_DATE, _spec("regular", 24, 0, 18, lines=1), 300)
    parts: list[tuple[str, int]] = [("logo", logo.width)]
    if issuer is not None:
        parts.append(("issuer", round(issuer.width)))
    if date is not None:
        parts += [("dot", 6), ("date", round(date.width))]
    if card_is_rtl(card):
        parts.reverse()  # read right to left: logo, issuer, date from the right
    gap = 16
    x = cx - (sum(w for _, w in parts) + gap * (len(parts) - 1)) // 2
    for kind, w in parts:
        if kind == "logo":
            canvas.paste(logo, x, row_mid - logo.height // 2, photo=is_photo)
        elif kind == "dot":
            canvas.draw.ellipse((x, row_mid - 3, x + 5, row_mid + 2), fill=soft)
        else:
            block = issuer if kind == "issuer" else date
            assert block is not None
            top = row_mid - block.height // 2
            writer.put(block, left=x, width=w, top=top, fill=fg, align="center")
        x += w + gap

    area_top, area_bottom = badge_mid + 84 + 30, row_mid - 22 - 30
    y = area_top + (area_bottom - area_top - _stack([(name, 0), (achievement, 18)])) // 2
    writer.put(name, left=side, width=width, top=y, fill=fg, align="center")
    if name is not None:
        y += name.height + 18
    writer.put(achievement, left=side, width=width, top=y, fill=soft, align="center")
    return canvas


_LAYOUT_FUNCTIONS: dict[str, Callable[[CardData, Colours, list[str]], Canvas]] = {
    "classic": _classic,
    "minimal": _minimal,
}


# --- encoding, rendering and hashing ----------------------------------------------------------


def _quantize(canvas: Canvas, count: int) -> Image.Image:
    """Median-cut palette without dithering (crisp text and flat colours); the issuer's own
    pictures are then re-mapped to that palette with Floyd–Steinberg dithering, so gradients
    in a badge do not band."""
    rgb = canvas.image
    quantized = rgb.quantize(
        colors=count, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
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
    warnings: list[str] = []
    canvas = _LAYOUT_FUNCTIONS[style.layout](card, colours(style), warnings)
    return CardResult(encode_png(canvas), warnings)


def _image_key(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def card_hash(card: CardData, style: CardStyle) -> str:
    """SHA-256 over what the card shows, its style, the fonts, the layout engine and version."""
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
    }
    payload = json.dumps(shown, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()


def _hash_text(value: str) -> str:
    return " ".join(value.split())


def is_card_png(data: bytes) -> bool:
    """Whether ``data`` is an intact PNG of the card's size (chunks and CRCs checked)."""
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
        with ProcessPoolExecutor(max_workers=workers) as pool:
            chunk = max(1, len(jobs) // (workers * 4))
            return list(pool.map(_render_job, jobs, chunksize=chunk))
    return [render_card(card, style) for card, style in jobs]
