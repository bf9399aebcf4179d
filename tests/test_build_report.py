"""What a failed build prints: every reason (``file:line: field: what to do``), from
``credpages build`` and plain ``mkdocs build`` alike, then one line that counts them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import IssuerSite, subprocess_env
from factories import issue_args

pytestmark = pytest.mark.usefixtures("isolated_env")

COUNT = "2 credentials and 1 achievement failed; nothing was published."


def issue_three(site: IssuerSite) -> list[Path]:
    for i in range(3):
        result = site.run(*issue_args(f"P{i}", f"p{i}@x.org"))
        assert result.code == 0, result
    return site.credential_files()


def break_things(site: IssuerSite) -> tuple[list[Path], Path]:
    """Two tampered credentials and a second achievement with a YAML syntax error."""
    files = issue_three(site)
    for path in files[:2]:
        text = path.read_text("utf-8")
        path.write_text(text.replace("name: P", "name: Q", 1), "utf-8")
    broken = site.write_achievement("data-literacy", "name: [oops\ndescription: x\n")
    return files, broken


def reasons(site: IssuerSite, files: list[Path], broken: Path) -> list[str]:
    rel = [p.relative_to(site.root).as_posix() for p in [broken, *files[:2]]]
    return [
        f"{rel[0]}:2: YAML syntax error",
        f"{rel[1]}:",
        f"{rel[2]}:",
    ]


def test_credpages_build_prints_every_reason_then_the_count(issuer_site: IssuerSite) -> None:
    files, broken = break_things(issuer_site)
    result = issuer_site.run("build")
    assert result.code == 1, result
    lines = result.err.strip().splitlines()
    assert "Aborted with a BuildError" not in result.err
    assert lines[-1].startswith(f"credpages: error: {COUNT}")
    first, second, third = reasons(issuer_site, files, broken)
    assert lines[0].startswith(first), lines
    for line, where in zip(lines[1:3], (second, third), strict=True):
        assert line.startswith(where) and "signature does not match" in line, lines
    assert len(lines) == 4, "one line per broken file, then the count"
    assert not (issuer_site.root / "site").exists()


def test_mkdocs_build_prints_the_same(issuer_site: IssuerSite) -> None:
    files, broken = break_things(issuer_site)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q"],
        cwd=issuer_site.root,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    for where in reasons(issuer_site, files, broken):
        assert f"\n{where}" in result.stderr or f"credpages: {where}" in result.stderr
    assert COUNT in result.stderr


def test_a_broken_achievement_fails_once_not_per_credential(issuer_site: IssuerSite) -> None:
    """Credentials embed their achievement: they still verify; the definition fails, once."""
    issue_three(issuer_site)
    achievement = issuer_site.achievements / "python-basics.yaml"
    achievement.write_text(achievement.read_text("utf-8") + "name: Twice\n", "utf-8")
    result = issuer_site.run("build")
    assert result.code == 1, result
    lines = result.err.strip().splitlines()
    assert lines == [
        "credentials/achievements/python-basics.yaml:8: name: duplicate key 'name' "
        "(line 1 and line 8): keep only one of them",
        "credpages: error: 1 achievement failed; nothing was published. Fix or remove them, "
        "or set `skip_invalid: true` to publish the rest.",
    ]


def test_skip_invalid_is_passed_in_the_config_and_counts_what_is_left_out(
    issuer_site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, _ = break_things(issuer_site)
    monkeypatch.delenv("CREDPAGES_SKIP_INVALID", raising=False)
    result = issuer_site.run("build", "--skip-invalid")
    assert result.code == 0, result
    assert "CREDPAGES_SKIP_INVALID" not in os.environ  # no environment between the layers
    assert result.err.count("credpages: warning: left out (failed verification): ") == 3
    assert "credpages: warning: 2 credentials and 1 achievement failed and are left out" in (
        result.err
    )
    site = issuer_site.root / "site"
    published = {p.parent.name for p in site.glob("c/*/index.html")}
    assert published == {files[2].stem}


def test_a_configuration_mistake_is_printed(issuer_site: IssuerSite) -> None:
    config = issuer_site.config
    config.write_text(
        config.read_text("utf-8").replace("url: https://academy", "url: ftp://academy"), "utf-8"
    )
    result = issuer_site.run("build")
    assert result.code == 1, result
    assert "Aborted" not in result.err
    (line,) = result.err.strip().splitlines()
    assert line.startswith("credpages: error: ") and "issuer.url" in line, line
