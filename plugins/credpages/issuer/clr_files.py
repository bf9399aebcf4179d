"""Each pathway credential's CLR in the issuer's repository: ``credentials/clr/<slug>.yaml``.

The build holds no secret key, so the CLR is signed where the pathway credential is: when
``issue`` (or ``sign``) awards the pathway, or by ``credpages pathways --clr`` for pathway
credentials that have none or whose parts changed since (re-signed, reissued). It is made from
the committed credential files only and signed with the pathway credential's proof time, and
Ed25519 signatures are deterministic: the same files always give the same CLR. The build then
verifies it like a credential and publishes it at ``c/<slug>/clr.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config import Settings
from ..credential.clr import Lookup, check_clr, clr_document, pathway_id_of, stack
from ..credential.model import slug_of
from ..credential.proofs import canonicalize_rdfc  # PyLD on first use (not in a warm build)
from ..credential.verify import check_integrity
from ..credential.yamlio import load_yaml, write_yaml
from ..errors import CredpagesError
from .pathway_defs import FIELD
from .repository import display_path
from .resign import needs_resign
from .signing import Signer

CLR_DIR = "clr"


def clr_path(settings: Settings, slug: str) -> Path:
    return settings.credentials_dir / CLR_DIR / f"{slug}.yaml"


def clr_files(settings: Settings) -> list[Path]:
    """Every CLR file, sorted (``credentials/clr/*.yaml``)."""
    folder = settings.credentials_dir / CLR_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".yaml" and p.is_file())


def committed_lookup(settings: Settings) -> Lookup:
    """Credential id → the committed signed credential of that id (``credentials/<slug>.yaml``)."""

    def lookup(credential_id: str) -> Mapping[str, Any] | None:
        slug = slug_of(credential_id, settings)
        path = settings.credentials_dir / f"{slug}.yaml"
        if slug is None or not path.is_file():
            return None
        try:
            doc = load_yaml(path).data
        except CredpagesError:
            return None  # `verify` and the build report it
        return doc if doc.get("id") == credential_id and "proof" in doc else None

    return lookup


def pathway_achievement_urls(settings: Settings) -> set[str]:
    """The achievement ids (URLs) of the pathways: definitions that say ``requires:``."""
    folder = settings.achievements_dir
    out = set()
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            if load_yaml(path).data.get(FIELD) is not None:
                out.add(settings.achievement_url(path.stem))
        except CredpagesError:
            continue  # the build and `issue` report a broken definition
    return out


def is_pathway_credential(doc: Mapping[str, Any], pathways: set[str]) -> bool:
    subject = doc.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    return isinstance(achievement, Mapping) and achievement.get("id") in pathways


def make_clr(
    settings: Settings, signer: Signer, pathway: Mapping[str, Any], lookup: Lookup | None = None
) -> dict[str, Any]:
    """The signed, checked CLR of a signed pathway credential. ``lookup`` (the credentials the
    caller has just verified: the pathway credential and the parts ``issue`` awarded it for)
    first, then the committed files, find its parts; what comes from a file is checked in full
    before anything is signed."""
    files = committed_lookup(settings)
    trusted = {str(pathway["id"])} if lookup is not None else set()

    def find(credential_id: str) -> Mapping[str, Any] | None:
        found = lookup(credential_id) if lookup is not None else None
        if found is not None:
            trusted.add(credential_id)
        return found or files(credential_id)

    unsigned = clr_document(pathway, find)
    for credential in unsigned["credentialSubject"]["verifiableCredential"]:
        if str(credential["id"]) not in trusted:  # read from a file: checked before it is signed
            problems = check_integrity(credential, settings)
            if problems:
                raise CredpagesError(
                    f"cannot make the CLR of {pathway['id']}: the credential {credential['id']} "
                    f"it embeds does not verify ({problems[0]}); `credpages verify` shows why"
                )
    proofs = pathway.get("proof")
    created = proofs[0].get("created") if isinstance(proofs, list) and proofs else None
    canonical = canonicalize_rdfc(unsigned)
    signed = signer.sign(unsigned, created=created, canonical_document=canonical)
    embedded = {str(c["id"]): c for c in unsigned["credentialSubject"]["verifiableCredential"]}
    problems = check_clr(signed, settings, published=embedded, canonical_document=canonical)
    if problems:
        raise problems[0]
    return signed


def write_clr(
    settings: Settings, signer: Signer, pathway: Mapping[str, Any], lookup: Lookup | None = None
) -> Path:
    """Make and write (atomically) the CLR of a pathway credential; returns its path."""
    slug = slug_of(str(pathway["id"]), settings)
    if slug is None:
        raise CredpagesError(f"{pathway['id']} is not a credential of this site", field="id")
    path = clr_path(settings, slug)
    write_yaml(path, make_clr(settings, signer, pathway, lookup))
    return path


def stale_clrs(settings: Settings) -> list[tuple[Path, dict[str, Any]]]:
    """Pathway credentials whose CLR is missing, no longer matches the committed files or is
    signed with a retired key: (CLR path, pathway credential)."""
    lookup = committed_lookup(settings)
    pathways = pathway_achievement_urls(settings)
    out = []
    for path in sorted(settings.credentials_dir.glob("*.yaml")):
        try:
            doc = load_yaml(path).data
        except CredpagesError:
            continue
        if "proof" not in doc or not is_pathway_credential(doc, pathways):
            continue
        target = clr_path(settings, path.stem)
        if not target.is_file() or _differs(settings, target, doc, lookup):
            out.append((target, dict(doc)))
    return out


def _differs(settings: Settings, target: Path, pathway: Mapping[str, Any], lookup: Lookup) -> bool:
    try:
        current = load_yaml(target).data
    except CredpagesError:
        return True
    embedded = current.get("credentialSubject", {}).get("verifiableCredential")
    expected = stack(pathway, lookup)
    return (
        pathway_id_of(str(current.get("id"))) != pathway.get("id")
        or not isinstance(embedded, list)
        or embedded != expected
        or needs_resign(current, settings)  # signed with a retired key
    )


def remake_clrs(
    settings: Settings, signer: Signer, stale: list[tuple[Path, dict[str, Any]]] | None = None
) -> list[Path]:
    """Write the CLR of every pathway credential that has none or an outdated one (``stale``,
    if the caller has listed them already)."""
    written = []
    for target, pathway in stale_clrs(settings) if stale is None else stale:
        try:
            written.append(write_clr(settings, signer, pathway))
        except CredpagesError as exc:
            raise exc.located(file=display_path(target)) from exc
    return written
