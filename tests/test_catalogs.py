"""Message catalogs: every shipped catalog is complete against the sources, and a site in another
language gets its pages, dates, share-card text and browser strings in that language."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from conftest import IssuerSite
from credpages import i18n
from credpages.errors import CredpagesError
from credpages.site.render import credential_page_context, make_environment, render_credential_page
from factories import issue_args
from htmltree import parse

REPO = Path(__file__).resolve().parent.parent
POT = i18n.LOCALES_DIR / f"{i18n.DOMAIN}.pot"
CATALOGS = sorted(i18n.LOCALES_DIR.glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po"))


def _catalog_script() -> Any:
    spec = importlib.util.spec_from_file_location("catalogs", REPO / "scripts" / "catalogs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ids(path: Path) -> list[Any]:
    with path.open("rb") as handle:
        return [m.id for m in read_po(handle) if m.id]


def test_the_template_holds_every_message_of_the_sources() -> None:
    """A string added to a template, module or page without `scripts/catalogs.py update`
    would stay English everywhere: the committed .pot must equal a fresh extraction."""
    fresh = [m.id for m in _catalog_script().extract() if m.id]
    assert sorted(map(str, fresh)) == sorted(map(str, _ids(POT)))


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_every_shipped_catalog_is_complete(po: Path) -> None:
    assert i18n.catalog_problems(po, POT) == []


def test_english_and_french_ship() -> None:
    assert {"en", "fr"} <= set(i18n.shipped())


def test_the_check_finds_what_a_catalog_lacks(tmp_path: Path) -> None:
    """Missing, empty, fuzzy, a dropped or renamed placeholder: each is reported."""
    text = (i18n.LOCALES_DIR / "fr" / "LC_MESSAGES" / "credpages.po").read_text(encoding="utf-8")
    broken = text.replace('msgstr "Page introuvable"', 'msgstr ""')
    broken = broken.replace('msgstr "par %(issuer)s"', 'msgstr "par %(issuers)s"')
    broken = broken.replace('msgstr "Copier {label}"', 'msgstr "Copier"')
    broken = broken.replace(
        '#: theme/credpages/_base.html\nmsgid "Skip to content"',
        '#: theme/credpages/_base.html\n#, fuzzy\nmsgid "Skip to content"',
    )
    broken = re.sub(r'\nmsgid "Share"\nmsgstr "Partager"\n', "\n", broken)
    po = tmp_path / "xx" / "LC_MESSAGES" / "credpages.po"
    po.parent.mkdir(parents=True)
    po.write_text(broken, encoding="utf-8")
    problems = "\n".join(i18n.catalog_problems(po, POT))
    assert "not translated 'Page not found'" in problems
    assert "placeholders ['issuers'] instead of ['issuer']" in problems
    assert "placeholders [] instead of ['label']" in problems
    assert "fuzzy (check, then remove the mark) 'Skip to content'" in problems
    assert "missing 'Share'" in problems
    assert len(problems.splitlines()) == 5


def test_languages_are_found_as_people_write_them() -> None:
    assert i18n.find_language("fr") == i18n.find_language("fr-CA") == i18n.find_language("FR")
    assert i18n.find_language("fr_FR") is not None
    assert i18n.find_language("en-US") == i18n.shipped()["en"]
    assert i18n.find_language("tlh") is None
    if "zh-hans" in i18n.shipped():  # Simplified Chinese serves zh and zh-CN, never zh-TW
        assert i18n.find_language("zh") == i18n.find_language("zh-CN") == i18n.shipped()["zh-hans"]
        assert i18n.find_language("zh-TW") is None and i18n.find_language("zh-Hant") is None
    assert i18n.find_language("not a tag") is None
    assert i18n.language("tlh").tag == "en"
    assert i18n.unknown_language("fr", "theme.language") is None
    warning = i18n.unknown_language("tlh", "theme.language")
    assert warning is not None and "theme.language" in warning and "'tlh'" in warning


def test_dates_and_numbers_follow_the_language() -> None:
    assert i18n.format_date("2026-09-15T09:00:00+02:00") == "15 September 2026"
    assert i18n.format_date("2026-09-15T09:00:00+02:00", "fr") == "15 septembre 2026"
    assert i18n.format_number(12345, "fr") == "12\u202f345"
    assert i18n.format_month(2026, 9, "fr") == "septembre 2026"


def test_a_malformed_language_names_the_setting(issuer_site: IssuerSite) -> None:
    text = issuer_site.config.read_text(encoding="utf-8")
    for value, ok in (("fr", True), ("'français!'", False), ("[fr]", False)):
        issuer_site.config.write_text(
            text.replace("  name: material\n", f"  name: material\n  language: {value}\n"),
            encoding="utf-8",
        )
        if ok:
            assert issuer_site.settings.language == value
            continue
        with pytest.raises(CredpagesError) as caught:
            _ = issuer_site.settings
        assert "mkdocs.yml" in str(caught.value) and "theme.language" in str(caught.value)


def test_the_browser_keys_match_the_javascript() -> None:
    """``i18n.js`` looks strings up by the same FNV-1a key (here as written in the module)."""
    source = (REPO / "theme" / "assets" / "credpages" / "i18n.js").read_text(encoding="utf-8")
    assert "0x811c9dc5" in source and "0x01000193" in source
    assert i18n.message_key("Verified") == "1jnn2zp"
    module = i18n.strings_module("fr")
    assert f'"{i18n.message_key("Verified")}":"Vérifiée"' in module
    assert '"$locale":"fr"' in module
    assert "Verified" not in module  # keys, not the English text


def _page(lang: str, achievement_language: str | None = None) -> Any:
    from test_render import make_credential, site_info

    cred = make_credential()
    if achievement_language:
        cred["credentialSubject"]["achievement"]["inLanguage"] = achievement_language
    context = credential_page_context(cred, site=site_info(language=lang))
    return parse(render_credential_page(make_environment(), context))


def test_a_credential_page_in_french() -> None:
    doc = _page("fr")
    html = doc.find("html")
    assert (html.attrs["lang"], html.attrs["dir"]) == ("fr", "ltr")
    text = doc.find("body").text
    assert "Vérifier une attestation" in text and "Verify a credential" not in text
    time = doc.find("time", data_field="validFrom")
    assert time is not None and "novembre" in time.text
    assert time.attrs["datetime"] == "2026-11-28T00:00:00Z"  # as signed


def test_an_achievement_language_overrides_the_site_language() -> None:
    assert _page("en", achievement_language="fr").find("html").attrs["lang"] == "fr"
    assert _page("fr", achievement_language="tlh").find("html").attrs["lang"] == "fr"


def _build_in(issuer_site: IssuerSite, language: str) -> tuple[str, Path, str]:
    """Set ``theme.language``, issue one credential and build: (what the build said, the site
    folder, the credential's page)."""
    text = issuer_site.config.read_text(encoding="utf-8")
    issuer_site.config.write_text(
        text.replace("  name: material\n", f"  name: material\n  language: {language}\n"),
        encoding="utf-8",
    )
    assert issuer_site.run(*issue_args()).code == 0
    result = issuer_site.run("build")
    assert result.code == 0, result
    site = issuer_site.root / "site"
    page = next((site / "c").glob("*/index.html")).read_text(encoding="utf-8")
    return result.out + result.err, site, page


def test_a_site_builds_in_french_with_its_strings_file(issuer_site: IssuerSite) -> None:
    _, site, page = _build_in(issuer_site, "fr")
    strings = site / "assets" / "credpages" / "strings" / "fr.js"
    assert strings.read_text(encoding="utf-8") == i18n.strings_module("fr")
    assert '<html lang="fr" dir="ltr">' in page
    # i18n.js imports it: preloaded with the other modules, it does not wait for i18n.js to run
    assert '<link rel="modulepreload" href="../../assets/credpages/strings/fr.js">' in page
    assert "Décernée à" in page
    assert 'lang="fr"' in (site / "verify" / "index.html").read_text(encoding="utf-8")


def test_an_unknown_language_builds_in_english_with_a_warning(issuer_site: IssuerSite) -> None:
    """Material translates its own pages into Korean; credpages has no Korean catalog (yet)."""
    said, site, page = _build_in(issuer_site, "ko")
    assert "theme.language" in said and "'ko'" in said
    assert '<html lang="en" dir="ltr">' in page
    assert not (site / "assets" / "credpages" / "strings").exists()
    assert "strings/" not in page


def test_a_right_to_left_language_sets_the_page_direction() -> None:
    """Arabic ships (its catalog is the one right-to-left language today)."""
    assert i18n.shipped()["ar"].dir == "rtl" and i18n.shipped()["fr"].dir == "ltr"
    html = _page("ar").find("html")
    assert (html.attrs["lang"], html.attrs["dir"]) == ("ar", "rtl")
