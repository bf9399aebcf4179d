"""The published verifier modules and CSS are minified (site/minify.py) without changing them.

tdewolff/minify parses the modules (it renames local variables and may change a literal's quotes:
'a' becomes "a"), so every literal's text must reach the published file. Where its wheel is
missing rjsmin minifies instead; rjsmin keeps template literals only when none is nested in
another's ``${...}`` (its documented limit): a nested one loses its leading spaces. So no module
may nest them.
The browser tests run the minified modules (tests/browser/harness.py installs them as the build
does), which is what proves the minified modules still work.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from credpages.bundled import ASSETS_DIR
from credpages.errors import CredpagesError
from credpages.site import minify
from credpages.site.minify import minified, minify_folder

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


ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)
SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def decoded(text: str) -> str:
    """A literal's text with its JavaScript escapes read (a minifier may write either form)."""

    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "ux" and len(e) > 1:
            return chr(int(e[1:].strip("{}"), 16))
        return SIMPLE.get(e, e)

    return ESCAPE.sub(one, text)


def kept(literal: str, out: str) -> bool:
    """Whether a source literal's text is in the output, whatever its quotes or escapes: a
    quoted string's text, a template literal's text between its ``${...}`` parts (whose code
    may be renamed)."""
    if literal.startswith("`"):
        parts = [part for part in re.split(r"\$\{[^}]*\}", literal[1:-1]) if part]
    else:
        parts = [literal[1:-1]]
    return all(part in out or decoded(part) in out for part in parts)


@pytest.fixture(params=["tdewolff", "rjsmin"])
def minifier(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each minifier the build may use: rjsmin is the fallback where tdewolff has no wheel."""
    if request.param == "rjsmin":
        monkeypatch.setattr(minify, "tdewolff", None)
    assert minify.js_minifier() == request.param
    return str(request.param)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_minifying_keeps_every_literal_of_the_code(path: Path, minifier: str) -> None:
    source = path.read_text("utf-8")
    assert not NESTED_TEMPLATE.search(source), "a template literal nested in another's ${...}"
    out = minified(path.name, source)
    assert out is not None and len(out) < len(source)
    literals = TEMPLATE.findall(code_lines(source, inline=False))
    literals += QUOTED.findall(TEMPLATE.sub("", code_lines(source, inline=True)))
    missing = [lit for lit in literals if not kept(lit, out)]
    assert missing == []


def test_tdewolff_renames_local_names_and_keeps_the_module_interface() -> None:
    """The reason for tdewolff: locals renamed, so the modules a credential page loads are
    smaller gzipped than rjsmin makes them; exports, imports and top-level await stay."""
    module = (
        "import { t } from './i18n.js';\n"
        "const table = await import('./strings/x.js');\n"
        "export function humanDate(isoDateString) {\n"
        "  const parsedMatch = /^(\\d{4})/.exec(isoDateString);\n"
        "  return parsedMatch ? t(parsedMatch[1]) : table;\n}\n"
    )
    out = minified("m.js", module)
    assert out is not None
    assert "isoDateString" not in out and "parsedMatch" not in out
    assert 'import{t}from"./i18n.js"' in out
    assert "export function humanDate(" in out and "await import(" in out
    page = ["i18n.js", "verifier.js", "verify-panel.js", "share.js"]
    sizes = {}
    for name in ["tdewolff", "rjsmin"]:
        js = minify.rjsmin.jsmin if name == "rjsmin" else lambda text: minified("a.js", text)
        sizes[name] = sum(
            len(gzip.compress(js((ASSETS_DIR / n).read_text("utf-8")).encode(), 6)) for n in page
        )
    assert sizes["tdewolff"] < 0.95 * sizes["rjsmin"]


def test_a_module_the_parser_refuses_fails_the_build_naming_it(tmp_path: Path) -> None:
    """A broken module (a site's own custom_dir copy) is not published: the browser would
    refuse it too, and every page would then say nothing."""
    broken = tmp_path / "verifier.js"
    broken.write_text("export const = 1;\n", "utf-8")
    with pytest.raises(CredpagesError) as caught:
        minify_folder(tmp_path)
    assert caught.value.file == str(broken)
    assert "not valid JavaScript" in caught.value.message
    assert broken.read_text("utf-8") == "export const = 1;\n"


def test_the_fallback_warns_only_where_tdewolff_should_be_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.js").write_text("const  a = 1;\n", "utf-8")
    assert minify_folder(tmp_path) == []
    monkeypatch.setattr(minify, "tdewolff", None)
    monkeypatch.setattr(minify.platform, "machine", lambda: "x86_64")
    (warning,) = minify_folder(tmp_path)
    assert "tdewolff-minify is not installed" in warning
    monkeypatch.setattr(minify.platform, "machine", lambda: "arm64")  # no wheel: as designed
    assert minify_folder(tmp_path) == []
    assert (tmp_path / "a.js").read_text("utf-8") == "const a=1\n"


def test_minified_modules_and_css_are_smaller_gzipped() -> None:
    for path in [*MODULES, ASSETS_DIR / "credpages.css"]:
        text = path.read_text("utf-8")
        out = minified(path.name, text)
        assert out is not None
        assert len(gzip.compress(out.encode())) < len(gzip.compress(text.encode())), path.name
    assert minified("x.json", "{ }") is None
    assert minified("a.css", "/* note */\n.a {\n  color: red;\n}\n") == ".a{color:red}\n"
