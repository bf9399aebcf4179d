"""The published verifier modules and CSS are minified (site/minify.py) without changing them.

rjsmin keeps template literals only when none is nested in another's ``${...}`` (its documented
limit): a nested one loses its leading spaces. So no module may nest them, and every template
literal and quoted string of the code reaches the published file unchanged. The browser tests
run the minified modules (tests/browser/harness.py installs them as the build does).
"""

from __future__ import annotations

import gzip
import re

import pytest

from credpages.bundled import ASSETS_DIR
from credpages.site.minify import minified

MODULES = sorted(ASSETS_DIR.glob("*.js"))
NESTED_TEMPLATE = re.compile(r"\$\{[^}`]*`")
TEMPLATE = re.compile(r"`[^`]*`")
QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
COMMENT_LINE = re.compile(r"^\s*(//|/?\*)")


def code_lines(text: str, *, inline: bool) -> str:
    """The module without its comment lines (and with ``inline``, its comments within lines)."""
    lines = [line for line in text.splitlines() if not COMMENT_LINE.match(line)]
    if inline:
        lines = [re.sub(r"/\*.*?\*/|\s//\s.*$", "", line) for line in lines]
    return "\n".join(lines)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_minifying_keeps_every_literal_of_the_code(path: object) -> None:
    source = path.read_text("utf-8")  # type: ignore[attr-defined]
    assert not NESTED_TEMPLATE.search(source), "a template literal nested in another's ${...}"
    out = minified(path.name, source)  # type: ignore[attr-defined]
    assert out is not None and len(out) < len(source)
    literals = TEMPLATE.findall(code_lines(source, inline=False))
    literals += QUOTED.findall(TEMPLATE.sub("", code_lines(source, inline=True)))
    missing = [lit for lit in literals if lit not in out]
    assert missing == []


def test_minified_modules_and_css_are_smaller_gzipped() -> None:
    for path in [*MODULES, ASSETS_DIR / "credpages.css"]:
        text = path.read_text("utf-8")
        out = minified(path.name, text)
        assert out is not None
        assert len(gzip.compress(out.encode())) < len(gzip.compress(text.encode())), path.name
    assert minified("x.json", "{ }") is None
    assert minified("a.css", "/* note */\n.a {\n  color: red;\n}\n") == ".a{color:red}\n"
