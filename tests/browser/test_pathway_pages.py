"""A pathway on a real built site, in headless Chromium: the pathway credential's page verifies,
its parts are linked and each shows its own verdict, each part's page verifies too, and the
learner record (CLR) verifies when dropped on /verify/ (a tampered one does not).

The issuer is generated (tests/test_site_build helpers) with ``site_url`` at this module's own
server, so did:web resolves; the pathway is awarded by ``issuer.pathways`` as `issue` does.
"""

from __future__ import annotations

import json
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
from .helpers import drop_file, panel

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


def test_each_part_shows_its_own_verdict_checked_in_the_browser(browser: Any, built: Built) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(built.pathway["id"])
        page.wait_for_selector(".cp-clr-verdict", timeout=15_000)
        parts = page.eval_on_selector_all(
            ".cp-evidence li",
            """els => els.map(li => {
                const v = li.querySelector('.cp-part-verdict');
                return [li.querySelector('a').href, v && v.dataset.verdict, v && v.textContent];
            })""",
        )
        assert [(href, verdict) for href, verdict, _ in parts] == [
            (e["id"], "verified") for e in built.pathway["evidence"]
        ]
        record = page.eval_on_selector(".cp-clr-verdict", "p => [p.dataset.verdict, p.textContent]")
        assert record[0] == "verified" and "all 3 credentials" in record[1], record
        link = page.get_attribute("a[data-cp-clr]", "href")
        assert link == "clr.json"
        response = page.request.get(built.pathway["id"] + "clr.json")
        assert response.ok and response.json()["type"] == ["VerifiableCredential", "ClrCredential"]
        # The panel still checks the page's own credential, the pathway credential.
        assert panel(page)["verdict"] == "verified"
    finally:
        context.close()


def test_a_dropped_clr_verifies_on_the_verify_page_and_a_tampered_one_fails(
    browser: Any, built: Built
) -> None:
    clr = (built.server.root / "c" / slug(built.pathway) / "clr.json").read_text("utf-8")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(built.server.url + "verify/")
        drop_file(page, clr, "record.json")
        result = panel(page)
        assert result["verdict"] == "verified", result
        assert result["text"].startswith("Verified learner record: "), result
        assert "each of the 3 credentials" in result["text"]
        steps = {k: v["state"] for k, v in result["steps"].items()}
        assert {k: steps[k] for k in ("wellformed", "key", "signature", "published")} == {
            "wellformed": "ok",
            "key": "ok",
            "signature": "ok",
            "published": "ok",  # the rdfc proof, vouched for by the issuer's published copy
        }
        assert [steps[f"part-{i}"] for i in range(3)] == ["ok", "ok", "ok"]
        assert page.locator(".cp-vcard").count() == 0  # a record gets no single-credential card

        tampered = json.loads(clr)
        part = tampered["credentialSubject"]["verifiableCredential"][1]
        part["credentialSubject"]["name"] = "Mallory"
        page.reload()
        drop_file(page, json.dumps(tampered), "record.json")
        result = panel(page)
        assert result["verdict"] == "tampered", result
        steps = {k: v["state"] for k, v in result["steps"].items()}
        assert steps["signature"] == "fail"  # the record's own signature covers every byte
    finally:
        context.close()


def slug(doc: dict[str, Any]) -> str:
    return str(doc["id"]).rstrip("/").rsplit("/", 1)[1]
