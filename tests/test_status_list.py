"""Bitstring Status List: encoding, bit order, reproducibility, and hostile lists."""

from __future__ import annotations

import base64
import gzip
import time
import tracemalloc
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credpages.credential.status_list import (
    LIST_BITS,
    MAX_DECODED_BYTES,
    decode_bits,
    empty_bits,
    encode_bits,
    is_set,
    set_bit,
    status_entry,
    status_list_credential,
)
from credpages.errors import CredpagesError

#: The example list of the W3C Bitstring Status List spec (§ "encodedList"): 131,072 zero bits.
SPEC_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def multibase_gzip(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_spec_example_decodes_to_131072_zero_bits() -> None:
    bits = decode_bits(SPEC_EXAMPLE)
    assert bits == bytes(16_384)
    assert len(bits) * 8 == LIST_BITS
    assert not any(is_set(bits, i) for i in (0, 1, 4095, LIST_BITS - 1))


def test_empty_list_is_the_minimum_size() -> None:
    bits = empty_bits()
    assert len(bits) == 16_384 and not any(bits)
    assert decode_bits(encode_bits(bits)) == bytes(bits)


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(0, LIST_BITS - 1), max_size=50))
def test_round_trip(indices: set[int]) -> None:
    bits = empty_bits()
    for i in indices:
        set_bit(bits, i)
    decoded = decode_bits(encode_bits(bits))
    assert decoded == bytes(bits)
    assert {i for i in indices if is_set(decoded, i)} == indices
    assert sum(bin(b).count("1") for b in decoded) == len(indices)


@pytest.mark.parametrize(
    ("index", "byte", "value"),
    [(0, 0, 0x80), (1, 0, 0x40), (7, 0, 0x01), (8, 1, 0x80), (15, 1, 0x01), (LIST_BITS - 1, -1, 1)],
)
def test_bit_order_is_msb_first(index: int, byte: int, value: int) -> None:
    """Index 0 is the left-most (most significant) bit of the first byte, as the spec says."""
    bits = empty_bits()
    set_bit(bits, index)
    assert bits[byte] == value
    assert sum(bits) == value  # nothing else was touched
    assert is_set(bits, index)
    neighbours = [i for i in (index - 1, index + 1) if 0 <= i < LIST_BITS]
    assert not any(is_set(bits, i) for i in neighbours)


def test_bit_zero_in_the_encoded_list_is_the_top_bit_of_the_first_byte() -> None:
    """Decode independently of our own helpers: gzip, first byte 0x80."""
    bits = empty_bits()
    set_bit(bits, 0)
    body = encode_bits(bits)[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert raw[0] == 0x80 and not any(raw[1:])


def test_encoding_is_reproducible_and_has_mtime_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    bits = empty_bits()
    set_bit(bits, 42)
    first = encode_bits(bits)
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # a build years later
    assert encode_bits(bits) == first
    body = first[1:]
    gz = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert gz[:2] == b"\x1f\x8b"
    assert gz[4:8] == b"\0\0\0\0"  # MTIME
    assert "=" not in first and "+" not in first and "/" not in first


@pytest.mark.parametrize("size", [0, 1, 1000, LIST_BITS // 8 - 1])
def test_too_short_list_is_refused(size: int) -> None:
    with pytest.raises(CredpagesError) as err:
        decode_bits(encode_bits(bytes(size)))
    assert err.value.field == "encodedList"
    assert "131072" in err.value.message


def test_longer_lists_are_fine() -> None:
    bits = bytearray(LIST_BITS // 4)
    set_bit(bits, LIST_BITS * 2 - 1)
    assert is_set(decode_bits(encode_bits(bits)), LIST_BITS * 2 - 1)


@pytest.fixture(scope="module")
def gzip_bomb() -> str:
    """100 MB of zero bytes, gzipped to about 100 KB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1 << 20)
    parts = [packer.compress(chunk) for _ in range(100)]
    parts.append(packer.flush())
    return multibase_gzip(b"".join(parts))


def test_gzip_bomb_is_refused_with_bounded_memory(gzip_bomb: str) -> None:
    assert len(gzip_bomb) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(CredpagesError, match="too large") as err:
            decode_bits(gzip_bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.value.field == "encodedList"
    assert peak < 3 * MAX_DECODED_BYTES  # never anywhere near the 100 MB it expands to


def test_list_just_over_the_limit_is_refused() -> None:
    with pytest.raises(CredpagesError, match="too large"):
        decode_bits(encode_bits(bytes(MAX_DECODED_BYTES + 1)))


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "z" + SPEC_EXAMPLE[1:],  # base58 multibase, not base64url
        SPEC_EXAMPLE[1:],  # no multibase prefix
        "u!!!not base64!!!",
        multibase_gzip(b"not gzip at all, just text" * 10),
        SPEC_EXAMPLE[:30],  # truncated gzip stream
    ],
)
def test_malformed_lists_are_refused(encoded: str) -> None:
    with pytest.raises(CredpagesError) as err:
        decode_bits(encoded)
    assert err.value.field == "encodedList"


def test_non_string_list_is_refused() -> None:
    with pytest.raises(CredpagesError):
        decode_bits(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("index", [-1, LIST_BITS, LIST_BITS + 8, 10**12])
def test_index_out_of_range(index: int) -> None:
    bits = empty_bits()
    with pytest.raises(CredpagesError, match="outside the list") as err:
        is_set(bits, index)
    assert err.value.field == "credentialStatus.statusListIndex"
    with pytest.raises(CredpagesError):
        set_bit(bits, index)
    assert not any(bits)


def test_status_list_credential_and_entry_shapes() -> None:
    url = "https://example.test/awards/status/revocation.json"
    bits = empty_bits()
    set_bit(bits, 7)
    doc = status_list_credential(
        list_url=url,
        issuer="did:web:example.test:awards",
        valid_from="2026-01-01T00:00:00Z",
        bits=bits,
    )
    assert doc["id"] == url
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert doc["issuer"] == "did:web:example.test:awards"
    subject = doc["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert is_set(decode_bits(subject["encodedList"]), 7)
    assert status_entry(url, 7) == {
        "id": f"{url}#7",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "7",
        "statusListCredential": url,
    }
