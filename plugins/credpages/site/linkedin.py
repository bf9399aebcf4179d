"""LinkedIn "Add to profile" and share links for a credential page (every value URL-encoded)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from ..config import Settings
from ..credential.model import parse_timestamp


def add_to_profile_url(credential: Mapping[str, Any], settings: Settings) -> str:
    """``profile/add?startTask=CERTIFICATION_NAME`` with name, organisation, dates, url and id."""
    params: dict[str, str] = {
        "startTask": "CERTIFICATION_NAME",
        "name": str(credential.get("name", "")),
    }
    if settings.issuer.linkedin_organization_id:
        params["organizationId"] = settings.issuer.linkedin_organization_id
    else:
        params["organizationName"] = settings.issuer.name
    issued = parse_timestamp(str(credential["validFrom"]))
    params["issueYear"] = str(issued.year)
    params["issueMonth"] = str(issued.month)
    if isinstance(credential.get("validUntil"), str):
        until = parse_timestamp(credential["validUntil"])
        params["expirationYear"] = str(until.year)
        params["expirationMonth"] = str(until.month)
    params["certUrl"] = str(credential["id"])
    params["certId"] = str(credential["id"])
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


def share_url(page_url: str) -> str:
    return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": page_url})
