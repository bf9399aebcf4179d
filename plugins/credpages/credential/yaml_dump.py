"""Writing credentials as canonical YAML that reads back as exactly the data written.

Every string the strict loader (or a YAML 1.1 reader) could take for something else is quoted,
numbers keep their JSON types, and :func:`write_yaml` proves the round trip before it writes.

Over ~400 lines on purpose: the fast writer sits beside the PyYAML dumper whose bytes it must
reproduce, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import functools
import io
import math
import re
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


# ---------------------------------------------------------------------------- the fast path
# PyYAML's pure-Python emitter took a fifth of ``issue``'s time (libyaml's C emitter cannot
# indent lists under their key, so its output would differ). ``_fast_dump`` writes the same bytes
# for the shapes credentials have: each scalar's style is decided by PyYAML's own analysis and the
# rules above (memoised per distinct value, and most values repeat from credential to credential),
# and the block layout is written directly. Anything else (floats, single-quoted or kept-newline
# text, long keys) returns None and goes through PyYAML. The tests compare both on random data.


class _Fallback(Exception):
    """The value is outside what the fast path writes: use PyYAML."""


_ANALYSER = _Dumper(io.StringIO(), allow_unicode=True, width=sys.maxsize)
_BREAKS = "\n\x85\u2028\u2029"
_SIMPLE = re.compile("[^\\W_][\\w .()/+-]{0,98}[\\w.)/]|[^\\W_]")


def _double_quoted(text: str) -> str:
    """PyYAML's ``write_double_quoted`` with ``allow_unicode`` and no line width."""
    out = ['"']
    for ch in text:
        if ch in '"\\\x85\u2028\u2029\ufeff' or not (
            "\x20" <= ch <= "\x7e" or "\xa0" <= ch <= "\ud7ff" or "\ue000" <= ch <= "\ufffd"
        ):
            if ch in _ANALYSER.ESCAPE_REPLACEMENTS:
                out.append("\\" + _ANALYSER.ESCAPE_REPLACEMENTS[ch])
            elif ch <= "\xff":
                out.append(f"\\x{ord(ch):02X}")
            elif ch <= "\uffff":
                out.append(f"\\u{ord(ch):04X}")
            else:
                out.append(f"\\U{ord(ch):08X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


@functools.lru_cache(maxsize=8192)
def _scalar(text: str, tag: str, simple_key: bool) -> tuple[str, str]:
    """(style, written text) of a scalar as ``_Dumper`` writes it: style "" plain, '"' or "|"."""
    style: str | None = None
    if tag == _STR_TAG:
        if _NEEDS_ESCAPES.search(text):
            style = '"'
        elif "\n" in text:
            style = "|"
    implicit = _ANALYSER.resolve(yaml.ScalarNode, text, (True, False)) == tag
    if style is None and _SIMPLE.fullmatch(text) and max(text) <= "\uffff":
        # words, digits, inner spaces and . / ( ) + - only, in the BMP: PyYAML's analysis allows
        # every style and finds no line break, so plain unless a reader would see a non-string
        if implicit:
            return "", text
        if tag != _STR_TAG:
            raise _Fallback
        return '"', _double_quoted(text)
    analysis = _ANALYSER.analyze_scalar(text)
    chosen = None
    if style == '"':
        chosen = '"'
    elif (
        style is None
        and implicit
        and not (simple_key and (analysis.empty or analysis.multiline))
        and analysis.allow_block_plain
    ):
        chosen = ""
    elif style == "|" and not simple_key and analysis.allow_block:
        if text[0] in " " + _BREAKS or (
            text[-1] in _BREAKS and (len(text) == 1 or text[-2] in _BREAKS)
        ):
            raise _Fallback  # an indentation or "keep" hint
        chosen = "|"
    elif analysis.allow_single_quoted and not (simple_key and analysis.multiline):
        if any(ord(ch) > 0xFFFF for ch in text):
            raise _Fallback  # single quotes, kept by choose_scalar_style for astral characters
        chosen = '"'
    else:
        chosen = '"'
    if chosen and tag != _STR_TAG:
        raise _Fallback  # a number or boolean PyYAML would tag
    if simple_key and (analysis.empty or analysis.multiline or len(text) > 100):
        raise _Fallback  # PyYAML writes it as a "? " complex key
    return chosen, _double_quoted(text) if chosen == '"' else text


def _value(value: Any, indent: int, out: list[str]) -> None:
    """A mapping value or sequence item, after its ``key:`` or ``-``."""
    if isinstance(value, str):
        style, text = _scalar(value, _STR_TAG, False)
        if style == "|":
            pad = " " * (indent + 2)
            out.append(" |\n" if text.endswith("\n") else " |-\n")
            for line in text.removesuffix("\n").split("\n"):
                out.append(f"{pad}{line}\n" if line else "\n")
        else:
            out.append(f" {text}\n")
    elif isinstance(value, bool):
        out.append(" true\n" if value else " false\n")
    elif isinstance(value, int):
        style, text = _scalar(str(value), "tag:yaml.org,2002:int", False)
        out.append(f" {text}\n")
    elif isinstance(value, dict):
        if value:
            _mapping(value, indent + 2, out, inline=False)
        else:
            out.append(" {}\n")
    elif isinstance(value, list):
        if value:
            _sequence(value, indent + 2, out, inline=False)
        else:
            out.append(" []\n")
    else:
        raise _Fallback


def _mapping(data: dict[str, Any], indent: int, out: list[str], *, inline: bool) -> None:
    if not inline:
        out.append("\n" if out else "")
    pad = " " * indent
    for i, (key, value) in enumerate(data.items()):
        _, text = _scalar(key, _STR_TAG, True)
        out.append(f" {text}:" if inline and i == 0 else f"{pad}{text}:")
        _value(value, indent, out)


def _sequence(items: list[Any], indent: int, out: list[str], *, inline: bool) -> None:
    if not inline:
        out.append("\n")
    pad = " " * indent
    for i, item in enumerate(items):
        out.append(" -" if inline and i == 0 else f"{pad}-")
        if isinstance(item, dict) and item:
            _mapping(item, indent + 2, out, inline=True)
        elif isinstance(item, list) and item:
            _sequence(item, indent + 2, out, inline=True)
        else:
            _value(item, indent, out)


def _fast_dump(data: dict[str, Any]) -> str | None:
    """What :func:`_dump_plain` writes for ``data`` (checked data), or None where it cannot tell."""
    if not data:
        return None
    out: list[str] = []
    try:
        _mapping(data, 0, out, inline=False)
    except _Fallback:
        return None
    return "".join(out)


def _dump(clean: Any) -> str:
    fast = _fast_dump(clean) if isinstance(clean, dict) else None
    return _dump_plain(clean) if fast is None else fast


def dump_yaml(data: Any, *, float_fields: frozenset[str] = FLOAT_FIELDS) -> str:
    """The canonical YAML credpages writes: block style, keys in order, text quoted only where a
    reader could take it for something else, so the file reads back as exactly ``data``."""
    return _dump(_plain_data(data, "", 1, None, float_fields))


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


def checked_yaml(
    path: str | Path, data: Any, *, float_fields: frozenset[str] = FLOAT_FIELDS
) -> str:
    """The canonical YAML of ``data``, proven to read back as exactly ``data``.

    A file that would load as different data would break its signature, so such text is never
    returned. ``path`` only names the file in errors (nothing is written).
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
    text = _dump(clean)
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
    return text


def write_yaml_text(path: str | Path, text: str) -> None:
    """Write text from :func:`checked_yaml` atomically, a write failure named plainly."""
    try:
        atomic_write(path, text)
    except OSError as error:
        raise CredpagesError(
            f"could not write the file ({error.strerror or error}): check that the folder "
            "exists and is writable",
            file=str(path),
        ) from None


def write_yaml(path: str | Path, data: Any, *, float_fields: frozenset[str] = FLOAT_FIELDS) -> None:
    """Write ``data`` as canonical YAML, atomically, after proving it reads back identically."""
    write_yaml_text(path, checked_yaml(path, data, float_fields=float_fields))
