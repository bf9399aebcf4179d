"""Incremental builds: the previous output only saves work.

After each kind of change (a credential added, revoked, re-signed or removed, a template, a
setting or the keyring changed, files of the output folder or the cache tampered with) the
incremental build must publish, file for file, what a cold build of the same files makes in an
empty folder with an empty cache; and it must rewrite only what the change touches.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import IssuerSite
from credpages.bundled import TEMPLATE_DIR
from credpages.credential.yamlio import load_yaml, write_yaml
from credpages.site import cache as cache_module
from credpages.site import sources
from credpages.site.output import STASH, Manifest
from credpages.site.sources import SourceDigests

NAMES = ["Ada Lovelace", "Grace Hopper", "Katherine Johnson"]
Tree = dict[str, bytes | str]


def tree(folder: Path) -> Tree:
    """Every entry under ``folder``: files by their bytes, links and other entries by kind."""
    found: Tree = {}
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(top, name)
            relative = path.relative_to(folder).as_posix()
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                found[relative] = "link"
            elif stat.S_ISREG(mode):
                found[relative] = path.read_bytes()
            elif not stat.S_ISDIR(mode):
                found[relative] = "other"
    return found


def identities(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, ctime) of each file under the folders credpages owns: changes when rewritten."""
    ids = {}
    for owned in ("c", "log"):
        for path in (folder / owned).rglob("*"):
            if path.is_file():
                st = path.lstat()
                ids[path.relative_to(folder).as_posix()] = (st.st_ino, st.st_ctime_ns)
    return ids


def build(site: IssuerSite) -> Path:
    result = site.run("build")
    assert result.code == 0, result
    return site.root / "site"


def cold(site: IssuerSite, name: str = "cold") -> Tree:
    """A cold build of the same files: an empty output folder and no cache."""
    cache, parked = site.root / ".cache", site.root / ".cache-parked"
    if cache.exists():
        cache.rename(parked)
    out = site.root.parent / f"{site.root.name}-{name}"
    shutil.rmtree(out, ignore_errors=True)
    try:
        result = site.run("build", "--site-dir", out)
        assert result.code == 0, result
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if parked.exists():
            parked.rename(cache)
    return tree(out)


def assert_same(incremental: Path, reference: Tree) -> None:
    got = tree(incremental)
    assert sorted(got) == sorted(reference)
    differ = [name for name in reference if got[name] != reference[name]]
    assert differ == [], f"differs from a cold build: {differ}"


@pytest.fixture
def site(issuer_site: IssuerSite) -> IssuerSite:
    issuer_site.issue_each(NAMES)
    build(issuer_site)
    return issuer_site


def rewritten(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> set[str]:
    """Files written again, created or removed between two builds."""
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def folder_of(site: IssuerSite, path: Path) -> str:
    return "c/" + str(load_yaml(path).data["id"]).rstrip("/").rsplit("/", 1)[1]


def test_a_warm_build_rewrites_nothing_and_equals_a_cold_build(site: IssuerSite) -> None:
    out = build(site)  # the records of the first build were too fresh to trust: compared here
    before = identities(out)
    build(site)
    assert rewritten(before, identities(out)) == set()
    assert not (out / STASH).exists()
    assert_same(out, cold(site))


def test_a_build_flushes_nothing_to_disk(site: IssuerSite, monkeypatch: pytest.MonkeyPatch) -> None:
    """fsync is for what the issuer commits (credentials, the log, keys): the site folder is
    remade by the next build, and each flush of a few small files cost tens of ms while the
    disk was busy writing a big site (the bundled, minified assets were flushed every build)."""
    flushed: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (flushed.append(fd), real(fd))[1])
    out = build(site)
    assert flushed == []
    assert (out / "assets" / "credpages" / "verify-panel.js").stat().st_size > 0
    assert_same(out, cold(site))


def test_the_same_site_built_through_another_config_path_rewrites_nothing(
    site: IssuerSite,
) -> None:
    """Page keys name what a page is made from, not how `mkdocs.yml` was named: a build run
    from another folder with an absolute path keeps every page (it re-rendered them all)."""
    theme = site.root / "overrides" / "credpages"  # a theme folder: named relative to mkdocs.yml
    theme.mkdir(parents=True)
    original = (TEMPLATE_DIR / "credential.html").read_text(encoding="utf-8")
    (theme / "credential.html").write_text(original + "<!-- ours -->\n", encoding="utf-8")
    text = site.config.read_text()
    site.config.write_text(text.replace("theme:\n", "theme:\n  custom_dir: overrides\n", 1))
    out = build(site)
    before = identities(out)
    elsewhere = site.run("--config", site.root / "mkdocs.yml", "build", cwd=site.root.parent)
    assert elsewhere.code == 0, elsewhere
    assert rewritten(before, identities(out)) == set()
    assert_same(out, cold(site))


def test_adding_a_credential_writes_its_folder_and_the_log_only(site: IssuerSite) -> None:
    out = build(site)
    before = identities(out)
    added = site.issue("Mary Jackson", "r9@example.test")
    build(site)
    changed = rewritten(before, identities(out))
    assert {name.rsplit("/", 1)[0] for name in changed if name.startswith("c/")} == {
        folder_of(site, added)
    }
    assert {name for name in changed if name.startswith("log/")}  # the tree grew
    assert_same(out, cold(site))


def test_revoking_rewrites_that_page_only(site: IssuerSite) -> None:
    out = build(site)
    before = identities(out)
    path = site.credential_files()[1]
    assert site.run("revoke", path.stem, "--reason", "plagiarised project").code == 0
    build(site)
    assert rewritten(before, identities(out)) == {f"{folder_of(site, path)}/index.html"}
    assert_same(out, cold(site))


def test_re_signing_one_credential_rewrites_its_files(site: IssuerSite) -> None:
    out = build(site)
    before = identities(out)
    path = site.credential_files()[0]
    document = load_yaml(path).data
    document.pop("proof")
    document["credentialSubject"]["name"] = "Ada King"
    write_yaml(path, document)
    result = site.run("sign", path)
    assert result.code == 0, result
    build(site)
    changed = rewritten(before, identities(out))
    folder = folder_of(site, path)
    assert {n.rsplit("/", 1)[0] for n in changed if n.startswith("c/")} == {folder}
    assert f"{folder}/credential.json" in changed
    assert_same(out, cold(site))


def test_a_removed_credential_disappears(site: IssuerSite) -> None:
    out = build(site)
    path = site.credential_files()[2]
    folder = folder_of(site, path)
    assert (out / folder).is_dir()
    path.unlink()
    build(site)
    assert not (out / folder).exists()
    assert_same(out, cold(site))


@pytest.mark.parametrize(
    "change",
    ["template", "setting", "key"],
)
def test_templates_settings_and_keys_invalidate_what_they_touch(
    site: IssuerSite, change: str
) -> None:
    out = build(site)
    before = identities(out)
    text = site.config.read_text()
    if change == "template":
        theme = site.root / "overrides" / "credpages"
        theme.mkdir(parents=True)
        original = (TEMPLATE_DIR / "credential.html").read_text(encoding="utf-8")
        (theme / "credential.html").write_text(original + "<!-- ours -->\n", encoding="utf-8")
        site.config.write_text(text.replace("theme:\n", "theme:\n  custom_dir: overrides\n", 1))
        assert "custom_dir" in site.config.read_text()
    elif change == "setting":
        site.config.write_text(text.replace("site_name:", "site_name: Renamed", 1))
    else:
        assert site.run("rotate-key", "--stdout").code == 0
    build(site)
    changed = rewritten(before, identities(out))
    pages = {n for n in changed if n.endswith("index.html")}
    if change == "key":  # the keyring is in no page: nothing credpages owns is rewritten
        assert changed == set()
    else:
        assert len(pages) == len(NAMES)
        assert not any(n.endswith("credential.json") for n in changed)
    assert_same(out, cold(site))


def tamper_files(out: Path) -> list[Callable[[], object]]:
    page = sorted(out.glob("c/*/index.html"))[0]
    data = sorted(out.glob("c/*/credential.json"))[1]
    other = sorted(out.glob("c/*/index.html"))[2]
    tile = sorted(p for p in (out / "log").rglob("*") if p.is_file() and p.name != "checkpoint")[0]
    same_size = page.read_bytes().replace(b"Ada", b"Eve")

    def link_json() -> None:
        data.unlink()
        data.symlink_to(page)

    return [
        lambda: page.write_bytes(same_size),  # same size, same mtime restored below
        lambda: os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns - 10**9)),
        link_json,
        lambda: other.chmod(0o777),
        lambda: (page.parent / "evil.html").write_text("<script>alert(1)</script>"),
        lambda: (out / "c" / "stray").mkdir(),
        lambda: (out / "c" / "stray" / "index.html").write_text("stray"),
        lambda: tile.write_bytes(b"\0" * len(tile.read_bytes())),
        lambda: (out / "log" / "extra").write_text("x"),
    ]


def test_tampered_output_files_are_put_right(site: IssuerSite) -> None:
    out = build(site)
    build(site)
    for tamper in tamper_files(out):
        tamper()
    build(site)
    assert_same(out, cold(site))
    assert stat.S_IMODE(sorted(out.glob("c/*/index.html"))[2].stat().st_mode) != 0o777


def test_a_folder_replaced_by_a_link_is_not_written_through(
    site: IssuerSite, tmp_path: Path
) -> None:
    out = build(site)
    folder = sorted(p for p in (out / "c").iterdir())[0]
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(folder, elsewhere)
    (elsewhere / "index.html").write_text("outside")
    shutil.rmtree(folder)
    folder.symlink_to(elsewhere)
    build(site)
    assert (elsewhere / "index.html").read_text() == "outside"
    assert_same(out, cold(site))


def test_a_tampered_or_foreign_manifest_only_costs_time(site: IssuerSite) -> None:
    out = build(site)
    build(site)
    page = sorted(out.glob("c/*/index.html"))[0]
    page.write_bytes(page.read_bytes().replace(b"Ada", b"Eve"))
    connection = sqlite3.connect(site.root / ".cache" / "credpages" / "cache.sqlite")
    with connection:  # claim the tampered file is what the build wrote
        ((value,),) = connection.execute("SELECT value FROM entries WHERE kind = 'output'")
        connection.execute(
            "UPDATE entries SET value = ? WHERE kind = 'output'", (value.replace(b"a", b"b"),)
        )
    connection.close()
    build(site)
    assert_same(out, cold(site))


def test_the_manifest_round_trips_and_an_older_format_is_not_trusted() -> None:
    """The manifest is stored compactly (ints, one line per path); what it decodes to is
    exactly what was recorded, racy marks and any path included, and anything else
    (an older build's JSON manifest, a cut-off value) is no manifest: every file is written."""
    manifest = Manifest(
        {"c/ada/index.html": 2**64 - 1, "c/ada": 0, "log/é ~ x.json": 0x0123456789ABCDEF},
        {"c/ada/index.html"},
    )
    value = manifest.encode()
    assert Manifest.decode(value) == manifest
    assert Manifest.decode(Manifest().encode()) == Manifest()
    older = b'{"c/ada/index.html": "ffffffffffffffff"}'
    assert Manifest.decode(older) is None
    assert Manifest.decode(value[:-5]) is None


def test_a_build_that_fails_leaves_the_previous_output_for_the_next(site: IssuerSite) -> None:
    out = build(site)
    (path,) = [p for p in site.credential_files() if b"Ada Lovelace" in p.read_bytes()]
    good = path.read_bytes()
    path.write_bytes(good.replace(b"Ada Lovelace", b"Mallory"))
    assert site.run("build").code != 0
    assert (out / "c").is_dir() and not (out / STASH).exists()  # stopped before MkDocs' clean
    path.write_bytes(good)
    before = identities(out)
    (out / STASH).mkdir()  # as a build that failed after MkDocs' clean leaves it
    (out / "c").rename(out / STASH / "c")
    build(site)
    assert not (out / STASH).exists()
    assert_same(out, cold(site))
    kept = {name: ids for name, ids in identities(out).items()}
    assert set(before.values()) & set(kept.values())  # files were moved back, not rewritten


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The credential files builds read from now on (by name)."""
    reads: list[str] = []
    original = SourceDigests.read

    def counting(self: SourceDigests, path: str) -> tuple[bytes, str]:
        reads.append(os.path.basename(path))
        return original(self, path)

    monkeypatch.setattr(SourceDigests, "read", counting)
    return reads


def test_unchanged_credential_files_are_not_read_again(
    site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "RACY_NS", 0)  # the fixture's files are seconds old
    out = build(site)
    reads = count_reads(monkeypatch)
    build(site)
    assert reads == []
    touched = site.credential_files()[1]
    os.utime(touched)  # same bytes, new identity: read (and found in the cache) again
    build(site)
    assert reads == [touched.name]
    assert_same(out, cold(site))


def test_an_unchanged_build_leaves_the_cache_file_as_it_was(
    site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing changed, nothing to store: the output manifest and the source records are the
    stored ones (they were written again every build, 3.4 MB at 10,000 credentials), and
    pruning finds nothing to remove; a change is stored again."""
    monkeypatch.setattr(sources, "RACY_NS", 0)
    out = build(site)  # settles the records the first build made too recently to trust
    cache_file = site.root / ".cache" / "credpages" / cache_module.FILE_NAME

    def state() -> tuple[int, int, bytes]:
        st = cache_file.stat()
        return st.st_mtime_ns, st.st_ctime_ns, cache_file.read_bytes()

    before = state()
    build(site)
    assert state() == before
    site.issue("Mary Jackson", "r9@example.test")
    build(site)
    assert state() != before
    assert_same(out, cold(site))


def test_a_same_size_edit_with_the_mtime_put_back_is_seen(
    site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What git does: the ctime (set by the write and again by ``utime``, never settable back)
    differs from the recorded one, so the file is read and checked again."""
    monkeypatch.setattr(sources, "RACY_NS", 0)
    out = build(site)
    (path,) = [p for p in site.credential_files() if b"Ada Lovelace" in p.read_bytes()]
    st = path.stat()
    with path.open("r+b") as handle:  # in place: same inode, same size
        data = handle.read()
        handle.seek(0)
        handle.write(data.replace(b"Ada Lovelace", b"Eve Lovelace"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    result = site.run("build")
    assert result.code != 0 and "proof" in result.err  # as a cold build: the proof fails
    # the edited name (not just "Eve": a page's base64 QR image or base58 proofs may hold that)
    assert b"Eve Lovelace" not in b"".join(p.read_bytes() for p in out.glob("c/*/index.html"))


def test_files_changed_just_before_a_build_are_read_again_by_the_next(
    site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Git's racily-clean rule: a record taken within the file clock's reach of the file's last
    change is not kept (a same-size rewrite in the same tick would keep the identity)."""
    fresh = site.issue("Mary Jackson", "r9@example.test")
    build(site)
    reads = count_reads(monkeypatch)
    build(site)
    assert fresh.name in reads


def test_a_build_flushing_its_cache_in_small_batches_equals_a_cold_build(
    site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages and verifications go to the cache as they are made (a few at a time here), never
    held to the end: the output is the same, and the next build finds every entry."""
    monkeypatch.setattr(cache_module, "FLUSH_BYTES", 1)
    shutil.rmtree(site.root / ".cache")
    out = build(site)
    assert_same(out, cold(site))
    before = identities(out)
    build(site)  # verified from the cache, pages kept
    build(site)
    assert rewritten(before, identities(out)) <= {  # the first records were too fresh to trust
        name for name in before if name.endswith(("index.html", "credential.json", "log.json"))
    }
    with sqlite3.connect(site.root / ".cache" / "credpages" / "cache.sqlite") as db:
        kinds = dict(db.execute("SELECT kind, COUNT(*) FROM entries GROUP BY kind").fetchall())
    assert kinds["verify"] >= len(NAMES) and kinds["page"] == len(NAMES)
    assert_same(out, cold(site))
