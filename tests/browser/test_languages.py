"""The demo built in each shipped language, checked in headless Chromium.

For every catalog in ``credpages/locales/`` but English: the demo builds with ``theme.language``
set to it; its verified credential reaches the verdict "verified" with the sentence in that
language, on the credential page and on /verify/; the pages carry the language's ``lang`` and
``dir``; and none of credpages' English interface strings (from ``credpages.pot``) is left in
what a visitor reads or hears (text, ``aria-label``, ``title``, ``alt``, ``placeholder``). Adding
a catalog adds its run here: nothing to edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from credpages import i18n

from .conftest import isolated_context
from .demo_site import DemoSite, build_demo, page_urls, settle
from .harness import Server
from .helpers import panel

pytestmark = pytest.mark.browser


def material_language(lang: i18n.Language) -> str:
    """``theme.language`` as a site sets it: Material's own code for the language (``pt-BR``,
    ``zh``), since Material fails the build on a code it has no partial for (``pt-br``,
    ``zh-Hans``)."""
    import material

    partials = Path(material.__file__).parent / "templates" / "partials" / "languages"
    for code in (lang.tag, lang.tag.split("-")[0]):
        if (partials / f"{code}.html").is_file():
            return code
    raise AssertionError(f"Material has no language {lang.tag}")


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
