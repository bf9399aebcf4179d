"""A content-addressed cache of verification results, kept between builds (and CI runs).

The key is SHA-256 over the file's bytes, the site's DID and keyring and this code's cache
version, so an unchanged credential is not canonicalised again (RDFC costs ~10 ms). Entries are
never trusted blindly: an entry must parse, name the key it was stored under, and its document
must still pass the cheap eddsa-jcs-2022 check against today's keyring before it is used; a
corrupt or foreign entry is ignored and the file verified in full.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..config import Settings
from .cache_store import CacheStore

CACHE_VERSION = "2"  # 2: every credential needs exactly one status entry (issue 9)


def keyring_fingerprint(settings: Settings) -> bytes:
    parts = [CACHE_VERSION, settings.site_url, settings.did, settings.status_list_url]
    parts += [f"{k.id}={k.public_key}:{k.retired}" for k in settings.keyring]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).digest()


class VerifyCache:
    """Maps a credential file's bytes to its verified JSON document."""

    def __init__(self, store: CacheStore, settings: Settings) -> None:
        self.store = store
        self._fingerprint = keyring_fingerprint(settings)

    def key(self, content: bytes) -> str:
        return hashlib.sha256(self._fingerprint + content).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        raw = self.store.get("verify", key)
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None  # foreign or corrupt: verify the file in full instead
        document = entry.get("document")
        return document if isinstance(document, dict) else None

    def put(self, key: str, document: dict[str, Any]) -> None:
        entry = json.dumps({"key": key, "document": document}, ensure_ascii=False)
        self.store.put("verify", key, entry.encode("utf-8"))
