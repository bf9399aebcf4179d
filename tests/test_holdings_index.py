"""The holdings index: issuing reads a credential file only when the file changed since."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import IssuerSite
from credpages.credential.model import hash_identity
from credpages.credential.yamlio import load_yaml
from credpages.issuer import holdings_index
from credpages.issuer.holdings_index import Summary, summaries
from factories import issue_args

pytestmark = pytest.mark.usefixtures("isolated_env")


def issue(site: IssuerSite, email: str) -> str:
    result = site.run(*issue_args("Someone", email))
    assert result.code == 0, result
    return result.out.splitlines()[1].rsplit(",", 1)[1]  # the mail-merge row's status


def index_file(site: IssuerSite) -> Path:
    path = holdings_index.index_file(site.settings)
    assert path is not None
    return path


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test itself are kept in the index at once (no racy window)."""
    monkeypatch.setattr(holdings_index, "RACY_NS", -(10**12))


@pytest.mark.usefixtures("trusting")
def test_index_holds_what_the_files_say(issuer_site: IssuerSite) -> None:
    issue(issuer_site, "ada@example.com")
    issue(issuer_site, "grace@example.com")
    settings = issuer_site.settings
    found = summaries(settings)  # the second file was written after the last issue's scan
    header, *lines = index_file(issuer_site).read_text().splitlines()
    assert header == holdings_index.HEADER
    names = {line.split("\t")[0] for line in lines}
    assert len(found) == 2 and names == {Path(p).name for p in found}
    for path, summary in found.items():
        assert summary == Summary.of(load_yaml(path).data, settings)
        assert summary.index is not None and summary.emails


@pytest.mark.usefixtures("trusting")
def test_a_changed_file_is_read_again(issuer_site: IssuerSite) -> None:
    issue(issuer_site, "ada@example.com")
    (path,) = issuer_site.credential_files()
    text = path.read_text()
    identifiers = load_yaml(path).data["credentialSubject"]["identifier"]
    (salt,) = (i["salt"] for i in identifiers if i["identityType"] == "emailAddress")
    ada, grace = (hash_identity(e, salt) for e in ("ada@example.com", "grace@example.com"))
    assert ada in text
    path.write_text(text.replace(ada, grace))  # the file now awards Grace, not Ada
    assert issue(issuer_site, "grace@example.com") == "existing"
    assert issue(issuer_site, "ada@example.com") == "issued"


@pytest.mark.parametrize(
    "damage",
    [
        "not an index",
        holdings_index.HEADER + "\nx.yaml\t1\t2\t3\t4\t5\n",
        "# credpages holdings index, version 99\n",
        '{"version": 1, "files": {}}',  # the JSON index of earlier versions
        "\udcff",  # not UTF-8 once written
    ],
)
def test_a_damaged_index_is_rebuilt(issuer_site: IssuerSite, damage: str) -> None:
    issue(issuer_site, "ada@example.com")
    index_path = index_file(issuer_site)
    index_path.parent.mkdir(parents=True, exist_ok=True)
    index_path.write_bytes(damage.encode("utf-8", "surrogateescape"))
    assert issue(issuer_site, "ada@example.com") == "existing"
    assert len(issuer_site.credential_files()) == 1


def test_a_damaged_entry_with_the_right_identity_is_not_used(
    issuer_site: IssuerSite, trusting: None
) -> None:
    issue(issuer_site, "ada@example.com")
    issue(issuer_site, "grace@example.com")
    index_path = index_file(issuer_site)
    header, *lines = index_path.read_text().splitlines()
    # each line's identity is right, its last e-mail hash is gone: a salt without its hash
    index_path.write_text("\n".join([header, *(line.rsplit("\t", 1)[0] for line in lines)]))
    assert issue(issuer_site, "ada@example.com") == "existing"


def test_fresh_files_are_not_kept(issuer_site: IssuerSite) -> None:
    """A file younger than the filesystem's timestamp granularity is read again next time."""
    issue(issuer_site, "ada@example.com")
    issue(issuer_site, "grace@example.com")  # its scan saw Ada's file, seconds old
    assert not index_file(issuer_site).exists()  # nothing lasting learnt: nothing written
    assert issue(issuer_site, "ada@example.com") == "existing"


@pytest.mark.usefixtures("trusting")
def test_the_build_cache_keeps_its_folder_to_itself(issuer_site: IssuerSite) -> None:
    """The build cache refuses a folder holding other files: the index lives beside it."""
    issue(issuer_site, "ada@example.com")
    issue(issuer_site, "grace@example.com")
    cache_dir = issuer_site.settings.cache_dir
    assert cache_dir is not None and index_file(issuer_site).is_file()
    assert not cache_dir.exists() or not list(cache_dir.iterdir())


def test_no_credentials_folder(issuer_site: IssuerSite) -> None:
    shutil.rmtree(issuer_site.credentials)
    assert summaries(issuer_site.settings) == {}


@pytest.mark.usefixtures("trusting")
def test_without_folder_descriptors_the_scan_finds_the_same(
    issuer_site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where ``os.stat`` takes no ``dir_fd`` (Windows) each file is stat-ed by its path; a
    folder or link named like a credential is no credential file either way."""
    issue(issuer_site, "ada@example.com")
    issue(issuer_site, "grace@example.com")
    (issuer_site.credentials / "folder.yaml").mkdir()
    with_fd = summaries(issuer_site.settings)
    monkeypatch.setattr(holdings_index.os, "supports_dir_fd", set())
    assert summaries(issuer_site.settings) == with_fd
    assert sorted(with_fd) == sorted(str(p) for p in issuer_site.credential_files())
