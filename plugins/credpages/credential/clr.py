"""The 1EdTech CLR 2.0 ``ClrCredential`` of a pathway credential: the learner's stack as one record.

A pathway credential names its parts as evidence (their page URLs); the CLR bundles the pathway
credential and, depth first, every credential its evidence names (a part may be a pathway too),
each embedded verbatim as signed, with the achievements and ``isParentOf`` / ``isChildOf``
associations between them. The issuer signs the CLR with the same proof set as its credentials.
Everything in it is derived from the embedded credentials, so a check can recompute it: pure
functions over plain data, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..config import Settings
from ..errors import CredpagesError
from .model import CONTEXTS, slug_of
from .proofs import SUITE_JCS, jcs_bytes, verify_proof_set
from .status_list import Bits
from .verify import (
    VALID,
    bundled_schema,
    check_integrity,
    credential_state,
    keyring_resolver,
    validation_errors,
)

CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
CLR_CONTEXTS = [CONTEXTS[0], CLR_CONTEXT, *CONTEXTS[1:]]
CLR_TYPES = ["VerifiableCredential", "ClrCredential"]
CLR_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
CLR_FILE = "clr.json"  # published at <pathway credential id>clr.json, which is also the CLR's id
MAX_EMBEDDED = 64  # credentials in one CLR: far more than any pathway needs
EMBEDDED = "credentialSubject.verifiableCredential"

Lookup = Callable[[str], Mapping[str, Any] | None]


def clr_id(pathway_id: str) -> str:
    """The CLR's id: the address it is published at, beside the pathway credential's page."""
    return f"{pathway_id}{CLR_FILE}"


def pathway_id_of(clr: str) -> str | None:
    """The pathway credential id a CLR id belongs to, or None if it is not a CLR id."""
    return clr[: -len(CLR_FILE)] if clr.endswith(f"/{CLR_FILE}") else None


def is_clr(doc: object) -> bool:
    """Whether a parsed document says it is a ClrCredential (what ``verify`` tells apart)."""
    types = doc.get("type") if isinstance(doc, Mapping) else None
    return isinstance(types, list) and "ClrCredential" in types


def _evidence_ids(doc: Mapping[str, Any]) -> list[str]:
    evidence = doc.get("evidence")
    items = evidence if isinstance(evidence, list) else []
    return [str(e["id"]) for e in items if isinstance(e, Mapping) and isinstance(e.get("id"), str)]


def _achievement(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = doc.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    return achievement if isinstance(achievement, Mapping) else {}


def stack(pathway: Mapping[str, Any], lookup: Lookup) -> list[dict[str, Any]]:
    """The pathway credential, then depth first each credential its evidence names that
    ``lookup`` (credential id → signed document) finds; each once."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(doc: Mapping[str, Any]) -> None:
        seen.add(str(doc.get("id")))
        out.append(dict(doc))
        for part_id in _evidence_ids(doc):
            part = lookup(part_id) if part_id not in seen else None
            if part is not None and len(out) < MAX_EMBEDDED:
                visit(part)

    visit(pathway)
    return out


def achievements(credentials: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each embedded credential's achievement, once per achievement id, in order."""
    out: dict[str, dict[str, Any]] = {}
    for doc in credentials:
        achievement = _achievement(doc)
        out.setdefault(str(achievement.get("id")), dict(achievement))
    return list(out.values())


def associations(credentials: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """A credential whose evidence names another embedded one: its achievement ``isParentOf``
    the other's, which ``isChildOf`` it (CLR 2.0 associations are between achievements)."""
    by_id = {str(doc.get("id")): doc for doc in credentials}
    out: list[dict[str, str]] = []
    for doc in credentials:
        parent = str(_achievement(doc).get("id"))
        for part_id in _evidence_ids(doc):
            if part_id not in by_id:
                continue
            child = str(_achievement(by_id[part_id]).get("id"))
            pairs = (("isParentOf", parent, child), ("isChildOf", child, parent))
            for kind, source, target in pairs:
                link = {
                    "type": "Association",
                    "associationType": kind,
                    "sourceId": source,
                    "targetId": target,
                }
                if link not in out:
                    out.append(link)
    return out


def clr_document(pathway: Mapping[str, Any], lookup: Lookup) -> dict[str, Any]:
    """The unsigned ClrCredential of a signed pathway credential (deterministic: its dates,
    issuer and learner are the pathway credential's)."""
    credentials = stack(pathway, lookup)
    subject = pathway["credentialSubject"]
    name = str(pathway.get("name") or _achievement(pathway).get("name") or "Pathway")
    doc: dict[str, Any] = {
        "@context": list(CLR_CONTEXTS),
        "id": clr_id(str(pathway["id"])),
        "type": list(CLR_TYPES),
        "name": name,
        "description": (
            f"The {name} pathway credential and the {len(credentials) - 1} credential(s) it "
            "rests on, each as its issuer signed it."
        ),
        "issuer": pathway["issuer"],
        "validFrom": pathway["validFrom"],
    }
    for key in ("validUntil", "awardedDate"):
        if key in pathway:
            doc[key] = pathway[key]
    doc["credentialSubject"] = {
        "type": ["ClrSubject"],
        **({"identifier": subject["identifier"]} if "identifier" in subject else {}),
        "achievement": achievements(credentials),
        "verifiableCredential": credentials,
        "association": associations(credentials),
    }
    doc["credentialSchema"] = [dict(CLR_SCHEMA)]
    return doc


def clr_schema_errors(doc: Mapping[str, Any]) -> list[CredpagesError]:
    """CLR 2.0 JSON Schema violations, each naming the field."""
    return validation_errors(bundled_schema("clr_v2p0_clrcredential_schema.json"), doc, "CLR 2.0")


def _embedded_field(index: int, error: CredpagesError) -> CredpagesError:
    inner = f".{error.field}" if error.field and not error.field.startswith("[") else ""
    return CredpagesError(error.message, field=f"{EMBEDDED}[{index}]{inner or error.field or ''}")


def check_clr(
    doc: Mapping[str, Any],
    settings: Settings,
    *,
    published: Mapping[str, Mapping[str, Any]] | None = None,
    canonical_document: str | None = None,
    cached: bool = False,
) -> list[CredpagesError]:
    """Everything a CLR of this site must be: the CLR 2.0 schema, this issuer, its id beside a
    credential page, each embedded credential passing every credential check (or, with
    ``published``, equal to the verified credential of that id), the bundle, achievements and
    associations exactly those its credentials imply, and both proofs against the keyring.
    ``canonical_document``: the CLR's RDFC N-Quads without its proof, if already made.
    ``cached``: these exact bytes passed every check before (an authentic build cache entry):
    skip the schema and the eddsa-rdfc-2022 proof, check everything else."""
    if doc.get("@context") != CLR_CONTEXTS:
        return [CredpagesError(f"must be {CLR_CONTEXTS}", field="@context")]
    if not is_clr(doc) or "VerifiableCredential" not in doc["type"]:
        return [CredpagesError(f"must be {CLR_TYPES}", field="type")]
    errors = [] if cached else clr_schema_errors(doc)
    if errors:
        return errors
    if not isinstance(doc.get("issuer"), Mapping | str) or not isinstance(doc.get("id"), str):
        return [CredpagesError("must be a URL", field="id")]
    issuer = doc["issuer"].get("id") if isinstance(doc["issuer"], Mapping) else doc["issuer"]
    if issuer != settings.did:
        return [
            CredpagesError(
                f"issued by {issuer}, but this site's issuer is {settings.did}", field="issuer.id"
            )
        ]
    pathway_id = pathway_id_of(str(doc["id"]))
    if pathway_id is None or slug_of(pathway_id, settings) is None:
        return [
            CredpagesError(
                f"must be {clr_id(settings.credential_url('<slug>'))}, beside the pathway "
                "credential's page",
                field="id",
            )
        ]
    subject = doc.get("credentialSubject")
    embedded = subject.get("verifiableCredential") if isinstance(subject, Mapping) else None
    if not isinstance(embedded, list) or not all(isinstance(c, Mapping) for c in embedded):
        return [CredpagesError("must be a list of credentials", field=EMBEDDED)]
    if not 1 <= len(embedded) <= MAX_EMBEDDED:
        return [CredpagesError(f"must hold 1 to {MAX_EMBEDDED} credentials", field=EMBEDDED)]
    for index, credential in enumerate(embedded):
        errors = _embedded_errors(credential, settings, published)
        if errors:
            return [_embedded_field(index, e) for e in errors]
    return _bundle_errors(doc, pathway_id, embedded, settings) or _proof_errors(
        doc, settings, canonical_document, cached
    )


def _embedded_errors(
    credential: Mapping[str, Any],
    settings: Settings,
    published: Mapping[str, Mapping[str, Any]] | None,
) -> list[CredpagesError]:
    if published is None:
        return check_integrity(credential, settings)
    copy = published.get(str(credential.get("id")))
    if copy is None:
        return [
            CredpagesError(
                f"{credential.get('id')} is not a credential this site publishes (revoked ones "
                "are published too: was it deleted, or did it fail its own checks?)",
                field="id",
            )
        ]
    if jcs_bytes(copy) != jcs_bytes(credential):
        return [
            CredpagesError(
                f"differs from the published credential {credential.get('id')} (changed, "
                "re-signed or reissued since the CLR was made): make the CLR again with "
                "`credpages pathways --clr`",
                field="proof",
            )
        ]
    return []


def _bundle_errors(
    doc: Mapping[str, Any],
    pathway_id: str,
    embedded: list[Mapping[str, Any]],
    settings: Settings,
) -> list[CredpagesError]:
    pathway = embedded[0]
    if pathway.get("id") != pathway_id:
        return [
            CredpagesError(
                f"the first embedded credential must be the pathway credential {pathway_id}",
                field=f"{EMBEDDED}[0].id",
            )
        ]
    by_id = {str(c.get("id")): c for c in embedded}
    for index, credential in enumerate(embedded):
        for part_id in _evidence_ids(credential):
            if part_id not in by_id and slug_of(part_id, settings) is not None:
                return [
                    CredpagesError(
                        f"misses {part_id}, which the evidence of {credential.get('id')} names",
                        field=f"{EMBEDDED}[{index}].evidence",
                    )
                ]
    expected = stack(pathway, by_id.get)
    if [c.get("id") for c in expected] != [c.get("id") for c in embedded]:
        return [
            CredpagesError(
                "must be the pathway credential, then each credential its evidence names, depth "
                f"first, each once ({', '.join(str(c.get('id')) for c in expected)})",
                field=EMBEDDED,
            )
        ]
    subject = doc["credentialSubject"]
    if subject.get("association") != associations(expected):
        return [
            CredpagesError(
                "must be the isParentOf/isChildOf associations the embedded credentials' "
                "evidence implies, and no others",
                field="credentialSubject.association",
            )
        ]
    if subject.get("achievement") != achievements(expected):
        return [
            CredpagesError(
                "must be the embedded credentials' achievements, once each",
                field="credentialSubject.achievement",
            )
        ]
    for key in ("issuer", "validFrom", "validUntil"):
        if doc.get(key) != pathway.get(key):
            return [CredpagesError(f"must be the pathway credential's {key}", field=key)]
    return []


def _proof_errors(
    doc: Mapping[str, Any], settings: Settings, canonical_document: str | None, cached: bool
) -> list[CredpagesError]:
    try:
        verify_proof_set(
            dict(doc),
            keyring_resolver(settings),
            canonical_document=canonical_document,
            only_suites=(SUITE_JCS,) if cached else None,
        )
    except CredpagesError as exc:
        return [exc]
    return []


def embedded_states(
    doc: Mapping[str, Any], revoked_bits: Bits | None, now: dt.datetime
) -> list[tuple[str, str, str]]:
    """Each embedded credential that is not valid now: (field, its id, its state). Like a
    credential's, these are states, not failures (``verify --strict`` makes them failures)."""
    out = []
    subject = doc.get("credentialSubject")
    embedded = subject.get("verifiableCredential") if isinstance(subject, Mapping) else None
    for index, credential in enumerate(embedded if isinstance(embedded, list) else []):
        state = credential_state(credential, revoked_bits, now)
        if state != VALID:
            out.append((f"{EMBEDDED}[{index}]", str(credential.get("id")), state))
    return out
