"""Sharing on a real built site, in headless Chromium: baked badge downloads (PNG, SVG, and PNG
rasterised from SVG) that credpages.issuer.baking reads back and that verify, the printed
certificate (one landscape page on A4 and Letter), "Print or save as PDF", and the copy buttons.

The site is built by MkDocs from a generated issuer (tests/test_site_build helpers) whose
``site_url`` is this module's own server, so the page's did:web resolves and it verifies.
"""

from __future__ import annotations

import html
import io
import json
import random
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from credpages.cli.site_config import load_settings
from credpages.config import Settings
from credpages.credential.verify import verify_document
from credpages.credential.yamlio import load_yaml
from credpages.issuer.award_request import make_request
from credpages.issuer.baking import bake_png, extract_png, extract_svg, png_chunks
from credpages.issuer.issuing import Issuer
from credpages.issuer.signing import Signer
from credpages.site.collect import collect
from credpages.site.linkedin import add_to_profile_url
from credpages.site.publish import credential_json, site_info
from credpages.site.qr import qr_img
from credpages.site.render import (
    CredentialStatusInfo,
    ShareImage,
    credential_page_context,
    make_environment,
    render_credential_page,
)

from .harness import REPO, Server
from .helpers import panel

pytestmark = pytest.mark.browser

SVG_BADGE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!-- a wide badge -->\n'
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100">'
    '<rect width="200" height="100" rx="20" fill="#3f51b5"/>'
    '<circle cx="100" cy="50" r="30" fill="#ffc107"/></svg>\n'
)


def png_badge() -> bytes:
    """A PNG with a tEXt chunk and an old openbadgecredential chunk (baking must replace it)."""
    image = Image.new("RGBA", (96, 96), (63, 81, 181, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    png = bake_png(buffer.getvalue(), '{"old": "credential ]]> <x>"}')
    ihdr_end = 8 + 12 + 13
    text = b"Comment\0made by the test"
    chunk = struct.pack(">I", len(text)) + b"tEXt" + text
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + text))
    return png[:ihdr_end] + chunk + png[ihdr_end:]


@dataclass
class BuiltSite:
    server: Server
    settings: Settings
    site_dir: Path
    pages: dict[str, str]  # achievement id → page URL
    signed: dict[str, dict[str, Any]]  # achievement id → the signed credential
    rerendered: bool

    def slug(self, achievement: str) -> str:
        return str(self.signed[achievement]["id"]).rstrip("/").rsplit("/", 1)[1]


def write_issuer(root: Path, site_url: str) -> tuple[Path, bytes]:
    from test_site_build import make_site

    config, seed = make_site(root, site_url=site_url)
    text = config.read_text(encoding="utf-8")
    issuer = "        name: Test Academy"
    theme = "theme:\n  name: material\n"
    assert issuer in text and theme in text
    logo = "        image: assets/logo.svg\n        linkedin_organization_id: '1234567'\n"
    text = text.replace(issuer, logo + issuer)
    # The theme folder of this repository: its CSS and ES modules are copied into the site.
    text = text.replace(theme, f"{theme}  font: false\n  custom_dir: '{REPO / 'theme'}'\n")
    config.write_text(text, encoding="utf-8")
    assets = root / "docs" / "assets"
    assets.mkdir(parents=True)
    (assets / "badge.png").write_bytes(png_badge())
    (assets / "badge.svg").write_text(SVG_BADGE, encoding="utf-8")
    (assets / "logo.svg").write_text(SVG_BADGE.replace("200 100", "100 100"), encoding="utf-8")
    achievements = root / "credentials" / "achievements"
    base = (achievements / "python-basics.yaml").read_text(encoding="utf-8")
    (achievements / "python-basics.yaml").write_text(
        base + "image: assets/badge.png\nvalid_for_days: 730\n", encoding="utf-8"
    )
    (achievements / "svg-badge.yaml").write_text(
        base.replace("Python Basics", "Vector Badge") + "image: assets/badge.svg\n",
        encoding="utf-8",
    )
    return config, seed


def issue(config: Path, seed: bytes, achievement: str, name: str) -> dict[str, Any]:
    settings = load_settings(config)
    issuer = Issuer(settings, Signer(settings, seed), rng=random.Random(achievement).randrange)
    row = {"name": name, "email": "r@example.test", "issued": "2026-01-15"}
    outcome = issuer.issue(make_request(settings, row, origin="test", achievement_id=achievement))
    assert outcome.path is not None
    return dict(load_yaml(outcome.path).data)


def rerender_pages(config: Path, site_dir: Path) -> bool:
    """Until the build passes a QR code and share card to credential pages, add them here with
    the same render settings the build used (a page that has them already is left alone)."""
    from mkdocs.config import load_config

    from credpages.mkdocs_plugin.plugin import _theme_info

    settings = load_settings(config)
    data = collect(settings)
    cfg = load_config(config_file=str(config))
    theme = _theme_info(cfg)
    env = make_environment(list(theme.template_dirs))
    changed = False
    for report in data.credentials:
        doc = data.document(report)
        assert report.slug is not None
        index = site_dir / "c" / report.slug / "index.html"
        if 'class="cp-qr"' in index.read_text(encoding="utf-8"):
            continue
        context = credential_page_context(
            doc,
            site=site_info(data, theme),
            status=CredentialStatusInfo(state=report.state),  # type: ignore[arg-type]
            linkedin_url=add_to_profile_url(doc, settings),
            qr_img=qr_img(doc["id"]),
            share_image=ShareImage("share.png", 1200, 627, "image/png", "Share card"),
        )
        index.write_text(render_credential_page(env, context), encoding="utf-8")
        changed = True
    return changed


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    from test_site_build import run_build

    root = tmp_path_factory.mktemp("sharing")
    server = Server(root / "site")  # bound now: its port is part of site_url (and the DID)
    config, seed = write_issuer(root, server.url)
    recipients = [("python-basics", "Ada Lovelace"), ("svg-badge", "Grace Hopper")]
    signed = {a: issue(config, seed, a, name) for a, name in recipients}
    site_dir = run_build(config)
    assert site_dir == root / "site"
    rerendered = rerender_pages(config, site_dir)
    server.start()
    try:
        yield BuiltSite(
            server=server,
            settings=load_settings(config),
            site_dir=site_dir,
            pages={a: str(doc["id"]) for a, doc in signed.items()},
            signed=signed,
            rerendered=rerendered,
        )
    finally:
        server.stop()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh context allowed to use the clipboard (downloads are accepted by default)."""
    ctx = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def query(url: str) -> dict[str, str]:
    """The query of ``url``, every parameter present exactly once."""
    parsed = parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)
    assert all(len(v) == 1 for v in parsed.values()), parsed
    return {k: v[0] for k, v in parsed.items()}


def open_verified(context: Any, url: str) -> Any:
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    result = panel(page)
    assert result["verdict"] == "verified", result
    page.requests = requests
    return page


def download(page: Any, kind: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(f"button[data-cp={kind}]")
    dl = info.value
    assert dl.failure() is None
    return dl.suggested_filename, Path(dl.path()).read_bytes()


def page_json(page: Any) -> str:
    return str(page.eval_on_selector("#cp-credential", "el => el.textContent"))


def assert_verifies(text: str, built: BuiltSite, signed: dict[str, Any]) -> None:
    doc = json.loads(text)
    assert doc == signed
    report = verify_document(doc, built.settings, source="baked badge", revoked_bits=None)
    assert report.ok, report.reason
    assert report.state == "valid"


# ---------------------------------------------------------------------------------------------
# baked badges


def test_png_badge_is_baked_in_the_browser(context: Any, built: BuiltSite) -> None:
    page = open_verified(context, built.pages["python-basics"])
    assert not [u for u in page.requests if u.endswith("bake.js")]  # loaded on click only
    buttons = page.eval_on_selector_all("button[data-cp]", "bs => bs.map(b => b.dataset.cp)")
    assert "svg" not in buttons and "png" in buttons  # a PNG image: PNG only
    name, png = download(page, "png")
    assert name == f"{built.slug('python-basics')}.png"
    text = extract_png(png)
    assert text == page_json(page)  # the page's JSON, byte for byte
    assert_verifies(text, built, built.signed["python-basics"])
    # One iTXt chunk right after IHDR (the old one replaced), every other chunk kept as it was.
    chunks = png_chunks(png)
    original = png_chunks((built.site_dir / "assets" / "badge.png").read_bytes())
    assert chunks[0] == original[0] and chunks[1][0] == b"iTXt"
    itxt = chunks[1][1]
    assert itxt == b"openbadgecredential\0" + b"\0\0" + b"\0" + b"\0" + text.encode("utf-8")
    is_credential = [c[0] == b"iTXt" and c[1].startswith(b"openbadgecredential\0") for c in chunks]
    assert sum(is_credential) == 1
    rest = [c for c in original if not c[1].startswith(b"openbadgecredential\0")]
    assert chunks[2:] == rest[1:]
    assert Image.open(io.BytesIO(png)).size == (96, 96)
    assert [u for u in page.requests if u.endswith("bake.js")]


def test_svg_badge_is_baked_in_the_browser(context: Any, built: BuiltSite) -> None:
    page = open_verified(context, built.pages["svg-badge"])
    name, data = download(page, "svg")
    assert name == f"{built.slug('svg-badge')}.svg"
    svg = data.decode("utf-8")
    text = extract_svg(svg)
    assert text == page_json(page)
    assert_verifies(text, built, built.signed["svg-badge"])
    head, _, _ = SVG_BADGE.partition("<svg ")
    assert svg.startswith(head)  # XML declaration and comment kept
    start = re.search(r"<svg[^>]*>", svg)
    assert start is not None
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in start.group(0)
    assert svg[start.end() :].startswith("<openbadges:credential><![CDATA[")
    assert svg.endswith('<circle cx="100" cy="50" r="30" fill="#ffc107"/></svg>\n')


def test_png_of_an_svg_badge_is_rasterised_then_baked(context: Any, built: BuiltSite) -> None:
    page = open_verified(context, built.pages["svg-badge"])
    name, png = download(page, "png")
    assert name.endswith(".png")
    text = extract_png(png)
    assert text == page_json(page)
    assert_verifies(text, built, built.signed["svg-badge"])
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (512, 256)  # the viewBox's 2:1, 512 px on the long side
    assert image.getpixel((256, 128)) == (255, 193, 7)  # the drawing, not a blank canvas
    assert image.getpixel((256, 10)) == (63, 81, 181)


def test_credential_json_with_script_breakers_survives_baking(
    context: Any, built: BuiltSite
) -> None:
    """The page's JSON escapes <, > and & (\\u003c…): the baked text is that JSON, still equal."""
    page = open_verified(context, built.pages["python-basics"])
    text = page_json(page)
    assert json.loads(text) == json.loads(credential_json(built.signed["python-basics"]))


def test_a_failed_bake_is_reported_not_thrown(context: Any, built: BuiltSite) -> None:
    page = open_verified(context, built.pages["python-basics"])
    page.eval_on_selector("[data-cp-image]", "p => { p.dataset.cpImage = 'missing.png'; }")
    page.click("button[data-cp=png]")
    page.wait_for_function(
        "() => document.querySelector('.cp-status')?.textContent.includes('404')"
    )
    assert page.eval_on_selector("button[data-cp=png]", "b => b.disabled") is False


# ---------------------------------------------------------------------------------------------
# the printed certificate


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_print_is_one_landscape_certificate_page(
    context: Any, built: BuiltSite, paper: str
) -> None:
    page = open_verified(context, built.pages["python-basics"])
    page.emulate_media(media="print")
    pdf = page.pdf(format=paper, landscape=True)
    assert pdf_pages(pdf) == 1
    assert re.findall(rb"/Count (\d+)", pdf) == [b"1"]
    box = [float(v) for v in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)[0].split()]
    assert box[2] > box[3]  # landscape
    # The certificate honours its own @page (named page "cp-certificate") too.
    assert pdf_pages(page.pdf(format=paper, landscape=True, prefer_css_page_size=True)) == 1


def test_long_names_still_print_on_one_page(context: Any, built: BuiltSite) -> None:
    """Names, titles, summaries and ids of any length are clamped on the certificate, never a
    second page."""
    page = open_verified(context, built.pages["python-basics"])
    page.evaluate(
        """() => {
          const long = 'Wolfeschlegelsteinhausenbergerdorff \u0645\u062d\u0645\u062f '.repeat(40);
          for (const sel of ['.cp-recipient bdi', '.cp-hero h1 bdi', '.cp-desc .cp-prose',
                             '.cp-by bdi', '.cp-details dd:last-child bdi']) {
            document.querySelector(sel).textContent = long;
          }
        }"""
    )
    page.emulate_media(media="print")
    for paper in ("A4", "Letter"):
        assert pdf_pages(page.pdf(format=paper, landscape=True)) == 1
    qr = page.eval_on_selector(".cp-cert .cp-qr img", "el => el.getBoundingClientRect().width")
    assert qr > 100  # still there, about 30 mm


def test_print_shows_the_certificate_and_none_of_the_site(context: Any, built: BuiltSite) -> None:
    """The printed certificate is the article itself (no second copy of its facts): the issuer
    with its logo, the badge, recipient, title, summary, dates, id and the QR code; nothing of
    the site, the verification panel, the criteria, skills or sharing."""
    page = open_verified(context, built.pages["python-basics"])
    page.emulate_media(media="print")
    shown = page.evaluate(
        """() => {
          const visible = (el) => !!el && el.getClientRects().length > 0
            && getComputedStyle(el).visibility !== 'hidden';
          const all = (sel) => [...document.querySelectorAll(sel)];
          const frame = document.querySelector('.cp-main');
          return {
            chrome: all('.cp-header, .cp-footer, #cp-verify, .cp-steps, .cp-sharebar, button,'
              + ' .cp-button, .cp-copylist, .cp-tags, article > section:not(.cp-desc, .cp-details),'
              + ' .cp-details h2, .cp-desc h2').some(visible),
            parts: ['.cp-by img', '.cp-by a', '.cp-recipient', '.cp-hero h1', '.cp-desc .cp-prose',
                    '.cp-dates', '.cp-details dd:last-child', '.cp-cert .cp-qr img', '.cp-badge']
              .map((s) => [s, visible(document.querySelector(s))]),
            qrs: all('.cp-qr img').length,
            text: frame.innerText,
            brand: getComputedStyle(frame).borderTopColor,
          };
        }"""
    )
    assert shown["chrome"] is False
    assert all(ok for _, ok in shown["parts"]), shown["parts"]
    assert shown["qrs"] == 1
    for text in (
        "Test Academy",
        "Ada Lovelace",
        "Python Basics",
        "15 January 2026",
        "Scan to verify",
    ):
        assert text in shown["text"]
    assert built.pages["python-basics"] in shown["text"]
    for text in ("Verification", "Criteria", "Details", "Share", "by Test Academy"):
        assert text not in shown["text"]
    assert shown["brand"] == "rgb(64, 81, 181)"  # Material's indigo: the site's primary colour
    # On screen the certificate's own element shows nothing but its QR code.
    page.emulate_media(media="screen")
    on_screen = page.evaluate(
        "() => [...document.querySelector('.cp-cert').children]"
        ".filter((el) => el.getClientRects().length).map((el) => el.className)"
    )
    assert on_screen == ["cp-qr"]


def test_download_pdf_button_prints(context: Any, built: BuiltSite) -> None:
    page = open_verified(context, built.pages["python-basics"])
    page.evaluate(
        "() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }"
    )
    page.click("button[data-cp=print]")
    assert page.evaluate("window.__printed") == 1


# ---------------------------------------------------------------------------------------------
# copy buttons


def follow_add_to_profile(context: Any, page: Any) -> str:
    """Click "Add to profile" as a visitor does: LinkedIn opens in its own tab (answered here,
    never fetched), and LinkedIn's values to copy are drawn under the link. Its address."""
    context.route("https://www.linkedin.com/**", lambda route: route.fulfill(body="LinkedIn"))
    assert page.query_selector(".cp-copylist") is None  # drawn when it is followed
    with page.expect_popup() as popup:
        page.click("a[data-cp-share=profile]")
    url = str(popup.value.url)
    popup.value.close()
    page.wait_for_selector(".cp-copylist dd button")
    return url


def test_copy_buttons_put_each_value_on_the_clipboard(context: Any, built: BuiltSite) -> None:
    page = open_verified(context, built.pages["python-basics"])
    linkedin = follow_add_to_profile(context, page)
    assert query(linkedin) == query(
        add_to_profile_url(built.signed["python-basics"], built.settings)
    )
    rows = page.eval_on_selector_all(
        ".cp-copylist dd",
        "dds => dds.map(dd => [dd.previousElementSibling.textContent,"
        " dd.firstElementChild.textContent,"
        " dd.querySelector('button').getAttribute('aria-label')])",
    )
    labels = [r[0] for r in rows]
    assert labels == [
        "Name",
        "Issuing organization",
        "Issue date",
        "Expiration date",
        "Credential ID and URL",
    ]
    assert rows[1][1] == "Test Academy"  # organizationId sent, the name shown for copying
    assert rows[2][1] == "January 2026" and rows[3][1] == "January 2028"
    buttons = page.query_selector_all(".cp-copylist dd button")
    for (label, value, aria), button in zip(rows, buttons, strict=True):
        assert aria == f"Copy {label}"
        button.click()
        page.wait_for_function("(b) => b.textContent === 'Copied'", arg=button)
        page.wait_for_function(
            "() => document.querySelector('.cp-status').textContent === 'Copied to the clipboard.'"
        )
        assert page.evaluate("navigator.clipboard.readText()") == value


def test_copy_list_is_drawn_from_the_credential_as_text(context: Any, built: BuiltSite) -> None:
    """LinkedIn's values are drawn from #cp-credential: a hostile name stays text."""
    hostile = '<img src=x onerror="window.__owned=1"> \u202e & "Basics"'
    page = context.new_page()

    def serve(route: Any) -> None:
        response = route.fetch()
        body = response.text()
        start = body.index('id="cp-credential">') + len('id="cp-credential">')
        end = body.index("</script>", start)
        cred = json.loads(body[start:end])
        cred["name"] = hostile
        escaped = json.dumps(cred).replace("<", "\\u003c").replace(">", "\\u003e")
        route.fulfill(response=response, body=body[:start] + escaped + body[end:])

    page.route(built.pages["python-basics"], serve)
    page.goto(built.pages["python-basics"])
    page.wait_for_selector("html.cp-js")
    follow_add_to_profile(context, page)
    rows = page.eval_on_selector_all(
        ".cp-copylist dd",
        "dds => dds.map(dd => [dd.firstElementChild.localName, dd.firstElementChild.textContent])",
    )
    assert rows[0] == ["bdi", hostile]
    assert [r[1] for r in rows[1:]] == [
        "Test Academy",
        "January 2026",
        "January 2028",
        built.pages["python-basics"],
    ]
    assert page.query_selector("img[src=x]") is None
    assert page.evaluate("window.__owned") is None
    # under the button, the hint, then the list
    hint = page.eval_on_selector(".cp-copylist", "dl => dl.previousElementSibling.textContent")
    assert hint == "If LinkedIn leaves its form empty, copy these values into it:"
    link = "a[data-cp-share=profile]"
    assert page.eval_on_selector(
        ".cp-hint", f"p => p.previousElementSibling.contains(document.querySelector('{link}'))"
    )
    with page.expect_popup() as again:  # followed again: still one list
        page.click(link)
    again.value.close()
    assert len(page.query_selector_all(".cp-copylist")) == 1
    assert len(page.query_selector_all(".cp-copylist button")) == 5


def test_copy_link_copies_the_page_url(context: Any, built: BuiltSite) -> None:
    page = open_verified(context, built.pages["python-basics"])
    page.click("button[data-cp=link]")
    page.wait_for_function(
        "() => document.querySelector('[data-cp=link]').textContent === 'Copied'"
    )
    assert page.evaluate("navigator.clipboard.readText()") == built.pages["python-basics"]
    page.wait_for_function(
        "() => document.querySelector('[data-cp=link]').textContent === 'Copy link'", timeout=4000
    )


def test_copy_falls_back_when_the_clipboard_api_refuses(context: Any, built: BuiltSite) -> None:
    page = open_verified(context, built.pages["python-basics"])
    follow_add_to_profile(context, page)
    page.evaluate(
        "() => { navigator.clipboard.writeText = () => Promise.reject(new Error('denied')); }"
    )
    page.click(".cp-copylist dd button")
    page.wait_for_function(
        "() => ['Copied', 'Copy failed']"
        ".includes(document.querySelector('.cp-copylist button').textContent)"
    )
    if page.text_content(".cp-copylist button") == "Copied":  # execCommand worked
        assert page.evaluate("navigator.clipboard.readText()") == "Python Basics"
    assert page.query_selector("textarea") is None  # the helper textarea is gone


# ---------------------------------------------------------------------------------------------
# the page as a whole


def test_the_page_loads_nothing_from_other_hosts(context: Any, built: BuiltSite) -> None:
    page = open_verified(context, built.pages["svg-badge"])
    with page.expect_download():
        page.click("button[data-cp=png]")
    page.emulate_media(media="print")
    page.pdf(format="A4", landscape=True)
    origin = built.server.url
    assert page.requests and all(u.startswith((origin, "blob:", "data:")) for u in page.requests), [
        u for u in page.requests if not u.startswith(origin)
    ]


def test_share_links_are_in_the_built_page(context: Any, built: BuiltSite) -> None:
    """share.js writes the addresses the page leaves out: each value URL-encoded (a space as %20,
    which mail clients read too), the "Add to profile" link the same as issuing reports."""
    page = open_verified(context, built.pages["python-basics"])
    url = built.pages["python-basics"]
    title = page.get_attribute('meta[property="og:title"]', "content")
    assert title == "Python Basics — Ada Lovelace"
    hrefs = page.eval_on_selector_all(".cp-sharebar a", "as => as.map(a => a.href)")
    targets = page.eval_on_selector_all(".cp-sharebar a", "as => as.map(a => a.target)")
    assert targets == ["_blank", "_blank", "_blank", ""]  # the e-mail link opens the mail app
    assert page.get_attribute("a[data-cp-share=profile]", "target") == "_blank"
    expected = [
        ("https://www.linkedin.com/sharing/share-offsite/", {"url": url}),
        ("https://twitter.com/intent/tweet", {"url": url, "text": title}),
        ("https://www.facebook.com/sharer/sharer.php", {"u": url}),
        ("mailto:", {"subject": title, "body": url}),
    ]
    assert [(h.split("?")[0], query(h)) for h in hrefs] == expected
    for href in hrefs:
        assert not re.search(r"[^A-Za-z0-9%&=._~-]", href.split("?")[1]), href
    profile = page.get_attribute("a[data-cp-share=profile]", "href")
    signed = built.signed["python-basics"]
    assert profile.split("?")[0] == "https://www.linkedin.com/profile/add"
    assert query(profile) == query(add_to_profile_url(signed, built.settings))
    assert query(profile)["organizationId"] == "1234567"  # the issuer's, from the page
    assert page.is_visible("figure.cp-qr img")
    assert page.is_visible("button[data-cp=png]")  # shown once share.js ran (html.cp-js)
    assert page.is_visible(".cp-sharebar a") and page.is_visible("a[data-cp-share=profile]")


def test_hostile_share_text_is_only_encoded(context: Any, built: BuiltSite) -> None:
    """A title with markup and bidi controls goes into the links as encoded text, nothing else."""
    hostile = 'Ada "</script><img src=x onerror=alert(1)>\u202e & more+'
    page = context.new_page()

    def serve(route: Any) -> None:
        response = route.fetch()
        body = response.text().replace(
            'content="Python Basics — Ada Lovelace"', f'content="{html.escape(hostile)}"', 1
        )
        assert hostile[:10] in html.unescape(body)
        route.fulfill(response=response, body=body)

    page.route(built.pages["python-basics"], serve)
    page.goto(built.pages["python-basics"])
    page.wait_for_selector("html.cp-js")
    hrefs = page.eval_on_selector_all(".cp-sharebar a", "as => as.map(a => a.href)")
    assert query(hrefs[1])["text"] == hostile and query(hrefs[3])["subject"] == hostile
    assert page.query_selector("img[src=x]") is None


def test_without_javascript_the_script_buttons_are_hidden(browser: Any, built: BuiltSite) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(built.pages["python-basics"])
        assert not page.is_visible("button[data-cp=print]")
        assert not page.is_visible("button[data-cp=png]")
        # the links whose addresses share.js writes are hidden, not links that go nowhere
        assert not page.is_visible(".cp-sharebar a")
        assert not page.is_visible("a[data-cp-share=profile]")
        # LinkedIn's values to copy are drawn by share.js; the page's facts stay visible
        assert page.query_selector(".cp-copylist") is None
        assert not page.is_visible("text=Add to your LinkedIn profile")
        assert page.is_visible(".cp-hero h1") and page.is_visible(".cp-details")
    finally:
        ctx.close()
