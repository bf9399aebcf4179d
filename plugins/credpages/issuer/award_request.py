"""One award, validated before any id or signature exists: a CSV row or an authoring file
becomes a :class:`Request`; what issuing made of it is an :class:`Outcome`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..credential.model import (
    Award,
    Recipient,
    check_characters,
    check_recipient,
    now_timestamp,
    parse_timestamp,
    to_datetime_stamp,
    valid_until_for,
)
from ..credential.model import _url as check_url
from ..errors import CredpagesError
from .pathway_defs import refuse_by_hand
from .repository import AchievementDef, load_achievement

#: Columns of a batch CSV and keys of an authoring YAML (the same names, on purpose).
FIELDS = {
    "achievement",
    "name",
    "email",
    "issued",
    "expires",
    "evidence_url",
    "evidence_name",
    "evidence_narrative",
    "result",
    "narrative",
}


@dataclass(frozen=True)
class Request:
    """One validated award: who gets what, before any id or signature exists."""

    achievement: AchievementDef
    recipient: Recipient
    award: Award
    origin: str


@dataclass(frozen=True)
class Outcome:
    name: str
    email: str
    url: str
    linkedin: str
    path: Path | None
    status: str  # "issued" or "existing"


def _optional(row: Mapping[str, Any], key: str, *, prose: bool = False) -> str | None:
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise CredpagesError("must be text (quote it in YAML)", field=key)
    return check_characters(value.strip(), key, prose=prose)


def make_request(
    settings: Settings,
    row: Mapping[str, Any],
    *,
    origin: str,
    achievement_id: str | None = None,
    cache: dict[str, AchievementDef] | None = None,
) -> Request:
    """Validate one CSV row or authoring file into a :class:`Request`."""
    unknown = set(row) - FIELDS
    if unknown:
        raise CredpagesError(
            f"unknown column(s) {sorted(unknown)}; known: {sorted(FIELDS)}",
            field=sorted(unknown)[0],
        )
    aid = _optional(row, "achievement") or achievement_id
    if not aid:
        raise CredpagesError(
            "which achievement? give --achievement or an achievement column", field="achievement"
        )
    cache = {} if cache is None else cache
    if aid not in cache:
        cache[aid] = load_achievement(settings, aid)
    definition = cache[aid]
    refuse_by_hand(aid, definition.rule)  # issuer.pathways awards pathways, with their evidence
    recipient = check_recipient(row.get("name"), row.get("email"))
    issued = to_datetime_stamp(_optional(row, "issued") or now_timestamp(), "issued")
    expires = _optional(row, "expires")
    valid_until = (
        to_datetime_stamp(expires, "expires")
        if expires
        else valid_until_for(definition.raw, issued)
    )
    if valid_until and parse_timestamp(valid_until) <= parse_timestamp(issued):
        raise CredpagesError("the expiry date must be after the issue date", field="expires")
    evidence_url = _optional(row, "evidence_url")
    if evidence_url:
        check_url(evidence_url, "evidence_url")  # scheme, host, no spaces (rdfc needs an IRI)
    award = Award(
        issued=issued,
        valid_until=valid_until,
        evidence_url=evidence_url,
        evidence_name=_optional(row, "evidence_name"),
        evidence_narrative=_optional(row, "evidence_narrative", prose=True),
        result=_optional(row, "result"),
        narrative=_optional(row, "narrative", prose=True),
    )
    return Request(definition, recipient, award, origin)
