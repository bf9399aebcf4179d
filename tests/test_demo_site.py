"""End-to-end: a real `mkdocs build` of the demo issuer, checked with an HTML parser."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from credpages.cli.site_config import load_settings
from credpages.credential.yamlio import load_yaml
from credpages.issuer.repository import credential_files
from credpages.issuer.revocation import load_ledger
from htmltree import Node, credential_ld, parse

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_dir = tmp_path_factory.mktemp("demo-site")
    cfg = load_config(config_file=str(ROOT / "mkdocs.yml"), site_dir=str(site_dir))
    try:
        build(cfg)
    finally:
        cfg.plugins.on_shutdown()
    return site_dir


def credentials() -> list[dict[str, Any]]:
    return [load_yaml(p).data for p in credential_files(load_settings(ROOT / "mkdocs.yml"))]


def page(site: Path, url: str) -> Node:
    settings = load_settings(ROOT / "mkdocs.yml")
    relative = url[len(settings.site_url) :]
    return parse((site / relative / "index.html").read_text(encoding="utf-8"))


def meta(doc: Node, key: str) -> str:
    for node in doc.find_all("meta"):
        if key in (node.attrs.get("property"), node.attrs.get("name")):
            return node.attrs["content"]
    raise AssertionError(f"no meta {key}")


def test_every_demo_credential_has_a_page_with_its_signed_json_ld(demo: Path) -> None:
    docs = credentials()
    assert len(docs) >= 7
    for signed in docs:
        doc = page(demo, signed["id"])
        assert credential_ld(doc) == signed
        slug = signed["id"].rstrip("/").rsplit("/", 1)[1]
        published = json.loads((demo / "c" / slug / "credential.json").read_text("utf-8"))
        assert published == signed
        assert doc.find("link", rel="canonical").attrs["href"] == signed["id"]
        assert meta(doc, "og:url") == signed["id"]
        assert meta(doc, "og:title") and meta(doc, "og:site_name")
        assert meta(doc, "twitter:card")
        assert meta(doc, "robots") == "noindex"
        shown = [n for n in doc.iter() if n.attrs.get("data-field") == "credentialSubject.name"]
        assert shown and shown[0].text == signed["credentialSubject"]["name"]
        schema_org = [
            json.loads(s.text)
            for s in doc.find_all("script", type="application/ld+json")
            if "id" not in s.attrs
        ]
        assert schema_org == []  # for search engines only: the demo's pages are noindex


def test_demo_names_in_four_scripts_are_published(demo: Path) -> None:
    names = {d["credentialSubject"]["name"] for d in credentials()}
    for expected in ("Ada Lovelace", "Анна Каренина", "王芳", "فاطمة الزهراء"):
        assert expected in names


def test_revoked_and_reissued_credentials_are_marked(demo: Path) -> None:
    settings = load_settings(ROOT / "mkdocs.yml")
    ledger = load_ledger(settings)
    assert ledger, "the demo has revoked credentials"
    superseded = [r for r in ledger.values() if r.superseded_by]
    plain = [r for r in ledger.values() if not r.superseded_by]
    assert superseded and plain
    for revocation in ledger.values():
        doc = page(demo, revocation.credential)
        body = doc.find("body")
        assert body.attrs["data-cp-state"] == "revoked"
        assert revocation.reason and revocation.reason in body.text
        if revocation.superseded_by:
            links = [a.attrs.get("href", "") for a in doc.find_all("a")]
            relative = revocation.superseded_by[len(settings.site_url) :]
            assert any(h.endswith(relative) or h == revocation.superseded_by for h in links)


def test_expired_credential_is_published_marked_expired(demo: Path) -> None:
    expired = [d for d in credentials() if d.get("validUntil", "9999") < "2026"]
    assert expired
    for signed in expired:
        assert page(demo, signed["id"]).find("body").attrs["data-cp-state"] == "expired"


def test_issuer_files_achievements_verify_page_and_sitemap(demo: Path) -> None:
    settings = load_settings(ROOT / "mkdocs.yml")
    did = json.loads((demo / ".well-known" / "did.json").read_text())
    assert did["id"] == settings.did == "did:web:127.0.0.1%3A8000"
    assert json.loads((demo / "did.json").read_text()) == did
    status = json.loads((demo / "status" / "revocation.json").read_text())
    assert status["id"] == settings.status_list_url
    for achievement_id in ("python-basics", "data-literacy", "open-source-contributor"):
        doc = page(demo, settings.achievement_url(achievement_id))
        assert doc.find("h1").text.strip()
    verify = page(demo, settings.site_url + "verify/")
    for element_id in ("cp-verify-form", "cp-file", "cp-drop", "cp-paste", "cp-url", "cp-verify"):
        assert verify.find(id=element_id)
    sitemap = (demo / "sitemap.xml").read_text()
    assert settings.site_url + "verify/" in sitemap
    assert settings.achievement_url("python-basics") in sitemap
    assert "/c/" not in sitemap  # credential pages are noindex by default
    assert (demo / "404.html").exists()


def test_the_home_page_links_a_sample_credential_in_each_state(demo: Path) -> None:
    """docs/index.md's table: each link is a built credential page in the state it claims."""
    settings = load_settings(ROOT / "mkdocs.yml")
    ledger = load_ledger(settings)
    home = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\w+) \| \[[^]]+\]\(c/([a-z0-9-]+)/\)", home, re.M))
    assert sorted(rows) == ["Expired", "Pathway", "Reissued", "Revoked", "Verified"]
    by_slug = {d["id"].rstrip("/").rsplit("/", 1)[1]: d for d in credentials()}
    now = dt.datetime.now(dt.UTC).isoformat()
    for state, slug in rows.items():
        doc = by_slug[slug]
        assert (demo / "c" / slug / "index.html").is_file()
        revoked = ledger.get(doc["id"])
        expired = doc.get("validUntil", "9999") < now
        assert {
            "Verified": not revoked and not expired,
            "Revoked": revoked is not None and not revoked.superseded_by,
            "Expired": expired and not revoked,
            "Reissued": revoked is not None and bool(revoked.superseded_by),
            "Pathway": not revoked and not expired and len(doc.get("evidence", [])) == 3,
        }[state], state
    assert '<a href="c/python-basics-xizp4qbgau/">' in (demo / "index.html").read_text("utf-8")
