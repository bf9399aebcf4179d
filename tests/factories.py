"""The one set of test factories: an issuer site on disk with its own key, an OB 3.0 credential
document, and the CLI argument lists tests repeat. Fixtures in ``conftest.py`` are thin wrappers
over these.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from credpages.credential.did import did_from_site_url
from credpages.credential.keys import generate_seed, public_key_of

SITE_URL = "https://example.test/awards/"
ISSUER_NAME = "Test Academy"
ISSUER_URL = "https://academy.example.test/"

ACHIEVEMENT_YAML = """\
name: Python Basics
description: Writes, tests and debugs small Python programs.
criteria: Passed the final practical exam with at least 70%.
tags: [python, programming]
alignments:
  - name: Python language reference
    url: https://docs.python.org/3/reference/
"""

CONFIG_TEMPLATE = """\
# Test issuer. Comments and layout must survive `credpages rotate-key`.
site_name: Test Awards
site_url: {site_url}
theme:
  name: material
plugins:
  - credpages:
      issuer:
        name: {issuer_name}   # shown on every page
        url: {issuer_url}
      keyring:
        - id: key-1
          public_key: {public_key}
          active_from: "2026-01-01"
{extra}"""


def write_issuer_site(
    root: Path,
    *,
    site_url: str = SITE_URL,
    extra: str = "",
    seed: bytes | None = None,
    public_key: str | None = None,
    config_text: str | None = None,
    achievement: str = ACHIEVEMENT_YAML,
) -> tuple[Path, bytes]:
    """An issuer repository with ``docs/`` and one achievement (``python-basics``); returns
    (mkdocs.yml, the seed of its key). ``extra`` is appended to mkdocs.yml as is;
    ``public_key`` replaces the keyring's key (e.g. the demo key)."""
    (root / "credentials" / "achievements").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# Awards\n", encoding="utf-8")
    seed = seed or generate_seed()
    public = public_key or public_key_of(seed)
    text = config_text or CONFIG_TEMPLATE.format(
        site_url=site_url,
        issuer_name=ISSUER_NAME,
        issuer_url=ISSUER_URL,
        public_key=public,
        extra=extra,
    )
    config = root / "mkdocs.yml"
    config.write_text(text.replace("{public_key}", public), encoding="utf-8")
    (root / "credentials" / "achievements" / "python-basics.yaml").write_text(
        achievement, encoding="utf-8"
    )
    return config, seed


def issue_args(
    name: str = "Ada Lovelace",
    email: str = "ada@example.com",
    *extra: str,
    achievement: str = "python-basics",
) -> list[str]:
    """``credpages issue`` for one recipient, as tests run it again and again."""
    return ["issue", "--achievement", achievement, "--name", name, "--email", email, *extra]


#: The ``@context`` of every OB 3.0 credential credpages signs (DESIGN.md, "The credential").
OB_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]
OB_SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
EXAMPLE_ISSUER = {
    "type": ["Profile"],
    "name": "Example Academy",
    "url": "https://example.org/",
    "image": {"id": "https://example.org/logo.png", "type": "Image"},
}


def ob_credential(
    site_url: str,
    slug: str,
    achievement: Mapping[str, Any],
    *,
    did: str | None = None,
    name: str = "Ada Lovelace",
    issuer: Mapping[str, Any] = EXAMPLE_ISSUER,
    valid_from: str = "2026-11-28T00:00:00Z",
    valid_until: str | None = "2027-11-28T00:00:00Z",
    email: tuple[str, str] | None = None,
    subject: Mapping[str, Any] | None = None,
    status_index: int | None = 17,
    schema: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential in the shape DESIGN.md fixes, issued by ``site_url``'s
    did:web: ``email`` is (identityHash, salt) of a hashed e-mail identifier, ``subject`` adds to
    ``credentialSubject`` (e.g. ``result``), ``extra`` to the credential (``evidence``, ``proof``).
    """
    did = did or did_from_site_url(site_url)
    identifiers: list[dict[str, Any]] = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": name}
    ]
    if email is not None:
        identity_hash, salt = email
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": identity_hash,
                "salt": salt,
            }
        )
    doc: dict[str, Any] = {
        "@context": list(OB_CONTEXTS),
        "id": f"{site_url}c/{slug}/",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": {"id": did, **copy.deepcopy(dict(issuer))},
        "validFrom": valid_from,
        "awardedDate": valid_from,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": name,
            "identifier": identifiers,
            "achievement": copy.deepcopy(dict(achievement)),
            **copy.deepcopy(dict(subject or {})),
        },
    }
    if valid_until is not None:
        doc["validUntil"] = valid_until
    if status_index is not None:
        status_list = f"{site_url}status/revocation.json"
        doc["credentialStatus"] = {
            "id": f"{status_list}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": status_list,
        }
    if schema:
        doc["credentialSchema"] = [dict(OB_SCHEMA)]
    doc.update(copy.deepcopy(extra))
    return doc


def csv_issue_args(
    csv: str | Path, *extra: str | Path, achievement: str = "python-basics"
) -> list[str]:
    """``credpages issue`` for a CSV batch of recipients."""
    return ["issue", "--achievement", achievement, "--csv", str(csv), *map(str, extra)]
