"""A new issuer, start to finish, with no network: ``init`` in an empty folder with an https
site_url → its key → one achievement → ``issue`` from a CSV → ``build`` → ``serve`` on a free
port → Chromium shows the preview's verdict "verified".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from credpages.cli.site_config import load_settings
from credpages.credential.keys import ENV_VAR, public_key_of, read_signing_key
from preview_process import BUILD_PY, preview
from test_init import ANSWERS, SITE_URL

from .conftest import isolated_context
from .harness import REPO, Server

pytestmark = pytest.mark.browser

ACHIEVEMENT = """\
name: Python Basics
description: Writes, tests and debugs small Python programs.
criteria: Passed the final practical exam with at least 70%.
"""


def credpages(cwd: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    """``credpages ARGV`` as the issuer types it (the console script when installed)."""
    script = Path(sys.executable).parent / "credpages"
    cmd = [str(script)] if script.exists() else [sys.executable, str(BUILD_PY)]
    result = subprocess.run(
        [*cmd, *argv],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"credpages {' '.join(argv)}\n{result.stdout}{result.stderr}"
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture(scope="module")
def new_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    home = tmp_path_factory.mktemp("issuer")
    env = {k: v for k, v in os.environ.items() if k not in (ENV_VAR, "PYTHONPATH")}
    env.update(XDG_CONFIG_HOME=str(home / "config"), NO_MKDOCS_2_WARNING="1")
    site = home / "academy"
    site.mkdir()
    credpages(site, env, "init", *ANSWERS)  # in the empty folder itself
    key = home / "config" / "credpages" / "signing-key"
    settings = load_settings(site / "mkdocs.yml")
    assert settings.keyring[0].public_key == public_key_of(read_signing_key(key))
    (site / "credentials" / "achievements" / "python-basics.yaml").write_text(ACHIEVEMENT)
    (home / "learners.csv").write_text("name,email\nAda Lovelace,ada@example.org\n")
    credpages(
        site,
        env,
        "issue",
        "--achievement",
        "python-basics",
        "--csv",
        str(home / "learners.csv"),
        "--out",
        str(home / "mail-merge.csv"),
    )
    credpages(site, env, "build")
    assert (site / "site" / "assets" / "credpages" / "verifier.js").is_file()
    assert not (site / "theme").exists()  # the site has no copy of the tool's theme
    yield site, env


def slug_of(site: Path) -> str:
    (credential,) = (site / "credentials").glob("python-basics-*.yaml")
    return credential.stem


def verdict(page: Any, url: str) -> tuple[str, str]:
    page.goto(url)
    page.wait_for_selector('#cp-verify:not([data-verdict="pending"])', timeout=30_000)
    return (
        str(page.get_attribute("#cp-verify", "data-verdict")),
        str(page.text_content("#cp-verify .cp-verdict")),
    )


def test_a_new_issuers_credential_verifies_in_the_preview(
    browser: Any, new_site: tuple[Path, dict[str, str]]
) -> None:
    site, env = new_site
    slug = slug_of(site)
    context = isolated_context(browser)  # nothing leaves this machine
    try:
        with preview(site, env) as served:
            state, text = verdict(context.new_page(), f"{served.origin}c/{slug}/")
            page_url = f"{served.origin}c/{slug}/"
            on_verify_page = verdict(context.new_page(), f"{served.origin}verify/?url={page_url}")
    finally:
        context.close()
    assert state == "verified", text
    assert text.startswith("Preview: Verified"), text
    assert "learn.example.test" in text
    # The verify page of the preview checks the same credential against the preview too.
    assert on_verify_page[0] == "verified" and on_verify_page[1].startswith("Preview: ")


def test_without_the_preview_server_the_same_pages_are_not_mapped(
    browser: Any, new_site: tuple[Path, dict[str, str]], server: Server
) -> None:
    """The built site on a plain local server: no marker, so the verifier looks for the issuer at
    its real https address (unreachable here) and says so; no "Preview"."""
    site, _ = new_site
    slug = slug_of(site)
    shutil.copytree(site / "site", server.root / "new-issuer", dirs_exist_ok=True)
    context = isolated_context(browser)
    try:
        state, text = verdict(context.new_page(), f"{server.url}new-issuer/c/{slug}/")
    finally:
        context.close()
    assert state == "cannot-verify", text
    assert "Preview" not in text and SITE_URL + "did.json" in text


def test_a_marker_naming_another_origin_is_ignored(
    browser: Any, new_site: tuple[Path, dict[str, str]], server: Server
) -> None:
    """Only a marker naming the page's own loopback origin redirects the verifier's fetches."""
    site, _ = new_site
    slug = slug_of(site)
    shutil.copytree(site / "site", server.root / "marked", dirs_exist_ok=True)
    page_file = server.root / "marked" / "c" / slug / "index.html"
    html = page_file.read_text(encoding="utf-8")
    marker = '<meta name="cp:preview" content="http://127.0.0.1:9/">'
    page_file.write_text(html.replace("</head>", marker + "</head>", 1), encoding="utf-8")
    context = isolated_context(browser)
    try:
        state, text = verdict(context.new_page(), f"{server.url}marked/c/{slug}/")
    finally:
        context.close()
    assert state == "cannot-verify" and "Preview" not in text, text
    assert "127.0.0.1:9" not in text


def test_the_demo_previews_on_any_port(browser: Any) -> None:
    """The README's first command serves the demo (site_url http://127.0.0.1:8000/); on another
    port its credentials still verify, against the preview."""
    env = {k: v for k, v in os.environ.items() if k not in (ENV_VAR, "PYTHONPATH")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    context = isolated_context(browser)
    try:
        with preview(REPO, env) as served:
            assert served.origin != "http://127.0.0.1:8000/"
            url = f"{served.origin}c/python-basics-xizp4qbgau/"
            state, text = verdict(context.new_page(), url)
    finally:
        context.close()
    assert state == "verified" and text.startswith("Preview: Verified"), text
