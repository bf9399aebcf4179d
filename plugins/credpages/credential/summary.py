"""What a site build keeps of a verified credential once its document is dropped.

A build used to hold every verified document until it had published them all (the listing,
achievement pages, sitemap, log gate, status list and pathways need a few fields of each):
~11 KB of Python objects a credential, over a GB at 100,000. A :class:`Summary` holds just
those fields, taken from the verified document; the document itself is read back (from its
authenticated ``verify`` cache entry, or from the very bytes that were verified) only where a
file is made from it: its page and ``credential.json``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .status_list import status_index


@dataclass(frozen=True, slots=True)
class Summary:
    """The fields of one verified credential that the build uses beyond its own page."""

    id: str
    name: str  # the recipient's, "" when it has none
    achievement: dict[str, Any]  # the embedded achievement (shared by equal ones)
    valid_from: str | None
    valid_until: str | None  # with ``valid_from`` and ``status_index``: the credential's state
    awarded_date: str | None
    first_created: str  # the earliest proof ``created`` (the log's backdating check)
    status_index: int | None
    evidence: tuple[str, ...]  # the ids of its evidence (how a pathway names its parts)
    json_bytes: int  # the size of its ``credential.json``


def _text(value: Any) -> str | None:
    """A string field, one object per distinct value (a batch shares its dates)."""
    return sys.intern(value) if isinstance(value, str) else None


def first_created(doc: Mapping[str, Any]) -> str:
    """The earliest ``created`` of a document's proofs ("" when none)."""
    raw = doc.get("proof")
    proofs = raw if isinstance(raw, list) else [raw]
    stamps = [str(p.get("created", "")) for p in proofs if isinstance(p, Mapping)]
    return min(stamps, default="")


def summarize(
    doc: Mapping[str, Any], json_bytes: int, achievement: dict[str, Any] | None = None
) -> Summary:
    """The summary of a verified document (``achievement``: a shared copy of its embedded one)."""
    subject = doc.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    embedded = subject.get("achievement")
    evidence = doc.get("evidence")
    return Summary(
        id=str(doc["id"]),
        name=str(subject.get("name", "")),
        achievement=achievement if achievement is not None else (embedded or {}),
        valid_from=_text(doc.get("validFrom")),
        valid_until=_text(doc.get("validUntil")),
        awarded_date=_text(doc.get("awardedDate")),
        first_created=sys.intern(first_created(doc)),
        status_index=status_index(doc),
        evidence=tuple(
            item["id"]
            for item in (evidence if isinstance(evidence, list) else [])
            if isinstance(item, Mapping) and isinstance(item.get("id"), str)
        ),
        json_bytes=json_bytes,
    )
