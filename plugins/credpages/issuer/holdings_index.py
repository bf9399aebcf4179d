"""What each credential file holds for issuing, read once and kept by the file's identity.

Issuing needs four facts from every existing credential: its status list index, its slug, its
achievement and its recipient's hashed e-mail identifiers (to refuse a duplicate). Parsing every
YAML file for them made one ``issue`` into a 10,000-credential site take seconds. This index
keeps those facts per file name beside the file's ``stat`` identity (size, mtime, ctime, inode):
any write, checkout or rename changes the ctime or inode, which no tool can set back, so an
entry whose identity still matches describes the file's current bytes; every other file is
read again. Entries younger than :data:`RACY_NS` at write time are not kept (a file rewritten
within the filesystem's timestamp granularity could keep its identity), as git does for its
index. The index only saves reading files; a missing or damaged index is rebuilt from them.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..credential.model import email_hashes, slug_of
from ..credential.status_list import status_index
from ..credential.yamlio import load_yaml
from ..errors import CredpagesError
from ..fsio import atomic_write

INDEX_SUFFIX = "-holdings.json"
VERSION = 1
RACY_NS = 3_000_000_000  # coarser than any filesystem's timestamps (FAT: 2 s)


@dataclass(frozen=True)
class Summary:
    """The facts issuing needs from one credential file (all empty for an unreadable file)."""

    index: int | None = None
    slug: str | None = None
    achievement: str | None = None
    emails: tuple[tuple[str, str], ...] = ()  # (salt, identityHash) of hashed e-mail identifiers

    @classmethod
    def of(cls, doc: Mapping[str, Any], settings: Settings) -> Summary:
        subject = doc.get("credentialSubject")
        achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
        return cls(
            index=status_index(doc),
            slug=slug_of(str(doc.get("id", "")), settings),
            achievement=str(achievement.get("id")) if isinstance(achievement, Mapping) else None,
            emails=tuple(email_hashes(subject)) if isinstance(subject, Mapping) else (),
        )


def index_file(settings: Settings) -> Path | None:
    """``.cache/credpages-holdings.json`` beside the build cache's folder, not in it: that folder
    is the build cache's alone (it refuses to use a folder holding other files)."""
    folder = settings.cache_dir
    return folder.with_name(folder.name + INDEX_SUFFIX) if folder is not None else None


def _identity(entry: os.DirEntry[str]) -> list[int]:
    st = entry.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _load_index(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def _from_entry(raw: Any) -> tuple[list[int], Summary] | None:
    """An index entry back into (identity, summary); None if it is not exactly our shape."""
    try:
        ident, index, slug, achievement, emails = raw
        summary = Summary(
            index=index if isinstance(index, int) and not isinstance(index, bool) else None,
            slug=slug if isinstance(slug, str) else None,
            achievement=achievement if isinstance(achievement, str) else None,
            emails=tuple((str(s), str(h)) for s, h in emails),
        )
    except (TypeError, ValueError):
        return None
    if not (isinstance(ident, list) and len(ident) == 4 and all(type(i) is int for i in ident)):
        return None
    return ident, summary


def summaries(settings: Settings) -> dict[str, Summary]:
    """Every credential file (``*.yaml``/``*.yml`` under ``credentials/``, as a path string:
    10,000 ``Path`` objects cost more than the rest of a warm scan) and its summary."""
    folder = settings.credentials_dir
    if not folder.is_dir():
        return {}
    index_path = index_file(settings)
    known = _load_index(index_path) if index_path else {}
    found: dict[str, Summary] = {}
    keep: dict[str, Any] = {}
    now = time.time_ns()
    with os.scandir(folder) as entries:
        listing = sorted(
            (
                e
                for e in entries
                if os.path.splitext(e.name)[1] in (".yaml", ".yml") and e.is_file()
            ),
            key=lambda e: e.name,
        )
    for entry in listing:
        ident = _identity(entry)
        cached = _from_entry(known.get(entry.name))
        if cached is not None and cached[0] == ident:
            summary = cached[1]
        else:
            try:
                summary = Summary.of(load_yaml(entry.path).data, settings)
            except CredpagesError:
                summary = Summary()  # `verify` reports broken files; issuing is not blocked
        found[entry.path] = summary
        if now - max(ident[1], ident[2]) > RACY_NS:
            emails = [list(pair) for pair in summary.emails]
            keep[entry.name] = [ident, summary.index, summary.slug, summary.achievement, emails]
    if index_path and keep != known:  # written only when it learnt something lasting
        try:
            index_path.parent.mkdir(parents=True, exist_ok=True)
            body = json.dumps({"version": VERSION, "files": keep}, separators=(",", ":"))
            atomic_write(index_path, body)
        except (OSError, CredpagesError):
            pass  # a read-only cache only costs the next run the reading
    return found
