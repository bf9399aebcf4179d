"""QR codes: the inline PNG scans back to the URL, and a hostile URL never reaches the markup.

The encoder (``site/qr_encode.py``) draws the symbol another encoder (``qrcode``) draws for every
version, scans back at every size, and picks its mask by the specification's penalty."""

from __future__ import annotations

import base64
import html
import io
import itertools
import math
import random
import re
from contextlib import nullcontext

import pytest
import qrcode
import qrcode.util
import zxingcpp
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from credpages.errors import CredpagesError
from credpages.site.qr import qr_img
from credpages.site.qr_encode import _data_codewords, _penalty, qr_rows, qr_version

IMG = re.compile(
    r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)" width="(\d+)" height="\3">'
)


def rasterise(img: str, scale: int = 6) -> Image.Image:
    """The ``<img>``'s PNG, scaled up with square modules the way the page's CSS shows it."""
    match = IMG.fullmatch(img)
    assert match, img
    png = Image.open(io.BytesIO(base64.b64decode(match[1])))
    assert png.format == "PNG" and png.mode == "1", "a 1-bit PNG"
    assert int(match[3]) == png.width * 4 and png.width == png.height
    size = (png.width * scale, png.height * scale)
    return png.convert("L").resize(size, Image.Resampling.NEAREST)


def decode(img: str) -> str:
    results = zxingcpp.read_barcodes(rasterise(img))
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
def test_the_image_scans_back_to_the_url(url: str) -> None:
    assert decode(qr_img(url)) == url


def test_the_image_is_a_small_inline_png_with_its_quiet_zone_and_alt_text() -> None:
    img = qr_img("https://example.test/c/x/")
    assert "\n" not in img
    match = IMG.fullmatch(img)
    assert match and match[2] == "QR code linking to this page"
    png = Image.open(io.BytesIO(base64.b64decode(match[1])))
    pixels = png.convert("L").load()
    assert pixels is not None
    # four light modules around the symbol, dark finder patterns in three corners
    assert all(pixels[x, y] == 255 for x in range(png.width) for y in range(4))
    assert pixels[4, 4] == pixels[png.width - 5, 4] == pixels[4, png.height - 5] == 0
    assert len(img) < 700  # a 1-bit PNG: ~0.5 KB for a credential URL, the SVG path was 2.1 KB


def test_error_correction_is_m() -> None:
    result = zxingcpp.read_barcodes(rasterise(qr_img("https://example.test/c/x/")))[0]
    assert result.ec_level == "M"


def test_a_hostile_url_only_appears_in_the_matrix() -> None:
    url = 'https://x.test/"><script>alert(1)</script><!--&amp;]]>'
    img = qr_img(url, title='Scan <me> & "go"')
    assert "script" not in img and "alert" not in img and "]]>" not in img
    match = IMG.fullmatch(img)
    assert match and html.unescape(match[2]) == 'Scan <me> & "go"'
    assert decode(img) == url


def test_a_url_too_long_for_any_qr_code_is_refused_clearly() -> None:
    with pytest.raises(CredpagesError, match="too long for a QR code"):
        qr_img("https://example.test/" + "x" * 3000)


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
def test_the_png_is_the_symbol_pixel_for_pixel(length: int) -> None:
    """The PNG is written by hand (no Pillow): every pixel is its module, the quiet zone white,
    whatever the width's remainder in the last byte of a row."""
    url = ("https://example.test/" + "ab9-/" * 500)[:length]
    match = IMG.fullmatch(qr_img(url))
    assert match
    png = Image.open(io.BytesIO(base64.b64decode(match[1])))
    rows = qr_rows(url.encode())
    n, quiet = len(rows), 4
    assert png.mode == "1" and png.size == (n + 2 * quiet, n + 2 * quiet)
    pixels = png.load()
    assert pixels is not None
    for y in range(n + 2 * quiet):
        for x in range(n + 2 * quiet):
            inside = quiet <= x < n + quiet and quiet <= y < n + quiet
            dark = inside and bool(rows[y - quiet] >> (x - quiet) & 1)
            assert pixels[x, y] == (0 if dark else 255), (x, y)


@pytest.mark.parametrize("length", [1, 14, 15, 100, 271, 1000, 2331])
def test_codes_of_every_size_scan_back(length: int) -> None:
    url = ("https://example.test/" + "ab9-/" * 500)[:length]
    assert decode(qr_img(url)) == url


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
