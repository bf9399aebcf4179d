"""Rules of the test suite itself: where browser tests must run, a skipped one fails the run;
every browser test is selectable with ``-m browser``; both halves run on their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ONE_BROWSER_TEST = "tests/browser/test_vector.py"


def pytest_run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CI", "CREDPAGES_REQUIRE_BROWSER", "CREDPAGES_CHROMIUM", "PYTEST_ADDOPTS")
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", *args],
        cwd=REPO,
        env={**clean, "NO_MKDOCS_2_WARNING": "1", **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("var", ["CI", "CREDPAGES_REQUIRE_BROWSER"])
def test_without_chromium_browser_tests_fail_where_they_must_run(var: str) -> None:
    result = pytest_run(
        "-q", ONE_BROWSER_TEST, CREDPAGES_CHROMIUM="/nonexistent/chromium", **{var: "true"}
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "browser test skipped where browser tests must run" in result.stdout
    assert "CREDPAGES_CHROMIUM=/nonexistent/chromium is not an executable file" in result.stdout
    assert " passed" not in result.stdout.splitlines()[-1]


def test_without_chromium_browser_tests_skip_elsewhere() -> None:
    result = pytest_run(
        "-q", ONE_BROWSER_TEST, CREDPAGES_CHROMIUM="/nonexistent/chromium", CI="false"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" in result.stdout.splitlines()[-1]


def collected(*args: str) -> set[str]:
    result = pytest_run("--collect-only", "-q", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return {line for line in result.stdout.splitlines() if "::" in line}


def test_the_browser_marker_splits_the_suite_exactly() -> None:
    everything = collected()
    browser = collected("-m", "browser")
    fast = collected("-m", "not browser")
    assert browser and fast
    assert browser | fast == everything and not browser & fast
    assert {t for t in everything if t.startswith("tests/browser/")} == browser
