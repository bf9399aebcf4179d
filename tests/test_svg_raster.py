"""SVG artwork is drawn offline, at the asked width, and never reads files it points to."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from credpages.errors import CredpagesError
from credpages.site.svg_raster import MAX_SVG_BYTES, svg_to_png

RED_SQUARE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20" viewBox="0 0 10 20">'
    '<rect width="10" height="20" fill="#ff0000"/></svg>'
)


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGBA")


def test_draws_at_width_keeping_aspect_ratio() -> None:
    img = _image(svg_to_png(RED_SQUARE, width=64))
    assert img.size == (64, 128)
    assert img.getpixel((32, 64)) == (255, 0, 0, 255)


@pytest.mark.parametrize(
    "family", ["sans-serif", "serif", "monospace", "Arial", "Helvetica, Arial, sans-serif"]
)
def test_text_in_a_family_that_is_not_bundled_is_drawn_in_a_bundled_font(family: str) -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50">'
        f'<text x="5" y="40" font-family="{family}" font-size="40" fill="#000">Py</text></svg>'
    )
    img = _image(svg_to_png(svg, width=200))
    inked = sum(1 for y in range(img.height) for x in range(img.width) if img.getpixel((x, y))[3])
    assert inked > 500  # the two letters, not an empty picture


def test_external_file_reference_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    Image.new("RGB", (4, 4), (0, 255, 0)).save(secret)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        f'<image href="{secret}" width="10" height="10"/></svg>'
    )
    img = _image(svg_to_png(svg, width=10))
    assert all(img.getpixel((x, y))[1] != 255 for x in range(10) for y in range(10))


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        ("<not svg", "cannot be drawn"),
        (b"\xff\xfe<svg/>", "not UTF-8"),
        (b"<svg>" + b" " * MAX_SVG_BYTES + b"</svg>", "larger than"),
    ],
)
def test_bad_svg_names_the_source(svg: str | bytes, message: str) -> None:
    with pytest.raises(CredpagesError) as err:
        svg_to_png(svg, width=32, source="docs/assets/badge.svg")
    assert message in str(err.value)
    assert str(err.value).startswith("docs/assets/badge.svg: ")
