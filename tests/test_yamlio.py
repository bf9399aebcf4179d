"""Strict YAML I/O: hostile input is refused with file, line and field; writes round-trip."""

from __future__ import annotations

import enum
import os
import stat
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import rfc8785
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credpages.credential import bounded_read, yaml_dump, yaml_load
from credpages.credential.yamlio import (
    FLOAT_FIELDS,
    MAX_BYTES,
    MAX_DEPTH,
    Loaded,
    dump_yaml,
    load_yaml,
    loads_yaml,
    write_yaml,
)
from credpages.errors import CredpagesError

DEFAULT_PARSER = yaml_load._Loader
PARSERS: list[Any] = [yaml.SafeLoader]
if hasattr(yaml, "CSafeLoader"):
    PARSERS.insert(0, yaml.CSafeLoader)


@pytest.fixture(params=PARSERS, ids=lambda loader: loader.__name__)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run a test against libyaml and against the pure-Python parser: the rules must not differ."""
    monkeypatch.setattr(yaml_load, "_Loader", request.param)
    return request.param


def refused(
    text: str | bytes,
    *,
    line: int,
    field: str | None = None,
    says: str | tuple[str, ...] = (),
    source: str = "credentials/ada.yaml",
    **kwargs: Any,
) -> CredpagesError:
    """Assert ``text`` is refused the way a user sees it: ``file:line: field: what; do this``."""
    with pytest.raises(CredpagesError) as info:
        loads_yaml(text, source=source, **kwargs)
    error = info.value
    assert type(error) is CredpagesError
    assert error.file == source
    assert error.line == line, str(error)
    assert error.field == field, str(error)
    for phrase in (says,) if isinstance(says, str) else says:
        assert phrase in error.message, str(error)
    prefix = f"{source}:{line}: " + (f"{field}: " if field else "")
    assert str(error).startswith(prefix)
    assert ": " in error.message  # what is wrong, then what to do
    return error


def assert_identical(left: Any, right: Any, path: str = "") -> None:
    """Equal including exact types (bool is not int, float is not int) and key order."""
    assert type(left) is type(right), f"{path}: {type(left)} != {type(right)}"
    if isinstance(left, dict):
        assert list(left) == list(right), path
        for key in left:
            assert_identical(left[key], right[key], f"{path}.{key}")
    elif isinstance(left, list):
        assert len(left) == len(right), path
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_identical(a, b, f"{path}[{index}]")
    elif isinstance(left, float):
        assert repr(left) == repr(right), path
    else:
        assert left == right, path


CREDENTIAL = """\
"@context":
  - https://www.w3.org/ns/credentials/v2
  - https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json
id: https://example.github.io/awards/c/python-basics-k3x9q2m7ab/
type: [VerifiableCredential, OpenBadgeCredential]
name: Python Basics
validFrom: "2026-11-28T00:00:00Z"
credentialSubject:
  type: [AchievementSubject]
  name: Ada Lovelace
  identifier:
    - {type: IdentityObject, identityType: name, hashed: false, identityHash: Ada Lovelace}
    - type: IdentityObject
      identityType: emailAddress
      hashed: true
      identityHash: "sha256$abc"
      salt: 'pepper'
  achievement:
    criteria:
      narrative: |
        Wrote a program.
        Passed the test.
  result:
    - creditsEarned: 2.5
credentialStatus:
  statusListIndex: "17"
proof:
  - type: DataIntegrityProof
    proofValue: z3abc
  - type: DataIntegrityProof
    "@context":
      - https://www.w3.org/ns/credentials/v2
    proofValue: >-
      z58
      xyz
"""


# --------------------------------------------------------------------------------------------
# Loading valid files


def test_loads_a_credential_with_json_types(parser: Any) -> None:
    loaded = loads_yaml(CREDENTIAL, source="ada.yaml")
    data = loaded.data
    assert isinstance(loaded, Loaded)
    assert loaded.source == "ada.yaml"
    assert list(data)[:3] == ["@context", "id", "type"]  # file order kept
    assert data["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert data["validFrom"] == "2026-11-28T00:00:00Z"
    ident = data["credentialSubject"]["identifier"]
    assert ident[0]["hashed"] is False
    assert ident[1]["hashed"] is True
    assert ident[1]["salt"] == "pepper"
    assert data["credentialStatus"]["statusListIndex"] == "17"
    assert data["credentialSubject"]["achievement"]["criteria"]["narrative"] == (
        "Wrote a program.\nPassed the test.\n"
    )
    credits = data["credentialSubject"]["result"][0]["creditsEarned"]
    assert credits == 2.5 and type(credits) is float
    assert data["proof"][1]["proofValue"] == "z58 xyz"
    assert data["proof"][1]["@context"] == ["https://www.w3.org/ns/credentials/v2"]


def test_line_numbers_of_nested_fields(parser: Any) -> None:
    loaded = loads_yaml(CREDENTIAL)
    assert loaded.lines["@context"] == 2
    assert loaded.line_of("@context[0]") == 2
    assert loaded.line_of("@context[1]") == 3
    assert loaded.line_of("type[1]") == 5  # flow list on one line
    assert loaded.line_of("validFrom") == 7
    assert loaded.line_of("credentialSubject.name") == 10
    assert loaded.line_of("credentialSubject.identifier[0]") == 12
    assert loaded.line_of("credentialSubject.identifier[0].identityHash") == 12
    assert loaded.line_of("credentialSubject.identifier[1]") == 13
    assert loaded.line_of("credentialSubject.identifier[1].identityHash") == 16
    assert loaded.line_of("credentialSubject.identifier[1].salt") == 17
    assert loaded.line_of("credentialSubject.achievement.criteria.narrative") == 20
    assert loaded.line_of("credentialSubject.result[0].creditsEarned") == 24
    assert loaded.line_of("proof[0].proofValue") == 29
    assert loaded.line_of("proof[1].@context[0]") == 32
    assert loaded.line_of("proof[1].proofValue") == 33


def test_line_of_falls_back_to_nearest_ancestor_then_1(parser: Any) -> None:
    loaded = loads_yaml(CREDENTIAL)
    # A missing field points at the mapping or list that should hold it.
    assert loaded.line_of("credentialSubject.identifier[1].missing") == 13
    assert loaded.line_of("credentialSubject.identifier[7].salt") == loaded.line_of(
        "credentialSubject.identifier"
    )
    assert loaded.line_of("proof[1].@context[5]") == 32
    assert loaded.line_of("credentialSubject.achievement.missing.deeper") == 19
    assert loaded.line_of("nowhere") == 1
    assert loaded.line_of("") == 1


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("true", True),
        ("false", False),
        ("0", 0),
        ("-0", 0),
        ("42", 42),
        ("-17", -17),
        (str(2**53 - 1), 2**53 - 1),
        (str(-(2**53 - 1)), -(2**53 - 1)),
        ("nan", "nan"),
        ("inf", "inf"),
        ("1.2.3", "1.2.3"),
        ("yes please", "yes please"),
        ("on call", "on call"),
        ("no-reply@example.org", "no-reply@example.org"),
        ("Y2K", "Y2K"),
        ("1e", "1e"),
        ("v1.0", "v1.0"),
        ("2026-1-1", "2026-1-1"),
        ("sha256$abc", "sha256$abc"),
        ("did:web:example.github.io:awards#key-1", "did:web:example.github.io:awards#key-1"),
        ("https://example.org/a?b=c", "https://example.org/a?b=c"),
        ("Ada Lovelace", "Ada Lovelace"),
        ("é 😀 中文", "é 😀 中文"),
    ],
)
def test_plain_scalars_resolve_by_restricted_core_schema(
    parser: Any, plain: str, expected: Any
) -> None:
    value = loads_yaml(f"field: {plain}\n").data["field"]
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "on",
        "yes",
        "Off",
        "True",
        "NULL",
        "~",
        "",
        "2026-01-01",
        "1.0",
        "0x1F",
        "1:30",
        "+1",
        "1_000",
        ".inf",
        "@context",
        "#x",
        " x ",
        "99999999999999999999",
    ],
)
@pytest.mark.parametrize("quote", ['"', "'"])
def test_quoted_scalars_are_always_text(parser: Any, text: str, quote: str) -> None:
    value = loads_yaml(f"field: {quote}{text}{quote}\n").data["field"]
    assert value == text and type(value) is str


def test_block_scalars_are_always_text(parser: Any) -> None:
    data = loads_yaml("a: |\n  yes\nb: >-\n  1.5\nc: |-\n  null\n").data
    assert data == {"a": "yes\n", "b": "1.5", "c": "null"}


def test_quoted_keys_are_fine(parser: Any) -> None:
    data = loads_yaml('"1": a\n\'true\': b\n"null": c\n"<<": d\n"@context": [e]\n').data
    assert data == {"1": "a", "true": "b", "null": "c", "<<": "d", "@context": ["e"]}


def test_floats_only_in_float_fields(parser: Any) -> None:
    data = loads_yaml(
        "creditsEarned: 1.5\ncreditsAvailable: 1e3\nresult:\n  - creditsEarned: .5\n"
        "  - creditsEarned: 2\n  - creditsEarned: -0.25e-2\n"
    ).data
    assert data["creditsEarned"] == 1.5 and type(data["creditsEarned"]) is float
    assert data["creditsAvailable"] == 1000.0 and type(data["creditsAvailable"]) is float
    assert data["result"][0]["creditsEarned"] == 0.5
    assert type(data["result"][1]["creditsEarned"]) is int
    assert data["result"][2]["creditsEarned"] == -0.0025
    refused(
        "name: x\nscore: 1.5\n",
        line=2,
        field="score",
        says=("creditsAvailable/creditsEarned", "quote it if it is text"),
    )
    refused("creditsEarned: [1.5]\n", line=1, field="creditsEarned[0]", says="fraction")
    assert loads_yaml("score: 1.5\n", float_fields=frozenset({"score"})).data == {"score": 1.5}
    refused("creditsEarned: 1.5\n", line=1, field="creditsEarned", float_fields=frozenset())


def test_unicode_is_kept_as_written_not_normalised(parser: Any) -> None:
    nfc = unicodedata.normalize("NFC", "é")
    nfd = unicodedata.normalize("NFD", "é")
    assert nfc != nfd
    data = loads_yaml(f"a: {nfc}\nb: {nfd}\n{nfd}: key\n".encode()).data
    assert data["a"] == nfc and data["b"] == nfd
    assert data["a"] != data["b"]
    assert nfd in data and nfc not in data


def test_escaped_control_characters_are_allowed_in_double_quotes(parser: Any) -> None:
    data = loads_yaml('a: "nul\\0 bell\\a tab\\t esc\\e"\nb: "\\U0001F600"\n').data
    assert data == {"a": "nul\x00 bell\x07 tab\t esc\x1b", "b": "😀"}


def test_document_markers_of_a_single_document_are_fine(parser: Any) -> None:
    assert loads_yaml("---\na: 1\n...\n# trailing comment\n").data == {"a": 1}


# --------------------------------------------------------------------------------------------
# Refused scalars


@pytest.mark.parametrize(
    "word",
    ["yes", "no", "on", "off", "y", "n", "Yes", "NO", "True", "FALSE", "ON", "Off", "TRUE", "Y"],
)
def test_yaml11_booleans_refused(parser: Any, word: str) -> None:
    refused(
        f"name: x\nhashed: {word}\n",
        line=2,
        field="hashed",
        says=("boolean", "true or false", "quote it"),
    )


@pytest.mark.parametrize("word", ["null", "Null", "NULL", "~", "nULL"])
def test_null_refused(parser: Any, word: str) -> None:
    refused(
        f"a:\n  b: {word}\n", line=2, field="a.b", says=("null is not allowed", "leave the field")
    )


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [("a:\nb: 1\n", 1, "a"), ("a: [x, {b: }]\n", 1, "a[1].b"), ("l:\n  -\n  - x\n", 2, "l[0]")],
)
def test_empty_value_is_null_and_refused(parser: Any, text: str, line: int, field: str) -> None:
    refused(text, line=line, field=field, says=("an empty value is null", "leave the field out"))


@pytest.mark.parametrize(
    "value",
    ["2026-01-01", "2026-01-01T00:00:00Z", "2026-01-01 10:00:00", "2026-1-1T1:00:00.5+02:00"],
)
def test_dates_and_times_refused(parser: Any, value: str) -> None:
    refused(f"x: 1\nvalidFrom: {value}\n", line=2, field="validFrom", says="quote dates and times")


@pytest.mark.parametrize(
    "value",
    [
        "0o17",
        "0x1F",
        "0b101",
        "012",
        "00",
        "08",
        "1_000",
        "1:30",
        "190:20:30",
        "+1",
        "+1.5",
        "-0x1",
        "1_0.5",
        "0O7",
        "0X",
    ],
)
def test_numbers_in_forms_json_lacks_refused(parser: Any, value: str) -> None:
    refused(
        f"creditsEarned: {value}\n",
        line=1,
        field="creditsEarned",
        says=("plain decimal number", "quote it if it is text"),
    )


@pytest.mark.parametrize("value", [".inf", "-.inf", "+.Inf", ".NaN", ".nan", ".INF"])
def test_infinity_and_nan_refused_even_in_float_fields(parser: Any, value: str) -> None:
    refused(f"creditsEarned: {value}\n", line=1, field="creditsEarned", says="not allowed in JSON")


@pytest.mark.parametrize("value", [str(2**53), str(-(2**53)), "9" * 17, "1" + "0" * 5000])
def test_integers_beyond_json_safe_range_refused(parser: Any, value: str) -> None:
    refused(
        f"statusListIndex: {value}\n",
        line=1,
        field="statusListIndex",
        says=("too large for JSON", "quote it"),
    )


def test_float_overflowing_to_infinity_refused(parser: Any) -> None:
    refused("creditsEarned: 1e999\n", line=1, field="creditsEarned", says="too large")


# --------------------------------------------------------------------------------------------
# Refused structure


def test_anchor_refused(parser: Any) -> None:
    refused(
        "name: x\nissuer: &who {id: a}\n",
        line=2,
        field="issuer",
        says="YAML anchors and aliases are not allowed (found anchor &who): write the value out",
    )


def test_anchor_on_scalar_and_key_refused(parser: Any) -> None:
    refused("a:\n  b: &x text\n", line=2, field="a.b", says="anchor &x")
    refused("a:\n  &k b: text\n", line=2, field="a.b", says="anchor &k")


def test_alias_refused(parser: Any) -> None:
    # Without the anchor check this would be an undefined alias; either way: refused at the alias.
    refused("a: x\nb: [1, *x]\n", line=2, field="b[1]", says=("alias *x", "write the value out"))


def test_merge_key_refused(parser: Any) -> None:
    refused(
        "a: 1\nb:\n  <<: {c: 1}\n",
        line=3,
        field="b.<<",
        says="merge keys (<<) are not allowed: write the fields out in full",
    )
    # The usual form fails at the anchor, before the merge is even seen.
    refused("base: &b {c: 1}\nd:\n  <<: *b\n", line=1, field="base", says="anchor &b")


def test_billion_laughs_fails_fast(parser: Any) -> None:
    lines = ['lol0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"lol{level}: &a{level} [{refs}]")
    bomb = "\n".join(lines) + "\n"
    refused(bomb, line=1, field="lol0", says="anchors and aliases are not allowed")
    # how fast: bench/budgets.py


@pytest.mark.parametrize(
    ("text", "line", "field", "shown"),
    [
        ("a: !!str 1\n", 1, "a", "!!str"),
        ("a:\n  b: !foo x\n", 2, "a.b", "!foo"),
        ("a: !!python/object:os.system x\n", 1, "a", "!!python/object:os.system"),
        ("a: !!python/object/apply:os.system [ls]\n", 1, "a", "!!python/object/apply"),
        ("a: !!map {b: 1}\n", 1, "a", "!!map"),
        ("a: !!binary aGVsbG8=\n", 1, "a", "!!binary"),
        ("a: ! x\n", 1, "a", "!"),
        ("!!str a: 1\n", 1, "a", "!!str"),
        ("--- !!map\na: 1\n", 1, None, "!!map"),
    ],
)
def test_tags_refused(parser: Any, text: str, line: int, field: str | None, shown: str) -> None:
    refused(text, line=line, field=field, says=(f"found {shown}", "remove the tag"))


def test_duplicate_key_names_key_and_both_lines(parser: Any) -> None:
    error = refused(
        "name: a\ncredentialSubject:\n  name: b\n  type: [x]\n  name: c\n",
        line=5,
        field="credentialSubject.name",
        says=("duplicate key 'name'", "line 3 and line 5", "keep only one"),
    )
    assert "3" in str(error) and "5" in str(error)


def test_duplicate_key_in_flow_mapping_and_quoted_forms(parser: Any) -> None:
    refused("a: {b: 1, b: 2}\n", line=1, field="a.b", says="duplicate key 'b'")
    refused("a: 1\n'a': 2\n", line=2, field="a", says="line 1 and line 2")


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("1: a\n", 1, "1"),
        ("x: 1\ntrue: a\n", 2, "true"),
        ("null: a\n", 1, "null"),
        ("~: a\n", 1, "~"),
        ("a:\n  yes: 1\n", 2, "a.yes"),
        ("1.5: a\n", 1, "1.5"),
        ("2026-01-01: a\n", 1, "2026-01-01"),
        ("? \n: a\n", 1, ""),
    ],
)
def test_non_text_plain_keys_refused(parser: Any, text: str, line: int, field: str) -> None:
    refused(text, line=line, field=field or None, says=("mapping keys must be text", "quote it"))


def _resolves_as_text_by_the_full_rules(value: str) -> bool:
    """Every rule of ``_resolve_plain``, none of its shortcut: True if ``value`` stays text."""
    lowered = value.lower()
    if lowered in yaml_load._NULLS or lowered in yaml_load._YAML11_BOOLS:
        return False
    patterns = (
        yaml_load._DEC_INT,
        yaml_load._FLOAT,
        yaml_load._INF_NAN,
        yaml_load._TIMESTAMP,
        yaml_load._ODD_NUMBER,
    )
    return not any(p.fullmatch(value) for p in patterns)


@given(st.text(max_size=12) | st.from_regex(r"[-+.0-9a-zA-Z~:_]{0,10}", fullmatch=True))
@settings(max_examples=600)
def test_plain_scalar_shortcut_never_skips_a_rule(value: str) -> None:
    # The loader returns a plain scalar as text at once when its first character cannot start
    # a null, boolean, number or date; the full rules must agree for every such value.
    if value and value[0] not in yaml_load._SPECIAL_START:
        assert _resolves_as_text_by_the_full_rules(value)
        assert yaml_load._resolve_plain(value, None, None) == value


@given(
    st.one_of(
        *(
            st.from_regex(pattern, fullmatch=True)
            for pattern in (
                yaml_load._DEC_INT,
                yaml_load._FLOAT,
                yaml_load._INF_NAN,
                yaml_load._TIMESTAMP,
                yaml_load._ODD_NUMBER,
            )
        )
    )
)
def test_every_number_or_date_form_starts_with_a_special_character(value: str) -> None:
    assert value[0] in yaml_load._SPECIAL_START


@pytest.mark.parametrize("word", sorted(yaml_load._NULLS | yaml_load._YAML11_BOOLS))
def test_every_null_or_boolean_word_starts_with_a_special_character(word: str) -> None:
    # in any case: each letter upper or lower (YAML 1.1 readers take Yes, YES, ...)
    for first in {word[:1].lower(), word[:1].upper()} - {""}:
        assert first in yaml_load._SPECIAL_START


def test_refused_plain_key_is_refused_every_time(parser: Any) -> None:
    # Plain keys found to be text are remembered; one that is refused never is.
    for _ in range(2):
        refused("a: 1\nyes: 2\n", line=2, field="yes", says="mapping keys must be text")
    assert loads_yaml("yes_please: 1\n").data == {"yes_please": 1}
    assert "yes" not in yaml_load._TEXT_KEYS


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [("? [a, b]\n: c\n", 1, None), ("x: 1\nz:\n  ? {a: 1}\n  : c\n", 3, "z")],
)
def test_complex_keys_refused(parser: Any, text: str, line: int, field: str | None) -> None:
    refused(text, line=line, field=field, says="a mapping key must be text, not a list or mapping")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "--- \n...\n"])
def test_empty_file_refused(parser: Any, text: str) -> None:
    refused(text, line=1, says=("the file is empty", "mapping"))


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- a\n- b\n", "a list"), ("just text\n", "a single value"), ("42\n", "a single value")],
)
def test_top_level_must_be_a_mapping(parser: Any, text: str, kind: str) -> None:
    refused(text, line=1, says=(kind, "must hold a mapping", "'key: value' lines"))


def test_multiple_documents_refused(parser: Any) -> None:
    refused(
        "a: 1\nb: 2\n---\nc: 3\n",
        line=3,
        says=("more than one YAML document", "remove the extra '---'"),
    )
    refused("a: 1\n...\n---\n", line=3, says="more than one YAML document")


def test_directives_refused(parser: Any) -> None:
    refused("%YAML 1.1\n---\na: 1\n", line=1, says="directives")
    refused("%TAG !e! tag:example.com,2000:\n---\na: 1\n", line=1, says="directives")


def nested(depth: int) -> str:
    """Flow YAML with ``depth`` nested collections including the top-level mapping."""
    inner = "{a: " * (depth - 1) + "1" + "}" * (depth - 1)
    return f"a: {inner}\n" if depth > 1 else "a: 1\n"


def test_nesting_up_to_max_depth_is_fine(parser: Any) -> None:
    data: Any = loads_yaml(nested(MAX_DEPTH)).data
    for _ in range(MAX_DEPTH - 1):
        data = data["a"]
    assert data == {"a": 1}


def test_nesting_deeper_than_max_depth_refused(parser: Any) -> None:
    error = refused(
        nested(MAX_DEPTH + 1),
        line=1,
        field="a" + ".a" * (MAX_DEPTH - 1),
        says=(f"more than {MAX_DEPTH} levels", "flatten"),
    )
    assert error.field is not None


def test_deeply_nested_bomb_fails_fast(parser: Any) -> None:
    for bomb in ("a: " + "[" * 1_000_000, "a: " + "{b: " * 200_000, "a:\n" + "- " * 100_000):
        with pytest.raises(CredpagesError) as info:
            loads_yaml(bomb)
        assert info.value.line in (1, 2)  # how fast: bench/budgets.py


# --------------------------------------------------------------------------------------------
# Refused input bytes


def test_invalid_utf8_names_the_line(parser: Any) -> None:
    refused(
        b"a: 1\nb: ok\nc: caf\xe9\n",
        line=3,
        says=("not valid UTF-8 (byte 0xE9)", "save it as UTF-8"),
    )
    refused(b"a: 1\r\nb: \xff\r\n", line=2, says="0xFF")


def test_utf16_refused_as_not_utf8(parser: Any) -> None:
    refused("a: 1\n".encode("utf-16"), line=1, says="not valid UTF-8")


def test_encoded_surrogates_refused_as_not_utf8(parser: Any) -> None:
    refused(b"a: 1\nb: \xed\xa0\x80\n", line=2, says="not valid UTF-8")


def test_bom_refused(parser: Any) -> None:
    refused(b"\xef\xbb\xbfa: 1\n", line=1, says=("byte order mark", "without a BOM"))
    refused("\ufeffa: 1\n", line=1, says=("byte order mark", "without a BOM"))


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x9f", "\ufffe"])
def test_raw_control_characters_refused_with_line(parser: Any, char: str) -> None:
    code = f"U+{ord(char):04X}"
    refused(f"a: 1\nb: x{char}y\n".encode(), line=2, says=(code, "remove it"))
    refused(f"a: 1\n\nb: 'x{char}'\n", line=3, says=code)


def test_surrogate_escapes_refused(parser: Any) -> None:
    # libyaml stops in its scanner (no field); the Python parser reaches our own check.
    field = None if parser.__name__ == "CSafeLoader" else "b"
    for text in ('a: 1\nb: "\\ud800"\n', 'a: 1\nb: "\\ud83d\\ude00"\n', 'a: 1\nb: ["\\udfff"]\n'):
        error = refused(text, line=2, field=field and ("b[0]" if "[" in text else field))
        assert "surrogate" in error.message
        assert "write the character itself" in error.message


def test_surrogate_escape_in_key_refused(parser: Any) -> None:
    field = None if parser.__name__ == "CSafeLoader" else "a"
    error = refused('a:\n  "\\udfff": x\n', line=2, field=field, says="surrogate")
    str(error).encode("utf-8")  # the error itself stays printable


def test_lone_surrogate_in_str_input_refused(parser: Any) -> None:
    refused("a: 1\nb: x\ud800y\n", line=2, says=("lone surrogate", "U+D800"))


def test_over_max_bytes_refused_with_size_and_limit(parser: Any) -> None:
    big = b"a: " + b"x" * MAX_BYTES + b"\n"
    refused(big, line=1, says=(f"{len(big)} bytes", f"limit of {MAX_BYTES} bytes"))
    refused("a: " + "x" * MAX_BYTES, line=1, says=f"limit of {MAX_BYTES} bytes")
    refused("a: ééé\n", line=1, max_bytes=8, says=("10 bytes", "limit of 8 bytes"))
    assert loads_yaml("a: ééé\n", max_bytes=10).data == {"a": "ééé"}


# --------------------------------------------------------------------------------------------
# PyYAML's own errors


@pytest.mark.parametrize(
    ("text", "line", "hint"),
    [
        ("a:\n  b: 1\n\tc: 2\n", 3, "not tabs"),
        ("a: 1\nb: c: d\n", 2, "quote the value"),
        ("a: 1\nb: @x\n", 2, "quote the value"),
        ("a: 1\nb: `x`\n", 2, "quote the value"),
        ('a: 1\nb: "\\q"\n', 2, "backslash"),
        ("a: 1\nb: [x, y\nc: 2\n", 3, "close the [ or {"),
        ("a:\n  b: 1\n c: 2\n", 3, "indentation"),
        ("a: 'x\nb: 2\n", 3, "close the quotes"),
    ],
)
def test_syntax_errors_become_credpages_errors_with_line(
    parser: Any, text: str, line: int, hint: str
) -> None:
    refused(text, line=line, says=("YAML syntax error", hint))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_garbage_only_ever_raises_credpages_error(blob: bytes | str) -> None:
    try:
        loaded = loads_yaml(blob, source="g.yaml")
    except CredpagesError as error:
        assert error.file == "g.yaml"
        assert isinstance(error.line, int) and error.line >= 1
    else:
        assert isinstance(loaded.data, dict)


YAML_BITS = [
    "a",
    ":",
    " ",
    "\n",
    "  ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&x",
    "*x",
    "!!str",
    "'",
    '"',
    "#",
    "?",
    "|",
    ">",
    "---",
    "...",
    "yes",
    "1.5",
    "~",
    "<<",
    "\t",
    "%YAML 1.2",
    "\\u",
    "é",
    "😀",
    "creditsEarned",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(YAML_BITS), max_size=40))
def test_yaml_like_garbage_only_ever_raises_credpages_error(bits: list[str]) -> None:
    for loader in PARSERS:
        yaml_load._Loader = loader
        try:
            loaded = loads_yaml("".join(bits), source="g.yaml")
        except CredpagesError as error:
            assert error.file == "g.yaml" and isinstance(error.line, int)
        else:
            assert isinstance(loaded.data, dict)
            assert loads_yaml(dump_yaml(loaded.data)).data == loaded.data
        finally:
            yaml_load._Loader = DEFAULT_PARSER


# --------------------------------------------------------------------------------------------
# load_yaml


def test_load_yaml_reads_file_and_names_it_as_given(tmp_path: Path) -> None:
    path = tmp_path / "ada.yaml"
    path.write_text(CREDENTIAL, encoding="utf-8")
    loaded = load_yaml(path)
    assert loaded.source == str(path)
    assert loaded.data == loads_yaml(CREDENTIAL).data
    assert load_yaml(str(path)).source == str(path)


def test_load_yaml_errors_name_the_path_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("credentials").mkdir()
    Path("credentials/bad.yaml").write_text("a: 1\nb: yes\n")
    with pytest.raises(CredpagesError) as info:
        load_yaml("credentials/bad.yaml")
    assert str(info.value).startswith("credentials/bad.yaml:2: b: ")


def test_load_yaml_refuses_huge_file_from_stat_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.truncate(10 * 1024**3)  # sparse: 10 GiB without using the disk

    def no_open(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the file must not be opened")

    monkeypatch.setattr(bounded_read, "open", no_open, raising=False)
    with pytest.raises(CredpagesError) as info:
        load_yaml(path)
    assert info.value.file == str(path)
    assert f"{10 * 1024**3} bytes" in info.value.message
    assert f"limit of {MAX_BYTES} bytes" in info.value.message
    small = tmp_path / "small.yaml"
    small.write_text("a: 12345\n")
    with pytest.raises(CredpagesError, match="limit of 5 bytes"):
        load_yaml(small, max_bytes=5)


def test_load_yaml_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(CredpagesError, match="file not found") as info:
        load_yaml(tmp_path / "nope.yaml")
    assert info.value.file == str(tmp_path / "nope.yaml")
    with pytest.raises(CredpagesError, match="not a regular file"):
        load_yaml(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_load_yaml_refuses_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(CredpagesError, match="not a regular file"):
        load_yaml(fifo)


def test_load_yaml_passes_float_fields(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("score: 0.5\n")
    assert load_yaml(path, float_fields=frozenset({"score"})).data == {"score": 0.5}
    with pytest.raises(CredpagesError, match="fraction"):
        load_yaml(path)


# --------------------------------------------------------------------------------------------
# dump_yaml


TRICKY_STRINGS = [
    "no",
    "No",
    "on",
    "off",
    "y",
    "n",
    "yes",
    "true",
    "True",
    "false",
    "null",
    "Null",
    "~",
    "",
    "2026-01-01",
    "2026-01-01T00:00:00Z",
    "1.0",
    "1e3",
    ".5",
    "1",
    "-1",
    "0",
    "+1",
    "012",
    "0o17",
    "0x1F",
    "1_000",
    "1:30",
    ".inf",
    ".nan",
    "<<",
    "=",
    " x",
    "x ",
    " ",
    "#x",
    "x #y",
    "@context",
    "`x`",
    "%x",
    "!x",
    "&x",
    "*x",
    "- x",
    "-",
    "?",
    ":",
    "a: b",
    "[x]",
    "{x}",
    "'",
    '"',
    "'quoted'",
    '"quoted"',
    "x\ny",
    "x\n",
    "\nx",
    "  lead\nx",
    "x\n\n",
    "trail \nx",
    "tab\there",
    "cr\rlf",
    "nul\x00",
    "nel\x85x",
    "ls\u2028x",
    "ps\u2029x",
    "bom\ufeffx",
    "\x7f",
    "\x9f",
    "é",
    "😀",
    "😀 'q'",
    "x" * 500,
    "---",
    "...",
    "--- x",
    "a\\b",
    "\\",
    "9007199254740992",
]


@pytest.mark.parametrize("text", TRICKY_STRINGS)
def test_dump_quotes_whatever_would_not_read_back_as_the_same_string(
    parser: Any, text: str
) -> None:
    data = {"field": text, text: "key"} if text != "field" else {"field": text}
    dumped = dump_yaml(data)
    assert_identical(loads_yaml(dumped).data, data)
    assert_identical(yaml.safe_load(dumped), data)  # YAML 1.1 readers agree too


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("no", 'field: "no"'),
        ("on", 'field: "on"'),
        ("2026-01-01", 'field: "2026-01-01"'),
        ("1.0", 'field: "1.0"'),
        ("null", 'field: "null"'),
        ("", 'field: ""'),
        (" x", 'field: " x"'),
        ("#x", 'field: "#x"'),
        ("plain text", "field: plain text"),
        ("é", "field: é"),
        ("😀", "field: 😀"),
    ],
)
def test_dump_quoting_is_minimal_and_json_like(text: str, written: str) -> None:
    assert dump_yaml({"field": text}) == written + "\n"


def test_dump_is_block_style_in_insertion_order() -> None:
    data = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "zeta": 1,
        "alpha": {"nested": [{"b": True, "a": False}], "empty": {}, "none": []},
        "creditsEarned": 2.5,
        "long": "word " * 100 + "end",
        "poem": "line one\nline two\n",
    }
    dumped = dump_yaml(data)
    assert dumped == (
        '"@context":\n'
        "  - https://www.w3.org/ns/credentials/v2\n"
        "zeta: 1\n"
        "alpha:\n"
        "  nested:\n"
        "    - b: true\n"
        "      a: false\n"
        "  empty: {}\n"
        "  none: []\n"
        "creditsEarned: 2.5\n"
        f"long: {'word ' * 100}end\n"
        "poem: |\n"
        "  line one\n"
        "  line two\n"
    )
    assert_identical(loads_yaml(dumped).data, data)


def test_dump_floats_read_back_as_floats() -> None:
    for value in (1.0, 1e16, 5e-324, -0.0, 1.7976931348623157e308, 0.1):
        dumped = dump_yaml({"creditsEarned": value})
        back = loads_yaml(dumped).data["creditsEarned"]
        assert type(back) is float and repr(back) == repr(value)
        assert type(yaml.safe_load(dumped)["creditsEarned"]) is float  # YAML 1.1 readers too


class Colour(enum.StrEnum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


def test_dump_normalises_subclasses_to_json_types() -> None:
    dumped = dump_yaml({"colour": Colour.RED, "size": Size.BIG})
    assert dumped == "colour: red\nsize: 3\n"


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"a": {"b": None}}, "a.b", "null"),
        ({"a": [1, (2, 3)]}, "a[1]", "tuple"),
        ({"a": {1: "x"}}, "a", "key must be text"),
        ({"score": 1.5}, "score", "creditsAvailable/creditsEarned"),
        ({"creditsEarned": float("nan")}, "creditsEarned", "finite"),
        ({"creditsEarned": float("inf")}, "creditsEarned", "finite"),
        ({"a": [2**53]}, "a[0]", "too large for JSON"),
        ({"a": "x\ud800"}, "a", "surrogate"),
        ({"x\udc00": "a"}, None, "surrogate"),
        ({"a": {"b": object()}}, "a.b", "object"),
        ({"a": b"bytes"}, "a", "bytes"),
    ],
)
def test_dump_refuses_what_json_cannot_hold(data: Any, field: str | None, says: str) -> None:
    with pytest.raises(CredpagesError) as info:
        dump_yaml(data)
    assert info.value.field == field
    assert says in info.value.message


def test_dump_refuses_too_deep_and_self_referencing_data() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(MAX_DEPTH):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(CredpagesError, match="levels deep"):
        dump_yaml(deep)
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(CredpagesError, match="levels deep"):
        dump_yaml(loop)


def test_dump_never_writes_anchors_for_shared_objects() -> None:
    shared = {"id": "x"}
    dumped = dump_yaml({"a": shared, "b": shared})
    assert "&" not in dumped and "*" not in dumped
    assert loads_yaml(dumped).data == {"a": shared, "b": shared}


# --------------------------------------------------------------------------------------------
# Round trip (property)

SPECIAL_TEXT = st.sampled_from(TRICKY_STRINGS)
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | SPECIAL_TEXT
SCALARS = (
    TEXT
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.integers(min_value=-3, max_value=3)
)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)


def mappings(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with text keys; some carry a float under creditsEarned, the only float field used."""
    return st.builds(
        lambda base, credits: {**base, "creditsEarned": credits} if credits is not None else base,
        st.dictionaries(TEXT, children, max_size=5),
        st.none() | FLOATS,
    )


JSON = st.recursive(
    SCALARS, lambda children: st.lists(children, max_size=5) | mappings(children), max_leaves=25
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mappings(JSON))
def test_round_trip_is_exact(data: dict[str, Any]) -> None:
    dumped = dump_yaml(data)
    loaded = loads_yaml(dumped)
    assert_identical(loaded.data, data)
    assert rfc8785.dumps(loaded.data) == rfc8785.dumps(data)
    assert dump_yaml(loaded.data) == dumped  # canonical: dumping again changes nothing
    for loader in PARSERS[1:]:  # the other parser reads the same data
        yaml_load._Loader = loader
        try:
            assert_identical(loads_yaml(dumped).data, data)
        finally:
            yaml_load._Loader = DEFAULT_PARSER


MULTILINE = st.lists(
    st.sampled_from(["", " ", "  x", "a: b", "# c", "- d", "é", "\t", "x ", "😀", '"q"', "'s'"]),
    min_size=2,
    max_size=5,
).map("\n".join)


WORDS = st.from_regex(r"[A-Za-z0-9À-ÿА-я٠-٩][A-Za-z0-9À-ÿА-я٠-٩ .()/+:#,-]{0,12}", fullmatch=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mappings(JSON | MULTILINE | WORDS | st.lists(WORDS, max_size=3)))
def test_the_fast_writer_writes_what_pyyaml_writes(data: dict[str, Any]) -> None:
    # dump_yaml writes credentials without PyYAML's emitter when it can: byte for byte the same
    clean = yaml_dump._plain_data(data, "", 1, None, yaml_load.FLOAT_FIELDS)
    fast = yaml_dump._fast_dump(clean)
    if fast is not None:
        assert fast == yaml_dump._dump_plain(clean)


def test_credentials_take_the_fast_writer() -> None:
    demo = Path(__file__).parent.parent / "credentials"
    files = sorted(demo.glob("*.yaml")) + sorted((demo / "achievements").glob("*.yaml"))
    assert len(files) > 10
    for path in files:
        data = load_yaml(path).data
        fast = yaml_dump._fast_dump(data)
        assert fast is not None, path
        assert fast == yaml_dump._dump_plain(data), path
        if path.parent == demo:  # written by credpages (achievements are written by hand)
            assert fast == path.read_text("utf-8"), path
    text = {"narrative": "Line one\n\n  indented\nlast\n", "note": "a\nb"}
    assert yaml_dump._fast_dump(text) == yaml_dump._dump_plain(text)
    assert (
        yaml_dump._fast_dump(text)
        == "narrative: |\n  Line one\n\n    indented\n  last\nnote: |-\n  a\n  b\n"
    )


# --------------------------------------------------------------------------------------------
# write_yaml


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_yaml_writes_canonical_yaml_that_reads_back(tmp_path: Path) -> None:
    data = loads_yaml(CREDENTIAL).data
    path = tmp_path / "sub" / "ada.yaml"
    write_yaml(path, data)
    assert path.read_text(encoding="utf-8") == dump_yaml(data)
    assert_identical(load_yaml(path).data, data)
    assert leftovers(path.parent) == []


def test_write_yaml_failed_write_leaves_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ada.yaml"
    path.write_text("old: content\n")

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)  # as used by fsio.atomic_write
    with pytest.raises(CredpagesError) as info:
        write_yaml(path, {"new": "content"})
    assert info.value.file == str(path)
    assert "No space left on device" in info.value.message
    assert "writable" in info.value.message
    assert path.read_text() == "old: content\n"
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root ignores directory permissions"
)
def test_write_yaml_into_read_only_folder(tmp_path: Path) -> None:
    path = tmp_path / "ada.yaml"
    path.write_text("old: content\n")
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(CredpagesError, match="writable"):
            write_yaml(path, {"new": "content"})
    finally:
        tmp_path.chmod(stat.S_IRWXU)
    assert path.read_text() == "old: content\n"
    assert leftovers(tmp_path) == []


def test_write_yaml_permission_denied_leaves_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ada.yaml"
    path.write_text("old: content\n")

    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)  # works even when tests run as root
    with pytest.raises(CredpagesError) as info:
        write_yaml(path, {"new": "content"})
    assert str(info.value).startswith(f"{path}: could not write the file (Permission denied)")
    assert path.read_text() == "old: content\n"
    assert leftovers(tmp_path) == []


def test_write_yaml_refused_data_leaves_old_file(tmp_path: Path) -> None:
    path = tmp_path / "ada.yaml"
    path.write_text("old: content\n")
    with pytest.raises(CredpagesError) as info:
        write_yaml(path, {"credentialSubject": {"name": None}})
    assert info.value.file == str(path)
    assert info.value.field == "credentialSubject.name"
    with pytest.raises(CredpagesError, match="only a mapping"):
        write_yaml(path, ["a"])
    with pytest.raises(CredpagesError, match="creditsAvailable/creditsEarned"):
        write_yaml(path, {"score": 0.5})
    write_yaml(path, {"score": 0.5}, float_fields=frozenset({"score"}))
    assert load_yaml(path, float_fields=frozenset({"score"})).data == {"score": 0.5}
    path.write_text("old: content\n")
    assert leftovers(tmp_path) == []


def test_write_yaml_refuses_yaml_that_would_read_back_differently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ada.yaml"
    path.write_text("old: content\n")
    monkeypatch.setattr(yaml_dump, "_dump", lambda data: "a: 1\nb: 'changed'\n")
    with pytest.raises(CredpagesError) as info:
        write_yaml(path, {"a": 1, "b": "original"})
    assert info.value.field == "b"
    assert info.value.line == 2
    assert "not written" in info.value.message
    monkeypatch.setattr(yaml_dump, "_dump", lambda data: "a: yes\n")
    with pytest.raises(CredpagesError, match="would not read back"):
        write_yaml(path, {"a": "yes"})
    assert path.read_text() == "old: content\n"
    assert leftovers(tmp_path) == []


def test_constants() -> None:
    assert MAX_BYTES == 4 * 1024 * 1024
    assert MAX_DEPTH == 64
    assert frozenset({"creditsAvailable", "creditsEarned"}) == FLOAT_FIELDS


# --------------------------------------------------------------------------------------------
# Raw line breaks (issue 10): a file means exactly one signed value


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ('a: 1\nname: "Ada\x85Lovelace"\n', 2, "U+0085"),
        ('a: 1\nname: "Ada\u2028Lovelace"\n', 2, "U+2028"),
        ("a: 1\nname: 'Ada\u2029Lovelace'\n", 2, "U+2029"),
        ('a: 1\nname: "Ada\rLovelace"\n', 2, "carriage return"),
        ("a: 1\n# note\u2028name: Eve\n", 2, "U+2028"),
        ('a: 1\nname: "Ada\n  Lovelace"\n', 2, "line break inside a quoted value"),
        ("a: 1\nname: 'Ada\n\n  Lovelace'\n", 2, "line break inside a quoted value"),
        ('a: 1\nname: "Ada\\\\\n  Lovelace"\n', 2, "line break inside a quoted value"),
    ],
)
def test_raw_line_breaks_in_values_are_refused(
    parser: Any, text: str, line: int, says: str
) -> None:
    with pytest.raises(CredpagesError) as caught:
        loads_yaml(text, source="credentials/ada.yaml")
    error = caught.value
    assert (error.file, error.line) == ("credentials/ada.yaml", line), str(error)
    assert says in error.message
    assert "block scalar" in error.message and "\\n" in error.message


@pytest.mark.parametrize(
    "text",
    ['a: "Ada\\\n  Lovelace"\n', "a: Ada\n  Lovelace\n", "a: |\n  Ada\n  Lovelace\n", 'a: "x"\r\n'],
)
def test_escaped_breaks_plain_and_block_scalars_and_crlf_still_load(parser: Any, text: str) -> None:
    assert loads_yaml(text).data["a"] in ("AdaLovelace", "Ada Lovelace", "Ada\nLovelace\n", "x")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.sampled_from(
            ["a", " ", "\n", "\r", "\x85", "\u2028", "\u2029", "\t", "\\", '"', "'", ":", "#", "😀"]
        ),
        max_size=40,
    ),
    st.integers(min_value=0, max_value=200),
)
def test_dump_never_writes_what_the_loader_refuses(value: str, pad: int) -> None:
    data = {"name": value, "long": "word " * pad + value}
    for loader in PARSERS:
        yaml_load._Loader = loader
        try:
            assert loads_yaml(dump_yaml(data)).data == data
        finally:
            yaml_load._Loader = DEFAULT_PARSER
