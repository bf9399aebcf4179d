"""Rasterise an issuer's SVG artwork (badge images, logos) to PNG, offline and inert.

Why resvg: it ships as a wheel (no system Cairo), renders without a browser, and never touches the
network. The SVG is hostile input: size is capped before parsing, a DOCTYPE (entities) is refused,
every reference that is not inside the document (``href`` other than ``#id`` or a ``data:`` image)
is removed before drawing, so no file on the build machine is read, and system fonts are not
loaded (the bundled fonts are, so a build looks the same on every machine; text in any other family
is drawn in Noto Sans rather than left out).
"""

from __future__ import annotations

import re
import tempfile
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

import resvg_py

from ..errors import CredpagesError

MAX_SVG_BYTES = 2 * 1024 * 1024
MAX_SIDE_PX = 4096
_FONTS = Path(__file__).parent / "fonts"
FALLBACK_FAMILY = "Noto Sans"
_HREFS = ("href", "{http://www.w3.org/1999/xlink}href")
_INTERNAL = re.compile(r"\s*(#|data:image/(png|jpeg|gif|webp)[;,])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _font_files() -> tuple[str, ...]:
    return tuple(str(p) for p in sorted(_FONTS.glob("*.ttf")))


def svg_to_png(svg: bytes | str, *, width: int, source: str = "SVG image") -> bytes:
    """Return PNG bytes of ``svg`` drawn ``width`` pixels wide (height follows the aspect ratio).

    Raises ``CredpagesError`` naming ``source`` when the SVG is too large, not UTF-8, or not an SVG
    resvg can draw.
    """
    if not 1 <= width <= MAX_SIDE_PX:
        raise ValueError(f"width must be 1..{MAX_SIDE_PX}, not {width}")
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    if len(data) > MAX_SVG_BYTES:
        raise CredpagesError(
            f"is larger than {MAX_SVG_BYTES // (1024 * 1024)} MiB: use a smaller SVG", file=source
        )
    try:
        text = _self_contained(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CredpagesError(
            f"is not UTF-8 text (byte {exc.start}): save it as UTF-8", file=source
        ) from exc
    except (ET.ParseError, ValueError) as exc:
        raise CredpagesError(
            f"cannot be drawn as an SVG image ({exc}): check that it is a valid SVG file",
            file=source,
        ) from exc
    with tempfile.TemporaryDirectory(prefix="credpages-svg-") as empty:
        try:
            png = resvg_py.svg_to_bytes(
                svg_string=text,
                width=width,
                skip_system_fonts=True,
                font_files=list(_font_files()),
                # Text in a family that is not bundled (sans-serif, Arial, …) would otherwise be
                # left out: every family falls back to the bundled Noto Sans.
                font_family=FALLBACK_FAMILY,
                serif_family=FALLBACK_FAMILY,
                sans_serif_family=FALLBACK_FAMILY,
                cursive_family=FALLBACK_FAMILY,
                fantasy_family=FALLBACK_FAMILY,
                monospace_family=FALLBACK_FAMILY,
                resources_dir=empty,
            )
        except (ValueError, RuntimeError) as exc:
            raise CredpagesError(
                f"cannot be drawn as an SVG image ({exc}): check that it is a valid SVG file",
                file=source,
            ) from exc
    return bytes(png)


def _self_contained(svg: str) -> str:
    """``svg`` without a DOCTYPE and with every external reference removed."""
    if re.search(r"<!DOCTYPE|<!ENTITY", svg, re.IGNORECASE):
        raise ValueError("it has a DOCTYPE or ENTITY declaration, which is not allowed")
    root = ET.fromstring(svg)
    for element in root.iter():
        for name in _HREFS:
            value = element.get(name)
            if value is not None and not _INTERNAL.match(value):
                del element.attrib[name]
    return ET.tostring(root, encoding="unicode")
