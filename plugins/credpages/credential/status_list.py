"""W3C Bitstring Status List: the issuer's revocation list, encoded and decoded.

Bit ``i`` is the most significant bit of byte ``i >> 3`` (index 0 is left-most); 1 means revoked.
The list is gzipped (mtime 0, so builds are reproducible), base64url without padding, and given
the multibase prefix ``u``. Validators refuse lists shorter than 131,072 bits.
"""

from __future__ import annotations

import base64
import gzip
import re
import zlib
from collections.abc import Iterator, Mapping
from typing import Any

from ..errors import CredpagesError

LIST_BITS = 131_072
MAX_DECODED_BYTES = 16 * 1024 * 1024
Bits = bytes | bytearray
_DECIMAL = re.compile("0|[1-9][0-9]{0,9}")


def empty_bits(size: int = LIST_BITS) -> bytearray:
    return bytearray(size // 8)


def encode_bits(bits: Bits) -> str:
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_bits(encoded: str) -> bytes:
    """The raw bitstring; bounded, so a gzip bomb in a hostile list cannot exhaust memory."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise CredpagesError("encodedList must be multibase base64url ('u…')", field="encodedList")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        bits = inflater.decompress(compressed, MAX_DECODED_BYTES + 1)
    except (ValueError, zlib.error) as exc:
        raise CredpagesError(f"encodedList is not valid: {exc}", field="encodedList") from exc
    if len(bits) > MAX_DECODED_BYTES or inflater.unconsumed_tail:
        raise CredpagesError("encodedList is too large", field="encodedList")
    if len(bits) * 8 < LIST_BITS:
        raise CredpagesError(
            f"encodedList holds {len(bits) * 8} bits; the minimum is {LIST_BITS}",
            field="encodedList",
        )
    return bits


def check_index(index: int, bits: Bits) -> None:
    if not 0 <= index < len(bits) * 8:
        raise CredpagesError(
            f"status index {index} is outside the list (0–{len(bits) * 8 - 1})",
            field="credentialStatus.statusListIndex",
        )


def is_set(bits: Bits, index: int) -> bool:
    check_index(index, bits)
    return bool(bits[index >> 3] & (0x80 >> (index & 7)))


def set_bit(bits: bytearray, index: int) -> None:
    check_index(index, bits)
    bits[index >> 3] |= 0x80 >> (index & 7)


def status_list_credential(
    *, list_url: str, issuer: str, valid_from: str, bits: Bits
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential (VC 2.0 context defines every term used)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": list_url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bits(bits),
        },
    }


def status_entry(list_url: str, index: int) -> dict[str, Any]:
    """The ``credentialStatus`` of a credential at ``index`` (its ``id`` is required by OB 3.0)."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_index(credential: Mapping[str, Any]) -> int | None:
    """The list position in a credential's ``credentialStatus``; None when it has no usable one."""
    status = credential.get("credentialStatus")
    index = status.get("statusListIndex") if isinstance(status, Mapping) else None
    return int(index) if isinstance(index, str) and _DECIMAL.fullmatch(index) else None


def cleared_bits(previous: Bits, current: Bits) -> Iterator[int]:
    """Indices set in ``previous`` but not in ``current``, in order (lazily: a list may be huge).

    A shorter ``current`` clears every bit of ``previous`` past its end.
    """
    size = len(previous)
    kept = bytes(current[:size]).ljust(size, b"\0")
    lost = (int.from_bytes(previous) & ~int.from_bytes(kept)).to_bytes(size)
    for match in re.finditer(rb"[^\x00]", lost):
        byte = match.group()[0]
        yield from (match.start() * 8 + bit for bit in range(8) if byte & (0x80 >> bit))


def count_set(bits: Bits) -> int:
    return int.from_bytes(bits).bit_count()
