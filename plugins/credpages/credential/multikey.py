"""Multibase (base58btc, ``z`` prefix) and Multikey encodings of Ed25519 keys.

Public keys are ``z`` + base58btc(0xed01 + 32 bytes) and always start ``z6Mk``; secret keys are
``z`` + base58btc(0x8026 + 32-byte seed), as the Controlled Identifiers spec defines them.
"""

from __future__ import annotations

from ..errors import CredpagesError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


def b58encode(data: bytes) -> str:
    """Bitcoin base58 of ``data``; leading zero bytes become leading ``1`` characters."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_ALPHABET[r])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; raises ``ValueError`` on a character outside the alphabet."""
    n = 0
    for c in text:
        if c not in _INDEX:
            raise ValueError(f"invalid base58 character {c!r}")
        n = n * 58 + _INDEX[c]
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    return "z" + b58encode(data)


def multibase_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise ValueError("not a base58btc multibase value (it must start with 'z')")
    return b58decode(text[1:])


def encode_public_key(raw: bytes) -> str:
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return multibase_encode(ED25519_PUB_PREFIX + raw)


def decode_public_key(text: str, *, field: str = "publicKeyMultibase") -> bytes:
    """The 32 raw bytes of a ``z6Mk…`` key; anything else is refused with a clear error."""
    try:
        data = multibase_decode(text)
    except ValueError as exc:
        raise CredpagesError(f"not an Ed25519 Multikey: {exc}", field=field) from exc
    if len(data) != 34 or not data.startswith(ED25519_PUB_PREFIX):
        raise CredpagesError(
            "not an Ed25519 Multikey public key (expected 'z6Mk…', 48 characters)", field=field
        )
    return data[2:]


def encode_secret_key(seed: bytes) -> str:
    if len(seed) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    return multibase_encode(ED25519_PRIV_PREFIX + seed)


def decode_secret_key(text: str) -> bytes:
    """The 32-byte seed of a ``z3u2…`` secret key (never echo the value in errors)."""
    try:
        data = multibase_decode(text.strip())
    except ValueError as exc:
        raise CredpagesError(
            "the signing key is not a multibase Ed25519 secret key: make one with "
            "`credpages keygen`"
        ) from exc
    if len(data) != 34 or not data.startswith(ED25519_PRIV_PREFIX):
        raise CredpagesError(
            "the signing key is not an Ed25519 secret key (0x8026 + 32 bytes): make one "
            "with `credpages keygen`"
        )
    return data[2:]
