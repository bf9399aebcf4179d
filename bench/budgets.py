#!/usr/bin/env python3
"""Time and size budgets of hostile or huge input, printed against a baseline of the same run.

The tests check that such input is refused or clamped; how fast, and how big the output is, are
measured here (a shared two-core machine makes timed tests flaky). Each line prints the figure,
its budget, and the figure as a multiple of an ordinary case measured in the same process:

- YAML: a billion-laughs file and three deeply nested bombs, against loading a demo credential;
- render: a credential with megabytes of text, against an ordinary one;
- status list: decoding a 100 MB gzip bomb (time and peak memory), against the empty list;
- share cards: a dozen varied cards (mean and largest PNG);
- published bytes (issue 16), from a built 20-credential site: page + credential.json per
  credential (uncompressed), with its personal share card, and the JavaScript and CSS a credential
  page loads (as published, i.e. minified, gzipped -6 as GitHub Pages serves them); the JavaScript
  also for a site with an issuance log, whose pages run tlog.js too (inside verify-panel.js);
  each by module, and the bundle by what each of its sources adds.

    python bench/budgets.py          # exits 1 if a figure is over its budget
    python bench/budgets.py --part bytes
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "tests"))

import figures  # noqa: E402  (bench/figures.py)

from credpages.bundled import ASSETS_DIR  # noqa: E402
from credpages.credential.status_list import MAX_DECODED_BYTES, decode_bits, empty_bits, encode_bits  # noqa: E402
from credpages.credential.yamlio import loads_yaml  # noqa: E402
from credpages.errors import CredpagesError  # noqa: E402
from credpages.site import bundle  # noqa: E402
from credpages.site.minify import minified  # noqa: E402
from credpages.site.render import make_environment  # noqa: E402
from credpages.site.share_card import render_card  # noqa: E402
from test_render import make_credential, render_cred  # noqa: E402
from test_share_card import a_dozen_varied_cards  # noqa: E402
from test_status_list import multibase_gzip  # noqa: E402

over: list[str] = []
#: Issue 16's figures among those printed (``--figures`` saves them for bench/build.py's table).
issue16: list[figures.Figure] = []


def seconds(work: Callable[[], Any], runs: int = 3) -> float:
    """The best of ``runs`` wall-clock timings (the least disturbed by other processes)."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def refused(text: str) -> Callable[[], None]:
    def load() -> None:
        try:
            loads_yaml(text)
        except CredpagesError:
            return
        raise AssertionError("the bomb was accepted")

    return load


def report(
    what: str, figure: float, budget: float, unit: str, baseline: float | None, *, issue: str = ""
) -> None:
    """Print ``figure`` against its budget; ``issue``: also record it as issue 16's figure."""
    ratio = f"  ({figure / baseline:,.1f}x the baseline)" if baseline else ""
    flag = "" if figure <= budget else "  OVER BUDGET"
    if flag:
        over.append(what)
    print(f"{what:<44} {figure:>10,.2f} {unit:<3} budget {budget:>8,.0f} {unit}{ratio}{flag}")
    if issue:
        issue16.append(
            figures.Figure(
                issue, f"{figure:,.2f} {unit}", target=f"<= {budget:g} {unit}", met=not flag
            )
        )


def yaml_bombs() -> None:
    ordinary = sorted((REPO / "credentials").glob("*.yaml"))[0].read_text("utf-8")
    base = seconds(lambda: loads_yaml(ordinary), runs=20) * 1000
    print(f"baseline: loading {ordinary.count(chr(10))} lines of a demo credential: {base:.2f} ms")
    lines = ['lol0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        lines.append(f"lol{level}: &a{level} [{','.join([f'*a{level - 1}'] * 9)}]")
    report(
        "YAML billion laughs refused", seconds(refused("\n".join(lines))) * 1000, 500, "ms", base
    )
    bombs = {
        "1,000,000 nested [": "a: " + "[" * 1_000_000,
        "200,000 nested {b:": "a: " + "{b: " * 200_000,
        "100,000 nested - ": "a:\n" + "- " * 100_000,
    }
    for name, bomb in bombs.items():
        report(f"YAML {name} refused", seconds(refused(bomb), runs=1) * 1000, 2000, "ms", base)


def huge_render() -> None:
    env = make_environment()
    ordinary = make_credential()
    base = seconds(lambda: render_cred(env, ordinary), runs=5) * 1000
    print(f"baseline: rendering an ordinary credential page: {base:.1f} ms")
    huge = make_credential()
    huge["credentialSubject"]["name"] = "A" * 1_000_000
    huge["credentialSubject"]["achievement"]["description"] = ("word " * 200 + "\n\n") * 1000
    huge["credentialSubject"]["achievement"]["tag"] = ["t"] * 5000
    report(
        "render: 1 MB name, 1 MB text, 5,000 tags",
        seconds(lambda: render_cred(env, huge), runs=1) * 1000,
        5000,
        "ms",
        base,
    )


def gzip_bomb() -> None:
    empty = encode_bits(empty_bits())
    base = seconds(lambda: decode_bits(empty), runs=10) * 1000
    print(f"baseline: decoding the empty 131,072-bit list: {base:.2f} ms")
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = multibase_gzip(
        b"".join([packer.compress(bytes(1 << 20)) for _ in range(100)]) + packer.flush()
    )

    def decode() -> None:
        try:
            decode_bits(bomb)
        except CredpagesError:
            return
        raise AssertionError("the gzip bomb was accepted")

    tracemalloc.start()
    took = seconds(decode, runs=1) * 1000
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report("status list: 100 MB gzip bomb refused", took, 10_000, "ms", base)
    report("  its peak memory", peak / 2**20, 3 * MAX_DECODED_BYTES / 2**20, "MiB", None)


def share_cards() -> None:
    sizes = [len(render_card(c, style).png) / 1024 for c, style in a_dozen_varied_cards()]
    print(f"share cards: {len(sizes)} varied cards")
    report("  mean PNG size", statistics.mean(sizes), 50, "KiB", None)
    report("  largest PNG size", max(sizes), 300, "KiB", None)


MODULE_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*)['"](\./[\w.-]+\.js)['"]""")


def page_assets(site: Path, page: Path) -> tuple[set[Path], set[Path]]:
    """The modules (with their static imports, transitively) and stylesheets ``page`` loads."""
    html = page.read_text("utf-8")
    html = re.sub(r"<noscript>.*?</noscript>", "", html, flags=re.S)
    modules = {
        (page.parent / src).resolve()
        for src in re.findall(r'<script type="module" src="([^"]+)"', html)
        + re.findall(r'<link rel="modulepreload" href="([^"]+)"', html)
    }
    todo = list(modules)
    while todo:
        module = todo.pop()
        for name in MODULE_IMPORT.findall(module.read_text("utf-8")):
            found = (module.parent / name).resolve()
            if found not in modules:
                modules.add(found)
                todo.append(found)
    sheets = {
        (page.parent / href).resolve()
        for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    }
    return modules, sheets


def gzipped(paths: set[Path]) -> int:
    return sum(len(gzip.compress(p.read_bytes(), 6, mtime=0)) for p in paths)


#: The parts of a credential page, in the order they are cut out of it (each pattern applies to
#: what the ones before it left); "chrome" is the rest: doctype, header, footer, scripts, tags.
PAGE_PARTS = (
    (
        "embedded credential (JSON-LD)",
        r'<script type="application/ld\+json" id="cp-credential">.*?</script>',
    ),
    ("QR code", r'<figure class="cp-qr">.*?</figure>'),
    ("CSP", r'<meta http-equiv="Content-Security-Policy"[^>]*>'),
    ("preloads", r'<link rel="(?:module)?preload"[^>]*>'),
    ("head: title, Open Graph, meta, links", r"<head>.*?</head>"),
    ("share section", r'<section class="cp-card cp-share">.*?</section>'),
    ("verify panel", r'<section id="cp-verify".*?</section>'),
    ("hero", r'<div class="cp-hero">.*?</div>\s*</div>'),
    ("details", r'<section class="cp-details">.*?</section>'),
    ("description, criteria, skills", r"<section[ >].*?</section>"),
    ("buttons under the article", r'<p class="cp-actions">.*?</p>'),
)


def page_parts(html: str) -> dict[str, int]:
    """Bytes (UTF-8) of each part of a credential page: :data:`PAGE_PARTS`, then the rest."""
    rest = html
    out = {}
    for name, pattern in PAGE_PARTS:
        found = re.findall(pattern, rest, flags=re.S)
        out[name] = sum(len(f.encode("utf-8")) for f in found)
        rest = re.sub(pattern, "", rest, flags=re.S)
    out["chrome (doctype, header, footer, scripts)"] = len(rest.encode("utf-8"))
    return out


def js_by_module(modules: set[Path], *, log: bool) -> str:
    """Each module's gzipped KB; for the bundle, what each source adds to it (the packaged
    sources bundled one more at a time and minified, as the build does)."""
    sizes = {p.name: len(gzip.compress(p.read_bytes(), 6, mtime=0)) for p in modules}
    sources = {name: (ASSETS_DIR / name).read_text("utf-8") for name in bundle.LOG_PARTS}
    parts = bundle.LOG_PARTS if log else bundle.PARTS
    added, before = [], 0
    for i in range(1, len(parts) + 1):
        text = minified(bundle.ENTRY, bundle.bundled(sources, parts[:i])) or ""
        size = len(gzip.compress(text.encode("utf-8"), 6, mtime=0))
        added.append(f"{parts[i - 1]} {(size - before) / 1000:.2f}")
        before = size
    inside = " + ".join(added)
    if before != sizes.get(bundle.ENTRY):
        published = sizes.get(bundle.ENTRY, 0) / 1000
        inside += f"; the published one is {published:.2f}: not these sources"
    shown = [
        f"{name} {size / 1000:.2f}" + (f" ({inside})" if name == bundle.ENTRY else "")
        for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])
    ]
    return "    by module (KB): " + ", ".join(shown)


def report_js(who: str, modules: set[Path], *, log: bool) -> None:
    """The modules a credential page loads, their gzipped size against the 10 KB budget, and
    what each source adds to the bundle (``log``: a site with an issuance log)."""
    names = ", ".join(sorted(m.name for m in modules))
    print(f"  {who} loads {len(modules)} modules ({names})")
    where = " on a site with an issuance log" if log else ""
    report(
        "  its JavaScript, gzipped",
        gzipped(modules) / 1000,
        10,
        "KB",
        None,
        issue=f"JavaScript a credential page loads{where}, gzipped",
    )
    print(js_by_module(modules, log=log))


def built_site(bench_build: Any, root: Path, *, log: bool) -> Path:
    """A 20-credential site (bench/build.py's generator), with or without its issuance log."""
    config: Path = bench_build.generate(root, 20, log=log)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)], check=True, env=env
    )
    return config.parent / "site"


def published_bytes() -> None:
    """Build a 20-credential site twice (without and with an issuance log: its pages also load
    tlog.js) and weigh what it publishes."""
    spec = importlib.util.spec_from_file_location("bench_build", REPO / "bench" / "build.py")
    assert spec and spec.loader
    bench_build = importlib.util.module_from_spec(spec)
    sys.modules["bench_build"] = bench_build
    spec.loader.exec_module(bench_build)
    with tempfile.TemporaryDirectory() as tmp:
        site = built_site(bench_build, Path(tmp) / "site", log=False)
        logged = built_site(bench_build, Path(tmp) / "logged", log=True)
        pages = sorted((site / "c").glob("*/index.html"))
        per = [
            (
                p.stat().st_size,
                (p.parent / "credential.json").stat().st_size,
                sum(c.stat().st_size for c in p.parent.glob("card-*.png")),
            )
            for p in pages
        ]
        page, json_, card = (statistics.median(x) / 1000 for x in zip(*per, strict=True))
        extra = statistics.median(
            sum(f.stat().st_size for f in p.parent.iterdir() if f.name.endswith(".json"))
            - (p.parent / "credential.json").stat().st_size
            for p in pages
        )
        modules, sheets = page_assets(site, pages[0])
        print(f"published bytes: a built site of {len(pages)} credentials, medians per credential")
        print(f"  page {page:.1f} KB + credential.json {json_:.1f} KB (other JSON {extra} B)")
        report(
            "  page + credential.json (uncompressed)",
            page + json_,
            10,
            "KB",
            None,
            issue="a credential page + credential.json (median of a 20-credential site)",
        )
        report(
            "  ... with its personal share card",
            page + json_ + card,
            25,
            "KB",
            None,
            issue="... with its personal share card",
        )
        parts = [page_parts(p.read_text("utf-8")) for p in pages]
        print("  the page by part (bytes, median):")
        for name in parts[0]:
            print(f"    {name:<44} {statistics.median(p[name] for p in parts):>7,.0f}")
        report_js("a credential page", modules, log=False)
        report(
            "  its CSS, gzipped",
            gzipped(sheets) / 1000,
            8,
            "KB",
            None,
            issue="CSS a credential page loads, gzipped",
        )
        logged_page = sorted((logged / "c").glob("*/index.html"))[0]
        report_js(
            "on a site with an issuance log it", page_assets(logged, logged_page)[0], log=True
        )


PARTS = {
    "bombs": yaml_bombs,
    "render": huge_render,
    "gzip": gzip_bomb,
    "cards": share_cards,
    "bytes": published_bytes,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=sorted(PARTS), action="append")
    parser.add_argument("--figures", type=Path, help="also save issue 16's figures here")
    args = parser.parse_args()
    for name in args.part or PARTS:
        PARTS[name]()
    if args.figures:
        figures.save(args.figures, issue16)
    if over:
        print(f"over budget: {', '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
