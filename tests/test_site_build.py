"""End-to-end: a real `mkdocs build` of generated issuer sites, checked file by file."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, PluginError

from credpages.cli.site_config import load_settings
from credpages.config import DEMO_PUBLIC_KEY
from credpages.credential.did import did_document_path
from credpages.credential.keys import public_key_of
from credpages.credential.status_list import decode_bits, is_set
from credpages.credential.yamlio import load_yaml
from credpages.issuer.award_request import make_request
from credpages.issuer.issuing import Issuer
from credpages.issuer.revocation import revoke
from credpages.issuer.signing import Signer
from factories import write_issuer_site

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

ACHIEVEMENT = """\
name: Python Basics
description: Writes small Python programs.
criteria: Passed the final exam.
achievement_type: Badge
tags: [python]
"""


def make_site(
    root: Path,
    *,
    site_url: str = "https://example.test/awards/",
    public_key: str | None = None,
    extra: str = "",
) -> tuple[Path, bytes]:
    """The shared issuer site with this file's achievement; ``extra`` are plugin settings."""
    return write_issuer_site(
        root,
        site_url=site_url,
        public_key=public_key,
        extra="".join(f"      {line}\n" for line in extra.splitlines()),
        achievement=ACHIEVEMENT,
    )


def award(config: Path, seed: bytes, names: list[str], **fields: str) -> list[Path]:
    settings = load_settings(config)
    issuer = Issuer(settings, Signer(settings, seed), rng=random.Random(1).randrange)
    paths = []
    for i, name in enumerate(names):
        row = {"name": name, "email": f"r{i}@example.test", **fields}
        outcome = issuer.issue(
            make_request(settings, row, origin="test", achievement_id="python-basics")
        )
        assert outcome.path is not None
        paths.append(outcome.path)
    return paths


def run_build(config: Path) -> Path:
    cfg = load_config(config_file=str(config))
    try:
        build(cfg)
    finally:
        cfg.plugins.on_shutdown()
    return Path(cfg["site_dir"])


def build_error(config: Path, caplog: pytest.LogCaptureFixture) -> str:
    """The message MkDocs logs when the plugin aborts the build (the build must abort)."""
    with pytest.raises((PluginError, Abort)):
        run_build(config)
    return "\n".join(r.getMessage() for r in caplog.records if r.levelname == "ERROR")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_build_publishes_verified_credentials_and_issuer_files(tmp_path: Path) -> None:
    config, seed = make_site(tmp_path)
    paths = award(config, seed, ["Ada Lovelace", "Анна Каренина", "王芳", "فاطمة"])
    site = run_build(config)
    settings = load_settings(config)

    did_doc = read_json(site / did_document_path(settings.did))
    assert did_doc["id"] == "did:web:example.test:awards"
    assert did_doc["assertionMethod"] == ["did:web:example.test:awards#key-1"]
    assert did_doc["verificationMethod"][0]["publicKeyMultibase"] == public_key_of(seed)
    assert read_json(site / ".well-known" / "did.json") == did_doc

    status = read_json(site / "status" / "revocation.json")
    assert status["id"] == settings.status_list_url
    assert "BitstringStatusListCredential" in status["type"]

    for path in paths:
        signed = load_yaml(path).data
        slug = signed["id"].rstrip("/").rsplit("/", 1)[1]
        published = read_json(site / "c" / slug / "credential.json")
        assert published == signed  # byte-for-byte data model of what was signed


def test_tampered_credential_fails_the_build_and_nothing_of_it_is_published(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config, seed = make_site(tmp_path)
    _, bad = award(config, seed, ["Ada Lovelace", "Grace Hopper"])
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("Grace Hopper", "Grace Hoppex"), encoding="utf-8"
    )
    message = build_error(config, caplog)
    assert bad.name in message and "signature does not match" in message


def test_skip_invalid_leaves_out_only_the_failing_credential(tmp_path: Path) -> None:
    config, seed = make_site(tmp_path, extra="skip_invalid: true")
    good, bad = award(config, seed, ["Ada Lovelace", "Grace Hopper"])
    bad_slug = load_yaml(bad).data["id"].rstrip("/").rsplit("/", 1)[1]
    good_slug = load_yaml(good).data["id"].rstrip("/").rsplit("/", 1)[1]
    bad.write_text(
        bad.read_text(encoding="utf-8").replace("Grace Hopper", "Grace Hoppex"), encoding="utf-8"
    )
    site = run_build(config)
    assert (site / "c" / good_slug / "credential.json").exists()
    assert not (site / "c" / bad_slug).exists()
    assert "Hoppex" not in "".join(p.read_text(errors="ignore") for p in site.rglob("*.html"))


def test_revoked_credential_is_published_and_its_bit_is_set(tmp_path: Path) -> None:
    config, seed = make_site(tmp_path)
    (path,) = award(config, seed, ["Ada Lovelace"])
    settings = load_settings(config)
    doc = load_yaml(path).data
    revoke(settings, Signer(settings, seed), doc, reason="Issued in error")
    site = run_build(config)
    slug = doc["id"].rstrip("/").rsplit("/", 1)[1]
    assert (site / "c" / slug / "credential.json").exists()
    bits = decode_bits(
        read_json(site / "status" / "revocation.json")["credentialSubject"]["encodedList"]
    )
    assert is_set(bits, int(doc["credentialStatus"]["statusListIndex"]))


def test_demo_key_is_refused_unless_the_site_is_the_demo(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config, _ = make_site(tmp_path, public_key=DEMO_PUBLIC_KEY)
    assert "public demo key" in build_error(config, caplog)


def test_duplicate_credential_ids_fail_the_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config, seed = make_site(tmp_path)
    (path,) = award(config, seed, ["Ada Lovelace"])
    copy = path.with_name("copy.yaml")
    copy.write_bytes(path.read_bytes())
    assert "same id" in build_error(config, caplog)


def test_unsigned_authoring_file_fails_with_the_command_to_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config, seed = make_site(tmp_path)
    award(config, seed, ["Ada Lovelace"])
    (tmp_path / "credentials" / "new.yaml").write_text(
        "achievement: python-basics\nname: New Person\nemail: new@example.test\n"
    )
    message = build_error(config, caplog)
    assert "new.yaml" in message and "credpages sign" in message


HOSTILE = "</script><script>alert(1)</script>\"'<b onmouseover=x>&amp;\u202eevil"


def test_hostile_credential_text_and_urls_render_inert(tmp_path: Path) -> None:
    from credpages.credential.model import Award, Recipient, build_credential
    from credpages.credential.yamlio import write_yaml
    from credpages.issuer.issuance_log import IssuanceLog
    from credpages.issuer.repository import load_achievement
    from htmltree import credential_ld, parse

    config, seed = make_site(tmp_path)
    award(config, seed, ["Ada Lovelace"])  # creates the status list
    settings = load_settings(config)
    achievement = dict(load_achievement(settings, "python-basics").achievement)
    achievement["description"] = HOSTILE + "<img src=x onerror=alert(2)>" + "x" * 200_000
    achievement["criteria"] = {"narrative": "<!-- " + HOSTILE + "\u2028\u2029 -->"}
    achievement["alignment"] = [
        {"type": ["Alignment"], "targetName": HOSTILE, "targetUrl": "javascript:alert(3)"}
    ]
    doc = build_credential(
        settings,
        achievement,
        Recipient(HOSTILE, "m@example.test"),
        Award(issued="2026-09-01T00:00:00Z"),
        slug="python-basics-hostile",
        status_index=7,
    )
    doc["evidence"] = [{"type": ["Evidence"], "id": "javascript:alert(4)", "name": HOSTILE}]
    signed = Signer(settings, seed).sign(doc)
    write_yaml(settings.credentials_dir / "hostile.yaml", signed)
    log = IssuanceLog(settings)  # written by hand, so logged by hand
    log.add(signed)
    log.save(Signer(settings, seed))
    site = run_build(config)

    html = (site / "c" / "python-basics-hostile" / "index.html").read_text(encoding="utf-8")
    tree = parse(html)  # strict: no stray tags, comments or duplicate attributes
    assert credential_ld(tree) == signed
    scripts = tree.find_all("script")
    assert [(s.attrs.get("type"), s.attrs.get("src")) for s in scripts] == [
        ("application/ld+json", None),  # the credential (no schema.org data: the page is noindex)
        # the log check and share.js are published inside it (site/bundle.py): one module
        ("module", "../../assets/credpages/verify-panel.js"),
    ]
    assert not tree.find_all("b") and not [n for n in tree.iter() if "onerror" in n.attrs]
    assert not [n for n in tree.iter() if "onmouseover" in n.attrs]
    (qr,) = tree.find("figure", class_="cp-qr").find_all("img")  # our code's PNG of the page URL
    for node in tree.iter():
        for attr in ("href", "src"):
            value = node.attrs.get(attr, "").strip().lower()
            if node is qr and attr == "src":
                assert value.startswith("data:image/png;base64,")
                continue
            assert not value.startswith(("javascript:", "data:")), (node.tag, value)
    shown = [n for n in tree.iter() if n.attrs.get("data-field") == "credentialSubject.name"]
    assert shown[0].text == HOSTILE


@pytest.mark.parametrize(
    "bad_id",
    [
        "https://example.test/awards/c/../../../etc/",
        "https://example.test/awards/c/a/b/",
        "https://evil.example/c/python-basics-x/",
        "https://example.test/awards/c/UPPER/",
    ],
)
def test_a_credential_id_outside_this_sites_pages_fails_the_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, bad_id: str
) -> None:
    config, seed = make_site(tmp_path)
    (path,) = award(config, seed, ["Ada Lovelace"])
    settings = load_settings(config)
    doc = load_yaml(path).data
    doc["id"] = bad_id
    from credpages.credential.yamlio import write_yaml

    write_yaml(path, Signer(settings, seed).sign(doc))
    message = build_error(config, caplog)
    assert path.name in message and "id: must be a page of this site" in message
    assert not (tmp_path / "etc").exists()


def test_serve_watches_the_credentials_folder(tmp_path: Path) -> None:
    from credpages.mkdocs_plugin.plugin import CredpagesPlugin

    config, _ = make_site(tmp_path)
    cfg = load_config(config_file=str(config))
    plugin = cfg.plugins["credpages"]
    assert isinstance(plugin, CredpagesPlugin)
    plugin.on_config(cfg)
    watched: list[str] = []

    class Server:
        def watch(self, path: str) -> None:
            watched.append(path)

    plugin.on_serve(Server(), config=cfg, builder=None)
    assert watched == [str(tmp_path / "credentials")]


def test_build_command_refuses_to_delete_a_folder_that_is_not_a_built_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from credpages.cli.commands import main

    config, seed = make_site(tmp_path)
    award(config, seed, ["Ada Lovelace"])
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "todo.txt").write_text("keep me")
    assert main(["--config", str(config), "build", "--site-dir", str(precious)]) == 1
    assert "refusing to delete" in capsys.readouterr().err
    assert (precious / "todo.txt").read_text() == "keep me"
    out = tmp_path / "out"
    assert main(["--config", str(config), "build", "--site-dir", str(out)]) == 0
    (out / ".well-known" / "stale.json").write_text("{}")
    assert main(["--config", str(config), "build", "--site-dir", str(out)]) == 0
    assert not (out / ".well-known" / "stale.json").exists()  # a stale dot folder is gone
    assert (out / ".well-known" / "did.json").exists()
