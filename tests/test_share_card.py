"""Share cards: size, file size, every script drawn (never tofu), fitting, hashing and the cache."""

from __future__ import annotations

import io
import statistics
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat

from credpages.errors import CredpagesError
from credpages.site import card_text, share_card
from credpages.site.cache import BuildCache, key_maker
from credpages.site.cards import cached_cards
from credpages.site.share_card import (
    CARD_HEIGHT,
    CARD_WIDTH,
    CardData,
    CardStyle,
    card_hash,
    card_style,
    layouts,
    render_card,
    render_cards,
)
from credpages.site.share_card.style import INK, MUTED

NAMES = {
    "latin": "Zoë Łukasiewicz-Ñúñez",
    "cyrillic": "Анна Каренина",
    "greek": "Αλέξανδρος Παπαδόπουλος",
    "chinese": "王芳",
    "japanese": "山田 はなこ",
    "korean": "김민준",
    "arabic": "فاطمة الزهراء",
    "hebrew": "דוד בן-גוריון",
}
# (left, top, right, bottom) of where each layout puts the recipient's name
NAME_REGION = {"classic": (516, 130, 1136, 510), "minimal": (110, 250, 1090, 515)}


def png_bytes(image: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def gradient_badge() -> bytes:
    """A round badge with smooth gradients, the hardest kind of image for a palette."""
    size = 400
    ramp = Image.linear_gradient("L").resize((size, size))
    rgb = Image.merge("RGB", (ramp, ramp.rotate(90), Image.new("L", (size, size), 170)))
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).ellipse((8, 8, size - 8, size - 8), fill=255)
    badge = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    badge.paste(rgb, (0, 0), mask)
    return png_bytes(badge)


def photo_jpeg() -> bytes:
    noise = Image.effect_noise((320, 240), 40).convert("RGB")
    tint = Image.new("RGB", (320, 240), (40, 110, 180))
    return png_bytes(Image.blend(noise, tint, 0.6), "JPEG")


def flat_logo() -> bytes:
    logo = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.rounded_rectangle((0, 0, 299, 99), radius=20, fill=(20, 60, 140, 255))
    draw.ellipse((20, 20, 80, 80), fill=(255, 200, 0, 255))
    return png_bytes(logo)


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'


def card(**fields: object) -> CardData:
    values: dict[str, object] = {
        "recipient": "Ada Lovelace",
        "achievement": "Python Basics",
        "issuer": "Example Academy",
        "issued_date_text": "28 November 2026",
        "badge_image": None,
        "logo_image": None,
    }
    values.update(fields)
    return CardData(**values)  # type: ignore[arg-type]


def image_of(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png))


def region(png: bytes, box: tuple[int, int, int, int]) -> Image.Image:
    return image_of(png).convert("RGB").crop(box)


def differs(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b).getbbox() is not None


def only_colour(image: Image.Image, colour: tuple[int, int, int]) -> bool:
    return image.getcolors(maxcolors=1 << 16) == [(image.width * image.height, colour)]


@pytest.fixture
def basic_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow without libraqm: the fallback shaping and bidi in card_text."""
    monkeypatch.setattr(card_text.fonts, "raqm_available", lambda: False)


# --- size and format ---------------------------------------------------------------------------


@pytest.mark.parametrize("layout", share_card.LAYOUTS)
@pytest.mark.parametrize("badge", [None, SVG, b"png", b"jpeg"], ids=["none", "svg", "png", "jpeg"])
def test_card_is_a_1200x627_palette_png_under_the_cap(layout: str, badge: bytes | None) -> None:
    data = {b"png": gradient_badge(), b"jpeg": photo_jpeg()}.get(badge or b"", badge)
    result = render_card(card(badge_image=data, logo_image=flat_logo()), CardStyle(layout=layout))  # type: ignore[arg-type]
    image = image_of(result.png)
    assert image.format == "PNG" and image.mode == "P"
    assert image.size == (CARD_WIDTH, CARD_HEIGHT)
    assert len(result.png) < 300 * 1024
    assert result.warnings == []


def a_dozen_varied_cards() -> list[tuple[CardData, CardStyle]]:
    """Names in many scripts, long texts, every badge kind, six styles (bench/budgets.py too)."""
    badge, photo, logo = gradient_badge(), photo_jpeg(), flat_logo()
    styles = [
        CardStyle("indigo", "pink", "classic"),
        CardStyle("#00897b", "amber", "minimal"),
        CardStyle("deep purple", "lime", "classic"),
        CardStyle("black", "cyan", "minimal"),
        CardStyle("white", "indigo", "minimal"),
        CardStyle("#fc0", "#333", "classic"),
    ]
    cards = [
        card(recipient=name, badge_image=[badge, photo, None, SVG][i % 4], logo_image=logo)
        for i, name in enumerate(NAMES.values())
    ]
    cards += [
        card(recipient="Maria Magdalena von Habsburg-Lothringen " * 3, badge_image=badge),
        card(achievement="Advanced Certificate in Applied Machine Learning " * 2),
        card(issuer="Ευρωπαϊκό Ινστιτούτο Τεχνολογίας", logo_image=photo),
        card(recipient="山田太郎", issued_date_text="2026年11月28日", badge_image=photo),
    ]
    return [(c, styles[i % len(styles)]) for i, c in enumerate(cards)]


def test_a_dozen_varied_cards_stay_under_the_cap() -> None:
    """Their mean size (budget 50 KB) is printed by bench/budgets.py."""
    sizes = [len(render_card(c, style).png) for c, style in a_dozen_varied_cards()]
    assert len(sizes) == 12
    assert max(sizes) < 300 * 1024, sizes


def test_the_size_fallback_stays_under_the_cap_with_a_noise_badge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    noise = Image.effect_noise((600, 600), 128).convert("RGB")
    monkeypatch.setattr(share_card, "TARGET_PNG_BYTES", 0)  # force the fewer-colours path
    result = render_card(card(badge_image=png_bytes(noise)), CardStyle())
    assert len(result.png) < 300 * 1024
    four = share_card._quantize(layouts._classic(card(), share_card.colours(CardStyle()), []), 4)
    assert len(png_bytes(four)) < 300 * 1024 and len(four.getpalette() or []) <= 4 * 3


def test_a_card_of_text_and_flat_art_is_12_to_16_colours_with_its_text_colours_exact() -> None:
    """4 bits a pixel (the bench card: 14.3 KB at 32 colours, 11.0 KB at 12), yet every text
    keeps its own colour: octree alone put the grey issuer name and date in white's slot."""
    style = CardStyle("indigo", "pink", "classic")
    png = render_card(card(logo_image=flat_logo()), style).png
    assert png[24] == 4  # IHDR bit depth
    image = image_of(png)
    palette = image.getpalette() or []
    assert 12 * 3 <= len(palette) <= 16 * 3
    colours = {tuple(palette[i : i + 3]) for i in range(0, len(palette), 3)}
    ink = share_card.colours(style)
    assert {INK, MUTED, ink.brand_text, ink.primary, ink.accent, (255, 200, 0)} <= colours
    issuer_text = region(png, (600, 60, 900, 120))  # "Example Academy", grey on white
    assert MUTED in {c for _, c in issuer_text.getcolors(1 << 16) or []}


def test_a_card_with_a_gradient_or_photo_keeps_32_colours() -> None:
    """A gradient badge bands at 16 colours: an issuer's picture that is not flat art gets 32."""
    for badge in (gradient_badge(), photo_jpeg()):
        png = render_card(card(badge_image=badge), CardStyle()).png
        assert png[24] == 8 and 16 * 3 < len(image_of(png).getpalette() or []) <= 32 * 3


@pytest.mark.parametrize("count", [2, 4, 16, 32])
def test_the_png_writer_packs_each_palette_size_losslessly(count: int) -> None:
    canvas = layouts._classic(
        card(badge_image=gradient_badge()), share_card.colours(CardStyle()), []
    )
    quantized = share_card._quantize(canvas, count)
    png = share_card._png(quantized)
    assert png[24] == {2: 1, 4: 2, 16: 4, 32: 8}[count]
    decoded = image_of(png)
    assert decoded.convert("RGB").tobytes() == quantized.convert("RGB").tobytes()
    assert share_card.is_card_png(png)


# --- scripts, missing glyphs and fitting -------------------------------------------------------


@pytest.mark.parametrize("layout", share_card.LAYOUTS)
@pytest.mark.parametrize("script", list(NAMES))
def test_a_name_in_every_script_is_drawn_without_warning(script: str, layout: str) -> None:
    style = CardStyle(layout=layout)  # type: ignore[arg-type]
    with_name = render_card(card(recipient=NAMES[script]), style)
    without = render_card(card(recipient=""), style)
    assert with_name.warnings == []
    box = NAME_REGION[layout]
    assert differs(region(with_name.png, box), region(without.png, box))


@pytest.mark.parametrize("script", list(NAMES))
def test_without_raqm_every_script_is_still_drawn(basic_layout: None, script: str) -> None:
    with_name = render_card(card(recipient=NAMES[script]), CardStyle())
    without = render_card(card(recipient=""), CardStyle())
    assert with_name.warnings == []
    box = NAME_REGION["classic"]
    assert differs(region(with_name.png, box), region(without.png, box))


def _ink(png: bytes) -> Image.Image:
    return region(png, NAME_REGION["classic"]).convert("L").point(lambda v: 255 if v < 128 else 0)


@pytest.mark.skipif(not card_text.raqm_available(), reason="needs Pillow with libraqm")
@pytest.mark.parametrize("name", ["محمد علي الحسيني", "پریسا گلی‌زاده", "דוד בן-גוריון (2)"])
def test_the_fallback_draws_right_to_left_names_like_raqm(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    shaped = _ink(render_card(card(recipient=name, achievement=""), CardStyle()).png)
    monkeypatch.setattr(card_text.fonts, "raqm_available", lambda: False)
    fallback = _ink(render_card(card(recipient=name, achievement=""), CardStyle()).png)
    both = ImageChops.logical_and(shaped.convert("1"), fallback.convert("1")).histogram()[-1]
    either = ImageChops.logical_or(shaped.convert("1"), fallback.convert("1")).histogram()[-1]
    assert both / either > 0.8  # same letters, same joined forms, same order
    a, b = shaped.getbbox(), fallback.getbbox()
    assert a is not None and b is not None
    assert all(abs(x - y) <= 4 for x, y in zip(a, b, strict=True))


@pytest.mark.skipif(not card_text.raqm_available(), reason="needs Pillow with libraqm")
def test_a_hindi_name_and_date_are_drawn() -> None:
    """A Hindi site's card: its date in Hindi and a Devanagari name (Noto Sans Devanagari)."""
    hindi = render_card(card(recipient="अनन्या शर्मा", issued_date_text="15 सितंबर 2026"), CardStyle())
    assert hindi.warnings == []
    without = render_card(card(recipient="", issued_date_text="15 सितंबर 2026"), CardStyle())
    box = NAME_REGION["classic"]
    assert differs(region(hindi.png, box), region(without.png, box))


def test_the_fallback_refuses_devanagari_it_cannot_shape(basic_layout: None) -> None:
    """Vowel signs and conjuncts need shaping: left out with a warning, never misdrawn."""
    result = render_card(card(recipient="अनन्या शर्मा"), CardStyle())
    assert len(result.warnings) == 1
    assert "U+0905" in result.warnings[0] and "shaping" in result.warnings[0]


def test_the_fallback_refuses_arabic_letters_it_cannot_shape(basic_layout: None) -> None:
    result = render_card(card(recipient="ڤيكتور"), CardStyle())  # U+06A4 VEH: no forms table
    assert len(result.warnings) == 1 and "U+06A4" in result.warnings[0]


@pytest.mark.parametrize(
    "odd",
    ["\U0001f9ff", "\ue000", "\U0001fffd", "สมชาย"],
    ids=["emoji", "private-use", "unassigned-astral", "thai"],
)
def test_a_name_with_a_character_no_font_has_is_left_out_with_a_warning(odd: str) -> None:
    result = render_card(card(recipient=f"Ada {odd} Lovelace"), CardStyle())
    assert len(result.warnings) == 1
    assert "recipient name" in result.warnings[0] and "U+" in result.warnings[0]
    left_out = render_card(card(recipient=""), CardStyle())
    assert image_of(result.png).tobytes() == image_of(left_out.png).tobytes()


def test_other_fields_with_missing_glyphs_are_left_out_too() -> None:
    result = render_card(card(achievement="Python \U0001f40d", issuer="\ue000"), CardStyle())
    assert [w.split(" is left out")[0] for w in result.warnings] == [
        "the issuer name",
        "the achievement name",
    ]


@pytest.mark.parametrize("layout", share_card.LAYOUTS)
@pytest.mark.parametrize(
    "name",
    [
        "Maria Magdalena Augusta von Habsburg-Lothringen und Sachsen " * 6,
        "W" * 300,
        "王" * 300,
        "فاطمة " * 50,
    ],
    ids=["words", "one-word", "cjk", "arabic"],
)
def test_a_300_character_name_stays_inside_the_card(name: str, layout: str) -> None:
    name = name[:300]
    style = CardStyle(layout=layout)  # type: ignore[arg-type]
    result = render_card(card(recipient=name, achievement=name), style)
    assert result.warnings == []
    rgb = image_of(result.png).convert("RGB")
    colours = share_card.colours(style)
    if layout == "classic":  # the margin away from the panel stays white, top to bottom
        rtl = card_text.is_rtl(name)
        margin = (0, 0, 63, CARD_HEIGHT) if rtl else (1137, 0, CARD_WIDTH, CARD_HEIGHT)
        assert only_colour(rgb.crop(margin), share_card.WHITE)
    else:  # the side margins beside the name and achievement stay the brand colour
        assert only_colour(rgb.crop((0, 230, 105, 520)), colours.primary)
        assert only_colour(rgb.crop((1095, 230, CARD_WIDTH, 520)), colours.primary)


@pytest.mark.parametrize("weight", ["bold", "regular"])
def test_fitting_shrinks_then_wraps_then_ellipsizes(weight: card_text.Weight) -> None:
    spec = card_text.TextSpec(weight, max_size=60, wrap_below=48, min_size=30)
    short = card_text.fit_text("Ada Lovelace", spec, 600)
    assert (short.size, len(short.lines)) == (60, 1)
    medium = card_text.fit_text("Augusta Ada King, Countess of Lovelace", spec, 600)
    assert len(medium.lines) == 2 and medium.size <= 48
    long = card_text.fit_text("Augusta Ada King " * 20, spec, 600)
    assert len(long.lines) == 2 and long.size == 30
    assert long.lines[-1].runs[-1].text.endswith(card_text.ELLIPSIS)
    for block in (short, medium, long):
        assert all(line.width <= 600 for line in block.lines)


# --- images ---------------------------------------------------------------------------------


def svg_art(colour: str, shape: str = "circle") -> bytes:
    """Issuer artwork as SVG: one shape in one colour, filling its 100×100 box."""
    body = (
        f'<circle cx="50" cy="50" r="50" fill="{colour}"/>'
        if shape == "circle"
        else f'<path d="M50 0 100 100H0z" fill="{colour}"/>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">{body}</svg>'
    ).encode()


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.parametrize("layout", ["classic", "minimal"])
def test_an_svg_badge_and_an_svg_logo_are_drawn_on_the_card(layout: str) -> None:
    badge = svg_art("#e65100")
    logo = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100">'
        b'<rect width="200" height="100" fill="#2e7d32"/></svg>'
    )
    result = render_card(card(badge_image=badge, logo_image=logo), CardStyle(layout=layout))  # type: ignore[arg-type]
    assert result.warnings == []
    rgb = image_of(result.png).convert("RGB")
    badge_centre, logo_at = {
        "classic": ((220, 313), (516 + 40, 64 + 26)),
        "minimal": ((600, 136), None),
    }[layout]
    assert near(rgb.getpixel(badge_centre), (0xE6, 0x51, 0x00))
    if logo_at is not None:
        assert near(rgb.getpixel(logo_at), (0x2E, 0x7D, 0x32))
    else:  # the logo leads the issuer row at the bottom: some of its green is there
        row = rgb.crop((0, CARD_HEIGHT - 100, CARD_WIDTH, CARD_HEIGHT - 30))
        assert any(near(c, (0x2E, 0x7D, 0x32)) for _, c in row.getcolors(1 << 16) or [])


def test_cards_of_two_achievements_with_different_artwork_differ_in_the_artwork() -> None:
    circle = render_card(card(badge_image=svg_art("#1565c0")), CardStyle())
    triangle = render_card(card(badge_image=svg_art("#c62828", "triangle")), CardStyle())
    artwork, text = (60, 150, 380, 480), (516, 130, 1136, 600)

    def mean_difference(box: tuple[int, int, int, int]) -> float:
        diff = ImageChops.difference(region(circle.png, box), region(triangle.png, box))
        return statistics.fmean(ImageStat.Stat(diff).mean)

    # the artwork differs; the text beside it only by palette rounding of its anti-aliasing
    assert mean_difference(artwork) > 20 and mean_difference(text) < 1
    # and neither is the placeholder medal
    medal = render_card(card(), CardStyle())
    assert differs(region(circle.png, artwork), region(medal.png, artwork))


def test_an_svg_that_cannot_be_drawn_gets_the_placeholder_and_a_warning() -> None:
    result = render_card(
        card(badge_image=b"<svg xmlns='http://www.w3.org/2000/svg'><g>"), CardStyle()
    )
    assert len(result.warnings) == 1
    assert "badge image" in result.warnings[0] and "SVG" in result.warnings[0]
    assert result.png == render_card(card(), CardStyle()).png


def ink_bands(png: bytes, columns: tuple[int, int]) -> list[tuple[int, int]]:
    """(leftmost, rightmost) ink column of each horizontal band of text between ``columns``."""
    rgb = image_of(png).convert("L").crop((columns[0], 0, columns[1], CARD_HEIGHT))
    ink = rgb.point(lambda v: 255 if v < 200 else 0)
    bands: list[tuple[int, int]] = []
    inside: tuple[int, int] | None = None
    for y in range(CARD_HEIGHT):
        box = ink.crop((0, y, ink.width, y + 1)).getbbox()
        if box is None:
            if inside is not None:
                bands.append(inside)
                inside = None
            continue
        span = (box[0] + columns[0], box[2] + columns[0])
        inside = span if inside is None else (min(inside[0], span[0]), max(inside[1], span[1]))
    return bands


def test_a_right_to_left_name_mirrors_the_card_and_aligns_every_text_right() -> None:
    style = CardStyle()
    primary = share_card.colours(style).primary
    ltr = render_card(card(recipient="Ada Lovelace"), style).png
    rtl = render_card(card(recipient="فاطمة الزهراء"), style).png
    assert image_of(ltr).convert("RGB").getpixel((100, 40)) == primary
    assert image_of(rtl).convert("RGB").getpixel((CARD_WIDTH - 100, 40)) == primary
    # header (logo + issuer), name, achievement and date: one edge shared by all, the other not
    left_bands = ink_bands(ltr, (460, CARD_WIDTH))
    right_bands = ink_bands(rtl, (0, CARD_WIDTH - 460))
    assert len(left_bands) >= 4 and len(right_bands) >= 4
    assert max(b[0] for b in left_bands) - min(b[0] for b in left_bands) <= 6
    assert max(b[1] for b in right_bands) - min(b[1] for b in right_bands) <= 6
    assert max(b[0] for b in right_bands) - min(b[0] for b in right_bands) > 100


def test_a_right_to_left_page_language_mirrors_a_card_with_latin_names() -> None:
    """An Arabic page's card reads right to left like its page, whatever the names' script."""
    style = CardStyle()
    primary = share_card.colours(style).primary
    ltr = card(recipient="Ada Lovelace")
    rtl = card(recipient="Ada Lovelace", rtl=True)
    assert (
        image_of(render_card(rtl, style).png).convert("RGB").getpixel((CARD_WIDTH - 100, 40))
        == primary
    )
    assert image_of(render_card(ltr, style).png).convert("RGB").getpixel((100, 40)) == primary
    assert card_hash(rtl, style) != card_hash(ltr, style)


def test_an_unreadable_badge_gets_the_placeholder_and_a_warning() -> None:
    result = render_card(card(badge_image=b"\x89PNG\r\n\x1a\nbroken"), CardStyle())
    assert len(result.warnings) == 1 and "badge image" in result.warnings[0]
    assert result.png == render_card(card(), CardStyle()).png


def test_a_png_badge_is_drawn() -> None:
    drawn = render_card(card(badge_image=gradient_badge()), CardStyle())
    placeholder = render_card(card(), CardStyle())
    assert differs(
        region(drawn.png, (60, 150, 380, 480)), region(placeholder.png, (60, 150, 380, 480))
    )


# --- style ---------------------------------------------------------------------------------


def test_style_accepts_material_names_and_hex_colours() -> None:
    style = card_style({"primary": "Deep Purple", "accent": "#F0A", "layout": "minimal"})
    assert (style.primary, style.accent, style.layout) == ("#7e56c2", "#ff00aa", "minimal")
    assert CardStyle().primary == "#4051b5"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"primary": "blurple"}, "share_cards.primary"),
        ({"accent": "#12345"}, "share_cards.accent"),
        ({"layout": "fancy"}, "share_cards.layout"),
        ({"colour": "red"}, "share_cards"),
    ],
)
def test_style_errors_name_the_setting(raw: dict[str, str], field: str) -> None:
    with pytest.raises(CredpagesError) as caught:
        card_style(raw)
    assert caught.value.field is not None and caught.value.field.endswith(field)


# --- hash and cache --------------------------------------------------------------------------


def test_the_hash_changes_with_every_shown_field_and_nothing_else() -> None:
    base = card(badge_image=gradient_badge(), logo_image=flat_logo())
    style = CardStyle()
    reference = card_hash(base, style)
    changed = [
        (
            card(recipient="Ada King", badge_image=base.badge_image, logo_image=base.logo_image),
            style,
        ),
        (
            card(achievement="Python II", badge_image=base.badge_image, logo_image=base.logo_image),
            style,
        ),
        (card(issuer="Other", badge_image=base.badge_image, logo_image=base.logo_image), style),
        (
            card(
                issued_date_text="1 Dec", badge_image=base.badge_image, logo_image=base.logo_image
            ),
            style,
        ),
        (card(badge_image=photo_jpeg(), logo_image=base.logo_image), style),
        (card(badge_image=base.badge_image, logo_image=None), style),
        (base, CardStyle(primary="teal")),
        (base, CardStyle(accent="amber")),
        (base, CardStyle(layout="minimal")),
    ]
    hashes = [card_hash(c, s) for c, s in changed]
    assert reference not in hashes and len(set(hashes)) == len(hashes)
    same = card(
        recipient=" Ada\u00a0 Lovelace ",  # the same text once whitespace is collapsed
        badge_image=bytes(base.badge_image or b""),
        logo_image=bytes(base.logo_image or b""),
    )
    assert card_hash(same, CardStyle(primary="Indigo", accent="INDIGO")) == reference
    # an SVG is drawn: what it says is part of the card
    svgs = [card(badge_image=SVG), card(badge_image=svg_art("#000")), card(badge_image=None)]
    assert len({card_hash(c, style) for c in svgs}) == 3


def test_cached_cards_are_reused_without_drawing_and_unusable_entries_drawn_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = b"a-test-secret-of-enough-length-" + b"1" * 32
    jobs = [(card(recipient=n), CardStyle()) for n in ("Ada Lovelace", "Grace Hopper")]
    jobs.append((card(recipient="Ada \U0001f9ff"), CardStyle()))  # with a warning
    jobs.append(jobs[0])  # a duplicate is drawn once, returned twice
    store = BuildCache(tmp_path, secret)
    first = list(cached_cards(jobs, store, workers=1))
    assert store.close() == []
    assert [d for d, _ in first] == [card_hash(c, s) for c, s in jobs]
    assert first[0][1].png == first[3][1].png and len(first[2][1].warnings) == 1

    def must_not_render(*_: object) -> None:
        raise AssertionError("rendered although cached")

    real_render = share_card.render_card
    monkeypatch.setattr(share_card, "render_card", must_not_render)
    store = BuildCache(tmp_path, secret)
    again = list(cached_cards(jobs, store, workers=1))
    assert store.close() == []
    assert [(d, r.png, r.warnings) for d, r in again] == [(d, r.png, r.warnings) for d, r in first]

    rendered: list[str] = []

    def counting(c: CardData, s: CardStyle) -> share_card.CardResult:
        rendered.append(c.recipient)
        return real_render(c, s)

    monkeypatch.setattr(share_card, "render_card", counting)
    store = BuildCache(tmp_path, secret)  # authentic entries (the secret's holder made them)
    key_of = key_maker("card")
    ada, grace = key_of(first[0][0]), key_of(first[1][0])
    store.put("card", ada, b"[]\n" + first[0][1].png[:-40])  # truncated
    store.put("card", grace, b"[]\n" + png_bytes(Image.new("P", (600, 315))))  # not a card
    store.close(prune=False)
    store = BuildCache(tmp_path, secret)
    repaired = list(cached_cards(jobs, store, workers=1))
    assert sorted(rendered) == ["Ada Lovelace", "Grace Hopper"]
    assert [r.png for _, r in repaired] == [r.png for _, r in first]
    assert "ignored 2 entries" in "".join(store.close())


def test_cards_come_as_they_are_drawn_not_all_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build with 35,000 personal cards must not hold ~700 MB of PNG: each card is written
    as it comes, and only one a later job repeats is kept."""
    drawn: list[str] = []
    real_render = share_card.render_card

    def counting(c: CardData, s: CardStyle) -> share_card.CardResult:
        drawn.append(c.recipient)
        return real_render(c, s)

    monkeypatch.setattr(share_card, "render_card", counting)
    jobs = [(card(recipient=n), CardStyle()) for n in ("Ada Lovelace", "Grace Hopper")]
    jobs.append(jobs[0])
    store = BuildCache(tmp_path, b"a-test-secret-of-enough-length-" + b"1" * 32)
    cards = cached_cards(jobs, store, workers=1)
    first_hash, first = next(cards)
    assert drawn == ["Ada Lovelace"] and first_hash == card_hash(*jobs[0])
    assert [r.png for _, r in cards] == [real_render(*jobs[1]).png, first.png]
    assert drawn == ["Ada Lovelace", "Grace Hopper"]  # the repeat was held, not drawn again
    store.close()


def test_parallel_rendering_gives_the_same_cards_in_order() -> None:
    jobs = [(card(recipient=name), CardStyle()) for name in NAMES.values()]
    parallel = list(render_cards(jobs, workers=2))
    serial = list(render_cards(jobs, workers=1))
    assert [r.png for r in parallel] == [r.png for r in serial]


@pytest.mark.parametrize("layout", ["classic", "minimal"])
def test_an_achievements_own_card_makes_its_name_the_headline(layout: str) -> None:
    style = CardStyle(layout=layout)  # type: ignore[arg-type]
    area = NAME_REGION[layout]

    def tallest_line(recipient: str) -> int:
        png = render_card(card(recipient=recipient, issued_date_text=""), style).png
        grey = image_of(png).convert("L").crop(area)
        if layout == "minimal":  # light text on the brand colour
            grey = ImageOps.invert(grey)
        ink = grey.point(lambda v: 255 if v < 128 else 0)
        runs, run = [0], 0
        for y in range(ink.height):
            run = run + 1 if ink.crop((0, y, ink.width, y + 1)).getbbox() else 0
            runs.append(run)
        return max(runs)

    # "Python Basics" alone is drawn about as large as a recipient's name is on their card
    assert tallest_line("") >= 0.8 * tallest_line("Ada Lovelace")
