#!/usr/bin/env python3
"""Lighthouse (mobile) on the demo site's credential page and /verify/: prints Performance,
Accessibility and Best Practices scores and the Cumulative Layout Shift of each.

Not part of the test suite (scores vary with the machine's load). Lighthouse is pinned
(``lighthouse@12.2.3``) and installed on demand with npm into ``bench/out/lighthouse/``; it drives
the tests' Chromium (``tests/browser/chromium.py``, passed as ``CHROME_PATH``). The demo is
rebuilt for a local server on a free port (``tests/browser/demo_site.py``) that gzips its answers,
as GitHub Pages does, so the credential page verifies as on the real demo. SEO is left out on
purpose: credential pages are ``noindex``. Each page is measured ``--runs`` times; the median of
each figure is printed.

    python bench/lighthouse.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

from browser.chromium import find_chromium  # noqa: E402
from browser.demo_site import build_demo, page_urls  # noqa: E402
from browser.harness import ServerProcess  # noqa: E402

VERSION = "12.2.3"
PREFIX = REPO / "bench" / "out" / "lighthouse"
CLI = PREFIX / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices")
PAGES = ("credential-verified", "verify")


def install() -> None:
    installed = CLI.parent.parent / "package.json"
    if installed.is_file() and json.loads(installed.read_text())["version"] == VERSION:
        return
    PREFIX.mkdir(parents=True, exist_ok=True)
    print(f"installing lighthouse@{VERSION} into {PREFIX} …", file=sys.stderr)
    subprocess.run(
        ["npm", "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund",
         "--ignore-scripts", "--loglevel=error", f"lighthouse@{VERSION}"],
        check=True,
    )  # fmt: skip


def measure(url: str, out: Path, chromium: Path) -> dict[str, float]:
    subprocess.run(
        ["node", str(CLI), url, "--quiet", "--output=json", f"--output-path={out}",
         f"--only-categories={','.join(CATEGORIES)}",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
        check=True,
        env={**os.environ, "CHROME_PATH": str(chromium)},
    )  # fmt: skip
    report = json.loads(out.read_text(encoding="utf-8"))
    figures = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    figures["cls"] = report["audits"]["cumulative-layout-shift"]["numericValue"]
    failed = [
        a["id"]
        for a in report["audits"].values()
        if a.get("score") is not None and a["score"] < 0.9 and a.get("scoreDisplayMode") == "binary"
    ]
    if failed:
        print(f"  below 0.9: {', '.join(sorted(failed))}", file=sys.stderr)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    chromium, why = find_chromium()
    if chromium is None:
        print(f"error: {why}", file=sys.stderr)
        return 2
    install()
    with tempfile.TemporaryDirectory(prefix="credpages-lighthouse-") as tmp:
        root = Path(tmp)
        (root / "site").mkdir()
        # serving first: its address is the site_url; gzipped, in a process of its own
        server = ServerProcess(root / "site", gzip=True)
        try:
            site = build_demo(root, server.url)
            urls = page_urls(site)
            header = f"{'page':22} {'perf':>5} {'a11y':>5} {'best':>5} {'CLS':>7}"
            print(f"{header}   (median of {args.runs} runs)")
            for kind in PAGES:
                runs = [
                    measure(urls[kind], root / f"{kind}-{i}.json", chromium)
                    for i in range(args.runs)
                ]
                median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                print(
                    f"{kind:22} {median['performance']:5.0f} {median['accessibility']:5.0f} "
                    f"{median['best-practices']:5.0f} {median['cls']:7.3f}"
                )
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
