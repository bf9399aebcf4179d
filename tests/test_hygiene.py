"""Input hygiene (issue 10): one validation for the pre-check and `sign`, clear errors for
malformed URLs, CSV quirks, control characters, `--out` paths, image paths and palette colours,
and output that GitHub Actions cannot mistake for a workflow command.

Each test does what an issuer would and asserts what they see: exit status, the message (file,
line, field) and which files changed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import CliResult, IssuerSite, MakeSite
from credpages.credential import yaml_load
from credpages.credential.yamlio import dump_yaml
from credpages.issuer.repository import STATUS_LIST_FILE
from factories import csv_issue_args, issue_args

DEFAULT_PARSER = yaml_load._Loader

pytestmark = pytest.mark.usefixtures("isolated_env")

AUTHORING = """\
achievement: python-basics
name: {name}
email: {email}
issued: "2026-03-01"
"""


def authoring(site: IssuerSite, stem: str, name: str = "Ada Lovelace", extra: str = "") -> Path:
    path = site.credentials / f"{stem}.yaml"
    text = AUTHORING.format(name=name, email=f"{stem}@example.com") + extra
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(site: IssuerSite) -> dict[str, bytes]:
    """Every file of the site outside ``.cache``, to show that a refused command changed nothing
    the issuer keeps. Caches are left out: the holdings index may be saved by any command that
    read the credentials, once they are older than the racily-clean window (on a slow machine,
    during the test), and it only saves work."""
    return {
        str(p.relative_to(site.root)): p.read_bytes()
        for p in site.root.rglob("*")
        if p.is_file() and ".cache" not in p.relative_to(site.root).parts
    }


def no_internal_error(result: object) -> None:
    assert "internal error" not in str(result) and "Traceback" not in str(result), result


# ------------------------------------------------------------------------ malformed URLs


@pytest.mark.parametrize(
    ("field", "line", "value"),
    [
        ("criteria_url", 4, '"http://[::1/"'),
        ("alignments[0].url", 6, '"http://[::1/"'),
        ("criteria_url", 4, '"https://example.org:port/"'),
    ],
)
def test_malformed_url_in_an_achievement_names_file_line_and_field(
    issuer_site: IssuerSite, field: str, line: int, value: str
) -> None:
    body = "name: Bad\ndescription: d\ncriteria: c\n"
    if field == "criteria_url":
        body += f"criteria_url: {value}\n"
    else:
        body += f"alignments:\n  - name: x\n    url: {value}\n"
    issuer_site.write_achievement("bad", body)
    before = snapshot(issuer_site)
    result = issuer_site.run(*issue_args("Ada", "a@b.co", achievement="bad"))
    no_internal_error(result)
    assert result.code == 1
    expected = f"credentials/achievements/bad.yaml:{line}: {field}: is not a valid URL"
    assert expected in result.err, result
    assert snapshot(issuer_site) == before


def test_a_broken_achievement_does_not_stop_other_awards_and_fails_the_build_by_itself(
    issuer_site: IssuerSite, caplog: pytest.LogCaptureFixture
) -> None:
    issuer_site.write_achievement(
        "bad", 'name: Bad\ndescription: d\ncriteria: c\ncriteria_url: "http://[::1/"\n'
    )
    ok = issuer_site.run(*issue_args("Ada", "a@b.co"))
    assert ok.code == 0, ok
    verified = issuer_site.run("verify")
    assert verified.code == 0, verified
    built = issuer_site.run("build")
    no_internal_error(built)
    assert built.code == 1
    shown = built.err + caplog.text  # `credpages build` prints MkDocs' log (issue 10, ci)
    assert "credentials/achievements/bad.yaml:4: criteria_url: is not a valid URL" in shown


def test_malformed_issuer_url_in_the_configuration(make_site: MakeSite) -> None:
    site = make_site()
    text = site.config.read_text("utf-8").replace(
        "url: https://academy.example.test/", 'url: "http://[::1/"'
    )
    site.config.write_text(text, "utf-8")
    result = site.run("verify")
    no_internal_error(result)
    assert result.code == 1
    assert "mkdocs.yml: plugins.credpages.issuer.url: is not a valid URL" in result.err


# ------------------------------------------------------------------------ one validation


# Each passes the per-field checks but cannot be signed (RDFC implementations disagree on
# U+FFFF; a web address cannot hold the other characters).
UNSIGNABLE = [
    ("narrative", 'narrative: "Well done \\uFFFF"\n', None),
    ("image-tab", "", 'image: "assets/a\\tb.png"\n'),
    ("image-newline", "", 'image: "assets/a\\nb.png"\n'),
    ("image-quote", "", "image: 'assets/a\"b.png'\n"),
    ("image-lt", "", "image: 'assets/a<b.png'\n"),
    ("image-backslash", "", "image: 'assets\\a.png'\n"),
    ("image-nul", "", 'image: "assets/a\\0b.png"\n'),
]


@pytest.mark.parametrize(("case", "extra", "image"), UNSIGNABLE, ids=[c[0] for c in UNSIGNABLE])
def test_the_pre_check_refuses_exactly_what_sign_refuses(
    issuer_site: IssuerSite, case: str, extra: str, image: str | None
) -> None:
    if image is not None:
        text = (issuer_site.achievements / "python-basics.yaml").read_text("utf-8")
        issuer_site.write_achievement("python-basics", text + image)
    good = authoring(issuer_site, "aa-good")
    bad = authoring(issuer_site, "zz-bad", extra=extra)
    before = snapshot(issuer_site)

    dry = issuer_site.run("sign", "--unsigned", "--dry-run", key=None)
    no_internal_error(dry)
    assert dry.code == 1, dry
    where = "credentials/achievements/python-basics.yaml" if image else "credentials/zz-bad.yaml"
    assert where in dry.err, dry

    real = issuer_site.run("sign", "--unsigned")
    no_internal_error(real)
    assert real.code == 1, real
    assert where in real.err and "nothing was signed" in real.err, real
    assert snapshot(issuer_site) == before  # not even the good file, nor the status list
    named = issuer_site.run("sign", good, bad)
    assert named.code == 1 and where in named.err, named
    assert snapshot(issuer_site) == before


def test_a_refused_file_in_a_named_batch_is_reported_with_every_other(
    issuer_site: IssuerSite,
) -> None:
    one = authoring(issuer_site, "one", name="Bad\x1bName".replace("\x1b", "\\e"))
    one.write_text(one.read_text("utf-8").replace("name: Bad\\eName", 'name: "Bad\\eName"'))
    two = authoring(issuer_site, "two", extra='narrative: "\\uFFFF"\n')
    good = authoring(issuer_site, "three")
    before = snapshot(issuer_site)
    result = issuer_site.run("sign", one, good, two)
    assert result.code == 1, result
    assert "credentials/one.yaml:2: name: holds the control character U+001B" in result.err
    assert "credentials/two.yaml:5: " in result.err and "U+FFFF" in result.err, result
    assert "2 file(s) cannot be signed; nothing was signed" in result.err
    assert snapshot(issuer_site) == before


def test_verify_allow_unsigned_agrees_with_sign(issuer_site: IssuerSite) -> None:
    authoring(issuer_site, "bad", extra='narrative: "\\uFFFF"\n')
    result = issuer_site.run("verify", "--allow-unsigned")
    assert result.code == 1, result
    assert "credentials/bad.yaml:5: " in result.err and "U+FFFF" in result.err, result


def test_a_csv_batch_is_checked_whole_before_anything_is_signed(issuer_site: IssuerSite) -> None:
    batch = issuer_site.root / "people.csv"
    batch.write_text(
        "name,email,narrative\nAda,ada@example.com,fine\nBob,bob@example.com,bad \uffff\n",
        encoding="utf-8",
    )
    before = snapshot(issuer_site)
    result = issuer_site.run(*csv_issue_args(batch))
    assert result.code == 1, result
    assert "people.csv:3: " in result.err and "U+FFFF" in result.err, result
    assert snapshot(issuer_site) == before


# ------------------------------------------------------------------------ text hygiene


@pytest.mark.parametrize("char", ["\r", "\n", "\x85", "\u2028", "\u2029", "\x9b", "\x1b", "\t"])
def test_recipient_names_are_one_line_without_control_characters(
    issuer_site: IssuerSite, char: str
) -> None:
    result = issuer_site.run(
        *issue_args(f"Ada{char}Lovelace", "ada@example.com"),
    )  # fmt: skip
    assert result.code == 1, result
    assert "name: " in result.err and ("one line" in result.err or "control" in result.err)
    assert issuer_site.credential_files() == []


@pytest.mark.parametrize(("char", "escape"), [("\x1b", "\\e"), ("\x07", "\\a"), ("\x08", "\\b")])
def test_achievement_text_refuses_terminal_controls(
    issuer_site: IssuerSite, char: str, escape: str
) -> None:
    issuer_site.write_achievement(
        "odd", f'name: Odd\ndescription: "Line one\\nline two{escape}"\ncriteria: c\n'
    )
    result = issuer_site.run(*issue_args("Ada", "a@b.co", achievement="odd"))
    assert result.code == 1, result
    code = f"U+{ord(char):04X}"
    assert (
        f"credentials/achievements/odd.yaml:2: description: holds the control character {code}"
        in result.err
    )


def test_prose_keeps_line_breaks_and_tabs(issuer_site: IssuerSite) -> None:
    issuer_site.write_achievement(
        "prose", 'name: Prose\ndescription: "Line one\\n\\tline two"\ncriteria: |\n  a\n  b\n'
    )
    result = issuer_site.run(*issue_args("Ada", "a@b.co", achievement="prose"))
    assert result.code == 0, result


def test_evidence_text_from_a_csv_refuses_controls(issuer_site: IssuerSite) -> None:
    batch = issuer_site.root / "people.csv"
    batch.write_text(
        'name,email,evidence_narrative\nAda,ada@example.com,"two\nlines"\nBob,b@e.co,x\x07\n',
        encoding="utf-8",
    )
    result = issuer_site.run(*csv_issue_args(batch))
    assert result.code == 1, result
    assert "people.csv:4: evidence_narrative: holds the control character U+0007" in result.err


def test_nothing_printed_starts_a_workflow_command(issuer_site: IssuerSite) -> None:
    result = issuer_site.run(
        *issue_args("::add-mask::x", "a@b.co"),
    )  # fmt: skip
    assert result.code == 0, result
    lines = (result.out + result.err).replace("\r", "\n").splitlines()
    assert lines and not [line for line in lines if line.lstrip().startswith("::")], result
    assert "'::add-mask::x" in result.out


def test_achievement_errors_name_the_file_relative_to_the_site(issuer_site: IssuerSite) -> None:
    issuer_site.write_achievement("odd", "name: Odd\ndescription: d\n")
    result = issuer_site.run(*issue_args("A", "a@b.co", achievement="odd"))
    assert result.code == 1
    assert (
        "credpages: error: credentials/achievements/odd.yaml:1: criteria: is required" in result.err
    )
    assert str(issuer_site.root) not in result.err


# ------------------------------------------------------------------------ CSV


def issue_csv(site: IssuerSite, content: bytes) -> CliResult:
    batch = site.root / "people.csv"
    batch.write_bytes(content)
    return site.run(*csv_issue_args(batch))


def test_csv_duplicate_header_is_refused(issuer_site: IssuerSite) -> None:
    result = issue_csv(issuer_site, b"name,name,email\nAda,Bob,a@b.co\n")
    assert result.code == 1
    assert "people.csv:1: name: has the column 'name' twice" in str(result)
    assert issuer_site.credential_files() == []


@pytest.mark.parametrize("sep", [";", "\t"])
def test_csv_separated_by_semicolons_or_tabs_is_read(issuer_site: IssuerSite, sep: str) -> None:
    content = f"name{sep}email\nAda Lovelace{sep}ada@example.com\n".encode()
    result = issue_csv(issuer_site, content)
    assert result.code == 0, result
    (path,) = issuer_site.credential_files()
    assert issuer_site.load(path)["credentialSubject"]["name"] == "Ada Lovelace"


def test_csv_without_the_columns_names_the_separator_found(issuer_site: IssuerSite) -> None:
    result = issue_csv(issuer_site, b"nom;courriel\nAda;a@b.co\n")
    assert result.code == 1
    assert (
        "people.csv:1: has no email, name column (the header row is separated by semicolons"
        in str(result)
    )


def test_csv_in_windows_1252_names_the_line(issuer_site: IssuerSite) -> None:
    result = issue_csv(issuer_site, "name,email\nAda,a@b.co\nRen\u00e9,r@b.co\n".encode("cp1252"))
    assert result.code == 1
    assert "people.csv:3: byte 0xE9 is not UTF-8" in str(result) and "save it as UTF-8" in str(
        result
    )


def test_csv_in_utf16_says_to_save_as_utf8(issuer_site: IssuerSite) -> None:
    result = issue_csv(issuer_site, "name,email\nAda,a@b.co\n".encode("utf-16"))
    assert result.code == 1
    assert "people.csv:1: is UTF-16 text: save it as UTF-8" in str(result)


# ------------------------------------------------------------------------ --out


@pytest.mark.parametrize(
    ("out", "says"),
    [
        (".", "is a folder"),
        ("docs", "is a folder"),
        ("mkdocs.yml/x.csv", "mkdocs.yml is a file, not a folder"),
        ("x" * 250 + ".csv", "too long"),
        ("mkdocs.yml", "would replace a file of the site's sources"),
        ("docs/index.md", "would replace a file of the site's sources"),
        ("credentials/achievements/python-basics.yaml", "where credentials and achievements live"),
        ("credentials/new.csv", "where credentials and achievements live"),
    ],
)
def test_issue_out_is_checked_before_anything_is_signed(
    issuer_site: IssuerSite, out: str, says: str
) -> None:
    before = snapshot(issuer_site)
    result = issuer_site.run(
        *issue_args("Ada", "a@b.co"),
        "--out", out,
    )  # fmt: skip
    no_internal_error(result)
    assert result.code == 1, result
    assert f"credpages: error: {out}: " in result.err and says in result.err, result
    assert snapshot(issuer_site) == before
    assert not (issuer_site.credentials / STATUS_LIST_FILE).exists()


def test_out_never_renames_over_a_device_or_fifo(issuer_site: IssuerSite) -> None:
    """``--out /dev/null`` as root would replace the null device with a file: refused up front."""
    fifo = issuer_site.root / "pipe"
    os.mkfifo(fifo)
    before = snapshot(issuer_site)
    result = issuer_site.run(
        *issue_args("Ada", "a@b.co"),
        "--out", str(fifo),
    )  # fmt: skip
    no_internal_error(result)
    assert result.code == 1 and "is not a regular file" in result.err, result
    assert snapshot(issuer_site) == before
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_out_may_replace_a_docs_file_only_with_force_and_never_a_credential(
    issuer_site: IssuerSite,
) -> None:
    first = issuer_site.run(*issue_args("Ada", "a@b.co"))
    assert first.code == 0
    (credential,) = issuer_site.credential_files()
    kept = credential.read_bytes()
    refused = issuer_site.run(
        "bake", credential.stem, "--out", f"credentials/{credential.name}", "--force"
    )
    assert refused.code == 1 and "where credentials and achievements live" in refused.err
    assert credential.read_bytes() == kept
    logo = issuer_site.root / "docs" / "logo.png"
    logo.write_bytes(b"not really")
    refused = issuer_site.run("bake", credential.stem, "--out", "docs/logo.png")
    assert refused.code == 1 and "--force" in refused.err, refused
    assert logo.read_bytes() == b"not really"
    forced = issuer_site.run(
        *issue_args("Bob", "b@b.co"),
        "--out", "docs/index.md", "--force",
    )  # fmt: skip
    assert forced.code == 0, forced
    assert (issuer_site.root / "docs" / "index.md").read_text("utf-8").startswith("name,email")


# ------------------------------------------------------------------------ configuration


def set_issuer_image(site: IssuerSite, value: str) -> None:
    text = site.config.read_text("utf-8").replace(
        "        url: https://academy.example.test/\n",
        f"        url: https://academy.example.test/\n        image: {value}\n",
    )
    site.config.write_text(text, "utf-8")


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ('"assets/lo\\0go.png"', "which a web address cannot carry"),
        ("../../etc/passwd", "climbs out of the docs folder"),
        ("assets/%2e%2e/%2e%2e/etc/passwd", "climbs out of the docs folder"),
    ],
)
def test_issuer_logo_must_be_inside_docs(make_site: MakeSite, value: str, says: str) -> None:
    site = make_site()
    set_issuer_image(site, value)
    result = site.run("verify")
    no_internal_error(result)
    assert result.code == 1
    assert "mkdocs.yml: plugins.credpages.issuer.image: " in result.err and says in result.err


def test_a_nul_in_the_logo_fails_the_build_with_a_message(
    make_site: MakeSite, caplog: pytest.LogCaptureFixture
) -> None:
    site = make_site()
    set_issuer_image(site, '"assets/lo\\0go.png"')
    result = site.run("build")
    no_internal_error(result)
    assert result.code == 1
    assert "plugins.credpages.issuer.image: " in result.err + caplog.text, result


def test_achievement_image_outside_docs_is_refused(issuer_site: IssuerSite) -> None:
    text = (issuer_site.achievements / "python-basics.yaml").read_text("utf-8")
    issuer_site.write_achievement("python-basics", text + "image: ../../etc/passwd\n")
    result = issuer_site.run(*issue_args("Ada", "a@b.co"))
    assert result.code == 1
    assert "credentials/achievements/python-basics.yaml:8: image: " in result.err
    assert "climbs out of the docs folder" in result.err


@pytest.mark.parametrize(
    ("palette", "field"),
    [
        ("  palette:\n    primary: purplish\n", "theme.palette.primary"),
        ("  palette:\n    - accent: '\"><script>'\n", "theme.palette[0].accent"),
    ],
)
def test_palette_colours_are_checked(
    make_site: MakeSite, caplog: pytest.LogCaptureFixture, palette: str, field: str
) -> None:
    site = make_site()
    text = site.config.read_text("utf-8").replace(
        "  name: material\n", "  name: material\n" + palette
    )
    site.config.write_text(text, "utf-8")
    for command in ("verify", "build"):
        result = site.run(command)
        no_internal_error(result)
        assert result.code == 1, result
        shown = result.err + caplog.text
        assert f"{field}: " in shown and "deep-purple" in shown, result


def test_known_palette_names_are_accepted(make_site: MakeSite) -> None:
    site = make_site()
    text = site.config.read_text("utf-8").replace(
        "  name: material\n",
        "  name: material\n  palette:\n    primary: Deep Purple\n    accent: custom\n",
    )
    site.config.write_text(text, "utf-8")
    assert site.run("verify").code == 0


def test_share_cards_and_baking_read_images_through_one_helper(issuer_site: IssuerSite) -> None:
    settings = issuer_site.settings
    docs = issuer_site.root / "docs"
    assert settings.docs_file("assets/x.png") == docs / "assets" / "x.png"
    assert settings.docs_file(settings.site_url + "assets/a%20b.png") == docs / "assets" / "a b.png"
    assert settings.docs_file(settings.site_url + "..%2f..%2fetc/passwd") is None
    assert settings.docs_file("https://elsewhere.example/x.png") is None
    assert settings.docs_file(settings.site_url + "a\x00b") is None
    assert os.fspath(settings.docs_dir) == os.fspath(docs.resolve())


# ------------------------------------------------------------------------ YAML line breaks


def test_signing_two_spellings_of_one_value_is_impossible(issuer_site: IssuerSite) -> None:
    """A folded quoted break and a space used to sign the same name (issue 10)."""
    folded = authoring(issuer_site, "folded")
    folded.write_text(
        folded.read_text("utf-8").replace("name: Ada Lovelace", 'name: "Ada\n  Lovelace"')
    )
    result = issuer_site.run("sign", folded)
    assert result.code == 1, result
    assert "credentials/folded.yaml:2: name: a line break inside a quoted value" in result.err


def test_verify_allow_unsigned_sees_two_files_for_one_recipient_as_sign_does(
    issuer_site: IssuerSite,
) -> None:
    for stem in ("a-first", "b-second"):
        path = authoring(issuer_site, stem)
        path.write_text(path.read_text("utf-8").replace(f"{stem}@", "ada@"), "utf-8")
    checked = issuer_site.run("verify", "--allow-unsigned")
    signed = issuer_site.run("sign", "--unsigned")
    assert checked.code == signed.code == 1, (checked, signed)
    for result in (checked, signed):
        assert "credentials/b-second.yaml: this recipient already holds python-basics" in result.err


def test_an_unsigned_full_credential_is_pre_checked_as_sign_checks_it(
    issuer_site: IssuerSite,
) -> None:
    """Such files used to pass the pre-check unchecked ("checked in full once signed")."""
    first = issuer_site.run(*issue_args("Ada", "a@b.co"))
    assert first.code == 0, first
    (signed,) = issuer_site.credential_files()
    doc = issuer_site.load(signed)
    signed.unlink()
    del doc["proof"]
    doc["id"] = doc["id"].replace("/c/", "/c/x")
    doc["credentialSubject"]["achievement"]["description"] = "odd \uffff"
    path = issuer_site.credentials / "full.yaml"
    path.write_text(dump_yaml(doc), "utf-8")
    good = authoring(issuer_site, "good")
    before = snapshot(issuer_site)
    for argv in (("sign", "--unsigned", "--dry-run"), ("sign", "--unsigned"), ("sign", good, path)):
        result = issuer_site.run(*argv)
        assert result.code == 1, result
        assert "credentials/full.yaml:" in result.err and "U+FFFF" in result.err, result
        assert snapshot(issuer_site) == before
    checked = issuer_site.run("verify", "--allow-unsigned", path)
    assert checked.code == 1 and "credentials/full.yaml:" in checked.err, checked


def test_a_csv_row_with_a_broken_achievement_names_the_achievement_file(
    issuer_site: IssuerSite,
) -> None:
    issuer_site.write_achievement(
        "bad", 'name: Bad\ndescription: d\ncriteria: c\ncriteria_url: "http://[::1/"\n'
    )
    batch = issuer_site.root / "people.csv"
    batch.write_text("name,email,achievement\nAda,a@b.co,bad\n", encoding="utf-8")
    result = issuer_site.run("issue", "--csv", batch)
    assert result.code == 1, result
    assert "credentials/achievements/bad.yaml:4: criteria_url: is not a valid URL" in result.err
