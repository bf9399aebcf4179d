"""Share cards in a real build: the achievement's own artwork (SVG drawn) and the issuer's logo
on every card, and a card of its own for each achievement page."""

from __future__ import annotations

import io
import logging
import random
import statistics
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from credpages.cli.site_config import load_settings
from credpages.config import ShareCards
from credpages.issuer.award_request import make_request
from credpages.issuer.issuing import Issuer
from credpages.issuer.signing import Signer
from credpages.site import cards, publish
from credpages.site.cards import (
    PAGE_BYTES_BESIDES_JSON,
    PERSONAL_CARD_BYTES,
    card_options,
    card_scope,
)
from htmltree import parse
from test_site_build import ACHIEVEMENT, award, make_site, run_build

BLUE, RED, GREEN = (0x15, 0x65, 0xC0), (0xC6, 0x28, 0x28), (0x2E, 0x7D, 0x32)


def svg(body: str, box: str = "0 0 100 100") -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}">{body}</svg>\n'


def hexa(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


def og_image(html: str) -> str:
    for node in parse(html).find_all("meta"):
        if node.attrs.get("property") == "og:image":
            return node.attrs["content"]
    raise AssertionError("no og:image")


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def test_cards_show_each_achievements_svg_art_and_the_logo_and_achievement_pages_get_one(
    tmp_path: Path,
) -> None:
    config, seed = make_site(tmp_path, extra="")
    text = config.read_text(encoding="utf-8").replace(
        "        name: Test Academy", "        image: assets/logo.svg\n        name: Test Academy"
    )
    config.write_text(text, encoding="utf-8")
    assets = tmp_path / "docs" / "assets"
    assets.mkdir()
    (assets / "logo.svg").write_text(
        svg(f'<rect width="200" height="100" fill="{hexa(GREEN)}"/>', "0 0 200 100")
    )
    (assets / "circle.svg").write_text(svg(f'<circle cx="50" cy="50" r="50" fill="{hexa(BLUE)}"/>'))
    (assets / "triangle.svg").write_text(svg(f'<path d="M50 0 100 100H0z" fill="{hexa(RED)}"/>'))
    achievements = tmp_path / "credentials" / "achievements"
    (achievements / "python-basics.yaml").write_text(ACHIEVEMENT + "image: assets/circle.svg\n")
    (achievements / "data-skills.yaml").write_text(
        ACHIEVEMENT.replace("Python Basics", "Data Skills") + "image: assets/triangle.svg\n"
    )
    settings = load_settings(config)
    issuer = Issuer(settings, Signer(settings, seed), rng=random.Random(3).randrange)
    slugs = {}
    for achievement in ("python-basics", "data-skills"):
        row = {"name": "Ada Lovelace", "email": "ada@example.test", "issued": "2026-03-01"}
        outcome = issuer.issue(make_request(settings, row, origin="t", achievement_id=achievement))
        assert outcome.path is not None
        slugs[achievement] = outcome.path.stem
    site = run_build(config)

    def card(page: str) -> Image.Image:
        url = og_image((site / page / "index.html").read_text(encoding="utf-8"))
        assert url.startswith(settings.site_url) and url.endswith(".png")
        return Image.open(io.BytesIO((site / url[len(settings.site_url) :]).read_bytes()))

    artwork = (60, 150, 380, 480)
    for kind, (achievement, colour) in {
        "circle": ("python-basics", BLUE),
        "triangle": ("data-skills", RED),
    }.items():
        for page in (f"c/{slugs[achievement]}", f"achievements/{achievement}"):
            image = card(page).convert("RGB")
            assert image.size == (1200, 627)
            assert near(image.getpixel((220, 340)), colour), (kind, page)  # the badge's art
            assert near(image.getpixel((516 + 40, 90)), GREEN), page  # the issuer's logo
    circle = card("achievements/python-basics").convert("RGB")
    triangle = card("achievements/data-skills").convert("RGB")
    diff = ImageChops.difference(circle.crop(artwork), triangle.crop(artwork))
    assert statistics.fmean(ImageStat.Stat(diff).mean) > 20
    # the achievement's card is its own (no recipient), not one of its credentials'
    assert og_image((site / "achievements/python-basics/index.html").read_text()) != og_image(
        (site / f"c/{slugs['python-basics']}/index.html").read_text()
    )


def test_card_scope_switches_to_achievement_cards_only_past_the_limit() -> None:
    options = card_options(ShareCards(), primary="indigo", accent="indigo")
    assert options.per == "credential"
    per_credential = 2 * 3_000 + PAGE_BYTES_BESIDES_JSON + PERSONAL_CARD_BYTES
    limit = 5_000_000 + 100 * per_credential
    kept, warnings = card_scope(options, [3_000] * 100, 5_000_000, limit)
    assert kept == options and warnings == []
    chosen, warnings = card_scope(options, [3_000] * 101, 5_000_000, limit)
    assert chosen.per == "achievement" and chosen.style == options.style
    (warning,) = warnings
    assert "101 credentials with a personal share card each" in warning
    assert "one card per achievement" in warning and "share_cards: {per: achievement}" in warning
    # an issuer who already chose per-achievement cards is not told again
    assert card_scope(chosen, [3_000] * 10**6, 0, limit) == (chosen, [])


def test_a_build_that_personal_cards_would_take_past_the_limit_draws_achievement_cards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config, seed = make_site(tmp_path, extra="")
    (slug,) = (p.stem for p in award(config, seed, ["Ada Lovelace"]))
    settings = load_settings(config)
    # Below the projection of one credential with its personal card, above the rest of the site.
    monkeypatch.setattr(publish, "PAGES_WARN_BYTES", 2_000_000)
    monkeypatch.setattr(cards, "PERSONAL_CARD_BYTES", 3_000_000)
    with caplog.at_level(logging.WARNING):
        site = run_build(config)
    page = og_image((site / "c" / slug / "index.html").read_text(encoding="utf-8"))
    achievement = og_image((site / "achievements/python-basics/index.html").read_text("utf-8"))
    assert page == achievement and page.startswith(settings.site_url + "achievements/")
    assert not list((site / "c" / slug).glob("card-*.png"))
    said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert [m for m in said if "draws one card per achievement instead" in m], said
