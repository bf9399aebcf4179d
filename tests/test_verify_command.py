"""`credpages verify` on every form a credential travels in: the issuer's YAML, the published
``credential.json``, and badges baked as PNG or SVG; hostile files get a clear, located error."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from conftest import IssuerSite
from credpages.credential.yamlio import load_yaml
from credpages.issuer.baking import bake_png, bake_svg
from credpages.site.publish import credential_json
from factories import issue_args

pytestmark = pytest.mark.usefixtures("isolated_env")

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'


def tiny_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def signed(issuer_site: IssuerSite) -> dict[str, object]:
    result = issuer_site.run(*issue_args("Ada", "ada@x.org"))
    assert result.code == 0, result
    (path,) = issuer_site.credential_files()
    return load_yaml(path).data


def forms(site: IssuerSite, doc: dict[str, object]) -> dict[str, Path]:
    """The credential as credential.json, and baked by `credpages bake` into a PNG and an SVG."""
    out = site.root / "held"
    out.mkdir()
    (out / "credential.json").write_text(credential_json(doc), "utf-8")
    (site.root / "badge.png").write_bytes(tiny_png())
    (site.root / "badge.svg").write_text(SVG, "utf-8")
    slug = str(doc["id"]).rstrip("/").rsplit("/", 1)[1]
    for kind in ("png", "svg"):
        baked = site.run("bake", slug, "--image", f"badge.{kind}", "--out", f"held/baked.{kind}")
        assert baked.code == 0, baked
    return {p.name: p for p in out.iterdir()}


def test_verify_reads_credential_json_and_baked_png_and_svg(
    issuer_site: IssuerSite, signed: dict[str, object]
) -> None:
    files = forms(issuer_site, signed)
    assert sorted(files) == ["baked.png", "baked.svg", "credential.json"]
    result = issuer_site.run("verify", "-v", *files.values())
    assert result.code == 0, result
    assert sorted(result.out.splitlines()) == [
        "held/baked.png: ok",
        "held/baked.svg: ok",
        "held/credential.json: ok",
    ]
    assert result.err.strip() == "3 of 3 credential(s) verified"


def test_a_tampered_baked_badge_fails_with_its_file(
    issuer_site: IssuerSite, signed: dict[str, object]
) -> None:
    forged = json.loads(credential_json(signed))
    forged["credentialSubject"]["name"] = "Eve"
    text = json.dumps(forged)
    (issuer_site.root / "forged.png").write_bytes(bake_png(tiny_png(), text))
    (issuer_site.root / "forged.svg").write_text(bake_svg(SVG, text), "utf-8")
    (issuer_site.root / "forged.json").write_text(text, "utf-8")
    result = issuer_site.run("verify", "forged.png", "forged.svg", "forged.json")
    assert result.code == 1, result
    for name in ("forged.png", "forged.svg", "forged.json"):
        assert f"{name}: proof[0].proofValue: the eddsa-rdfc-2022 signature does not match" in (
            result.err
        ), result
    assert "0 of 3 credential(s) verified" in result.err


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("plain.png", "png", "PNG: has no openbadgecredential iTXt chunk"),
        ("plain.svg", SVG.encode(), "SVG: has no openbadges:credential element"),
        ("two.png", "two", "PNG: holds 2 baked credentials: refused"),
        ("two.svg", "two-svg", "SVG: holds 2 baked credentials: refused"),
        ("list.json", b"[1, 2]", "the file is not a JSON object"),
        ("dup.json", b'{"id": "a", "id": "b"}', "duplicate key 'id'"),
        ("nan.json", b'{"n": NaN}', "NaN is not JSON"),
        ("bad.json", b'{"id": ', "the file is not valid JSON"),
        ("latin1.json", b'{"name": "\xe9"}', "is not UTF-8 (byte 0xe9"),
        ("jwt.svg", b"svg-jwt", "is not JSON (a VC-JWT?)"),
    ],
)
def test_files_that_hold_no_credential_are_refused_clearly(
    issuer_site: IssuerSite, signed: dict[str, object], name: str, content: object, says: str
) -> None:
    path = issuer_site.root / name
    if content == "png":
        content = tiny_png()
    elif content == "two":
        # the credential chunk twice, right after IHDR (8 + 25 bytes): bake_png never writes that
        once = bake_png(tiny_png(), credential_json(signed))
        chunk = once[33 : 33 + len(once) - len(tiny_png())]
        content = once[:33] + chunk + once[33:]
    elif content == "two-svg":
        once = bake_svg(SVG, credential_json(signed))
        at = once.index("<openbadges:credential")
        end = once.index("</openbadges:credential>") + len("</openbadges:credential>")
        content = (once[:end] + once[at:end] + once[end:]).encode()
    elif content == b"svg-jwt":
        content = SVG.replace(
            "/>",
            ' xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
            '<openbadges:credential verify="eyJ.x.y"/></svg>',
        ).encode()
    assert isinstance(content, bytes)
    path.write_bytes(content)
    result = issuer_site.run("verify", name)
    assert result.code == 1, result
    (first, total) = result.err.strip().splitlines()
    assert first.startswith(f"{name}: ") and says in first, first
    assert total == "0 of 1 credential(s) verified"
