"""A pathway on a real built site, in headless Chromium: the pathway credential's page verifies,
its parts are linked and each part's page verifies too.

The issuer is generated (tests/test_site_build helpers) with ``site_url`` at this module's own
server, so did:web resolves; the pathway is awarded by ``issuer.pathways`` as `issue` does.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from credpages.cli.site_config import load_settings
from credpages.credential.yamlio import load_yaml
from credpages.issuer.award_request import make_request
from credpages.issuer.issuing import Issuer
from credpages.issuer.pathways import Catalog, award_pathways
from credpages.issuer.signing import Signer

from .harness import REPO, Server
from .helpers import panel

pytestmark = pytest.mark.browser

PARTS = {
    "data-literacy": "name: Data Literacy\ndescription: Reads data.\ncriteria: A capstone.\n",
    "pathway": "name: Analyst Pathway\ndescription: Both.\ncriteria: Holds both.\n"
    "requires:\n  all: [python-basics, data-literacy]\n",
}


@dataclass
class Built:
    server: Server
    pathway: dict[str, Any]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    from test_site_build import make_site, run_build

    root = tmp_path_factory.mktemp("pathway")
    server = Server(root / "site")  # bound now: its port is part of site_url (and the DID)
    config, seed = make_site(root, site_url=server.url)
    text = config.read_text(encoding="utf-8")  # this repository's theme: the verifier's modules
    theme = f"theme: {{name: material, font: false, custom_dir: '{REPO / 'theme'}'}}"
    config.write_text(text.replace("theme: {name: material, font: false}", theme), "utf-8")
    for aid, text in PARTS.items():
        (root / "credentials" / "achievements" / f"{aid}.yaml").write_text(text, encoding="utf-8")
    settings = load_settings(config)
    issuer = Issuer(settings, Signer(settings, seed), rng=random.Random(13).randrange)
    requests = [
        make_request(
            settings,
            {"name": "Ada Lovelace", "email": "ada@example.test", "issued": "2026-01-15"},
            origin="test",
            achievement_id=aid,
        )
        for aid in ("python-basics", "data-literacy")
    ]
    issued = issuer.issue_all(requests)
    (outcome,), _ = award_pathways(issuer, requests, issued, Catalog.load(settings))
    assert outcome.path is not None
    run_build(config)
    server.start()
    try:
        yield Built(server, dict(load_yaml(outcome.path).data))
    finally:
        server.stop()


def test_the_pathway_credential_and_each_linked_part_verify(browser: Any, built: Built) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(built.pathway["id"])
        result = panel(page)
        assert result["verdict"] == "verified", result
        links = page.eval_on_selector_all(".cp-evidence a", "els => els.map(e => e.href)")
        assert links == [e["id"] for e in built.pathway["evidence"]]
        for url in links:
            page.goto(url)
            part = panel(page)
            assert part["verdict"] == "verified", (url, part)
            assert built.pathway["id"] not in page.content()  # a part does not reveal the rest
    finally:
        context.close()


def test_the_pathway_achievement_page_links_its_parts(browser: Any, built: Built) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        achievement = built.pathway["credentialSubject"]["achievement"]["id"]
        page.goto(achievement)
        text = page.inner_text("#cp-pathway")
        assert "All of these" in text and "Python Basics" in text and "Data Literacy" in text
        hrefs = page.eval_on_selector_all("#cp-pathway a", "els => els.map(e => e.href)")
        base = achievement.rsplit("/achievements/", 1)[0]
        assert hrefs == [
            f"{base}/achievements/python-basics/",
            f"{base}/achievements/data-literacy/",
        ]
        for href in hrefs:
            assert page.request.get(href).ok
    finally:
        context.close()


def test_the_built_pathway_page_is_the_one_signed(built: Built) -> None:
    slug = built.pathway["id"].rstrip("/").rsplit("/", 1)[1]
    html = (Path(built.server.root) / "c" / slug / "index.html").read_text(encoding="utf-8")
    assert 'data-field="evidence.0.name"' in html
