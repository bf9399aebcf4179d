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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
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


@dataclass(slots=True)
class Summary:
    """The facts issuing needs from one credential file (all empty for an unreadable file).
    Not frozen: 10,000 are made per ``issue``, and a frozen one takes three times as long
    to make (1 µs). Nothing changes one once made."""

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
    """``.cache/credpages-holdings.tsv``."""
    return settings.cache_sibling(INDEX_SUFFIX)


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


def _from_fields(fields: list[str]) -> Summary | None:
    """The summary an index line keeps after its name and identity; None if the line is not
    exactly our shape."""
    if len(fields) < 3 or not len(fields) & 1:
        return None
    index, slug, achievement = fields[0], fields[1], fields[2]
    if index and not (index.isascii() and index.isdigit()):
        return None
    return Summary(
        int(index) if index else None,
        slug[1:] if slug[:1] == "=" else None,
        achievement[1:] if achievement[:1] == "=" else None,
        tuple(zip(fields[3::2], fields[4::2], strict=True)),
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


def _identity(st: os.stat_result) -> str:
    """What a file's index line must start with after its name (then a tab)."""
    return f"{st.st_size}\t{st.st_mtime_ns}\t{st.st_ctime_ns}\t{st.st_ino}\t"


def summaries(settings: Settings) -> dict[str, Summary]:
    """Every credential file (``*.yaml``/``*.yml`` under ``credentials/``, as a path string:
    10,000 ``Path`` objects cost more than the rest of a warm scan) and its summary.

    Each file is ``stat``-ed by name relative to the open folder where the platform allows
    (``dir_fd``): it saves resolving the whole path each time, a third of the scan's time."""
    folder = settings.credentials_dir
    if not folder.is_dir():
        return {}
    index_path = index_file(settings)
    known = _load_index(index_path) if index_path else {}
    found: dict[str, Summary] = {}
    keep: list[str] = []
    learnt = False
    now = time.time_ns()
    prefix = os.path.join(folder, "")
    with _opened(folder) as fd:
        names = sorted(n for n in os.listdir(fd or folder) if n.endswith((".yaml", ".yml")))
        for name in names:
            try:
                st = os.stat(name, dir_fd=fd) if fd is not None else os.stat(prefix + name)
            except OSError:
                continue  # gone since listed
            if not S_ISREG(st.st_mode):
                continue
            ident = _identity(st)
            rest = known.get(name)
            summary = None
            if rest is not None and rest.startswith(ident):  # the identity decides
                summary = _from_fields(rest[len(ident) :].split("\t"))
            line = None if rest is None else f"{name}\t{rest}"
            fresh = summary is None
            if summary is None:
                try:
                    summary = Summary.of(load_yaml(prefix + name).data, settings)
                except CredpagesError:
                    summary = Summary()  # `verify` reports broken files; issuing is not blocked
                line = _line(name, ident[:-1], summary)
            found[prefix + name] = summary
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


@contextmanager
def _opened(folder: Path) -> Iterator[int | None]:
    """The folder open for ``dir_fd`` calls, or None where the platform has none (Windows)."""
    if os.stat not in os.supports_dir_fd or os.listdir not in os.supports_fd:
        yield None
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        yield fd
    finally:
        os.close(fd)
