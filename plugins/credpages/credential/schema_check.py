"""JSON Schema checks of credentials: a compiled validator answers, jsonschema explains.

Checking the Open Badges 3.0 schema with jsonschema cost about 2 ms a credential, as much as
a third of a cold build's verification and most of what ``issue`` adds to signing; the same
check in jsonschema-rs (Rust) takes about 25 µs. jsonschema stays the authority: the compiled
validator only ever says "valid", and anything it does not accept (or cannot read, such as
a lone surrogate or an integer beyond 64 bits) is checked again by jsonschema, whose verdict
and messages are the ones reported. So a credential passes exactly when jsonschema would pass
it, unless jsonschema-rs accepts something jsonschema rejects; it is the stricter of the two
where they differ (ASCII ``\\d`` and a true end ``$`` in patterns, where Python's ``re``
accepts any Unicode digit and a trailing newline), and tests/test_schema_check.py compares the
two on every field of generated credentials. Neither validator asserts ``format`` (draft
2019-09 makes it an annotation) and neither fetches anything: every ``$ref`` is inside the
bundled schema.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..errors import CredpagesError

if TYPE_CHECKING:  # imported on first use: a warm build checks no schema
    from jsonschema import Draft201909Validator, ValidationError

#: The bundled schemas (``credpages/credential/schemas``) this module checks against.
OB_SCHEMA = "ob_v3p0_achievementcredential_schema.json"
CLR_SCHEMA = "clr_v2p0_clrcredential_schema.json"


@cache
def _schema(name: str) -> dict[str, Any]:
    text = (
        resources.files("credpages.credential")
        .joinpath("schemas", name)
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _explainer(name: str) -> Draft201909Validator:
    from jsonschema import Draft201909Validator

    return Draft201909Validator(_schema(name))


@cache
def _fast(name: str) -> Any:
    """jsonschema-rs's validator, or None in an environment installed before it was a
    dependency (every answer then comes from jsonschema: slower, the same verdicts)."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.Draft201909Validator(_schema(name), validate_formats=False, offline=True)


_SCALARS = frozenset({str, int, bool, type(None)})


def plain_json(value: Any) -> bool:
    """Whether ``value`` is made of exactly dict (with str keys), list, str, int, finite float,
    bool and None: what both validators read alike. jsonschema-rs also takes a tuple as an
    array, where jsonschema refuses it; anything else goes to jsonschema alone."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            if any(type(k) is not str for k in item):
                return False
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float:
            if item - item != 0.0:  # inf or nan
                return False
        elif kind not in _SCALARS:
            return False
    return True


def fast_accepts(name: str, doc: Any) -> bool:
    """Whether jsonschema-rs accepts ``doc``; False when it is not plain JSON data or when
    jsonschema-rs cannot take it in (a lone surrogate, say)."""
    fast = _fast(name)
    if fast is None or not plain_json(doc):
        return False
    try:
        return bool(fast.is_valid(doc))
    except (ValueError, TypeError, OverflowError):
        return False


def violations(name: str, doc: Mapping[str, Any]) -> list[ValidationError]:
    """Every way ``doc`` breaks the bundled schema ``name``, in field order (none if valid)."""
    if fast_accepts(name, doc):
        return []
    return sorted(_explainer(name).iter_errors(doc), key=lambda e: list(e.absolute_path))


def schema_problems(name: str, doc: Mapping[str, Any], standard: str) -> list[CredpagesError]:
    """:func:`violations` as errors naming each field (``standard``: "Open Badges 3.0")."""
    return [
        CredpagesError(
            f"does not match the {standard} schema: {err.message[:300]}",
            field=dotted(err.absolute_path) or None,
        )
        for err in violations(name, doc)
    ]


def dotted(path: Any) -> str:
    """``credentialSubject.identifier[0].salt``: a JSON path as the errors name fields."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
