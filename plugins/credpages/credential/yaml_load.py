# Over 400 lines on purpose: one parser, its event builder and scalar rules are one contract.
"""Reading strict YAML: the YAML a user edits must map to exactly one JSON document.

Credentials are signed over their JSON form (JCS, RFC 8785), so any YAML feature that can change
the data behind the user's back is refused instead of guessed at: anchors and aliases, tags, merge
keys, duplicate keys, non-text keys, several documents, YAML 1.1 words such as ``no`` or ``on``
that some readers turn into booleans, dates, nulls and number forms JSON does not have. The data
is built from PyYAML's event stream rather than ``safe_load`` so every rule is ours and a hostile
file (billion laughs, deep nesting, huge input) stops at the first offending event.

Every failure is a :class:`~credpages.errors.CredpagesError` naming the file, the line and the
field, with a message that says what to do.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml

from ..errors import CredpagesError
from .bounded_read import MAX_BYTES, read_bounded

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists (the top-level mapping is depth 1)."""

FLOAT_FIELDS = frozenset({"creditsAvailable", "creditsEarned"})
"""Keys whose value may be a number with a fraction or exponent (OB 3.0 uses floats only there)."""

MAX_SAFE_INT = 2**53 - 1
"""Largest integer every JSON reader (and JCS, RFC 8785) keeps exact."""

# libyaml is faster and refuses surrogate escapes itself; the pure-Python parser is the fallback.
# Tests swap this to run the same rules against both parsers.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_BOM = b"\xef\xbb\xbf"
_STR_TAG = "tag:yaml.org,2002:str"
_QUOTE_TAG = "tag:credpages,2026:must-quote"
_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
# Characters YAML refuses in a stream (the same set as PyYAML's and libyaml's readers), plus lone
# surrogates, which are not Unicode at all.
_BAD_CHAR = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Line breaks YAML reads but editors, diff and git show differently (or not at all): inside a
# quoted value each is read as a space, in a comment it ends the comment. A CR is fine only as
# part of a CRLF line ending.
_ODD_BREAK = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
_BREAK_NAMES = {
    "\r": "a carriage return (CR) on its own",
    "\x85": "U+0085 (NEXT LINE)",
    "\u2028": "U+2028 (LINE SEPARATOR)",
    "\u2029": "U+2029 (PARAGRAPH SEPARATOR)",
}
_ESCAPES = {"\r": "\\r", "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P"}
# Strings with any of these are written double-quoted with escapes: control characters, tabs, the
# YAML 1.1 line breaks NEL/LS/PS (which single-quoted and block scalars would alter), BOM,
# non-characters.
_NEEDS_ESCAPES = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010fffd]"
)

_YAML11_BOOLS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false"})
# First characters of every plain scalar that is not plain text: nulls (~, null), booleans of
# YAML 1.1 and 1.2 (y, n, yes, no, on, off, true, false in any case) and every number, date or
# odd number form below (a digit, sign or dot). Any other first character means text, so most
# values skip the regular expressions (tests check this against the full rules).
_SPECIAL_START = frozenset("~nNyYoOtTfF0123456789+-.")
_NULLS = frozenset({"", "~", "null"})
_DEC_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_INF_NAN = re.compile(r"[-+]?\.(?:inf|nan)", re.IGNORECASE)
# YAML 1.1 implicit timestamp (the regex PyYAML and most YAML 1.1 readers use).
_TIMESTAMP = re.compile(
    r"""[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
     (?:[Tt]|[ \t]+)[0-9][0-9]?
     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?""",
    re.VERBOSE,
)
# Number forms some YAML reader turns into a number but JSON has no: leading zeros (octal in
# YAML 1.1), 0o/0x/0b, underscores, base 60 (1:30), a leading plus sign.
_ODD_NUMBER = re.compile(
    r"[-+]?(?:0[xob][0-9a-f_]*"
    r"|[0-9][0-9_]*(?::[0-9_]+)*(?:\.[0-9_]*)?(?:e[-+]?[0-9_]+)?"
    r"|\.[0-9_]+(?:e[-+]?[0-9_]+)?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Loaded:
    """A loaded YAML file: its data, and where each field was, so errors can point at a line."""

    data: dict[str, Any]
    lines: dict[str, int]
    source: str

    def line_of(self, field: str) -> int:
        """Line of ``field`` (e.g. ``proof[0].proofValue``), else of its nearest ancestor, else 1.

        A field that is missing (the usual reason to report it) has no line of its own, so the
        error points at the mapping or list that should have held it.
        """
        path = field
        while path:
            line = self.lines.get(path)
            if line is not None:
                return line
            path = _parent_path(path)
        return 1


class _Refused(Exception):
    """A plain scalar our rules refuse; carries the user-facing message."""


def _parent_path(path: str) -> str:
    """``a.b[1]`` -> ``a.b`` -> ``a`` -> ``""``."""
    if path.endswith("]"):
        cut = path.rfind("[")
        if cut > 0:
            return path[:cut]
    cut = path.rfind(".")
    return path[:cut] if cut > 0 else ""


def _child_path(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def _line_at(text: str, index: int) -> int:
    """1-based line of ``text[index]``, counting line breaks the way YAML marks do."""
    return len(_LINE_BREAK.findall(text, 0, index)) + 1


def _show(value: str) -> str:
    """A value quoted for a message, shortened so a huge scalar cannot flood the terminal."""
    return repr(value if len(value) <= 60 else value[:57] + "...")


def _resolve_plain(
    value: str, key: str | None, float_fields: frozenset[str] | None
) -> str | bool | int | float:
    """What an unquoted scalar means: YAML 1.2 core schema, minus everything readers disagree on.

    Raises ``_Refused`` for plain scalars that YAML 1.1 readers (PyYAML, Ruby, many CI tools)
    would read differently from YAML 1.2 ones, or that JSON cannot hold; quoting always fixes it.
    A float is allowed when ``key`` (the mapping key holding the value) is in ``float_fields``,
    or anywhere when ``float_fields`` is None.
    """
    if value and value[0] not in _SPECIAL_START:
        return value
    lowered = value.lower()
    if lowered in _NULLS:
        shown = "an empty value" if value == "" else _show(value)
        raise _Refused(
            f"{shown} is null, and null is not allowed: leave the field out, "
            'or write "" for empty text'
        )
    if value == "true":
        return True
    if value == "false":
        return False
    if lowered in _YAML11_BOOLS:
        raise _Refused(
            f"{_show(value)} is read as a boolean by some YAML readers and as text by others: "
            "write true or false (lowercase) for a yes/no value, or quote it if it is text"
        )
    if _DEC_INT.fullmatch(value):
        digits = value.lstrip("-")
        if len(digits) > 16 or int(value) > MAX_SAFE_INT or int(value) < -MAX_SAFE_INT:
            raise _Refused(
                f"the number {_show(value)} is too large for JSON (limit ±{MAX_SAFE_INT}): "
                "quote it if it is text, such as an identifier"
            )
        return int(value)
    if _FLOAT.fullmatch(value):
        if float_fields is not None and key not in float_fields:
            where = "/".join(sorted(float_fields)) or "no field"
            raise _Refused(
                f"{_show(value)} is a number with a fraction or exponent; those are only "
                f"allowed in {where}: quote it if it is text"
            )
        number = float(value)
        if not math.isfinite(number):
            raise _Refused(f"the number {_show(value)} is too large: write a smaller number")
        return number
    if _INF_NAN.fullmatch(value):
        raise _Refused(
            f"{_show(value)} (infinity or not-a-number) is not allowed in JSON: "
            "write a finite number, or quote it if it is text"
        )
    if _TIMESTAMP.fullmatch(value):
        raise _Refused(
            f"{_show(value)} would be read as a date by some YAML readers: quote dates and "
            'times, e.g. "2026-01-01T00:00:00Z"'
        )
    if _ODD_NUMBER.fullmatch(value):
        raise _Refused(
            f"{_show(value)} looks like a number in a form JSON does not have (leading zero, "
            "+ sign, underscore, 0x/0o/0b or base-60 h:m): write a plain decimal number, "
            "or quote it if it is text"
        )
    return value


# --------------------------------------------------------------------------------------------
# Loading


_NODE_EVENTS = (yaml.ScalarEvent, yaml.CollectionStartEvent)
# Plain (unquoted) mapping keys already found to read as text. Whether a key does depends on
# the key alone, and credentials repeat the same few dozen keys, so each is checked once per
# process (bounded, so hostile files cannot grow it).
_TEXT_KEYS: set[str] = set()
_TEXT_KEYS_MAX = 1024


class _Builder:
    """Builds plain dict/list/str/int/float/bool data from a PyYAML event stream, refusing early."""

    def __init__(
        self,
        next_event: Callable[[], yaml.Event],
        source: str,
        float_fields: frozenset[str],
        text: str = "",
    ):
        self.next = next_event
        self._source = source
        self._float_fields = float_fields
        self._text_lines = text.split("\n")  # only LF and CRLF are left (see _decode)
        self.lines: dict[str, int] = {}

    def fail(self, message: str, line: int, field: str | None = None) -> NoReturn:
        # A lone surrogate in a key would make the error itself unprintable.
        field = _SURROGATE.sub("\ufffd", field) if field else None
        raise CredpagesError(message, file=self._source, line=line, field=field)

    def document(self) -> dict[str, Any]:
        self.next()  # StreamStartEvent
        event = self.next()
        if isinstance(event, yaml.StreamEndEvent):
            self._empty()
        assert isinstance(event, yaml.DocumentStartEvent)
        if event.version is not None or event.tags:
            self.fail(
                "YAML directives (%YAML, %TAG) are not allowed: delete the line", _line(event)
            )
        event = self.next()
        self._check_node(event, "")
        if isinstance(event, yaml.ScalarEvent) and not event.style and event.value == "":
            self._empty()
        if not isinstance(event, yaml.MappingStartEvent):
            kind = "a list" if isinstance(event, yaml.SequenceStartEvent) else "a single value"
            self.fail(
                f"the file holds {kind}, but it must hold a mapping: write the fields as "
                "'key: value' lines at the top level",
                _line(event),
            )
        data = self._mapping("", 1)
        self.next()  # DocumentEndEvent
        event = self.next()
        if isinstance(event, yaml.DocumentStartEvent):
            self.fail(
                "the file holds more than one YAML document (a second '---'): keep one "
                "credential per file and remove the extra '---' and what follows",
                _line(event),
            )
        return data

    def _empty(self) -> NoReturn:
        self.fail("the file is empty: it must hold a mapping of 'key: value' lines", 1, None)

    def _check_node(self, event: yaml.Event, path: str) -> None:
        """Refuse anchors, aliases and tags: each lets the loaded data differ from what is shown."""
        if isinstance(event, _NODE_EVENTS) and event.anchor is None and event.tag is None:
            return  # the usual case, decided without the checks below
        if isinstance(event, yaml.AliasEvent):
            self.fail(
                f"YAML anchors and aliases are not allowed (found alias *{event.anchor}): "
                "write the value out in full",
                _line(event),
                path,
            )
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            self.fail(
                f"YAML anchors and aliases are not allowed (found anchor &{event.anchor}): "
                "write the value out in full",
                _line(event),
                path,
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            if tag.startswith("tag:yaml.org,2002:"):
                tag = "!!" + tag.removeprefix("tag:yaml.org,2002:")
            self.fail(
                f"YAML tags are not allowed (found {tag}): remove the tag, and quote the value "
                "if it is text",
                _line(event),
                path,
            )

    def _node(self, event: yaml.Event, path: str, depth: int, key: str | None) -> Any:
        self._check_node(event, path)
        if path not in self.lines:
            self.lines[path] = _line(event)
        if type(event) is yaml.ScalarEvent:
            return self._scalar(event, path, key)
        if depth > MAX_DEPTH:
            self.fail(
                f"the data is nested more than {MAX_DEPTH} levels deep: flatten it",
                _line(event),
                path,
            )
        if isinstance(event, yaml.MappingStartEvent):
            return self._mapping(path, depth)
        assert isinstance(event, yaml.SequenceStartEvent)
        items: list[Any] = []
        while type(event := self.next()) is not yaml.SequenceEndEvent:
            items.append(self._node(event, f"{path}[{len(items)}]", depth + 1, None))
        return items

    def _mapping(self, path: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        key_lines: dict[str, int] = {}
        while type(event := self.next()) is not yaml.MappingEndEvent:
            key, line = self._key(event, path)
            key_path = _child_path(path, key)
            if key in key_lines:
                self.fail(
                    f"duplicate key {_show(key)} (line {key_lines[key]} and line {line}): "
                    "keep only one of them",
                    line,
                    key_path,
                )
            key_lines[key] = line
            result[key] = self._node(self.next(), key_path, depth + 1, key)
        return result

    def _key(self, event: yaml.Event, path: str) -> tuple[str, int]:
        line = _line(event)
        named = _child_path(path, event.value) if isinstance(event, yaml.ScalarEvent) else path
        self._check_node(event, named)
        if not isinstance(event, yaml.ScalarEvent):
            self.fail(
                "a mapping key must be text, not a list or mapping: use a text key", line, path
            )
        key = event.value
        key_path = _child_path(path, key)
        if not event.style and key not in _TEXT_KEYS:
            if key == "<<":
                self.fail(
                    "YAML merge keys (<<) are not allowed: write the fields out in full",
                    line,
                    key_path,
                )
            try:
                resolved = _resolve_plain(key, None, frozenset())
            except _Refused:
                resolved = None
            if not isinstance(resolved, str):
                shown = "an empty key" if key == "" else f"the key {_show(key)}"
                self.fail(
                    f"{shown} would not be read as text: mapping keys must be text; "
                    f'quote it, e.g. "{key if len(key) <= 40 else key[:37] + "..."}":',
                    line,
                    key_path,
                )
            if len(_TEXT_KEYS) < _TEXT_KEYS_MAX:
                _TEXT_KEYS.add(key)
        self._check_text(key, line, path)
        return key, line

    def _scalar(self, event: yaml.ScalarEvent, path: str, key: str | None) -> Any:
        line = _line(event)
        if event.style:  # quoted or block scalar: always text
            if event.style in ("'", '"'):
                self._check_folded(event, path)
            self._check_text(event.value, line, path)
            return event.value
        try:
            return _resolve_plain(event.value, key, self._float_fields)
        except _Refused as refused:
            self.fail(str(refused), line, path)

    def _check_folded(self, event: yaml.ScalarEvent, path: str) -> None:
        """Refuse a line break inside quotes: YAML reads it as a space (or drops it), so two
        files that show different text would sign the same value. An escaped break (a
        backslash ending the line, in double quotes) is fine: it says "continue"."""
        start, end = event.start_mark, event.end_mark
        if start is None or end is None or start.line == end.line:
            return
        for index in range(start.line, min(end.line, len(self._text_lines))):
            content = self._text_lines[index].removesuffix("\r")
            backslashes = len(content) - len(content.rstrip("\\"))
            if event.style == '"' and backslashes % 2 == 1:
                continue
            self.fail(
                "a line break inside a quoted value is read as a space, so the file would not "
                "show what is signed: keep the value on one line, write \\n (inside double "
                "quotes) where a line break is meant, or use a block scalar (|) for text over "
                "several lines",
                index + 1,
                path,
            )

    def _check_text(self, value: str, line: int, path: str) -> None:
        found = _SURROGATE.search(value)
        if found:
            self.fail(
                f"the text holds a lone surrogate U+{ord(found.group()):04X}, which is not "
                "valid Unicode: write the character itself (e.g. an emoji) instead of a "
                "\\uD83D-style escape",
                line,
                path,
            )


def _line(event: yaml.Event) -> int:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else 1


def _syntax_error(error: yaml.YAMLError, text: str, source: str) -> CredpagesError:
    """PyYAML's error, reworded with a line and a hint instead of a traceback."""
    char = ""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = error.problem or error.context or "invalid YAML"
        if error.context and error.problem:
            problem = f"{error.context}: {error.problem}"
        if mark is not None:
            char = _char_at(text, mark.line, mark.column)
    elif isinstance(error, yaml.reader.ReaderError):
        line = _line_at(text, error.position) if error.position <= len(text) else 1
        problem = error.reason
    else:
        line, problem = 1, str(error)
    return CredpagesError(
        f"YAML syntax error ({problem}): {_syntax_hint(problem, char)}", file=source, line=line
    )


def _char_at(text: str, line: int, column: int) -> str:
    """The character at a 0-based line and column, or "" past the end."""
    lines = _LINE_BREAK.split(text, maxsplit=line + 1)
    if line < len(lines) and column < len(lines[line]):
        return lines[line][column]
    return ""


def _syntax_hint(problem: str, char: str) -> str:
    if char == "\t" or "'\\t'" in problem:
        return "indent with spaces, not tabs"
    if "Unicode character escape" in problem:
        return (
            "\\uD800-\\uDFFF (surrogate) escapes are not allowed: write the character itself, "
            "or use \\U0001F600 for characters beyond U+FFFF"
        )
    if "escape" in problem:
        return (
            "inside double quotes a backslash starts an escape: write \\\\ for a backslash, "
            "use single quotes, or write the character itself"
        )
    if "cannot start any token" in problem:
        return "quote the value (values starting with @, ` or % must be quoted)"
    if "mapping values are not allowed" in problem:
        return "quote the value if it contains ': ', or fix the indentation"
    if "flow sequence" in problem or "flow mapping" in problem:
        return "close the [ or { opened on an earlier line, and quote values containing , [ ] { }"
    if "quoted scalar" in problem:
        return "close the quotes, or write a quote inside as \\\" (double) or '' (single)"
    return "check the quoting and indentation on this line and the one before"


def _decode(text: str | bytes, source: str, max_bytes: int) -> str:
    """Size, encoding and character checks that must happen before any parsing."""
    if isinstance(text, str):
        size = len(text) if len(text) > max_bytes else len(text.encode("utf-8", "surrogatepass"))
    else:
        size = len(text)
    if size > max_bytes:
        raise CredpagesError(
            f"the file is {size} bytes, over the limit of {max_bytes} bytes: "
            "a credential is a few kilobytes, so check that this is the right file",
            file=source,
            line=1,
        )
    if isinstance(text, str):
        decoded = text
    else:
        if text.startswith(_BOM):
            raise CredpagesError(
                "the file starts with a byte order mark (BOM): save it as UTF-8 without a BOM",
                file=source,
                line=1,
            )
        try:
            decoded = text.decode("utf-8")
        except UnicodeDecodeError as error:
            before = text[: error.start].decode("utf-8")
            raise CredpagesError(
                f"the file is not valid UTF-8 (byte 0x{text[error.start]:02X}): save it as UTF-8",
                file=source,
                line=_line_at(before, len(before)),
            ) from None
    if decoded.startswith("\ufeff"):
        raise CredpagesError(
            "the text starts with a byte order mark (BOM): save it without a BOM",
            file=source,
            line=1,
        )
    odd = _ODD_BREAK.search(decoded)
    if odd:
        char = odd.group()
        raise CredpagesError(
            f"the file holds {_BREAK_NAMES[char]}, which YAML reads as a line break (a space "
            "inside quotes) while editors and diffs may not show one: for a line break in a "
            "value write \\n inside double quotes or use a block scalar (|); to keep the "
            f"character itself write {_ESCAPES[char]} inside double quotes",
            file=source,
            line=_line_at(decoded, odd.start()),
        )
    found = _BAD_CHAR.search(decoded)
    if found:
        char = found.group()
        what = "a lone surrogate (not valid Unicode)" if _SURROGATE.match(char) else "a character"
        raise CredpagesError(
            f"the file holds {what} U+{ord(char):04X} that YAML does not allow: remove it, "
            'or write it as an escape inside double quotes (e.g. "\\t")',
            file=source,
            line=_line_at(decoded, found.start()),
        )
    return decoded


def loads_yaml(
    text: str | bytes,
    *,
    source: str = "<string>",
    max_bytes: int = MAX_BYTES,
    float_fields: frozenset[str] = FLOAT_FIELDS,
) -> Loaded:
    """Parse hostile YAML text into JSON-model data plus field line numbers, or raise."""
    decoded = _decode(text, source, max_bytes)
    loader = _Loader(decoded)  # its events pulled one by one, as yaml.parse does
    builder = _Builder(loader.get_event, source, float_fields, decoded)
    try:
        data = builder.document()
    except CredpagesError:
        raise
    except yaml.YAMLError as error:
        raise _syntax_error(error, decoded, source) from None
    except Exception as error:  # never let a parser surprise escape as a traceback
        raise CredpagesError(
            f"could not read the YAML ({type(error).__name__}: {error}): check the syntax; "
            "if the file looks right, report this as a credpages bug",
            file=source,
            line=1,
        ) from None
    finally:
        loader.dispose()
    return Loaded(data=data, lines=builder.lines, source=source)


def load_yaml(
    path: str | Path,
    *,
    max_bytes: int = MAX_BYTES,
    float_fields: frozenset[str] = FLOAT_FIELDS,
) -> Loaded:
    """Read and parse a YAML file; an oversized or special file is refused before it is read."""
    raw = read_bounded(path, max_bytes)
    return loads_yaml(raw, source=str(path), max_bytes=max_bytes, float_fields=float_fields)
