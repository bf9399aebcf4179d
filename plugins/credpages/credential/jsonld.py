"""Offline JSON-LD for eddsa-rdfc-2022: a bundled-contexts-only loader and safe-mode RDFC-1.0.

Signing must never touch the network, and an rdfc signature only means something if every
property of the credential reaches the canonical N-Quads. So the loader serves only the contexts
shipped in ``credpages/credential/contexts`` (plus, for tests, an explicit ``{url: file}`` map)
and refuses every other URL, and :func:`canonicalize_rdfc` refuses any document in which JSON-LD
processing would silently drop a property or leave a relative IRI (PyLD would otherwise sign
``http://example.org/base/<term>`` for an undefined type: NOTES §7, gotcha 4).

PyLD 3.3 writes string literals in URDNA2015's older N-Quads form; importing this module switches
its escaping to RDFC-1.0's (:func:`rdfc_escape`), which jsonld.js also uses.

Over ~400 lines on purpose: every place credpages reaches into PyLD (the loader, the escaping, the
safe-mode processor and its processed-context memo) is in this one file, which
tests/test_dependencies.py pins against PyLD's sources.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import CredpagesError


@contextlib.contextmanager
def _without_network_clients() -> Iterator[None]:
    """While PyLD is imported: ``requests`` and ``aiohttp`` cannot be imported (a ``None`` in
    ``sys.modules``), unless something imported them already.

    At import PyLD makes a default document loader from the first of them it can import; the
    ``requests`` one imports requests, urllib3 and charset_normalizer (~0.1 s, the largest part
    of what a build that checks one new credential imports). credpages never uses that loader
    (:func:`document_loader` is passed to every call), so PyLD falls back to its loader that
    fetches nothing, which also keeps any code path that forgot the option offline. Afterwards
    both names import as usual."""
    blocked = [name for name in ("requests", "aiohttp") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


with _without_network_clients():
    from pyld import jsonld  # type: ignore[import-untyped,unused-ignore]
    from pyld import nquads as pyld_nquads  # type: ignore[import-untyped,unused-ignore]
    from pyld.context_resolver import (  # type: ignore[import-untyped,unused-ignore]
        ContextResolver,
    )

__all__ = [
    "DocumentLoader",
    "bundled_context_urls",
    "canonicalize_rdfc",
    "document_loader",
    "rdfc_escape",
]

#: PyLD's document loader signature: ``(url, options) -> remote document``.
DocumentLoader = Callable[[str, Any], dict[str, Any]]

# An absolute IRI (or blank node id) that canonical N-Quads can carry as it is: no (Unicode) white
# space, which PyLD treats as "relative" and silently drops, and no control character or any of
# <>"{}|^`\ (rdf-canonize \u-escapes those, PyLD writes them raw).
_ABSOLUTE_IRI = re.compile(r'^([A-Za-z][A-Za-z0-9+.-]*|_):[^\s\x00-\x20<>"{}|^`\\]*$')
_IRI_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*|_):")
# Code points RDFC-1.0 \u-escapes but jsonld.js's rdf-canonize writes raw (refused: _check_json).
_DIVERGENT = re.compile("[\ud800-\udfff\ufffe\uffff]")
_EXTENSIONS_URL = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
# The type PyLD gives a context once it has finished processing it (frozendict).
_FINISHED = type(jsonld.freeze({}))

# Parsed JSON of each context file, read once per process (files never change at run time).
_parsed: dict[str, Any] = {}


@functools.cache
def _bundled_index() -> dict[str, str]:
    """URL -> file name of the contexts shipped with the package (``contexts/index.json``)."""
    text = (
        resources.files("credpages.credential")
        .joinpath("contexts", "index.json")
        .read_text("utf-8")
    )
    index: dict[str, str] = json.loads(text)
    return index


def bundled_context_urls() -> frozenset[str]:
    """The only context URLs production code will load."""
    return frozenset(_bundled_index())


def _parse_bundled(name: str) -> Any:
    key = "bundled:" + name
    if key not in _parsed:
        text = resources.files("credpages.credential").joinpath("contexts", name).read_text("utf-8")
        _parsed[key] = json.loads(text)
    return _parsed[key]


def _parse_file(path: Path) -> Any:
    key = "file:" + str(path.resolve())
    if key not in _parsed:
        try:
            _parsed[key] = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise CredpagesError(f"cannot read JSON-LD context file {path}: {exc}") from exc
    return _parsed[key]


class _OfflineLoader:
    """Serves bundled (and explicitly added) contexts; refuses every other URL."""

    def __init__(self, extra: Mapping[str, Path]) -> None:
        self._extra = dict(extra)

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        if url in self._extra:
            parsed = _parse_file(self._extra[url])
        elif url in _bundled_index():
            parsed = _parse_bundled(_bundled_index()[url])
        else:
            raise CredpagesError(
                f"JSON-LD context {url!r} is not bundled with credpages and nothing is fetched "
                "from the network: use only " + ", ".join(sorted(_bundled_index()))
            )
        # A copy, because PyLD rewrites context URLs in place. The "static" tag makes PyLD keep the
        # processed context in its resolver cache, which halves the cost of each canonicalisation.
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(parsed),
            "tag": "static",
        }


class _BoundedCache(dict[str, Any]):
    """PyLD's shared resolved-context cache, bounded (inline contexts add one key each)."""

    max_size = 256

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self and len(self) >= self.max_size:
            del self[next(iter(self))]
        super().__setitem__(key, value)


@functools.lru_cache(maxsize=16)
def _setup(
    extra: tuple[tuple[str, str], ...],
) -> tuple[_OfflineLoader, _BoundedCache, _BoundedCache]:
    # One resolved-context cache per loader: PyLD keys its cache by URL only, so sharing it (PyLD's
    # global default) would let a context a test loaded leak into production use. The third item
    # holds processed active contexts (see _SafeProcessor._process_context), per loader likewise.
    return _OfflineLoader({url: Path(p) for url, p in extra}), _BoundedCache(), _BoundedCache()


def _extra_key(extra_contexts: Mapping[str, Path] | None) -> tuple[tuple[str, str], ...]:
    if not extra_contexts:
        return ()
    return tuple(sorted((url, str(Path(p))) for url, p in extra_contexts.items()))


def document_loader(extra_contexts: Mapping[str, Path] | None = None) -> DocumentLoader:
    """The offline loader: bundled contexts, plus ``extra_contexts`` (``{url: file}``) if given."""
    return _setup(_extra_key(extra_contexts))[0]


# ---------------------------------------------------------------------------- safe mode


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Every ``(path, key, value)`` of a JSON tree, skipping embedded ``@context`` values."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            here = f"{path}.{key}" if path else str(key)
            yield here, key, value
            yield from _walk(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            here = f"{path}[{i}]"
            yield here, None, item
            yield from _walk(item, here)


def _where(paths: list[str]) -> str | None:
    if not paths:
        return None
    return ", ".join(paths[:3]) + (f" (and {len(paths) - 3} more)" if len(paths) > 3 else "")


def _dropped_error(doc: Any, expanded: str | None) -> CredpagesError:
    if expanded is None:
        paths = [
            p
            for p, k, _ in _walk(doc)
            if isinstance(k, str) and k.startswith("@") and not k.startswith("@context")
        ]
        return CredpagesError(
            "JSON-LD processing would drop a property (an unknown @keyword, or a term the "
            "@context maps to null), so the eddsa-rdfc-2022 proof would not cover it: "
            "remove it or define it",
            field=_where(paths),
        )
    paths = [p for p, k, _ in _walk(doc) if k == expanded]
    return CredpagesError(
        f"the term {expanded!r} is not defined by the document's @context, so JSON-LD processing "
        "would drop it and the eddsa-rdfc-2022 proof would not cover it: remove it, or add a "
        "context that defines it",
        field=_where(paths),
    )


def _iri_error(doc: Any, value: str, what: str) -> CredpagesError:
    paths = [p for p, k, v in _walk(doc) if v == value or k == value]
    if _IRI_SCHEME.match(value):
        return CredpagesError(
            f"{value!r} is used as {what} but contains a space, a control character or one of "
            '<>"{}|^`\\, which an IRI cannot hold and implementations escape differently: '
            "percent-encode it (or base64-encode a data: URI)",
            field=_where(paths),
        )
    hint = ""
    if value.startswith("1EdTech"):
        hint = f" (1EdTech extension types are defined by {_EXTENSIONS_URL})"
    return CredpagesError(
        f"{value!r} is used as {what} but is neither a term of the document's @context nor an "
        "absolute IRI, so eddsa-rdfc-2022 would sign a relative IRI that other verifiers "
        f"reject: add a context that defines it{hint}, or use an absolute IRI",
        field=_where(paths),
    )


def _check_iri(value: Any, doc: Any, what: str) -> None:
    if not (isinstance(value, str) and _ABSOLUTE_IRI.match(value)):
        raise _iri_error(doc, str(value), what)


def _check_expanded(node: Any, doc: Any) -> None:
    """Refuse relative (or unserialisable) IRIs as ``@id``, ``@type``, datatype or property."""
    if isinstance(node, list):
        for item in node:
            _check_expanded(item, doc)
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:  # a literal: its @type is a datatype IRI ("@json" keeps raw JSON)
        datatype = node.get("@type")
        if datatype is not None and datatype != "@json":
            _check_iri(datatype, doc, "a datatype")
        return
    for key, value in node.items():
        if key == "@id":
            _check_iri(value, doc, "an id")
        elif key == "@type":
            for t in value if isinstance(value, list) else [value]:
                _check_iri(t, doc, "a type")
        elif key not in ("@index", "@language", "@direction"):
            if not key.startswith("@"):
                _check_iri(key, doc, "a property")
            _check_expanded(value, doc)


def _check_json(doc: Any) -> None:
    """Refuse what JSON-LD drops unannounced, and what RDFC implementations write differently."""
    nulls: list[str] = []
    odd: list[str] = []
    for path, key, value in _walk(doc):
        if value is None:
            nulls.append(path)
        elif (isinstance(value, str) and _DIVERGENT.search(value)) or (
            isinstance(key, str) and _DIVERGENT.search(key)
        ):
            odd.append(path)
    if nulls:
        raise CredpagesError(
            "null values are dropped by JSON-LD, so the eddsa-rdfc-2022 proof would not cover "
            "them: omit the property instead",
            field=_where(nulls),
        )
    if odd:
        raise CredpagesError(
            "contains U+FFFE, U+FFFF or a lone surrogate: RDFC-1.0 escapes these but common "
            "implementations do not, so an eddsa-rdfc-2022 proof would not verify everywhere: "
            "remove the character",
            field=_where(odd),
        )


# ---------------------------------------------------------------------------- N-Quads escaping

_ECHAR = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_LITERAL_ESCAPES = re.compile('[\x00-\x1f\x7f"\\\\\ud800-\udfff\ufffe\uffff]')


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _ECHAR.get(char) or f"\\u{ord(char):04X}"


def rdfc_escape(value: str) -> str:
    """Escape a string literal as RDFC-1.0's canonical N-Quads require (its appendix A).

    PyLD 3.3 still writes URDNA2015's older form, which leaves BS, FF, DEL and most other
    C0 controls raw; jsonld.js (rdf-canonize) and the RDFC-1.0 test suite (test060) escape them.
    """
    return _LITERAL_ESCAPES.sub(_escape_char, value)


# PyLD serialises quads (for the hashes inside the algorithm and for the output) through
# ``pyld.nquads.serialize_nquad``, which looks ``escape`` up in its module at call time.
pyld_nquads.escape = rdfc_escape


def _context_key(local_ctx: Any) -> str:
    """A local context by content (URLs, or inline JSON from a bundled context or a document)."""
    if isinstance(local_ctx, str):
        return local_ctx
    return json.dumps(local_ctx, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class _SafeProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """A PyLD processor that refuses lossy documents during its single expansion.

    ``normalize`` -> ``to_rdf`` -> ``self.expand``: checking inside ``expand`` lets one expansion
    serve both the safety checks and the canonicalisation.

    It also reuses processed contexts across documents. PyLD caches a processed context under the
    ``_uuid`` of the active context it was processed against, but every type-scoped context (the
    OB 3.0 and VC 2.0 contexts scope one to nearly every type) is processed against a fresh clone
    with a fresh ``_uuid``, so each credential processed its contexts again: over half the time
    of a canonicalisation. Processing a context is a pure function of the active context, the
    local context and the flags (the loader and options are fixed per ``_setup``), so the result
    is kept under (active context's ``_uuid``, local context's content, flags) when the active
    context is a finished, frozen one (PyLD freezes every context it has finished processing;
    those under construction are plain dicts and never memoised). Results are frozen and their
    ``_uuid`` stable, so one credential's nested contexts hit the memo too. Identity of the
    output is tested against the official vectors and against a fresh processor per document.
    """

    def __init__(self, doc: Any, processed: _BoundedCache | None = None) -> None:
        super().__init__(on_property_dropped=self._dropped)
        self._doc = doc
        self._processed = processed

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        memo = self._processed
        uuid = active_ctx.get("_uuid") if isinstance(active_ctx, _FINISHED) else None
        if memo is None or cycles is not None or uuid is None:
            return super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected,
                propagate,
                validate_scoped,
                cycles,
            )
        key = f"{uuid}|{override_protected:d}{propagate:d}{validate_scoped:d}|" + _context_key(
            local_ctx
        )
        result = memo.get(key)
        if result is None:
            result = super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped
            )
            if isinstance(result, _FINISHED) and "_uuid" in result:
                memo[key] = result
        return result

    def _dropped(self, expanded_property: str | None) -> None:
        raise _dropped_error(self._doc, expanded_property)

    def expand(self, input_: Any, options: Any) -> Any:
        expanded = super().expand(input_, options)
        _check_expanded(expanded, self._doc)
        return expanded


def _credpages_cause(exc: BaseException) -> CredpagesError | None:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, CredpagesError):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


def _messages(exc: BaseException) -> str:
    parts: list[str] = []
    cur: BaseException | None = exc
    while cur is not None and len(parts) < 5:
        msg = str(cur.args[0]) if cur.args else type(cur).__name__
        if msg not in parts:
            parts.append(msg)
        cur = cur.__cause__
    return " <- ".join(parts)


def canonicalize_rdfc(doc: dict[str, Any], extra_contexts: Mapping[str, Path] | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of ``doc`` (what eddsa-rdfc-2022 hashes), offline, safe mode.

    Raises :class:`CredpagesError` (naming the term and where it is) if a context is not bundled,
    if JSON-LD would drop a property or a ``null`` value, if an ``@id``/``@type``/datatype/property
    would be a relative IRI or one N-Quads cannot carry unescaped, or if a string holds U+FFFE,
    U+FFFF or a lone surrogate (escaped differently by RDFC-1.0 and jsonld.js).
    """
    if not isinstance(doc, dict):
        raise CredpagesError("a JSON-LD document must be a JSON object")
    _check_json(doc)
    loader, cache, processed = _setup(_extra_key(extra_contexts))
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "base": None,  # no base: a relative IRI stays relative (and is refused) instead of
        # being resolved against PyLD's http://example.org/base/ default
        "documentLoader": loader,
        "contextResolver": ContextResolver(cache, loader),
    }
    try:
        nquads = _SafeProcessor(doc, processed).normalize(doc, options)
    except jsonld.JsonLdError as exc:
        cause = _credpages_cause(exc)
        if cause is not None:
            raise CredpagesError(cause.message, field=cause.field) from exc
        raise CredpagesError(f"JSON-LD processing failed: {_messages(exc)}") from exc
    if not isinstance(nquads, str):  # pragma: no cover - PyLD returns a str for this format
        raise CredpagesError("JSON-LD canonicalisation did not produce N-Quads")
    return nquads
