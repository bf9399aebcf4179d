"""The /verify/ page: files (JSON, baked PNG, baked SVG), drop, paste, URL, and bad input."""

from __future__ import annotations

import json
import zlib

import pytest

from credpages.issuer import baking

from .fixtures import (
    Site,
    baked_png,
    baked_svg,
    png_chunk,
    rdfc_variants,
    sign,
    tiny_png,
    write,
)
from .helpers import drop_file, panel

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(server) -> Site:
    return Site(server, "verify-site")


@pytest.fixture(scope="module")
def good(site) -> dict:
    cred = site.signed("badge")
    site.write_page("badge", cred)
    return cred


@pytest.fixture
def verify(page, server):
    page.goto(server.url + "verify/")
    return page


def reset(page) -> None:
    """Mark the panel pending so the next panel() waits for the new verdict."""
    page.evaluate("document.getElementById('cp-verify').dataset.verdict = 'pending'")


def upload(page, tmp_path, name: str, data: bytes | str) -> dict:
    reset(page)
    page.set_input_files("#cp-file", str(write(tmp_path / name, data)))
    return panel(page)


def paste(page, text: str) -> dict:
    reset(page)
    # Set the value directly: typing 2 MB through fill() takes seconds.
    page.eval_on_selector("#cp-paste", "(el, text) => { el.value = text; }", text)
    page.click("button[value=paste]")
    return panel(page)


def dropped(page, text: str) -> dict:
    reset(page)
    drop_file(page, text)
    return panel(page)


def by_url(page, url: str) -> dict:
    reset(page)
    page.fill("#cp-url", url)
    page.click("button[value=url]")
    return panel(page)


def test_json_file(verify, tmp_path, good, server):
    result = upload(verify, tmp_path, "badge.json", json.dumps(good))
    assert result["verdict"] == "verified", result
    assert result["domain"] == f"127.0.0.1:{server.port}"
    assert verify.get_attribute(".cp-issuer-domain", "data-confirmed") == "true"


def test_baked_png(verify, tmp_path, good):
    assert upload(verify, tmp_path, "badge.png", baked_png(good))["verdict"] == "verified"


def test_baked_png_made_with_pillow(verify, tmp_path, good):
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("openbadgecredential", json.dumps(good), zip=False)
    path = tmp_path / "pillow.png"
    Image.new("RGB", (4, 4), "red").save(path, pnginfo=info)
    assert upload(verify, tmp_path, "pillow.png", path.read_bytes())["verdict"] == "verified"


def test_baked_svg(verify, tmp_path, good):
    assert upload(verify, tmp_path, "badge.svg", baked_svg(good))["verdict"] == "verified"


def test_dropped_file(verify, good):
    reset(verify)
    drop_file(verify, json.dumps(good))
    assert panel(verify)["verdict"] == "verified"


def test_pasted_json(verify, good):
    assert paste(verify, json.dumps(good, indent=2))["verdict"] == "verified"


def test_pasted_tampered_json(verify, good):
    cred = json.loads(json.dumps(good))
    cred["credentialSubject"]["name"] = "Ada Lovelace!"
    result = paste(verify, json.dumps(cred))
    assert result["verdict"] == "tampered"
    assert verify.get_attribute(".cp-issuer-domain", "data-confirmed") == "false"


def test_url_of_credential_page_and_json(verify, site, good):
    assert by_url(verify, f"{site.url}c/badge/")["verdict"] == "verified"
    assert by_url(verify, f"{site.url}c/badge/credential.json")["verdict"] == "verified"


def test_query_url(page, server, site, good):
    page.goto(f"{server.url}verify/?url={site.url}c/badge/")
    assert panel(page)["verdict"] == "verified"
    assert page.input_value("#cp-url") == f"{site.url}c/badge/"


def test_url_errors(verify, site, good, server):
    result = by_url(verify, f"{site.url}c/nothing-here/")
    assert result["verdict"] == "cannot-verify"
    assert "HTTP 404" in result["text"]
    result = by_url(verify, f"{server.url}blank.html")
    assert result["verdict"] == "invalid"
    assert "#cp-credential" in result["text"]
    result = by_url(verify, "http://example.org/c/badge/")
    assert result["verdict"] == "cannot-verify"
    assert "only https://" in result["text"]


BAD_INPUTS = {
    "not json": ("notes.json", b"this is { not json", "invalid", "not JSON"),
    "too large": ("big.json", b"[" + b"1," * (1 << 20) + b"1]", "invalid", "larger than 2 MB"),
    "png without chunk": ("plain.png", tiny_png(), "invalid", "openbadgecredential"),
    "compressed png chunk": (
        "zipped.png",
        tiny_png([png_chunk(b"iTXt", b"openbadgecredential\0\1\0\0\0" + zlib.compress(b"{}"))]),
        "invalid",
        "compressed",
    ),
    "truncated png": ("cut.png", tiny_png()[:30], "invalid", "openbadgecredential"),
    "svg without element": (
        "plain.svg",
        '<svg xmlns="http://www.w3.org/2000/svg"/>',
        "invalid",
        "openbadges:credential",
    ),
    "broken svg": ("broken.svg", "<svg><unclosed></svg>", "invalid", "well-formed"),
    "deep nesting": ("deep.json", "[" * 65 + "]" * 65, "invalid", "nested deeper than 64"),
    "very deep nesting": (
        "deeper.json",
        '{"a":' * 250_000 + "1" + "}" * 250_000,
        "invalid",
        "nested deeper than 64",
    ),
    "json array": ("array.json", "[1, 2]", "invalid", "not a JSON object"),
    "not utf-8": ("latin1.json", b'{"name": "caf\xe9"}', "invalid", "UTF-8"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_file_then_recovers(verify, tmp_path, good, case):
    name, data, verdict, message = BAD_INPUTS[case]
    result = upload(verify, tmp_path, name, data)
    assert result["verdict"] == verdict
    assert message in result["text"], result["text"]
    # The page stays usable for another try.
    assert paste(verify, json.dumps(good))["verdict"] == "verified"


def test_svg_entities_do_not_expand_into_the_page(verify, tmp_path):
    svg = (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        "<openbadges:credential>&x;</openbadges:credential><script>window.pwned=1</script></svg>"
    )
    result = upload(verify, tmp_path, "evil.svg", svg)
    assert result["verdict"] == "invalid"
    assert verify.evaluate("window.pwned") is None


def test_pasted_bad_inputs(verify, good):
    assert paste(verify, "{")["verdict"] == "invalid"
    deep = {"a": None}
    for _ in range(70):
        deep = {"a": deep}
    result = paste(verify, json.dumps(deep))
    assert result["verdict"] == "invalid" and "nested deeper than 64" in result["text"]
    big = json.dumps({**good, "padding": "x" * (2 << 20)})
    assert "larger than 2 MB" in paste(verify, big)["text"]


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("did:web:192.168.1.10", "private, loopback"),
        ("did:web:10.0.0.1%3A8443:ca", "private, loopback"),
        ("did:web:[::1]", "not a did:web identifier"),
        ("did:web:localhost", "private, loopback"),
    ],
)
def test_did_web_private_hosts_are_refused(verify, site, issuer, message):
    cred = site.credential("x")
    cred["issuer"]["id"] = issuer
    result = paste(verify, json.dumps(sign(cred, site.seed, f"{issuer}#key-1")))
    assert result["verdict"] == "cannot-verify"
    assert message in result["text"], result["text"]


def test_non_https_status_list_is_refused(verify, site):
    cred = site.credential("x")
    cred["credentialStatus"]["statusListCredential"] = "http://example.org/status.json"
    signed = sign(cred, site.seed, site.vm)
    site.write_page("x", signed)
    result = paste(verify, json.dumps(signed))
    assert result["verdict"] == "cannot-verify"
    assert "only https://" in result["text"]


def test_empty_submit_explains(verify):
    reset(verify)
    verify.click("button[value=paste]")
    result = panel(verify)
    assert result["verdict"] == "invalid"
    assert "Paste" in result["text"]


def test_badges_baked_by_the_project(verify, tmp_path, site):
    """Interop with credpages.issuer.baking: what `credpages bake` writes, this page reads."""
    cred = site.signed("baked", name="Ada ]]> Lovelace \U0001f600")  # ]]> must survive CDATA
    site.write_page("baked", cred)
    text = json.dumps(cred, ensure_ascii=False, indent=2)
    png = baking.bake_png(tiny_png(), text)
    svg = baking.bake_svg('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>', text)
    assert upload(verify, tmp_path, "baked.png", png)["verdict"] == "verified"
    assert upload(verify, tmp_path, "baked.svg", svg)["verdict"] == "verified"


def test_revoked_issuer_is_still_confirmed(verify, server):
    revoking = Site(server, "revoking-site")
    revoking.revoked = {4242}
    revoking.write_status_list()
    cred = revoking.signed("badge")
    revoking.write_page("badge", cred)
    result = paste(verify, json.dumps(cred))
    assert result["verdict"] == "revoked"
    assert result["domain"] == f"127.0.0.1:{server.port}"
    assert verify.get_attribute(".cp-issuer-domain", "data-confirmed") == "true"


def test_unconfirmed_domain_is_marked(verify, site):
    cred = site.credential("x")
    cred["issuer"]["id"] = "did:web:university.example"
    result = paste(verify, json.dumps(sign(cred, site.seed, "did:web:university.example#key-1")))
    assert result["verdict"] == "cannot-verify"
    assert result["domain"] == "university.example (not confirmed)"


@pytest.mark.parametrize("variant", ["broken", "removed", "garbage"])
def test_rdfc_proof_changed_is_not_verified(verify, tmp_path, good, variant):
    """`credpages verify` rejects these files; the browser checks only the jcs proof, so it must
    not call them verified either."""
    cred = rdfc_variants(good)[variant]
    for result in (
        paste(verify, json.dumps(cred)),
        upload(verify, tmp_path, f"{variant}.png", baked_png(cred)),
        dropped(verify, json.dumps(cred)),
    ):
        assert result["verdict"] == "cannot-verify", result
        assert result["steps"]["signature"]["state"] == "ok"
        assert (
            "eddsa-rdfc-2022 proof, which a browser cannot check, was not checked"
            in (result["text"])
        )


def test_a_fetched_credential_page_is_compared_with_the_published_copy(verify, site):
    """Only a credential page takes its own credential as the issuer's copy (credential pages'
    test_own_page_is_the_published_copy). Given that page's address, /verify/ still fetches
    credential.json and tells a page whose embedded rdfc proof differs from it."""
    good = site.signed("fetched")
    site.write_page("fetched", rdfc_variants(good)["broken"])
    site.write_json("c/fetched/credential.json", good)
    requested: list[str] = []
    verify.on("request", lambda r: requested.append(r.url))
    result = by_url(verify, f"{site.url}c/fetched/")
    assert result["verdict"] == "cannot-verify", result
    assert result["steps"]["signature"]["state"] == "ok"
    assert result["steps"]["published"]["state"] == "fail"
    assert f"{site.url}c/fetched/credential.json" in requested


def test_published_copy_vouches_for_the_rdfc_proof(verify, site, good):
    result = paste(verify, json.dumps(good))
    assert result["verdict"] == "verified"
    assert result["steps"]["published"]["state"] == "ok"
    assert f"{site.url}c/badge/credential.json" in result["steps"]["published"]["text"]
    assert "Checked when the issuer built" in result["steps"]["published"]["text"]


def test_foreign_credential_gets_no_checked_at_build_claim(verify, server):
    """Another issuer's validly signed credential that its issuer does not publish."""
    other = Site(server, "foreign-site")
    result = paste(verify, json.dumps(other.signed("unpublished")))
    assert result["verdict"] == "cannot-verify"
    assert result["steps"]["published"]["state"] == "fail"
    assert "Checked when the issuer built" not in json.dumps(result)
    assert "checked at build" not in json.dumps(result)


def test_credential_id_off_the_issuers_site(verify, site):
    cred = site.credential("x")
    cred["id"] = "https://elsewhere.example/c/x/"
    result = paste(verify, json.dumps(sign(cred, site.seed, site.vm)))
    assert result["verdict"] == "cannot-verify"
    assert "is not a page of the issuer's site" in result["text"]


def test_png_with_a_bad_crc_is_refused(verify, tmp_path, good):
    png = bytearray(baked_png(good))
    at = png.index(b"iTXt")
    length = int.from_bytes(png[at - 4 : at], "big")
    png[at + 4 + length] ^= 0xFF  # first byte of the credential chunk's CRC
    result = upload(verify, tmp_path, "bad-crc.png", bytes(png))
    assert result["verdict"] == "invalid"
    assert "iTXt chunk has a wrong CRC" in result["text"]


def test_png_with_two_credentials_is_refused(verify, tmp_path, good, server):
    other = Site(server, "second-png-site").signed("other")

    def itxt(cred: dict) -> bytes:
        text = json.dumps(cred).encode()
        return png_chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0" + text)

    result = upload(verify, tmp_path, "two.png", tiny_png([itxt(good), itxt(other)]))
    assert result["verdict"] == "invalid"
    assert "holds 2 credentials" in result["text"]


def test_svg_with_two_credentials_is_refused(verify, tmp_path, good):
    one = f"<openbadges:credential><![CDATA[{json.dumps(good)}]]></openbadges:credential>"
    svg = baked_svg(good).replace("<circle", one + "<circle")
    result = upload(verify, tmp_path, "two.svg", svg)
    assert result["verdict"] == "invalid"
    assert "holds 2 credentials" in result["text"]


# Loopback spelled every way but the documented development one (http://127.0.0.1:<port>).
LOOPBACK_URLS = [
    "http://2130706433:{port}/verify-site/c/badge/",
    "http://017700000001:{port}/verify-site/c/badge/",
    "http://0x7f.1:{port}/verify-site/c/badge/",
    "http://127.1:{port}/verify-site/c/badge/",
    "http://127.0.0.1.:{port}/verify-site/c/badge/",
    "https://127.0.0.1:{port}/verify-site/c/badge/",
    "https://localhost.:{port}/verify-site/c/badge/",
    "https://[::1]:{port}/verify-site/c/badge/",
    "https://[::ffff:127.0.0.1]:{port}/verify-site/c/badge/",
    "https://[::ffff:7f00:1]:{port}/verify-site/c/badge/",
    "https://0.0.0.0:{port}/verify-site/c/badge/",
    "https://169.254.169.254/latest/meta-data/",
]


@pytest.mark.parametrize("template", LOOPBACK_URLS)
def test_query_url_private_hosts_are_refused(page, server, good, template):
    url = template.format(port=server.port)
    page.goto(f"{server.url}verify/?url={url}")
    result = panel(page)
    assert result["verdict"] == "cannot-verify", result
    assert "Refusing" in result["text"], result["text"]


@pytest.mark.parametrize(
    "host",
    [
        "2130706433%3A{port}",
        "0x7f000001%3A{port}",
        "0177.0.0.1%3A{port}",
        "127.1%3A{port}",
        "localhost.%3A{port}",
        "127.0.0.1.%3A{port}",
        "169.254.169.254",
        "0",
    ],
)
def test_did_web_private_host_spellings_are_refused(verify, site, server, host):
    issuer = f"did:web:{host.format(port=server.port)}:verify-site"
    cred = site.credential("x")
    cred["issuer"]["id"] = issuer
    result = paste(verify, json.dumps(sign(cred, site.seed, f"{issuer}#key-1")))
    assert result["verdict"] == "cannot-verify"
    assert "private, loopback" in result["text"], result["text"]


def test_page_with_two_credentials_is_refused(verify, site, good, server):
    other = Site(server, "second-page-site").signed("other")
    url = site.write_page("two", good)
    path = site.dir / "c" / "two" / "index.html"
    second = f'<script type="application/ld+json" id="cp-credential">{json.dumps(other)}</script>'
    path.write_text(path.read_text(encoding="utf-8").replace("</head>", second + "</head>"))
    result = by_url(verify, url)
    assert result["verdict"] == "invalid"
    assert "more than one credential" in result["text"]
