"""The credential page's verifier is published as one module (site/bundle.py).

The browser suite runs the bundled modules (tests/browser/harness.py installs them as the build
does): that is what proves the bundle verifies. These tests check its form: one module with every
export of the three, the other two re-exporting it, the other modules pointed at it, and sources
that do not keep to the form published unbundled, with a warning, never half-bundled.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from credpages.bundled import ASSETS_DIR
from credpages.site.bundle import (
    ENTRY,
    LOG_PARTS,
    PARTS,
    STUB_TEXT,
    BundleError,
    bundle_folder,
    bundled,
    folded_modules,
)

EXPORT = re.compile(
    r"^export\s+(?:async\s+)?(?:function\s*\*?\s*|class\s+|const\s+|let\s+)([\w$]+)", re.M
)


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    folder = tmp_path / "credpages"
    folder.mkdir()
    for source in ASSETS_DIR.glob("*.js"):
        shutil.copy(source, folder / source.name)
    return folder


def test_the_verifier_is_published_as_one_module(assets: Path) -> None:
    sources = {name: (assets / name).read_text("utf-8") for name in PARTS}
    assert bundle_folder(assets) == []
    bundle = (assets / ENTRY).read_text("utf-8")
    # No import left: the page fetches one file before it can verify.
    assert not re.search(r"^import\b", bundle, re.M)
    assert "import('./preview.js')" in bundle  # a dynamic import of another module stays
    # Everything the three exported, the bundle exports (verify-panel.js's re-export of
    # humanDate is i18n.js's own export now), each declared once.
    exported = set(EXPORT.findall(bundle))
    for name, source in sources.items():
        assert set(EXPORT.findall(source)) <= exported, name
    assert "export { humanDate }" not in bundle
    # The other parts re-export the bundle: a module of the site's own importing them still works.
    for name in PARTS:
        if name != ENTRY:
            assert (assets / name).read_text("utf-8") == STUB_TEXT
    assert folded_modules(assets) == ("i18n.js", "verifier.js", "share.js")
    # share.js exports nothing: inside a block of its own, its names do not meet the others'.
    assert "// ---- share.js\n{\n" in bundle and bundle.rstrip().endswith("}")
    # The theme's modules import the bundle itself: no page fetches the re-exports.
    for path in assets.glob("*.js"):
        if path.name not in PARTS:
            text = path.read_text("utf-8")
            assert not re.search(r"""['"]\./(i18n|verifier)\.js['"]""", text), path.name
    assert "from './verify-panel.js'" in (assets / "tlog.js").read_text("utf-8")
    assert "cp-log:" not in bundle  # a site without a log: the log check stays out
    # A folder already bundled (what a previous build left) is left as it is.
    before = {p.name: p.read_text("utf-8") for p in assets.glob("*.js")}
    assert bundle_folder(assets) == []
    assert {p.name: p.read_text("utf-8") for p in assets.glob("*.js")} == before


def test_on_a_site_with_a_log_the_log_check_is_in_the_bundle(assets: Path) -> None:
    """Its pages run tlog.js beside the verifier: one module, the helpers it imports shared."""
    tlog = (assets / "tlog.js").read_text("utf-8")
    assert bundle_folder(assets, log=True) == []
    bundle = (assets / ENTRY).read_text("utf-8")
    assert not re.search(r"^import\b", bundle, re.M)
    assert set(EXPORT.findall(tlog)) <= set(EXPORT.findall(bundle))
    assert bundle.index("// ---- verify-panel.js") < bundle.index("// ---- tlog.js")
    assert "cp-log:" in bundle and "checkLog(r.credential" in bundle
    for name in LOG_PARTS:
        if name != ENTRY:
            assert (assets / name).read_text("utf-8") == STUB_TEXT
    assert folded_modules(assets) == ("i18n.js", "verifier.js", "share.js", "tlog.js")
    for path in assets.glob("*.js"):
        if path.name not in LOG_PARTS:
            text = path.read_text("utf-8")
            assert not re.search(r"""['"]\./(i18n|verifier|tlog)\.js['"]""", text), path.name
    before = {p.name: p.read_text("utf-8") for p in assets.glob("*.js")}
    assert bundle_folder(assets, log=True) == []  # a folder bundled already is left as it is
    assert {p.name: p.read_text("utf-8") for p in assets.glob("*.js")} == before


def test_a_log_check_out_of_form_leaves_the_verifier_unbundled_with_a_warning(
    assets: Path,
) -> None:
    (assets / "tlog.js").write_text(
        (assets / "tlog.js").read_text("utf-8") + "\nconst jcs = 1;\n", "utf-8"
    )
    before = {p.name: p.read_text("utf-8") for p in assets.glob("*.js")}
    (warning,) = bundle_folder(assets, log=True)
    assert "published unbundled" in warning
    assert "jcs is declared by both verifier.js and tlog.js" in warning
    assert {p.name: p.read_text("utf-8") for p in assets.glob("*.js")} == before


def sources_with(name: str, text: str) -> dict[str, str]:
    sources = {n: (ASSETS_DIR / n).read_text("utf-8") for n in PARTS}
    sources[name] = text
    return sources


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("verify-panel.js", "const lang = 1;\n", "lang is declared by both i18n.js and"),
        ("verifier.js", "import { t as tr } from './i18n.js';\n", "a renamed import"),
        ("verifier.js", "import { nope } from './i18n.js';\n", "nope that ./i18n.js"),
        ("i18n.js", "import { x } from './verifier.js';\n", "not bundled before it"),
        ("verifier.js", "import * as i18n from './i18n.js';\n", "a form the bundle"),
        ("verify-panel.js", "export { ghost };\n", "ghost, declared nowhere"),
        ("verify-panel.js", "export * from './other.js';\n", "re-exports a whole module"),
    ],
)
def test_sources_out_of_form_are_refused(name: str, text: str, why: str) -> None:
    with pytest.raises(BundleError, match=re.escape(why)):
        bundled(sources_with(name, text))


def test_a_custom_dir_copy_out_of_form_is_published_unbundled_with_a_warning(
    assets: Path,
) -> None:
    """A site's own verifier.js declaring a name i18n.js declares too: bundled, the module
    would not load, so nothing is rewritten and the build says why."""
    own = (assets / "verifier.js").read_text("utf-8") + "\nconst locale = 'x';\n"
    (assets / "verifier.js").write_text(own, "utf-8")
    before = {p.name: p.read_text("utf-8") for p in assets.glob("*.js")}
    (warning,) = bundle_folder(assets)
    assert "published unbundled" in warning and "locale is declared by both" in warning
    assert {p.name: p.read_text("utf-8") for p in assets.glob("*.js")} == before
    assert folded_modules(assets) == ()  # so the credential page loads each module itself


def test_a_folder_without_the_verifier_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "verify-panel.js").write_text("export const a = 1;\n", "utf-8")
    assert bundle_folder(tmp_path) == []
    assert (tmp_path / "verify-panel.js").read_text("utf-8") == "export const a = 1;\n"
