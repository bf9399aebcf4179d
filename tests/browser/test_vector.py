"""The official eddsa-jcs-2022 test vector (w3c/vc-di-eddsa) through the browser's verifier."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import call

pytestmark = pytest.mark.browser
DATA = Path(__file__).parent / "data"


@pytest.fixture
def vector() -> dict:
    return {
        "doc": json.loads((DATA / "signedJCS.json").read_text(encoding="utf-8")),
        "key": json.loads((DATA / "keyPair.json").read_text(encoding="utf-8"))[
            "publicKeyMultibase"
        ],
        "canonDoc": (DATA / "canonDocJCS.txt").read_text(encoding="utf-8"),
        "canonProof": (DATA / "proofCanonJCS.txt").read_text(encoding="utf-8"),
    }


VERIFY = "return v.verifyJcsProof(arg.doc, arg.doc.proof, v.decodeMultikey(arg.key));"


def test_vector_verifies(module_page, vector):
    assert call(module_page, VERIFY, vector) is True


def test_vector_canonical_forms_match_the_spec(module_page, vector):
    got = call(
        module_page,
        """const {proof, ...doc} = arg.doc; const {proofValue, ...opts} = proof;
           return [v.jcs(doc), v.jcs(opts)];""",
        vector,
    )
    assert got == [vector["canonDoc"], vector["canonProof"]]


@pytest.mark.parametrize(
    "path",
    [("name",), ("credentialSubject", "alumniOf"), ("proof", "created"), ("validFrom",)],
)
def test_one_character_changed_fails(module_page, vector, path):
    doc = vector["doc"]
    target = doc
    for key in path[:-1]:
        target = target[key]
    value = target[path[-1]]
    target[path[-1]] = value[:-1] + chr(ord(value[-1]) ^ 1)
    assert call(module_page, VERIFY, vector) is False


def test_proof_as_array_and_wrong_key(module_page, vector):
    doc = vector["doc"]
    as_array = {**doc, "proof": [doc["proof"]]}
    assert (
        call(
            module_page,
            "return v.verifyJcsProof(arg.d, arg.d.proof[0], v.decodeMultikey(arg.k));",
            {"d": as_array, "k": vector["key"]},
        )
        is True
    )
    other = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"  # did:key spec example key
    assert call(module_page, VERIFY, {**vector, "key": other}) is False


def test_proof_context_must_prefix_the_document_context(module_page, vector):
    doc = vector["doc"]
    # Injecting a context in front breaks the pin; appending one after the pinned list is allowed
    # by the algorithm but changes the signed bytes, so the signature fails either way.
    doc["@context"] = ["https://example.org/evil", *doc["@context"]]
    assert call(module_page, VERIFY, vector) is False


def test_malformed_proof_values_are_false_not_errors(module_page, vector):
    doc = vector["doc"]
    for bad in ["", "z", "u2HnFSS", "z0OIl", "z" + "1" * 90, 42]:
        doc["proof"]["proofValue"] = bad
        assert call(module_page, VERIFY, vector) is False, bad
