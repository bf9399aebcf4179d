"""Interop with the site's own templates: pages rendered by ``credpages.site.render`` work with
the verifier's DOM contract."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from credpages.site import render
from credpages.site.render import environment

from .fixtures import Site, sign
from .harness import ASSETS
from .helpers import panel, states

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(server) -> Site:
    return Site(server, "rendered-site")


def site_info(site: Site):
    return render.SiteInfo(
        site_url=site.url, site_name="Test Awards", issuer_name="Example Academy", did=site.did
    )


def render_credential(site: Site, slug: str, credential: dict, status: Any = None) -> str:
    env = environment.make_environment()
    context = render.credential_page_context(credential, site=site_info(site), status=status)
    html = render.render_credential_page(env, context)
    site.write_json(f"c/{slug}/credential.json", credential)
    (site.dir / "c" / slug / "index.html").write_text(html, encoding="utf-8")
    return html


def test_rendered_credential_page_verifies(page, site):
    cred = site.signed("rendered", name="Ada \u202eLovelace & <Co>")  # bidi + markup characters
    html = render_credential(site, "rendered", cred)
    assert 'data-field="credentialSubject.name"' in html
    page.goto(f"{site.url}c/rendered/")
    result = panel(page)
    assert result["verdict"] == "verified", result
    assert states(result)["page"] == "ok"


def test_rendered_page_with_edited_text_is_caught(page, site):
    cred = site.signed("edited", name="Ada Lovelace")
    html = render_credential(site, "edited", cred)
    marker = 'data-field="credentialSubject.name">Ada Lovelace<'
    assert marker in html
    edited = html.replace(marker, 'data-field="credentialSubject.name">Grace Hopper<')
    (site.dir / "c" / "edited" / "index.html").write_text(edited, encoding="utf-8")
    page.goto(f"{site.url}c/edited/")
    result = panel(page)
    assert result["verdict"] == "tampered"
    assert "credentialSubject.name" in result["steps"]["page"]["text"]


def test_rendered_verify_page(page, site):
    env = environment.make_environment()
    html = render.render_verify_page(env, render.verify_page_context(site=site_info(site)))
    (site.dir / "verify").mkdir(exist_ok=True)
    (site.dir / "verify" / "index.html").write_text(html, encoding="utf-8")
    cred = site.signed("pasted")
    site.write_json("c/pasted/credential.json", cred)
    page.goto(f"{site.url}verify/")
    page.eval_on_selector("#cp-paste", "(el, t) => { el.value = t; }", json.dumps(cred))
    page.click("button[value=paste]")
    result = panel(page)
    assert result["verdict"] == "verified", result
    assert result["domain"] == f"127.0.0.1:{site.server.port}"


def test_verdict_sentence_arrives_without_layout_shift(page, site):
    """The sentence, on the rendered page with its stylesheet: no layout shift, the live region
    holds the sentence alone, the steps are behind a closed disclosure."""
    shutil.copy(ASSETS / "credpages.css", site.dir / "assets" / "credpages" / "credpages.css")
    cred = site.signed("steady", name="Ada Lovelace")
    render_credential(site, "steady", cred)
    for width in (1200, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{site.url}c/steady/")
        result = panel(page)
        assert result["verdict"] == "verified", result
        assert result["text"].startswith("Verified: Example Academy (127.0.0.1:")
        assert "awarded Python Basics to Ada Lovelace on 1 January 2024." in result["text"]
        shift = page.evaluate(
            """() => new Promise((done) => {
                 let total = 0;
                 new PerformanceObserver((list) => {
                   for (const e of list.getEntries()) total += e.value;
                 }).observe({type: 'layout-shift', buffered: true});
                 setTimeout(() => done(total), 300);
               })"""
        )
        assert shift == 0, (width, shift)
        live = page.evaluate(
            """() => [...document.querySelectorAll('[aria-live]')].map((e) => e.className)"""
        )
        assert live == ["cp-verdict"]
        assert page.evaluate("document.querySelector('#cp-verify details').open") is False


def test_rendered_revoked_page_states_the_reason(page, site):
    site.revoked = {4242}
    site.write_status_list()
    try:
        cred = site.signed("gone")
        status = render.CredentialStatusInfo(state="revoked", reason="Issued in error")
        render_credential(site, "gone", cred, status)
        page.goto(f"{site.url}c/gone/")
        result = panel(page)
    finally:
        site.revoked = set()
        site.write_status_list()
    assert result["verdict"] == "revoked"
    assert "awarded Python Basics to Ada Lovelace on 1 January 2024." in result["text"]
    assert result["text"].endswith("Reason given by the issuer: Issued in error.")


def test_rendered_links_are_checked(page, site):
    """Evidence links: the target (an absolute URL elsewhere, or a relative one on this site) and
    the URL shown are both compared with the signed credential."""
    cred = site.credential("linked")
    cred["evidence"] = [
        {"id": "https://portfolio.example/ada/project", "type": ["Evidence"]},
        {"id": f"{site.url}achievements/python-basics/", "type": ["Evidence"]},
    ]
    cred = sign(cred, site.seed, site.vm)
    html = render_credential(site, "linked", cred)
    assert html.count('data-field-href="evidence.') == 2  # (and the issuer's url, in Details)
    page.goto(f"{site.url}c/linked/")
    result = panel(page)
    assert result["verdict"] == "verified", result

    path = site.dir / "c" / "linked" / "index.html"
    for old, new in [
        ('href="https://portfolio.example/ada/project"', 'href="https://evil.example/"'),
        ('href="../../achievements/python-basics/"', 'href="../../elsewhere/"'),
        (">https://portfolio.example/ada/project<", ">https://evil.example/<"),
    ]:
        assert old in html, old
        path.write_text(html.replace(old, new), encoding="utf-8")
        page.goto(f"{site.url}c/linked/")
        result = panel(page)
        assert result["verdict"] == "tampered", (new, result)
        assert "evidence." in result["steps"]["page"]["text"]


@pytest.mark.parametrize(
    "name",
    ["Ada " + "Lovelace " * 300, "Ada\0Lovelace", "Ada \U0001f600 Lovelace"],
    ids=["clamped", "nul", "emoji"],
)
def test_rendered_partial_fields_verify(page, site, name):
    """Values the build shortens or cannot show exactly are marked partial, and still verify."""
    cred = site.signed("partial", name=name)
    html = render_credential(site, "partial", cred)
    partial = "\0" in name or len(name) > 2000
    assert ('data-field-partial="credentialSubject.name"' in html) is partial
    page.goto(f"{site.url}c/partial/")
    result = panel(page)
    assert result["verdict"] == "verified", result
    assert states(result)["page"] == "ok"
