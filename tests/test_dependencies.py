"""The dependencies: the workflows' lock file matches pyproject.toml, and the PyLD internals that
``credpages.credential.jsonld`` relies on are the ones it was written against."""

from __future__ import annotations

import ast
import hashlib
import inspect
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from pyld import jsonld as pyld_jsonld  # type: ignore[import-untyped,unused-ignore]
from pyld import nquads as pyld_nquads  # type: ignore[import-untyped,unused-ignore]
from pyld.context_resolver import ContextResolver  # type: ignore[import-untyped,unused-ignore]

from credpages.credential import jsonld

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements.lock"

# The interpreters the workflows run (setup-python 3.12) and pyproject allows (>=3.11), on the
# GitHub runners' platform.
TARGETS = {
    f"CPython {python} Linux x86_64": {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
    }
    for python in ("3.11", "3.12")
}


@dataclass(frozen=True)
class Pin:
    name: str
    version: Version
    marker: Marker | None
    hashes: tuple[str, ...]


def read_lock(text: str) -> list[Pin]:
    """The pins of a pip requirements file with hashes (continuation lines joined)."""
    pins = []
    for entry in re.sub(r"\\\n", " ", text).splitlines():
        entry = entry.split("#", 1)[0].strip()
        if not entry:
            continue
        spec, *options = entry.split(" --hash=")
        requirement = Requirement(spec.strip())
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{entry}: not pinned to one version"
        pins.append(
            Pin(
                canonicalize_name(requirement.name),
                Version(specifier.version),
                requirement.marker,
                tuple(o.strip() for o in options),
            )
        )
    return pins


def pins_for(pins: list[Pin], target: dict[str, str]) -> dict[str, Pin]:
    found: dict[str, Pin] = {}
    for pin in pins:
        if pin.marker is None or pin.marker.evaluate(target):
            assert pin.name not in found, f"{pin.name} is pinned twice for {target}"
            found[pin.name] = pin
    return found


def locked_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    build = project["build-system"]["requires"]
    return [Requirement(r) for r in [*project["project"]["dependencies"], *build]]


def test_every_pin_has_hashes() -> None:
    pins = read_lock(LOCK.read_text("utf-8"))
    assert len(pins) >= 20
    for pin in pins:
        assert pin.hashes, f"{pin.name}: no --hash (pip install --require-hashes refuses it)"
        for digest in pin.hashes:
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), f"{pin.name}: {digest}"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_lock_covers_every_runtime_dependency_within_its_range(target: str) -> None:
    """Each dependency of pyproject.toml (and setuptools, which builds credpages in the workflows)
    is pinned once, to a version pyproject allows. Else: `bash scripts/lock.sh`."""
    pinned = pins_for(read_lock(LOCK.read_text("utf-8")), TARGETS[target])
    for requirement in locked_requirements():
        if requirement.marker is not None and not requirement.marker.evaluate(TARGETS[target]):
            continue
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in requirements.lock: run bash scripts/lock.sh"
        version = pinned[name].version
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock pins {name}=={version}, outside pyproject's {requirement}: "
            "run bash scripts/lock.sh"
        )


def test_read_lock_sees_a_pin_outside_the_range() -> None:
    """The check above can fail: a lock pinning mkdocs 2 is outside pyproject's range."""
    text = LOCK.read_text("utf-8")
    bad = re.sub(r"^mkdocs==[^ ]+", "mkdocs==2.0.0", text, flags=re.M)
    assert bad != text
    mkdocs = pins_for(read_lock(bad), TARGETS["CPython 3.12 Linux x86_64"])["mkdocs"]
    (wanted,) = (r for r in locked_requirements() if r.name == "mkdocs")
    assert not wanted.specifier.contains(mkdocs.version)


# ------------------------------------------------------------------------ PyLD internals

# What credpages.jsonld relies on inside PyLD, by the SHA-256 of its source in PyLD 3.3.0:
# - nquads.serialize_nquad looks `escape` up in its module at call time; jsonld.py replaces
#   nquads.escape (whose original is below) with RDFC-1.0's escaping;
# - _SafeProcessor passes on_property_dropped to JsonLdProcessor.__init__ and overrides expand(),
#   relying on normalize() -> self.to_rdf() -> self.expand() to check the one expansion;
# - canonicalize_rdfc builds ContextResolver(cache, loader);
# - _SafeProcessor memoises _process_context (a pure function of the frozen active context, the
#   local context and its flags) and tells finished contexts by the type freeze() returns.
PYLD_SOURCES = {
    "nquads.escape": "7ff7fb5b149c255d",
    "nquads.serialize_nquad": "702966a5e8d3e7f3",
    "JsonLdProcessor.__init__": "bd8135be05c33d97",
    "JsonLdProcessor.normalize": "98511081e8fc570f",
    "JsonLdProcessor.to_rdf": "d6d3a01b25868853",
    "JsonLdProcessor.expand": "43fefbf0d5d5933d",
    "JsonLdProcessor._process_context": "c7fffee240b79f65",
    "jsonld.freeze": "3bb9140ce00a381f",
}


def pyld_sources() -> dict[str, str]:
    module = inspect.getsource(pyld_nquads)  # the file: nquads.escape is replaced at import
    functions = {
        f"nquads.{node.name}": ast.get_source_segment(module, node) or ""
        for node in ast.parse(module).body
        if isinstance(node, ast.FunctionDef)
    }
    for name in ("__init__", "normalize", "to_rdf", "expand", "_process_context"):
        method = getattr(pyld_jsonld.JsonLdProcessor, name)
        functions[f"JsonLdProcessor.{name}"] = inspect.getsource(method)
    functions["jsonld.freeze"] = inspect.getsource(pyld_jsonld.freeze)
    return {name: functions.get(name, "") for name in PYLD_SOURCES}


def test_pyld_internals_that_jsonld_patches_are_unchanged() -> None:
    changed = [
        name
        for name, source in pyld_sources().items()
        if hashlib.sha256(source.encode()).hexdigest()[:16] != PYLD_SOURCES[name]
    ]
    assert not changed, (
        f"PyLD changed {', '.join(changed)}, which credpages/credential/jsonld.py patches or "
        "relies on. "
        "Re-check that serialize_nquad still calls the module-level escape(), that "
        "normalize() still reaches self.expand() once, and that on_property_dropped and "
        "ContextResolver(cache, loader) mean what they did; run tests/test_proofs.py and the "
        "RDFC vectors; then update PYLD_SOURCES here and PyLD's bounds in pyproject.toml."
    )


def test_the_escape_patch_is_in_place() -> None:
    assert pyld_nquads.escape is jsonld.rdfc_escape
    assert pyld_nquads.serialize_nquad.__globals__ is vars(pyld_nquads)
    quad = {
        "subject": {"type": "IRI", "value": "urn:s"},
        "predicate": {"type": "IRI", "value": "urn:p"},
        "object": {
            "type": "literal",
            "value": "a\bb\x7f",
            "datatype": "http://www.w3.org/2001/XMLSchema#string",
        },
    }
    assert pyld_nquads.serialize_nquad(quad) == '<urn:s> <urn:p> "a\\bb\\u007F" .\n'
    assert list(inspect.signature(ContextResolver).parameters)[:2] == [
        "shared_cache",
        "document_loader",
    ]


def test_pyld_is_imported_without_a_network_client() -> None:
    """PyLD's import made a default loader with requests (~0.1 s of every build that checks a
    credential): credpages imports it so that the loader fetches nothing, and leaves requests
    importable for anyone else."""
    code = (
        "import sys\n"
        "import credpages.credential.jsonld\n"
        "from pyld import jsonld\n"
        "print(sorted({'requests', 'urllib3', 'aiohttp'} & set(sys.modules)))\n"
        "try:\n"
        "    jsonld._default_document_loader('https://example.org/context.json', {})\n"
        "except jsonld.JsonLdError as exc:\n"
        "    print(exc.code)\n"
        "import requests\n"
        "print(requests.__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "no default document loader", "requests"]


def test_pyproject_bounds_pyld_to_the_checked_minor() -> None:
    (pyld,) = (r for r in locked_requirements() if canonicalize_name(r.name) == "pyld")
    assert pyld.specifier.contains("3.3.0") and not pyld.specifier.contains("3.4.0")
    (mkdocs,) = (r for r in locked_requirements() if r.name == "mkdocs")
    assert mkdocs.specifier.contains("1.6.1") and mkdocs.specifier.contains("1.7.0")
    assert not mkdocs.specifier.contains("2.0.0")
