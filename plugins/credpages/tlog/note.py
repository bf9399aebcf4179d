"""C2SP signed-note with Ed25519 (signature type 0x01): signing, parsing and verifying notes.

A verifier key is ``name+hash+base64(0x01 || public key)``, the key ID being the first four
bytes of SHA-256(name || 0x0A || 0x01 || public key): the format Go's sumdb/note reads.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from ..errors import CredpagesError

ED25519 = 0x01
MAX_SIGNATURES = 100
_NAME = re.compile(r"[^\s+]+")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class NoteError(CredpagesError):
    """A note that is malformed, or whose signatures do not verify."""


def key_id(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


def verifier_key(name: str, public_key: bytes) -> str:
    check_name(name)
    encoded = base64.b64encode(bytes([ED25519]) + public_key).decode("ascii")
    return f"{name}+{key_id(name, public_key):08x}+{encoded}"


@dataclass(frozen=True)
class Verifier:
    name: str
    public_key: bytes

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key)


def parse_verifier_key(text: str) -> Verifier:
    """``name+hash+key`` → Verifier, refusing a hash that does not match the name and key."""
    name, sep, rest = text.partition("+")
    hash_hex, sep2, encoded = rest.partition("+")
    if not (sep and sep2) or not re.fullmatch(r"[0-9a-f]{8}", hash_hex):
        raise NoteError(f"{text!r} is not a verifier key (name+hash+base64 key)")
    check_name(name)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise NoteError(f"the key of {name!r} is not base64") from None
    if len(raw) != 33 or raw[0] != ED25519:
        raise NoteError(f"the key of {name!r} is not an Ed25519 (0x01) key")
    verifier = Verifier(name, raw[1:])
    if verifier.key_id != int(hash_hex, 16):
        raise NoteError(f"the key hash {hash_hex} of {name!r} does not match its key")
    return verifier


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    signature: bytes


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]


def sign_note(text: str, name: str, public_key: bytes, sign: Callable[[bytes], bytes]) -> str:
    """``text`` (ending in a newline) signed by one Ed25519 key; ``sign`` signs raw bytes."""
    check_text(text)
    check_name(name)
    signature = sign(text.encode("utf-8"))
    blob = key_id(name, public_key).to_bytes(4, "big") + signature
    return f"{text}\n\u2014 {name} {base64.b64encode(blob).decode('ascii')}\n"


def check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("a note's text must end with a newline")
    if _CONTROL.search(text):
        raise NoteError("a note must not contain control characters other than newline")


def parse_note(data: bytes | str) -> Note:
    """Split a signed note into its text and signature lines (nothing is verified here)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("a note must be UTF-8") from None
    if _CONTROL.search(data):
        raise NoteError("a note must not contain control characters other than newline")
    cut = data.rfind("\n\n")
    if cut < 0 or not data.endswith("\n"):
        raise NoteError("no blank line separates the note's text from its signatures")
    text, lines = data[: cut + 1], data[cut + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        m = re.fullmatch("\u2014 ([^\\s+]+) ([A-Za-z0-9+/=]+)", line)
        if not m:
            raise NoteError(f"malformed signature line {line!r}")
        try:
            blob = base64.b64decode(m.group(2), validate=True)
        except binascii.Error:
            raise NoteError(f"the signature of {m.group(1)!r} is not base64") from None
        if len(blob) < 5:
            raise NoteError(f"the signature of {m.group(1)!r} is too short")
        signatures.append(Signature(m.group(1), int.from_bytes(blob[:4], "big"), blob[4:]))
    return Note(text, tuple(signatures))


def verify_note(data: bytes | str, verifiers: Iterable[Verifier]) -> tuple[Note, list[Verifier]]:
    """The note and the known keys that signed it; a known key's bad signature rejects it all."""
    note = parse_note(data)
    known = {(v.name, v.key_id): v for v in verifiers}
    good: list[Verifier] = []
    message = note.text.encode("utf-8")
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue  # signed-note: signatures by unknown keys are ignored
        try:
            VerifyKey(verifier.public_key).verify(message, sig.signature)
        except (BadSignatureError, ValueError):
            raise NoteError(
                f"the signature by {sig.name} (key {sig.key_id:08x}) does not verify: the note "
                "was altered or signed by another key"
            ) from None
        good.append(verifier)
    if not good:
        names = ", ".join(f"{s.name} ({s.key_id:08x})" for s in note.signatures) or "nobody"
        raise NoteError(f"no signature by a known key (signed by {names})")
    return note, good
