"""Bench: how fast a credential page verifies itself in Chromium, and what the verifier weighs.

Serves a fixture issuer site on 127.0.0.1 (DID document, signed status list, credential page),
loads the page N times (a fresh browser context each time, so nothing is cached) and prints:
- the median / p90 time from navigation start to the final verdict (``window.cpVerifyMs``,
  recorded by verify-panel.js with ``performance.now()``, which counts from navigation start),
  and the part of it after verify-panel.js started (fetching the DID document and status list,
  both signatures, decoding the list, showing the verdict);
- the bytes of the JavaScript modules the page loaded: raw (unminified source) and as transferred
  by a server that gzips text, as GitHub Pages does (the server here does the same: gzip -6).

Targets: median under 50 ms, under 15 KB of JavaScript.
Usage: python bench/verify_browser.py [--runs 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from browser.fixtures import Site  # noqa: E402
from browser.harness import CHROMIUM, Server, launch_chromium  # noqa: E402

MS_TARGET = 50.0
BYTES_TARGET = 15 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"skipped: {CHROMIUM} is not installed")
        return 0
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp), gzip=True).start()
        try:
            site = Site(server, "bench")
            url = site.write_page("badge", site.signed("badge"))
            with sync_playwright() as p:
                browser = launch_chromium(p)
                times, own, scripts = run(browser, url, args.runs)
                browser.close()
        finally:
            server.stop()

    raw = sum(decoded for decoded, _ in scripts.values())
    sent = sum(encoded for _, encoded in scripts.values())
    median = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1] if len(times) >= 10 else max(times)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"credential page verification, {len(times)} loads (fresh context each):")
    print(f"  machine load average {load} on {os.cpu_count()} CPUs (timings scale with it)")
    print(
        f"  median {median:.1f} ms, p90 {p90:.1f} ms, min {min(times):.1f} ms"
        f"  (target < {MS_TARGET:.0f} ms)"
    )
    print(f"  of which verify-panel.js start to verdict: median {statistics.median(own):.1f} ms")
    listing = ", ".join(f"{n} {d} B ({e} B gzip)" for n, (d, e) in sorted(scripts.items()))
    print(f"  JS modules loaded: {listing}")
    print(
        f"  total {raw} B raw ({raw / 1024:.1f} KB), {sent} B transferred gzipped"
        f" ({sent / 1024:.1f} KB)  (target < {BYTES_TARGET // 1024} KB)"
    )
    return 0


def run(
    browser: Any, url: str, runs: int
) -> tuple[list[float], list[float], dict[str, tuple[int, int]]]:
    """Times to verdict, times from panel start to verdict (ms), and per JS module
    (decoded bytes, encoded body bytes)."""
    times: list[float] = []
    own: list[float] = []
    scripts: dict[str, tuple[int, int]] = {}
    for _ in range(runs + 1):  # one warm-up load (browser process start-up effects) not counted
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        page.wait_for_function("() => typeof window.cpVerifyMs === 'number'")
        verdict, ms, start, loaded = page.evaluate(
            """() => [document.getElementById('cp-verify').dataset.verdict, window.cpVerifyMs,
                     performance.getEntriesByName('cp-verify-start')[0].startTime,
                     performance.getEntriesByType('resource')
                       .filter((e) => e.name.endsWith('.js'))
                       .map((e) => [e.name.split('/').pop(),
                                    [e.decodedBodySize, e.encodedBodySize]])]"""
        )
        context.close()
        if verdict != "verified":
            raise SystemExit(f"unexpected verdict {verdict!r}")
        if scripts:
            times.append(ms)
            own.append(ms - start)
        scripts = {name: tuple(sizes) for name, sizes in loaded}
    return times, own, scripts


if __name__ == "__main__":
    raise SystemExit(main())
