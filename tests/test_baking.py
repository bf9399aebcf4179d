"""Open Badges 3.0 baking: PNG iTXt and SVG CDATA round trips, damaged input, `credpages bake`."""

from __future__ import annotations

import io
import json
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, PngImagePlugin

from credpages.cli.commands import main
from credpages.cli.site_config import load_settings
from credpages.credential.verify import VALID, verify_document
from credpages.credential.yamlio import load_yaml
from credpages.errors import CredpagesError
from credpages.issuer.baking import (
    KEYWORD,
    OB_NAMESPACE,
    bake_png,
    bake_svg,
    extract_png,
    extract_svg,
    png_chunks,
)
from credpages.issuer.revocation import load_status_bits
from credpages.site.publish import credential_json
from test_site_build import award, make_site

SVG_NS = "{http://www.w3.org/2000/svg}"
OB_CREDENTIAL = f"{{{OB_NAMESPACE}}}credential"
CREDENTIAL = json.dumps({"id": "https://x.test/c/x/", "name": "Ünï ✓ 王芳"}, ensure_ascii=False)


def png_image(**text: str) -> bytes:
    image = Image.new("RGBA", (40, 30), (200, 30, 90, 255))
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def svg_image(prolog: str = '<?xml version="1.0" encoding="UTF-8"?>\n') -> str:
    return (
        f'{prolog}<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" data-x="a>b">'
        '<circle cx="5" cy="5" r="4" fill="#4051b5"/></svg>\n'
    )


def credential_chunks(png: bytes) -> list[bytes]:
    return [data for kind, data in png_chunks(png) if kind == b"iTXt" and data.startswith(KEYWORD)]


# --- PNG ---------------------------------------------------------------------------------------


def test_png_round_trip_puts_one_uncompressed_itxt_chunk_right_after_ihdr() -> None:
    original = png_image(Comment="made by hand")
    baked = bake_png(original, CREDENTIAL)
    chunks = png_chunks(baked)
    assert [kind for kind, _ in chunks[:2]] == [b"IHDR", b"iTXt"]
    assert chunks[1][1] == KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + CREDENTIAL.encode()
    assert extract_png(baked) == CREDENTIAL
    # every other chunk is kept byte for byte, and the picture is unchanged
    assert [c for c in chunks if c[0] != b"iTXt"] == png_chunks(original)
    with Image.open(io.BytesIO(baked)) as image:
        assert isinstance(image, PngImagePlugin.PngImageFile)
        assert image.text["openbadgecredential"] == CREDENTIAL  # another reader agrees
        assert image.tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_baking_again_replaces_the_credential() -> None:
    once = bake_png(png_image(), CREDENTIAL)
    twice = bake_png(once, '{"id": "second"}')
    assert len(credential_chunks(twice)) == 1
    assert extract_png(twice) == '{"id": "second"}'
    assert len(credential_chunks(bake_png(twice, '{"id": "second"}'))) == 1


def test_a_compressed_chunk_from_another_baker_is_still_read() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadgecredential", CREDENTIAL, zip=True)
    out = io.BytesIO()
    Image.new("L", (4, 4)).save(out, "PNG", pnginfo=info)
    assert extract_png(out.getvalue()) == CREDENTIAL


def _corrupt_crc(png: bytes) -> bytes:
    damaged = bytearray(png)
    damaged[-1] ^= 0xFF  # IEND's CRC
    return bytes(damaged)


def _without_iend(png: bytes) -> bytes:
    return png[:-12]


def _bad_length(png: bytes) -> bytes:
    return png[:8] + struct.pack(">I", 0xFFFFFFF0) + png[12:]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_corrupt_crc, "bad CRC"),
        (lambda png: png[: len(png) // 2], "truncated"),
        (_without_iend, "no IEND"),
        (_bad_length, "damaged"),
        (lambda png: b"GIF89a" + png[6:], "not a PNG"),
        (lambda png: b"", "not a PNG"),
    ],
    ids=["crc", "truncated", "no-iend", "bad-length", "signature", "empty"],
)
def test_a_damaged_png_gives_a_clear_error(damage: Any, message: str) -> None:
    baked = bake_png(png_image(), CREDENTIAL)
    with pytest.raises(CredpagesError, match=message) as caught:
        extract_png(damage(baked))
    assert caught.value.field == "PNG"
    with pytest.raises(CredpagesError, match=message):
        bake_png(damage(baked), CREDENTIAL)


def test_a_png_without_a_credential_says_it_is_not_baked() -> None:
    with pytest.raises(CredpagesError, match="not a baked badge"):
        extract_png(png_image(openbadges="an Open Badges 2.0 tEXt chunk is not ours"))


def test_a_chunk_crc_is_checked_in_the_middle_too() -> None:
    baked = bytearray(bake_png(png_image(), CREDENTIAL))
    baked[8 + 25 + 8 + 30] ^= 0x01  # a byte of the credential's JSON inside the iTXt chunk
    with pytest.raises(CredpagesError, match=r"chunk 2 \(iTXt\) has a bad CRC"):
        extract_png(bytes(baked))


def test_a_compressed_chunk_is_bounded() -> None:
    bomb = zlib.compress(b"{" * (20 * 1024 * 1024), 9)
    data = KEYWORD + b"\0\x01\x00\0\0" + bomb
    ihdr, *rest = png_chunks(png_image())
    chunk = (
        struct.pack(">I", len(data))
        + b"iTXt"
        + data
        + struct.pack(">I", zlib.crc32(b"iTXt" + data))
    )
    raw = b"\x89PNG\r\n\x1a\n"
    for kind, body in [ihdr]:
        raw += (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )
    raw += chunk
    for kind, body in rest:
        raw += (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )
    with pytest.raises(CredpagesError, match="larger than"):
        extract_png(raw)


# --- SVG ---------------------------------------------------------------------------------------


def test_svg_round_trip_declares_the_namespace_and_puts_the_credential_first() -> None:
    baked = bake_svg(svg_image(), CREDENTIAL)
    assert extract_svg(baked) == CREDENTIAL
    assert baked.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    start_tag = baked[baked.index("<svg ") : baked.index("<openbadges:credential>")]
    assert f' xmlns:openbadges="{OB_NAMESPACE}">' in start_tag  # directly after the start tag
    root = ET.fromstring(baked)
    assert [child.tag for child in root] == [OB_CREDENTIAL, f"{SVG_NS}circle"]
    assert root.attrib["data-x"] == "a>b"  # attributes survive, even with '>' inside
    assert "<openbadges:credential><![CDATA[" in baked


def test_svg_baking_again_leaves_exactly_one_credential() -> None:
    tricky = json.dumps({"note": "</openbadges:credential> and ]]> inside"})
    once = bake_svg(svg_image(), tricky)
    twice = bake_svg(once, CREDENTIAL)
    root = ET.fromstring(twice)
    assert len(list(root.iter(OB_CREDENTIAL))) == 1
    assert extract_svg(twice) == CREDENTIAL
    assert twice.count("xmlns:openbadges") == 1


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "]]>"}',
        '{"a": "]]]]>>"}',
        '{"a": "x]]><script>alert(1)</script><![CDATA["}',
        "]]>",
    ],
)
def test_json_containing_the_cdata_end_round_trips(text: str) -> None:
    baked = bake_svg(svg_image(), text)
    assert extract_svg(baked) == text
    assert len(list(ET.fromstring(baked))) == 2  # nothing broke out of the CDATA


def test_a_self_closing_svg_and_a_prolog_with_comments_are_baked() -> None:
    svg = '<?xml version="1.0"?>\n<!-- logo -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'
    baked = bake_svg(svg, CREDENTIAL)
    assert baked.startswith('<?xml version="1.0"?>\n<!-- logo -->\n<svg ')
    assert extract_svg(baked) == CREDENTIAL


def test_an_external_doctype_is_dropped_when_baking() -> None:
    doctype = (
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    )
    baked = bake_svg(svg_image('<?xml version="1.0"?>\n' + doctype), CREDENTIAL)
    assert "DOCTYPE" not in baked and extract_svg(baked) == CREDENTIAL


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'
)


@pytest.mark.parametrize(
    "svg",
    [
        BILLION_LAUGHS,
        '<!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
    ids=["entities", "external"],
)
def test_an_svg_with_a_doctype_is_refused_on_extraction(svg: str) -> None:
    with pytest.raises(CredpagesError, match="DOCTYPE"):
        extract_svg(svg)


def test_an_svg_with_entity_declarations_is_refused_for_baking() -> None:
    with pytest.raises(CredpagesError, match="DOCTYPE"):
        bake_svg(BILLION_LAUGHS, CREDENTIAL)


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        ("<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "well-formed"),
        ("<html><svg/></html>", "root element"),
        (svg_image(), "not a baked badge"),
    ],
)
def test_bad_svgs_give_clear_errors(svg: str, message: str) -> None:
    with pytest.raises(CredpagesError, match=message) as caught:
        extract_svg(svg)
    assert caught.value.field == "SVG"


# --- with a real signed credential, and the CLI -------------------------------------------------

BADGE_ACHIEVEMENT = """\
name: Python Basics
description: Writes small Python programs.
criteria: Passed the final exam.
achievement_type: Badge
image: {image}
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An issuer with one credential whose achievement image is docs/assets/badge.png."""
    monkeypatch.chdir(tmp_path)
    config, seed = make_site(tmp_path / "site")
    root = config.parent
    (root / "docs" / "assets").mkdir()
    (root / "docs" / "assets" / "badge.png").write_bytes(png_image())
    (root / "docs" / "assets" / "badge.svg").write_text(svg_image(), encoding="utf-8")
    (root / "credentials" / "achievements" / "python-basics.yaml").write_text(
        BADGE_ACHIEVEMENT.format(image="assets/badge.png"), encoding="utf-8"
    )
    (path,) = award(config, seed, ["Zoë Ω 王芳 ]]> Lovelace"])
    return config, path


def _verifies(config: Path, text: str) -> dict[str, Any]:
    settings = load_settings(config)
    doc = json.loads(text)
    report = verify_document(doc, settings, source="baked", revoked_bits=load_status_bits(settings))
    assert report.ok and report.state == VALID, report.reason
    return dict(doc)


def test_a_real_credential_survives_baking_and_still_verifies(site: tuple[Path, Path]) -> None:
    config, path = site
    doc = load_yaml(path).data
    text = credential_json(doc)
    assert _verifies(config, extract_png(bake_png(png_image(), text))) == doc
    assert _verifies(config, extract_svg(bake_svg(svg_image(), text))) == doc


def run(config: Path, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--config", str(config), *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_cli_bakes_the_achievement_png_and_an_svg(
    site: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, path = site
    doc = load_yaml(path).data
    slug = doc["id"].rstrip("/").rsplit("/", 1)[1]
    out_png = config.parent / "out" / "badge.png"
    code, out, err = run(config, "bake", slug, "--out", str(out_png), capsys=capsys)
    assert code == 0, err
    assert "baked" in out
    assert _verifies(config, extract_png(out_png.read_bytes())) == doc

    out_svg = config.parent / "badge-baked.svg"
    svg_in = config.parent / "docs" / "assets" / "badge.svg"
    code, _, err = run(
        config, "bake", str(path), "--out", str(out_svg), "--image", str(svg_in), capsys=capsys
    )
    assert code == 0, err
    assert _verifies(config, extract_svg(out_svg.read_text(encoding="utf-8"))) == doc


def test_cli_bakes_a_png_from_an_svg_image_offline(
    site: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """As the page's "Download badge (PNG)" does: the SVG is drawn, then the PNG is baked."""
    config, path = site
    doc = load_yaml(path).data
    svg_in = config.parent / "docs" / "assets" / "badge.svg"
    out_png = config.parent / "x.png"
    code, _, err = run(
        config, "bake", str(path), "--out", str(out_png), "--image", str(svg_in), capsys=capsys
    )
    assert code == 0, err
    baked = out_png.read_bytes()
    assert _verifies(config, extract_png(baked)) == doc
    with Image.open(io.BytesIO(baked)) as image:
        assert image.width == 512
        low, high = image.convert("L").getextrema()
        assert low != high  # something was drawn


def test_cli_refuses_an_svg_that_cannot_be_drawn(
    site: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, path = site
    svg_in = config.parent / "docs" / "assets" / "broken.svg"
    svg_in.write_text("<svg xmlns='http://www.w3.org/2000/svg'><rect", encoding="utf-8")
    out_png = config.parent / "x.png"
    code, _, err = run(
        config, "bake", str(path), "--out", str(out_png), "--image", str(svg_in), capsys=capsys
    )
    assert code != 0
    assert "broken.svg" in err and "cannot be drawn" in err
    assert not out_png.exists()


def test_cli_refuses_a_tampered_credential(
    site: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, path = site
    path.write_text(
        path.read_text(encoding="utf-8").replace("Lovelace", "Lovelacf"), encoding="utf-8"
    )
    out_png = config.parent / "x.png"
    code, _, err = run(config, "bake", str(path), "--out", str(out_png), capsys=capsys)
    assert code != 0
    assert path.name in err and "not baking" in err
    assert not out_png.exists()


def test_cli_needs_an_image_when_the_achievement_has_none_inside_docs(
    site: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config, path = site
    (config.parent / "docs" / "assets" / "badge.png").unlink()
    code, _, err = run(config, "bake", str(path), "--out", str(tmp_path / "x.png"), capsys=capsys)
    assert code != 0 and "pass --image" in err
    code, _, err = run(config, "bake", str(path), "--out", str(tmp_path / "x.gif"), capsys=capsys)
    assert code != 0 and ".png or .svg" in err
