"""The published verifier modules and stylesheets without comments and indentation.

The sources in ``theme/assets/credpages/`` stay readable (JSDoc types, explanations); every reader
of a credential page downloads them, so the build publishes them minified, with no Node: the
JavaScript by tdewolff/minify (``tdewolff-minify``: a Go minifier in a wheel, maintained; a real
parser, so it also renames local variables and keeps ES module imports, exports and top-level
await), the CSS by rcssmin. Whatever copy the build publishes (the package's or a site's own
``custom_dir`` one) is minified in place, so a site's override is treated the same, and a module
the parser refuses fails the build naming the file (the browser would refuse it too). The browser
tests serve the same minified modules.

tdewolff-minify has no wheel for some platforms (Apple Silicon): there pyproject does not install
it and rjsmin (a token-level minifier, ~8% more bytes gzipped) minifies the JavaScript instead; the
pages work the same. Where a wheel exists but the package is missing, the build warns.
"""

from __future__ import annotations

import importlib
import platform
from pathlib import Path
from typing import Any

import rcssmin  # type: ignore[import-untyped,unused-ignore]
import rjsmin  # type: ignore[import-untyped,unused-ignore]

from ..errors import CredpagesError
from ..fsio import atomic_write

tdewolff: Any  # the tdewolff-minify package (module ``minify``), untyped
try:
    tdewolff = importlib.import_module("minify")
except ImportError:  # no wheel for this platform (pyproject's marker): rjsmin instead
    tdewolff = None

__all__ = ["js_minifier", "minified", "minify_folder"]

# The machines tdewolff-minify publishes wheels for (pyproject.toml installs it only there).
WHEEL_MACHINES = frozenset({"x86_64", "AMD64", "aarch64"})


def js_minifier() -> str:
    """Which minifier publishes the JavaScript here: ``tdewolff`` or the ``rjsmin`` fallback."""
    return "tdewolff" if tdewolff is not None else "rjsmin"


def _tdewolff_js(name: str, text: str) -> str:
    # The binding writes into a buffer the size of its input: trailing newlines (which change
    # nothing) make room should the output ever be longer (e.g. a raw U+2028 written escaped).
    try:
        out: str = tdewolff.string("application/javascript", text + "\n" * (len(text) + 64))
    except tdewolff.MinifyError as exc:
        raise CredpagesError(
            f"not valid JavaScript, so it cannot be published: {exc}; fix the module",
            file=name,
        ) from None
    return out


def minified(name: str, text: str) -> str | None:
    """``text`` minified by the kind its file ``name`` says (``.js``/``.css``), else None."""
    if name.endswith(".js"):
        out = _tdewolff_js(name, text) if tdewolff is not None else rjsmin.jsmin(text)
    elif name.endswith(".css"):
        out = rcssmin.cssmin(text)
    else:
        return None
    return str(out).rstrip("\n") + "\n"


def minify_folder(folder: Path) -> list[str]:
    """Minify every ``.js`` and ``.css`` file directly in ``folder`` (rewritten only if smaller);
    returns the build's warnings (tdewolff-minify missing where it has a wheel)."""
    if not folder.is_dir():
        return []
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        text = path.read_text("utf-8")
        out = minified(str(path), text)
        if out is not None and len(out) < len(text):
            atomic_write(path, out, durable=False)  # the build's output: remade by every build
    if tdewolff is None and platform.machine() in WHEEL_MACHINES:
        return [
            "tdewolff-minify is not installed, so the published JavaScript was minified by "
            "rjsmin (about 8% more bytes gzipped): reinstall credpages to get it"
        ]
    return []
