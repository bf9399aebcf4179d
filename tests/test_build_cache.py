"""The build cache saves work and never supplies what is published.

Each attack below is done to the cache file between two builds, as someone who can write the
GitHub Actions cache (but has no secret) could; the poisoned build must publish, byte for byte,
what a cold build of the same commit publishes, and say that it ignored something.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import TEST_CACHE_KEY, IssuerSite, build_logged
from credpages.credential.yamlio import load_yaml, write_yaml
from credpages.issuer.signing import Signer
from credpages.site import collect, publish, share_card

NAMES = ["Ada Lovelace", "Grace Hopper", "Katherine Johnson"]
CARDS = len(NAMES) + 1  # one per credential, and the achievement page's own
PNG = b"\x89PNG\r\n\x1a\n"
Row = dict[str, object]


# --- the site, its builds and the cache file ------------------------------------------------


@pytest.fixture
def site(issuer_site: IssuerSite) -> IssuerSite:
    issuer_site.issue_each(NAMES)
    return issuer_site


def cache_dir(site: IssuerSite) -> Path:
    return site.root / ".cache" / "credpages"


def cold(site: IssuerSite, caplog: pytest.LogCaptureFixture) -> dict[str, bytes]:
    shutil.rmtree(cache_dir(site), ignore_errors=True)
    files, warnings = build_logged(site, caplog)
    assert "cache" not in warnings
    return files


def assert_same_site(poisoned: dict[str, bytes], reference: dict[str, bytes]) -> None:
    assert sorted(poisoned) == sorted(reference)
    differ = [name for name in reference if poisoned[name] != reference[name]]
    assert differ == [], f"published bytes changed by the cache: {differ}"


@pytest.fixture
def db(site: IssuerSite) -> Iterator[Callable[[], sqlite3.Connection]]:
    """Connections to the cache file, closed after the test."""
    opened: list[sqlite3.Connection] = []

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(cache_dir(site) / "cache.sqlite")
        opened.append(connection)
        return connection

    yield connect
    for connection in opened:
        connection.close()


def rows(connection: sqlite3.Connection) -> list[Row]:
    cursor = connection.execute("SELECT * FROM entries ORDER BY kind, key")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def write_rows(connection: sqlite3.Connection, changed: list[Row]) -> None:
    """Store ``changed`` rows over the ones with the same kind and key."""
    with connection:
        for row in changed:
            columns = [c for c in row if c not in ("kind", "key")]
            connection.execute(
                f"UPDATE entries SET {', '.join(f'{c} = ?' for c in columns)} "
                "WHERE kind = ? AND key = ?",
                [*(row[c] for c in columns), row["kind"], row["key"]],
            )


def moved(source: Row, target: Row) -> Row:
    """``source``'s value (and anything stored with it) under ``target``'s key, done as well as
    someone who knows the entry format can: a key written inside the value is rewritten too."""
    row = {**source, "kind": target["kind"], "key": target["key"]}
    value = row["value"]
    assert isinstance(value, bytes)
    try:
        entry = json.loads(value)
    except ValueError:
        return row
    if isinstance(entry, dict) and "key" in entry:
        entry["key"] = target["key"]
        row["value"] = json.dumps(entry).encode()
    return row


def rotate(entries: list[Row]) -> list[Row]:
    """Each entry gets the next one's value: every key now holds another key's value."""
    return [moved(entries[(i + 1) % len(entries)], row) for i, row in enumerate(entries)]


def by_kind(entries: list[Row]) -> dict[str, list[Row]]:
    kinds: dict[str, list[Row]] = {}
    for row in entries:
        kinds.setdefault(str(row["kind"]), []).append(row)
    return kinds


def no_expensive_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if the build checks a proof in full, renders a page or draws a card."""

    def forbidden(what: str) -> Callable[..., None]:
        def fail(*_: object, **__: object) -> None:
            raise AssertionError(f"{what} although it was cached")

        return fail

    monkeypatch.setattr(collect, "check_integrity", forbidden("verified in full"))
    monkeypatch.setattr(publish, "_render_job", forbidden("rendered a page"))
    monkeypatch.setattr(share_card, "render_card", forbidden("drew a share card"))


def poisoned_build(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, poison: Callable[[], object], warning: str
) -> dict[str, bytes]:
    """Build cold, ``poison`` the cache, build again: the same bytes, and ``warning`` said."""
    reference = cold(site, caplog)
    poison()
    shutil.rmtree(site.root / "site")  # as in CI: only the cache is carried over
    poisoned, warnings = build_logged(site, caplog)
    assert_same_site(poisoned, reference)
    assert warning in warnings
    return poisoned


# --- a warm build is a cold build, faster ---------------------------------------------------


def test_cold_and_warm_builds_publish_the_same_bytes_and_warm_draws_nothing(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = cold(site, caplog)
    assert sum(1 for name in reference if "/card-" in name) == CARDS
    no_expensive_work(monkeypatch)
    warm, warnings = build_logged(site, caplog)
    assert_same_site(warm, reference)
    assert "cache" not in warnings
    assert not (cache_dir(site) / "cards").exists()  # one file: cards are in it
    assert [p.name for p in cache_dir(site).iterdir()] == ["cache.sqlite"]


# --- attacks on the entries ------------------------------------------------------------------


def test_rotated_entries_change_nothing_published(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, db: Callable[[], sqlite3.Connection]
) -> None:
    def poison() -> None:
        connection = db()
        for entries in by_kind(rows(connection)).values():
            write_rows(connection, rotate(entries))

    poisoned_build(site, caplog, poison, "ignored")


def test_swapped_share_card_pngs_change_nothing_published(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, db: Callable[[], sqlite3.Connection]
) -> None:
    def poison() -> None:
        loose = sorted(cache_dir(site).rglob("*.png"))  # where older versions kept them
        blobs = [p.read_bytes() for p in loose]
        for path, data in zip(loose, blobs[1:] + blobs[:1], strict=True):
            path.write_bytes(data)
        connection = db()
        cards = [r for r in rows(connection) if PNG in bytes(r["value"])]  # type: ignore[arg-type]
        assert len(cards) + len(loose) == CARDS
        if cards:
            write_rows(connection, rotate(cards))

    poisoned_build(site, caplog, poison, "ignored")


def test_another_valid_credentials_entries_are_not_published_for_this_one(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, db: Callable[[], sqlite3.Connection]
) -> None:
    def poison() -> None:
        connection = db()
        changed = []
        for entries in by_kind(rows(connection)).values():
            if len(entries) > 1:  # one credential's entry over another's
                changed += [moved(entries[1], entries[0])]
        write_rows(connection, changed)

    poisoned_build(site, caplog, poison, "ignored")


def test_an_older_signed_version_of_the_same_credential_is_not_published(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, db: Callable[[], sqlite3.Connection]
) -> None:
    build_logged(site, caplog)
    old_cache = site.root / "old-cache.sqlite"
    shutil.copy(cache_dir(site) / "cache.sqlite", old_cache)
    path = site.credential_files()[0]
    document = load_yaml(path).data
    document.pop("proof")
    document["credentialSubject"]["name"] = "Ada King, Countess of Lovelace"  # a correction
    write_yaml(path, Signer(site.settings, site.seed).sign(document))
    assert site.run("log", "sync").code == 0  # the corrected version is logged, as `sign` would
    reference = cold(site, caplog)
    # the attacker puts the old version's entries (from the saved cache) at the new one's keys
    saved = sqlite3.connect(old_cache)
    before = {(r["kind"], r["key"]): r for r in rows(saved)}
    saved.close()
    connection = db()
    now = {(r["kind"], r["key"]): r for r in rows(connection)}
    stale = by_kind([r for k, r in before.items() if k not in now])
    fresh = by_kind([r for k, r in now.items() if k not in before])
    kinds = set(stale) & set(fresh)
    assert {"verify", "page"} <= kinds
    changed = [moved(stale[kind][0], fresh[kind][0]) for kind in kinds]
    write_rows(connection, changed)
    poisoned, warnings = build_logged(site, caplog)
    assert_same_site(poisoned, reference)
    assert "ignored" in warnings
    assert b"Ada King, Countess of Lovelace" in poisoned[f"c/{path.stem}/index.html"]


def test_edited_html_in_the_cache_is_not_published(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, db: Callable[[], sqlite3.Connection]
) -> None:
    def poison() -> None:
        connection = db()
        pages = [r for r in rows(connection) if b"<html" in bytes(r["value"])]  # type: ignore[arg-type]
        assert len(pages) == len(NAMES)
        for row in pages:
            value = bytes(row["value"])  # type: ignore[arg-type]
            for name in NAMES:
                value = value.replace(name.encode(), b"Mallory Forger")
            row["value"] = value.replace(b"cp-verify", b"cp-verified")
        write_rows(connection, pages)

    poisoned = poisoned_build(site, caplog, poison, "ignored")
    assert b"Mallory" not in b"".join(poisoned.values())


def test_entries_made_with_another_cache_key_are_ignored(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, db: Callable[[], sqlite3.Connection]
) -> None:
    from credpages.site.cache import BuildCache

    def poison() -> None:
        pages = [r for r in rows(db()) if b"<html" in bytes(r["value"])]  # type: ignore[arg-type]
        # someone with their own key (their fork, their machine) makes well-formed entries
        theirs = BuildCache(cache_dir(site), b"someone-else's-cache-key-" + b"7" * 40)
        for row in pages:
            value = bytes(row["value"]).replace(b"Ada Lovelace", b"Mallory Forger")  # type: ignore[arg-type]
            theirs.put("page", str(row["key"]), value)
        theirs.close(prune=False)

    poisoned_build(site, caplog, poison, f"ignored {len(NAMES)} entries")


# --- attacks on the file ---------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_cache_file_changes_nothing_published(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    path = cache_dir(site) / "cache.sqlite"

    def poison() -> None:
        data = path.read_bytes()
        damaged = data[: len(data) // 3] if damage == "truncated" else bytes(range(256)) * 64
        path.write_bytes(damaged)

    reference = poisoned_build(site, caplog, poison, "build cache")
    again, warnings = build_logged(site, caplog)  # and the cache works again afterwards
    assert_same_site(again, reference)
    assert "cache" not in warnings


CRAFTED = {
    # entries is a view: every page key returns the same (another credential's) page
    "view": [
        "CREATE TABLE store (kind TEXT, key TEXT, value BLOB, mac BLOB)",
        "CREATE VIEW entries AS SELECT e.kind AS kind, e.key AS key, "
        "(SELECT value FROM store WHERE kind = e.kind ORDER BY key LIMIT 1) AS value, "
        "(SELECT mac FROM store WHERE kind = e.kind ORDER BY key LIMIT 1) AS mac FROM store e",
    ],
    # a trigger rewrites what the next build stores, and an extra table rides along
    "trigger": [
        "CREATE TABLE entries (kind TEXT, key TEXT, value BLOB, mac BLOB, PRIMARY KEY (kind, key))",
        "CREATE TABLE payload (x)",
        "CREATE TRIGGER swap AFTER INSERT ON entries BEGIN UPDATE entries SET value = "
        "replace(value, 'Grace Hopper', 'Mallory Forger') WHERE kind = 'page'; END",
    ],
    # a column too many, and the wrong types
    "schema": [
        "CREATE TABLE entries (kind TEXT, key TEXT, value TEXT, mac TEXT, extra, "
        "PRIMARY KEY (kind, key))",
    ],
}


@pytest.mark.parametrize("craft", sorted(CRAFTED))
def test_a_crafted_cache_file_is_replaced_not_used(
    site: IssuerSite,
    caplog: pytest.LogCaptureFixture,
    db: Callable[[], sqlite3.Connection],
    craft: str,
) -> None:
    path = cache_dir(site) / "cache.sqlite"

    def poison() -> None:
        connection = db()
        entries = rows(connection)
        connection.close()
        path.unlink()
        with contextlib.closing(sqlite3.connect(path)) as crafted, crafted:
            for statement in CRAFTED[craft]:
                crafted.execute(statement)
            table = "store" if craft == "view" else "entries"
            for row in entries:
                columns = list(row)
                crafted.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                    f"({', '.join('?' for _ in columns)})",
                    [row[c] for c in columns],
                )

    reference = poisoned_build(site, caplog, poison, "not a credpages cache")
    again, _ = build_logged(site, caplog)  # the trigger (if any) did not survive either
    assert_same_site(again, reference)


def test_a_symlinked_cache_file_is_not_written_through(
    site: IssuerSite, caplog: pytest.LogCaptureFixture
) -> None:
    target = site.root / "precious.txt"
    target.write_text("# mine\n", encoding="utf-8")

    def poison() -> None:
        path = cache_dir(site) / "cache.sqlite"
        path.unlink()
        path.symlink_to(target)

    poisoned_build(site, caplog, poison, "not a credpages cache")
    assert target.read_text(encoding="utf-8") == "# mine\n"


# --- a forged file with a well-formed entry, made without this issuer's secret ------------------


def test_a_forged_file_with_a_well_formed_verify_entry_is_not_published(
    site: IssuerSite, caplog: pytest.LogCaptureFixture
) -> None:
    """A ``verify`` entry carries the parsed document, so a warm build neither parses nor
    re-checks the file: only the MAC under the secret stands between a forged entry and the
    site (as for page entries). An entry in the exact format, for the forged file's exact
    bytes, made with any other key, is ignored and the file checked in full: it fails."""
    from credpages.site.cache import BuildCache
    from credpages.site.collect import verified_entry, verify_key_maker

    def key(content: bytes) -> str:  # a credential's verify key: over its bytes' SHA-256
        return verify_key_maker(site.settings)(hashlib.sha256(content).hexdigest())

    cold(site, caplog)
    (path,) = [p for p in site.credential_files() if "Ada Lovelace" in p.read_text()]
    ours = BuildCache(cache_dir(site), TEST_CACHE_KEY.encode())
    assert ours.get("verify", key(path.read_bytes())) is not None  # the key the build uses
    ours.close(prune=False)
    path.write_text(path.read_text().replace("Ada Lovelace", "Mallory Forger"))
    forged = load_yaml(path).data
    theirs = BuildCache(cache_dir(site), b"m" * 64)
    theirs.put("verify", key(path.read_bytes()), verified_entry(forged))
    theirs.close(prune=False)
    caplog.clear()
    result = site.run("build")
    assert result.code != 0
    assert path.name in result.err + caplog.text
    assert not any("Mallory" in p.read_text() for p in (site.root / "site").rglob("*.json"))


# --- the secret and the file -----------------------------------------------------------------


def test_a_short_cache_key_in_the_environment_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from credpages.errors import CredpagesError
    from credpages.site.cache import cache_secret

    monkeypatch.setenv("CREDPAGES_CACHE_KEY", "hunter2")
    with pytest.raises(CredpagesError) as caught:
        cache_secret()
    assert caught.value.field == "CREDPAGES_CACHE_KEY" and "at least 32" in str(caught.value)


def test_without_the_variable_a_key_is_made_once_in_the_config_folder(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from credpages.site.cache import cache_secret

    monkeypatch.delenv("CREDPAGES_CACHE_KEY")
    secret, source = cache_secret()
    path = isolated_env / "credpages" / "cache-key"
    assert source == str(path) and path.read_bytes().strip() == secret
    assert path.stat().st_mode & 0o777 == 0o600 and len(secret) >= 32
    assert cache_secret() == (secret, source)  # the same key on every build
    path.write_bytes(b"short\n")  # unusable: replaced by a new one
    replaced, _ = cache_secret()
    assert replaced != secret and path.read_bytes().strip() == replaced
    assert path.stat().st_mode & 0o777 == 0o600


def test_entries_persist_and_those_a_build_did_not_use_are_pruned(tmp_path: Path) -> None:
    from credpages.site.cache import BuildCache

    secret = b"k" * 40
    first = BuildCache(tmp_path, secret)
    first.put("page", "a", b"<p>a")
    first.put("card", "b", b"b")
    assert first.close() == []
    second = BuildCache(tmp_path, secret)
    assert second.get("page", "a") == b"<p>a"  # only "a" is used by this build
    second.close()
    third = BuildCache(tmp_path, secret)
    assert third.get("page", "a") == b"<p>a"
    assert third.get("card", "b") is None
    assert BuildCache(tmp_path, b"other" * 8).get("page", "a") is None  # another key: ignored
    with pytest.raises(ValueError):
        third.get("pages", "a")  # a kind the cache does not know is a programming error


def test_no_folder_means_no_cache(tmp_path: Path) -> None:
    from credpages.site.cache import open_cache

    store = open_cache(None)
    store.put("page", "a", b"1")
    assert store.get("page", "a") is None
    assert store.close() == []
    assert list(tmp_path.iterdir()) == []


def test_in_actions_without_the_secret_every_run_is_cold_and_says_why(
    site: IssuerSite,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("CREDPAGES_CACHE_KEY", "")  # what Actions passes for a missing secret
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "runner-1"))
    reference = cold(site, caplog)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "runner-2"))  # a new runner, new key
    again, warnings = build_logged(site, caplog)
    assert_same_site(again, reference)
    assert "set the CREDPAGES_CACHE_KEY repository secret" in warnings


def test_a_symlinked_cache_folder_is_not_followed(
    site: IssuerSite, caplog: pytest.LogCaptureFixture
) -> None:
    docs = site.root / "docs"
    before = sorted(p.name for p in docs.iterdir())

    def poison() -> None:
        shutil.rmtree(cache_dir(site))
        cache_dir(site).symlink_to(docs)  # a cache restored from a tar can hold such a link

    poisoned_build(site, caplog, poison, "holds other files (index.md)")
    assert sorted(p.name for p in docs.iterdir()) == before  # nothing written into docs/


def test_old_loose_card_files_are_removed_and_nothing_else(tmp_path: Path) -> None:
    from credpages.site.cache import BuildCache

    digest = "ab" + "0" * 62
    old = tmp_path / "cards" / "ab"
    old.mkdir(parents=True)
    (old / f"{digest}.png").write_bytes(PNG)
    (old / f"{digest}.json").write_text("[]")
    mine = tmp_path / "cards" / "notes"
    mine.mkdir()
    (mine / "keep.png").write_bytes(PNG)
    BuildCache(tmp_path, b"k" * 40).close()
    assert not old.exists()
    assert (mine / "keep.png").read_bytes() == PNG
