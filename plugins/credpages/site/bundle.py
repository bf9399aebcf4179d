"""The credential page's JavaScript published as one module: fewer requests, fewer bytes.

A credential page runs verify-panel.js, which imports verifier.js and i18n.js, and share.js.
Served as four files they cost four requests, four compilations and four module records, and gzip
compresses each alone. The build therefore publishes verify-panel.js as the sources joined
(leaves first, their imports of each other dropped: one module scope; share.js, which exports
nothing, inside a block of its own, so its names stay its own and minify short), with no Node:
the sources are ours and keep to a plain form this step checks (top-level declarations at the
line start, named imports without ``as``, no name declared twice). The other parts are published
as one-line modules re-exporting the bundle, so any module importing them (a site's own included)
still gets the same, single instance; the theme's own modules are pointed at the bundle directly,
and the credential page loads the bundle alone (``folded_modules`` -> ``SiteInfo.bundled``), so
no page fetches those stubs. A site's ``custom_dir`` copy that does not keep to the form is
published unbundled, with a warning (it still works, one request slower).

share.js also runs where the bundle is imported for its exports (/verify/, pathway pages,
revoked credential pages): it acts only on the share section's elements, which only a
credential page that can be shared has.

On a site with an issuance log every page that runs the verifier also runs tlog.js (credential
pages and /verify/ load it), which imports the verifier's helpers: there it is bundled too, after
the others, and tlog.js becomes a re-export like them. One copy of the shared vocabulary is
compressed instead of two, and the log check needs no module of its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..fsio import atomic_write

__all__ = [
    "ENTRY",
    "LOG_PARTS",
    "PARTS",
    "STUB_TEXT",
    "BundleError",
    "bundle_folder",
    "bundled",
    "folded_modules",
    "pointed_at_bundle",
]

ENTRY = "verify-panel.js"
# Dependency order: each imports only earlier ones.
PARTS = ("i18n.js", "verifier.js", ENTRY, "share.js")
LOG_PARTS = (*PARTS, "tlog.js")  # on a site with an issuance log

IMPORT = re.compile(r"""^import\s*\{([^}]*)\}\s*from\s*(['"])\./([\w.-]+)\2\s*;?[ \t]*\n""", re.M)
ANY_IMPORT = re.compile(r"""^import\b[^(]""", re.M)
DECLARED = re.compile(
    r"^(?:export\s+)?(?:async\s+)?(?:function\s*\*?\s*|class\s+|const\s+|let\s+|var\s+)"
    r"([A-Za-z_$][\w$]*)",
    re.M,
)
EXPORTED = re.compile(
    r"^export\s+(?:async\s+)?(?:function\s*\*?\s*|class\s+|const\s+|let\s+|var\s+)([A-Za-z_$][\w$]*)",
    re.M,
)
EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\}\s*;?[ \t]*\n", re.M)
STUB = re.compile(r"""\s*export\s*\*\s*from\s*(['"])\./verify-panel\.js\1\s*;?\s*""")
# Another module's import of a folded one: static (`from './x.js'`) or dynamic (`import('./x.js')`).
SPECIFIER = re.compile(r"""(\bfrom\s*|\bimport\s*\(\s*)(['"])\./(i18n|verifier|tlog|share)\.js\2""")


STUB_TEXT = f"export * from './{ENTRY}';\n"  # what the parts other than ENTRY become


class BundleError(ValueError):
    """The sources do not keep to the form the bundle needs; the text says where."""


def _names(listed: str) -> list[str]:
    names = [n.strip() for n in listed.split(",") if n.strip()]
    if any(not re.fullmatch(r"[A-Za-z_$][\w$]*", n) for n in names):
        raise BundleError(f"{{{listed.strip()}}}: a renamed import or export")
    return names


def bundled(sources: Mapping[str, str], parts: Sequence[str] = PARTS) -> str:
    """The modules ``parts`` (name -> source; ``PARTS`` or ``LOG_PARTS``) as one module; raises
    BundleError."""
    declared: dict[str, str] = {}
    exported: set[str] = set()
    out = []
    for name in parts:
        text = sources[name]
        if re.search(r"^export\s*\*", text, re.M):
            raise BundleError(f"{name} re-exports a whole module")
        for m in IMPORT.finditer(text):
            source = m.group(3)
            if source not in parts[: parts.index(name)]:
                raise BundleError(f"{name} imports ./{source}, which is not bundled before it")
            missing = [n for n in _names(m.group(1)) if n not in exported]
            if missing:
                names = ", ".join(missing)
                raise BundleError(f"{name} imports {names} that ./{source} does not export")
        text = IMPORT.sub("", text)
        if ANY_IMPORT.search(text):
            raise BundleError(f"{name} has an import of a form the bundle does not read")
        for decl in DECLARED.findall(text):
            if decl in declared:
                raise BundleError(f"{decl} is declared by both {declared[decl]} and {name}")
            declared[decl] = name

        def reexport(m: re.Match[str], name: str = name) -> str:
            # `export { x }` of a name an earlier part exports already: the bundle has it.
            kept = [n for n in _names(m.group(1)) if n not in exported]
            unknown = [n for n in kept if n not in declared]
            if unknown:
                raise BundleError(f"{name} exports {', '.join(unknown)}, declared nowhere")
            exported.update(kept)
            return f"export {{ {', '.join(kept)} }};\n" if kept else ""

        text = EXPORT_LIST.sub(reexport, text)
        exports = EXPORTED.findall(text)
        exported.update(exports)
        if not exports and not re.search(r"^export\b", text, re.M):
            text = f"{{\n{text.strip()}\n}}"  # nothing to export: its names stay its own
        out.append(f"// ---- {name}\n{text.rstrip()}\n")
    return "\n".join(out)


def pointed_at_bundle(text: str, parts: Sequence[str] = PARTS) -> str:
    """A module's imports of the ``parts`` folded into the bundle pointed at the bundle (same
    instance)."""

    def point(m: re.Match[str]) -> str:
        target = ENTRY if f"{m.group(3)}.js" in parts else f"{m.group(3)}.js"
        return f"{m.group(1)}{m.group(2)}./{target}{m.group(2)}"

    return SPECIFIER.sub(point, text)


def folded_modules(folder: Path) -> tuple[str, ...]:
    """The modules published inside the bundle in ``folder``: their files re-export it."""
    return tuple(
        name
        for name in LOG_PARTS
        if name != ENTRY
        and (folder / name).is_file()
        and STUB.fullmatch((folder / name).read_text("utf-8"))
    )


def bundle_folder(folder: Path, *, log: bool = False) -> list[str]:
    """Bundle the published modules in ``folder`` (before they are minified), with tlog.js when
    the site publishes an issuance log (``log``); returns warnings."""
    parts = LOG_PARTS if log else PARTS
    folded = [name for name in parts if name != ENTRY]
    paths = {name: folder / name for name in parts}
    if not all(p.is_file() for p in paths.values()):
        return []
    sources = {name: p.read_text("utf-8") for name, p in paths.items()}
    if all(STUB.fullmatch(sources[name]) for name in folded):
        return []  # bundled already (a folder a previous build left)
    try:
        bundle = bundled(sources, parts)
    except BundleError as exc:
        return [
            f"{folder}: the verifier modules were published unbundled (one request each): {exc}"
        ]
    # The build's output, remade by every build (MkDocs copies the theme's assets each time):
    # renamed into place whole, not flushed to disk, as the site's pages are written.
    atomic_write(paths[ENTRY], bundle, durable=False)
    for name in folded:
        atomic_write(paths[name], STUB_TEXT, durable=False)
    for path in sorted(folder.glob("*.js")):
        if path.name in parts:
            continue
        text = path.read_text("utf-8")
        pointed = pointed_at_bundle(text, parts)
        if pointed != text:
            atomic_write(path, pointed, durable=False)
    return []
