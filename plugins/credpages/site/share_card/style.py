"""What a card shows and its style: card data, brand colours and contrast-safe colours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...config import LAYOUTS, MATERIAL_ACCENT, MATERIAL_PRIMARY, Layout, parse_colour
from ...errors import CredpagesError

CARD_WIDTH, CARD_HEIGHT = 1200, 627

RGB = tuple[int, int, int]


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
    #: The page's language is written right to left (Arabic…): the card is mirrored whatever the
    #: script of the names, as the page is.
    rtl: bool = False


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
