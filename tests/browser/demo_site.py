"""The demo issuer's site, rebuilt for a test server: the same mkdocs.yml, docs and achievements,
with ``site_url`` set to the server's address and the demo credentials signed again for it
(``demo/make_demo.py``), so every page verifies in the browser as it does on the real demo.

Shared by the accessibility tests and ``bench/screenshots.py`` (which serves on the demo's own
port instead).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .harness import REPO

DEMO_URL = "http://127.0.0.1:8000/"


@dataclass(frozen=True)
class DemoSite:
    site_url: str
    site_dir: Path
    #: page kind → path below ``site_url``
    paths: dict[str, str]


def _make_demo() -> Any:
    spec = importlib.util.spec_from_file_location("make_demo", REPO / "demo" / "make_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def material_language(lang: Any) -> str:
    """``theme.language`` as a site sets it for the catalog ``lang`` (an ``i18n.Language``):
    Material's own code for the language (``pt-BR``, ``zh``), since Material fails the build on a
    code it has no partial for (``pt-br``, ``zh-Hans``)."""
    import material

    partials = Path(material.__file__).parent / "templates" / "partials" / "languages"
    for code in (lang.tag, lang.tag.split("-")[0]):
        if (partials / f"{code}.html").is_file():
            return str(code)
    raise AssertionError(f"Material has no language {lang.tag}")


def build_demo(root: Path, site_url: str, *, language: str | None = None) -> DemoSite:
    """Copy the demo issuer into ``root`` for ``site_url``, sign its credentials, build it
    (with ``theme.language`` set to ``language`` if given)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from credpages.cli.site_config import load_settings
    from credpages.site.collect import collect

    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8").replace(DEMO_URL, site_url)
    if language is not None:
        assert "\n  language: en\n" in text
        text = text.replace("\n  language: en\n", f"\n  language: {language}\n")
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copytree(REPO / "credentials" / "achievements", root / "credentials" / "achievements")
    (root / "theme").symlink_to(REPO / "theme", target_is_directory=True)
    _make_demo().main(root)

    cfg = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(root / "site"))
    try:
        build(cfg)
    finally:
        cfg.plugins.on_shutdown()

    data = collect(load_settings(root / "mkdocs.yml"))
    paths: dict[str, str] = {}
    for report in data.credentials:
        doc = data.document(report)
        assert report.slug is not None
        name = doc["credentialSubject"]["name"]
        kind = {
            "Ada Lovelace": "credential-verified",
            "فاطمة الزهراء": "credential-rtl",
            "José Müller-Ødegård": "credential-revoked",
            "Grace Hopper": "credential-expired",
            "Alan Turnig": "credential-superseded",
        }.get(name)
        if kind:
            paths[kind] = f"c/{report.slug}/"
    paths.update(
        {
            "achievement": "achievements/python-basics/",
            "achievements": "achievements/",
            "verify": "verify/",
            "404": "404.html",
            "home": "",
            "guide": "guide/",
            "guide-page": "guide/verification/",
        }
    )
    return DemoSite(site_url=site_url, site_dir=root / "site", paths=paths)


def page_urls(site: DemoSite) -> dict[str, str]:
    """Every page kind's URL, plus /verify/ showing a result (the verified credential's)."""
    urls = {kind: site.site_url + path for kind, path in site.paths.items()}
    urls["verify-result"] = f"{site.site_url}verify/?url={urls['credential-verified']}"
    return urls


def settle(page: Any) -> None:
    """Wait for the verifier (a panel still "pending" is not what a visitor reads)."""
    page.wait_for_load_state("load")
    empty_verify_page = page.url.endswith("/verify/")  # nothing to check yet
    if page.locator("#cp-verify").count() and not empty_verify_page:
        # a function, not an expression: Playwright evals an expression in the page while it
        # polls, which the pages' CSP (no 'unsafe-eval') refuses when the check is not done yet
        page.wait_for_function(
            "() => document.querySelector('#cp-verify').dataset.verdict !== 'pending'"
        )


def set_scheme(page: Any, scheme: str) -> None:
    """What a visitor gets: their system preference (credpages pages follow it, as the site has
    a palette toggle) and, on Material pages, the palette toggle switched to that scheme. Fails
    unless the page then shows that scheme (so no check runs on the wrong one)."""
    page.emulate_media(color_scheme=scheme)
    page.wait_for_timeout(100)  # Material re-applies its stored palette on a media change
    want = "slate" if scheme == "dark" else "default"
    page.evaluate(
        """want => {
            const option = document.querySelector(
                `input[name="__palette"][data-md-color-scheme="${want}"]`);
            if (option && !option.checked) {
                option.checked = true;
                option.dispatchEvent(new Event('change', {bubbles: true}));
            }
        }""",
        want,
    )
    page.wait_for_function(
        """want => document.body.classList.contains('cp')
            ? getComputedStyle(document.body).colorScheme === (want === 'slate' ? 'dark' : 'light')
            : document.body.getAttribute('data-md-color-scheme') === want""",
        arg=want,
        timeout=5_000,
    )
    page.wait_for_timeout(300)  # colour transitions (125-250 ms) finish
