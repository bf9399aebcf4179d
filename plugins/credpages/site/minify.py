"""The published verifier modules and stylesheets without comments and indentation.

The sources in ``theme/assets/credpages/`` stay readable (JSDoc types, explanations); every reader
of a credential page downloads them, so the build publishes them minified by rjsmin and rcssmin
(maintained Python minifiers, no Node): a third fewer bytes gzipped. Whatever copy the build
publishes (the package's or a site's own ``custom_dir`` one) is minified in place, so a site's
override is treated the same. The browser tests serve the same minified modules.
"""

from __future__ import annotations

from pathlib import Path

import rcssmin  # type: ignore[import-untyped,unused-ignore]
import rjsmin  # type: ignore[import-untyped,unused-ignore]

__all__ = ["minified", "minify_folder"]


def minified(name: str, text: str) -> str | None:
    """``text`` minified by the kind its file ``name`` says (``.js``/``.css``), else None."""
    if name.endswith(".js"):
        out: str = rjsmin.jsmin(text)
    elif name.endswith(".css"):
        out = rcssmin.cssmin(text)
    else:
        return None
    return out + "\n"


def minify_folder(folder: Path) -> None:
    """Minify every ``.js`` and ``.css`` file directly in ``folder`` (rewritten only if smaller)."""
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        text = path.read_text("utf-8")
        out = minified(path.name, text)
        if out is not None and len(out) < len(text):
            path.write_text(out, encoding="utf-8")
