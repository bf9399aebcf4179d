"""Interop with the site's own templates: pages rendered by ``credpages.site.render`` work with
the verifier's DOM contract."""

from __future__ import annotations

import json

import pytest

from credpages.site.render import environment, pages

from .fixtures import Site
from .helpers import panel, states

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(server) -> Site:
    return Site(server, "rendered-site")


def site_info(site: Site):
    return pages.SiteInfo(
        site_url=site.url, site_name="Test Awards", issuer_name="Example Academy", did=site.did
    )


def render_credential(site: Site, slug: str, credential: dict) -> str:
    env = environment.make_environment()
    context = pages.credential_page_context(credential, site=site_info(site))
    html = pages.render_credential_page(env, context)
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
    html = pages.render_verify_page(env, pages.verify_page_context(site=site_info(site)))
    (site.dir / "verify").mkdir(exist_ok=True)
    (site.dir / "verify" / "index.html").write_text(html, encoding="utf-8")
    cred = site.signed("pasted")
    page.goto(f"{site.url}verify/")
    page.eval_on_selector("#cp-paste", "(el, t) => { el.value = t; }", json.dumps(cred))
    page.click("button[value=paste]")
    result = panel(page)
    assert result["verdict"] == "verified", result
    assert result["domain"] == f"127.0.0.1:{site.server.port}"
