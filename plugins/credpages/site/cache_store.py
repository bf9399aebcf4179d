"""One SQLite file for the build's caches (verification results and rendered pages).

A single file instead of tens of thousands of small ones: one open per build instead of two per
credential, and one file for the GitHub workflow's cache step to save and restore. It is only a
cache: a damaged file is replaced, and entries the last build did not use are dropped.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, value BLOB, PRIMARY KEY (kind, key))"
)


class CacheStore:
    """``get``/``put`` by (kind, key); ``close`` writes and prunes. ``None`` folder: no cache."""

    def __init__(self, folder: Path | None) -> None:
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[str, str, bytes]] = []
        self._used: dict[str, set[str]] = {}
        if folder is None:
            return
        path = folder / "cache.sqlite"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = self._open(path)
        except (OSError, sqlite3.Error):
            with contextlib.suppress(OSError):
                path.unlink()  # damaged: start again
            try:
                self._db = self._open(path)
            except (OSError, sqlite3.Error):
                self._db = None  # unwritable: build without a cache

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=30)
        db.execute(SCHEMA)
        db.execute("SELECT count(*) FROM entries LIMIT 1").fetchone()  # fails if damaged
        return db

    def get(self, kind: str, key: str) -> bytes | None:
        self._used.setdefault(kind, set()).add(key)
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT value FROM entries WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        except sqlite3.Error:
            return None
        return bytes(row[0]) if row and isinstance(row[0], bytes) else None

    def put(self, kind: str, key: str, value: bytes) -> None:
        self._used.setdefault(kind, set()).add(key)
        if self._db is not None:
            self._pending.append((kind, key, value))

    def flush(self) -> None:
        """Write the new entries now (collect does, so a failed build keeps its verifications)."""
        if self._db is None or not self._pending:
            return
        with contextlib.suppress(sqlite3.Error), self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO entries (kind, key, value) VALUES (?, ?, ?)", self._pending
            )
        self._pending = []

    def close(self, *, prune: bool = True) -> None:
        """Save new entries and drop those of each kind this build did not use."""
        self.flush()
        if self._db is None:
            return
        if prune:
            with contextlib.suppress(sqlite3.Error), self._db:
                self._db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
                for kind, keys in self._used.items():
                    self._db.execute("DELETE FROM used")
                    self._db.executemany(
                        "INSERT OR IGNORE INTO used VALUES (?)", ((k,) for k in keys)
                    )
                    self._db.execute(
                        "DELETE FROM entries WHERE kind = ? AND key NOT IN (SELECT key FROM used)",
                        (kind,),
                    )
        self._db.close()
        self._db = None
