"""What `credpages verify` reads: a credential as the issuer's YAML, as the JSON a credential page
publishes (``credential.json``), or baked into a PNG or SVG badge.

The kind is told by the content (a PNG signature, an XML start, a JSON object), the file name
only breaking ties, so a renamed file is still read for what it is. Every kind is hostile input:
the file is size-bounded and regular, JSON must be one object without duplicate keys, and a PNG
carrying more than one credential is refused rather than verified by its first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..credential.yamlio import MAX_BYTES, Loaded, loads_yaml, read_bounded
from ..errors import CredpagesError
from ..issuer.baking import (
    KEYWORD,
    MAX_IMAGE_BYTES,
    PNG_SIGNATURE,
    extract_png,
    extract_svg,
    png_chunks,
)

__all__ = ["load_credential_input"]


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise CredpagesError(f"duplicate key {key!r}: a signed credential has each key once")
        found[key] = value
    return found


def _refuse_constant(name: str) -> Any:
    raise CredpagesError(f"{name} is not JSON: a signed credential holds no such number")


def _from_json(text: str, source: str, what: str) -> Loaded:
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise CredpagesError(
            f"{what} is not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})",
            file=source,
        ) from None
    except CredpagesError as exc:
        raise CredpagesError(f"{what}: {exc.message}", file=source) from None
    if not isinstance(data, dict):
        raise CredpagesError(f"{what} is not a JSON object: it holds no credential", file=source)
    return Loaded(data=data, lines={}, source=source)


def _baked_png(raw: bytes, source: str) -> Loaded:
    try:
        baked = [c for c in png_chunks(raw) if c[0] == b"iTXt" and c[1].startswith(KEYWORD + b"\0")]
        if len(baked) > 1:
            raise CredpagesError(
                f"holds {len(baked)} baked credentials: refused (which one would be meant?); "
                "bake one credential per image",
                field="PNG",
            )
        text = extract_png(raw)
    except CredpagesError as exc:
        raise exc.located(file=source) from None
    return _from_json(text, source, "the credential baked into this PNG")


def _baked_svg(raw: bytes, source: str) -> Loaded:
    try:
        svg = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CredpagesError("is not UTF-8 text, so not an SVG", file=source, field="SVG") from None
    try:
        text = extract_svg(svg)
    except CredpagesError as exc:
        raise exc.located(file=source) from None
    if not text.lstrip().startswith("{"):
        raise CredpagesError(
            "the credential baked into this SVG is not JSON (a VC-JWT?): credpages verifies "
            "Data Integrity credentials only",
            file=source,
            field="SVG",
        )
    return _from_json(text, source, "the credential baked into this SVG")


def load_credential_input(path: Path, source: str) -> Loaded:
    """The credential in ``path`` (shown as ``source`` in messages), whatever form it is in."""
    suffix = path.suffix.lower()
    raw = read_bounded(path, MAX_BYTES if suffix in (".yaml", ".yml") else MAX_IMAGE_BYTES)
    start = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if raw.startswith(PNG_SIGNATURE) or suffix == ".png":
        return _baked_png(raw, source)
    if suffix == ".svg" or (start == b"<" and suffix not in (".yaml", ".yml", ".json")):
        return _baked_svg(raw, source)
    if suffix == ".json" or (start == b"{" and suffix not in (".yaml", ".yml")):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CredpagesError(
                f"is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})", file=source
            ) from None
        return _from_json(text, source, "the file")
    try:
        return loads_yaml(raw, source=source)
    except CredpagesError as exc:
        raise CredpagesError(exc.message, file=source, line=exc.line, field=exc.field) from None
