"""``credpages serve``: the site as it will be published at its https site_url, served locally.

The pages the preview server sends carry the preview marker; the files of any build never do.
(The verdict in a browser: tests/browser/test_new_issuer.py.)
"""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from conftest import SITE_URL, IssuerSite, MakeSite, subprocess_env
from credpages.bundled import ASSETS_DIR
from credpages.cli.preview_server import PREVIEW_META, inject_marker
from credpages.site.bundle import STUB_TEXT, bundle_folder
from credpages.site.minify import minified
from factories import issue_args
from preview_process import preview


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        body: bytes = response.read()
    return body.decode("utf-8")


def award(site: IssuerSite) -> str:
    result = site.run(*issue_args("Ada", "a@x.y"))
    assert result.code == 0, result
    return site.credential_files()[0].stem


def test_the_marker_goes_at_the_end_of_head_escaped() -> None:
    page = b"<html><head><title>t</title></head><body></body></html>"
    marked = inject_marker(page, 'http://127.0.0.1:1/"><script>')
    assert marked == (
        b"<html><head><title>t</title>"
        b'<meta name="cp:preview" content="http://127.0.0.1:1/&quot;&gt;&lt;script&gt;">'
        b"</head><body></body></html>"
    )
    assert inject_marker(b"no head", "http://127.0.0.1:1/") == b"no head"


def test_a_busy_port_names_the_option_to_pick_another(issuer_site: IssuerSite) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = issuer_site.run("serve", "--port", port)
    assert result.code == 1
    assert f"127.0.0.1:{port} is already in use" in result.err
    assert f"--port {port + 1}" in result.err
    assert ": : Address already in use" not in result.err


def test_dev_addr_must_be_host_and_port(issuer_site: IssuerSite) -> None:
    result = issuer_site.run("serve", "--dev-addr", "localhost")
    assert result.code == 1 and "--dev-addr" in result.err and "HOST:PORT" in result.err


def test_preview_serves_the_real_site_and_no_build_keeps_the_marker(
    issuer_site: IssuerSite,
) -> None:
    slug = award(issuer_site)
    signed_before = {p: p.read_bytes() for p in issuer_site.credential_files()}
    with preview(issuer_site.root, subprocess_env(issuer_site)) as served:
        origin = served.origin
        page = get(f"{origin}c/{slug}/")
        assert f'<meta name="{PREVIEW_META}" content="{origin}">' in page
        assert f'<meta name="cp:site-url" content="{SITE_URL}">' in page
        credential = json.loads(get(f"{origin}c/{slug}/credential.json"))
        assert credential["id"] == f"{SITE_URL}c/{slug}/"  # the real address: nothing re-signed
        did = json.loads(get(f"{origin}did.json"))
        assert did["id"] == "did:web:example.test:awards" == credential["issuer"]["id"]
        status = json.loads(get(f"{origin}status/revocation.json"))
        assert status["id"] == credential["credentialStatus"]["statusListCredential"]
        assert PREVIEW_META not in get(f"{origin}c/{slug}/credential.json")
    assert {p: p.read_bytes() for p in issuer_site.credential_files()} == signed_before
    assert issuer_site.run("build").code == 0
    built = [p for p in (issuer_site.root / "site").rglob("*") if p.is_file()]
    assert any(p.name == "index.html" for p in built)
    marker = f'<meta name="{PREVIEW_META}"'.encode()
    assert not [p for p in built if marker in p.read_bytes()]


def test_preview_rebuilds_when_a_page_changes(issuer_site: IssuerSite) -> None:
    index = issuer_site.root / "docs" / "index.md"
    with preview(issuer_site.root, subprocess_env(issuer_site)) as served:
        origin = served.origin
        assert "Freshly edited" not in get(origin)
        index.write_text("# Freshly edited\n", encoding="utf-8")
        deadline = time.monotonic() + 180
        while "Freshly edited" not in get(origin):
            assert time.monotonic() < deadline, "the preview was not rebuilt"
            time.sleep(0.3)


def test_a_failed_rebuild_says_why_in_one_line_and_keeps_serving(issuer_site: IssuerSite) -> None:
    slug = award(issuer_site)
    path = issuer_site.credentials / f"{slug}.yaml"
    signed = path.read_text(encoding="utf-8")
    with preview(issuer_site.root, subprocess_env(issuer_site)) as served:
        path.write_text(signed.replace("name: Ada", "name: Eve"), encoding="utf-8")
        deadline = time.monotonic() + 180
        while "the rebuild failed" not in served.err:
            assert time.monotonic() < deadline, served.err
            time.sleep(0.3)
        assert "still showing the last good build" in served.err
        assert "Traceback" not in served.err
        assert "Ada" in get(f"{served.origin}c/{slug}/")
        path.write_text(signed, encoding="utf-8")
        deadline = time.monotonic() + 180
        while "rebuilt " not in served.err:
            assert time.monotonic() < deadline, served.err
            time.sleep(0.3)


def test_preview_of_a_site_that_fails_to_build_says_why(issuer_site: IssuerSite) -> None:
    slug = award(issuer_site)
    path = issuer_site.credentials / f"{slug}.yaml"
    path.write_text(path.read_text().replace("name: Ada", "name: Eve"), encoding="utf-8")
    result = issuer_site.run("serve", "--port", "0")
    assert result.code == 1 and "the site build failed" in result.err
    assert not list(Path(issuer_site.root).glob("site"))


def test_skip_invalid_previews_the_rest_without_the_broken_credential(
    issuer_site: IssuerSite,
) -> None:
    """--skip-invalid reaches the plugin through its config, as for `build` (no environment)."""
    slug = award(issuer_site)
    path = issuer_site.credentials / f"{slug}.yaml"
    path.write_text(path.read_text().replace("name: Ada", "name: Eve"), encoding="utf-8")
    with preview(issuer_site.root, subprocess_env(issuer_site), "--skip-invalid") as served:
        assert "achievements" in get(f"{served.origin}achievements/")
        try:
            get(f"{served.origin}c/{slug}/")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
        else:
            raise AssertionError("the broken credential was previewed")


def test_a_site_without_a_theme_folder_gets_the_packaged_assets_and_may_replace_one(
    make_site: MakeSite,
) -> None:
    """The verifier's modules come from the package; a custom_dir's own file wins.

    Either way the published .js and .css files are minified (site/minify.py): no comments or
    indentation, a third fewer bytes gzipped; the verifier's modules are bundled first
    (site/bundle.py). The browser tests run the modules as published."""
    plain = make_site("plain")
    assert plain.run("build").code == 0
    expected = plain.root / "expected"
    shutil.copytree(ASSETS_DIR, expected)
    assert bundle_folder(expected) == []
    for source in ASSETS_DIR.iterdir():
        published = (plain.root / "site/assets/credpages" / source.name).read_text("utf-8")
        text = source.read_text("utf-8")
        if source.suffix in (".js", ".css"):
            text = (expected / source.name).read_text("utf-8")  # bundled
            assert published == minified(source.name, text)
            assert "\n  " not in published  # no indentation left
            if text != STUB_TEXT:
                gzipped = len(gzip.compress(published.encode()))
                assert gzipped < 0.9 * len(gzip.compress(text.encode()))
        else:
            assert published == text
    themed = make_site("themed", extra="theme:\n  name: material\n  custom_dir: overrides\n")
    text = themed.config.read_text().replace("theme:\n  name: material\n", "", 1)
    themed.config.write_text(text)
    css = themed.root / "overrides/assets/credpages/credpages.css"
    css.parent.mkdir(parents=True)
    css.write_text("/* the issuer's own */\n.cp-own {\n  color: red;\n}\n")
    assert themed.run("build").code == 0
    built = themed.root / "site/assets/credpages"
    assert (built / "credpages.css").read_text() == ".cp-own{color:red}\n"
    assert (built / "tlog.js").read_text() == minified(
        "tlog.js", (expected / "tlog.js").read_text("utf-8")
    )


def test_a_terminated_preview_removes_its_temporary_site(
    issuer_site: IssuerSite, tmp_path: Path
) -> None:
    """``kill`` (SIGTERM), as a service manager or ``docker stop`` sends it, ends the preview
    like Ctrl-C: the site it built in a temporary folder does not pile up."""
    award(issuer_site)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = subprocess_env(issuer_site, TMPDIR=str(scratch))
    with preview(issuer_site.root, env) as served:
        assert "<!doctype html>" in get(served.origin)
        assert [p.name for p in scratch.glob("credpages-preview-*")]
    assert served.proc.returncode is not None
    assert list(scratch.glob("credpages-preview-*")) == []
    assert "Traceback" not in served.err
