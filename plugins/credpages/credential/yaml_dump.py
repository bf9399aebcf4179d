"""Writing credentials as canonical YAML that reads back as exactly the data written.

Every string the strict loader (or a YAML 1.1 reader) could take for something else is quoted,
numbers keep their JSON types, and :func:`write_yaml` proves the round trip before it writes.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..errors import CredpagesError
from ..fsio import atomic_write
from .yaml_load import (
    _NEEDS_ESCAPES,
    _QUOTE_TAG,
    _STR_TAG,
    _SURROGATE,
    FLOAT_FIELDS,
    MAX_DEPTH,
    MAX_SAFE_INT,
    _child_path,
    _Refused,
    _resolve_plain,
    loads_yaml,
)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that quotes every string our loader (or a YAML 1.1 reader) would not read back
    as the same string, never writes anchors, and indents lists under their key."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        base_resolve: Callable[..., Any] = super().resolve
        if kind is yaml.ScalarNode and implicit[0]:
            try:
                resolved = _resolve_plain(value, None, None)
            except _Refused:
                return _QUOTE_TAG
            if isinstance(resolved, bool):
                return "tag:yaml.org,2002:bool"
            if isinstance(resolved, int):
                return "tag:yaml.org,2002:int"
            if isinstance(resolved, float):
                return "tag:yaml.org,2002:float"
            # Plain only if YAML 1.1 readers (PyYAML's own resolver) also see a string.
            if base_resolve(kind, value, implicit) != _STR_TAG:
                return _QUOTE_TAG
            return _STR_TAG
        return base_resolve(kind, value, implicit)

    def choose_scalar_style(self) -> str:
        """Prefer double quotes (JSON-like) over single, unless that would escape astral
        characters such as emoji, which PyYAML's double-quoted writer always escapes."""
        style = super().choose_scalar_style()
        event = self.event
        if (
            style == "'"
            and isinstance(event, yaml.ScalarEvent)
            and all(ord(char) <= 0xFFFF for char in event.value)
        ):
            return '"'
        return style


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style: str | None = None
    if _NEEDS_ESCAPES.search(value):
        style = '"'
    elif "\n" in value:
        style = "|"  # the emitter falls back to double quotes where a block scalar cannot hold it
    return dumper.represent_scalar(_STR_TAG, value, style=style)


def _represent_float(dumper: yaml.SafeDumper, value: float) -> yaml.ScalarNode:
    text = repr(value)
    mantissa, exp, exponent = text.partition("e")
    if exp and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"  # 1e+16 -> 1.0e+16: a float to YAML 1.1 readers too
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(float, _represent_float)


def _plain_data(
    value: Any, path: str, depth: int, key: str | None, float_fields: frozenset[str]
) -> Any:
    """A copy of ``value`` with exact JSON types, or a CredpagesError naming the bad field."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        if not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            raise CredpagesError(
                f"the number {value} is too large for JSON (limit ±{MAX_SAFE_INT}): "
                "store it as text",
                field=path or None,
            )
        return int(value)
    if isinstance(value, float):
        if key not in float_fields:
            raise CredpagesError(
                f"a float ({value!r}) is only allowed in {'/'.join(sorted(float_fields))}: "
                "use an int or text",
                field=path or None,
            )
        if not math.isfinite(value):
            raise CredpagesError(
                f"{value!r} is not allowed in JSON: use a finite number", field=path or None
            )
        return float(value)
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        if found:
            raise CredpagesError(
                f"the text holds a lone surrogate U+{ord(found.group()):04X}, which is not "
                "valid Unicode: fix the text",
                field=path or None,
            )
        return str.__str__(value)
    if isinstance(value, dict | list) and depth > MAX_DEPTH:
        raise CredpagesError(
            f"the data is nested more than {MAX_DEPTH} levels deep (or refers to itself): "
            "flatten it",
            field=path or None,
        )
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for item_key, item in value.items():
            if not isinstance(item_key, str):
                raise CredpagesError(
                    f"a mapping key must be text, not {type(item_key).__name__} "
                    f"({item_key!r}): convert the key to a string",
                    field=path or None,
                )
            clean_key = _plain_data(item_key, path, depth, None, float_fields)
            child = _child_path(path, clean_key)
            result[clean_key] = _plain_data(item, child, depth + 1, clean_key, float_fields)
        return result
    if isinstance(value, list):
        return [
            _plain_data(item, f"{path}[{index}]", depth + 1, None, float_fields)
            for index, item in enumerate(value)
        ]
    if value is None:
        raise CredpagesError("null (None) is not allowed: leave the field out", field=path or None)
    raise CredpagesError(
        f"a {type(value).__name__} cannot be written as JSON data: use text, a number, "
        "true/false, a list or a mapping",
        field=path or None,
    )


def _dump_plain(data: Any) -> str:
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=sys.maxsize,
        indent=2,
        line_break="\n",
    )
    return text


def dump_yaml(data: Any, *, float_fields: frozenset[str] = FLOAT_FIELDS) -> str:
    """The canonical YAML credpages writes: block style, keys in order, text quoted only where a
    reader could take it for something else, so the file reads back as exactly ``data``."""
    return _dump_plain(_plain_data(data, "", 1, None, float_fields))


def _first_difference(left: Any, right: Any, path: str) -> str | None:
    """Path of the first place ``left`` and ``right`` differ in value, type or key order."""
    if type(left) is not type(right):
        return path
    if isinstance(left, dict):
        if list(left) != list(right):
            return path
        for key in left:
            found = _first_difference(left[key], right[key], _child_path(path, key))
            if found is not None:
                return found
        return None
    if isinstance(left, list):
        if len(left) != len(right):
            return path
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = _first_difference(a, b, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    if isinstance(left, float):
        return None if repr(left) == repr(right) else path
    return None if left == right else path


def write_yaml(path: str | Path, data: Any, *, float_fields: frozenset[str] = FLOAT_FIELDS) -> None:
    """Write ``data`` as canonical YAML, atomically, after proving it reads back identically.

    A file that would load as different data would break its signature, so it is never written.
    """
    source = str(path)
    try:
        clean = _plain_data(data, "", 1, None, float_fields)
    except CredpagesError as error:
        raise error.located(file=source) from None
    if not isinstance(clean, dict):
        raise CredpagesError(
            "only a mapping can be written as a YAML file: pass a dict", file=source
        )
    text = _dump_plain(clean)
    try:
        loaded = loads_yaml(text, source=source, float_fields=float_fields)
    except CredpagesError as error:
        raise CredpagesError(
            f"not written: the YAML would not read back ({error.message})",
            file=source,
            line=error.line,
            field=error.field,
        ) from None
    difference = _first_difference(loaded.data, clean, "")
    if difference is not None:
        raise CredpagesError(
            "not written: the YAML would read back as different data; this is a credpages "
            "bug, please report it",
            file=source,
            line=loaded.line_of(difference),
            field=difference or None,
        )
    try:
        atomic_write(path, text)
    except OSError as error:
        raise CredpagesError(
            f"could not write the file ({error.strerror or error}): check that the folder "
            "exists and is writable",
            file=source,
        ) from None
