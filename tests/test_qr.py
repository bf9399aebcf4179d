"""QR codes: the SVG scans back to the URL, and a hostile URL never reaches the markup."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from credpages.errors import CredpagesError
from credpages.site.qr import qr_svg

SVG_NS = "{http://www.w3.org/2000/svg}"
RUN = re.compile(r"(?:M(\d+) (\d+)\.5|m(\d+) 0)h(\d+)")


def rasterise(svg: str, scale: int = 6) -> Image.Image:
    """Draw the SVG's path (1-module strokes along row centres) the way a browser would."""
    root = ET.fromstring(svg)
    _, _, width, height = (int(v) for v in root.attrib["viewBox"].split())
    (path,) = root.iter(f"{SVG_NS}path")
    assert path.attrib["stroke"] == "#000" and "fill" not in path.attrib
    data = path.attrib["d"]
    assert RUN.sub("", data) == "", "the path holds only horizontal module runs"
    image = Image.new("L", (width * scale, height * scale), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0
    for abs_x, abs_y, gap, length in RUN.findall(data):
        if abs_x:
            x, y = int(abs_x), int(abs_y)
        else:
            x += int(gap)
        end = x + int(length)
        draw.rectangle((x * scale, y * scale, end * scale - 1, (y + 1) * scale - 1), fill=0)
        x = end
    return image


def decode(svg: str) -> str:
    results = zxingcpp.read_barcodes(rasterise(svg))
    assert len(results) == 1
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    return str(results[0].text)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.github.io/awards/c/python-basics-k3x9q2m7ab/",
        "https://example.test/verify/?url=https%3A%2F%2Fx.test%2Fc%2Fa%2Fcredential.json",
        "HTTPS://EXAMPLE.TEST/C/ABC123/",  # alphanumeric mode
        "https://example.test/" + "a" * 600,
    ],
)
def test_the_svg_scans_back_to_the_url(url: str) -> None:
    assert decode(qr_svg(url)) == url


def test_the_svg_is_compact_inline_markup_with_a_viewbox_and_title() -> None:
    svg = qr_svg("https://example.test/c/x/")
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "<?xml" not in svg and "\n" not in svg
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert re.fullmatch(r"0 0 (\d+) \1", root.attrib["viewBox"])
    assert [child.tag for child in root] == [f"{SVG_NS}title", f"{SVG_NS}path"]
    assert root.findtext(f"{SVG_NS}title") == "QR code linking to this page"
    assert len(svg) < 3000  # strokes with relative moves: ~2 KB for a credential URL


def test_error_correction_is_m() -> None:
    result = zxingcpp.read_barcodes(rasterise(qr_svg("https://example.test/c/x/")))[0]
    assert result.ec_level == "M"


def test_a_hostile_url_only_appears_in_the_matrix() -> None:
    url = 'https://x.test/"><script>alert(1)</script><!--&amp;]]>'
    svg = qr_svg(url, title='Scan <me> & "go"')
    assert "script" not in svg and "alert" not in svg and "]]>" not in svg
    root = ET.fromstring(svg)  # still well-formed
    assert root.findtext(f"{SVG_NS}title") == 'Scan <me> & "go"'
    assert decode(svg) == url


def test_a_url_too_long_for_any_qr_code_is_refused_clearly() -> None:
    with pytest.raises(CredpagesError, match="too long for a QR code"):
        qr_svg("https://example.test/" + "x" * 3000)
