"""The build's check of the issuance log, before anything is published.

The committed log must verify on its own (dates in order, checkpoint signed by a keyring key,
leaves hashing to its root), every credential about to be published must be its id's newest
leaf, and the tree must extend the log the live site publishes (when the build is given it).
A credential that is not logged fails like any other invalid credential; a log that fails
stops the whole build.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from ..config import Settings
from ..credential.summary import Summary
from ..credential.verify import Report
from ..errors import CredpagesError
from ..issuer.issuance_log import (
    LogCheck,
    Logged,
    check_extends,
    check_log,
    check_logged,
    credential_hash,
    log_origin,
    log_path,
    note_verifiers,
    read_log,
)
from ..issuer.repository import display_path
from .log_files import PublishedLog


def check_site_log(
    settings: Settings,
    reports: list[Report],
    load: Callable[[Report], Mapping[str, Any]],
    *,
    previous: PublishedLog | None = None,
    now: dt.date | None = None,
) -> tuple[LogCheck | None, list[Report], list[CredpagesError]]:
    """(the verified log or None, the reports still publishable, the credentials refused)."""
    log = read_log(settings)
    if log is None:
        if previous is not None:
            raise CredpagesError(
                f"{previous.label} publishes an issuance log of {len(previous.entries)} leaves, "
                f"but {display_path(log_path(settings))} is missing: a log is never removed"
            )
        return None, reports, []
    origin = log_origin(settings.site_url)
    check = check_log(
        log,
        origin=origin,
        verifiers=note_verifiers(settings),
        source=display_path(log_path(settings)),
        now=now,
    )
    if previous is not None:
        check_extends(
            check,
            previous.note,
            verifiers=note_verifiers(settings, retired=True),
            origin=origin,
            label=previous.label,
            previous_entries=previous.entries,
        )
    problems = check_logged(check, (_logged(r, load) for r in reports))
    refused = {p.file for p in problems}
    return check, [r for r in reports if r.source not in refused], problems


def _logged(report: Report, load: Callable[[Report], Mapping[str, Any]]) -> Logged:
    """What the log check needs of a collected credential (``load``: its document, read back
    only when its quick hash is not the entry's, as for a float or an astral key)."""
    summary = report.summary
    assert isinstance(summary, Summary), "collect summarises every report it publishes"

    def matches(sha256_hex: str) -> bool:
        return report.sorted_hash == sha256_hex or credential_hash(load(report)) == sha256_hex

    return report.source, summary.id, summary.first_created, matches
