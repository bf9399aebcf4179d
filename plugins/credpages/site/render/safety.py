"""Making hostile credential values inert: which URLs may be linked, script-safe JSON, clamping.

Every string in a credential is attacker-controlled as far as the page is concerned: a signature
proves who wrote it, not that it is harmless. Jinja's autoescaping handles markup; this module
handles what autoescaping cannot: URL schemes, ``</script>`` inside JSON, bidi overrides in plain
text contexts (``<title>``, ``<meta>``), and megabyte-long values.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

#: Longest URL we will put in an href/src; longer ones are shown as (clamped) text.
MAX_URL = 4096

# Whitespace, C0/C1 controls, and invisible format characters (zero-width, bidi controls, BOM,
# specials). Browsers strip or percent-encode some of these silently, so a URL containing one may
# not go where its text says; bidi controls can make a URL read backwards.
_URL_BAD_CHARS = re.compile(
    "[\x00-\x20\x7f-\xa0\u00ad\u034f\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f"
    "\u205f-\u206f\u3000\ufe00-\ufe0f\ufeff\ufff0-\uffff\ud800-\udfff\\\\]"
)
_HTTP_PREFIX = re.compile(r"^https?://", re.IGNORECASE)

# Characters that would end or change a <script> body, or that are line terminators in old
# JavaScript engines. ``&`` is escaped too so the text also survives an XHTML/XML parser.
_SCRIPT_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# Text that the HTML parser cannot carry unchanged into the DOM: NUL is dropped or replaced, lone
# surrogates cannot be encoded as UTF-8.
_UNSHOWABLE = re.compile("[\x00\ud800-\udfff]")

# Strong right-to-left letters and explicit bidi controls: text containing any of these gets
# wrapped in FSI…PDI where an element (<bdi>) cannot be used.
_BIDI_SENSITIVE = re.compile(
    "[\u0590-\u08ff\u200e\u200f\u202a-\u202e\u2066-\u2069\ufb1d-\ufdff\ufe70-\ufefc"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
_FSI, _PDI = "\u2068", "\u2069"
ELLIPSIS = "…"


def safe_url(value: object) -> str | None:
    """The value itself if it may be linked: an absolute http(s) URL with a host and no userinfo.

    Anything else (``javascript:``, ``data:``, relative or protocol-relative, embedded credentials,
    whitespace or control characters) returns None so the caller shows it as text instead.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_URL:
        return None
    return value if _safe_url_str(value) else None


@lru_cache(maxsize=8192)
def _safe_url_str(value: str) -> bool:
    # Cached: a site's pages repeat the same handful of URLs (issuer, logo, site, status list).
    if not _HTTP_PREFIX.match(value) or _URL_BAD_CHARS.search(value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "@" not in parts.netloc


def json_script(obj: Any) -> Markup:
    """``obj`` as JSON that is a valid ``<script>`` body and ``JSON.parse``-s back to ``obj``.

    Compact separators keep pages small; the proofs do not depend on formatting. Lone surrogates
    (which cannot be written as UTF-8) are written as ``\\udXXX`` escapes, which JSON allows.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in _SCRIPT_ESCAPES:
        if raw in text:
            text = text.replace(raw, escaped)
    if _LONE_SURROGATE.search(text):
        text = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return Markup(text)


def clamp(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters plus an ellipsis, so megabytes stay off the page."""
    return text if len(text) <= limit else text[:limit] + ELLIPSIS


def showable(text: str) -> tuple[str, bool]:
    """``text`` with what HTML cannot carry replaced by U+FFFD, and whether it is unchanged."""
    if _UNSHOWABLE.search(text):
        return _UNSHOWABLE.sub("\ufffd", text), False
    return text, True


def isolate(text: str) -> str:
    """Wrap RTL or bidi-control text in FSI…PDI for plain-text contexts (title, meta content).

    In markup the templates use ``<bdi>``; attributes and ``<title>`` cannot hold elements, and an
    unterminated U+202E there would otherwise reverse the site name that follows it.
    """
    return f"{_FSI}{text}{_PDI}" if _BIDI_SENSITIVE.search(text) else text


def plain(value: object, limit: int) -> str:
    """One line of display text for attributes and ``<title>``: clamped, whitespace collapsed,
    unshowable characters replaced and bidi-isolated. Empty for non-strings."""
    if not isinstance(value, str):
        return ""
    # Look at a bounded prefix only: collapsing whitespace of a megabyte string is wasted work.
    head = " ".join(value[: limit * 2 + 16].split())
    text, _ = showable(clamp(head, limit))
    return isolate(text)


def escape_text(value: str) -> Markup:
    """HTML-escape ``value`` and keep carriage returns as ``&#13;``.

    The HTML parser turns a raw CR into LF; the character reference survives, so the DOM text of a
    field equals the signed string the verifier compares it with.
    """
    escaped = escape(value)
    if "\r" in value:
        return Markup(str(escaped).replace("\r", "&#13;"))
    return escaped
