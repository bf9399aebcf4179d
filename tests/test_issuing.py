"""Awarding credentials: `issue` (one, or a CSV batch), `sign`, `revoke` and `reissue`.

Each test works on a throw-away issuer (conftest.issuer_site) with its own generated key and
asserts what the issuer sees: the exit status, the one-line messages, and the files on disk.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import BUILD_PY, SITE_URL, IssuerSite, MakeSite, subprocess_env
from credpages.credential.keys import generate_seed
from credpages.credential.model import email_matches
from credpages.credential.multikey import encode_secret_key
from credpages.credential.status_list import is_set
from credpages.credential.yamlio import load_yaml
from credpages.issuer.repository import LEDGER_FILE, STATUS_LIST_FILE
from credpages.issuer.revocation import load_ledger, load_status_bits
from factories import csv_issue_args, issue_args

pytestmark = pytest.mark.usefixtures("isolated_env")

HEADER = ["name", "email"]


def write_csv(path: Path, rows: Iterable[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_mail_merge(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def people(n: int, domain: str = "example.test") -> list[list[str]]:
    return [[f"Person {i}", f"person{i}@{domain}"] for i in range(n)]


def holdings(site: IssuerSite) -> dict[str, list[dict[str, Any]]]:
    """Signed credentials by achievement id."""
    out: dict[str, list[dict[str, Any]]] = {}
    for path in site.credential_files():
        doc = site.load(path)
        out.setdefault(doc["credentialSubject"]["achievement"]["id"], []).append(doc)
    return out


def count_held(docs: list[dict[str, Any]], email: str) -> int:
    return sum(email_matches(d["credentialSubject"], email) for d in docs)


def issue_one(
    site: IssuerSite, name: str = "Ada Lovelace", email: str = "ada@example.com", *extra: str
) -> Path:
    return site.issue(name, email, *extra)


def nothing_written(site: IssuerSite) -> bool:
    return not list(site.credentials.glob("*.yaml")) and not site.status.exists()


def assert_one_error_line(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("credpages: error: "), err


# ------------------------------------------------------------------------ issue one


def test_issue_one(issuer_site: IssuerSite) -> None:
    result = issuer_site.run(
        *issue_args("Ada Lovelace", "ada@example.com"),
    )
    assert result.code == 0, result
    assert result.err.strip() == "issued 1 credential(s)"
    (row,) = read_mail_merge(result.out)
    (path,) = issuer_site.credential_files()
    doc = issuer_site.load(path)
    assert path.name == doc["id"].rstrip("/").rsplit("/", 1)[1] + ".yaml"
    assert row["name"] == "Ada Lovelace" and row["email"] == "ada@example.com"
    assert row["page_url"] == doc["id"] and row["page_url"].startswith(
        SITE_URL + "c/python-basics-"
    )
    assert row["linkedin_add_to_profile"].startswith("https://www.linkedin.com/profile/add?")
    assert row["status"] == "issued"
    assert doc["credentialSubject"]["name"] == "Ada Lovelace"
    assert "ada@example.com" not in path.read_text("utf-8")
    assert (issuer_site.credentials / STATUS_LIST_FILE).is_file()
    assert issuer_site.stray_files() == []
    verified = issuer_site.run("verify")
    assert verified.code == 0, verified
    assert "1 of 1 credential(s) verified" in verified.err


def test_issue_with_all_command_line_fields(issuer_site: IssuerSite) -> None:
    path = issue_one(
        issuer_site,
        "Ada",
        "ada@example.com",
        "--issued",
        "2026-02-01T09:00:00+01:00",
        "--expires",
        "2030-01-01",
        "--evidence-url",
        "https://github.com/ada/engine",
        "--result",
        "Distinction",
    )
    doc = issuer_site.load(path)
    assert doc["validFrom"] == "2026-02-01T08:00:00Z"
    assert doc["validUntil"] == "2030-01-01T00:00:00Z"
    assert doc["evidence"][0]["id"] == "https://github.com/ada/engine"
    assert doc["credentialSubject"]["result"] == [{"type": ["Result"], "value": "Distinction"}]
    assert issuer_site.run("verify", path).code == 0


def test_issue_out_writes_the_mail_merge_file(issuer_site: IssuerSite) -> None:
    out = issuer_site.root / "mail-merge.csv"
    result = issuer_site.run(
        *issue_args("Ada", "a@example.com"),
        "--out",
        out,
    )
    assert result.code == 0, result
    assert result.out == ""
    assert read_mail_merge(out.read_text("utf-8"))[0]["email"] == "a@example.com"


def test_second_award_to_the_same_email_is_not_issued(issuer_site: IssuerSite) -> None:
    first = issue_one(issuer_site, "Ada", "ada@example.com")
    result = issuer_site.run(*issue_args("Ada L.", "ADA@example.com"))
    assert result.code == 0, result
    assert "issued 0 credential(s), 1 already held it (use --allow-duplicate" in result.err
    (row,) = read_mail_merge(result.out)
    assert row["status"] == "existing"
    assert row["page_url"] == issuer_site.load(first)["id"]
    assert issuer_site.credential_files() == [first]
    again = issuer_site.run(
        *issue_args("Ada", "ada@example.com"),
        "--allow-duplicate",
    )
    assert again.code == 0 and "issued 1 credential(s)" in again.err
    assert len(issuer_site.credential_files()) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--name", "Ada", "--email", "a@example.com"], "give --achievement, --name and --email"),
        (["--achievement", "python-basics", "--name", "Ada"], "give --achievement"),
        (
            ["--achievement", "nope", "--name", "A", "--email", "a@example.com"],
            "achievement: unknown achievement 'nope'",
        ),
        (
            ["--achievement", "../etc", "--name", "A", "--email", "a@example.com"],
            "is not an achievement id",
        ),
        (["--achievement", "python-basics", "--name", "A", "--email", "a@"], "email: is not an"),
        (
            [
                "--achievement",
                "python-basics",
                "--name",
                "A",
                "--email",
                "a@example.com",
                "--issued",
                "2026-03-01",
                "--expires",
                "2026-02-01",
            ],
            "expires: the expiry date must be after the issue date",
        ),
        (
            [
                "--achievement",
                "python-basics",
                "--name",
                "A",
                "--email",
                "a@example.com",
                "--issued",
                "2026-03-01T10:00",
            ],
            "issued: '2026-03-01T10:00' has no time zone",
        ),
        (
            [
                "--achievement",
                "python-basics",
                "--name",
                "A",
                "--email",
                "a@example.com",
                "--evidence-url",
                "javascript:alert(1)",
            ],
            "evidence_url: must be an http(s) URL",
        ),
    ],
)
def test_issue_refuses_bad_input_before_writing(
    issuer_site: IssuerSite, argv: list[str], message: str
) -> None:
    result = issuer_site.run("issue", *argv)
    assert result.code == 1
    assert message in result.err, result
    assert_one_error_line(result.err)
    assert nothing_written(issuer_site)


def test_issue_without_a_key_writes_nothing(issuer_site: IssuerSite) -> None:
    result = issuer_site.run(
        *issue_args("A", "a@example.com"),
        key=None,
    )
    assert result.code == 1
    assert "no signing key: set CREDPAGES_SIGNING_KEY, pass --key-file" in result.err
    assert nothing_written(issuer_site)


def test_issue_with_a_key_outside_the_keyring_is_refused(issuer_site: IssuerSite) -> None:
    stranger = encode_secret_key(generate_seed())
    result = issuer_site.run(
        *issue_args("A", "a@example.com"),
        key=stranger,
    )
    assert result.code == 1
    assert "keyring: the signing key's public key z6Mk" in result.err
    assert "is not in the keyring" in result.err
    assert stranger not in result.err
    assert nothing_written(issuer_site)


def test_key_file_option(issuer_site: IssuerSite, tmp_path: Path) -> None:
    key_file = tmp_path / "secret"
    key_file.write_text(issuer_site.secret + "\n")
    result = issuer_site.run(
        *issue_args("A", "a@example.com"),
        "--key-file",
        key_file,
        key=encode_secret_key(generate_seed()),  # the file wins
    )
    assert result.code == 0, result


# ------------------------------------------------------------------------ CSV batches

NAMES = [
    "Ada Lovelace",
    "José Álvarez-Núñez",
    "Zoë Ødegård",
    "Łukasz Żółć",
    "Ngozi Okonkwo-Adébáyọ̀",
    "Анна Каренина",
    "Фёдор Достоевский",
    "Пётр Ильич Чайковский",
    "王小明",
    "李华",
    "欧阳娜娜",
    "محمد بن موسى الخوارزمي",
    "فاطمة الزهراء",
    "Αλέξανδρος Παπαδόπουλος",
    "דוד בן־גוריון",
    "देवनागरी नाम",
    "山田 太郎",
    "김민준",
    "O'Brien, Siobhán",
    'Dwayne "The Rock" Johnson',
    "Zeynep Şahin",
    "Nguyễn Thị Minh Khai",
]


def thousand_rows() -> tuple[list[str], list[list[str]]]:
    header = ["name", "email", "expires", "evidence_url", "result"]
    rows = []
    for i in range(1000):
        name = f"{NAMES[i % len(NAMES)]} {i}"
        row = [name, f"learner{i}@example.test", "", "", ""]
        if i % 250 == 7:
            row[2] = "2099-12-31"
        if i % 300 == 11:
            row[3] = f"https://portfolio.example.test/learner{i}/"
        if i % 333 == 5:
            row[4] = "Distinction"
        rows.append(row)
    rows[500][0] = "=cmd|' /C calc'!A0"
    return header, rows


@pytest.mark.slow
def test_batch_of_1000(issuer_site: IssuerSite) -> None:
    header, rows = thousand_rows()
    batch = write_csv(issuer_site.root / "learners.csv", rows, header)
    mail_merge = issuer_site.root / "mail-merge.csv"

    result = issuer_site.run(*csv_issue_args(batch), "--out", mail_merge)
    assert result.code == 0, result
    assert "issued 1000 credential(s)" in result.err
    files = issuer_site.credential_files()
    assert len(files) == 1000
    assert issuer_site.stray_files() == []

    merged = read_mail_merge(mail_merge.read_text("utf-8"))
    assert [m["email"] for m in merged] == [r[1] for r in rows]
    loaded = {p: issuer_site.load(p) for p in files}
    ids = {doc["id"]: p for p, doc in loaded.items()}
    for m, row in zip(merged, rows, strict=True):
        expected_name = "'" + row[0] if row[0].startswith("=") else row[0]
        assert m["name"] == expected_name
        assert m["status"] == "issued"
        assert m["page_url"] in ids
        query = parse_qs(urlsplit(m["linkedin_add_to_profile"]).query)
        assert query["certUrl"] == [m["page_url"]]
        assert query["name"] == ["Python Basics"]
    # what the rows asked for is in the signed documents
    docs = {m["email"]: loaded[ids[m["page_url"]]] for m in merged}
    assert docs["learner7@example.test"]["validUntil"] == "2099-12-31T00:00:00Z"
    assert docs["learner11@example.test"]["evidence"][0]["id"].endswith("/learner11/")
    assert docs["learner5@example.test"]["credentialSubject"]["result"][0]["value"] == (
        "Distinction"
    )
    for row in rows:  # every name exactly as written, whatever the script
        assert docs[row[1]]["credentialSubject"]["name"] == row[0]
    assert docs["learner5@example.test"]["credentialSubject"]["name"] == "Анна Каренина 5"
    assert docs["learner8@example.test"]["credentialSubject"]["name"] == "王小明 8"
    assert (
        docs["learner11@example.test"]["credentialSubject"]["name"] == "محمد بن موسى الخوارزمي 11"
    )
    indices = {d["credentialStatus"]["statusListIndex"] for d in docs.values()}
    assert len(indices) == 1000  # every credential can be revoked on its own
    # no plain address anywhere in what gets published
    text = "".join(p.read_text("utf-8") for p in files)
    assert not re.search(r"learner\d+@", text)

    verified = issuer_site.run("verify")
    assert verified.code == 0, verified
    assert "1000 of 1000 credential(s) verified" in verified.err

    rerun = issuer_site.run(*csv_issue_args(batch))
    assert rerun.code == 0, rerun
    assert "issued 0 credential(s), 1000 already held it" in rerun.err
    again = read_mail_merge(rerun.out)
    assert {m["status"] for m in again} == {"existing"}
    assert [m["page_url"] for m in again] == [m["page_url"] for m in merged]
    assert len(issuer_site.credential_files()) == 1000


def test_rerun_issues_only_new_rows_and_allow_duplicate_issues_again(
    issuer_site: IssuerSite,
) -> None:
    batch = write_csv(issuer_site.root / "b.csv", people(4))
    assert issuer_site.run(*csv_issue_args(batch)).code == 0
    write_csv(batch, [*people(4), ["New Person", "new@example.test"]])
    result = issuer_site.run(*csv_issue_args(batch))
    assert result.code == 0, result
    assert "issued 1 credential(s), 4 already held it" in result.err
    assert [m["status"] for m in read_mail_merge(result.out)] == ["existing"] * 4 + ["issued"]
    dup = issuer_site.run(*csv_issue_args(batch), "--allow-duplicate")
    assert dup.code == 0, dup
    assert "issued 5 credential(s)" in dup.err
    docs = holdings(issuer_site)[SITE_URL + "achievements/python-basics/"]
    assert len(docs) == 10
    assert all(count_held(docs, row[1]) == 2 for row in people(4))
    assert issuer_site.run("verify").code == 0


def test_csv_with_several_achievements(issuer_site: IssuerSite) -> None:
    issuer_site.write_achievement(
        "data-science", "name: Data Science\ndescription: Pandas.\ncriteria: Project.\n"
    )
    batch = write_csv(
        issuer_site.root / "b.csv",
        [
            ["python-basics", "Ada", "ada@example.com"],
            ["data-science", "Ada", "ada@example.com"],
            ["data-science", "Bob", "bob@example.com"],
        ],
        ["achievement", "name", "email"],
    )
    result = issuer_site.run("issue", "--csv", batch)
    assert result.code == 0, result
    assert "issued 3 credential(s)" in result.err
    held = holdings(issuer_site)
    assert count_held(held[SITE_URL + "achievements/data-science/"], "ada@example.com") == 1
    assert count_held(held[SITE_URL + "achievements/python-basics/"], "ada@example.com") == 1


def test_csv_header_spelling_bom_and_blank_lines_are_tolerated(issuer_site: IssuerSite) -> None:
    batch = issuer_site.root / "b.csv"
    batch.write_bytes(
        b"\xef\xbb\xbf Name , EMAIL \r\n\r\nAda,ada@example.com\r\n\r\n\r\n,\r\n"
        b"Bob,bob@example.com\r\n"
    )
    result = issuer_site.run(*csv_issue_args(batch))
    assert result.code == 0, result
    assert "issued 2 credential(s)" in result.err


BAD_ROWS = [
    (["Carol", "carol(at)example.com"], [], "email: is not an e-mail address"),
    (["", "carol@example.com"], [], "name: must be non-empty text"),
    (["Carol\x07", "carol@example.com"], [], "name: holds the control character U+0007"),
    (["Carol", "carol@example.com", "nope"], ["achievement"], "achievement: unknown achievement"),
    (["Carol", "carol@example.com", "31/12/2026"], ["issued"], "issued: must be a date"),
    (
        ["Carol", "carol@example.com", "2026-05-01", "2026-04-01"],
        ["issued", "expires"],
        "expires: the expiry date must be after the issue date",
    ),
    (
        ["Carol", "carol@example.com", "https://exa mple.test/work"],
        ["evidence_url"],
        "evidence_url: must be an http(s) URL",
    ),
    (["Carol", "carol@example.com", "ftp://x.test/"], ["evidence_url"], "evidence_url: must be"),
]


@pytest.mark.parametrize(("bad", "extra_columns", "message"), BAD_ROWS)
def test_one_bad_row_fails_the_batch_before_anything_is_written(
    issuer_site: IssuerSite, bad: list[str], extra_columns: list[str], message: str
) -> None:
    """Line 5 is bad (line 3 is blank): the error names people.csv:5 and the field."""
    header = ["name", "email", *extra_columns]
    good = [[f"Good {i}", f"good{i}@example.com", *[""] * len(extra_columns)] for i in range(3)]
    if "achievement" in extra_columns:
        for row in good:
            row[2] = "python-basics"
    batch = issuer_site.root / "people.csv"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerow(good[0])
    buf.write("\n")
    writer.writerow(good[1])
    writer.writerow(bad)
    writer.writerow(good[2])
    batch.write_text(buf.getvalue(), encoding="utf-8")

    result = issuer_site.run(*csv_issue_args("people.csv"))
    assert result.code == 1
    assert f"credpages: error: people.csv:5: {message}" in result.err, result
    assert_one_error_line(result.err)
    assert nothing_written(issuer_site)
    assert issuer_site.stray_files() == []


def test_unknown_column_is_named(issuer_site: IssuerSite) -> None:
    batch = write_csv(
        issuer_site.root / "people.csv", [["A", "a@example.com", "B+"]], ["name", "email", "grade"]
    )
    result = issuer_site.run(*csv_issue_args(batch.name))
    assert result.code == 1
    assert "people.csv:2: grade: unknown column(s) ['grade']" in result.err
    assert "result" in result.err  # the known columns are listed
    assert nothing_written(issuer_site)


def test_multiline_cell_keeps_line_numbers_right(issuer_site: IssuerSite) -> None:
    batch = issuer_site.root / "people.csv"
    batch.write_text(
        'name,email,narrative\nA,a@example.com,"two\nlines"\nB,b@example.com,\nC,bad,\n',
        encoding="utf-8",
    )
    result = issuer_site.run(*csv_issue_args("people.csv"))
    assert result.code == 1
    assert "people.csv:5: email:" in result.err, result


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"name,mail\nA,a@example.com\n", "people.csv:1: has no email column"),
        (b"name,email\nA,a@example.com,extra\n", "people.csv:2: has more cells than the header"),
        ("name,email\nJosé,j@example.com\n".encode("latin-1"), "is not UTF-8"),
        (b'name,email\n"unterminated,a@example.com\n', "people.csv"),
    ],
)
def test_broken_csv_files(issuer_site: IssuerSite, content: bytes, message: str) -> None:
    (issuer_site.root / "people.csv").write_bytes(content)
    result = issuer_site.run(*csv_issue_args("people.csv"))
    assert result.code == 1
    assert message in result.err, result
    assert_one_error_line(result.err)
    assert nothing_written(issuer_site)


def test_missing_csv(issuer_site: IssuerSite) -> None:
    result = issuer_site.run(*csv_issue_args("nope.csv"))
    assert result.code == 1
    assert "nope.csv: not found" in result.err


def test_formula_injection_is_defused_in_the_mail_merge(issuer_site: IssuerSite) -> None:
    hostile = [
        ["=cmd|' /C calc'!A0", "a@example.com"],
        ["+SUM(1,2)", "b@example.com"],
        ["-2+3", "c@example.com"],
        ['@HYPERLINK("https://evil.test")', "d@example.com"],
        ["Normal Name", '=HYPERLINK("https://evil.test")@example.com'],
        ["Another Normal", "e@example.com"],
    ]
    batch = write_csv(issuer_site.root / "b.csv", hostile)
    result = issuer_site.run(*csv_issue_args(batch))
    assert result.code == 0, result
    merged = read_mail_merge(result.out)
    for row in merged:
        for column in ("name", "email", "page_url", "linkedin_add_to_profile", "status"):
            assert row[column][:1] not in ("=", "+", "-", "@"), row
    assert merged[0]["name"] == "'=cmd|' /C calc'!A0"
    assert merged[5]["name"] == "Another Normal"
    # the credential itself keeps the name exactly as given
    names = {
        issuer_site.load(p)["credentialSubject"]["name"] for p in issuer_site.credential_files()
    }
    assert "=cmd|' /C calc'!A0" in names


# ------------------------------------------------------------------------ interrupted batches


def assert_consistent(site: IssuerSite) -> int:
    """Every credential file on disk is complete and verifies; returns how many there are."""
    files = site.credential_files()
    for path in files:
        text = path.read_text("utf-8")
        assert text.endswith("\n") and "proofValue" in text, path
    result = site.run("verify")
    assert result.code == 0, result
    assert f"{len(files)} of {len(files)} credential(s) verified" in result.err
    return len(files)


def assert_one_each(site: IssuerSite, rows: list[list[str]]) -> None:
    docs = holdings(site)[SITE_URL + "achievements/python-basics/"]
    assert len(docs) == len(rows)
    for _, email in rows:
        assert count_held(docs, email) == 1, email


def test_interrupted_batch_leaves_only_complete_files(
    issuer_site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C lands while the 12th credential is being written (after its fsync, before the
    rename): earlier files are complete, the half-written one is gone, a rerun finishes."""
    rows = people(30)
    batch = write_csv(issuer_site.root / "b.csv", rows)
    real_fsync = os.fsync
    calls = {"n": 0}

    def fsync(fd: int) -> None:
        real_fsync(fd)
        calls["n"] += 1
        if calls["n"] == 13:  # 1: the new status list, 2..12: credentials 1..11, 13: the 12th
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", fsync)
    result = issuer_site.run(*csv_issue_args(batch))
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert result.code == 130, result
    assert "interrupted; every file written so far is complete" in result.err
    assert issuer_site.stray_files() == []
    assert assert_consistent(issuer_site) == 11

    rerun = issuer_site.run(*csv_issue_args(batch))
    assert rerun.code == 0, rerun
    assert "issued 19 credential(s), 11 already held it" in rerun.err
    assert assert_consistent(issuer_site) == 30
    assert_one_each(issuer_site, rows)


# A shell started in the background (nohup, `&` without job control) hands its children SIGINT
# ignored, and Python then keeps it ignored: restore the default before exec, as a terminal has.
SIGINT_DEFAULT_THEN_EXEC = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


def _start_batch(site: IssuerSite, batch: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            SIGINT_DEFAULT_THEN_EXEC,
            str(BUILD_PY),
            *csv_issue_args(batch),
            "--out",
            str(site.root / "mail-merge.csv"),
        ],
        cwd=site.root,
        env=subprocess_env(site),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_files(site: IssuerSite, proc: subprocess.Popen[str], n: int) -> None:
    deadline = time.monotonic() + 60
    while len(list(site.credentials.glob("*.yaml"))) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the batch did not get going"
        time.sleep(0.005)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_batch_process(issuer_site: IssuerSite, sig: signal.Signals) -> None:
    rows = people(60)
    batch = write_csv(issuer_site.root / "b.csv", rows)
    proc = _start_batch(issuer_site, batch)
    try:
        _wait_for_files(issuer_site, proc, 8)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    done = len(issuer_site.credential_files())
    assert 8 <= done < 60, "the batch finished before it could be interrupted"
    assert "Traceback" not in err
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        assert "interrupted; every file written so far is complete" in err
        assert issuer_site.stray_files() == []
    else:
        assert proc.returncode == -signal.SIGKILL
        # SIGKILL can land between writing a temp file and renaming it: such a leftover is a
        # hidden .tmp file, which is never taken for a credential.
        for stray in issuer_site.stray_files():
            assert stray.name.startswith(".") and stray not in issuer_site.credential_files()
    assert assert_consistent(issuer_site) == done

    rerun = issuer_site.run(*csv_issue_args(batch))
    assert rerun.code == 0, rerun
    assert f"issued {60 - done} credential(s), {done} already held it" in rerun.err
    assert assert_consistent(issuer_site) == 60
    assert_one_each(issuer_site, rows)


# ------------------------------------------------------------------------ sign


AUTHORING = """\
# Ada finished the spring cohort.
achievement: python-basics
name: Ada Lovelace
email: ada@example.com
issued: "2026-03-01"
result: "92%"
"""


def test_sign_turns_an_authoring_file_into_a_credential_in_place(issuer_site: IssuerSite) -> None:
    path = issuer_site.credentials / "ada.yaml"
    path.write_text(AUTHORING, encoding="utf-8")
    result = issuer_site.run("sign", "credentials/ada.yaml")
    assert result.code == 0, result
    doc = issuer_site.load(path)
    assert result.out.strip() == f"credentials/ada.yaml: signed, page {doc['id']}"
    assert doc["credentialSubject"]["name"] == "Ada Lovelace"
    assert doc["validFrom"] == "2026-03-01T00:00:00Z"
    assert doc["credentialSubject"]["result"][0]["value"] == "92%"
    assert email_matches(doc["credentialSubject"], "ada@example.com")
    text = path.read_text("utf-8")
    assert "ada@example.com" not in text and "email:" not in text
    assert issuer_site.stray_files() == []
    verified = issuer_site.run("verify", "credentials/ada.yaml")
    assert verified.code == 0, verified


def test_signing_twice_is_refused(issuer_site: IssuerSite) -> None:
    path = issuer_site.credentials / "ada.yaml"
    path.write_text(AUTHORING, encoding="utf-8")
    assert issuer_site.run("sign", path).code == 0
    signed = path.read_bytes()
    result = issuer_site.run("sign", path)
    assert result.code == 1
    assert "ada.yaml: is already signed; nothing to do" in result.err
    assert path.read_bytes() == signed


def test_sign_refuses_a_recipient_who_already_holds_it(issuer_site: IssuerSite) -> None:
    issue_one(issuer_site, "Ada", "ada@example.com")
    path = issuer_site.credentials / "ada.yaml"
    path.write_text(AUTHORING, encoding="utf-8")
    result = issuer_site.run("sign", path)
    assert result.code == 1
    assert "already holds python-basics" in result.err and "--allow-duplicate" in result.err
    assert path.read_text("utf-8") == AUTHORING
    assert issuer_site.run("sign", path, "--allow-duplicate").code == 0


@pytest.mark.parametrize(
    ("line", "replacement", "where"),
    [
        ("email: ada@example.com", "email: ada.example.com", "4: email: is not an e-mail"),
        ("name: Ada Lovelace", "name: ''", "3: name: must be non-empty"),
        ('issued: "2026-03-01"', 'issued: "next week"', "5: issued: must be a date"),
        ('result: "92%"', 'result: "92%"\ncolour: blue', "7: colour: unknown column(s)"),
        ("achievement: python-basics", "achievement: rust-basics", "2: achievement: unknown"),
    ],
)
def test_bad_authoring_field_names_file_line_and_field(
    issuer_site: IssuerSite, line: str, replacement: str, where: str
) -> None:
    path = issuer_site.credentials / "ada.yaml"
    text = AUTHORING.replace(line, replacement)
    path.write_text(text, encoding="utf-8")
    result = issuer_site.run("sign", "credentials/ada.yaml")
    assert result.code == 1
    assert f"credentials/ada.yaml:{where}" in result.err, result
    assert path.read_text("utf-8") == text  # untouched


def test_sign_an_unquoted_date_points_at_the_line(issuer_site: IssuerSite) -> None:
    path = issuer_site.credentials / "ada.yaml"
    path.write_text(AUTHORING.replace('"2026-03-01"', "2026-03-01"), encoding="utf-8")
    result = issuer_site.run("sign", path)
    assert result.code == 1
    assert "ada.yaml:5" in result.err, result


def test_sign_a_missing_file(issuer_site: IssuerSite) -> None:
    result = issuer_site.run("sign", "credentials/nope.yaml")
    assert result.code == 1
    assert "credentials/nope.yaml: file not found" in result.err


# ------------------------------------------------------------------------ revoke


def test_revoke_sets_the_bit_and_records_the_reason(issuer_site: IssuerSite) -> None:
    path = issue_one(issuer_site)
    doc = issuer_site.load(path)
    result = issuer_site.run("revoke", path.stem, "--reason", "issued by mistake")
    assert result.code == 0, result
    assert f"revoked ({doc['id']})" in result.out
    bits = load_status_bits(issuer_site.settings)  # verifies the re-signed list
    assert bits is not None and is_set(bits, int(doc["credentialStatus"]["statusListIndex"]))
    assert sum(bin(b).count("1") for b in bits) == 1
    entry = load_ledger(issuer_site.settings)[doc["id"]]
    assert entry.reason == "issued by mistake" and entry.superseded_by is None
    ledger = load_yaml(issuer_site.credentials / LEDGER_FILE).data
    assert ledger["revocations"][0]["credential"] == doc["id"]


@pytest.mark.parametrize("how", ["slug", "url", "file"])
def test_revoke_by_slug_url_or_file(issuer_site: IssuerSite, how: str) -> None:
    path = issue_one(issuer_site)
    ref = {
        "slug": path.stem,
        "url": issuer_site.load(path)["id"],
        "file": f"credentials/{path.name}",
    }
    assert issuer_site.run("revoke", ref[how], "--reason", "test").code == 0


def test_revoke_twice_is_refused(issuer_site: IssuerSite) -> None:
    path = issue_one(issuer_site)
    assert issuer_site.run("revoke", path.stem, "--reason", "first").code == 0
    ledger = (issuer_site.credentials / LEDGER_FILE).read_bytes()
    result = issuer_site.run("revoke", path.stem, "--reason", "second")
    assert result.code == 1
    assert "is already revoked (revocation is final)" in result.err
    assert (issuer_site.credentials / LEDGER_FILE).read_bytes() == ledger


def test_revoke_unknown_credential(issuer_site: IssuerSite) -> None:
    issue_one(issuer_site)
    result = issuer_site.run("revoke", "python-basics-notthere99", "--reason", "x")
    assert result.code == 1
    assert "no credential 'python-basics-notthere99' under credentials" in result.err


def test_revoke_needs_a_reason(issuer_site: IssuerSite) -> None:
    path = issue_one(issuer_site)
    result = issuer_site.run("revoke", path.stem)
    assert result.code == 2
    assert "--reason" in result.err


# ------------------------------------------------------------------------ reissue


def test_reissue_with_a_corrected_name(issuer_site: IssuerSite) -> None:
    old_path = issue_one(issuer_site, "Ada Lovlace", "ada@example.com", "--result", "A")
    old = issuer_site.load(old_path)
    result = issuer_site.run("reissue", old_path.stem, "--name", "Ada Lovelace")
    assert result.code == 0, result
    new_path = next(p for p in issuer_site.credential_files() if p != old_path)
    new = issuer_site.load(new_path)
    assert f"superseded by {new['id']}" in result.out
    assert new["credentialSubject"]["name"] == "Ada Lovelace"
    assert new["credentialSubject"]["identifier"][0]["identityHash"] == "Ada Lovelace"
    assert email_matches(new["credentialSubject"], "ada@example.com")  # same hashed e-mail
    assert new["credentialSubject"]["result"] == old["credentialSubject"]["result"]
    assert new["awardedDate"] == old["awardedDate"]
    assert new["credentialStatus"]["statusListIndex"] != old["credentialStatus"]["statusListIndex"]

    assert issuer_site.run("verify", new_path).code == 0
    old_check = issuer_site.run("verify", old_path)
    assert old_check.code == 0, old_check  # a state, not a broken credential
    assert (
        f"credentialStatus: superseded by {new['id']} (replaced by a corrected credential)"
        in old_check.out
    )
    assert "1 of 1 credential(s) verified; 1 superseded" in old_check.err
    assert issuer_site.run("verify", "--strict", old_path).code == 1

    ledger = load_yaml(issuer_site.credentials / LEDGER_FILE).data["revocations"]
    assert ledger == [
        {
            "credential": old["id"],
            "date": ledger[0]["date"],
            "reason": "replaced by a corrected credential",
            "superseded_by": new["id"],
        }
    ]
    # the superseded one stays revoked; a second reissue of it is refused (reissue the new one)
    again = issuer_site.run("reissue", old_path.stem, "--name", "Ada King")
    assert again.code == 1
    assert f"was already replaced by {new['id']}" in again.err
    assert len(issuer_site.credential_files()) == 2


def test_reissue_after_revoke_keeps_the_first_reason(issuer_site: IssuerSite) -> None:
    path = issue_one(issuer_site, "Ada Lovlace")
    assert issuer_site.run("revoke", path.stem, "--reason", "name misspelt").code == 0
    result = issuer_site.run("reissue", path.stem, "--name", "Ada Lovelace")
    assert result.code == 0, result
    entry = load_ledger(issuer_site.settings)[issuer_site.load(path)["id"]]
    assert entry.reason == "name misspelt" and entry.superseded_by is not None


def test_reissue_with_a_reason(issuer_site: IssuerSite) -> None:
    path = issue_one(issuer_site)
    result = issuer_site.run("reissue", path.stem, "--reason", "new achievement text")
    assert result.code == 0, result
    assert load_ledger(issuer_site.settings)[issuer_site.load(path)["id"]].reason == (
        "new achievement text"
    )


def test_reissue_a_bad_name_writes_nothing(issuer_site: IssuerSite) -> None:
    path = issue_one(issuer_site)
    result = issuer_site.run("reissue", path.stem, "--name", "Bad\x01Name")
    assert result.code == 1
    assert "name: holds the control character U+0001" in result.err
    assert issuer_site.credential_files() == [path]
    assert load_ledger(issuer_site.settings) == {}


# ------------------------------------------------------------------------ hostile neighbours


def test_a_malformed_file_in_the_folder_does_not_block_issuing(issuer_site: IssuerSite) -> None:
    """Regression: files issuing cannot use are skipped (`verify` reports them)."""
    junk = issuer_site.credentials / "junk.yaml"
    junk.write_text(
        "credentialSubject:\n"
        f'  achievement: {{id: "{SITE_URL}achievements/python-basics/"}}\n'
        "  identifier: 5\n"
        'credentialStatus: {statusListIndex: "²"}\n',
        encoding="utf-8",
    )
    (issuer_site.credentials / "binary.yaml").write_bytes(b"\x00\xff\xfe garbage")
    issue_one(issuer_site, "Ada", "ada@example.com")
    revoke_junk = issuer_site.run("revoke", "credentials/junk.yaml", "--reason", "x")
    assert revoke_junk.code == 1
    assert "credentialStatus: has no revocation status entry" in revoke_junk.err


def test_status_list_signed_by_someone_else_is_refused(make_site: MakeSite) -> None:
    site = make_site()
    issue_one(site)
    other = make_site("other")
    issue_one(other)
    # the other issuer's list (same site_url, other key) replaces ours
    (site.credentials / STATUS_LIST_FILE).write_bytes(
        (other.credentials / STATUS_LIST_FILE).read_bytes()
    )
    result = site.run("revoke", site.credential_files()[0].stem, "--reason", "x")
    assert result.code == 1
    assert "status/revocation-list.yaml" in result.err and "proof" in result.err
