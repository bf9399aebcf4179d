"""One copy in memory of what every credential repeats (contexts, issuer, achievement).

A build holds every verified credential until it has published them all (indexes, the log, the
sitemap need them). Parsed, a credential is ~11 KB of Python objects, most of it parts that are
the same in every credential of an achievement: its JSON-LD contexts, the issuer's profile, the
achievement with its criteria and alignments, the schema. Sharing one object for each distinct
part keeps 100,000 credentials in a few hundred MB instead of over a GB. Parts are shared only
when their JSON is identical (``True`` and ``1`` stay apart), and nothing in the build changes
a verified document, so sharing cannot change what is published.
"""

from __future__ import annotations

import json
import sys
from typing import Any

_TOP = ("@context", "type", "issuer", "credentialSchema")  # parts shared at the top level
_PROOF = ("@context", "type", "cryptosuite", "verificationMethod", "proofPurpose")


class Interner:
    """Replaces repeated parts of documents by one shared object each."""

    def __init__(self) -> None:
        self._parts: dict[str, Any] = {}

    def part(self, value: Any) -> Any:
        """The shared object JSON-equal to ``value`` (``value`` itself the first time)."""
        if isinstance(value, str):
            return sys.intern(value)
        if not isinstance(value, (dict, list)):
            return value
        return self._parts.setdefault(part_json(value), value)

    def parsed(self, text: str) -> Any:
        """The shared object of ``text``, JSON in :meth:`part`'s form (compact, not ASCII-escaped,
        as :func:`part_json` writes it): parsed only the first time it is seen."""
        known = self._parts.get(text)
        return known if known is not None else self._parts.setdefault(text, json.loads(text))

    def document(self, doc: dict[str, Any]) -> dict[str, Any]:
        """``doc`` with its repeated parts shared (in place; returned for convenience)."""
        for name in _TOP:
            if name in doc:
                doc[name] = self.part(doc[name])
        subject = doc.get("credentialSubject")
        if isinstance(subject, dict):
            for name in ("type", "achievement"):
                if name in subject:
                    subject[name] = self.part(subject[name])
        proofs = doc.get("proof")
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            if isinstance(proof, dict):
                for name in _PROOF:
                    if name in proof:
                        proof[name] = self.part(proof[name])
        return doc


def part_json(value: Any) -> str:
    """The JSON that identifies a part (equal parts, equal texts)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
