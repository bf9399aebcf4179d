"""QR codes as small inline SVG: one ``<path>`` of dark modules, safe to put straight into HTML.

The URL only ever appears encoded in the module matrix, never as text, so a hostile URL cannot
inject markup; the optional title is escaped. Error correction level M (15%) survives a printed
certificate's scuffs and a phone camera's blur at a modest size.
"""

from __future__ import annotations

from html import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError

from ..errors import CredpagesError

QUIET_ZONE = 4  # modules of light margin the QR specification requires
DEFAULT_TITLE = "QR code linking to this page"


def qr_matrix(data: str) -> list[list[bool]]:
    """The module matrix (True = dark) with its quiet zone, error correction M."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(data.encode("utf-8"))
    try:
        code.make(fit=True)
    except (DataOverflowError, ValueError):  # qrcode raises ValueError past version 40
        raise CredpagesError(
            f"too long for a QR code ({len(data.encode('utf-8'))} bytes; at most 2331)"
        ) from None
    return [[bool(module) for module in row] for row in code.get_matrix()]


def _path(matrix: list[list[bool]]) -> str:
    """Each row's dark runs as 1-module-wide strokes along the row's centre line.

    ``M<x> <y+.5>h<n>`` starts a row, ``m<gap> 0h<n>`` continues it: about half the bytes of
    drawing each run as a filled rectangle, which matters on tens of thousands of pages.
    """
    parts = []
    for y, row in enumerate(matrix):
        x, pen = 0, None  # pen: where the previous run of this row ended
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            move = f"M{start} {y}.5" if pen is None else f"m{start - pen} 0"
            parts.append(f"{move}h{x - start}")
            pen = x
    return "".join(parts)


def qr_svg(url: str, *, title: str = DEFAULT_TITLE, module_px: int = 4) -> str:
    """An inline ``<svg>`` of ``url`` as a QR code: viewBox in modules, a title, one path.

    Dark modules are black strokes; the white background (scanners need the contrast, also in
    a dark theme) comes from the page's stylesheet, since a strict Content-Security-Policy
    forbids inline styles. ``module_px`` sets the default ``width``/``height``.
    """
    matrix = qr_matrix(url)
    size = len(matrix)
    pixels = size * module_px
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{pixels}" height="{pixels}" role="img" shape-rendering="crispEdges">'
        f"<title>{escape(title, quote=False)}</title>"
        f'<path stroke="#000" d="{_path(matrix)}"/>'
        "</svg>"
    )
