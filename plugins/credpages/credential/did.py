"""did:web identifiers and the issuer's DID document.

The issuer of every credential is the did:web DID of the site, so trust comes from the domain
that serves ``did.json`` and the keys listed there, never from the page showing a credential.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from ..errors import CredpagesError

if TYPE_CHECKING:
    from ..config import Settings

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def did_from_site_url(site_url: str) -> str:
    """``https://host:8000/a/b/`` → ``did:web:host%3A8000:a:b`` (did:web §3.2)."""
    parts = urlsplit(site_url)
    if not parts.hostname:
        raise CredpagesError(f"site_url {site_url!r} has no host", field="site_url")
    host = parts.hostname.lower()
    if parts.port is not None:
        host += f"%3A{parts.port}"
    segments = [quote(unquote(s), safe="") for s in parts.path.split("/") if s]
    return ":".join(["did:web", host, *segments])


def did_document_path(did: str) -> str:
    """Where did:web resolution looks for the document, relative to the site's origin."""
    segments = did.split(":")[3:]
    if not segments:
        return ".well-known/did.json"
    return "/".join(unquote(s) for s in segments) + "/did.json"


def did_document_url(did: str, *, scheme: str = "https") -> str:
    host = unquote(did.split(":")[2])
    return f"{scheme}://{host}/{did_document_path(did)}"


def verification_method_id(did: str, key_id: str) -> str:
    return f"{did}#{key_id}"


def did_document(settings: Settings) -> dict[str, Any]:
    """The DID document for the keyring: every key that still has credentials to vouch for."""
    methods = []
    for key in settings.keyring:
        if key.retired:
            continue
        methods.append(
            {
                "id": verification_method_id(settings.did, key.id),
                "type": "Multikey",
                "controller": settings.did,
                "publicKeyMultibase": key.public_key,
            }
        )
    return {
        "@context": list(DID_CONTEXTS),
        "id": settings.did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
