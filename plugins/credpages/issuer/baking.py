"""Open Badges 3.0 baking: the signed credential carried inside its badge image (PNG or SVG).

PNG: one uncompressed ``iTXt`` chunk with keyword ``openbadgecredential`` (empty language tag and
translated keyword, text = the credential JSON) right after ``IHDR``; any earlier such chunk is
replaced, every other chunk kept byte for byte. SVG: ``xmlns:openbadges`` on the root ``<svg>`` and,
directly after its start tag, one ``<openbadges:credential>`` whose body is the JSON in CDATA.

Images are hostile input: PNG signatures, chunk lengths and CRCs are checked and sizes bounded;
an SVG with a DOCTYPE (entity declarations can expand or fetch) is refused.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.parsers import expat

from ..config import Settings
from ..errors import CredpagesError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
MAX_IMAGE_BYTES = 64 * 1024 * 1024
MAX_CREDENTIAL_BYTES = 16 * 1024 * 1024

Chunk = tuple[bytes, bytes]  # (type, data)


# --- PNG ---------------------------------------------------------------------------------------


def _png_error(message: str) -> CredpagesError:
    return CredpagesError(message, field="PNG")


def png_chunks(png: bytes) -> list[Chunk]:
    """Every chunk of a PNG in order; signature, lengths, CRCs, IHDR first, IEND last checked."""
    if len(png) > MAX_IMAGE_BYTES:
        raise _png_error(f"is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    if not png.startswith(PNG_SIGNATURE):
        raise _png_error("not a PNG file (its first 8 bytes are not the PNG signature)")
    chunks: list[Chunk] = []
    at = len(PNG_SIGNATURE)
    while at < len(png):
        if at + 12 > len(png):
            raise _png_error(f"truncated: the file ends inside chunk {len(chunks) + 1}")
        length, kind = struct.unpack_from(">I4s", png, at)
        name = kind.decode("latin-1")
        if length > 0x7FFFFFFF or not kind.isalpha():
            raise _png_error(f"chunk {len(chunks) + 1} has an invalid header: the file is damaged")
        end = at + 12 + length
        if end > len(png):
            raise _png_error(f"truncated: the file ends inside chunk {len(chunks) + 1} ({name})")
        data = png[at + 8 : at + 8 + length]
        (crc,) = struct.unpack_from(">I", png, at + 8 + length)
        if zlib.crc32(kind + data) != crc:
            raise _png_error(f"chunk {len(chunks) + 1} ({name}) has a bad CRC: the file is damaged")
        chunks.append((kind, data))
        at = end
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR":
        raise _png_error("has no IHDR chunk first: the file is damaged")
    if chunks[-1][0] != b"IEND":
        raise _png_error("truncated: it has no IEND chunk")
    return chunks


def _chunk_bytes(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _itxt_keyword(data: bytes) -> bytes:
    return data.split(b"\0", 1)[0]


def bake_png(png: bytes, credential_json: str) -> bytes:
    """``png`` with the credential in one ``openbadgecredential`` iTXt chunk right after IHDR."""
    chunks = png_chunks(png)
    payload = credential_json.encode("utf-8")
    if len(payload) > MAX_CREDENTIAL_BYTES:
        raise CredpagesError(f"the credential is larger than {MAX_CREDENTIAL_BYTES} bytes")
    # keyword, NUL, compression flag 0, method 0, empty language tag + NUL, empty translated + NUL
    itxt = KEYWORD + b"\0\0\0" + b"\0" + b"\0" + payload
    kept = [c for c in chunks[1:] if not (c[0] == b"iTXt" and _itxt_keyword(c[1]) == KEYWORD)]
    out = [PNG_SIGNATURE, _chunk_bytes(*chunks[0]), _chunk_bytes(b"iTXt", itxt)]
    out += [_chunk_bytes(kind, data) for kind, data in kept]
    return b"".join(out)


def _itxt_text(data: bytes) -> str:
    """The text of an iTXt chunk: keyword NUL flag method language NUL translated NUL text."""
    keyword_end = data.find(b"\0")
    lang_end = data.find(b"\0", keyword_end + 3) if keyword_end >= 0 else -1
    translated_end = data.find(b"\0", lang_end + 1) if lang_end >= 0 else -1
    if translated_end < 0:
        raise _png_error("its openbadgecredential iTXt chunk is malformed")
    flag, method = data[keyword_end + 1], data[keyword_end + 2]
    text = data[translated_end + 1 :]
    if flag == 1:  # forbidden by Open Badges 3.0, but read it (bounded) from other bakers
        if method != 0:
            raise _png_error("its openbadgecredential chunk uses an unknown compression method")
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, MAX_CREDENTIAL_BYTES + 1)
        except zlib.error as exc:
            raise _png_error(f"its compressed openbadgecredential chunk is damaged: {exc}") from exc
        if len(text) > MAX_CREDENTIAL_BYTES or inflater.unconsumed_tail:
            raise _png_error(f"its credential is larger than {MAX_CREDENTIAL_BYTES} bytes")
    elif flag != 0:
        raise _png_error("its openbadgecredential iTXt chunk has an invalid compression flag")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _png_error("its openbadgecredential text is not UTF-8") from exc


def extract_png(png: bytes) -> str:
    """The credential baked into ``png`` (the first ``openbadgecredential`` iTXt chunk)."""
    for kind, data in png_chunks(png):
        if kind == b"iTXt" and _itxt_keyword(data) == KEYWORD:
            return _itxt_text(data)
    raise _png_error("has no openbadgecredential iTXt chunk: this image is not a baked badge")


# --- SVG ---------------------------------------------------------------------------------------


def _svg_error(message: str) -> CredpagesError:
    return CredpagesError(message, field="SVG")


def _refuse_doctype(svg: str) -> None:
    """Parse once with expat, refusing any DOCTYPE or entity declaration before anything else."""

    def refuse(*_: Any) -> None:
        raise _svg_error(
            "has a DOCTYPE or entity declaration: refused (entities can expand or fetch); "
            "remove the <!DOCTYPE …> line"
        )

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(svg, True)
    except expat.ExpatError as exc:
        raise _svg_error(f"is not well-formed XML: {exc}") from exc


def _parse_svg(svg: str) -> ET.Element:
    if len(svg) > MAX_IMAGE_BYTES:
        raise _svg_error(f"is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    _refuse_doctype(svg)
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        raise _svg_error(f"is not well-formed XML: {exc}") from exc
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise _svg_error("its root element is not <svg> in the SVG namespace")
    return root


def extract_svg(svg: str) -> str:
    """The credential baked into ``svg``: its one ``openbadges:credential`` element's body.

    An image holding two is refused: which one was meant cannot be known, and verifying the first
    would say nothing of the second.
    """
    root = _parse_svg(svg)
    found = list(root.iter(f"{{{OB_NAMESPACE}}}credential"))
    if not found:
        raise _svg_error("has no openbadges:credential element: this image is not a baked badge")
    if len(found) > 1:
        raise _svg_error(
            f"holds {len(found)} baked credentials: refused (which one would be meant?); "
            "bake one credential per image"
        )
    element = found[0]
    text = element.text or ""
    if not text.strip():
        text = element.get("verify", "")  # VC-JWT form: the compact JWS in an attribute
    if not text.strip():
        raise _svg_error("its openbadges:credential element is empty")
    return text


_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_DOCTYPE = re.compile(r"<!DOCTYPE\s[^\[>]*>", re.I)
_START_TAG = re.compile(r"""<svg(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
_XMLNS_OB = re.compile(r"""\sxmlns:openbadges\s*=\s*(["'])(.*?)\1""", re.S)


def _without_doctype(svg: str) -> str:
    """An SVG's external DOCTYPE (e.g. Illustrator's) carries nothing a browser uses: drop it."""
    at = 0
    while (item := _PROLOG_ITEM.match(svg, at)) is not None:
        at = item.end()
    doctype = _DOCTYPE.match(svg, at)
    return svg[: doctype.start()] + svg[doctype.end() :] if doctype else svg


def _cdata(text: str) -> str:
    """``text`` as CDATA; a ``]]>`` inside is split across two sections so it cannot end one."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _credential_spans(svg: str, start: int) -> list[tuple[int, int]]:
    """Spans of existing ``<openbadges:credential>`` elements (CDATA-aware), after ``start``."""
    spans = []
    opener = re.compile(r"<openbadges:credential\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>")
    at = start
    while (found := opener.search(svg, at)) is not None:
        if found.group(1):  # self-closing
            spans.append((found.start(), found.end()))
            at = found.end()
            continue
        i = found.end()
        while True:
            if svg.startswith("<![CDATA[", i):
                close = svg.find("]]>", i)
                if close < 0:
                    raise _svg_error("has an unterminated CDATA section")
                i = close + 3
            elif svg.startswith("</openbadges:credential", i):
                end = svg.find(">", i)
                spans.append((found.start(), end + 1))
                at = end + 1
                break
            else:
                nxt = svg.find("<", i + 1)
                if nxt < 0:
                    raise _svg_error("has an unterminated openbadges:credential element")
                i = nxt
    return spans


def bake_svg(svg: str, credential_json: str) -> str:
    """``svg`` with the credential in one ``<openbadges:credential>`` right after ``<svg …>``."""
    svg = _without_doctype(svg)
    _parse_svg(svg)  # well-formed, no DOCTYPE left (an internal subset is refused), root <svg>
    at = 0
    while (item := _PROLOG_ITEM.match(svg, at)) is not None:
        at = item.end()
    tag = _START_TAG.match(svg, at)
    if tag is None:
        raise _svg_error("does not start with an <svg> element (after the XML declaration)")
    start_tag = tag.group(0)
    declared = _XMLNS_OB.search(start_tag)
    if declared is not None and declared.group(2) != OB_NAMESPACE:
        raise _svg_error(f"binds the prefix openbadges to another namespace ({declared.group(2)})")
    closing = "/>" if tag.group(1) else ">"
    head = start_tag[: -len(closing)].rstrip()
    if declared is None:
        head += f' xmlns:openbadges="{OB_NAMESPACE}"'
    element = f"<openbadges:credential>{_cdata(credential_json)}</openbadges:credential>"
    body = svg[tag.end() :]
    if tag.group(1):
        body = "</svg>" + body
    else:
        removed, last = [], 0
        for begin, end in _credential_spans(body, 0):
            removed.append(body[last:begin])
            last = end
        body = "".join(removed) + body[last:]
    baked = svg[:at] + head + ">" + element + body
    root = _parse_svg(baked)
    if sum(1 for _ in root.iter(f"{{{OB_NAMESPACE}}}credential")) != 1:
        raise _svg_error("already holds a credential under another prefix: remove it before baking")
    if extract_svg(baked) != credential_json:
        raise _svg_error("could not be baked faithfully")  # a bug, never expected
    return baked


# --- the default image of a credential ---------------------------------------------------------


def achievement_image(settings: Settings, document: Mapping[str, Any]) -> Path:
    """The credential's achievement image as a file inside ``docs_dir``, or a clear error."""
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    image = achievement.get("image") if isinstance(achievement, Mapping) else None
    url = image.get("id") if isinstance(image, Mapping) else image
    if not isinstance(url, str) or not url:
        raise CredpagesError(
            "the achievement has no image: pass --image FILE (a PNG or SVG)",
            field="credentialSubject.achievement.image",
        )
    if not url.startswith(settings.site_url):
        raise CredpagesError(
            f"the achievement's image {url} is not a file of this site: pass --image FILE",
            field="credentialSubject.achievement.image",
        )
    path = settings.docs_file(url)
    if path is None or not path.is_file():
        raise CredpagesError(
            f"the achievement's image {url} is not a file in {settings.docs_dir}: pass --image "
            "FILE",
            field="credentialSubject.achievement.image",
        )
    return path
