"""Fixture sites for the browser tests: a did:web issuer, its status list and signed credentials.

Credentials come from ``factories.ob_credential``; signing goes through the project's own
``credpages.credential.proofs`` (the rdfc + jcs proof set a build publishes), and keys through
``credpages.credential.multikey``: the browser is checked against the signer it must
agree with, not against a copy.
"""

from __future__ import annotations

import hashlib
import html
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

from nacl.signing import SigningKey

from credpages.credential.did import did_from_site_url
from credpages.credential.multikey import encode_public_key
from credpages.credential.proofs import sign_proof_set
from credpages.credential.status_list import encode_bits
from factories import ob_credential

from .harness import PAGES, Server

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]
CREATED = "2024-01-01T00:00:00Z"
LIST_BITS = 131_072


def multikey(public_key: bytes) -> str:
    return encode_public_key(public_key)


def sign(doc: dict[str, Any], seed: bytes, vm: str, created: str = CREATED) -> dict[str, Any]:
    """The project's proof set (rdfc + jcs), exactly what a build publishes."""
    return sign_proof_set(doc, seed, vm, created)


def did_from_url(site_url: str) -> str:
    return did_from_site_url(site_url)


def script_json(doc: Any) -> str:
    """JSON safe inside <script> (DESIGN.md: <, >, &, U+2028, U+2029 escaped)."""
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@dataclass
class Site:
    """One issuer's published site, written to ``server.root/<name>/``.

    Its URL (and so its did:web) is where the server serves it, unless ``base_url`` names another
    origin, e.g. ``https://issuer.test/awards/``, for tests that route that origin to the files.
    """

    server: Server
    name: str
    base_url: str | None = None
    seed: bytes = field(default_factory=lambda: hashlib.sha256(b"credpages-test").digest())
    revoked: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.dir = self.server.root / self.name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.server.install_assets(self.dir)
        self.url = self.base_url or f"{self.server.url}{self.name}/"
        self.did = did_from_url(self.url)
        self.vm = f"{self.did}#key-1"
        self.list_url = f"{self.url}status/revocation.json"
        self.write_did_document()
        self.write_status_list()

    @property
    def public_key(self) -> bytes:
        return bytes(SigningKey(self.seed).verify_key)

    def did_document(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": self.did,
            "verificationMethod": [
                {
                    "id": self.vm,
                    "type": "Multikey",
                    "controller": self.did,
                    "publicKeyMultibase": multikey(self.public_key),
                }
            ],
            "assertionMethod": [self.vm],
        }

    def write_json(self, rel: str, doc: Any) -> str:
        path = self.dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
        return self.url + rel

    def write_did_document(self, doc: dict[str, Any] | None = None) -> None:
        self.write_json("did.json", self.did_document() if doc is None else doc)

    def status_list(
        self,
        purpose: str = "revocation",
        *,
        valid_from: str = "2024-01-01T00:00:00Z",
        list_id: str | None = None,
    ) -> dict[str, Any]:
        """The signed list; ``list_id`` gives it another ``id`` than the address it is served at."""
        bits = bytearray(LIST_BITS // 8)
        for i in self.revoked:
            bits[i >> 3] |= 0x80 >> (i & 7)
        unsigned = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": list_id or self.list_url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": self.did,
            "validFrom": valid_from,
            "credentialSubject": {
                "id": self.list_url + "#list",
                "type": "BitstringStatusList",
                "statusPurpose": purpose,
                "encodedList": encode_bits(bytes(bits)),
            },
        }
        return sign(unsigned, self.seed, self.vm)

    def write_status_list(self, doc: dict[str, Any] | None = None) -> None:
        self.write_json("status/revocation.json", self.status_list() if doc is None else doc)

    def credential(
        self,
        slug: str,
        *,
        name: str = "Ada Lovelace",
        valid_from: str = "2024-01-01T00:00:00Z",
        valid_until: str | None = None,
        status_index: int | None = 4242,
    ) -> dict[str, Any]:
        """An unsigned OB 3.0 credential as credpages builds them (``factories.ob_credential``)."""
        achievement = {
            "id": f"{self.url}achievements/python-basics/",
            "type": ["Achievement"],
            "name": "Python Basics",
            "description": "Writes small Python programs.",
            "criteria": {"narrative": "Passed the <final> exam & project."},
        }
        return ob_credential(
            self.url,
            slug,
            achievement,
            did=self.did,
            name=name,
            issuer={"type": ["Profile"], "name": "Example Academy", "url": self.url},
            valid_from=valid_from,
            valid_until=valid_until,
            status_index=status_index,
            schema=False,
        )

    def signed(self, slug: str, **kw: Any) -> dict[str, Any]:
        return sign(self.credential(slug, **kw), self.seed, self.vm)

    def write_page(
        self,
        slug: str,
        credential: dict[str, Any],
        *,
        shown: dict[str, str] | None = None,
        extra_html: str = "",
    ) -> str:
        """Write c/<slug>/index.html and credential.json; ``shown`` overrides visible texts,
        ``extra_html`` is trusted markup added to the page (e.g. the revocation reason)."""
        subject = credential.get("credentialSubject", {})
        values = {
            "title": str(credential.get("name", "")),
            "site_url": self.url,
            "achievement_name": subject.get("achievement", {}).get("name", ""),
            "subject_name": subject.get("name", ""),
            "issuer_name": credential.get("issuer", {}).get("name", ""),
            "valid_from": credential.get("validFrom", ""),
            "valid_from_text": str(credential.get("validFrom", ""))[:10],
            "credential_id": credential.get("id", ""),
            # Shortened by the build (data-field-partial): the start of the value, then "…".
            "description": str(subject.get("achievement", {}).get("description", ""))[:12] + "…",
        }
        values.update(shown or {})
        escaped = {k: html.escape(str(v)) for k, v in values.items()}
        escaped["extra_html"] = extra_html
        escaped["credential_json"] = script_json(credential)
        page = Template((PAGES / "credential.html").read_text(encoding="utf-8")).substitute(escaped)
        self.write_json(f"c/{slug}/credential.json", credential)
        (self.dir / "c" / slug / "index.html").write_text(page, encoding="utf-8")
        return f"{self.url}c/{slug}/"


def rdfc_variants(cred: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The credential with its eddsa-rdfc-2022 proof broken, removed, or replaced by garbage; its
    eddsa-jcs-2022 proof still verifies."""
    jcs = [p for p in cred["proof"] if p["cryptosuite"] == "eddsa-jcs-2022"]
    rdfc = next(p for p in cred["proof"] if p["cryptosuite"] == "eddsa-rdfc-2022")
    value = rdfc["proofValue"]
    broken = {**rdfc, "proofValue": value[:-2] + ("22" if value[-2:] != "22" else "33")}
    garbage = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z1"}
    return {
        "broken": {**cred, "proof": [broken, *jcs]},
        "removed": {**cred, "proof": jcs},
        "garbage": {**cred, "proof": [garbage, *jcs]},
    }


def png_chunk(ctype: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + ctype + data + zlib.crc32(ctype + data).to_bytes(4, "big")


def tiny_png(extra_chunks: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
    """A 1×1 PNG; ``extra_chunks`` go after IHDR, where baking tools put the iTXt chunk."""
    ihdr = png_chunk(b"IHDR", (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0]))
    idat = png_chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"".join(extra_chunks) + idat + png_chunk(b"IEND", b"")


def baked_png(credential: dict[str, Any]) -> bytes:
    """OB 3.0 baking: one uncompressed iTXt chunk, keyword openbadgecredential."""
    text = json.dumps(credential, ensure_ascii=False).encode("utf-8")
    itxt = b"openbadgecredential\0" + b"\0\0" + b"\0" + b"\0" + text
    # A decoy text chunk first: the extractor must pick the right keyword.
    decoy = png_chunk(b"tEXt", b"Comment\0not a credential")
    return tiny_png([decoy, png_chunk(b"iTXt", itxt)])


def baked_svg(credential: dict[str, Any]) -> str:
    body = json.dumps(credential, ensure_ascii=False, indent=1)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" width="10" height="10">'
        f"<openbadges:credential><![CDATA[{body}]]></openbadges:credential>"
        '<circle cx="5" cy="5" r="4"/></svg>'
    )


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path
