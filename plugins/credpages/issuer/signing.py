"""Signing with the issuer's key: which keyring entry a secret belongs to, and the proof set."""

from __future__ import annotations

from typing import Any

from nacl.signing import SigningKey

from ..config import KeyEntry, Settings
from ..credential.keys import public_key_of
from ..credential.model import now_timestamp
from ..credential.proofs import sign_proof_set
from ..errors import CredpagesError


class Signer:
    """Signs documents with one key, after checking the keyring vouches for it."""

    def __init__(self, settings: Settings, seed: bytes) -> None:
        public = public_key_of(seed)
        entry = next((k for k in settings.keyring if k.public_key == public), None)
        if entry is None:
            raise CredpagesError(
                f"the signing key's public key {public} is not in the keyring: add it to "
                "mkdocs.yml (`credpages rotate-key --public-key …`) or use the right key",
                field="keyring",
            )
        if entry.retired:
            raise CredpagesError(
                f"key {entry.id!r} is retired: sign with the current key instead",
                field="keyring",
            )
        self.settings = settings
        self.entry: KeyEntry = entry
        self._seed = seed

    @property
    def verification_method(self) -> str:
        return f"{self.settings.did}#{self.entry.id}"

    def sign_bytes(self, message: bytes) -> bytes:
        """A raw Ed25519 signature (the issuance log's signed checkpoint)."""
        return bytes(SigningKey(self._seed).sign(message).signature)

    def sign(
        self,
        document: dict[str, Any],
        *,
        created: str | None = None,
        canonical_document: str | None = None,
    ) -> dict[str, Any]:
        return sign_proof_set(
            document,
            self._seed,
            self.verification_method,
            created or now_timestamp(),
            canonical_document=canonical_document,
        )
