# Over 400 lines on purpose: both cryptosuites' signing and verification, which share the proof
# options, hashing and shape checks, read as the spec is written.
"""Data Integrity proof sets: eddsa-rdfc-2022 and eddsa-jcs-2022, as the W3C spec writes them.

Each credential carries two proofs by the same Ed25519 key: rdfc for the 1EdTech validator and
JSON-LD wallets, jcs for the browser verifier (no JSON-LD processor needed). Verification here is
strict: EVERY proof must verify, because third-party verifiers accept a set when any one proof
does (NOTES §7, gotcha 1), so a broken proof would otherwise go unnoticed.

Over ~400 lines on purpose: both suites' signing and verifying steps side by side, as the spec
lays them out, so each step can be checked against it.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import rfc8785
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from ..errors import CredpagesError
from .jsonld import canonicalize_rdfc
from .multikey import multibase_decode, multibase_encode

__all__ = [
    "PROOF_PURPOSE",
    "PROOF_TYPE",
    "SUITES",
    "SUITE_JCS",
    "SUITE_RDFC",
    "check_datetime_stamp",
    "jcs_bytes",
    "jcs_hash_data",
    "rdfc_hash_data",
    "sign_proof_set",
    "verify_proof_set",
]

PROOF_TYPE = "DataIntegrityProof"
PROOF_PURPOSE = "assertionMethod"
SUITE_RDFC = "eddsa-rdfc-2022"
SUITE_JCS = "eddsa-jcs-2022"
SUITES = (SUITE_RDFC, SUITE_JCS)

# XML Schema dateTimeStamp (a dateTime whose timezone is required), as VC 2.0 states it.
_DATETIME_STAMP = re.compile(
    r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|(24:00:00(\.0+)?))"
    r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)


def check_datetime_stamp(value: object, *, field: str = "created") -> str:
    """Return ``value`` if it is an XML Schema dateTimeStamp (timezone required), else raise.

    The spec makes a bad ``created`` a PROOF_GENERATION_ERROR; a missing timezone would make the
    instant ambiguous.
    """
    if not isinstance(value, str) or not _DATETIME_STAMP.fullmatch(value):
        raise CredpagesError(
            f"{value!r} is not an XML Schema dateTimeStamp: write it like "
            "2026-11-28T00:00:00Z (the Z or an offset such as +01:00 is required)",
            field=field,
        )
    year_text, month, day = value.lstrip("-").split("T")[0].split("-")
    year = -int(year_text) if value.startswith("-") else int(year_text)
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][int(month) - 1]
    if int(day) > days:
        raise CredpagesError(f"{value!r} is not a calendar date", field=field)
    return value


# Outside string literals, JSON text holds only true/false/null and numbers: a digit followed by
# "." or "e" is a float, 16+ digits may exceed 2^53, and N/I start NaN/Infinity.
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_PLAIN = re.compile(r"\d[.eE]|\d{16,}|[NI]")


def _fast_jcs(obj: object) -> bytes | None:
    """JCS through the C JSON encoder, when that provably gives the same bytes, else None.

    ``json.dumps(sort_keys=True)`` equals RFC 8785 for documents without floats, huge integers,
    astral characters (Python sorts keys by code point, JCS by UTF-16 unit) or lone surrogates,
    which is every credential credpages writes; it is ~15x faster than the pure-Python encoder.
    """
    try:
        text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    if text and max(text) > "\uffff":
        return None
    if _NOT_PLAIN.search(_STRINGS.sub("", text)):
        return None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None  # lone surrogate: let rfc8785 report it


def jcs_bytes(obj: object) -> bytes:
    """RFC 8785 (JCS) canonical UTF-8 bytes; what eddsa-jcs-2022 hashes."""
    fast = _fast_jcs(obj)
    if fast is not None:
        return fast
    try:
        return rfc8785.dumps(cast(Any, obj))
    except (rfc8785.CanonicalizationError, ValueError, TypeError) as exc:
        raise CredpagesError(
            f"cannot canonicalise as JSON (RFC 8785): {exc} (lone surrogates, NaN/Infinity, "
            "integers beyond 2^53 and non-JSON types cannot be signed)"
        ) from exc


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _check_config(proof_config: Mapping[str, Any], suite: str) -> None:
    """The spec's proof-configuration checks (PROOF_GENERATION_ERROR)."""
    if proof_config.get("type") != PROOF_TYPE or proof_config.get("cryptosuite") != suite:
        raise CredpagesError(
            f"a {suite} proof configuration needs type {PROOF_TYPE!r} and cryptosuite {suite!r}"
        )
    if "created" in proof_config:
        check_datetime_stamp(proof_config["created"])
    if "proofValue" in proof_config:
        raise CredpagesError("a proof configuration must not contain proofValue")


def _check_unsecured(unsecured: Mapping[str, Any]) -> None:
    if not isinstance(unsecured, Mapping):
        raise CredpagesError("a credential must be a JSON object")
    if "proof" in unsecured:
        raise CredpagesError("hash the document without its proof")


def jcs_hash_data(unsecured: Mapping[str, Any], proof_config: Mapping[str, Any]) -> bytes:
    """eddsa-jcs-2022 hash data: SHA-256(JCS(proof config)) || SHA-256(JCS(document)), 64 bytes.

    ``proof_config`` is the proof without ``proofValue``, including its ``@context`` if any.
    """
    _check_unsecured(unsecured)
    _check_config(proof_config, SUITE_JCS)
    return _sha256(jcs_bytes(proof_config)) + _sha256(jcs_bytes(unsecured))


def rdfc_hash_data(
    unsecured: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    *,
    extra_contexts: Mapping[str, Path] | None = None,
    canonical_document: str | None = None,
) -> bytes:
    """eddsa-rdfc-2022 hash data: SHA-256(RDFC(proof config)) || SHA-256(RDFC(document)).

    As the spec says, the proof configuration is canonicalised with the document's ``@context``
    (whatever ``@context`` ``proof_config`` has is replaced). ``canonical_document`` lets a caller
    reuse the document's N-Quads when it checks several proofs.
    """
    _check_unsecured(unsecured)
    _check_config(proof_config, SUITE_RDFC)
    if "@context" not in unsecured:
        raise CredpagesError("an eddsa-rdfc-2022 proof needs a document with an @context")
    config = {k: v for k, v in proof_config.items() if k != "@context"}
    config["@context"] = unsecured["@context"]
    if canonical_document is None:
        canonical_document = canonicalize_rdfc(dict(unsecured), extra_contexts)
    try:
        key = json.dumps(config, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # not JSON data: canonicalize_rdfc says what is wrong
        key = None
    if key is None:
        canonical_config = canonicalize_rdfc(config, extra_contexts)
    else:
        canonical_config = _canonical_config(key, _extra_key(extra_contexts))
    return _sha256(canonical_config.encode("utf-8")) + _sha256(canonical_document.encode("utf-8"))


@functools.lru_cache(maxsize=256)
def _canonical_config(config_json: str, extra: tuple[tuple[str, str], ...]) -> str:
    """The RDFC N-Quads of a proof configuration, kept by its JSON.

    Signing and then checking a proof canonicalises the same configuration twice, and the
    credentials of one batch (or one build) share a few configurations (same key, same second):
    the same input gives the same N-Quads, so each is made once.
    """
    return canonicalize_rdfc(json.loads(config_json), {url: Path(p) for url, p in extra})


def _extra_key(extra_contexts: Mapping[str, Path] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((url, str(p)) for url, p in (extra_contexts or {}).items()))


def _proof_options(suite: str, verification_method: str, created: str) -> dict[str, Any]:
    return {
        "type": PROOF_TYPE,
        "cryptosuite": suite,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }


def sign_proof_set(
    document: Mapping[str, Any],
    seed: bytes,
    verification_method: str,
    created: str,
    *,
    extra_contexts: Mapping[str, Path] | None = None,
    canonical_document: str | None = None,
) -> dict[str, Any]:
    """A new dict: ``document`` (any old ``proof`` dropped) plus ``proof: [rdfc, jcs]``.

    Both proofs use the same Ed25519 key. The jcs proof carries the document's ``@context`` (the
    June 2024 spec, against context injection between proofs); the rdfc proof carries none.
    ``extra_contexts`` (``{url: file}``) is for tests only: production signs with bundled contexts.
    ``canonical_document`` is the document's RDFC N-Quads if the caller already made them (the
    issuer's pre-sign check does), so they are not computed twice.
    """
    if not isinstance(document, Mapping):
        raise CredpagesError("a credential must be a JSON object")
    if not isinstance(seed, bytes) or len(seed) != 32:
        raise CredpagesError("an Ed25519 signing seed is 32 bytes")
    if not isinstance(verification_method, str) or not verification_method:
        raise CredpagesError("the verification method must be a non-empty URL")
    check_datetime_stamp(created)
    if "@context" not in document:
        raise CredpagesError(
            "the credential has no @context: both proofs sign it", field="@context"
        )
    unsecured = copy.deepcopy({k: v for k, v in document.items() if k != "proof"})
    key = SigningKey(seed)

    rdfc = _proof_options(SUITE_RDFC, verification_method, created)
    rdfc_data = rdfc_hash_data(
        unsecured, rdfc, extra_contexts=extra_contexts, canonical_document=canonical_document
    )
    rdfc_sig = key.sign(rdfc_data).signature
    rdfc["proofValue"] = multibase_encode(bytes(rdfc_sig))

    jcs = _proof_options(SUITE_JCS, verification_method, created)
    jcs["@context"] = copy.deepcopy(unsecured["@context"])
    jcs["proofValue"] = multibase_encode(bytes(key.sign(jcs_hash_data(unsecured, jcs)).signature))

    signed = unsecured
    signed["proof"] = [rdfc, jcs]
    return signed


# ---------------------------------------------------------------------------- verification


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check_proof_shape(proof: Any, where: str) -> tuple[str, bytes]:
    """Structural checks of one proof; returns (cryptosuite, 64 signature bytes)."""
    if not isinstance(proof, dict):
        raise CredpagesError("a proof must be a JSON object", field=where)
    if proof.get("type") != PROOF_TYPE:
        raise CredpagesError(
            f"unknown proof type {proof.get('type')!r}: credpages checks {PROOF_TYPE} proofs",
            field=f"{where}.type",
        )
    suite = proof.get("cryptosuite")
    if suite not in SUITES:
        raise CredpagesError(
            f"unknown cryptosuite {suite!r}: credpages checks {SUITE_RDFC} and {SUITE_JCS}",
            field=f"{where}.cryptosuite",
        )
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        raise CredpagesError(
            f"proofPurpose is {proof.get('proofPurpose')!r}; a credential's proof must be "
            f"{PROOF_PURPOSE!r}",
            field=f"{where}.proofPurpose",
        )
    if "created" in proof:
        check_datetime_stamp(proof["created"], field=f"{where}.created")
    if "expires" in proof:
        expires = check_datetime_stamp(proof["expires"], field=f"{where}.expires")
        try:
            when = datetime.fromisoformat(expires.replace("Z", "+00:00"))
        except ValueError:  # year > 9999 or 24:00:00: far enough
            when = None
        if when is not None and when < datetime.now(UTC):
            raise CredpagesError(f"the proof expired at {expires}", field=f"{where}.expires")
    if "previousProof" in proof:
        raise CredpagesError(
            "proof chains (previousProof) are not supported", field=f"{where}.previousProof"
        )
    vm = proof.get("verificationMethod")
    if not isinstance(vm, str) or not vm:
        raise CredpagesError(
            "the proof has no verificationMethod", field=f"{where}.verificationMethod"
        )
    value = proof.get("proofValue")
    if value is None:
        raise CredpagesError("the proof has no proofValue", field=f"{where}.proofValue")
    try:
        signature = multibase_decode(value)
    except ValueError as exc:
        raise CredpagesError(
            f"proofValue is not a base58btc multibase value: {exc}", field=f"{where}.proofValue"
        ) from exc
    if len(signature) != 64:
        raise CredpagesError(
            f"the signature is {len(signature)} bytes; an Ed25519 signature is 64",
            field=f"{where}.proofValue",
        )
    return suite, signature


def _public_key(key_for: Callable[[str], bytes], vm: str, where: str) -> bytes:
    try:
        key = key_for(vm)
    except CredpagesError as exc:
        if exc.field is not None:
            raise
        raise CredpagesError(
            exc.message, file=exc.file, line=exc.line, field=f"{where}.verificationMethod"
        ) from exc
    if not isinstance(key, bytes) or len(key) != 32:
        raise CredpagesError(
            f"the key for {vm!r} is not a 32-byte Ed25519 public key",
            field=f"{where}.verificationMethod",
        )
    return key


def verify_proof_set(
    document: Mapping[str, Any],
    key_for: Callable[[str], bytes],
    *,
    required_suites: Iterable[str] = (SUITE_RDFC, SUITE_JCS),
    extra_contexts: Mapping[str, Path] | None = None,
    only_suites: Iterable[str] | None = None,
    canonical_document: str | None = None,
) -> None:
    """Raise :class:`CredpagesError` unless every proof verifies and each required suite is there.

    ``proof`` may be an object or an array. ``key_for(verificationMethod)`` returns the 32-byte
    public key or raises :class:`CredpagesError`, which is passed on. ``only_suites`` limits the
    signature checks to those suites (the build's cache re-check of a document whose every proof
    was verified when it was cached); every proof's shape is still checked.
    ``canonical_document`` is the document's RDFC N-Quads when the caller made them from this
    very document (``issue`` checks what it just signed); the signatures are still checked.
    """
    checked_suites = None if only_suites is None else set(only_suites)
    if not isinstance(document, Mapping):
        raise CredpagesError("a credential must be a JSON object")
    if "proof" not in document:
        raise CredpagesError("the credential is not signed", field="proof")
    raw = document["proof"]
    is_list = isinstance(raw, list)
    proofs = _as_list(raw)
    if not proofs:
        raise CredpagesError("the credential has an empty proof set", field="proof")
    wheres = [f"proof[{i}]" if is_list else "proof" for i in range(len(proofs))]

    checked = [_check_proof_shape(p, w) for p, w in zip(proofs, wheres, strict=True)]
    present = {suite for suite, _ in checked}
    for suite in required_suites:
        if suite not in present:
            raise CredpagesError(
                f"the credential has no {suite} proof, which credpages requires", field="proof"
            )

    unsecured = {k: v for k, v in document.items() if k != "proof"}
    # canonical_document: shared by all rdfc proofs
    for proof, where, (suite, signature) in zip(proofs, wheres, checked, strict=True):
        if checked_suites is not None and suite not in checked_suites:
            continue
        key = _public_key(key_for, proof["verificationMethod"], where)
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        if suite == SUITE_JCS:
            hash_data = _jcs_verify_hash_data(unsecured, options, where)
        else:
            if canonical_document is None:
                canonical_document = _canonical_for_verify(unsecured, extra_contexts, where)
            hash_data = rdfc_hash_data(
                unsecured,
                options,
                extra_contexts=extra_contexts,
                canonical_document=canonical_document,
            )
        try:
            VerifyKey(key).verify(hash_data, signature)
        except BadSignatureError as exc:
            raise CredpagesError(
                f"the {suite} signature does not match: the credential was changed after "
                "signing, or signed by another key",
                field=f"{where}.proofValue",
            ) from exc


def _jcs_verify_hash_data(unsecured: dict[str, Any], options: dict[str, Any], where: str) -> bytes:
    """The spec's jcs verify steps: @context prefix check, then context replacement."""
    if "@context" in options:
        proof_ctx = _as_list(options["@context"])
        doc_ctx = _as_list(unsecured.get("@context", []))
        if doc_ctx[: len(proof_ctx)] != proof_ctx:
            raise CredpagesError(
                f"the {SUITE_JCS} proof's @context is not the start of the credential's "
                "@context: the contexts were changed after signing",
                field=f"{where}.@context",
            )
        unsecured = {**unsecured, "@context": options["@context"]}
    return jcs_hash_data(unsecured, options)


def _canonical_for_verify(
    unsecured: dict[str, Any], extra_contexts: Mapping[str, Path] | None, where: str
) -> str:
    try:
        return canonicalize_rdfc(unsecured, extra_contexts)
    except CredpagesError as exc:
        raise CredpagesError(
            f"cannot check the {SUITE_RDFC} proof ({where}): {exc.message}", field=exc.field
        ) from exc
