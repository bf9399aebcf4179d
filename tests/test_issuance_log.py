"""The issuance log end to end: issuing appends and signs, the build verifies and publishes it,
and `credpages log audit` checks a built site. Each tamper case (removed, reordered or rewritten
leaf, backdated entry, forked tree, bad checkpoint signature, unlogged credential) must be caught
with a message that names it, by the build and by the audit."""

from __future__ import annotations

import base64
import hashlib
import shutil
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from conftest import IssuerSite
from credpages.credential.proofs import jcs_bytes, sign_proof_set
from credpages.credential.yamlio import write_yaml
from credpages.errors import CredpagesError
from credpages.issuer import issuance_log, log_frontier
from credpages.issuer.issuance_log import (
    HEADER,
    Entry,
    IssuanceLog,
    LogFile,
    credential_hash,
    format_log,
    log_origin,
    matches_entry,
    parse_log,
)
from credpages.issuer.signing import Signer
from credpages.site.bundle import STUB_TEXT
from credpages.site.minify import minified
from credpages.tlog import merkle, tiles
from credpages.tlog.checkpoint import Checkpoint, parse_checkpoint
from credpages.tlog.note import parse_verifier_key, sign_note, verify_note
from factories import issue_args

pytestmark = pytest.mark.usefixtures("isolated_env")


def issue(site: IssuerSite, name: str) -> None:
    email = name.lower().replace(" ", ".") + "@example.org"
    result = site.run(*issue_args(name, email))
    assert result.code == 0, result


def log_file(site: IssuerSite) -> Path:
    return site.credentials / "log" / "log.txt"


def read(site: IssuerSite) -> LogFile:
    return parse_log(log_file(site).read_text(encoding="utf-8"), "log.txt")


def resign_log(site: IssuerSite, entries: list[Entry]) -> None:
    """What someone holding the key could do: rewrite the leaves and sign a fresh checkpoint."""
    tree = merkle.Tree([merkle.leaf_hash(e.data) for e in entries])
    origin = log_origin(site.settings.site_url)
    key = SigningKey(site.seed)
    note = sign_note(
        Checkpoint(origin, tree.size, tree.root()).text(),
        origin,
        bytes(key.verify_key),
        lambda m: key.sign(m).signature,
    )
    log_file(site).write_text(format_log(LogFile(entries, note)), encoding="utf-8")


CAPLOG: list[pytest.LogCaptureFixture] = []


@pytest.fixture(autouse=True)
def _capture_build_errors(caplog: pytest.LogCaptureFixture) -> None:
    CAPLOG[:] = [caplog]


def build(site: IssuerSite, *argv: str, out: str = "site") -> tuple[int, str]:
    """``credpages build``: exit status and what the user sees (MkDocs logs the plugin's error)."""
    caplog = CAPLOG[0]
    caplog.clear()
    result = site.run("build", "--site-dir", out, *argv)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    return result.code, result.out + result.err + logged


@pytest.fixture
def site_with_three(issuer_site: IssuerSite) -> IssuerSite:
    for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing"):
        issue(issuer_site, name)
    return issuer_site


def test_issuing_appends_a_leaf_per_credential_and_signs_the_checkpoint(
    site_with_three: IssuerSite,
) -> None:
    site = site_with_three
    log = read(site)
    docs = {str(d["id"]): d for d in map(site.load, site.credential_files())}
    assert len(log.entries) == 3 and {e.id for e in log.entries} == set(docs)
    assert len({e.date for e in log.entries}) == 1  # today's UTC date, for all three
    for entry in log.entries:
        # the leaf commits to SHA-256 of the RFC 8785 bytes of the signed credential
        assert entry.sha256 == hashlib.sha256(jcs_bytes(docs[entry.id])).hexdigest()
    assert log.note is not None
    origin = "example.test/awards/log"
    assert log_origin(site.settings.site_url) == origin
    key = site.settings.keyring[0].public_key_bytes
    # signed-note: key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4]
    key_hash = hashlib.sha256(origin.encode() + b"\n\x01" + key).digest()[:4].hex()
    vkey = parse_verifier_key(f"{origin}+{key_hash}+" + base64.b64encode(b"\x01" + key).decode())
    opened, _ = verify_note(log.note, [vkey])
    checkpoint = parse_checkpoint(opened.text)
    tree = merkle.Tree([merkle.leaf_hash(e.data) for e in log.entries])
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (origin, 3, tree.root())


def test_the_build_publishes_tiles_checkpoint_and_page_hints_and_the_audit_passes(
    site_with_three: IssuerSite,
) -> None:
    site = site_with_three
    code, output = build(site)
    assert code == 0, output
    out = site.root / "site"
    log = read(site)
    assert (out / "log" / "checkpoint").read_text(encoding="utf-8") == log.note
    leaves = [merkle.leaf_hash(e.data) for e in log.entries]
    assert (out / "log/tile/0/000.p/3").read_bytes() == b"".join(leaves)
    bundle = tiles.parse_bundle((out / "log/tile/entries/000.p/3").read_bytes())
    assert bundle == [e.data for e in log.entries]
    for i, entry in enumerate(log.entries):
        folder = out / "c" / entry.id.rstrip("/").rsplit("/", 1)[1]
        # the page names its leaf (a hint tlog.js checks); no file per credential for it
        assert f'<meta name="cp:log-entry" content="{i}">' in (folder / "index.html").read_text()
        assert not (folder / "log.json").exists()
    did = (out / "did.json").read_text(encoding="utf-8")
    assert '"type": "CredpagesIssuanceLog"' in did and "example.test/awards/log+" in did
    # the pages run the log check from the verifier's module (site/bundle.py): tlog.js re-exports it
    assets = out / "assets" / "credpages"
    assert "cp-log:" in (assets / "verify-panel.js").read_text(encoding="utf-8")
    assert (assets / "tlog.js").read_text(encoding="utf-8") == minified("tlog.js", STUB_TEXT)
    audit = site.run("log", "audit", "site", "--save", "saved.cp")
    assert audit.code == 0, audit
    assert "3 leaves" in audit.out and "3 published match their leaves" in audit.out
    shutil.copytree(out, site.root / "site-before")
    issue(site, "Edsger Dijkstra")
    code, output = build(site, "--log-previous", "site-before")
    assert code == 0, output
    again = site.run("log", "audit", "site", "--checkpoint", "saved.cp")
    assert again.code == 0 and "extends the saved checkpoint (3 leaves)" in again.out, again


def test_reissue_and_revoke_keep_every_leaf(site_with_three: IssuerSite) -> None:
    site = site_with_three
    first = read(site).entries[0]
    assert site.run("revoke", first.id, "--reason", "mistake").code == 0
    assert read(site).entries[0] == first
    result = site.run("reissue", read(site).entries[1].id, "--name", "Grace B. Hopper")
    assert result.code == 0, result
    entries = read(site).entries
    assert len(entries) == 4 and entries[0] == first
    code, output = build(site)
    assert code == 0, output


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda e: e[1:], "removed leaves: the log lists 2 leaves but its signed checkpoint"),
        (lambda e: [e[1], e[0], e[2]], "a leaf was rewritten or the leaves were reordered"),
        (
            lambda e: [e[0], Entry(e[1].date, "0" * 64, e[1].id), e[2]],
            "a leaf was rewritten or the leaves were reordered",
        ),
    ],
    ids=["removed", "reordered", "rewritten"],
)
def test_editing_the_leaves_without_the_key_fails_the_build(
    site_with_three: IssuerSite, tamper: object, message: str
) -> None:
    site = site_with_three
    log = read(site)
    log.entries = tamper(log.entries)  # type: ignore[operator]
    log_file(site).write_text(format_log(log), encoding="utf-8")
    code, output = build(site)
    assert code != 0 and message in output, output
    assert not (site.root / "site" / "log").exists()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda e: [e[0], e[2]], "removed leaf: leaf 1"),
        (lambda e: [e[1], e[0], e[2]], "reordered leaves: leaf 0"),
        (
            lambda e: [e[0], Entry(e[1].date, "0" * 64, e[1].id), e[2]],
            "rewritten leaf: leaf 1",
        ),
    ],
    ids=["removed", "reordered", "rewritten"],
)
def test_a_resigned_rewrite_is_caught_against_the_live_log_and_by_the_audit(
    site_with_three: IssuerSite, tamper: object, message: str
) -> None:
    site = site_with_three
    assert build(site, out="live")[0] == 0
    assert site.run("log", "audit", "live", "--save", "saved.cp").code == 0
    resign_log(site, tamper(read(site).entries))  # type: ignore[operator]
    code, output = build(site, "--log-previous", "live")
    assert code != 0 and message in output, output
    # published anyway (a credential that no longer matches its leaf is left out): the auditor
    # with the saved checkpoint learns the log no longer extends it; with a saved copy, how
    code, output = build(site, "--skip-invalid", out="tampered")
    assert code == 0, output
    audit = site.run("log", "audit", "tampered", "--checkpoint", "saved.cp")
    assert audit.code != 0 and "does not extend the checkpoint of saved.cp" in audit.err, audit
    precise = site.run("log", "audit", "tampered", "--checkpoint", "live")
    assert precise.code != 0 and message in precise.err, precise


def test_a_backdated_entry_is_refused(site_with_three: IssuerSite) -> None:
    site = site_with_three
    entries = read(site).entries
    early = [Entry("2020-01-01", e.sha256, e.id) for e in entries]
    resign_log(site, early)
    code, output = build(site)
    assert (
        code != 0 and "backdated entry: leaf 0 is dated 2020-01-01, before the credential" in output
    )
    resign_log(
        site, [entries[0], entries[1], Entry("2020-01-01", entries[2].sha256, entries[2].id)]
    )
    code, output = build(site)
    assert code != 0 and "backdated entry: leaf 2" in output and "before leaf 1" in output, output


def test_a_forked_tree_is_refused(site_with_three: IssuerSite) -> None:
    site = site_with_three
    assert build(site, out="live")[0] == 0
    # the live checkpoint commits to other leaves than the ones the live site lists: a fork
    entries = read(site).entries
    fork = [entries[0], entries[1], Entry(entries[2].date, "1" * 64, entries[2].id)]
    tree = merkle.Tree([merkle.leaf_hash(e.data) for e in fork])
    origin = log_origin(site.settings.site_url)
    key = SigningKey(site.seed)
    note = sign_note(
        Checkpoint(origin, 3, tree.root()).text(),
        origin,
        bytes(key.verify_key),
        lambda m: key.sign(m).signature,
    )
    (site.root / "live" / "log" / "checkpoint").write_text(note, encoding="utf-8")
    code, output = build(site, "--log-previous", "live")
    assert code != 0 and "a forked tree" in output, output


def test_a_bad_checkpoint_signature_is_refused(site_with_three: IssuerSite) -> None:
    site = site_with_three
    text = log_file(site).read_text(encoding="utf-8")
    head, _, sig = text.rpartition(" ")
    flipped = base64.b64encode(
        bytes([b ^ 1 for b in base64.b64decode(sig)[:8]]) + base64.b64decode(sig)[8:]
    )
    log_file(site).write_text(head + " " + flipped.decode() + "\n", encoding="utf-8")
    code, output = build(site)
    assert code != 0 and "bad checkpoint signature" in output, output
    # the audit catches the same on a published site
    log_file(site).write_text(text, encoding="utf-8")
    assert build(site)[0] == 0
    published = site.root / "site" / "log" / "checkpoint"
    published.write_text(
        published.read_text().replace("\n\n", "\n\n").replace("— ", "— ", 1)[:-6] + "AAAA=\n"
    )
    audit = site.run("log", "audit", "site")
    assert audit.code != 0 and "bad checkpoint signature" in audit.err, audit


def test_a_credential_missing_from_the_log_is_not_published(site_with_three: IssuerSite) -> None:
    site = site_with_three
    path = site.credential_files()[0]
    doc = site.load(path)
    doc["name"] = "Python Basics (changed after logging)"
    vm = doc["proof"][0]["verificationMethod"]
    created = doc["proof"][0]["created"]
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    write_yaml(path, sign_proof_set(unsigned, site.seed, vm, created))
    code, output = build(site)
    assert code != 0 and "differs from its issuance log entry" in output, output
    assert site.run("log", "sync").code == 0  # the new version becomes a new leaf of its id
    entries = read(site).entries
    assert len(entries) == 4 and entries[3].id == doc["id"]
    assert build(site)[0] == 0
    # a credential written without any command (never logged) is refused, the rest published
    stray = site.credentials / "stray.yaml"
    doc["id"] = doc["id"].replace(path.stem, "python-basics-zzzzzzzzzz")
    taken = {site.load(p)["credentialStatus"]["statusListIndex"] for p in site.credential_files()}
    free = next(str(i) for i in range(1000, 2000) if str(i) not in taken)  # its own status index
    doc["credentialStatus"] = dict(doc["credentialStatus"], statusListIndex=free)
    doc["credentialStatus"]["id"] = doc["credentialStatus"]["statusListCredential"] + "#" + free
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    write_yaml(stray, sign_proof_set(unsigned, site.seed, vm, created))
    code, output = build(site)
    assert code != 0 and "stray.yaml: id: not in the issuance log" in output, output
    code, output = build(site, "--skip-invalid")
    assert code == 0, output
    assert build(site)[0] != 0  # --skip-invalid was for that one build only
    assert not (site.root / "site" / "c" / "python-basics-zzzzzzzzzz").exists()


def test_a_leaf_matches_exactly_the_rfc_8785_hash() -> None:
    # a float and an astral key: the quick sorted-JSON form differs from RFC 8785 here
    doc = {"b": 1.0, "a": "x", "\U0001f600": 1, "\u00e9": 2}
    exact = credential_hash(doc)
    assert exact == hashlib.sha256(b'{"a":"x","b":1,"\xc3\xa9":2,"\xf0\x9f\x98\x80":1}').hexdigest()
    assert matches_entry(doc, exact)
    assert not matches_entry(doc, "0" * 64)
    assert not matches_entry({**doc, "b": 2.0}, exact)


def _log_text(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n\nnote\n"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("2026-02-30 " + "a" * 64 + " https://example.org/c/x/", "is not a date"),
        ("2026-01-02 " + "A" * 64 + " https://example.org/c/x/", "not a log entry"),
        ("2026-01-02 " + "a" * 64 + " two words", "not a log entry"),
        ("2026-01-02 " + "a" * 63 + " https://example.org/c/x/", "not a log entry"),
    ],
)
def test_a_bad_line_is_named_by_its_number(bad: str, message: str) -> None:
    good = "2026-01-01 " + "b" * 64 + " https://example.org/c/y/"
    with pytest.raises(CredpagesError) as caught:
        parse_log(_log_text(good, good, bad, good), "log.txt")
    assert message in caught.value.message and caught.value.line == 4


def test_a_log_reads_back_as_written() -> None:
    """Comment lines are skipped; entries, their order and the note come back as written."""
    lines = [f"2026-01-{1 + i % 28:02d} {i:064x} https://example.org/c/{i}/" for i in range(300)]
    whole = parse_log(_log_text(*lines), "log.txt")
    by_line = parse_log(_log_text("# a comment", *lines), "log.txt")
    assert whole.entries == by_line.entries and len(whole.entries) == 300
    assert whole.entries[7] == Entry("2026-01-08", f"{7:064x}", "https://example.org/c/7/")
    assert whole.note == by_line.note == "note\n"
    assert format_log(whole) == _log_text(*lines)


# --- the cached frontier: appending without parsing the leaves ---------------------------------


def append_one(site: IssuerSite) -> bytes:
    """Append one fixed leaf as an issuer command does; the log file's bytes afterwards."""
    log = IssuanceLog(site.settings)
    log.add_entry(Entry("2099-01-01", "ab" * 32, "https://example.test/awards/c/extra/"))
    log.save(Signer(site.settings, site.seed))
    return log_file(site).read_bytes()


def frontier_file(site: IssuerSite) -> Path:
    path = site.settings.cache_sibling(log_frontier.SUFFIX)
    assert path is not None
    return path


def test_appending_reads_no_leaf_when_the_cached_frontier_is_the_files(
    site_with_three: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = site_with_three
    assert frontier_file(site).is_file()  # kept by the issues that made the log
    before = log_file(site).read_bytes()
    frontier_file(site).rename(frontier_file(site).with_suffix(".kept"))
    uncached = append_one(site)  # no cache: every leaf parsed and hashed
    log_file(site).write_bytes(before)
    frontier_file(site).with_suffix(".kept").rename(frontier_file(site))

    def no_parse(*_: object) -> None:
        raise AssertionError("the log's leaves were parsed")

    monkeypatch.setattr(issuance_log, "parse_log", no_parse)
    assert append_one(site) == uncached  # the same bytes, signed checkpoint included
    monkeypatch.undo()
    log = read(site)
    tree = merkle.Tree([merkle.leaf_hash(e.data) for e in log.entries])
    assert log.note is not None and tree.size == 4
    checkpoint = parse_checkpoint(log.note.split("\n\n")[0] + "\n")
    assert (checkpoint.size, checkpoint.root) == (4, tree.root())


@pytest.mark.parametrize("damage", ["forged", "stale", "truncated"])
def test_a_wrong_cached_frontier_costs_a_parse_and_changes_nothing(
    site_with_three: IssuerSite, damage: str
) -> None:
    site = site_with_three
    cache = frontier_file(site)
    header, digest, size, *hashes = cache.read_text().splitlines()
    if damage == "forged":  # right file, wrong tree: what a tampered cache would say
        hashes = [hashlib.sha256(h.encode()).hexdigest() for h in hashes]
    elif damage == "stale":
        digest = hashlib.sha256(b"another log file").hexdigest()
    else:
        hashes = hashes[:-1]
    cache.write_text("\n".join([header, digest, size, *hashes]) + "\n")
    append_one(site)
    log = read(site)
    tree = merkle.Tree([merkle.leaf_hash(e.data) for e in log.entries])
    assert log.note is not None and tree.size == 4
    checkpoint = parse_checkpoint(log.note.split("\n\n")[0] + "\n")
    assert (checkpoint.size, checkpoint.root) == (4, tree.root())
    assert (
        cache.read_text().splitlines()[1] == hashlib.sha256(log_file(site).read_bytes()).hexdigest()
    )


def test_a_bad_line_is_still_refused_when_the_cache_does_not_vouch_for_the_file(
    site_with_three: IssuerSite,
) -> None:
    site = site_with_three
    text = log_file(site).read_text(encoding="utf-8")
    log_file(site).write_text(text.replace("\n", "\nnot a leaf\n", 1), encoding="utf-8")
    with pytest.raises(CredpagesError, match="not a log entry") as caught:
        IssuanceLog(site.settings)
    assert caught.value.line == 2


def test_without_parsing_a_logged_credential_is_found_by_its_newest_leaf(
    site_with_three: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = site_with_three
    first, *_ = read(site).entries

    def no_parse(*_: object) -> None:
        raise AssertionError("the log's leaves were parsed")

    monkeypatch.setattr(issuance_log, "parse_log", no_parse)
    log = IssuanceLog(site.settings)
    assert log.add_entry(first) is None  # already its id's newest leaf: nothing to add
    newer = Entry(first.date, "cd" * 32, first.id)
    assert log.add_entry(newer) == newer  # new bytes of the same id: a new leaf
    assert log.add_entry(first) == first  # the old bytes again are newer still
    assert log.add_entry(Entry("2000-01-01", "ef" * 32, "https://example.test/x/")) == Entry(
        first.date, "ef" * 32, "https://example.test/x/"
    )  # never dated before the last leaf
