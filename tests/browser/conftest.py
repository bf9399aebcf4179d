"""Fixtures for the in-browser verifier tests: one headless Chromium and one local HTTP server.

The server serves a temporary directory on 127.0.0.1 (ephemeral port) with
``Access-Control-Allow-Origin: *``, like GitHub Pages. Each test builds its own fixture site in a
sub-directory, so a single server and browser serve the whole session.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from .chromium import find_chromium
from .harness import PAGES, Server, launch_chromium


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("www")
    srv = Server(root)
    srv.install_assets(root)
    (root / "blank.html").write_text("<!doctype html><title>blank</title>\n", encoding="utf-8")
    verify_dir = root / "verify"
    verify_dir.mkdir()
    shutil.copy(PAGES / "verify.html", verify_dir / "index.html")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    chromium, why = find_chromium()
    if chromium is None:
        pytest.skip(why)  # a failure where browser tests must run: see tests/conftest.py
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p, chromium)
        yield b
        b.close()


# Anything not addressed to the local test server; tests never reach out to the network.
NOT_LOCAL = re.compile(r"^(?!http://(127\.0\.0\.1|localhost):)")


def isolated_context(browser: Any, **options: Any) -> Any:
    """A fresh context (no shared cache or storage) whose requests off this machine fail fast."""
    context = browser.new_context(**options)
    context.route(NOT_LOCAL, lambda route: route.abort("internetdisconnected"))
    return context


def axe_ready_page(browser: Any, width: int, height: int) -> Iterator[Any]:
    """A tab of this size that lets axe-core in (the pages' CSP, script-src 'self', would refuse
    the injected script)."""
    viewport = {"width": width, "height": height}
    context = isolated_context(browser, viewport=viewport, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def desktop_page(browser: Any) -> Iterator[Any]:
    """A 1280 px desktop tab, shared by a module's accessibility and layout checks."""
    yield from axe_ready_page(browser, 1280, 800)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = isolated_context(browser)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture(scope="module")
def module_page(browser: Any, server: Server) -> Iterator[Any]:
    """One page on the local origin for many module-level evaluations (fast property tests)."""
    context = isolated_context(browser)
    pg = context.new_page()
    pg.goto(server.url + "blank.html")
    yield pg
    context.close()
