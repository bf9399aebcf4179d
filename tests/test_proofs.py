"""eddsa-rdfc-2022 / eddsa-jcs-2022 proof sets: official W3C vectors byte for byte, then our rules.

The vectors live in tests/vectors/ (verbatim copies, see each SOURCE.md); the two test-only
contexts they need (examples/v2, citizenship/v4rc1) are in tests/vectors/contexts/ and reach the
loader only through ``extra_contexts``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

import factories
from credpages.credential.jsonld import bundled_context_urls, canonicalize_rdfc, document_loader
from credpages.credential.multikey import decode_public_key, decode_secret_key, multibase_encode
from credpages.credential.proofs import (
    check_datetime_stamp,
    jcs_bytes,
    jcs_hash_data,
    rdfc_hash_data,
    sign_proof_set,
    verify_proof_set,
)
from credpages.errors import CredpagesError
from factories import OB_CONTEXTS

VECTORS = Path(__file__).parent / "vectors"
JCS = VECTORS / "eddsa-jcs-2022"
RDFC = VECTORS / "eddsa-rdfc-2022"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
CITIZENSHIP = "https://w3id.org/citizenship/v4rc1"
TEST_CONTEXTS = {
    EXAMPLES_V2: VECTORS / "contexts" / "credentials-examples-v2.jsonld",
    CITIZENSHIP: VECTORS / "contexts" / "citizenship-v4rc1.jsonld",
}
VECTOR_VM = (
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
)
VECTOR_CREATED = "2023-02-24T23:36:38Z"


def text(path: Path) -> str:
    return path.read_text("utf-8")


def load(path: Path) -> Any:
    return json.loads(text(path))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


KEYPAIR = load(VECTORS / "eddsa-jcs-2022" / "keyPair.json")
VECTOR_SEED = decode_secret_key(KEYPAIR["privateKeyMultibase"])
VECTOR_PUB = decode_public_key(KEYPAIR["publicKeyMultibase"])


def vector_key(vm: str) -> bytes:
    if vm != VECTOR_VM:
        raise CredpagesError(f"unknown key {vm!r}")
    return VECTOR_PUB


# ------------------------------------------------------------------ official vectors


def test_vector_keys_decode_to_the_documented_bytes() -> None:
    assert VECTOR_PUB.hex() == "b00d8d938e7f773d51565aad36a623f5344f7f5d1960f9cf3e8e12620ea2810f"
    assert VECTOR_SEED.hex() == "c96ef9ea10c5e414c471723aff9de72c35fa5b70fae97e8832ecac7d2e2b8ed6"
    assert bytes(SigningKey(VECTOR_SEED).verify_key) == VECTOR_PUB
    # both folders ship the same key pair and the same unsigned credential
    assert load(RDFC / "keyPair.json") == KEYPAIR
    assert load(RDFC / "unsigned.json") == load(JCS / "unsigned.json")


def test_jcs_vector_byte_for_byte() -> None:
    unsigned = load(JCS / "unsigned.json")
    config = load(JCS / "proofConfigJCS.json")

    canon_doc = jcs_bytes(unsigned)
    canon_config = jcs_bytes(config)
    assert canon_doc == (JCS / "canonDocJCS.txt").read_bytes()
    assert canon_config == (JCS / "proofCanonJCS.txt").read_bytes()
    assert sha256_hex(canon_doc) == text(JCS / "docHashJCS.txt")
    assert sha256_hex(canon_config) == text(JCS / "proofHashJCS.txt")

    hash_data = jcs_hash_data(unsigned, config)
    assert len(hash_data) == 64
    assert hash_data.hex() == text(JCS / "combinedHashJCS.txt")
    assert hash_data[:32].hex() == text(JCS / "proofHashJCS.txt")  # proof hash first

    signature = SigningKey(VECTOR_SEED).sign(hash_data).signature
    assert signature.hex() == text(JCS / "sigHexJCS.txt")
    assert multibase_encode(signature) == text(JCS / "sigBTC58JCS.txt")
    assert load(JCS / "signedJCS.json")["proof"]["proofValue"] == text(JCS / "sigBTC58JCS.txt")


@pytest.mark.parametrize("folder", [RDFC, RDFC / "employ"], ids=["alumni", "employ"])
def test_rdfc_vector_byte_for_byte(folder: Path) -> None:
    # The employ set's issuer is a P-256 did:key, but its proof is made by the same Ed25519 vector
    # key (see proofConfigDataInt.json), so every step down to the signature is reproducible.
    unsigned = load(folder / "unsigned.json")
    config = load(folder / "proofConfigDataInt.json")
    assert config["@context"] == unsigned["@context"]

    canon_doc = canonicalize_rdfc(unsigned, TEST_CONTEXTS)
    canon_config = canonicalize_rdfc(config, TEST_CONTEXTS)
    assert canon_doc == text(folder / "canonDocDataInt.txt")
    assert canon_config == text(folder / "proofCanonDataInt.txt")
    assert sha256_hex(canon_doc.encode()) == text(folder / "docHashDataInt.txt")
    assert sha256_hex(canon_config.encode()) == text(folder / "proofHashDataInt.txt")

    # the spec sets the proof configuration's @context from the document, so it may be absent
    bare = {k: v for k, v in config.items() if k != "@context"}
    hash_data = rdfc_hash_data(unsigned, bare, extra_contexts=TEST_CONTEXTS)
    assert hash_data == rdfc_hash_data(unsigned, config, extra_contexts=TEST_CONTEXTS)
    assert hash_data.hex() == text(folder / "combinedHashDataInt.txt")

    signature = SigningKey(VECTOR_SEED).sign(hash_data).signature
    assert signature.hex() == text(folder / "sigHexDataInt.txt")
    assert multibase_encode(signature) == text(folder / "sigBTC58DataInt.txt")
    signed = load(folder / "signedDataInt.json")
    assert signed["proof"]["proofValue"] == text(folder / "sigBTC58DataInt.txt")
    assert "@context" not in signed["proof"]  # the rdfc proof itself carries no @context


@pytest.mark.parametrize("folder", [RDFC, RDFC / "employ"], ids=["alumni", "employ"])
def test_sign_proof_set_reproduces_the_official_proofs(folder: Path) -> None:
    unsigned = load(folder / "unsigned.json")
    signed = sign_proof_set(
        unsigned, VECTOR_SEED, VECTOR_VM, VECTOR_CREATED, extra_contexts=TEST_CONTEXTS
    )
    rdfc, jcs = signed["proof"]
    assert rdfc == load(folder / "signedDataInt.json")["proof"]
    if folder == RDFC:  # the jcs vector signs the same alumni credential
        assert jcs == load(JCS / "signedJCS.json")["proof"]
    assert {k: v for k, v in signed.items() if k != "proof"} == unsigned


@pytest.mark.parametrize(
    ("path", "suite"),
    [
        (JCS / "signedJCS.json", "eddsa-jcs-2022"),
        (RDFC / "signedDataInt.json", "eddsa-rdfc-2022"),
        (RDFC / "employ" / "signedDataInt.json", "eddsa-rdfc-2022"),
    ],
)
def test_official_signed_documents_verify(path: Path, suite: str) -> None:
    signed = load(path)
    verify_proof_set(signed, vector_key, required_suites=(suite,), extra_contexts=TEST_CONTEXTS)
    # and any change to the document breaks them
    signed["validFrom"] = "2023-01-01T00:00:01Z"
    with pytest.raises(CredpagesError, match=f"the {suite} signature does not match"):
        verify_proof_set(signed, vector_key, required_suites=(suite,), extra_contexts=TEST_CONTEXTS)


def test_vector_pre_december_2024_jcs_proof_without_context_still_verifies() -> None:
    # The spec skips the @context step when the proof has none; re-sign that shape and verify.
    unsigned = load(JCS / "unsigned.json")
    config = {k: v for k, v in load(JCS / "proofConfigJCS.json").items() if k != "@context"}
    sig = SigningKey(VECTOR_SEED).sign(jcs_hash_data(unsigned, config)).signature
    signed = {**unsigned, "proof": {**config, "proofValue": multibase_encode(sig)}}
    verify_proof_set(signed, vector_key, required_suites=("eddsa-jcs-2022",))


# ------------------------------------------------------------------ RDFC-1.0 literal escaping

_NQ_UNESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\([tbnrf\"'\\])")
_NQ_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_NQ_QUAD = re.compile(
    r'^<([^>]*)> <([^>]*)> (?:<([^>]*)>|"((?:[^"\\]|\\.)*)"(?:\^\^<([^>]*)>)?)(?: <([^>]*)>)? \.$'
)


def nq_unescape(value: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m[1] or m[2]
        return chr(int(code, 16)) if code else _NQ_ECHAR[m[3]]

    return _NQ_UNESCAPE.sub(one, value)


def nquads_as_jsonld(lines: list[str]) -> dict[str, Any]:
    """The N-Quads lines (IRIs and simple/typed literals only) as expanded JSON-LD."""
    graphs: dict[str | None, dict[str, dict[str, list[Any]]]] = {}
    for line in lines:
        m = _NQ_QUAD.match(line)
        assert m, line
        s, p, o_iri, o_lit, datatype, g = (
            nq_unescape(x) if x is not None else None for x in m.groups()
        )
        assert s is not None and p is not None
        if o_iri is not None:
            value: dict[str, str] = {"@id": o_iri}
        else:
            assert o_lit is not None
            value = {"@value": o_lit} | ({"@type": datatype} if datatype else {})
        graphs.setdefault(g, {}).setdefault(s, {}).setdefault(p, []).append(value)

    def nodes(graph: dict[str, dict[str, list[Any]]]) -> list[dict[str, Any]]:
        return [{"@id": s, **props} for s, props in graph.items()]

    top = nodes(graphs.pop(None, {}))
    top += [{"@id": g, "@graph": nodes(graph)} for g, graph in graphs.items() if g is not None]
    return {"@graph": top}


def test_rdfc_10_test060_nquads_escaping() -> None:
    """Official RDFC-1.0 test060, reproduced byte for byte through the JSON-LD path.

    Quad 020 is left out: its object IRI is <urn:ex:U+00A0>, and an IRI holding white space is
    refused by safe mode (PyLD would silently drop that triple as a "relative IRI").
    """
    # bytes, split on LF only: literals hold raw U+0085 and U+2028, which splitlines() splits on
    inputs = (VECTORS / "rdf-canon" / "test060-in.nq").read_bytes().decode().split("\n")[:-1]
    expected = (VECTORS / "rdf-canon" / "test060-rdfc10.nq").read_bytes().decode()
    assert len(inputs) == len(expected.split("\n")[:-1]) == 43
    keep = [line for line in inputs if "<urn:ex:020>" not in line]
    assert len(keep) == 42
    wanted = "".join(
        line + "\n" for line in expected.split("\n")[:-1] if "<urn:ex:020>" not in line
    )
    assert canonicalize_rdfc(nquads_as_jsonld(keep)) == wanted
    with pytest.raises(CredpagesError, match=r"contains a space"):
        canonicalize_rdfc(nquads_as_jsonld([line for line in inputs if "<urn:ex:020>" in line]))


def test_control_characters_in_a_credential_are_escaped_as_rdfc_10_says() -> None:
    nquads = canonicalize_rdfc(ob_credential('A\bB\fC\x00D\x1fE\x7fF\tG\nH"I\\J'))
    assert '"A\\bB\\fC\\u0000D\\u001FE\\u007FF\\tG\\nH\\"I\\\\J"' in nquads


# ------------------------------------------------------------------ the offline loader


def test_loader_serves_bundled_contexts_as_static_documents() -> None:
    loader = document_loader()
    for url in bundled_context_urls():
        remote = loader(url, {})
        assert remote["documentUrl"] == url
        assert remote["contextUrl"] is None
        assert remote["tag"] == "static"
        assert "@context" in remote["document"]
    # callers get a copy: PyLD mutates what it is given
    first = loader("https://www.w3.org/ns/credentials/v2", {})
    first["document"]["@context"].clear()
    assert loader("https://www.w3.org/ns/credentials/v2", {})["document"]["@context"]


def _fresh_pyld_nquads(doc: dict[str, Any], extra: Any = None) -> str:
    """Plain PyLD with a cache of its own: nothing processed earlier can be reused."""
    from pyld import jsonld
    from pyld.context_resolver import ContextResolver

    loader = document_loader(extra)
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "base": None,
        "documentLoader": loader,
        "contextResolver": ContextResolver({}, loader),
    }
    nquads: str = jsonld.normalize(copy.deepcopy(doc), options)
    return nquads


def test_reused_processed_contexts_give_the_nquads_of_a_fresh_processor() -> None:
    # canonicalize_rdfc keeps processed contexts across documents: the output must not depend on
    # what was canonicalised before, in either order, nor differ from PyLD starting afresh.
    docs = [ob_credential(), load(RDFC / "unsigned.json"), load(RDFC / "employ" / "unsigned.json")]
    docs += _demo_documents()
    bare = ob_credential("Zoë")
    del bare["credentialSubject"]["result"], bare["evidence"], bare["validUntil"]
    subject = {**bare["credentialSubject"], "type": "AchievementSubject"}
    docs += [bare, {**bare, "credentialSubject": subject}]
    docs += [{**PROOF_CONFIG, "@context": d["@context"]} for d in docs[:2]]
    expected = [_fresh_pyld_nquads(doc, TEST_CONTEXTS) for doc in docs]
    for order in (range(len(docs)), reversed(range(len(docs)))):
        for i in order:
            assert canonicalize_rdfc(docs[i], TEST_CONTEXTS) == expected[i], i
    assert canonicalize_rdfc(load(RDFC / "unsigned.json"), TEST_CONTEXTS) == text(
        RDFC / "canonDocDataInt.txt"
    )


def test_a_context_reused_as_type_scoped_and_property_scoped_keeps_each_meaning() -> None:
    # The same scoped context does not propagate to nested nodes when a type brings it, and does
    # when a property brings it: a processed context is reused only under the same flags.
    scoped = {"q": "https://other.example/q"}
    context = {
        "@vocab": "https://ex.example/",
        "T": {"@id": "https://ex.example/T", "@context": scoped},
        "p": {"@id": "https://ex.example/p", "@context": scoped},
    }
    by_type = {"@context": context, "@type": "T", "child": {"q": "b"}}
    by_property = {"@context": context, "p": {"child": {"q": "d"}}}
    for first, second in ((by_type, by_property), (by_property, by_type)):
        for doc in (first, second):
            assert canonicalize_rdfc(doc) == _fresh_pyld_nquads(doc)
    assert '<https://ex.example/q> "b"' in canonicalize_rdfc(by_type)
    assert '<https://other.example/q> "d"' in canonicalize_rdfc(by_property)


def _demo_documents() -> list[dict[str, Any]]:
    """The demo site's signed credentials, proofs included (varied shapes, one pathway)."""
    from credpages.credential.yamlio import load_yaml

    demo = Path(__file__).parent.parent / "credentials"
    return [load_yaml(path).data for path in sorted(demo.glob("*.yaml"))]


PROOF_CONFIG = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": VECTOR_CREATED,
    "verificationMethod": VECTOR_VM,
    "proofPurpose": "assertionMethod",
}


def test_loader_refuses_unbundled_urls_even_after_tests_added_them() -> None:
    assert EXAMPLES_V2 not in bundled_context_urls()
    assert document_loader(TEST_CONTEXTS)(EXAMPLES_V2, {})["document"]
    canonicalize_rdfc(load(JCS / "unsigned.json"), TEST_CONTEXTS)  # warms any cache
    with pytest.raises(CredpagesError, match=r"examples/v2.*not bundled"):
        document_loader()(EXAMPLES_V2, {})
    with pytest.raises(CredpagesError, match=r"examples/v2.*not bundled"):
        canonicalize_rdfc(load(JCS / "unsigned.json"))
    with pytest.raises(CredpagesError, match="not bundled"):
        document_loader()("https://evil.example/context.jsonld", {})
    signed = load(RDFC / "signedDataInt.json")
    with pytest.raises(CredpagesError, match=r"examples/v2.*not bundled"):
        verify_proof_set(signed, vector_key, required_suites=("eddsa-rdfc-2022",))


# ------------------------------------------------------------------ an Open Badges 3.0 credential

SITE = "https://example.github.io/awards/"
DID = "did:web:example.github.io:awards"
VM = f"{DID}#key-1"
SEED = bytes(range(32))
PUB = bytes(SigningKey(SEED).verify_key)
CREATED = "2026-11-28T09:30:00Z"


def ob_credential(name: str = "Ada Lovelace") -> dict[str, Any]:
    """A realistic OpenBadgeCredential (``factories.ob_credential``) with results and evidence."""
    email_hash = "sha256$" + hashlib.sha256(b"ada@example.org" + b"Kosher").hexdigest()
    return factories.ob_credential(
        SITE,
        "python-basics-k3x9q2m7ab",
        {
            "id": f"{SITE}achievements/python-basics/",
            "type": ["Achievement"],
            "name": "Python Basics",
            "description": "Writes, tests and packages small Python programs.",
            "criteria": {"narrative": "Passed the **final project** with a score ≥ 80 %."},
            "image": {"id": f"{SITE}achievements/python-basics/badge.png", "type": "Image"},
            "achievementType": "Course",
            "tag": ["python", "testing", "packaging"],
            "alignment": [
                {
                    "type": ["Alignment"],
                    "targetName": "Programming in Python",
                    "targetUrl": "https://example.org/frameworks/python",
                    "targetFramework": "Example Skills",
                    "targetType": "ceasn:Competency",
                }
            ],
            "creditsAvailable": 2.5,
        },
        did=DID,
        name=name,
        email=(email_hash, "Kosher"),
        subject={"result": [{"type": ["Result"], "value": "92 %", "status": "Completed"}]},
        status_index=94567,
        evidence=[
            {
                "id": "https://github.com/ada/final-project",
                "type": ["Evidence"],
                "name": "Final project",
                "narrative": "A packaged CLI with 100 % test coverage.",
            }
        ],
    )


def our_key(vm: str) -> bytes:
    if vm != VM:
        raise CredpagesError(f"no key {vm!r} in the keyring", field="keyring")
    return PUB


@pytest.fixture(scope="module")
def signed_ob() -> dict[str, Any]:
    return sign_proof_set(ob_credential(), SEED, VM, CREATED)


def test_sign_proof_set_shape(signed_ob: dict[str, Any]) -> None:
    rdfc, jcs = signed_ob["proof"]
    common = {
        "type": "DataIntegrityProof",
        "created": CREATED,
        "verificationMethod": VM,
        "proofPurpose": "assertionMethod",
    }
    assert {k: rdfc[k] for k in common} == common
    assert {k: jcs[k] for k in common} == common
    assert rdfc["cryptosuite"] == "eddsa-rdfc-2022"
    assert jcs["cryptosuite"] == "eddsa-jcs-2022"
    assert "@context" not in rdfc
    assert jcs["@context"] == OB_CONTEXTS
    assert jcs["@context"] is not signed_ob["@context"]
    for proof in (rdfc, jcs):
        assert proof["proofValue"].startswith("z")
    assert {k: v for k, v in signed_ob.items() if k != "proof"} == ob_credential()
    verify_proof_set(signed_ob, our_key)


def test_sign_returns_a_new_dict_and_replaces_an_old_proof(signed_ob: dict[str, Any]) -> None:
    doc = ob_credential()
    doc["proof"] = [{"type": "stale"}]
    before = copy.deepcopy(doc)
    resigned = sign_proof_set(doc, SEED, VM, CREATED)
    assert doc == before
    assert resigned == signed_ob  # Ed25519 is deterministic
    resigned["credentialSubject"]["name"] = "changed"
    assert doc["credentialSubject"]["name"] == "Ada Lovelace"


def test_jcs_proof_hashes_match_the_spec_steps(signed_ob: dict[str, Any]) -> None:
    unsecured = {k: v for k, v in signed_ob.items() if k != "proof"}
    jcs = signed_ob["proof"][1]
    config = {k: v for k, v in jcs.items() if k != "proofValue"}
    expected = (
        hashlib.sha256(jcs_bytes(config)).digest() + hashlib.sha256(jcs_bytes(unsecured)).digest()
    )
    assert jcs_hash_data(unsecured, config) == expected
    SigningKey(SEED).verify_key.verify(expected, decode_z(jcs["proofValue"]))


def decode_z(value: str) -> bytes:
    from credpages.credential.multikey import multibase_decode

    return multibase_decode(value)


def single(signed: dict[str, Any], index: int) -> dict[str, Any]:
    return {**signed, "proof": [signed["proof"][index]]}


@pytest.mark.parametrize(("index", "suite"), [(0, "eddsa-rdfc-2022"), (1, "eddsa-jcs-2022")])
def test_tampered_name_fails_each_proof(signed_ob: dict[str, Any], index: int, suite: str) -> None:
    tampered = copy.deepcopy(signed_ob)
    tampered["credentialSubject"]["name"] = "Ada Lovelacf"
    with pytest.raises(CredpagesError) as err:
        verify_proof_set(single(tampered, index), our_key, required_suites=(suite,))
    assert err.value.field == "proof[0].proofValue"
    assert str(err.value).endswith(
        f"the {suite} signature does not match: the credential was changed after signing, "
        "or signed by another key"
    )
    with pytest.raises(CredpagesError, match="eddsa-rdfc-2022 signature does not match"):
        verify_proof_set(tampered, our_key)  # the first failing proof is reported


def test_wrong_key_fails(signed_ob: dict[str, Any]) -> None:
    other = bytes(SigningKey(bytes(32)).verify_key)
    with pytest.raises(CredpagesError, match="signature does not match"):
        verify_proof_set(signed_ob, lambda vm: other)
    with pytest.raises(CredpagesError, match="eddsa-jcs-2022 signature does not match"):
        verify_proof_set(single(signed_ob, 1), lambda vm: other, required_suites=())


def test_good_rdfc_beside_broken_jcs_fails(signed_ob: dict[str, Any]) -> None:
    other = sign_proof_set(ob_credential("Grace Hopper"), SEED, VM, CREATED)
    mixed = copy.deepcopy(signed_ob)
    mixed["proof"][1] = other["proof"][1]  # valid jcs proof of another credential
    verify_proof_set(single(mixed, 0), our_key, required_suites=("eddsa-rdfc-2022",))
    with pytest.raises(CredpagesError) as err:
        verify_proof_set(mixed, our_key)
    assert err.value.field == "proof[1].proofValue"
    assert "eddsa-jcs-2022 signature does not match" in err.value.message


def test_proof_as_object_is_accepted(signed_ob: dict[str, Any]) -> None:
    for index, suite in [(0, "eddsa-rdfc-2022"), (1, "eddsa-jcs-2022")]:
        doc = {**signed_ob, "proof": signed_ob["proof"][index]}
        verify_proof_set(doc, our_key, required_suites=(suite,))
    broken = {**signed_ob, "proof": {**signed_ob["proof"][1], "proofPurpose": "authentication"}}
    with pytest.raises(CredpagesError) as err:
        verify_proof_set(broken, our_key, required_suites=())
    assert err.value.field == "proof.proofPurpose"


@pytest.mark.parametrize(("index", "missing"), [(0, "eddsa-jcs-2022"), (1, "eddsa-rdfc-2022")])
def test_missing_suite_is_refused(signed_ob: dict[str, Any], index: int, missing: str) -> None:
    with pytest.raises(CredpagesError, match=f"no {missing} proof") as err:
        verify_proof_set(single(signed_ob, index), our_key)
    assert err.value.field == "proof"


def test_unsigned_or_empty_proof_set_is_refused(signed_ob: dict[str, Any]) -> None:
    with pytest.raises(CredpagesError, match="not signed"):
        verify_proof_set(ob_credential(), our_key, required_suites=())
    with pytest.raises(CredpagesError, match="empty proof set"):
        verify_proof_set({**signed_ob, "proof": []}, our_key, required_suites=())


def _with(signed: dict[str, Any], index: int, **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(signed)
    for key, value in changes.items():
        if value is ...:
            del doc["proof"][index][key]
        else:
            doc["proof"][index][key] = value
    return doc


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"type": "Ed25519Signature2020"}, "proof[1].type", "unknown proof type"),
        ({"cryptosuite": "eddsa-2022"}, "proof[1].cryptosuite", "unknown cryptosuite 'eddsa-2022'"),
        ({"cryptosuite": ...}, "proof[1].cryptosuite", "unknown cryptosuite None"),
        ({"proofPurpose": "authentication"}, "proof[1].proofPurpose", "assertionMethod"),
        ({"created": "2026-11-28T09:30:00"}, "proof[1].created", "dateTimeStamp"),
        ({"created": "2026-02-30T09:30:00Z"}, "proof[1].created", "not a calendar date"),
        ({"expires": "2020-01-01T00:00:00Z"}, "proof[1].expires", "expired"),
        ({"previousProof": "urn:uuid:1"}, "proof[1].previousProof", "not supported"),
        ({"verificationMethod": ...}, "proof[1].verificationMethod", "no verificationMethod"),
        ({"proofValue": ...}, "proof[1].proofValue", "no proofValue"),
        ({"proofValue": "u" + "A" * 86}, "proof[1].proofValue", "base58btc"),
        ({"proofValue": "z0OIl"}, "proof[1].proofValue", "invalid base58"),
        (
            {"proofValue": "z" + "2" * 50},
            "proof[1].proofValue",
            "bytes; an Ed25519 signature is 64",
        ),
    ],
)
def test_malformed_proofs_are_refused_with_a_field(
    signed_ob: dict[str, Any], changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(CredpagesError, match=message) as err:
        verify_proof_set(_with(signed_ob, 1, **changes), our_key)
    assert err.value.field == field


def test_unknown_key_error_is_passed_on(signed_ob: dict[str, Any]) -> None:
    doc = _with(signed_ob, 0, verificationMethod=f"{DID}#key-9")
    with pytest.raises(CredpagesError, match=r"no key .*key-9.* in the keyring") as err:
        verify_proof_set(doc, our_key)
    assert err.value.field == "keyring"

    def fieldless(vm: str) -> bytes:
        raise CredpagesError("unknown key")

    with pytest.raises(CredpagesError, match="unknown key") as err:
        verify_proof_set(signed_ob, fieldless)
    assert err.value.field == "proof[0].verificationMethod"
    with pytest.raises(CredpagesError, match="not a 32-byte"):
        verify_proof_set(signed_ob, lambda vm: b"short")


def test_jcs_context_prefix_check_and_replacement(signed_ob: dict[str, Any]) -> None:
    jcs_only = single(signed_ob, 1)
    # appending a context after signing is allowed by the spec: the proof's @context replaces it
    appended = {**jcs_only, "@context": [*OB_CONTEXTS, "https://w3id.org/security/multikey/v1"]}
    verify_proof_set(appended, our_key, required_suites=("eddsa-jcs-2022",))
    # changing or reordering the signed contexts is not
    for contexts in (list(reversed(OB_CONTEXTS)), OB_CONTEXTS[:2]):
        changed = {**jcs_only, "@context": contexts}
        with pytest.raises(CredpagesError, match="@context is not the start") as err:
            verify_proof_set(changed, our_key, required_suites=("eddsa-jcs-2022",))
        assert err.value.field == "proof[0].@context"
    # and the proof's own @context is signed
    forged = copy.deepcopy(appended)
    forged["proof"][0]["@context"] = appended["@context"]
    with pytest.raises(CredpagesError, match="eddsa-jcs-2022 signature does not match"):
        verify_proof_set(forged, our_key, required_suites=("eddsa-jcs-2022",))


def test_rdfc_proof_context_is_taken_from_the_document(signed_ob: dict[str, Any]) -> None:
    # A third party may put @context into an rdfc proof; the spec overwrites it with the document's.
    doc = copy.deepcopy(signed_ob)
    doc["proof"][0]["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    verify_proof_set(single(doc, 0), our_key, required_suites=("eddsa-rdfc-2022",))


# ------------------------------------------------------------------ signing inputs


@pytest.mark.parametrize(
    "created",
    ["2026-11-28T09:30:00", "2026-11-28", "2026-11-28 09:30:00Z", "2026-13-01T00:00:00Z", 17],
)
def test_bad_created_is_refused_when_signing(created: Any) -> None:
    with pytest.raises(CredpagesError, match="dateTimeStamp") as err:
        sign_proof_set(ob_credential(), SEED, VM, created)
    assert err.value.field == "created"


@pytest.mark.parametrize(
    "created",
    [
        "2026-11-28T09:30:00Z",
        "2026-11-28T09:30:00.123Z",
        "2026-11-28T09:30:00+01:00",
        "2026-11-28T09:30:00-14:00",
        "2024-02-29T00:00:00Z",
    ],
)
def test_good_created_values(created: str) -> None:
    assert check_datetime_stamp(created) == created


def test_bad_signing_inputs() -> None:
    with pytest.raises(CredpagesError, match="32 bytes"):
        sign_proof_set(ob_credential(), b"x" * 31, VM, CREATED)
    with pytest.raises(CredpagesError, match="verification method"):
        sign_proof_set(ob_credential(), SEED, "", CREATED)
    no_context = {k: v for k, v in ob_credential().items() if k != "@context"}
    with pytest.raises(CredpagesError, match="no @context"):
        sign_proof_set(no_context, SEED, VM, CREATED)
    with pytest.raises(CredpagesError, match="without its proof"):
        jcs_hash_data({"proof": {}}, load(JCS / "proofConfigJCS.json"))
    with pytest.raises(CredpagesError, match="cryptosuite 'eddsa-jcs-2022'"):
        jcs_hash_data(load(JCS / "unsigned.json"), load(RDFC / "proofConfigDataInt.json"))


def test_jcs_bytes_follows_rfc8785() -> None:
    assert jcs_bytes({"b": 1e21, "a": -0.0, "€": "\u2028", "\U0001f600": [1.5]}) == (
        '{"a":0,"b":1e+21,"€":"\u2028","\U0001f600":[1.5]}'.encode()
    )
    with pytest.raises(CredpagesError, match="RFC 8785"):
        jcs_bytes({"name": "\ud800"})  # lone surrogate
    with pytest.raises(CredpagesError, match="RFC 8785"):
        jcs_bytes({"n": float("nan")})
    with pytest.raises(CredpagesError, match="RFC 8785"):
        jcs_bytes({"n": 2**60})


# ------------------------------------------------------------------ safe mode


def test_undefined_extension_type_is_refused_without_extensions_context() -> None:
    doc = ob_credential()
    doc["@context"] = OB_CONTEXTS[:2]
    with pytest.raises(CredpagesError, match="'1EdTechJsonSchemaValidator2019'") as err:
        canonicalize_rdfc(doc)
    assert err.value.field == "credentialSchema[0].type"
    assert "extensions.json" in err.value.message
    with pytest.raises(CredpagesError, match="1EdTechJsonSchemaValidator2019"):
        sign_proof_set(doc, SEED, VM, CREATED)
    # with the extensions context it is accepted and becomes an absolute IRI
    nquads = canonicalize_rdfc(ob_credential())
    assert (
        "<https://purl.imsglobal.org/spec/vccs/v1p0/context.json#1EdTechJsonSchemaValidator2019>"
        in nquads
    )
    assert "example.org/base" not in nquads


def test_unknown_top_level_property_is_refused() -> None:
    doc = ob_credential()
    doc["favouriteColour"] = "teal"
    with pytest.raises(CredpagesError, match="'favouriteColour' is not defined") as err:
        canonicalize_rdfc(doc)
    assert err.value.field == "favouriteColour"
    with pytest.raises(CredpagesError, match="favouriteColour"):
        sign_proof_set(doc, SEED, VM, CREATED)


def test_unknown_nested_property_and_keyword_are_refused() -> None:
    doc = ob_credential()
    doc["credentialSubject"]["achievement"]["critera"] = {"narrative": "typo"}
    with pytest.raises(CredpagesError, match="'critera'") as err:
        canonicalize_rdfc(doc)
    assert err.value.field == "credentialSubject.achievement.critera"
    doc = ob_credential()
    doc["@foo"] = "bar"
    with pytest.raises(CredpagesError, match="drop a property") as err:
        canonicalize_rdfc(doc)
    assert err.value.field == "@foo"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("id",), "c/python-basics/", "id"),
        (("issuer", "id"), "example-academy", "issuer.id"),
        (("evidence", 0, "id"), "final-project.zip", "evidence[0].id"),
        (
            ("credentialSubject", "type"),
            ["AchievementSubject", "Learner"],
            "credentialSubject.type[1]",
        ),
    ],
)
def test_relative_iris_are_refused(path: tuple[Any, ...], value: Any, field: str) -> None:
    doc = ob_credential()
    target: Any = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(CredpagesError, match="relative IRI") as err:
        canonicalize_rdfc(doc)
    assert err.value.field == field


def test_null_values_are_refused() -> None:
    doc = ob_credential()
    doc["validUntil"] = None
    with pytest.raises(CredpagesError, match="null") as err:
        canonicalize_rdfc(doc)
    assert err.value.field == "validUntil"


def test_noncharacters_are_refused() -> None:
    # RDFC-1.0 \u-escapes U+FFFE/U+FFFF, jsonld.js's rdf-canonize does not: no portable signature
    with pytest.raises(CredpagesError, match="U\\+FFFE") as err:
        canonicalize_rdfc(ob_credential("Ada\ufffe"))
    assert err.value.field == "credentialSubject.name, credentialSubject.identifier[0].identityHash"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda d: d["issuer"]["image"].update(id="data:image/svg+xml;utf8,<svg/>"),
            "issuer.image.id",
        ),
        (lambda d: d["evidence"][0].update(id="https://example.org/a b"), "evidence[0].id"),
        (lambda d: d["evidence"][0].update(id="https://example.org/a\u00a0b"), "evidence[0].id"),
        (lambda d: d.update({"https://example.org/x<y": "z"}), "https://example.org/x<y"),
    ],
)
def test_iris_that_nquads_cannot_carry_are_refused(
    change: Callable[[dict[str, Any]], None], field: str
) -> None:
    doc = ob_credential()
    change(doc)
    with pytest.raises(CredpagesError, match=r"percent-encode|not defined") as err:
        canonicalize_rdfc(doc)
    assert err.value.field == field


def test_rdfc_verify_reports_unsafe_documents(signed_ob: dict[str, Any]) -> None:
    doc = copy.deepcopy(signed_ob)
    doc["favouriteColour"] = "teal"
    with pytest.raises(CredpagesError, match="cannot check the eddsa-rdfc-2022 proof") as err:
        verify_proof_set(doc, our_key)
    assert err.value.field == "favouriteColour"


def test_protected_term_redefinition_is_a_credpages_error() -> None:
    doc = ob_credential()
    doc["@context"] = [*OB_CONTEXTS, {"name": "https://evil.example/name"}]
    with pytest.raises(CredpagesError, match=r"JSON-LD processing failed.*protected term"):
        canonicalize_rdfc(doc)


# ------------------------------------------------------------------ property-based

NAMES = st.text(
    alphabet=st.one_of(
        # any scalar value, incl. astral and C0 controls; no lone surrogates (JSON cannot hold
        # them) and no U+FFFE/U+FFFF (refused: see test_noncharacters_are_refused)
        st.characters(codec="utf-8", exclude_characters="\ufffe\uffff"),
        st.sampled_from(
            ["\u0301", "\u0308", "\u200f", "\u202e", "\u05e9", "\u0627", "\U0001f9d1", "\U00010348"]
        ),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=25, deadline=None)
@given(name=NAMES)
def test_unicode_names_sign_and_verify_with_both_suites(name: str) -> None:
    signed = sign_proof_set(ob_credential(name), SEED, VM, CREATED)
    verify_proof_set(signed, our_key)
    assert signed["credentialSubject"]["name"] == name
    # the name is covered by both signatures
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["name"] = name + "x"
    for index in (0, 1):
        with pytest.raises(CredpagesError, match="signature does not match"):
            verify_proof_set(single(tampered, index), our_key, required_suites=())


def test_key_for_is_called_with_each_verification_method(signed_ob: dict[str, Any]) -> None:
    seen: list[str] = []

    def recording(vm: str) -> bytes:
        seen.append(vm)
        return PUB

    key_for: Callable[[str], bytes] = recording
    verify_proof_set(signed_ob, key_for)
    assert seen == [VM, VM]


# -- the fast JCS path must give exactly RFC 8785's bytes, or step aside --------------------------

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(st.characters(exclude_categories=["Cs"]), max_size=6), children, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_json_values)
def test_jcs_bytes_equals_rfc8785_on_random_json(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError):
        with pytest.raises(CredpagesError):
            jcs_bytes(value)
        return
    assert jcs_bytes(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"\U0001f600": 1, "\ue000": 2},
        {"a": 1e21},
        {"a": -0.0},
        {"a": 2**53 + 1},
        {"b": "1.5e3"},
        {"t": True, "f": False, "n": None, "x": "\x00\x1f\x7f\u2028"},
    ],
)
def test_jcs_bytes_edge_cases(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(CredpagesError):
            jcs_bytes(value)
        return
    assert jcs_bytes(value) == expected
