#!/usr/bin/env python3
"""Screenshots of every kind of page the demo site builds, its share cards and the certificate.

Builds the demo issuer (``mkdocs.yml``, ``docs/``, ``credentials/achievements/`` of this
repository) for a local server on a free port, with the demo credentials signed again for that
address (``tests/browser/demo_site.py``), so every page verifies as on the real demo. Writes into
the output folder (default ``bench/out/screenshots/``), for each page kind (verified, right-to-left,
revoked, superseded and expired credentials, an achievement, the listing, /verify/ empty and with a
result, 404, the Material home and guide pages):

  <kind>-light.png, <kind>-dark.png   1280 px wide, full length, in each colour scheme
  <kind>-phone.png                    390 px wide (a phone), light

and ``card-<kind>.png`` (the Open Graph share cards of the credential pages and the achievement
page), ``certificate-a4.pdf`` / ``certificate-letter.pdf`` (the verified page printed, landscape)
and ``certificate.png`` (the print-emulated page). Prints each page's HTML size.

With ``--language CODE`` the demo is built in that shipped language (``theme.language``) and the
files go to ``<out>/<CODE>/``: ``--language ar`` shows the credential page, the certificate and the
share card mirrored, right to left.

    python bench/screenshots.py [--out DIR] [--only KIND,KIND] [--language CODE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from browser.chromium import find_chromium  # noqa: E402
from browser.demo_site import (  # noqa: E402
    build_demo,
    material_language,
    page_urls,
    set_scheme,
    settle,
)
from browser.harness import Server, launch_chromium  # noqa: E402

DEFAULT_OUT = REPO / "bench" / "out" / "screenshots"
CARD_PAGES = ("credential-verified", "credential-rtl", "credential-expired", "achievement")


def legible_fonts(tmp: Path) -> None:
    """Let Chromium fall back to the share cards' bundled fonts (CJK, Devanagari, Arabic, Hebrew):
    a machine without such system fonts would show boxes where a visitor's system draws the text."""
    from credpages.site.card_text import FONT_DIR

    conf = tmp / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{FONT_DIR}</dir><cachedir>{tmp / 'fontconfig'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    os.environ["FONTCONFIG_FILE"] = str(conf)


def og_image(page: Any) -> str | None:
    found = page.locator('meta[property="og:image"]')
    return found.get_attribute("content") if found.count() else None


def shoot(urls: dict[str, str], site_url: str, site_dir: Path, out: Path, chromium: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p, chromium)
        try:
            desktop = browser.new_context(viewport={"width": 1280, "height": 800})
            phone = browser.new_context(
                viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
            )
            wide, narrow = desktop.new_page(), phone.new_page()
            for kind, url in urls.items():
                wide.goto(url)
                settle(wide)
                verdict = wide.evaluate(
                    "document.getElementById('cp-verify')?.dataset.verdict ?? null"
                )
                for scheme in ("light", "dark"):
                    set_scheme(wide, scheme)
                    wide.screenshot(path=str(out / f"{kind}-{scheme}.png"), full_page=True)
                narrow.goto(url)
                settle(narrow)
                set_scheme(narrow, "light")
                narrow.screenshot(path=str(out / f"{kind}-phone.png"), full_page=True)
                card = og_image(wide)
                if kind in CARD_PAGES and card and card.startswith(site_url):
                    (out / f"card-{kind}.png").write_bytes(
                        (site_dir / card[len(site_url) :]).read_bytes()
                    )
                size = (
                    (site_dir / url[len(site_url) :].split("?")[0] / "index.html")
                    if not url.endswith(".html")
                    else site_dir / url[len(site_url) :]
                )
                weight = f"{size.stat().st_size:,} B" if size.is_file() else "-"
                print(f"{kind:24} {weight:>10}  verdict: {verdict}")
            # the verified credential, printed (A4 and Letter) and as the certificate looks
            wide.goto(urls["credential-verified"])
            settle(wide)
            set_scheme(wide, "light")
            wide.emulate_media(media="print")
            for fmt in ("A4", "Letter"):
                wide.pdf(
                    path=str(out / f"certificate-{fmt.lower()}.pdf"), format=fmt, landscape=True
                )
            wide.set_viewport_size({"width": 1047, "height": 718})  # A4 landscape at 96 dpi
            wide.screenshot(path=str(out / "certificate.png"), full_page=False)
        finally:
            browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    parser.add_argument("--only", help="comma-separated page kinds (default: all)")
    parser.add_argument("--language", help="a shipped catalog (ar, fr, zh_Hans…; default: en)")
    args = parser.parse_args()
    language = catalog = None
    if args.language:
        from credpages import i18n

        found = i18n.find_language(args.language)
        if found is None:
            known = ", ".join(sorted(lang.catalog for lang in i18n.shipped().values()))
            print(f"error: no catalog for --language {args.language!r}; shipped: {known}")
            return 2
        language, catalog = material_language(found), found.catalog
    chromium, why = find_chromium()
    if chromium is None:
        print(f"error: {why}", file=sys.stderr)
        return 2
    out: Path = args.out / catalog if catalog else args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="credpages-demo-") as tmp:
        server = Server(Path(tmp) / "site")  # bound first: its address is the site_url
        site = build_demo(Path(tmp), server.url, language=language)
        legible_fonts(Path(tmp))
        urls = page_urls(site)
        if args.only:
            wanted = set(args.only.split(","))
            unknown = wanted - set(urls)
            if unknown:
                print(f"error: unknown kinds {sorted(unknown)}; known: {sorted(urls)}")
                return 2
            urls = {k: u for k, u in urls.items() if k in wanted | {"credential-verified"}}
        server.start()
        try:
            shoot(urls, site.site_url, site.site_dir, out, chromium)
        finally:
            server.stop()
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
