"""Load and verify everything a site build publishes, before anything is written.

This is the build's gate: a credential that fails any check is reported (file:line: field:
reason) and never rendered. Every credential file is read unless its ``stat`` identity shows it
unchanged since a build read it (``sources``: then the SHA-256 of those bytes is known), and
what is published comes from those bytes alone: a file is parsed and checked in full (both
proofs, the Open Badges schema, this site's settings) unless the build cache holds an
authenticated ``verify`` entry for exactly these bytes under exactly these settings and keyring,
which only a build holding the cache secret can have made after every check passed; that entry
carries the document it parsed (as ``credential.json``), and a ``summary`` entry under the same
key what the build keeps of it (``summaries``), so a warm build loads the summary alone: it
neither parses YAML or JSON nor re-checks a proof. What a leaked cache secret would allow is in
DESIGN.md ("The build cache"). Work is spread over all cores when there is enough of it.

No document is held once it is checked: each report keeps a small ``Summary`` (what the
listing, achievement pages, log gate, status list and pathways use) and the file it came from,
and :meth:`SiteData.document` reads the document back where a file is made from it (memory
stays a few KB a credential, not ~11 KB)."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..credential.status_list import Bits
from ..credential.summary import Summary, summarize
from ..credential.verify import Report, check_integrity, summary_report
from ..credential.yamlio import loads_yaml, read_bounded
from ..errors import CredpagesError
from ..issuer.issuance_log import LogCheck, sorted_json_hash
from ..issuer.repository import (
    STATUS_LIST_FILE,
    AchievementDef,
    all_achievement_ids,
    credential_names,
    display_path,
    display_prefix,
    load_achievement,
)
from ..issuer.revocation import (
    Revocation,
    load_ledger,
    parse_status_list,
    status_list_bits,
    unrevoked_errors,
)
from .cache import BuildCache, key_maker, open_cache
from .clr_gate import check_site_clrs
from .interning import Interner
from .log_files import PublishedLog
from .log_gate import check_site_log
from .sources import SourceDigests
from .summaries import Made, read_summary_entry, summary_entry

PARALLEL_THRESHOLD = 24  # full checks below this: starting worker processes costs more
MAX_CHUNK = 64  # credentials per worker task (see ``chunk_size``)
BATCH = 500  # credential files whose ``summary`` entries are read in one query
VERIFIED = b"credpages verified 2\n"  # starts a ``verify`` entry (see ``verified_entry``)


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
    cache: BuildCache = field(default_factory=lambda: BuildCache(None, None))
    achievement_failures: list[CredpagesError] = field(default_factory=list)
    log: LogCheck | None = None  # the verified issuance log, when the issuer keeps one
    clrs: dict[str, dict[str, Any]] = field(default_factory=dict)  # pathway slug → its CLR
    verify_key: Callable[..., str] | None = None  # keys of ``verify`` entries (this build's)

    def document(self, report: Report) -> dict[str, Any]:
        """The verified document of ``report``, read back: from its ``verify`` entry (made or
        authenticated by this build), else from the file, whose bytes must be the ones that
        were verified. Either way it must be the document whose ``credential.json`` was
        checked (its SHA-256), so what is published is exactly what was verified."""
        return document_of(report, self.cache, self.verify_key or verify_key_maker(self.settings))


def verify_key_maker(settings: Settings) -> Callable[..., str]:
    """Keys of ``verify`` entries: the file's bytes (a credential's: their SHA-256, see
    ``sources``) under everything its checks depend on."""
    keyring = [f"{k.id}={k.public_key}:{k.retired}" for k in settings.keyring]
    return key_maker(
        "verify",
        settings.site_url,
        settings.did,
        settings.status_list_url,
        settings.page_prefix,
        "\n".join(keyring),
    )


def credential_json(document: dict[str, Any]) -> str:
    """The signed credential as published: the data that was signed, as compact JSON.

    Compact, because every byte counts against GitHub Pages' 1 GB (browsers pretty-print it).
    """
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def verified_entry(document: dict[str, Any]) -> bytes:
    """The value of a ``verify`` entry: the log's quick hash and ``credential.json`` of the
    document parsed from the exact bytes the key names, which passed every check."""
    quick = sorted_json_hash(document) or "-"
    return VERIFIED + quick.encode("ascii") + b"\n" + credential_json(document).encode("utf-8")


def read_entry(value: bytes) -> tuple[dict[str, Any], str, str | None, int] | None:
    """(document, SHA-256 of credential.json, quick hash, its size) from a ``verify`` entry,
    None if malformed (the digest, not the text: 100,000 texts held to the end are 400 MB)."""
    if not value.startswith(VERIFIED):
        return None
    quick, _, published = value[len(VERIFIED) :].partition(b"\n")
    try:
        text = published.decode("utf-8")
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict) or credential_json(document) != text:
        return None
    digest = hashlib.sha256(published).hexdigest()
    shown = quick.decode("ascii", "replace") if quick != b"-" else None
    return document, digest, shown, len(published)


Job = tuple[str, str, bytes, Settings]  # (file as shown, its path, SHA-256 of its bytes, settings)


def summary_of(report: Report) -> Summary:
    """The summary every report of a collected site has (``collect`` made it)."""
    if report.summary is None:
        raise ValueError(f"{report.source}: a report without a summary (not from collect)")
    return report.summary


def document_of(report: Report, store: BuildCache, key_of: Callable[..., str]) -> dict[str, Any]:
    """See :meth:`SiteData.document`."""
    if report.credential is not None:
        return report.credential
    shown, path, digest = report.source, report.file, report.file_sha256
    if path is None or digest is None or report.published_sha256 is None:
        raise ValueError(f"{shown}: a report without its file (not from collect)")
    value = store.get("verify", key_of(digest))
    entry = read_entry(value) if value is not None else None
    if entry is not None and entry[1] == report.published_sha256:
        return entry[0]
    content = read_bounded(path)  # no cache, or it lost the entry: the verified bytes again
    document: dict[str, Any] | None = None
    if hashlib.sha256(content).hexdigest() == digest:
        document = loads_yaml(content, source=shown).data
    if document is None or _sha256_of(document) != report.published_sha256:
        raise CredpagesError("changed while the site was being built: build again", file=shown)
    return document


def _sha256_of(document: dict[str, Any]) -> str:
    return hashlib.sha256(credential_json(document).encode("utf-8")).hexdigest()


def _published_of(entry: bytes) -> tuple[str, str | None, int]:
    """(SHA-256 of credential.json, quick hash, its size) of a ``verify`` entry this build made
    (:func:`verified_entry`), as :func:`read_entry` gives them: the worker made the JSON and
    the log's hash, so the main process does not serialise and hash the document again."""
    quick, _, published = entry[len(VERIFIED) :].partition(b"\n")
    shown = quick.decode("ascii") if quick != b"-" else None
    return hashlib.sha256(published).hexdigest(), shown, len(published)


def _verify_file(
    args: Job,
) -> tuple[str, dict[str, Any] | None, list[CredpagesError], bytes | None]:
    """Parse one file and check it in full (runs in a worker process); with the ``verify``
    entry to store when it passed. The file is read again here, not passed along: a cold
    100,000-credential build would otherwise hold 600 MB of YAML in the queue; its bytes must
    be the ones the build keyed (else the entry would be stored under another file's key)."""
    shown, path, digest, settings = args
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        return shown, None, [CredpagesError(f"cannot read it: {exc.strerror}", file=shown)], None
    if hashlib.sha256(content).digest() != digest:
        changed = CredpagesError("changed while the site was being built: build again", file=shown)
        return shown, None, [changed], None
    try:
        loaded = loads_yaml(content, source=shown)
    except CredpagesError as exc:
        return shown, None, [exc], None
    errors = check_integrity(loaded.data, settings)
    located = [e.located(file=shown, line=loaded.line_of(e.field or "")) for e in errors]
    entry = None if located else verified_entry(loaded.data)
    return shown, loaded.data, located, entry


def chunk_size(jobs: int, workers: int) -> int:
    """Credentials a worker checks per task. Bounded: a task's results (documents and
    ``verify`` entries, ~16 KB a credential) are built, sent and unpickled whole, so one chunk
    of a 100,000-credential build at ``jobs // 16`` held ~150 MB in the main process and in
    each worker."""
    return max(1, min(MAX_CHUNK, jobs // (workers * 8)))


def _verify_all(
    jobs: list[Job], workers: int
) -> Iterable[tuple[str, dict[str, Any] | None, list[CredpagesError], bytes | None]]:
    if workers > 1 and len(jobs) >= PARALLEL_THRESHOLD:
        # gc.enable: a worker is forked from a build that paused the cycle collector (see the
        # plugin), and PyLD makes cycles: without it each worker grew ~10 KB a credential
        with ProcessPoolExecutor(max_workers=workers, initializer=gc.enable) as pool:
            yield from pool.map(_verify_file, jobs, chunksize=chunk_size(len(jobs), workers))
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
    names = credential_names(settings)
    store = open_cache(settings.cache_dir if use_cache else None)
    key_of = verify_key_maker(settings)
    status_error: CredpagesError | None = None
    try:
        status_list = _status_list(settings, store, key_of)
    except CredpagesError as exc:  # still verify the credentials, so every failure is listed
        status_list, status_error = None, exc
    bits = status_list[1] if status_list else None
    if bits is None and names and status_error is None:
        raise CredpagesError(
            "the signed revocation list is missing: `credpages issue` or `credpages sign` "
            "creates it",
            file=display_path(settings.credentials_dir / "status" / "revocation-list.yaml"),
        )
    candidates: dict[str, Report] = {}  # file → its report (the document dropped)
    failures: list[CredpagesError] = []
    jobs: list[Job] = []
    job_keys: list[str] = []  # the cache key of each job's file
    sources = SourceDigests(settings.credentials_dir, store)
    shared = Interner()  # embedded achievements repeat: one object each (see ``interning``)

    def admit(shown: str, path: str, digest: str, summary: Summary, made: Made) -> None:
        """Check what depends on this build (state, slug) and keep the summary."""
        report = summary_report(summary, settings, source=shown, revoked_bits=bits, now=now)
        if not report.errors:
            report.published_sha256, report.sorted_hash = made[0], made[1]
            report.file, report.file_sha256 = path, digest
        candidates[shown] = report

    def admit_document(
        shown: str, path: str, digest: str, key: str, document: dict[str, Any], made: Made
    ) -> None:
        """``admit`` a document that passed every check, and store its summary for later
        builds (beside its ``verify`` entry, under the same key)."""
        achievement = shared.part(document["credentialSubject"]["achievement"])
        summary = summarize(document, made[2], achievement)
        store.put("summary", key, summary_entry(summary, made))
        admit(shown, path, digest, summary, made)

    folder, shown_folder = (
        str(settings.credentials_dir) + os.sep,
        display_prefix(settings.credentials_dir),
    )
    for start in range(0, len(names), BATCH):
        batch = []  # (file as shown, its path, SHA-256 of its bytes, cache key, read now?)
        for name in names[start : start + BATCH]:
            path = folder + name
            digest = sources.digest(path)  # unchanged since it was read (stat identity), or None
            read = digest is None
            if digest is None:
                digest = sources.read(path)[1]
            batch.append((shown_folder + name, path, digest, key_of(digest), read))
        summaries = store.get_many("summary", [entry[3] for entry in batch])
        for shown, path, digest, key, read in batch:
            value = summaries.get(key)
            found = read_summary_entry(value, shared) if value is not None else None
            if found is not None:  # these exact bytes passed every check under these settings
                store.touch("verify", key)  # where pages and credential.json are made from
                admit(shown, path, digest, *found)
                continue
            if value is not None:  # authentic, but not what this code stores
                store.reject()
            value = store.get("verify", key)
            entry = read_entry(value) if value is not None else None
            if entry is not None:  # checked earlier, its summary lost: made again from it
                admit_document(shown, path, digest, key, entry[0], entry[1:])
                continue
            if value is not None:  # authentic, but not what this code stores: verify again
                store.reject()
            if not read:  # checked in full from the bytes read now, whatever was recorded
                digest = sources.read(path)[1]
                key = key_of(digest)
            jobs.append((shown, path, bytes.fromhex(digest), settings))
            job_keys.append(key)
    sources.save()
    hits = len(candidates)
    verified = _verify_all(jobs, workers or os.cpu_count() or 1)
    for (shown, path, digest_bytes, _), key, (_, document, errors, made) in zip(
        jobs, job_keys, verified, strict=True
    ):
        if errors or document is None or made is None:
            failures.extend(errors)
        else:
            store.put("verify", key, made)
            admit_document(shown, path, digest_bytes.hex(), key, document, _published_of(made))
    store.flush()  # before any document is read back from its entry
    reports: list[Report] = []
    seen: dict[str, str] = {}
    positions: dict[int, str] = {}  # status list index → the file that holds it
    for shown in sorted(candidates):
        report = candidates[shown]
        if report.errors:
            failures.extend(e.located(file=shown) for e in report.errors)
            continue
        summary = summary_of(report)
        other = seen.get(summary.id)
        if other is not None:
            failures.append(
                CredpagesError(
                    f"the same id as {other}: every credential needs its own page",
                    file=shown,
                    field="id",
                )
            )
            continue
        index = summary.status_index
        holder = positions.get(index) if index is not None else None
        if holder is not None:
            failures.append(
                CredpagesError(
                    f"uses status list index {index}, as {holder} does: revoking one would "
                    "revoke both. Reissue it (`credpages reissue`) to give it its own index",
                    file=shown,
                    field="credentialStatus.statusListIndex",
                )
            )
            continue
        if index is not None:
            positions[index] = shown
        seen[summary.id] = shown
        reports.append(report)
    achievements, achievement_failures = _load_achievements(settings)
    if status_error is not None:
        raise CredpagesError(
            status_failure_message(status_error, [*achievement_failures, *failures])
        )
    ledger = load_ledger(settings)
    if bits is not None:
        indices = {s.id: s.status_index for s in map(summary_of, reports) if s.status_index}
        undone = unrevoked_errors(settings, ledger, indices, bits)
        if undone:
            raise CredpagesError(rollback_failure_message(undone))

    def load(report: Report) -> dict[str, Any]:
        return document_of(report, store, key_of)

    log, reports, unlogged = check_site_log(settings, reports, load, previous=log_previous)
    failures.extend(unlogged)
    clrs, clr_failures = check_site_clrs(settings, reports, load, store, key_of)
    failures.extend(clr_failures)
    return SiteData(
        settings=settings,
        credentials=reports,
        failures=failures,
        status_bits=bits,
        status_list_document=status_list[0] if status_list else None,
        ledger=ledger,
        achievements=achievements,
        achievement_failures=achievement_failures,
        stats={"files": len(names), "cached": hits, "verified": len(names) - hits},
        cache=store,
        log=log,
        clrs=clrs,
        verify_key=key_of,
    )


def _status_list(
    settings: Settings, store: BuildCache, key_of: Callable[..., str]
) -> tuple[dict[str, Any], bytearray] | None:
    """The verified status list and its bits (None: the issuer has none yet). Checked in full
    once per exact bytes, as a credential is: then an authentic ``verify`` entry of those bytes
    (under these settings and keyring) carries the document, and no proof is checked again."""
    path = settings.credentials_dir / STATUS_LIST_FILE
    if not path.exists():
        return None
    content = read_bounded(path)
    key = key_of("status list", content)
    value = store.get("verify", key)
    entry = read_entry(value) if value is not None else None
    if entry is not None:
        return entry[0], status_list_bits(entry[0])
    if value is not None:
        store.reject()
    document, bits = parse_status_list(content, settings)
    store.put("verify", key, verified_entry(document))
    return document, bits


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
