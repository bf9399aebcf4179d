"""The issuance log as published under ``<site>/log/``: writing it, and reading one back.

Writing: the signed checkpoint, the C2SP tlog-tiles hash tiles and entry bundles (which leaf a
credential page proves is a hint inside the page itself: ``publish``'s ``cp:log-entry``; no
file per credential). Reading: from a built site folder or a deployed URL,
for the build's "does the new tree extend the live one" check and for ``credpages log audit``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import CredpagesError
from ..issuer.issuance_log import Entry, LogCheck, parse_entry
from ..tlog import tiles
from ..tlog.checkpoint import parse_checkpoint
from ..tlog.note import parse_note

MAX_FETCH = 16 * 1024 * 1024
TIMEOUT = 20


Writer = Callable[[str, bytes | str], None]  # (path relative to the site folder, content)


def write_log(write: Writer, check: LogCheck) -> int:
    """Write the checkpoint, the tiles and the entry bundles; returns the number of files."""
    write("log/checkpoint", check.note)
    written = 1
    size = check.tree.size
    for ref in tiles.tiles_for(size):
        write("log/" + ref.path, tiles.tile_bytes(ref, check.tree.node))
        written += 1
    for ref in tiles.bundles_for(size):
        first = ref.index * tiles.TILE_WIDTH
        chunk = check.entries[first : first + ref.width]
        write("log/" + ref.path, tiles.bundle_bytes([e.data for e in chunk]))
        written += 1
    return written


class Unreachable(CredpagesError):
    """The site could not be reached at all (no answer, no such host): not an answer about it."""


Reader = Callable[[str], bytes | None]  # relative path → bytes, or None when absent (404)


def reader_for(source: str) -> tuple[Reader, str]:
    """A reader of a built site: a folder, or an http(s) URL of the deployed site."""
    if source.startswith(("https://", "http://")):
        import urllib.error  # only here: urllib.request and ssl cost every build ~30 ms
        import urllib.request

        root = source if source.endswith("/") else source + "/"

        def fetch(relative: str) -> bytes | None:
            request = urllib.request.Request(root + relative, headers={"Cache-Control": "no-cache"})
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                    data: bytes = response.read(MAX_FETCH + 1)
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return None
                raise CredpagesError(f"{root + relative}: HTTP {exc.code}") from None
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise Unreachable(f"{root + relative}: cannot fetch ({reason})") from None
            if len(data) > MAX_FETCH:
                raise CredpagesError(f"{root + relative}: larger than {MAX_FETCH} bytes")
            return data

        return fetch, root
    folder = Path(source)
    if not folder.is_dir():
        raise CredpagesError(f"{source}: no such folder (give a built site folder or a URL)")

    def read(relative: str) -> bytes | None:
        if relative.startswith("/") or ".." in relative.split("/"):
            raise CredpagesError(f"{relative!r} is not a path inside {folder}")
        path = folder / relative
        return path.read_bytes() if path.is_file() else None

    return read, str(folder)


@dataclass
class PublishedLog:
    """A log as some site publishes it (nothing verified yet)."""

    label: str
    note: str
    entries: list[Entry]


def read_published(read: Reader, label: str) -> PublishedLog | None:
    """``log/checkpoint`` and the entry bundles it covers; None if the site has no log."""
    raw = read("log/checkpoint")
    if raw is None:
        return None
    try:
        note = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CredpagesError(f"{label}: log/checkpoint is not UTF-8") from None
    size = parse_checkpoint(parse_note(note).text).size
    entries: list[Entry] = []
    for ref in tiles.bundles_for(size):
        data = read("log/" + ref.path)
        if data is None:
            raise CredpagesError(f"{label}: log/{ref.path} is missing (the checkpoint needs it)")
        for item in tiles.parse_bundle(data):
            try:
                entries.append(parse_entry(item.decode("utf-8")))
            except (UnicodeDecodeError, CredpagesError):
                raise CredpagesError(
                    f"{label}: log/{ref.path}: entry {len(entries)} is not a log entry"
                ) from None
        if len(entries) != ref.index * tiles.TILE_WIDTH + ref.width:
            raise CredpagesError(f"{label}: log/{ref.path} holds the wrong number of entries")
    return PublishedLog(label, note, entries)
