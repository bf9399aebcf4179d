"""``credpages log audit``: check a deployed site's (or a built folder's) issuance log.

What an employer, a regulator or a witness runs: the checkpoint's signature against the keys of
the site's DID document, the tree recomputed from the published entries (and every published
tile compared with it), every logged credential's published JSON against its leaf, and that the
log extends a checkpoint the auditor saved earlier.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..credential.multikey import decode_public_key
from ..errors import CredpagesError
from ..issuer.issuance_log import (
    Entry,
    LogFile,
    check_extends,
    check_log,
    check_published,
)
from ..tlog import tiles
from ..tlog.checkpoint import parse_checkpoint
from ..tlog.note import Verifier, parse_note
from .log_files import Reader, read_published, reader_for


@dataclass
class Audit:
    origin: str
    size: int
    root: str
    published: int = 0  # logged credentials whose JSON the site serves
    withdrawn: int = 0  # logged credentials the site no longer serves
    extends: str | None = None
    notes: list[str] = field(default_factory=list)


def _json(read: Reader, relative: str, label: str) -> Any:
    raw = read(relative)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CredpagesError(f"{label}: {relative} is not JSON") from None


def site_verifiers(read: Reader, label: str, origin: str) -> list[Verifier]:
    """The site's DID document keys, as note verifiers of the log's origin."""
    document = _json(read, "did.json", label) or _json(read, ".well-known/did.json", label)
    if not isinstance(document, dict):
        raise CredpagesError(f"{label}: no DID document (did.json) to check the log's signature")
    keys = []
    for method in document.get("verificationMethod") or []:
        if isinstance(method, dict) and isinstance(method.get("publicKeyMultibase"), str):
            keys.append(Verifier(origin, decode_public_key(method["publicKeyMultibase"])))
    if not keys:
        raise CredpagesError(f"{label}: the DID document lists no keys")
    return keys


def _saved(source: str) -> tuple[str, list[Entry] | None]:
    """A saved checkpoint file, or a saved copy of a site (folder/URL) with its entries."""
    path = Path(source)
    if path.is_file():
        return path.read_text(encoding="utf-8"), None
    read, label = reader_for(source)
    saved = read_published(read, label)
    if saved is None:
        raise CredpagesError(f"{source}: no checkpoint there")
    return saved.note, saved.entries


def audit(source: str, *, saved: str | None = None) -> tuple[Audit, str]:
    """Audit the log at ``source``; returns the findings and the verified checkpoint note."""
    read, label = reader_for(source)
    published = read_published(read, label)
    if published is None:
        raise CredpagesError(f"{label}: publishes no issuance log (log/checkpoint)")
    origin = parse_checkpoint(parse_note(published.note).text).origin
    if not origin.endswith("/log"):
        raise CredpagesError(f"{label}: the log's origin {origin!r} is not <site>/log")
    prefix = origin[: -len("log")]  # host/path/ of the site, without scheme
    verifiers = site_verifiers(read, label, origin)
    check = check_log(
        LogFile(published.entries, published.note),
        origin=origin,
        verifiers=verifiers,
        source=f"{label}log/checkpoint",
    )
    for ref in tiles.tiles_for(check.tree.size):
        data = read("log/" + ref.path)
        if data is None:
            raise CredpagesError(f"{label}: log/{ref.path} is missing")
        if data != tiles.tile_bytes(ref, check.tree.node):
            raise CredpagesError(
                f"{label}: log/{ref.path} differs from the tree recomputed from the entries"
            )
    result = Audit(origin, check.tree.size, check.checkpoint.root.hex())
    documents = []
    for credential_id, index in check.latest.items():
        scheme, _, rest = credential_id.partition("://")
        if scheme not in ("https", "http") or not rest.startswith(prefix) or ".." in rest:
            raise CredpagesError(f"leaf {index}: {credential_id} is not a page of {prefix}")
        doc = _json(read, rest[len(prefix) :] + "credential.json", label)
        if doc is None:
            result.withdrawn += 1
            continue
        documents.append((f"{credential_id}credential.json", doc))
    problems = check_published(check, documents)
    if problems:
        raise CredpagesError("\n".join(str(p) for p in problems))
    result.published = len(documents)
    if not source.startswith(("http://", "https://")):
        logged = set(check.latest)
        for path in sorted(Path(source).glob("*/*/credential.json")):
            doc = _json(read, str(path.relative_to(source)), label)
            if isinstance(doc, dict) and doc.get("id") not in logged:
                raise CredpagesError(f"{path}: published but not in the issuance log")
    if saved is not None:
        note, entries = _saved(saved)
        old = check_extends(
            check, note, verifiers=verifiers, origin=origin, label=saved, previous_entries=entries
        )
        result.extends = f"extends the saved checkpoint ({old.size} leaves)"
    return result, check.note
