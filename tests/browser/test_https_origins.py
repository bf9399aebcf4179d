"""Production-like origins: the issuer and the verifying page on https hosts (Playwright routes
them to local files), so no localhost exception is involved; and an insecure http page."""

from __future__ import annotations

import json
import mimetypes

import pytest

from .fixtures import Site
from .helpers import panel

pytestmark = pytest.mark.browser

ISSUER = "https://issuer.test/awards/"
VERIFIER_ORIGINS = ("https://verify.test", "http://verify.test")


@pytest.fixture(scope="module")
def site(server) -> Site:
    return Site(server, "https-site", base_url=ISSUER)


@pytest.fixture
def routed(page, site, server):
    """Serve ISSUER from the site's files and /verify/ + assets on the verifier origins."""

    def from_dir(route, base, root):
        rel = route.request.url[len(base) :].split("?")[0]
        path = root / rel
        if path.is_dir() or rel == "" or rel.endswith("/"):
            path = path / "index.html"
        if not path.is_file():
            route.fulfill(status=404, body="not found")
            return
        route.fulfill(
            status=200,
            body=path.read_bytes(),
            headers={
                "Content-Type": mimetypes.guess_type(path.name)[0] or "application/octet-stream",
                "Access-Control-Allow-Origin": "*",
            },
        )

    def handler(base, root):
        return lambda route: from_dir(route, base, root)

    page.route(f"{ISSUER}**", handler(ISSUER, site.dir))
    for origin in VERIFIER_ORIGINS:
        page.route(f"{origin}/**", handler(origin + "/", server.root))
    return page


def paste(page, cred: dict) -> dict:
    page.eval_on_selector("#cp-paste", "(el, t) => { el.value = t; }", json.dumps(cred))
    page.click("button[value=paste]")
    return panel(page)


def test_https_issuer_verified_from_https_page(routed, site):
    assert site.did == "did:web:issuer.test:awards"
    routed.goto("https://verify.test/verify/")
    cred = site.signed("badge")
    site.write_page("badge", cred)  # the issuer publishes it, so its rdfc proof is vouched for
    result = paste(routed, cred)
    assert result["verdict"] == "verified", result
    assert result["domain"] == "issuer.test"


def test_https_credential_page(routed, site):
    url = site.write_page("page", site.signed("page"))
    assert url.startswith(ISSUER)
    routed.goto(url)
    assert panel(routed)["verdict"] == "verified"


def test_local_did_refused_from_public_page(routed, site, server):
    local = Site(server, "local-from-public")
    routed.goto("https://verify.test/verify/")
    result = paste(routed, local.signed("badge"))
    assert result["verdict"] == "cannot-verify"
    assert "private, loopback" in result["text"]


def test_insecure_page_explains_https(routed, site):
    routed.goto("http://verify.test/verify/")
    assert routed.evaluate("window.isSecureContext") is False
    result = paste(routed, site.signed("badge"))
    assert result["verdict"] == "cannot-verify"
    assert "https" in result["text"]
