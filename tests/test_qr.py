"""QR codes: the SVG scans back to the URL, and a hostile URL never reaches the markup.

The encoder (``site/qr_encode.py``) draws the symbol another encoder (``qrcode``) draws for every
version, scans back at every size, and picks its mask by the specification's penalty."""

from __future__ import annotations

import itertools
import math
import random
import re
import xml.etree.ElementTree as ET
from contextlib import nullcontext

import pytest
import qrcode
import qrcode.util
import zxingcpp
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_M

from credpages.errors import CredpagesError
from credpages.site.qr import qr_svg
from credpages.site.qr_encode import _data_codewords, _penalty, qr_rows, qr_version

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


# ------------------------------------------------------------------ the encoder itself


def other_encoder(data: bytes, version: int, mask: int) -> list[int]:
    """The ``qrcode`` package's symbol for the same data, version and mask, as row ints."""
    code = qrcode.QRCode(
        version=version, error_correction=ERROR_CORRECT_M, border=0, mask_pattern=mask
    )
    code.add_data(qrcode.util.QRData(data, mode=qrcode.util.MODE_8BIT_BYTE))
    code.make(fit=False)
    return [sum(1 << x for x, dark in enumerate(row) if dark) for row in code.get_matrix()]


def filling(version: int) -> bytes:
    """Bytes that fill ``version`` to its last codeword (the count field takes 2-3 bytes)."""
    room = _data_codewords(version) - (2 if version <= 9 else 3)
    return bytes((i * 37 + version) % 256 for i in range(room))


@pytest.mark.parametrize("version", range(1, 41))
def test_every_version_is_the_symbol_another_encoder_draws(version: int) -> None:
    data = filling(version)
    assert qr_version(data) == version
    with pytest.raises(CredpagesError, match="too long") if version == 40 else nullcontext():
        assert qr_version(data + b"x") == version + 1
    masks = range(8) if version in (2, 7, 14) else [version % 8]
    for mask in masks:
        assert qr_rows(data, version=version, mask=mask) == other_encoder(data, version, mask)


@pytest.mark.parametrize("length", [1, 14, 15, 100, 271, 1000, 2331])
def test_codes_of_every_size_scan_back(length: int) -> None:
    url = ("https://example.test/" + "ab9-/" * 500)[:length]
    assert decode(qr_svg(url)) == url


def naive_penalty(rows: list[int], n: int) -> int:
    """ISO/IEC 18004's four rules module by module (outside the symbol is light for rule 3)."""
    grid = [[row >> x & 1 for x in range(n)] for row in rows]
    lines = grid + [list(col) for col in zip(*grid, strict=True)]
    score = 0
    for line in lines:
        run = 1
        for a, b in itertools.pairwise(line):
            run = run + 1 if a == b else 1
            score += 3 if run == 5 else 1 if run > 5 else 0
        padded = [0] * 4 + line + [0] * 4
        for i in range(len(padded) - 10):
            window = padded[i : i + 11]
            score += 40 * (window == [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1])
            score += 40 * (window == [1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0])
    for y in range(n - 1):
        for x in range(n - 1):
            score += 3 * (grid[y][x] == grid[y][x + 1] == grid[y + 1][x] == grid[y + 1][x + 1])
    dark = sum(map(sum, grid))
    percent_off = abs(dark * 100 / (n * n) - 50)
    score += 10 * max(0, math.ceil(percent_off / 5) - 1)
    return score


def test_the_mask_is_chosen_by_the_specifications_penalty() -> None:
    rng = random.Random(7)
    for n in (21, 25, 33):
        for _ in range(20):
            rows = [rng.getrandbits(n) for _ in range(n)]
            if rng.random() < 0.5:  # long runs and finder-like patterns too
                rows = [r | (0b1011101 << rng.randrange(n - 7)) for r in rows]
            assert _penalty(rows, n) == naive_penalty(rows, n)
    data = b"https://example.github.io/awards/c/python-basics-k3x9q2m7ab/"
    n = 4 * qr_version(data) + 17
    scores = [_penalty(qr_rows(data, mask=m), n) for m in range(8)]
    assert _penalty(qr_rows(data), n) == min(scores)
