"""Shared fixtures: a throw-away issuer site with its own generated key, and CLI runners.

Nothing here reads a real key or the real home folder: every test that uses these fixtures gets
``XDG_CONFIG_HOME`` in a temporary folder and ``CREDPAGES_SIGNING_KEY`` set to a key generated
for that test only.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from credpages.cli.commands import main
from credpages.cli.site_config import load_settings
from credpages.config import Settings
from credpages.credential.keys import ENV_VAR, public_key_of
from credpages.credential.multikey import encode_secret_key
from credpages.credential.yamlio import load_yaml
from credpages.issuer.repository import credential_files
from factories import (
    ACHIEVEMENT_YAML,
    CONFIG_TEMPLATE,
    ISSUER_NAME,
    ISSUER_URL,
    SITE_URL,
    issue_args,
    write_issuer_site,
)

REPO = Path(__file__).resolve().parents[1]
BUILD_PY = REPO / "build.py"
__all__ = ["CONFIG_TEMPLATE", "ISSUER_NAME", "ISSUER_URL", "SITE_URL"]  # re-exported for tests


@dataclass
class CliResult:
    """What a user sees: the exit status and the two output streams."""

    code: int
    out: str
    err: str

    def __str__(self) -> str:  # shown when an assertion fails
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


@dataclass
class IssuerSite:
    """A throw-away issuer repository (not a git work tree) with one achievement defined."""

    root: Path
    config: Path
    seed: bytes
    secret: str
    public_key: str
    _monkeypatch: pytest.MonkeyPatch = field(repr=False)
    _capsys: pytest.CaptureFixture[str] = field(repr=False)

    @property
    def credentials(self) -> Path:
        return self.root / "credentials"

    @property
    def achievements(self) -> Path:
        return self.credentials / "achievements"

    @property
    def status(self) -> Path:
        return self.credentials / "status"

    @property
    def settings(self) -> Settings:
        """Freshly loaded each time, so edits to mkdocs.yml are seen."""
        return load_settings(self.config)

    def credential_files(self) -> list[Path]:
        return credential_files(self.settings)

    def issue(
        self,
        name: str = "Ada Lovelace",
        email: str = "ada@example.com",
        *extra: str,
        key: str = "",
    ) -> Path:
        """``credpages issue`` one credential of the site's achievement; returns its new file."""
        before = set(self.credential_files())
        result = self.run(*issue_args(name, email), *extra, key=key)
        assert result.code == 0, result
        (path,) = set(self.credential_files()) - before
        return path

    def issue_each(self, names: list[str]) -> list[Path]:
        """One credential for each name (addresses r0@, r1@… example.test), in order."""
        return [self.issue(name, f"r{i}@example.test") for i, name in enumerate(names)]

    def load(self, path: Path) -> dict[str, Any]:
        return load_yaml(path).data

    def write_achievement(self, achievement_id: str, text: str) -> Path:
        path = self.achievements / f"{achievement_id}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    def stray_files(self) -> list[Path]:
        """Temporary files an interrupted write could leave behind (``.name.XXXX.tmp``)."""
        return sorted(p for p in self.root.rglob("*") if p.name.endswith(".tmp"))

    def run(self, *argv: Any, key: str | None = "", cwd: Path | None = None) -> CliResult:
        """``credpages ARGV`` in-process, in the site's folder; ``key=None`` unsets the key."""
        self._monkeypatch.chdir(cwd or self.root)
        if key is None:
            self._monkeypatch.delenv(ENV_VAR, raising=False)
        else:
            self._monkeypatch.setenv(ENV_VAR, key or self.secret)
        self._capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse: usage errors, --help, --version
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        out, err = self._capsys.readouterr()
        result = CliResult(code, out, err)
        assert "Traceback" not in out + err, result
        return result


def build_logged(
    site: IssuerSite, caplog: pytest.LogCaptureFixture
) -> tuple[dict[str, bytes], str]:
    """``credpages build`` of ``site``: every published file, and the warnings logged."""
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        result = site.run("build")
    assert result.code == 0, result
    out = site.root / "site"
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    warnings = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    return files, warnings


TEST_CACHE_KEY = "credpages-test-cache-key-" + "5" * 40


@pytest.fixture(autouse=True)
def _cache_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds authenticate their cache with a test key, never one made in the real home."""
    monkeypatch.setenv("CREDPAGES_CACHE_KEY", TEST_CACHE_KEY)


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No real home, no inherited signing key; returns the temporary XDG_CONFIG_HOME."""
    xdg = tmp_path_factory.mktemp("xdg-config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv("CREDPAGES_DEBUG", raising=False)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    return xdg


MakeSite = Callable[..., IssuerSite]


@pytest.fixture
def make_site(
    tmp_path: Path,
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> MakeSite:
    """Factory: ``make_site(name="site", site_url=..., extra="", valid_for_days=None, seed=None)``.

    ``extra`` is appended to mkdocs.yml as is (e.g. more plugin settings, indented 6 spaces, or
    top-level sections).
    """

    def make(
        name: str = "site",
        *,
        site_url: str = SITE_URL,
        extra: str = "",
        valid_for_days: int | None = None,
        seed: bytes | None = None,
        config_text: str | None = None,
    ) -> IssuerSite:
        root = tmp_path / name
        achievement = ACHIEVEMENT_YAML
        if valid_for_days is not None:
            achievement += f"valid_for_days: {valid_for_days}\n"
        config, seed = write_issuer_site(
            root,
            site_url=site_url,
            extra=extra,
            seed=seed,
            config_text=config_text,
            achievement=achievement,
        )
        public = public_key_of(seed)
        return IssuerSite(
            root=root,
            config=config,
            seed=seed,
            secret=encode_secret_key(seed),
            public_key=public,
            _monkeypatch=monkeypatch,
            _capsys=capsys,
        )

    return make


@pytest.fixture
def issuer_site(make_site: MakeSite) -> IssuerSite:
    return make_site()


def git_init(folder: Path) -> Path:
    """Make ``folder`` a git work tree (a ``.git`` folder is all keys.git_work_tree looks for)."""
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(folder)], check=True)
    else:  # pragma: no cover - git is in every CI image we use
        (folder / ".git").mkdir()
    return folder


def console_script() -> Path | None:
    """The installed ``credpages`` entry point next to this interpreter, if there is one."""
    candidate = Path(sys.executable).parent / "credpages"
    if candidate.exists():
        return candidate
    found = shutil.which("credpages")
    return Path(found) if found else None


def subprocess_env(site: IssuerSite | None = None, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in (ENV_VAR, "CREDPAGES_DEBUG", "PYTHONPATH")
    }
    if site is not None:
        env[ENV_VAR] = site.secret
    env["NO_MKDOCS_2_WARNING"] = "1"
    env.update(extra)
    return env


@pytest.fixture
def run_process(isolated_env: Path) -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    """``run_process(site, *argv, via="build.py"|"script")``: a real process, real exit code."""

    def run(
        site: IssuerSite | None, *argv: Any, via: str = "build.py", cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        if via == "script":
            script = console_script()
            if script is None:
                pytest.skip("the credpages console script is not installed")
            cmd = [str(script)]
        else:
            cmd = [sys.executable, str(BUILD_PY)]
        return subprocess.run(
            [*cmd, *(str(a) for a in argv)],
            cwd=cwd or (site.root if site else None),
            env=subprocess_env(site),
            capture_output=True,
            text=True,
            timeout=300,
        )

    yield run


# ------------------------------------------------------------------------ browser tests must run

#: Set by CI (GitHub Actions, .ci/run) and by scripts/test.sh, the README's test command.
REQUIRE_BROWSER_VARS = ("CI", "CREDPAGES_REQUIRE_BROWSER")


def browser_tests_required() -> bool:
    """Where the browser tests must run, a skipped one is a failure: a green run then proves
    the in-browser verifier was tested, not that Chromium was missing."""
    return any(
        os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")
        for name in REQUIRE_BROWSER_VARS
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that drives Chromium is marked ``browser`` (before ``-m`` selects), so
    ``pytest -m browser`` and ``pytest -m "not browser"`` split the suite exactly."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "browser"
        ):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("browser") and browser_tests_required():
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"browser test skipped where browser tests must run "
            f"({' or '.join(REQUIRE_BROWSER_VARS)} is set): {reason}"
        )
