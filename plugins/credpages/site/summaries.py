"""The ``summary`` cache entry: what a warm build loads of an unchanged credential.

A build keeps a :class:`~credpages.credential.summary.Summary` of each credential, never its
document. A warm build used to make it from the document in the credential's ``verify`` entry:
read the whole entry (~3 KB), parse its JSON, serialise it again to compare, then summarise:
nearly half of a warm 10,000-credential build. Beside each ``verify`` entry the build now stores
the summary it made, under the same key (the SHA-256 of the file's exact bytes, the settings
and keyring the checks depend on, and the code), so an unchanged credential costs one small
authenticated read and no document at all.

It is the same statement as the ``verify`` entry ("a build holding the secret checked exactly
these bytes under exactly these settings, and this is what it found"), trusted on the same
terms: the entry's MAC and its key, never on its own (see DESIGN.md, "The build cache"). What a
page or ``credential.json`` is made from is still the document, read back from the ``verify``
entry or the verified bytes (``SiteData.document``), and checked against ``published_sha256``.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from ..credential.summary import Summary
from .interning import Interner, part_json

#: starts a ``summary`` entry; the number changes with the layout below
SUMMARY = b"credpages summary 1\n"
_SHA256 = re.compile("[0-9a-f]{64}")
#: (SHA-256 of credential.json, the issuance log's quick hash, its size): ``collect.Made``
Made = tuple[str, str | None, int]


def summary_entry(summary: Summary, made: Made) -> bytes:
    """The value of a ``summary`` entry: the embedded achievement on a line of its own (as
    :func:`~credpages.site.interning.part_json` writes it, so equal ones are parsed once), then
    the other fields, in a fixed order."""
    fields = [
        made[0],
        made[1],
        summary.id,
        summary.name,
        summary.valid_from,
        summary.valid_until,
        summary.awarded_date,
        summary.first_created,
        summary.status_index,
        list(summary.evidence),
        summary.json_bytes,
    ]
    text = part_json(summary.achievement) + "\n" + json.dumps(fields, separators=(",", ":"))
    return SUMMARY + text.encode("utf-8", "surrogatepass")


def read_summary_entry(value: bytes, shared: Interner) -> tuple[Summary, Made] | None:
    """The summary and the ``verify`` facts of an entry :func:`summary_entry` wrote, the
    achievement shared through ``shared``; None unless exactly that shape."""
    if not value.startswith(SUMMARY):
        return None
    try:
        text = value[len(SUMMARY) :].decode("utf-8", "surrogatepass")
        achievement_json, _, rest = text.partition("\n")
        achievement = shared.parsed(achievement_json)
        fields = json.loads(rest)
    except ValueError:
        return None
    if not (isinstance(achievement, dict) and isinstance(fields, list) and len(fields) == 11):
        return None
    published, quick, cid, name, start, until, awarded, created, index, evidence, size = fields
    if not (
        isinstance(published, str)
        and _SHA256.fullmatch(published)
        and _optional(quick)
        and isinstance(cid, str)
        and isinstance(name, str)
        and _optional(start)
        and _optional(until)
        and _optional(awarded)
        and isinstance(created, str)
        and (index is None or type(index) is int)
        and isinstance(evidence, list)
        and all(isinstance(e, str) for e in evidence)
        and type(size) is int
    ):
        return None
    summary = Summary(
        id=cid,
        name=name,
        achievement=achievement,
        valid_from=_interned(start),
        valid_until=_interned(until),
        awarded_date=_interned(awarded),
        first_created=sys.intern(created),
        status_index=index,
        evidence=tuple(evidence),
        json_bytes=size,
    )
    return summary, (published, quick, size)


def _optional(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _interned(value: str | None) -> str | None:
    """Dates repeat across a batch: one object each, as ``summarize`` keeps them."""
    return sys.intern(value) if value is not None else None
