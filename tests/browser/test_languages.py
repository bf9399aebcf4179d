"""The demo built in each shipped language, checked in headless Chromium.

For every catalog in ``credpages/locales/`` but English: the demo builds with ``theme.language``
set to it; its verified credential reaches the verdict "verified" with the sentence in that
language, on the credential page and on /verify/; the pages carry the language's ``lang`` and
``dir``; and none of credpages' English interface strings (from ``credpages.pot``) is left in
what a visitor reads or hears (text, ``aria-label``, ``title``, ``alt``, ``placeholder``); axe-core
finds no WCAG violation on the credential page and /verify/; and the layout follows the text
direction: the credential page, the printed certificate and the share card are mirrored in a
right-to-left language (Arabic) and not in the others. Adding a catalog adds its run here: nothing
to edit. (``bench/screenshots.py --language ar`` shows the same pages as pictures.)
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from PIL import Image, ImageStat

from credpages import i18n

from .conftest import isolated_context
from .demo_site import DemoSite, build_demo, material_language, page_urls, settle
from .harness import Server
from .helpers import panel
from .test_accessibility import NO_TRANSITIONS, axe_violations

pytestmark = pytest.mark.browser


LANGUAGES = sorted(
    material_language(lang) for key, lang in i18n.shipped().items() if key != i18n.SOURCE
)
# A fragment of an English message: its text between placeholders and tags, of 2+ words.
_SPLIT = re.compile(r"%\(\w+\)s|\{\w+\}|<[^>]*>")
# What the page says to a visitor: its text and the attributes read out or shown.
READ = """() => [document.body.innerText, document.title,
  ...[...document.querySelectorAll('[aria-label],[title],[alt],[placeholder]')].flatMap(
    (e) => ['aria-label', 'title', 'alt', 'placeholder'].map((a) => e.getAttribute(a) ?? ''))
].join('\\n')"""


def english_fragments(tag: str) -> set[str]:
    """Pieces of credpages' English messages that the ``tag`` catalog translates differently
    (a word both languages share, such as "Description" or "Badge", is not a leftover)."""
    pot = i18n.LOCALES_DIR / f"{i18n.DOMAIN}.pot"
    with pot.open("rb") as handle:
        template = read_po(handle)
    fragments = set()
    for message in template:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for msgid in ids:
            translated = i18n.gettext(tag, msgid) if isinstance(message.id, str) else ""
            for piece in _SPLIT.split(msgid):
                piece = piece.strip(" .,:;()")
                if len(piece.split()) >= 2 and piece not in translated:
                    fragments.add(piece)
    return fragments


@pytest.fixture(scope="module", params=LANGUAGES)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoSite]:
    root = tmp_path_factory.mktemp(f"demo-{request.param}")
    server = Server(root / "site")
    site = build_demo(root, server.url, language=request.param)
    server.start()
    try:
        yield site
    finally:
        server.stop()


@pytest.fixture(scope="module")
def tab(browser: Any) -> Iterator[Any]:
    context = isolated_context(browser)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def language_of(site: DemoSite) -> i18n.Language:
    text = (site.site_dir.parent / "mkdocs.yml").read_text(encoding="utf-8")
    found = re.search(r"\n  language: (\S+)\n", text)
    assert found is not None
    return i18n.language(found.group(1))


def leftovers(page: Any, fragments: set[str]) -> list[str]:
    shown = page.evaluate(READ)
    return sorted(f for f in fragments if f in shown)


def verified_prefix(tag: str) -> str:
    """The translated start of the verified sentence ("Verified: " in English)."""
    return i18n.translations(tag).gettext("Verified: {facts} Valid until {until}.").split("{")[0]


def test_credential_page_verifies_in_the_language(demo: DemoSite, tab: Any) -> None:
    lang = language_of(demo)
    urls = page_urls(demo)
    tab.goto(urls["credential-verified"])
    result = panel(tab)
    assert result["verdict"] == "verified", result
    assert result["text"].startswith(verified_prefix(lang.tag)), result["text"]
    assert all(step["state"] == "ok" for step in result["steps"].values()), result
    root = tab.evaluate("[document.documentElement.lang, document.documentElement.dir]")
    assert root == [lang.tag, lang.dir]
    assert leftovers(tab, english_fragments(lang.tag)) == []


@pytest.mark.parametrize("kind", ["verify-result", "achievement", "achievements", "404"])
def test_other_pages_speak_the_language(demo: DemoSite, tab: Any, kind: str) -> None:
    lang = language_of(demo)
    tab.goto(page_urls(demo)[kind])
    settle(tab)
    if kind == "verify-result":
        result = panel(tab)
        assert result["verdict"] == "verified", result
        assert result["text"].startswith(verified_prefix(lang.tag)), result["text"]
        tab.wait_for_selector(".cp-vcard")
    shown = tab.evaluate("document.documentElement.lang")
    if kind == "404":  # Material's own page, with Material's code for the language (pt, zh)
        assert i18n.find_language(shown) == lang, shown
    else:
        assert shown == lang.tag
    assert leftovers(tab, english_fragments(lang.tag)) == []


def test_the_strings_file_is_the_catalogs(demo: DemoSite) -> None:
    """The browser's strings come from the same catalog as the pages: no second copy to drift."""
    lang = language_of(demo)
    written = Path(demo.site_dir, "assets", "credpages", "strings", f"{lang.tag}.js")
    assert written.read_text(encoding="utf-8") == i18n.strings_module(lang.tag)


@pytest.mark.parametrize("kind", ["credential-verified", "verify", "verify-result"])
def test_axe_core_finds_no_violation(demo: DemoSite, desktop_page: Any, kind: str) -> None:
    """WCAG 2.2 AA in the language: lang attributes, contrast of the translated text, labels."""
    desktop_page.goto(page_urls(demo)[kind])
    settle(desktop_page)
    desktop_page.add_style_tag(content=NO_TRANSITIONS)
    assert axe_violations(desktop_page) == []


BOXES = """selectors => Object.fromEntries(selectors.map((s) => {
  const box = document.querySelector(s)?.getBoundingClientRect();
  return [s, box ? (box.left + box.right) / 2 : null];
}))"""


def first_is_right_of_second(page: Any, pairs: list[tuple[str, str]]) -> list[bool]:
    """For each pair of selectors: is the first element's centre right of the second's?"""
    x = page.evaluate(BOXES, [s for pair in pairs for s in pair])
    assert None not in x.values(), x
    return [x[a] > x[b] for a, b in pairs]


def test_the_layout_follows_the_text_direction(demo: DemoSite, desktop_page: Any) -> None:
    """Right to left, the badge stands right of the credential's title, the site's name right of
    its menu, the verdict's accent line on the right; the printed certificate has the issuer's
    logo right of its name and the QR code left of the dates; the share card has its artwork on
    the right and its text on the left. Left to right, each is the other way round."""
    rtl = language_of(demo).dir == "rtl"
    desktop_page.goto(page_urls(demo)["credential-verified"])
    settle(desktop_page)
    page_pairs = [(".cp-hero .cp-badge", ".cp-hero h1"), (".cp-brand", ".cp-nav")]
    assert first_is_right_of_second(desktop_page, page_pairs) == [rtl, rtl]
    # the title (the demo's is Latin) lines up with the recipient's line, on the page's start side
    edges = desktop_page.evaluate(
        """() => ['.cp-hero h1', '.cp-recipient'].map((s) => {
             const range = document.createRange();
             range.selectNodeContents(document.querySelector(s));
             const box = range.getBoundingClientRect();
             return [box.left, box.right]; })"""
    )
    side = 1 if rtl else 0
    assert abs(edges[0][side] - edges[1][side]) < 2, edges
    accent = desktop_page.evaluate(
        """() => { const s = getComputedStyle(document.getElementById('cp-verify'));
                   return [parseFloat(s.borderLeftWidth), parseFloat(s.borderRightWidth)]; }"""
    )
    assert (accent[1] > accent[0]) == rtl, accent

    desktop_page.emulate_media(media="print")
    try:
        cert_pairs = [(".cp-by img", ".cp-by bdi"), (".cp-qr", ".cp-dates")]
        assert first_is_right_of_second(desktop_page, cert_pairs) == [rtl, not rtl]
    finally:
        desktop_page.emulate_media(media="screen")

    card_url = desktop_page.locator('meta[property="og:image"]').get_attribute("content")
    assert card_url and card_url.startswith(demo.site_url), card_url
    card = Image.open(io.BytesIO((demo.site_dir / card_url[len(demo.site_url) :]).read_bytes()))
    grey = card.convert("L")
    third = grey.width // 3
    left = ImageStat.Stat(grey.crop((0, 0, third, grey.height))).mean[0]
    right = ImageStat.Stat(grey.crop((grey.width - third, 0, grey.width, grey.height))).mean[0]
    # the artwork's coloured panel is darker than the text's light background
    assert (right < left) == rtl, (left, right)
