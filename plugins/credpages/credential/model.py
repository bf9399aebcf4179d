# Over 400 lines on purpose: every field of an OB 3.0 credential with its check; the builder and
# the recipient's identity share the text rules (`_text`), so a split would import both ways.
"""Building Open Badges 3.0 credentials: achievements, recipients, ids, hashed e-mails, dates.

Pure functions over plain data. The result is the unsigned ``OpenBadgeCredential`` dict that
``proofs.sign_proof_set`` signs and ``yamlio.write_yaml`` writes; nothing here touches the disk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Any

from ..config import Settings, check_site_path, split_url
from ..errors import CredpagesError
from .status_list import status_entry

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
ACHIEVEMENT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_SLUG_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: readable aloud
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}\.[^@\s.]{1,63}$")
# One-line text (names, titles, tags): no control character (C0, DEL, C1, which includes NEL)
# and no line or paragraph separator, which some readers show as a line break and others not.
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Prose (descriptions, criteria, narratives) may break lines and hold tabs; other C0 controls
# (ESC, BEL, BS, a raw CR…) are invisible or rewrite the terminal, so never meant.
_NOT_PROSE = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# Not characters at all (non-characters U+FFFE/U+FFFF, lone surrogates): RDFC implementations
# escape them differently, so no text may hold them (jsonld refuses them again when signing).
_NON_CHARACTER = re.compile("[\ud800-\udfff\ufffe\uffff]")
MAX_TEXT = 20_000

ACHIEVEMENT_KEYS = {
    "name",
    "description",
    "criteria",
    "criteria_url",
    "image",
    "image_caption",
    "achievement_type",
    "tags",
    "alignments",
    "valid_for_days",
    "field_of_study",
    "human_code",
    "in_language",
    "version",
    "requires",  # a pathway's parts: read by issuer.pathway_defs, not part of the Achievement
}
ALIGNMENT_KEYS = {"name", "url", "code", "description", "framework", "type"}


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str


@dataclass(frozen=True)
class Award:
    """What one credential says beyond the achievement: dates, evidence, results."""

    issued: str
    valid_until: str | None = None
    evidence_url: str | None = None
    evidence_name: str | None = None
    evidence_narrative: str | None = None
    result: str | None = None
    narrative: str | None = None
    evidence: tuple[Mapping[str, Any], ...] = ()  # more OB 3.0 Evidence (a pathway's parts)


def check_characters(value: str, fld: str, *, prose: bool = False) -> str:
    """Refuse control characters (and, unless ``prose``, line breaks and tabs) in text.

    Every text that ends up in a credential passes here, from a CSV cell, an authoring file,
    an achievement or the command line alike, so the pre-check and ``sign`` agree.
    """
    odd = _NON_CHARACTER.search(value)
    if odd:
        raise CredpagesError(
            f"holds U+{ord(odd.group()):04X}, which is not a character and cannot be signed "
            f"the same way everywhere: remove it (at character {odd.start() + 1})",
            field=fld,
        )
    found = (_NOT_PROSE if prose else _NOT_ONE_LINE).search(value)
    if found:
        char = found.group()
        if char in "\n\r\x85\u2028\u2029":
            what = "must be one line: remove the line break"
        elif char == "\t":
            what = "must be one line: replace the tab with a space"
        else:
            what = f"holds the control character U+{ord(char):04X}: remove it"
        raise CredpagesError(
            f"{what} (at character {found.start() + 1})",
            field=fld,
        )
    return value


def _text(
    value: Any, fld: str, *, required: bool = True, limit: int = MAX_TEXT, prose: bool = False
) -> str | None:
    if value is None:
        if required:
            raise CredpagesError("is required", field=fld)
        return None
    if not isinstance(value, str) or not value.strip():
        raise CredpagesError("must be non-empty text", field=fld)
    if len(value) > limit:
        raise CredpagesError(f"is longer than {limit} characters", field=fld)
    return check_characters(value, fld, prose=prose)


def _copy_texts(
    raw: Mapping[str, Any],
    out: dict[str, Any],
    targets: Mapping[str, str],
    *,
    where: str,
    limit: int,
    prose: Set[str] = frozenset(),
) -> None:
    """Each optional text ``raw[key]`` that is given, checked, into ``out[targets[key]]``."""
    for key, target in targets.items():
        if raw.get(key) is not None:
            out[target] = _text(raw[key], where + key, limit=limit, prose=key in prose)


def site_path(value: Any, fld: str) -> str:
    """An image reference: an http(s) URL, or a path to a file inside the site's ``docs_dir``."""
    text = _text(value, fld, limit=2048)
    assert text is not None
    if re.match(r"^[a-z][a-z0-9+.-]*:", text, re.I):
        return _url(text, fld) or text
    return check_site_path(text, fld)


def _url(value: Any, fld: str, *, required: bool = False) -> str | None:
    text = _text(value, fld, required=required, limit=2048)
    if text is None:
        return None
    parts = split_url(text, fld)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in text)
    ):
        raise CredpagesError(f"must be an http(s) URL, got {text!r}", field=fld)
    return text


def to_datetime_stamp(value: Any, fld: str) -> str:
    """``2026-11-28`` → ``2026-11-28T00:00:00Z``; a time must carry its zone (dateTimeStamp)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return dt.date.fromisoformat(text).isoformat() + "T00:00:00Z"
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return format_timestamp(parsed)
        if parsed is not None:
            raise CredpagesError(
                f"{text!r} has no time zone: add Z (UTC) or an offset like +02:00", field=fld
            )
    raise CredpagesError(f"must be a date like 2026-11-28, got {value!r}", field=fld)


def format_timestamp(when: dt.datetime) -> str:
    utc = when.astimezone(dt.UTC).replace(microsecond=0)
    return utc.isoformat().replace("+00:00", "Z")


def parse_timestamp(value: str) -> dt.datetime:
    """Parse an XML Schema dateTimeStamp as written in a credential (zone required)."""
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    return parsed


def now_timestamp() -> str:
    return format_timestamp(dt.datetime.now(dt.UTC))


def new_slug(achievement_id: str) -> str:
    """``<achievement>-<10 random chars>``: about 50 bits, so pages cannot be enumerated."""
    tail = "".join(secrets.choice(_SLUG_ALPHABET) for _ in range(10))
    return f"{achievement_id[:40].rstrip('-')}-{tail}"


def hash_identity(identifier: str, salt: str) -> str:
    """OB 3.0 IdentityHash: ``sha256$`` + hex(SHA-256(identifier + salt))."""
    return "sha256$" + hashlib.sha256((identifier + salt).encode("utf-8")).hexdigest()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_recipient(name: Any, email: Any) -> Recipient:
    text = _text(name, "name", limit=500)
    assert text is not None
    if not isinstance(email, str) or not _EMAIL.match(email.strip()):
        raise CredpagesError(f"is not an e-mail address: {email!r}", field="email")
    return Recipient(name=text.strip(), email=normalize_email(email))


def email_hashes(subject: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(salt, lowercase identityHash) of each hashed e-mail identifier of a subject."""
    identifiers = subject.get("identifier")
    return [
        (ident["salt"], str(ident.get("identityHash", "")).lower())
        for ident in (identifiers if isinstance(identifiers, list) else [])
        if isinstance(ident, Mapping)
        and ident.get("identityType") == "emailAddress"
        and ident.get("hashed") is True
        and isinstance(ident.get("salt"), str)
    ]


def email_matches(subject: Mapping[str, Any], email: str) -> bool:
    """True if the subject's hashed e-mail identifier is this address (dedup without plain text)."""
    return hashes_match(email_hashes(subject), email)


def hashes_match(hashes: Iterable[tuple[str, str]], email: str) -> bool:
    """True if one of these (salt, identityHash) pairs is the hash of this address."""
    address = normalize_email(email)
    return any(hash_identity(address, salt) == expected for salt, expected in hashes)


def achievement_from_definition(
    achievement_id: str, raw: Mapping[str, Any], settings: Settings
) -> dict[str, Any]:
    """An authoring definition (``achievements/ID.yaml``) → the OB 3.0 ``Achievement`` object."""
    if not ACHIEVEMENT_ID.match(achievement_id):
        raise CredpagesError(
            "achievement ids are lowercase letters, digits and '-' (rename the file)",
            field="id",
        )
    unknown = set(raw) - ACHIEVEMENT_KEYS
    if unknown:
        raise CredpagesError(
            f"unknown field(s) {sorted(unknown)}; known: {sorted(ACHIEVEMENT_KEYS)}",
            field=sorted(unknown)[0],
        )
    criteria: dict[str, Any] = {"narrative": _text(raw.get("criteria"), "criteria", prose=True)}
    if raw.get("criteria_url") is not None:
        criteria["id"] = _url(raw["criteria_url"], "criteria_url")
    out: dict[str, Any] = {
        "id": settings.achievement_url(achievement_id),
        "type": ["Achievement"],
        "achievementType": _text(raw.get("achievement_type", "Badge"), "achievement_type"),
        "name": _text(raw.get("name"), "name", limit=500),
        "description": _text(raw.get("description"), "description", prose=True),
        "criteria": criteria,
    }
    if raw.get("image") is not None:
        image_ref = site_path(raw["image"], "image")
        image: dict[str, Any] = {"id": settings.absolute_url(image_ref), "type": "Image"}
        if raw.get("image_caption") is not None:
            image["caption"] = _text(raw["image_caption"], "image_caption", limit=500)
        out["image"] = image
    tags = raw.get("tags")
    if tags is not None:
        if not isinstance(tags, list) or not tags:
            raise CredpagesError("must be a list of keywords", field="tags")
        out["tag"] = [_text(t, f"tags[{i}]", limit=200) for i, t in enumerate(tags)]
    alignments = raw.get("alignments")
    if alignments is not None:
        if not isinstance(alignments, list) or not alignments:
            raise CredpagesError("must be a list of {name, url, …}", field="alignments")
        out["alignment"] = [_alignment(a, f"alignments[{i}]") for i, a in enumerate(alignments)]
    _copy_texts(
        raw,
        out,
        {
            "field_of_study": "fieldOfStudy",
            "human_code": "humanCode",
            "in_language": "inLanguage",
            "version": "version",
        },
        where="",
        limit=200,
    )
    return out


def _alignment(raw: Any, fld: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise CredpagesError("must be a mapping with name and url", field=fld)
    unknown = set(raw) - ALIGNMENT_KEYS
    if unknown:
        raise CredpagesError(f"unknown field(s) {sorted(unknown)}", field=fld)
    out: dict[str, Any] = {
        "type": ["Alignment"],
        "targetName": _text(raw.get("name"), f"{fld}.name", limit=500),
        "targetUrl": _url(raw.get("url"), f"{fld}.url", required=True),
    }
    _copy_texts(
        raw,
        out,
        {
            "code": "targetCode",
            "description": "targetDescription",
            "framework": "targetFramework",
            "type": "targetType",
        },
        where=f"{fld}.",
        limit=2000,
        prose={"description"},
    )
    return out


def valid_until_for(definition: Mapping[str, Any], issued: str) -> str | None:
    """Expiry from the achievement's ``valid_for_days``, if it has one."""
    days = definition.get("valid_for_days")
    if days is None:
        return None
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 36_500:
        raise CredpagesError("must be a whole number of days", field="valid_for_days")
    return format_timestamp(parse_timestamp(issued) + dt.timedelta(days=days))


def build_credential(
    settings: Settings,
    achievement: Mapping[str, Any],
    recipient: Recipient,
    award: Award,
    *,
    slug: str,
    status_index: int,
) -> dict[str, Any]:
    """The complete unsigned OpenBadgeCredential, achievement embedded so the proof covers it."""
    if not SLUG.match(slug):
        raise CredpagesError(f"invalid slug {slug!r}", field="id")
    salt = secrets.token_hex(16)
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "name": recipient.name,
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": recipient.name,
            },
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": hash_identity(recipient.email, salt),
                "salt": salt,
            },
        ],
        "achievement": dict(achievement),
    }
    if award.narrative:
        subject["narrative"] = award.narrative
    if award.result:
        subject["result"] = [{"type": ["Result"], "value": award.result}]
    issuer = settings.issuer
    profile: dict[str, Any] = {
        "id": settings.did,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
    }
    if issuer.image:
        profile["image"] = {"id": settings.absolute_url(issuer.image), "type": "Image"}
    if issuer.description:
        profile["description"] = issuer.description
    if issuer.email:
        profile["email"] = issuer.email
    doc: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": settings.credential_url(slug),
        "type": list(CREDENTIAL_TYPES),
        "name": achievement["name"],
        "issuer": profile,
        "validFrom": award.issued,
    }
    if award.valid_until:
        if parse_timestamp(award.valid_until) <= parse_timestamp(award.issued):
            raise CredpagesError("the expiry date must be after the issue date", field="expires")
        doc["validUntil"] = award.valid_until
    doc["awardedDate"] = award.issued
    doc["credentialSubject"] = subject
    if award.evidence_url or award.evidence_narrative:
        evidence: dict[str, Any] = {"type": ["Evidence"]}
        if award.evidence_url:
            evidence["id"] = award.evidence_url
        if award.evidence_name:
            evidence["name"] = award.evidence_name
        if award.evidence_narrative:
            evidence["narrative"] = award.evidence_narrative
        doc["evidence"] = [evidence]
    if award.evidence:
        doc["evidence"] = [*doc.get("evidence", []), *(dict(e) for e in award.evidence)]
    doc["credentialStatus"] = status_entry(settings.status_list_url, status_index)
    doc["credentialSchema"] = [dict(SCHEMA)]
    return doc


def slug_of(credential_id: str, settings: Settings) -> str | None:
    """The slug of a credential id on this site, or None if the id is not one of ours."""
    prefix = f"{settings.site_url}{settings.page_prefix}/"
    if not credential_id.startswith(prefix) or not credential_id.endswith("/"):
        return None
    slug = credential_id[len(prefix) : -1]
    return slug if SLUG.match(slug) else None
