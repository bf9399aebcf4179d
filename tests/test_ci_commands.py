"""The commands the workflows run: `sign --unsigned`, `verify --allow-unsigned`,
`build --expect-url`, and what they write to the GitHub Actions job summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SITE_URL, IssuerSite, MakeSite
from credpages.cli.github_actions import cell, code_block, url_cell

pytestmark = pytest.mark.usefixtures("isolated_env")

AUTHORING = """\
achievement: python-basics
name: Ada Lovelace
email: ada.private@example.org
"""


@pytest.fixture
def summary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "step-summary.md"
    path.write_text("")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(path))
    return path


def test_sign_unsigned_signs_every_authoring_file(issuer_site: IssuerSite, summary: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        text = AUTHORING.replace("ada.private", name[0] + ".private")
        (issuer_site.credentials / name).write_text(text, encoding="utf-8")
    dry = issuer_site.run("sign", "--unsigned", "--dry-run", key=None)
    assert dry.code == 0 and dry.out.split() == ["credentials/a.yaml", "credentials/b.yaml"]
    result = issuer_site.run("sign", "--unsigned")
    assert result.code == 0, result
    assert "credentials/a.yaml: signed, page https://example.test/awards/c/" in result.out
    assert "credentials/b.yaml: signed" in result.out
    assert issuer_site.run("verify").code == 0
    text = summary.read_text("utf-8")
    assert "### Signed: 2 credential(s)" in text and "Ada Lovelace" in text
    assert "private@" not in text
    again = issuer_site.run("sign", "--unsigned", key=None)  # nothing to do: no key needed
    assert again.code == 0 and "nothing to sign under credentials" in again.err


def test_sign_unsigned_checks_everything_before_signing_anything(issuer_site: IssuerSite) -> None:
    good = issuer_site.credentials / "a.yaml"
    good.write_text(AUTHORING, encoding="utf-8")
    bad = issuer_site.credentials / "b.yaml"
    bad.write_text(AUTHORING.replace("python-basics", "no-such-thing"), encoding="utf-8")
    result = issuer_site.run("sign", "--unsigned")
    assert result.code == 1
    assert "credentials/b.yaml:1: achievement: unknown achievement 'no-such-thing'" in result.err
    assert "1 file(s) cannot be signed; nothing was signed" in result.err
    assert good.read_text("utf-8") == AUTHORING


def test_sign_usage(issuer_site: IssuerSite) -> None:
    both = issuer_site.run("sign", "--unsigned", "x.yaml")
    assert both.code == 1 and "name the files to sign, or pass --unsigned" in both.err
    dry = issuer_site.run("sign", "--dry-run", "x.yaml")
    assert dry.code == 1 and "--dry-run goes with --unsigned" in dry.err


def test_verify_allow_unsigned(issuer_site: IssuerSite, summary: Path) -> None:
    ok = issuer_site.credentials / "a.yaml"
    ok.write_text(AUTHORING, encoding="utf-8")
    result = issuer_site.run("verify", "--allow-unsigned", ok)
    assert result.code == 0, result
    assert "credentials/a.yaml: unsigned, valid" in result.out
    strict = issuer_site.run("verify", ok)
    assert strict.code == 1 and "unsigned: run `credpages sign FILE`" in strict.err
    assert "### credpages verify: 0 of 1 credential(s) verified" in summary.read_text("utf-8")
    ok.write_text(AUTHORING.replace("ada.private@example.org", "not-an-address"))
    broken = issuer_site.run("verify", "--allow-unsigned", ok)
    assert broken.code == 1 and "email: is not an e-mail address" in broken.err


@pytest.mark.parametrize(
    "url",
    [
        SITE_URL,
        SITE_URL.rstrip("/"),
        "HTTPS://Example.TEST/awards",
        " https://example.test/awards ",
    ],
)
def test_build_expect_url_accepts_the_same_address(issuer_site: IssuerSite, url: str) -> None:
    result = issuer_site.run("build", "--expect-url", url)
    assert result.code == 0, result


def test_build_expect_url_refuses_another_address(issuer_site: IssuerSite, summary: Path) -> None:
    result = issuer_site.run("build", "--expect-url", "https://someone.github.io/awards")
    assert result.code == 1
    assert "this site is being published at https://someone.github.io/awards" in result.err
    assert "did:web:example.test:awards" in result.err
    assert "### credpages build failed" in summary.read_text("utf-8")
    assert not (issuer_site.root / "site").exists()


def test_build_expect_url_refuses_a_cname_that_is_not_site_url(make_site: MakeSite) -> None:
    site = make_site(extra="      cname: credentials.example.org\n")
    result = site.run("build", "--expect-url", SITE_URL)
    assert result.code == 1
    assert "cname is 'credentials.example.org' but site_url's host is 'example.test'" in (
        result.err
    )


def test_issue_writes_page_links_but_no_email_to_the_summary(
    issuer_site: IssuerSite, summary: Path
) -> None:
    result = issuer_site.run(
        "issue",
        "--achievement",
        "python-basics",
        "--name",
        "Eve | <script>alert(1)</script> [x](javascript:y)",
        "--email",
        "eve.private@example.org",
        "--out",
        issuer_site.root.parent / "mail-merge.csv",
    )
    assert result.code == 0, result
    text = summary.read_text("utf-8")
    assert "### Awarded: 1 credential(s)" in text
    assert "eve.private" not in text
    assert "<script>" not in text and "](javascript" not in text
    assert "Eve \\| \\<script\\>" in text
    (row,) = (line for line in text.splitlines() if line.startswith("| Eve"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 5  # four cells: the name added none


def test_summary_helpers_escape() -> None:
    assert cell("a|b\nc") == "a\\|b c"
    assert url_cell("https://x.test/a|b c") == "https://x.test/a%7Cb%20c"
    block = code_block("``` not the end ````")
    assert block.startswith("`````text\n") and block.endswith("\n`````")
