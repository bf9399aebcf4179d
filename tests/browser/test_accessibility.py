"""WCAG 2.2 AA on every kind of page the demo site builds, in headless Chromium.

axe-core (pinned in tests/browser/package.json, installed by ``npm ci`` in scripts/test.sh, read
from disk: nothing is fetched) runs with the WCAG 2.0/2.1/2.2 A and AA rule tags on every page
kind, in the light and dark colour schemes, 1280 and 390 px wide. axe does not look at focus or
hover states, so the keyboard tests here do: every focusable element, reached with Tab, shows an
outline of at least 3:1 against what is behind it and keeps readable text; the first Tab reaches
a skip link that leads to the main content.

One Chromium, one browser page per width: each URL is loaded once per width and checked in both
schemes (the scheme is switched in place, as Material's toggle and the visitor's preference do).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import axe_ready_page, isolated_context
from .demo_site import DemoSite, build_demo, page_urls, set_scheme, settle
from .harness import Server

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
SCHEMES = ("light", "dark")
NO_TRANSITIONS = "*, ::before, ::after { transition: none !important; animation: none !important; }"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    root = tmp_path_factory.mktemp("a11y")
    server = Server(root / "site")  # bound first: its address is the demo's site_url
    site = build_demo(root, server.url)
    server.start()
    try:
        yield site
    finally:
        server.stop()


@pytest.fixture(scope="module", params=sorted(WIDTHS))
def width_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    width, height = WIDTHS[request.param]
    for page in axe_ready_page(browser, width, height):
        page.width_name = request.param
        yield page


def axe_violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async tags => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '),
                                                      summary: n.failureSummary}))}));
        }""",
        TAGS,
    )
    return list(result)


def test_axe_core_is_installed() -> None:
    assert AXE.is_file(), (
        f"{AXE} is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    )
    pinned = json.loads((AXE.parent / "package.json").read_text(encoding="utf-8"))["version"]
    lock = json.loads((AXE.parents[2] / "package-lock.json").read_text(encoding="utf-8"))
    assert pinned == lock["packages"]["node_modules/axe-core"]["version"]
    assert pinned.startswith("4.")


def test_every_page_kind_has_no_wcag_22_aa_violation(demo: DemoSite, width_page: Any) -> None:
    site = demo
    assert AXE.is_file(), "axe-core is not installed: run `npm ci --prefix tests/browser`"
    failures: dict[str, list[dict[str, Any]]] = {}
    checked = 0
    for kind, url in page_urls(site).items():
        width_page.goto(url)
        settle(width_page)
        width_page.add_style_tag(content=NO_TRANSITIONS)  # colours as they end, not half-way
        for scheme in SCHEMES:
            set_scheme(width_page, scheme)
            violations = axe_violations(width_page)
            checked += 1
            if violations:
                failures[f"{kind} {scheme} {width_page.width_name}"] = violations
    assert checked >= 2 * 12
    assert not failures, "\n".join(
        f"{where}: {v['id']} {n['target']}: {n['summary'].splitlines()[-1].strip()}"
        for where, violations in failures.items()
        for v in violations
        for n in v["nodes"]
    )


FOCUS_PROBE = (Path(__file__).parent / "focus_probe.js").read_text(encoding="utf-8")


def focus_problems(page: Any, tabs: int = 40) -> list[str]:
    """Tab through the page: each focused element needs a >= 3:1 outline at least 2 px wide and
    readable text (4.5:1, 3:1 if large), focused and hovered. Transitions are switched off so
    each state is measured as it ends, not half-way (on a busy machine they run late)."""
    page.add_style_tag(content=NO_TRANSITIONS)
    problems: list[str] = []
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    seen: set[str] = set()
    for _ in range(tabs):
        page.keyboard.press("Tab")
        probe = page.evaluate(FOCUS_PROBE, [None])
        if probe is None or not probe["visible"]:
            continue
        if probe["what"] in seen:
            break  # wrapped around
        seen.add(probe["what"])
        least = 3 if probe["large"] else 4.5
        if not probe["outlined"] or probe["outline"] < 3:
            problems.append(f"focus outline of {probe['what']}: {probe['outline']:.2f}:1")
        if probe["text"] is not None and probe["text"] < least:
            problems.append(f"text of focused {probe['what']}: {probe['text']:.2f}:1")
        x, y = probe["centre"]
        if 0 <= y < page.viewport_size["height"]:
            page.mouse.move(x, y)
            page.wait_for_timeout(50)
            hovered = page.evaluate(FOCUS_PROBE, [[x, y]])
            if hovered and hovered["text"] is not None and hovered["text"] < least:
                problems.append(f"text of hovered {hovered['what']}: {hovered['text']:.2f}:1")
            page.mouse.move(0, 0)
    return problems


def test_focus_and_hover_states_are_visible_and_readable(demo: DemoSite, desktop_page: Any) -> None:
    site = demo
    failures: list[str] = []
    for kind, url in page_urls(site).items():
        desktop_page.goto(url)
        settle(desktop_page)
        for scheme in SCHEMES:
            set_scheme(desktop_page, scheme)
            failures += [f"{kind} {scheme}: {p}" for p in focus_problems(desktop_page)]
    assert not failures, "\n".join(failures)


def test_first_tab_reaches_a_skip_link_to_the_main_content(
    demo: DemoSite, desktop_page: Any
) -> None:
    site = demo
    for kind, url in page_urls(site).items():
        desktop_page.goto(url)
        if kind == "verify-result":
            # a check moves focus to its result on purpose (issue 11): the empty verify page
            # ("verify") is where its skip link is checked; here the result must hold focus
            desktop_page.wait_for_function(
                "() => !!document.activeElement?.closest('#cp-verify, .cp-result')"
            )
            continue
        desktop_page.keyboard.press("Tab")
        focused = desktop_page.evaluate(
            """() => { const a = document.activeElement;
                       const id = (a.getAttribute('href') || '').replace(/^#/, '');
                       const target = id && document.getElementById(id);
                       return {text: a.textContent.trim(), target: target ? target.tagName : null,
                               main: !!(target && (target.tagName === 'MAIN'
                                        || target.closest('main') || target.querySelector('main'))),
                               visible: a.getBoundingClientRect().height > 0}; }"""
        )
        assert "skip to" in focused["text"].lower(), (kind, focused)
        assert focused["main"] and focused["visible"], (kind, focused)


def test_without_javascript_the_credential_page_says_plainly_that_nothing_was_checked(
    demo: DemoSite, browser: Any
) -> None:
    context = isolated_context(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(demo.site_url + demo.paths["credential-verified"])
        panel = page.locator("#cp-verify")
        assert not panel.locator(".cp-verdict").is_visible()  # no "Checking…" forever
        note = panel.locator(".cp-noscript")
        assert note.is_visible()
        assert "needs JavaScript" in note.inner_text() and "as published" in note.inner_text()
        assert not page.get_by_role("heading", name="Download").is_visible()
        assert page.locator("h2:visible").all_inner_texts().count("Download") == 0
    finally:
        context.close()
