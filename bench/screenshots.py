#!/usr/bin/env python3
"""Screenshots of the demo site's credential page, share card and printed certificate.

Builds the demo site (``mkdocs.yml`` at the repository root) into a temporary folder, serves it on
its ``site_url`` (http://127.0.0.1:8000/: the demo issuer's did:web resolves there, so the page's
verifier says "Verified") and writes into the output folder (default ``bench/out/screenshots/``):

  credential-light.png, credential-dark.png   the page, full length, prefers-color-scheme light/dark
  credential-mobile.png                       the page on a 390 px wide phone screen
  share-card.png                              the Open Graph card (the build's, else rendered here)
  certificate-a4.pdf, certificate-letter.pdf  the page printed (landscape), as "Download PDF" does
  certificate.png                             the print-emulated page, as the certificate looks

If the build does not put a QR code or share card on credential pages yet, the chosen page is
rendered again here with both (``credpages.site.qr``, ``credpages.site.share_card``), so the
screenshots show the finished page; the script says so.

    python bench/screenshots.py [--slug python-basics-ria7nvc76i] [--out DIR]
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from mkdocs.commands.build import build  # noqa: E402
from mkdocs.config import load_config  # noqa: E402

from browser.chromium import find_chromium  # noqa: E402
from credpages.config import load_settings  # noqa: E402
from credpages.mkdocs_plugin.plugin import _theme_info  # noqa: E402
from credpages.site.collect import collect  # noqa: E402
from credpages.site.linkedin import add_to_profile_url  # noqa: E402
from credpages.site.publish import ThemeInfo, site_info  # noqa: E402
from credpages.site.qr import qr_svg  # noqa: E402
from credpages.site.render import (  # noqa: E402
    CredentialStatusInfo,
    ShareImage,
    credential_page_context,
    format_date,
    make_environment,
    render_credential_page,
)
from credpages.site.share_card import CardData, CardStyle, render_card  # noqa: E402

HOST, PORT = "127.0.0.1", 8000
DEFAULT_OUT = REPO / "bench" / "out" / "screenshots"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def port_is_free() -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, PORT))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def build_demo(site_dir: Path) -> ThemeInfo:
    cfg = load_config(config_file=str(REPO / "mkdocs.yml"), site_dir=str(site_dir))
    try:
        build(cfg)
    finally:
        cfg.plugins.on_shutdown()
    return _theme_info(cfg)


def local_bytes(url: str, site_url: str, site_dir: Path) -> bytes | None:
    """The file behind ``url`` if it is part of the built site."""
    if not url.startswith(site_url):
        return None
    path = site_dir / url[len(site_url) :]
    return path.read_bytes() if path.is_file() else None


def share_card(site_dir: Path, slug: str, doc: dict[str, Any], theme: ThemeInfo) -> bytes:
    """The build's card for this credential if it wrote one (og:image), else a fresh one."""
    page = (site_dir / "c" / slug / "index.html").read_text(encoding="utf-8")
    marker = '<meta property="og:image" content="'
    if marker in page:
        url = page.split(marker, 1)[1].split('"', 1)[0]
        data = local_bytes(url, doc["id"].rsplit("/c/", 1)[0] + "/", site_dir)
        if data is not None:
            return data
    subject = doc["credentialSubject"]
    achievement = subject["achievement"]
    card = CardData(
        recipient=subject.get("name", ""),
        achievement=achievement.get("name", ""),
        issuer=doc["issuer"].get("name", ""),
        issued_date_text=format_date(doc["validFrom"]),
    )
    return render_card(card, CardStyle(primary=theme.primary, accent=theme.accent)).png


def rerender_if_unwired(site_dir: Path, slug: str, card: bytes, theme: ThemeInfo) -> bool:
    """Render the page again with a QR code and share card if the build gave it neither."""
    index = site_dir / "c" / slug / "index.html"
    if 'class="cp-qr"' in index.read_text(encoding="utf-8"):
        return False
    settings = load_settings(REPO / "mkdocs.yml")
    data = collect(settings)
    report = next(r for r in data.credentials if r.slug == slug)
    doc = report.credential
    assert doc is not None
    (index.parent / "share.png").write_bytes(card)
    context = credential_page_context(
        doc,
        site=site_info(data, theme),
        status=CredentialStatusInfo(state=report.state),  # type: ignore[arg-type]
        linkedin_url=add_to_profile_url(doc, settings),
        qr_svg=qr_svg(doc["id"]),
        share_image=ShareImage(
            f"{doc['id']}share.png", 1200, 627, "image/png", "Share card of this credential"
        ),
    )
    env = make_environment(list(theme.template_dirs))
    index.write_text(render_credential_page(env, context), encoding="utf-8")
    return True


def pick_slug(site_dir: Path, wanted: str | None) -> str:
    slugs = sorted(p.name for p in (site_dir / "c").iterdir() if (p / "index.html").is_file())
    if wanted:
        if wanted not in slugs:
            raise SystemExit(f"no credential page {wanted!r}; the demo has: {', '.join(slugs)}")
        return wanted

    # The richest valid page: one with an expiry date (all LinkedIn fields) and a result.
    def score(slug: str) -> int:
        html = (site_dir / "c" / slug / "index.html").read_text(encoding="utf-8")
        return (
            ('data-cp-state="valid"' in html) * 4
            + ("validUntil" in html) * 2
            + ("cp-results" in html)
        )

    return max(slugs, key=score)


def shoot(site_dir: Path, slug: str, out: Path, chromium: Path) -> None:
    from playwright.sync_api import sync_playwright

    url = f"http://{HOST}:{PORT}/c/{slug}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(chromium), args=["--no-sandbox", "--headless", "--disable-gpu"]
        )
        try:
            for scheme in ("light", "dark"):
                context = browser.new_context(
                    viewport={"width": 1200, "height": 900},
                    device_scale_factor=1,
                    color_scheme=scheme,
                )
                page = context.new_page()
                page.goto(url)
                wait_verified(page)
                page.screenshot(path=str(out / f"credential-{scheme}.png"), full_page=True)
                if scheme == "light":
                    page.emulate_media(media="print")
                    for fmt in ("A4", "Letter"):
                        page.pdf(
                            path=str(out / f"certificate-{fmt.lower()}.pdf"),
                            format=fmt,
                            landscape=True,
                        )
                    # How the certificate looks on paper: A4 landscape at 96 dpi, 10 mm margins.
                    page.set_viewport_size({"width": 1047, "height": 718})
                    page.screenshot(path=str(out / "certificate.png"), full_page=False)
                context.close()
            phone = browser.new_context(
                viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
            )
            page = phone.new_page()
            page.goto(url)
            wait_verified(page)
            page.screenshot(path=str(out / "credential-mobile.png"), full_page=True)
            phone.close()
        finally:
            browser.close()


def wait_verified(page: Any) -> None:
    page.wait_for_function(
        "() => document.getElementById('cp-verify')?.dataset.verdict !== 'pending'",
        timeout=15_000,
    )
    verdict = page.eval_on_selector("#cp-verify", "el => el.dataset.verdict")
    if verdict != "verified":
        print(f"warning: the page's verifier says {verdict!r}, not 'verified'", file=sys.stderr)
    page.evaluate("document.fonts.ready")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--slug", help="credential page to capture (default: the richest valid one)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    args = parser.parse_args()
    chromium, why = find_chromium()
    if chromium is None:
        print(f"error: {why}", file=sys.stderr)
        return 2
    if not port_is_free():
        print(
            f"error: {HOST}:{PORT} is in use. The demo site must be served at its site_url "
            f"(http://{HOST}:{PORT}/, where its did:web resolves): stop whatever listens there "
            "(e.g. `credpages serve`) and run this again.",
            file=sys.stderr,
        )
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="credpages-demo-") as tmp:
        site_dir = Path(tmp) / "site"
        theme = build_demo(site_dir)
        slug = pick_slug(site_dir, args.slug)
        doc_path = site_dir / "c" / slug / "credential.json"
        doc = json.loads(doc_path.read_text(encoding="utf-8"))
        card = share_card(site_dir, slug, doc, theme)
        (out / "share-card.png").write_bytes(card)
        if rerender_if_unwired(site_dir, slug, card, theme):
            print(
                "note: the build wrote no QR code / share card yet; the page was re-rendered here"
            )
        size = (site_dir / "c" / slug / "index.html").stat().st_size
        json_size = doc_path.stat().st_size
        httpd = ThreadingHTTPServer((HOST, PORT), partial(_Quiet, directory=str(site_dir)))
        httpd.daemon_threads = True
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            shoot(site_dir, slug, out, chromium)
        finally:
            httpd.shutdown()
            httpd.server_close()
        shutil.rmtree(site_dir, ignore_errors=True)
    print(f"c/{slug}/: index.html {size:,} B + credential.json {json_size:,} B")
    for name in sorted(p.name for p in out.iterdir()):
        print(f"  {out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
