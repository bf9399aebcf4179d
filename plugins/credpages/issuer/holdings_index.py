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

It is a text file, a line a file (tab-separated: name, identity, index, slug, achievement,
then salt and hash of each hashed e-mail), because one ``issue`` reads and writes it whole:
as JSON, decoding, checking and re-encoding 10,000 entries took ~70 ms of that command.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

from ..config import Settings
from ..credential.model import email_hashes, slug_of
from ..credential.status_list import status_index
from ..credential.yamlio import load_yaml
from ..errors import CredpagesError
from ..fsio import atomic_write

INDEX_SUFFIX = "-holdings.tsv"
HEADER = "# credpages holdings index, version 2 (a cache: safe to delete)"
RACY_NS = 3_000_000_000  # coarser than any filesystem's timestamps (FAT: 2 s)
_UNSAFE = ("\t", "\n", "\r")  # a value holding one of these is not kept (read again each time)


@dataclass(frozen=True, slots=True)
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
    """``.cache/credpages-holdings.tsv`` beside the build cache's folder, not in it: that folder
    is the build cache's alone (it refuses to use a folder holding other files)."""
    folder = settings.cache_dir
    return folder.with_name(folder.name + INDEX_SUFFIX) if folder is not None else None


def _load_index(path: Path) -> dict[str, str]:
    """File name -> the rest of its line; empty if the file is missing or not this version."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    header, _, body = text.partition("\n")
    if header != HEADER:
        return {}
    known = {}
    for line in body.split("\n"):
        name, tab, rest = line.partition("\t")
        if tab:
            known[name] = rest
    return known


def _from_entry(rest: str | None, ident: str) -> Summary | None:
    """The summary a line keeps for a file whose identity is ``ident``; None if the line is for
    another identity or not exactly our shape. The identity is compared first: it decides."""
    if rest is None:
        return None
    head, tab, tail = rest.partition(ident + "\t")
    if head or not tab:
        return None
    fields = tail.split("\t")
    if len(fields) < 3 or len(fields) % 2 == 0:
        return None
    index, slug, achievement, *pairs = fields
    if index and not (index.isascii() and index.isdigit()):
        return None
    return Summary(
        int(index) if index else None,
        slug[1:] if slug[:1] == "=" else None,
        achievement[1:] if achievement[:1] == "=" else None,
        tuple(zip(pairs[::2], pairs[1::2], strict=True)),
    )


def _line(name: str, ident: str, summary: Summary) -> str | None:
    """The index line for a file, or None if one of its values cannot be written in one."""
    fields = [
        name,
        ident,
        "" if summary.index is None else str(summary.index),
        "" if summary.slug is None else "=" + summary.slug,
        "" if summary.achievement is None else "=" + summary.achievement,
        *(value for pair in summary.emails for value in pair),
    ]
    if any(mark in field for field in fields[:1] + fields[3:] for mark in _UNSAFE):
        return None
    return "\t".join(fields)


def summaries(settings: Settings) -> dict[str, Summary]:
    """Every credential file (``*.yaml``/``*.yml`` under ``credentials/``, as a path string:
    10,000 ``Path`` objects cost more than the rest of a warm scan) and its summary."""
    folder = settings.credentials_dir
    if not folder.is_dir():
        return {}
    index_path = index_file(settings)
    known = _load_index(index_path) if index_path else {}
    found: dict[str, Summary] = {}
    keep: list[str] = []
    learnt = False
    now = time.time_ns()
    with os.scandir(folder) as entries:
        listing = sorted(
            (e for e in entries if e.name.endswith((".yaml", ".yml")) and e.is_file()),
            key=attrgetter("name"),
        )
    for entry in listing:
        st = entry.stat()
        ident = f"{st.st_size}\t{st.st_mtime_ns}\t{st.st_ctime_ns}\t{st.st_ino}"
        rest = known.get(entry.name)
        summary = _from_entry(rest, ident)
        line = None if rest is None else f"{entry.name}\t{rest}"
        fresh = summary is None
        if summary is None:
            try:
                summary = Summary.of(load_yaml(entry.path).data, settings)
            except CredpagesError:
                summary = Summary()  # `verify` reports broken files; issuing is not blocked
            line = _line(entry.name, ident, summary)
        found[entry.path] = summary
        if line is not None and now - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_NS:
            keep.append(line)
            learnt = learnt or fresh
    # Every kept line is either the known one, unchanged, or one just made (``learnt``): so
    # the index changed exactly when something was learnt or a known file went away.
    if index_path and (learnt or len(keep) != len(known)):
        try:
            index_path.parent.mkdir(parents=True, exist_ok=True)
            # a cache: not flushed (each line is checked against its file when read)
            atomic_write(index_path, "\n".join([HEADER, *keep]) + "\n", durable=False)
        except (OSError, CredpagesError):
            pass  # a read-only cache only costs the next run the reading
    return found
