"""The schema check's fast answer (jsonschema-rs) never passes what jsonschema refuses."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credpages.credential.schema_check import (
    OB_SCHEMA,
    _explainer,
    fast_accepts,
    plain_json,
    violations,
)
from credpages.credential.verify import schema_errors
from factories import ob_credential

SITE = "https://example.test/awards/"
ACHIEVEMENT = {
    "id": f"{SITE}achievements/python-basics/",
    "type": ["Achievement"],
    "name": "Python Basics",
    "description": "Writes small Python programs.",
    "criteria": {"narrative": "Passed the exam."},
    "image": {"id": f"{SITE}assets/python.svg", "type": "Image"},
    "tag": ["Python"],
    "alignment": [{"type": ["Alignment"], "targetName": "Python", "targetUrl": "https://x.test/"}],
}


def credential() -> dict[str, Any]:
    return ob_credential(
        SITE, "python-basics-k3x9q2m7ab", ACHIEVEMENT, email=("sha256$" + "a" * 64, "b" * 32)
    )


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


PATHS = paths(credential())
# Values near what the schema's types and patterns draw lines between: Unicode digits, a
# trailing newline, integral floats, booleans, empty containers, big integers.
TRICKY = st.sampled_from(
    [
        "",
        "\n",
        "٣",
        "Image",
        "Image\n",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\n",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.٣.3.json",
        "2026-02-30T25:00:00Z",
        1.0,
        0,
        -1,
        2**64,
        True,
        False,
        None,
        [],
        {},
        ["Achievement"],
        {"type": "Image"},
    ]
)
JSON = st.recursive(
    TRICKY
    | st.text(max_size=12)
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def replace(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), JSON), min_size=1, max_size=3))
def test_the_fast_validator_accepts_only_what_jsonschema_accepts(
    changes: list[tuple[tuple[Any, ...], Any]],
) -> None:
    doc = credential()
    for path, value in changes:
        try:
            replace(doc, path, copy.deepcopy(value))
        except (KeyError, IndexError, TypeError):  # an earlier change removed the path
            continue
    python_errors = list(_explainer(OB_SCHEMA).iter_errors(doc))
    if fast_accepts(OB_SCHEMA, doc):
        assert python_errors == []
    assert len(violations(OB_SCHEMA, doc)) == len(python_errors)


def test_a_valid_credential_is_answered_by_the_fast_validator() -> None:
    doc = credential()
    assert fast_accepts(OB_SCHEMA, doc)
    assert schema_errors(doc) == []


def test_an_invalid_credential_is_explained_by_jsonschema() -> None:
    doc = credential()
    doc["credentialSubject"]["achievement"]["criteria"] = "passed"
    assert not fast_accepts(OB_SCHEMA, doc)
    (error,) = schema_errors(doc)
    assert error.field == "credentialSubject.achievement.criteria"
    assert "does not match the Open Badges 3.0 schema" in error.message


def test_a_tuple_is_not_taken_for_an_array() -> None:
    """jsonschema-rs reads a tuple as an array, jsonschema refuses it: only plain JSON data
    gets the fast answer."""
    doc = credential()
    doc["type"] = ("VerifiableCredential", "OpenBadgeCredential")
    assert not plain_json(doc)
    assert not fast_accepts(OB_SCHEMA, doc)
    assert [e.field for e in schema_errors(doc)] == ["type", "type"]


def test_plain_json_refuses_what_json_cannot_carry() -> None:
    assert plain_json({"a": [1, 2.5, "x", None, True, {"b": []}]})
    for value in ({1: "a"}, {"a": b"x"}, [float("inf")], [float("nan")], {"a": {1, 2}}):
        assert not plain_json(value)
