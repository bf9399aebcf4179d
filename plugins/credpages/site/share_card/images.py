"""Pictures on a card: the issuer's artwork, decoded or rasterised; a placeholder medal; canvas."""

from __future__ import annotations

import io
import math
import re
from functools import lru_cache

from PIL import Image, ImageDraw, ImageOps

from ...errors import CredpagesError
from ..svg_raster import svg_to_png
from .style import CARD_HEIGHT, CARD_WIDTH, INK, RGB, WHITE, Colours, _mix

MAX_IMAGE_PIXELS = 25_000_000
_SVG_START = re.compile(rb"^(\xef\xbb\xbf)?\s*(<\?xml|<svg|<!--|<!DOCTYPE\s+svg)", re.I)

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
        #: The colours text was drawn in: kept exact in the palette, however few pixels use them.
        self.inks: list[RGB] = []
        #: Every image pasted, and whether it is an issuer's picture (else our placeholder medal).
        self.pasted: list[tuple[Image.Image, bool]] = []

    def paste(self, image: Image.Image, x: int, y: int, *, photo: bool = False) -> None:
        """Paste an RGBA image; ``photo`` marks an issuer's picture, dithered when quantized."""
        self.image.paste(image, (x, y), image)
        self.pasted.append((image, photo))
        if photo:
            self.photos.append(((x, y), image))

    def paste_centred(self, image: Image.Image, cx: int, cy: int, *, photo: bool = False) -> None:
        self.paste(image, cx - image.width // 2, cy - image.height // 2, photo=photo)
