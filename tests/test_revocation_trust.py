"""Issue 9, items 2 and 3: a revocation cannot be undone, and every credential is revocable.

A rolled-back signed list (an older ``revocation-list.yaml`` put back) must fail the build and
``credpages status-check``; every credential needs exactly one revocation entry on this site's
list, and ``sign``, ``verify`` and ``verify --allow-unsigned`` agree on what is acceptable.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import SITE_URL, IssuerSite, MakeSite
from credpages.credential.keys import generate_seed, read_signing_key
from credpages.credential.proofs import sign_proof_set
from credpages.credential.status_list import LIST_BITS, empty_bits, set_bit, status_list_credential
from credpages.credential.yamlio import load_yaml, write_yaml
from credpages.issuer.revocation import load_status_bits, write_status_bits
from credpages.issuer.signing import Signer

pytestmark = pytest.mark.usefixtures("isolated_env")

LIST = Path("credentials/status/revocation-list.yaml")
LEDGER = Path("credentials/status/revocations.yaml")


def award(site: IssuerSite, *names: str) -> list[Path]:
    return [site.issue(name, f"learner{i}@example.test") for i, name in enumerate(names)]


def slug(site: IssuerSite, path: Path) -> str:
    return str(site.load(path)["id"]).removeprefix(SITE_URL + "c/").strip("/")


def index_of(site: IssuerSite, path: Path) -> int:
    return int(site.load(path)["credentialStatus"]["statusListIndex"])


def keep(site: IssuerSite, relative: Path, name: str) -> Path:
    """A copy of one of the site's files, outside credentials/ (as `git show` would give)."""
    copy = site.root.parent / f"{site.root.name}-{name}"
    shutil.copyfile(site.root / relative, copy)
    return copy


def revoked_site(site: IssuerSite) -> tuple[Path, Path, Path]:
    """Two credentials, the first revoked; returns (revoked, kept, list before revoking)."""
    revoked, kept = award(site, "Ada Lovelace", "Grace Hopper")
    before = keep(site, LIST, "before.yaml")
    result = site.run("revoke", slug(site, revoked), "--reason", "Plagiarised project")
    assert result.code == 0, result
    return revoked, kept, before


# ------------------------------------------------------------------ the build (item 2)


def build_log(caplog: pytest.LogCaptureFixture) -> str:
    """What `credpages build` printed through MkDocs' log (stderr in a terminal)."""
    return "\n".join(r.getMessage() for r in caplog.records)


def test_a_rolled_back_list_fails_the_build_naming_the_slug(
    issuer_site: IssuerSite, caplog: pytest.LogCaptureFixture
) -> None:
    revoked, _, before = revoked_site(issuer_site)
    shutil.copyfile(before, issuer_site.root / LIST)  # the signed list from before the revocation
    result = issuer_site.run("build")
    assert result.code == 1, result
    name = slug(issuer_site, revoked)
    log = build_log(caplog)
    assert f"{LEDGER}:2: revocations[0]: {name} is revoked here, but its bit" in log
    assert f"`credpages revoke {name} --reason" in log
    assert "so nothing was published" in log
    assert not (issuer_site.root / "site" / "c" / name).exists()
    check = issuer_site.run("status-check")  # the same check, as the pull-request check runs it
    assert check.code == 1 and f"revocations[0]: {name} is revoked here" in check.err


def test_the_build_fails_on_a_rollback_even_with_skip_invalid(
    make_site: MakeSite, caplog: pytest.LogCaptureFixture
) -> None:
    site = make_site(extra="      skip_invalid: true\n")
    _, _, before = revoked_site(site)
    shutil.copyfile(before, site.root / LIST)
    result = site.run("build")
    assert result.code == 1 and "would be published as valid" in build_log(caplog)


def test_revoking_again_repairs_a_rolled_back_list(issuer_site: IssuerSite) -> None:
    revoked, _, before = revoked_site(issuer_site)
    shutil.copyfile(before, issuer_site.root / LIST)
    again = issuer_site.run("revoke", slug(issuer_site, revoked), "--reason", "again")
    assert again.code == 0, again
    assert issuer_site.run("build").code == 0
    ledger = load_yaml(issuer_site.root / LEDGER).data["revocations"]
    assert [e["reason"] for e in ledger] == ["Plagiarised project"]  # the first reason is kept


# ------------------------------------------------------------------ status-check (item 2)


def roll_back_both(site: IssuerSite, before: Path) -> None:
    """The attack the ledger check cannot see: the list and the ledger both put back."""
    shutil.copyfile(before, site.root / LIST)
    (site.root / LEDGER).unlink()


def test_status_check_catches_a_cleared_bit_against_the_base_branch_list(
    issuer_site: IssuerSite,
) -> None:
    revoked, _, before = revoked_site(issuer_site)
    base = keep(issuer_site, LIST, "base.yaml")  # what `git show BASE:…` gives the workflow
    roll_back_both(issuer_site, before)
    assert issuer_site.run("build").code == 0  # nothing in the tree itself shows the rollback
    result = issuer_site.run("status-check", "--previous", base, "--previous-name", "main")
    assert result.code == 1, result
    index, name = index_of(issuer_site, revoked), slug(issuer_site, revoked)
    line = load_yaml(issuer_site.root / LIST).line_of("credentialSubject.encodedList")
    assert (
        f"{LIST}:{line}: credentialSubject.encodedList: index {index} ({name}) is revoked in the "
        "previous list (main) but not in this one." in result.err
    )


def test_status_check_catches_a_cleared_bit_against_the_deployed_json(
    issuer_site: IssuerSite,
) -> None:
    revoked, _, before = revoked_site(issuer_site)
    assert issuer_site.run("build").code == 0
    deployed = issuer_site.root.parent / "deployed-revocation.json"
    shutil.copyfile(issuer_site.root / "site" / "status" / "revocation.json", deployed)
    assert deployed.read_text("utf-8").startswith("{")
    roll_back_both(issuer_site, before)
    result = issuer_site.run("status-check", "--previous", deployed)
    assert result.code == 1, result
    index, name = index_of(issuer_site, revoked), slug(issuer_site, revoked)
    assert f"index {index} ({name}) is revoked in the previous list ({deployed}" in result.err


def test_status_check_passes_an_added_revocation(issuer_site: IssuerSite) -> None:
    _, kept, before = revoked_site(issuer_site)
    result = issuer_site.run("status-check", "--previous", before, "--previous-name", "main")
    assert result.code == 0, result
    assert "no revocation undone (0 revoked in main, 1 now)" in result.out
    base = keep(issuer_site, LIST, "base.yaml")
    more = issuer_site.run("revoke", slug(issuer_site, kept), "--reason", "Issued in error")
    assert more.code == 0, more
    result = issuer_site.run("status-check", "--previous", base, "--previous-name", "main")
    assert result.code == 0 and "(1 revoked in main, 2 now)" in result.out


def signed_list(site: IssuerSite, bits: bytearray, name: str) -> Path:
    """A list signed with the site's key, kept in a file outside the site."""
    settings = site.settings
    write_status_bits(settings, Signer(settings, site.seed), bits)
    return keep(site, LIST, name)


def test_status_check_allows_a_list_to_grow_but_not_to_shrink(issuer_site: IssuerSite) -> None:
    (path,) = award(issuer_site, "Ada Lovelace")
    original = keep(issuer_site, LIST, "original.yaml")
    bigger = signed_list(issuer_site, empty_bits(2 * LIST_BITS), "bigger.yaml")
    shutil.copyfile(original, issuer_site.root / LIST)
    grew = issuer_site.run("status-check", "--previous", original)
    assert grew.code == 0, grew
    shutil.copyfile(bigger, issuer_site.root / LIST)
    assert issuer_site.run("status-check", "--previous", original).code == 0
    shutil.copyfile(original, issuer_site.root / LIST)
    shrank = issuer_site.run("status-check", "--previous", bigger, "--previous-name", "deployed")
    assert shrank.code == 1
    assert (
        f"encodedList: holds {LIST_BITS} bits, but the previous list (deployed) held "
        f"{2 * LIST_BITS}: a status list may grow, never shrink" in shrank.err
    )
    assert index_of(issuer_site, path) < LIST_BITS


def test_the_previous_list_must_verify_against_the_keyring(
    issuer_site: IssuerSite, tmp_path: Path
) -> None:
    award(issuer_site, "Ada Lovelace")
    settings = issuer_site.settings
    bits = empty_bits()
    set_bit(bits, 7)
    unsigned = status_list_credential(
        list_url=settings.status_list_url,
        issuer=settings.did,
        valid_from="2026-01-01T00:00:00Z",
        bits=bits,
    )
    stranger = tmp_path / "stranger.yaml"  # signed by a key the keyring does not list
    vm = f"{settings.did}#key-9"
    write_yaml(stranger, sign_proof_set(unsigned, generate_seed(), vm, "2026-01-01T00:00:00Z"))
    result = issuer_site.run("status-check", "--previous", stranger, "--previous-name", "x")
    assert result.code == 1
    assert "the previous list (x) does not verify against the keyring" in result.err
    assert "key-9, which is not in the keyring" in result.err


def test_a_previous_list_signed_by_a_retired_key_still_counts(issuer_site: IssuerSite) -> None:
    revoked, _, _ = revoked_site(issuer_site)
    old = keep(issuer_site, LIST, "signed-by-key-1.yaml")
    new_secret = issuer_site.root.parent / "key-2"
    assert issuer_site.run("rotate-key", "--out", new_secret).code == 0
    assert issuer_site.run("retire-key", "key-1").code == 0
    key2 = new_secret.read_text("utf-8").strip()
    assert issuer_site.run("resign", key=key2).code == 0
    assert issuer_site.run("status-check", "--previous", old).code == 0
    bits = load_status_bits(issuer_site.settings)
    assert bits is not None
    bits[index_of(issuer_site, revoked) >> 3] = 0  # key-2 signs a list without the revocation
    settings = issuer_site.settings
    write_status_bits(settings, Signer(settings, read_signing_key(str(new_secret))), bits)
    (issuer_site.root / LEDGER).unlink()
    result = issuer_site.run("status-check", "--previous", old)
    assert result.code == 1 and f"({slug(issuer_site, revoked)}) is revoked" in result.err


# ------------------------------------------------------------------ credentialStatus (item 3)


def unsigned_credential(site: IssuerSite, **changes: Any) -> Path:
    """A full credential of this site without its proof (as a hand-edited file would be)."""
    (path,) = award(site, "Ada Lovelace")
    doc = site.load(path)
    del doc["proof"]
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    write_yaml(path, doc)
    return path


def entry(site: IssuerSite, index: int = 42, **changes: str) -> dict[str, str]:
    url = site.settings.status_list_url
    found = {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }
    found.update(changes)
    return found


def test_verify_allow_unsigned_checks_an_unsigned_credential_in_full(
    issuer_site: IssuerSite,
) -> None:
    path = unsigned_credential(issuer_site)
    shown = path.relative_to(issuer_site.root)
    ok = issuer_site.run("verify", "--allow-unsigned", path)
    assert ok.code == 0, ok
    assert f"{shown}: unsigned, valid (structure, schema, issuer and status entry checked; no " in (
        ok.out
    )
    doc = issuer_site.load(path)
    del doc["credentialStatus"]
    write_yaml(path, doc)
    missing = issuer_site.run("verify", "--allow-unsigned", path)
    assert missing.code == 1, missing
    assert f"{shown}:1: credentialStatus: missing: every credential needs a revocation entry" in (
        missing.err
    )
    doc = issuer_site.load(path)
    doc["credentialStatus"] = entry(issuer_site)
    doc["name"] = 42
    write_yaml(path, doc)
    schema = issuer_site.run("verify", "--allow-unsigned", path)
    assert schema.code == 1, schema
    line = load_yaml(path).line_of("name")
    assert f"{shown}:{line}: name: does not match the Open Badges 3.0 schema" in schema.err


BAD_ENTRIES = {
    "none": (None, "credentialStatus: missing"),
    "two": ("two", "credentialStatus: does not match the Open Badges 3.0 schema"),
    "foreign": (
        {"statusListCredential": "https://other.example/status/revocation.json"},
        f"credentialStatus.statusListCredential: must be {SITE_URL}status/revocation.json",
    ),
    "suspension": ({"statusPurpose": "suspension"}, "statusPurpose: must be revocation"),
    "other type": ({"type": "StatusList2021Entry"}, "type: must be BitstringStatusListEntry"),
    "non-ascii digit": ({"statusListIndex": "٣"}, "statusListIndex: must be a decimal string"),
    "outside the list": ({"statusListIndex": str(LIST_BITS)}, "from 0 to 131071"),
}


@pytest.mark.parametrize("case", BAD_ENTRIES)
def test_sign_refuses_a_credential_without_exactly_one_entry_on_this_sites_list(
    issuer_site: IssuerSite, case: str
) -> None:
    change, message = BAD_ENTRIES[case]
    path = unsigned_credential(issuer_site)
    doc = issuer_site.load(path)
    if change is None:
        del doc["credentialStatus"]
    elif change == "two":
        doc["credentialStatus"] = [entry(issuer_site, 1), entry(issuer_site, 2)]
    else:
        assert isinstance(change, dict)
        doc["credentialStatus"] = entry(issuer_site, **change)
    write_yaml(path, doc)
    before = path.read_bytes()
    commands = [
        ("sign", path),
        ("sign", "--unsigned", "--dry-run"),
        ("verify", "--allow-unsigned", path),
    ]
    for argv in commands:
        result = issuer_site.run(*argv)
        assert result.code == 1, (argv, result)
        assert message in result.err, (argv, result)
    assert path.read_bytes() == before, "nothing was signed"


def test_a_signed_credential_without_a_status_entry_is_not_published(
    issuer_site: IssuerSite, caplog: pytest.LogCaptureFixture
) -> None:
    (path,) = award(issuer_site, "Ada Lovelace")
    doc = issuer_site.load(path)
    del doc["proof"], doc["credentialStatus"]
    settings = issuer_site.settings
    write_yaml(path, Signer(settings, issuer_site.seed).sign(doc))  # signed by the issuer's key
    shown = path.relative_to(issuer_site.root)
    verify = issuer_site.run("verify", path)
    assert verify.code == 1 and f"{shown}:1: credentialStatus: missing" in verify.err
    build = issuer_site.run("build")
    assert build.code == 1 and f"{shown}:1: credentialStatus: missing" in build_log(caplog)
    assert not (issuer_site.root / "site" / "c" / slug(issuer_site, path)).exists()


def test_revoke_refuses_an_entry_on_another_list(issuer_site: IssuerSite) -> None:
    """Revoking sets a bit of this site's list: only for an entry that is on it."""
    (path,) = award(issuer_site, "Ada Lovelace")
    doc = issuer_site.load(path)
    doc["credentialStatus"]["statusListCredential"] = "https://other.example/status/list.json"
    write_yaml(path, doc)
    before = (issuer_site.root / LIST).read_bytes()
    result = issuer_site.run("revoke", path, "--reason", "x")
    assert result.code == 1
    assert (
        "credentialStatus: has no revocation status entry on this site's list "
        "(credentialStatus.statusListCredential: must be "
        f"{SITE_URL}status/revocation.json (this site's list))" in result.err
    )
    assert (issuer_site.root / LIST).read_bytes() == before
    assert not (issuer_site.root / LEDGER).exists()


def test_two_credentials_on_one_status_index_fail_the_build(
    issuer_site: IssuerSite, caplog: pytest.LogCaptureFixture
) -> None:
    """Revoking one would revoke both: the build names the second file and says to reissue it."""
    first, second = award(issuer_site, "Ada Lovelace", "Grace Hopper")
    doc = issuer_site.load(second)
    del doc["proof"]
    taken = index_of(issuer_site, first)
    doc["credentialStatus"]["statusListIndex"] = str(taken)
    doc["credentialStatus"]["id"] = f"{SITE_URL}status/revocation.json#{taken}"
    write_yaml(second, Signer(issuer_site.settings, issuer_site.seed).sign(doc))
    synced = issuer_site.run("log", "sync")
    assert synced.code == 0, synced
    assert issuer_site.run("verify", second).code == 0  # each alone is a valid credential
    build = issuer_site.run("build")
    a, b = sorted(str(p.relative_to(issuer_site.root)) for p in (first, second))
    log = build_log(caplog)
    assert build.code == 1
    assert f"{b}: credentialStatus.statusListIndex: uses status list index {taken}, as {a}" in log
    assert "credpages reissue" in log
    assert not (issuer_site.root / "site" / "c").exists()
