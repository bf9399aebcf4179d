"""Load and verify everything a site build publishes, before anything is written.

This is the build's gate: a credential that fails any check is reported (file:line: field:
reason) and never rendered. Verification of uncached files is spread over all cores; cached
files get a cheap eddsa-jcs-2022 re-check (see ``verify_cache``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..config import Settings
from ..credential.proofs import verify_proof_set
from ..credential.status_list import Bits
from ..credential.verify import Report, check_integrity, keyring_resolver, verify_document
from ..credential.yamlio import loads_yaml
from ..errors import CredpagesError
from ..issuer.issuance_log import LogCheck
from ..issuer.repository import (
    AchievementDef,
    all_achievement_ids,
    credential_files,
    display_path,
    load_achievement,
)
from ..issuer.revocation import (
    Revocation,
    load_ledger,
    load_status_bits,
    status_indices,
    unrevoked_errors,
)
from .cache_store import CacheStore
from .log_files import PublishedLog
from .log_gate import check_site_log
from .verify_cache import VerifyCache

PARALLEL_THRESHOLD = 24  # below this, starting worker processes costs more than it saves


@dataclass
class SiteData:
    """Everything the renderer needs, all of it verified."""

    settings: Settings
    credentials: list[Report]
    failures: list[CredpagesError]  # credentials that failed (one file may have several)
    status_bits: Bits | None
    ledger: dict[str, Revocation]
    achievements: dict[str, AchievementDef]
    status_list_document: dict[str, Any] | None = None
    stats: dict[str, int] = field(default_factory=dict)
    cache: CacheStore = field(default_factory=lambda: CacheStore(None))
    achievement_failures: list[CredpagesError] = field(default_factory=list)
    log: LogCheck | None = None  # the verified issuance log, when the issuer keeps one


def _verify_file(
    args: tuple[str, bytes, Settings],
) -> tuple[str, dict[str, Any] | None, list[CredpagesError]]:
    """Parse and fully verify one file (runs in a worker process)."""
    shown, content, settings = args
    try:
        loaded = loads_yaml(content, source=shown)
    except CredpagesError as exc:
        return shown, None, [exc]
    errors = check_integrity(loaded.data, settings)
    located = [e.located(file=shown, line=loaded.line_of(e.field or "")) for e in errors]
    return shown, loaded.data, located


def _cheap_recheck(document: dict[str, Any], settings: Settings) -> bool:
    try:
        verify_proof_set(document, keyring_resolver(settings), only_suites=("eddsa-jcs-2022",))
    except CredpagesError:
        return False
    return True


def _verify_all(
    jobs: list[tuple[str, bytes, Settings]], workers: int
) -> Iterable[tuple[str, dict[str, Any] | None, list[CredpagesError]]]:
    if workers > 1 and len(jobs) >= PARALLEL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield from pool.map(_verify_file, jobs, chunksize=max(1, len(jobs) // (workers * 8)))
    else:
        yield from map(_verify_file, jobs)


def collect(
    settings: Settings,
    *,
    now: dt.datetime | None = None,
    use_cache: bool = True,
    workers: int | None = None,
    log_previous: PublishedLog | None = None,
) -> SiteData:
    """Verify every credential; failures are collected, not raised, so all are reported at once."""
    now = now or dt.datetime.now(dt.UTC)
    files = credential_files(settings)
    status_error: CredpagesError | None = None
    try:
        bits = load_status_bits(settings)
    except CredpagesError as exc:  # still verify the credentials, so every failure is listed
        bits, status_error = None, exc
    if bits is None and files and status_error is None:
        raise CredpagesError(
            "the signed revocation list is missing: `credpages issue` or `credpages sign` "
            "creates it",
            file=display_path(settings.credentials_dir / "status" / "revocation-list.yaml"),
        )
    store = CacheStore(settings.cache_dir if use_cache else None)
    cache = VerifyCache(store, settings)
    documents: dict[str, dict[str, Any]] = {}
    failures: list[CredpagesError] = []
    jobs: list[tuple[str, bytes, Settings]] = []
    keys: dict[str, str] = {}
    hits = 0
    for path in files:
        shown = display_path(path)
        content = path.read_bytes()
        key = cache.key(content)
        cached = cache.get(key)
        if cached is not None and _cheap_recheck(cached, settings):
            documents[shown] = cached
            hits += 1
            continue
        keys[shown] = key
        jobs.append((shown, content, settings))
    for shown, document, errors in _verify_all(jobs, workers or os.cpu_count() or 1):
        if errors or document is None:
            failures.extend(errors)
            continue
        documents[shown] = document
        cache.put(keys[shown], document)
    store.flush()
    reports: list[Report] = []
    seen: dict[str, str] = {}
    for shown in sorted(documents):
        document = documents[shown]
        report = verify_document(
            document, settings, source=shown, revoked_bits=bits, now=now, integrity=[]
        )
        if report.errors:
            failures.extend(e.located(file=shown) for e in report.errors)
            continue
        other = seen.get(str(document["id"]))
        if other is not None:
            failures.append(
                CredpagesError(
                    f"the same id as {other}: every credential needs its own page",
                    file=shown,
                    field="id",
                )
            )
            continue
        seen[str(document["id"])] = shown
        reports.append(report)
    achievements, achievement_failures = _load_achievements(settings)
    if status_error is not None:
        raise CredpagesError(
            status_failure_message(status_error, [*achievement_failures, *failures])
        )
    ledger = load_ledger(settings)
    if bits is not None:
        documents_ok = (r.credential for r in reports if r.credential is not None)
        undone = unrevoked_errors(settings, ledger, status_indices(documents_ok), bits)
        if undone:
            raise CredpagesError(rollback_failure_message(undone))
    log, reports, unlogged = check_site_log(settings, reports, previous=log_previous)
    failures.extend(unlogged)
    return SiteData(
        settings=settings,
        credentials=reports,
        failures=failures,
        status_bits=bits,
        ledger=ledger,
        achievements=achievements,
        achievement_failures=achievement_failures,
        stats={"files": len(files), "cached": hits, "verified": len(jobs)},
        cache=store,
        log=log,
    )


def _load_achievements(
    settings: Settings,
) -> tuple[dict[str, AchievementDef], list[CredpagesError]]:
    """Every achievement definition that loads, and one error for each that does not (reported
    once, whatever uses it; credentials embed their achievement, so they still verify)."""
    loaded: dict[str, AchievementDef] = {}
    failures: list[CredpagesError] = []
    for achievement_id in all_achievement_ids(settings):
        path = settings.achievements_dir / f"{achievement_id}.yaml"
        try:
            loaded[achievement_id] = load_achievement(settings, achievement_id)
        except CredpagesError as exc:
            shown = display_path(path) if exc.file in (None, str(path)) else exc.file
            failures.append(CredpagesError(exc.message, file=shown, line=exc.line, field=exc.field))
    return loaded, failures


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def failure_count(
    failures: Sequence[CredpagesError], achievement_failures: Sequence[CredpagesError] = ()
) -> str:
    """ "2 credentials and 1 achievement failed": files, not errors (a file may have several)."""
    parts = []
    credentials = len({f.file or str(f) for f in failures})
    achievements = len({f.file or str(f) for f in achievement_failures})
    if credentials:
        parts.append(_count(credentials, "credential"))
    if achievements:
        parts.append(_count(achievements, "achievement"))
    return " and ".join(parts) + " failed"


def failure_message(
    failures: Sequence[CredpagesError], achievement_failures: Sequence[CredpagesError] = ()
) -> str:
    """Every reason, one per line (``file:line: field: what to do``), then the one-line count."""
    lines = [str(f) for f in [*achievement_failures, *failures]]
    lines.append(
        f"{failure_count(failures, achievement_failures)}; nothing was published. Fix or remove "
        "them, or set `skip_invalid: true` to publish the rest."
    )
    return "\n".join(lines)


def status_failure_message(status_error: CredpagesError, failures: list[CredpagesError]) -> str:
    """The revocation list failed: nothing can be published, whatever ``skip_invalid`` says."""
    lines = [str(status_error), *(str(f) for f in failures)]
    lines.append(
        "the signed revocation list does not verify, so nothing was published (verifiers could "
        "not tell revoked credentials from valid ones)"
        + (f"; {len(failures)} other problem(s) are listed above" if failures else "")
    )
    return "\n".join(lines)


def rollback_failure_message(undone: list[CredpagesError]) -> str:
    """The signed list lost revocations the ledger records: nothing can be published."""
    lines = [str(e) for e in undone]
    lines.append(
        f"{len(undone)} revoked credential(s) would be published as valid (was an older signed "
        "revocation list put back?), so nothing was published, whatever skip_invalid says"
    )
    return "\n".join(lines)
