"""The verification pipeline shared by ``credpages verify`` and the site build.

A credential is published only if every check passes: its shape and the OB 3.0 JSON Schema, the
issuer being this site's DID, every proof against the keyring (the key's controller is the
issuer), a well-formed status entry on this site's list. Revocation and the validity period
are *states*, not failures: the site publishes a revoked or expired credential marked as such,
while ``credpages verify`` reports them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config import DEMO_PUBLIC_KEY, Settings
from ..errors import CredpagesError
from .model import CONTEXTS, parse_timestamp, slug_of
from .multikey import decode_public_key
from .proofs import SUITE_JCS, verify_proof_set
from .schema_check import OB_SCHEMA, schema_problems
from .status_list import LIST_BITS, Bits, is_set, status_index
from .summary import Summary

VALID, REVOKED, EXPIRED, NOT_YET_VALID = "valid", "revoked", "expired", "not-yet-valid"


@dataclass(slots=True)
class Report:
    """What verification found for one file: fatal ``errors`` or a publishable ``state``.

    A site build drops ``credential`` once the report has its ``summary`` (see ``summary``)
    and reads the document back where a file is made from it (``site.collect.document_of``)."""

    source: str
    credential: dict[str, Any] | None = None
    errors: list[CredpagesError] = field(default_factory=list)
    state: str = VALID
    slug: str | None = None
    published_sha256: str | None = None  # SHA-256 (hex) of its credential.json, where known
    sorted_hash: str | None = None  # SHA-256 of its sorted compact JSON (the log's quick check)
    summary: Summary | None = None  # what a site build keeps of the verified document
    file: str | None = None  # the file it was verified from (a site build reads it back)
    file_sha256: str | None = None  # SHA-256 (hex) of the exact bytes that were verified

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def reason(self) -> str:
        if self.errors:
            return "; ".join(e.message for e in self.errors)
        return self.state


def keyring_resolver(settings: Settings, *, allow_retired: bool = False) -> Callable[[str], bytes]:
    """``verificationMethod`` → public key; the method must be the issuer's own DID URL.

    ``allow_retired`` also accepts retired keys: only ``credpages resign`` uses it, to check
    that a credential signed with a retired key really was signed by this issuer.
    """
    keys = settings.key_by_vm()

    def key_for(method: str) -> bytes:
        entry = keys.get(method)
        if entry is None:
            controller = method.split("#", 1)[0]
            if controller != settings.did:
                raise CredpagesError(
                    f"signed by {method}, which is not controlled by the issuer {settings.did}",
                    field="proof",
                )
            raise CredpagesError(
                f"signed by {method}, which is not in the keyring in mkdocs.yml",
                field="proof",
            )
        if entry.retired and not allow_retired:
            raise CredpagesError(
                f"signed by the retired key {entry.id!r}: re-sign it with `credpages resign`",
                field="proof",
            )
        return entry.public_key_bytes

    return key_for


def schema_errors(doc: Mapping[str, Any]) -> list[CredpagesError]:
    """OB 3.0 JSON Schema violations, each naming the field (sorted by field path)."""
    return schema_problems(OB_SCHEMA, doc, "Open Badges 3.0")


def _issuer_id(doc: Mapping[str, Any]) -> Any:
    issuer = doc.get("issuer")
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def proof_methods(doc: Mapping[str, Any]) -> list[str]:
    """The ``verificationMethod`` of each proof (no checks: for choosing what to re-sign)."""
    raw = doc.get("proof")
    proofs = raw if isinstance(raw, list) else [raw] if raw is not None else []
    return [
        p["verificationMethod"]
        for p in proofs
        if isinstance(p, Mapping) and isinstance(p.get("verificationMethod"), str)
    ]


DEMO_SIGNED = (
    "signed by the public demo key (demo/DEMO-SIGNING-KEY-PUBLIC.txt, whose secret anyone can "
    "read): this is {what} of the credpages demo, not yours. Delete it{then}"
)
DEMO_CREDENTIAL = DEMO_SIGNED.format(
    what="a credential",
    then=" (and the demo's other credentials and achievements), then award your own with "
    "`credpages issue`",
)
DEMO_STATUS_LIST = DEMO_SIGNED.format(
    what="the revocation list", then=": your first `credpages revoke` makes your own"
)


def signed_by_demo_key(doc: Mapping[str, Any]) -> bool:
    """Whether the credential's jcs proof verifies with the public demo key (whatever key id it
    names): a leftover demo credential, to be told apart from a tampered one."""
    demo_key = decode_public_key(DEMO_PUBLIC_KEY)
    try:
        verify_proof_set(
            dict(doc), lambda _vm: demo_key, required_suites=(SUITE_JCS,), only_suites=(SUITE_JCS,)
        )
    except CredpagesError:
        return False
    return True


def demo_or(
    error: CredpagesError,
    doc: Mapping[str, Any],
    settings: Settings,
    message: str = DEMO_CREDENTIAL,
) -> CredpagesError:
    """``error``, or what to do if the document is a leftover of the demo (signed by its key)."""
    if settings.demo or not signed_by_demo_key(doc):
        return error
    return CredpagesError(message, field="proof")


def status_entry_errors(doc: Mapping[str, Any], settings: Settings) -> list[CredpagesError]:
    """The one ``credentialStatus`` every credential needs: a revocation entry on this site's list.

    Without it a credential cannot be revoked, and verifiers skip the status check.
    """
    status = doc.get("credentialStatus")
    fld = "credentialStatus"
    if status is None:
        return [
            CredpagesError(
                "missing: every credential needs a revocation entry on this site's list "
                f"{settings.status_list_url} (`credpages sign` adds it to an authoring file)",
                field=fld,
            )
        ]
    if isinstance(status, list):
        return [
            CredpagesError(
                f"has {len(status)} entries: it must be exactly one entry (a mapping) on this "
                f"site's list {settings.status_list_url}",
                field=fld,
            )
        ]
    if not isinstance(status, Mapping):
        return [CredpagesError("must be a mapping (one status list entry)", field=fld)]
    wanted = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListCredential": settings.status_list_url,
    }
    for key, value in wanted.items():
        if status.get(key) != value:
            where = " (this site's list)" if key == "statusListCredential" else ""
            return [CredpagesError(f"must be {value}{where}", field=f"{fld}.{key}")]
    index = status_index(doc)
    if index is None or index >= LIST_BITS:
        return [
            CredpagesError(
                f"must be a decimal string from 0 to {LIST_BITS - 1} (a position in this site's "
                "list)",
                field=f"{fld}.statusListIndex",
            )
        ]
    return []


def check_content(doc: Mapping[str, Any], settings: Settings) -> list[CredpagesError]:
    """What a credential must say, signed or not: contexts, types, the OB 3.0 schema, this
    site's issuer, id and exactly one status entry on its list (:func:`status_entry_errors`).
    ``check_integrity`` adds the proofs; issuing checks an unsigned document with this before
    anything is signed."""
    contexts = doc.get("@context")
    if not isinstance(contexts, list) or contexts[:2] != CONTEXTS[:2]:
        return [CredpagesError(f"must start with {CONTEXTS[:2]}", field="@context")]
    types = doc.get("type")
    if (
        not isinstance(types, list)
        or "VerifiableCredential" not in types
        or not ({"OpenBadgeCredential", "AchievementCredential"} & set(types))
    ):
        return [CredpagesError("must be [VerifiableCredential, OpenBadgeCredential]", field="type")]
    errors = schema_errors(doc)
    if errors:
        return errors
    if _issuer_id(doc) != settings.did:
        return [
            CredpagesError(
                f"issued by {_issuer_id(doc)}, but this site's issuer is {settings.did} "
                "(site_url in mkdocs.yml)",
                field="issuer.id",
            )
        ]
    if slug_of(str(doc.get("id")), settings) is None:
        return [
            CredpagesError(
                f"must be a page of this site like {settings.credential_url('<slug>')}",
                field="id",
            )
        ]
    return status_entry_errors(doc, settings)


def check_integrity(
    doc: Mapping[str, Any],
    settings: Settings,
    *,
    allow_retired: bool = False,
    canonical_document: str | None = None,
) -> list[CredpagesError]:
    """Everything that must hold for the file to be published at all (cacheable by content).

    :func:`check_content` and then :func:`check_proofs`.
    ``allow_retired`` is for ``credpages resign`` only (see :func:`keyring_resolver`).
    ``canonical_document``: the RDFC N-Quads of ``doc`` without its proof, if already made.
    """
    if "proof" not in doc:
        return [CredpagesError("unsigned: run `credpages sign FILE`", field="proof")]
    errors = check_content(doc, settings)
    if errors:  # a leftover demo credential names the demo's issuer: say what it is
        return [demo_or(e, doc, settings) if e.field == "issuer.id" else e for e in errors]
    return check_proofs(
        doc, settings, allow_retired=allow_retired, canonical_document=canonical_document
    )


def check_proofs(
    doc: Mapping[str, Any],
    settings: Settings,
    *,
    allow_retired: bool = False,
    canonical_document: str | None = None,
) -> list[CredpagesError]:
    """Every proof against the keyring: the part of :func:`check_integrity` after the content.

    Alone only where :func:`check_content` already passed on exactly this document without its
    proof (``issue`` checks what it has just signed: the content was checked before signing).
    """
    try:
        verify_proof_set(
            dict(doc),
            keyring_resolver(settings, allow_retired=allow_retired),
            canonical_document=canonical_document,
        )
    except CredpagesError as exc:
        return [demo_or(exc, doc, settings)]
    return []


def credential_state(doc: Mapping[str, Any], revoked_bits: Bits | None, now: dt.datetime) -> str:
    """Revoked beats expired beats not-yet-valid; all three are still published, marked."""
    until, start = doc.get("validUntil"), doc.get("validFrom")
    return _state(
        status_index(doc),
        until if isinstance(until, str) else None,
        start if isinstance(start, str) else None,
        revoked_bits,
        now,
    )


def _state(
    index: int | None,
    until: str | None,
    start: str | None,
    revoked_bits: Bits | None,
    now: dt.datetime,
) -> str:
    if index is not None and revoked_bits is not None and is_set(revoked_bits, index):
        return REVOKED
    if until is not None and parse_timestamp(until) < now:
        return EXPIRED
    if start is not None and parse_timestamp(start) > now:
        return NOT_YET_VALID
    return VALID


def verify_document(
    doc: Mapping[str, Any],
    settings: Settings,
    *,
    source: str,
    revoked_bits: Bits | None,
    now: dt.datetime | None = None,
    integrity: list[CredpagesError] | None = None,
) -> Report:
    """Full verification of one parsed credential; ``integrity`` may come from the cache."""
    report = Report(source=source, credential=dict(doc))
    report.errors = check_integrity(doc, settings) if integrity is None else list(integrity)
    if report.errors:
        return report
    report.slug = slug_of(str(doc["id"]), settings)
    _set_state(report, lambda: credential_state(doc, revoked_bits, now or dt.datetime.now(dt.UTC)))
    return report


def summary_report(
    summary: Summary,
    settings: Settings,
    *,
    source: str,
    revoked_bits: Bits | None,
    now: dt.datetime,
) -> Report:
    """The report of a credential whose integrity was established earlier (a site build's
    verified or cached credential), from its summary: what :func:`verify_document` adds to
    the integrity checks (slug and state), without the document."""
    report = Report(source=source, summary=summary, slug=slug_of(summary.id, settings))
    start, until = summary.valid_from, summary.valid_until
    _set_state(report, lambda: _state(summary.status_index, until, start, revoked_bits, now))
    return report


def _set_state(report: Report, state: Callable[[], str]) -> None:
    try:
        report.state = state()
    except (CredpagesError, ValueError) as exc:
        report.errors.append(
            exc if isinstance(exc, CredpagesError) else CredpagesError(str(exc), field="validFrom")
        )
