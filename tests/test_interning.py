"""Parts shared between verified credentials in memory: only where their JSON is identical."""

from __future__ import annotations

import copy
import json
from typing import Any

from credpages.site.interning import Interner
from factories import ob_credential

SITE = "https://example.test/"
ACHIEVEMENT = {
    "id": f"{SITE}achievements/python-basics/",
    "type": ["Achievement"],
    "name": "Python Basics",
    "criteria": {"narrative": "Wrote a program."},
}


def test_identical_parts_are_one_object_and_the_documents_are_unchanged() -> None:
    first = ob_credential(SITE, "one-aaaaaaaaaa", ACHIEVEMENT)
    second = ob_credential(SITE, "two-bbbbbbbbbb", ACHIEVEMENT)
    before = [json.dumps(first), json.dumps(second)]
    shared = Interner()
    a, b = shared.document(first), shared.document(second)
    assert [json.dumps(a), json.dumps(b)] == before
    assert a["credentialSubject"]["achievement"] is b["credentialSubject"]["achievement"]
    assert a["@context"] is b["@context"] and a["issuer"] is b["issuer"]
    assert a["credentialSubject"] is not b["credentialSubject"]


def test_parts_equal_in_python_but_not_in_json_stay_apart() -> None:
    """``True == 1 == 1.0`` in Python: sharing by equality would publish the wrong value."""
    base = ob_credential(SITE, "one-aaaaaaaaaa", ACHIEVEMENT)
    variants: list[dict[str, Any]] = []
    for value in (1, True, 1.0):
        doc = copy.deepcopy(base)
        doc["credentialSubject"]["achievement"]["x"] = value
        variants.append(doc)
    shared = Interner()
    kept = [shared.document(d)["credentialSubject"]["achievement"]["x"] for d in variants]
    assert [type(v) for v in kept] == [int, bool, float]
