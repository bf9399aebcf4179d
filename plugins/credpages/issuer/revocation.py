"""The issuer's revocation list in git: the signed status list file and the reasons ledger.

``status/revocation-list.yaml`` is the signed BitstringStatusListCredential the site publishes;
``status/revocations.yaml`` records, for people, why and when each credential was revoked and
which credential superseded it. The signed bit is what verifiers trust; the ledger is display.
Revocation is final, as the Bitstring Status List spec defines it, and monotonic here: an older
signed list put back is still validly signed, so the build checks the list against the ledger
(:func:`unrevoked_errors`) and ``credpages status-check`` against an earlier list
(:func:`rollback_errors`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from ..config import Settings
from ..credential.model import now_timestamp, slug_of
from ..credential.proofs import verify_proof_set
from ..credential.status_list import (
    Bits,
    cleared_bits,
    decode_bits,
    empty_bits,
    is_set,
    set_bit,
    status_index,
    status_list_credential,
)
from ..credential.verify import (
    DEMO_STATUS_LIST,
    demo_or,
    keyring_resolver,
    proof_methods,
    status_entry_errors,
)
from ..credential.yamlio import Loaded, load_yaml, loads_yaml, read_bounded, write_yaml
from ..errors import CredpagesError
from .repository import LEDGER_FILE, STATUS_LIST_FILE, display_path
from .signing import Signer


@dataclass(frozen=True)
class Revocation:
    credential: str
    date: str
    reason: str | None = None
    superseded_by: str | None = None
    line: int | None = field(default=None, compare=False)  # where the ledger lists it
    entry: str | None = field(default=None, compare=False)  # e.g. "revocations[2]"


def load_status_list(settings: Settings) -> tuple[dict[str, Any], bytearray] | None:
    """The verified status list credential and its bits, or None if the issuer has no list yet."""
    path = settings.credentials_dir / STATUS_LIST_FILE
    if not path.exists():
        return None
    return parse_status_list(read_bounded(path), settings)


def parse_status_list(content: bytes, settings: Settings) -> tuple[dict[str, Any], bytearray]:
    """The status list file's exact bytes, parsed and checked in full (both proofs)."""
    path = settings.credentials_dir / STATUS_LIST_FILE
    loaded = loads_yaml(content, source=str(path))
    return loaded.data, _checked_bits(loaded, settings, keyring_resolver(settings), path)


def status_list_bits(doc: Mapping[str, Any]) -> bytearray:
    """The bits of a status list credential that passed :func:`parse_status_list` (a build
    takes it from its authenticated ``verify`` entry: the proofs are not checked again)."""
    return bytearray(decode_bits(doc["credentialSubject"]["encodedList"]))


def load_status_bits(settings: Settings) -> bytearray | None:
    """The verified revocation bits, or None if the issuer has no list yet."""
    status_list = load_status_list(settings)
    return status_list[1] if status_list else None


def load_list_file(path: Path, settings: Settings) -> bytearray:
    """The verified bits of a list kept elsewhere: a YAML from git or a site's published JSON.

    For comparing with an earlier list, which may be signed by a key retired since (it must
    still be in the keyring).
    """
    loaded = load_yaml(path)  # JSON is YAML: the same hostile-input rules apply
    return _checked_bits(loaded, settings, keyring_resolver(settings, allow_retired=True), path)


def _checked_bits(
    loaded: Loaded, settings: Settings, key_for: Callable[[str], bytes], path: Path
) -> bytearray:
    doc = loaded.data
    try:
        if doc.get("id") != settings.status_list_url:
            raise CredpagesError(f"must be {settings.status_list_url}", field="id")
        if doc.get("issuer") != settings.did:
            raise CredpagesError(f"must be {settings.did}", field="issuer")
        types = doc.get("type")
        if not isinstance(types, list) or "BitstringStatusListCredential" not in types:
            raise CredpagesError("must include BitstringStatusListCredential", field="type")
        subject = doc.get("credentialSubject")
        if not isinstance(subject, Mapping) or subject.get("statusPurpose") != "revocation":
            raise CredpagesError("must be a revocation list", field="credentialSubject")
        verify_proof_set(doc, key_for)
        bits = decode_bits(subject.get("encodedList"))  # type: ignore[arg-type]
    except CredpagesError as exc:
        exc = demo_or(exc, doc, settings, DEMO_STATUS_LIST)
        raise exc.located(file=display_path(path), line=loaded.line_of(exc.field or "")) from exc
    return bytearray(bits)


def write_status_bits(settings: Settings, signer: Signer, bits: Bits) -> None:
    doc = status_list_credential(
        list_url=settings.status_list_url,
        issuer=settings.did,
        valid_from=now_timestamp(),
        bits=bits,
    )
    write_yaml(settings.credentials_dir / STATUS_LIST_FILE, signer.sign(doc))


def resign_status_list(settings: Settings, signer: Signer | None) -> bool:
    """Re-sign the list with ``signer`` if a retired key signed it; False when nothing to do.

    With ``signer=None`` only checks (a dry run): True means the list would be re-signed.

    The old proofs must still verify against the retired key (still listed in the keyring), so
    only a list this issuer signed is carried over; its content is kept as it is.
    """
    path = settings.credentials_dir / STATUS_LIST_FILE
    if not path.exists():
        return False
    loaded = load_yaml(path)
    keys = settings.key_by_vm()
    methods = proof_methods(loaded.data)
    if not any(vm in keys and keys[vm].retired for vm in methods):
        return False
    _checked_bits(loaded, settings, keyring_resolver(settings, allow_retired=True), path)
    if signer is not None:
        unsecured = {k: v for k, v in loaded.data.items() if k != "proof"}
        write_yaml(path, signer.sign(unsecured))
    return True


def ensure_status_list(settings: Settings, signer: Signer) -> bytearray:
    """The current bits, creating (and signing) an empty list on the issuer's first award.

    A list signed with a key that has since been retired is re-signed with the current key.
    """
    resign_status_list(settings, signer)
    bits = load_status_bits(settings)
    if bits is None:
        bits = empty_bits()
        write_status_bits(settings, signer, bits)
    return bits


def load_ledger(settings: Settings) -> dict[str, Revocation]:
    """Revocations by credential id (empty when there is no ledger yet)."""
    path = settings.credentials_dir / LEDGER_FILE
    if not path.exists():
        return {}
    loaded = load_yaml(path)
    entries = loaded.data.get("revocations", [])
    if not isinstance(entries, list):
        raise CredpagesError("must be a list", file=path, field="revocations")
    out: dict[str, Revocation] = {}
    for i, item in enumerate(entries):
        fld = f"revocations[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("credential"), str):
            raise CredpagesError(
                "each entry needs a credential id", file=path, line=loaded.line_of(fld), field=fld
            )
        out[item["credential"]] = Revocation(
            credential=item["credential"],
            date=str(item.get("date", "")),
            reason=item.get("reason"),
            superseded_by=item.get("superseded_by"),
            line=loaded.line_of(fld),
            entry=fld,
        )
    return out


def _write_ledger(settings: Settings, ledger: Mapping[str, Revocation]) -> None:
    entries: list[dict[str, Any]] = []
    for rev in ledger.values():
        entry: dict[str, Any] = {"credential": rev.credential, "date": rev.date}
        if rev.reason:
            entry["reason"] = rev.reason
        if rev.superseded_by:
            entry["superseded_by"] = rev.superseded_by
        entries.append(entry)
    write_yaml(settings.credentials_dir / LEDGER_FILE, {"revocations": entries})


def revoke(
    settings: Settings,
    signer: Signer,
    credential: Mapping[str, Any],
    *,
    reason: str | None,
    superseded_by: str | None = None,
) -> Revocation:
    """Set the credential's bit, re-sign the list, and record why (ledger written last)."""
    problems = status_entry_errors(credential, settings)
    index = status_index(credential)
    if problems or index is None:
        detail = f" ({problems[0].field}: {problems[0].message})" if problems else ""
        raise CredpagesError(
            f"has no revocation status entry on this site's list{detail}", field="credentialStatus"
        )
    bits = ensure_status_list(settings, signer)
    ledger = load_ledger(settings)
    cred_id = str(credential["id"])
    if is_set(bits, index) and cred_id in ledger and superseded_by is None:
        raise CredpagesError(f"{cred_id} is already revoked (revocation is final)")
    set_bit(bits, index)
    write_status_bits(settings, signer, bits)
    earlier = ledger.get(cred_id)
    entry = Revocation(
        credential=cred_id,
        date=earlier.date if earlier else now_timestamp(),
        reason=(earlier.reason if earlier and earlier.reason else reason),
        superseded_by=superseded_by or (earlier.superseded_by if earlier else None),
    )
    ledger[cred_id] = entry
    _write_ledger(settings, ledger)
    return entry


def status_indices(credentials: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Credential id → its position in the list, for credentials that have one."""
    out = {}
    for doc in credentials:
        index = status_index(doc)
        if index is not None and isinstance(doc.get("id"), str):
            out[doc["id"]] = index
    return out


def unrevoked_errors(
    settings: Settings, ledger: Mapping[str, Revocation], indices: Mapping[str, int], bits: Bits
) -> list[CredpagesError]:
    """Credentials the ledger lists as revoked whose bit the signed list does not set.

    That happens when an older list is put back: the build must not publish them as valid.
    """
    path = display_path(settings.credentials_dir / LEDGER_FILE)
    errors = []
    for rev in ledger.values():
        index = indices.get(rev.credential)
        if index is None or (index < len(bits) * 8 and is_set(bits, index)):
            continue
        slug = slug_of(rev.credential, settings) or rev.credential
        errors.append(
            CredpagesError(
                f"{slug} is revoked here, but its bit ({index}) is not set in the signed list "
                f"{display_path(settings.credentials_dir / STATUS_LIST_FILE)} (was an older list "
                "put back?). A revocation cannot be undone: restore the list that revoked it "
                "(`git log -- credentials/status/`), or revoke it again with "
                f'`credpages revoke {slug} --reason "…"`',
                file=path,
                line=rev.line,
                field=rev.entry,
            )
        )
    return errors


MAX_LISTED = 100


def rollback_errors(
    settings: Settings,
    previous: Bits,
    current: Bits,
    *,
    previous_name: str,
    slugs: Mapping[int, str],
    line: int | None = None,
) -> list[CredpagesError]:
    """What ``current`` undoes of ``previous``: each cleared bit, and a list that shrank."""

    def at(message: str) -> CredpagesError:
        return CredpagesError(
            message,
            file=display_path(settings.credentials_dir / STATUS_LIST_FILE),
            line=line,
            field="credentialSubject.encodedList",
        )

    errors = []
    if len(current) < len(previous):
        errors.append(
            at(
                f"holds {len(current) * 8} bits, but the previous list ({previous_name}) held "
                f"{len(previous) * 8}: a status list may grow, never shrink"
            )
        )
    cleared = cleared_bits(previous, current)
    for index in islice(cleared, MAX_LISTED):
        slug = slugs.get(index)
        which = f"index {index} ({slug})" if slug else f"index {index} (no credential file here)"
        again = f'`credpages revoke {slug} --reason "…"`' if slug else "`credpages revoke`"
        errors.append(
            at(
                f"{which} is revoked in the previous list ({previous_name}) but not in this "
                "one. A revocation cannot be undone: restore the list that revoked it, or "
                f"revoke it again with {again}"
            )
        )
    if next(cleared, None) is not None:
        errors.append(at(f"… and more cleared bits beyond the first {MAX_LISTED}"))
    return errors
