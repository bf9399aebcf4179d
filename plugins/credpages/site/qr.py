"""QR codes as small inline SVG: one ``<path>`` of dark modules, safe to put straight into HTML.

The URL only ever appears encoded in the module matrix, never as text, so a hostile URL cannot
inject markup; the optional title is escaped. Error correction level M (15%) survives a printed
certificate's scuffs and a phone camera's blur at a modest size.
"""

from __future__ import annotations

import re
from html import escape

from .qr_encode import qr_rows

QUIET_ZONE = 4  # modules of light margin the QR specification requires
DEFAULT_TITLE = "QR code linking to this page"
_DARK_RUN = re.compile("1+")


def qr_matrix(data: str) -> list[list[bool]]:
    """The module matrix (True = dark) with its quiet zone, error correction M, byte mode."""
    rows = qr_rows(data.encode("utf-8"))
    size = len(rows) + 2 * QUIET_ZONE
    light = [False] * size
    return (
        [light[:] for _ in range(QUIET_ZONE)]
        + [
            [False] * QUIET_ZONE
            + [bool(row >> x & 1) for x in range(len(rows))]
            + [False] * QUIET_ZONE
            for row in rows
        ]
        + [light[:] for _ in range(QUIET_ZONE)]
    )


def _path(rows: list[int]) -> str:
    """Each row's dark runs as 1-module-wide strokes along the row's centre line.

    ``M<x> <y+.5>h<n>`` starts a row, ``m<gap> 0h<n>`` continues it: about half the bytes of
    drawing each run as a filled rectangle, which matters on tens of thousands of pages.
    """
    parts = []
    n = len(rows)
    for y, row in enumerate(rows, start=QUIET_ZONE):
        pen = None  # where the previous run of this row ended
        for run in _DARK_RUN.finditer(format(row, f"0{n}b")[::-1]):
            start, end = run.start() + QUIET_ZONE, run.end() + QUIET_ZONE
            move = f"M{start} {y}.5" if pen is None else f"m{start - pen} 0"
            parts.append(f"{move}h{end - start}")
            pen = end
    return "".join(parts)


def qr_svg(url: str, *, title: str = DEFAULT_TITLE, module_px: int = 4) -> str:
    """An inline ``<svg>`` of ``url`` as a QR code: viewBox in modules, a title, one path.

    Dark modules are black strokes; the white background (scanners need the contrast, also in
    a dark theme) comes from the page's stylesheet, since a strict Content-Security-Policy
    forbids inline styles. ``module_px`` sets the default ``width``/``height``.
    """
    rows = qr_rows(url.encode("utf-8"))
    size = len(rows) + 2 * QUIET_ZONE
    pixels = size * module_px
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{pixels}" height="{pixels}" role="img" shape-rendering="crispEdges">'
        f"<title>{escape(title, quote=False)}</title>"
        f'<path stroke="#000" d="{_path(rows)}"/>'
        "</svg>"
    )
