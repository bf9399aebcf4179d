"""The card layouts (``classic``, ``minimal``) and the writer that places fitted text on them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image

from .. import card_text
from ..card_text import Block, TextSpec, Weight
from .images import Canvas, _contained, _disc, _image, _medal
from .style import (
    CARD_HEIGHT,
    CARD_WIDTH,
    INK,
    MUTED,
    RGB,
    WHITE,
    CardData,
    Colours,
    _mix,
    contrast,
)

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

    def __init__(self, card: CardData, canvas: Canvas, warnings: list[str]) -> None:
        self.card = card
        self.canvas = canvas
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
                self.canvas.draw, block, left=left, width=width, top=top, fill=fill, align=align
            )
            if fill not in self.canvas.inks:
                self.canvas.inks.append(fill)


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
    """The card's direction: right to left for a right-to-left page language, else that of the
    recipient's name, else of the achievement's."""
    main = _shown_text(card.recipient) or _shown_text(card.achievement)
    return card.rtl or card_text.is_rtl(main)


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

    writer = _Writer(card, canvas, warnings)
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

    writer = _Writer(card, canvas, warnings)
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
