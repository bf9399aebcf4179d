"""A cache of rendered credential pages, so a warm build renders only what changed.

The key covers everything a page is made from: the signed credential, its status (revoked,
expired, reason, successor), the site and theme settings, the templates' bytes and this code's
version. An entry is just HTML; a wrong or unreadable entry only means rendering again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from .cache_store import CacheStore

PAGE_CACHE_VERSION = "1"


def templates_fingerprint(sources: Iterable[Path], extra: str) -> bytes:
    """SHA-256 over every source file (templates, and the code that renders them: name and
    bytes, ``__pycache__`` aside) and ``extra`` (the site settings)."""
    digest = hashlib.sha256(PAGE_CACHE_VERSION.encode() + extra.encode("utf-8"))
    for source in sources:
        files = [source] if source.is_file() else sorted(source.rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


class PageCache:
    def __init__(self, store: CacheStore, fingerprint: bytes) -> None:
        self.store = store
        self._fingerprint = fingerprint

    def key(self, *parts: str) -> str:
        digest = hashlib.sha256(self._fingerprint)
        for part in parts:
            digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
        return digest.hexdigest()

    def get(self, key: str) -> bytes | None:
        return self.store.get("page", key)

    def put(self, key: str, html: bytes) -> None:
        self.store.put("page", key, html)
