"""The build cache: work saved between builds, never a source of what is published.

One SQLite file (``<cache_dir>/cache.sqlite``) holds every kind of entry: ``verify`` (these exact
file bytes passed every check under this keyring), ``page`` (a rendered credential page) and
``card`` (a share-card PNG). The file is restored from places others can write (the GitHub
Actions cache), so nothing in it is believed on its own:

* an entry's key is a SHA-256 over everything it was made from: the exact input bytes, the
  settings that matter and this code (:func:`code_fingerprint`), so any change is a miss;
* each entry carries an HMAC-SHA256 over its kind, key and value under a secret that is never in
  the cache or the repository (:func:`cache_secret`). An entry this issuer's builds did not make
  (values rotated between keys, edited, copied from an older cache, made with another key) fails
  the check and is counted, ignored and made again;
* a file that is not a credpages cache (garbage, truncated, another schema, extra tables,
  triggers or views) is replaced before anything is read from it;
* callers still do every cheap check on the committed files themselves; the cache only lets them
  skip expensive work (the full proof check, rendering, drawing).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from .. import __version__
from ..credential.keys import default_secret_path
from ..errors import CredpagesError

FILE_NAME = "cache.sqlite"
KEY_ENV = "CREDPAGES_CACHE_KEY"
MIN_SECRET_CHARS = 32
KINDS = frozenset({"verify", "summary", "page", "card", "output", "source"})
#: keys per query of :meth:`BuildCache.get_many` (SQLite allows 999 variables in old builds)
MANY = 500
#: ``PRAGMA application_id`` ("cpgc") and ``user_version``: a file without both is not ours.
APPLICATION_ID = 0x63706763
FORMAT = 2
#: new entries are written once they hold this much: a cold 100,000-credential build renders
#: 1.3 GB of pages, which must not wait in memory for the end of the build
FLUSH_BYTES = 16 * 1024 * 1024
TABLE_SQL = (
    "CREATE TABLE entries (kind TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, "
    "mac BLOB NOT NULL, PRIMARY KEY (kind, key))"
)
_OLD_CARD_DIR = re.compile("[0-9a-f]{2}")
_OLD_CARD_FILE = re.compile(r"\.?[0-9a-f]{64}\.(png|json)(\.[^/]*\.tmp)?")
SCHEMA = {
    ("table", "entries", "entries", TABLE_SQL),
    ("index", "sqlite_autoindex_entries_1", "entries", None),
}


def default_cache_key_path() -> Path:
    """Next to the signing key, in the user's config folder: outside every project."""
    return default_secret_path().with_name("cache-key")


def cache_secret(environ: Mapping[str, str] | None = None) -> tuple[bytes, str]:
    """The HMAC secret and where it came from: ``CREDPAGES_CACHE_KEY``, else a random key made
    once in the user's config folder (mode 0600). Raises ``OSError`` if that cannot be made."""
    env = os.environ if environ is None else environ
    value = env.get(KEY_ENV, "").strip()
    if value:
        if len(value) < MIN_SECRET_CHARS:
            raise CredpagesError(
                f"{KEY_ENV} has {len(value)} characters; use at least {MIN_SECRET_CHARS} random "
                'ones, e.g. the output of `python -c "import secrets; '
                'print(secrets.token_hex(32))"`',
                field=KEY_ENV,
            )
        return value.encode("utf-8"), KEY_ENV
    path = default_cache_key_path()
    return _local_secret(path), str(path)


def _local_secret(path: Path) -> bytes:
    with contextlib.suppress(FileNotFoundError):
        existing = path.read_bytes().strip()
        if len(existing) >= MIN_SECRET_CHARS:
            return existing
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fresh = secrets.token_hex(32).encode("ascii")
    fd, tmp = tempfile.mkstemp(prefix=".cache-key.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(fresh + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic and exclusive: two first builds agree on one key
        except FileExistsError:
            existing = path.read_bytes().strip()
            if len(existing) >= MIN_SECRET_CHARS:
                return existing
            os.replace(tmp, path)  # an unusable key file (empty, cut short): replace it
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return fresh


def files_digest(sources: Iterable[Path], *, skip: frozenset[str] = frozenset()) -> bytes:
    """SHA-256 over every file under ``sources`` (relative name and bytes), ``__pycache__``
    and folders named in ``skip`` aside: templates, code."""
    digest = hashlib.sha256()
    for source in sources:
        files = [source] if source.is_file() else sorted(source.rglob("*"))
        for path in files:
            parts = path.relative_to(source).parts if path != source else ()
            if not path.is_file() or "__pycache__" in parts or skip.intersection(parts[:-1]):
                continue
            data = path.read_bytes()
            digest.update(f"{'/'.join(parts) or path.name}\0{len(data)}\0".encode() + data)
    return digest.digest()


@lru_cache(maxsize=1)
def code_fingerprint() -> bytes:
    """This version of credpages: every file of the package (the fonts aside: the share card's
    hash covers them), so changed code never reuses what older code made."""
    package = Path(__file__).resolve().parents[1]
    return hashlib.sha256(
        __version__.encode() + b"\0" + files_digest([package], skip=frozenset({"fonts"}))
    ).digest()


def _bytes(part: bytes | str) -> bytes:
    return part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")


def key_maker(kind: str, *context: bytes | str) -> Callable[..., str]:
    """Keys for one kind of entry: SHA-256 over the code, ``context`` (what every entry of the
    build shares, e.g. settings) and each entry's own inputs, length-prefixed (no ambiguity)."""
    if kind not in KINDS:
        raise ValueError(f"unknown cache kind {kind!r}")
    base = hashlib.sha256(f"credpages cache {FORMAT}\0{kind}\0".encode() + code_fingerprint())
    for part in context:
        data = _bytes(part)
        base.update(len(data).to_bytes(8, "big") + data)

    def key(*parts: bytes | str) -> str:
        digest = base.copy()
        for part in parts:
            data = _bytes(part)
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    return key


class BuildCache:
    """``get``/``put`` authenticated entries by (kind, key); ``close`` saves and prunes.

    ``folder=None`` or ``secret=None``: no cache (every ``get`` misses). Never raises for
    anything about the file: a cache problem only costs time, and is reported by ``warnings``.
    """

    def __init__(
        self, folder: Path | None, secret: bytes | None, *, secret_source: str = ""
    ) -> None:
        self._db: sqlite3.Connection | None = None
        self._secret = secret
        self._secret_source = secret_source
        self._pending: list[tuple[str, str, bytes, bytes]] = []
        self._pending_bytes = 0
        self._used: set[bytes] = set()  # ``_entry_id`` of every entry this build used
        self._damaged = False
        self.path = folder / FILE_NAME if folder is not None else None
        self.ignored = 0
        self.warnings: list[str] = []
        if self.path is None or secret is None:
            return
        strangers = _strangers(self.path.parent)
        if strangers:  # e.g. a restored link to docs/: writing there would publish the cache
            self.warnings.append(
                f"build cache: {self.path.parent} holds other files ({', '.join(strangers)}): "
                "building without the cache; give cache_dir a folder of its own"
            )
            return
        self._db = self._open_checked(self.path)
        _remove_loose_cards(self.path.parent)

    # --- opening ------------------------------------------------------------------------------

    def _open_checked(self, path: Path) -> sqlite3.Connection | None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink():
                raise sqlite3.DatabaseError("it is a symbolic link")
            return _open(path)
        except (OSError, sqlite3.Error) as exc:
            why = str(exc)
        self.warnings.append(f"build cache: {path} is not a credpages cache ({why}): replaced")
        _remove(path)
        try:
            return _open(path)
        except (OSError, sqlite3.Error) as exc:
            self.warnings.append(f"build cache: cannot create {path} ({exc}): building without it")
            return None

    # --- entries ------------------------------------------------------------------------------

    def _mac(self, kind: str, key: str, value: bytes) -> bytes:
        assert self._secret is not None
        message = f"credpages cache {FORMAT}\0{kind}\0{key}\0".encode() + value
        return hmac.digest(self._secret, message, "sha256")

    def _authentic(self, kind: str, key: str, value: object, mac: object) -> bytes | None:
        """``value`` if ``mac`` is this secret's for (kind, key, value), else None (counted)."""
        if (
            isinstance(value, bytes)
            and isinstance(mac, bytes)
            and hmac.compare_digest(mac, self._mac(kind, key, value))
        ):
            return value
        self.ignored += 1
        return None

    def get(self, kind: str, key: str) -> bytes | None:
        """The value stored under (kind, key) by a build holding this secret, else None."""
        if kind not in KINDS:
            raise ValueError(f"unknown cache kind {kind!r}")
        self._used.add(_entry_id(kind, key))
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT value, mac FROM entries WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        except sqlite3.Error:
            self._damaged = True
            self.ignored += 1
            return None
        if row is None:
            return None
        return self._authentic(kind, key, *row)

    def get_many(self, kind: str, keys: Sequence[str]) -> dict[str, bytes]:
        """:meth:`get` for many keys in a few queries: the authentic values found, by key (a
        warm build asked for 10,000 entries one query at a time)."""
        if kind not in KINDS:
            raise ValueError(f"unknown cache kind {kind!r}")
        self._used.update(_entry_id(kind, key) for key in keys)
        found: dict[str, bytes] = {}
        if self._db is None:
            return found
        for start in range(0, len(keys), MANY):
            part = keys[start : start + MANY]
            query = (
                "SELECT key, value, mac FROM entries WHERE kind = ? AND key IN "
                f"({', '.join('?' * len(part))})"
            )
            try:
                rows = self._db.execute(query, (kind, *part)).fetchall()
            except sqlite3.Error:
                self._damaged = True
                self.ignored += 1
                return found
            for key, value, mac in rows:
                authentic = self._authentic(kind, str(key), value, mac)
                if authentic is not None:
                    found[str(key)] = authentic
        return found

    def touch(self, kind: str, key: str) -> None:
        """Keep an entry this build did not need to read (its output was already in place)."""
        self._used.add(_entry_id(kind, key))

    def reject(self) -> None:
        """A caller found an authentic entry unusable (count it like a forged one)."""
        self.ignored += 1

    def put(self, kind: str, key: str, value: bytes) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown cache kind {kind!r}")
        self._used.add(_entry_id(kind, key))
        if self._db is not None:
            self._pending.append((kind, key, value, self._mac(kind, key, value)))
            self._pending_bytes += len(value)
            if self._pending_bytes >= FLUSH_BYTES:  # memory stays flat however many pages
                self.flush()

    def flush(self) -> None:
        """Write the new entries now (collect does, so a failed build keeps its verifications)."""
        if self._db is None or not self._pending:
            return
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO entries (kind, key, value, mac) VALUES (?, ?, ?, ?)",
                    self._pending,
                )
        except sqlite3.Error:
            self._damaged = True
        self._pending = []
        self._pending_bytes = 0

    def close(self, *, prune: bool = True) -> list[str]:
        """Save new entries, drop those this build did not use; returns the warnings."""
        self.flush()
        db, self._db = self._db, None
        if db is not None and prune and not self._damaged:
            try:  # the keys alone, from the (kind, key) index, row by row: no value is read
                # and no set of every key is made (200,000 of them at 100,000 credentials)
                rows = db.execute("SELECT kind, key FROM entries")
                stale = [row for row in rows if _entry_id(*row) not in self._used]
                if stale:  # else no transaction: an unchanged build leaves the file as it was
                    with db:
                        db.executemany("DELETE FROM entries WHERE kind = ? AND key = ?", stale)
            except sqlite3.Error:
                self._damaged = True
        if db is not None:
            db.close()
        if self._damaged and self.path is not None:
            _remove(self.path)  # unreadable inside: the next build starts a fresh file
            self.warnings.append(f"build cache: {self.path} was damaged: removed")
        if self.ignored:
            self.warnings.append(self._ignored_warning())
        warnings, self.warnings, self.ignored = self.warnings, [], 0
        return warnings

    def _ignored_warning(self) -> str:
        text = (
            f"build cache: ignored {self.ignored} entr{'y' if self.ignored == 1 else 'ies'} "
            "that this build's cache key did not make, or that were altered: made again"
        )
        if self._secret_source != KEY_ENV and os.environ.get("GITHUB_ACTIONS") == "true":
            text += f" (set the {KEY_ENV} repository secret so that workflow runs share the cache)"
        return text


def _entry_id(kind: str, key: str) -> bytes:
    """What ``BuildCache`` remembers of an entry it used: 16 bytes (a 49-byte object) where the
    (kind, key) tuple of str took ~270; a collision (2^-128) would only keep a stale entry."""
    return hashlib.blake2b(
        f"{kind}\0{key}".encode("utf-8", "surrogatepass"), digest_size=16
    ).digest()


def open_cache(folder: Path | None) -> BuildCache:
    """The cache in ``folder`` under this user's secret, or a cache that always misses."""
    if folder is None:
        return BuildCache(None, None)
    try:
        secret, source = cache_secret()
    except OSError as exc:
        cache = BuildCache(None, None)
        cache.warnings.append(f"build cache: no cache key ({exc}): building without the cache")
        return cache
    return BuildCache(folder, secret, secret_source=source)


def _open(path: Path) -> sqlite3.Connection:
    """Open ``path``, creating the schema in a new file, and refuse any file that is not
    exactly a credpages cache (so no trigger, view or odd column can act on what is read).

    No ``quick_check``: it reads the whole file (~0.1 s per 50 MB) on every build; a damaged
    page shows up as an error when read, which ignores the entry and removes the file at close.
    """
    db = sqlite3.connect(path, timeout=30)
    try:
        # synchronous OFF: no fsync per commit (a commit after a warm build's deletions cost
        # ~10% of it). A power cut may damage the file: that only costs time, as every entry
        # is authenticated and a damaged file is removed (see ``BuildCache.close``).
        pragmas = (
            "trusted_schema = OFF",
            "cell_size_check = ON",
            "mmap_size = 0",
            "synchronous = OFF",
        )
        for pragma in pragmas:
            db.execute(f"PRAGMA {pragma}")
        objects = set(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        if not objects:
            with db:
                db.execute(TABLE_SQL)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {FORMAT}")
            return db
        if objects != SCHEMA:
            raise sqlite3.DatabaseError("unexpected tables, views, triggers or columns")
        (app,) = db.execute("PRAGMA application_id").fetchone()
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if (app, version) != (APPLICATION_ID, FORMAT):
            raise sqlite3.DatabaseError(f"format {app:#x}/{version}, not {FORMAT}")
    except BaseException:
        db.close()
        raise
    return db


def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            Path(f"{path}{suffix}").unlink()


def _strangers(folder: Path) -> list[str]:
    """Up to three names in ``folder`` that are not the cache's own."""
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError:
        return []  # not there yet (made on open) or unreadable (open reports it)
    own = {FILE_NAME, "cards", *(f"{FILE_NAME}-{s}" for s in ("journal", "wal", "shm"))}
    return [n for n in names if n not in own][:3]


def _remove_loose_cards(folder: Path) -> None:
    """Older versions kept share cards as loose files, ``cards/<hh>/<hash>.png`` (and ``.json``):
    now they are in the one file. Only files of exactly that shape are removed."""
    cards = folder / "cards"
    if not cards.is_dir() or cards.is_symlink():
        return
    for sub in cards.iterdir():
        if not _OLD_CARD_DIR.fullmatch(sub.name) or not sub.is_dir() or sub.is_symlink():
            continue
        for path in sub.iterdir():
            if _OLD_CARD_FILE.fullmatch(path.name) and not path.is_symlink():
                with contextlib.suppress(OSError):
                    path.unlink()
        with contextlib.suppress(OSError):
            sub.rmdir()
    with contextlib.suppress(OSError):
        cards.rmdir()
