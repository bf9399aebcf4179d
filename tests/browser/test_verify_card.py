"""/verify/ shows the checked credential as a card (issue 11): made from the verified data only,
inert against hostile text, brought into view and focused, and absent when the check fails."""

from __future__ import annotations

import base64
import json
import shutil
from typing import Any

import pytest

from credpages.site import render
from credpages.site.render import environment

from .fixtures import Site, sign, tiny_png, write
from .harness import ASSETS
from .helpers import call, drop_file, panel

pytestmark = pytest.mark.browser

REVOKED_INDEX = 77


@pytest.fixture(scope="module")
def site(server) -> Site:
    """An issuer whose own /verify/ page is the one the build renders, with its stylesheet."""
    s = Site(server, "card-site", revoked={REVOKED_INDEX})
    info = render.SiteInfo(
        site_url=s.url, site_name="Card Awards", issuer_name="Example Academy", did=s.did
    )
    html = render.render_verify_page(
        environment.make_environment(), render.verify_page_context(site=info)
    )
    write(s.dir / "verify" / "index.html", html)
    shutil.copy(ASSETS / "credpages.css", s.dir / "assets" / "credpages" / "credpages.css")
    write(s.dir / "badge.png", tiny_png())
    return s


@pytest.fixture(scope="module")
def other(server) -> Site:
    """Another issuer on the same host: a different did:web path, so not this site."""
    return Site(server, "other-academy")


def publish(site: Site, slug: str, doc: dict[str, Any], reason: str | None = None) -> dict:
    """Sign and publish as the issuer's build does (the published copy vouches for the rdfc
    proof); with ``reason``, the credential page carries it in its hidden .cp-reason."""
    cred = sign(doc, site.seed, site.vm)
    extra = f'<p class="cp-reason" hidden>{reason}</p>' if reason else ""
    site.write_page(slug, cred, extra_html=extra)
    return cred


def open_verify(page, site: Site, width: int = 1280, height: int = 800) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{site.url}verify/")


def drop(page, cred: dict) -> dict:
    drop_file(page, json.dumps(cred))
    return panel(page)


def paste(page, text: str) -> dict:
    page.evaluate("document.getElementById('cp-verify').dataset.verdict = 'pending'")
    page.eval_on_selector("#cp-paste", "(el, text) => { el.value = text; }", text)
    page.click("button[value=paste]")
    return panel(page)


def card(page) -> dict[str, Any] | None:
    """What a reader of the card sees, or None when there is no card."""
    return page.evaluate(
        """() => {
          const c = document.querySelector('#cp-verify .cp-vcard');
          if (!c) return null;
          const facts = {};
          for (const dt of c.querySelectorAll('.cp-vcard-facts dt'))
            facts[dt.textContent] = dt.nextElementSibling.textContent;
          const r = c.getBoundingClientRect();
          return {
            verdict: c.dataset.verdict,
            state: c.querySelector('.cp-vcard-state').textContent,
            title: c.querySelector('h3').textContent,
            recipient: c.querySelector('.cp-vcard-head strong')?.textContent ?? null,
            facts,
            times: [...c.querySelectorAll('time')].map((t) => t.getAttribute('datetime')),
            foreign: c.querySelector('.cp-vcard-foreign')?.textContent ?? null,
            focused: document.activeElement === c,
            top: r.top, bottom: r.bottom, viewport: innerHeight, scrollY,
            images: [...c.querySelectorAll('img')].map((i) => ({
              src: i.getAttribute('src'), policy: i.referrerPolicy, loaded: i.naturalWidth > 0})),
            links: [...c.querySelectorAll('a')].map((a) => ({
              href: a.getAttribute('href'), rel: a.rel, text: a.textContent})),
            text: c.textContent,
          };
        }"""
    )


def good_credential(site: Site, slug: str, **kw: Any) -> dict:
    doc = site.credential(slug, **kw)
    doc["credentialSubject"]["achievement"]["image"] = {
        "id": f"{site.url}badge.png",
        "type": "Image",
    }
    doc["validUntil"] = "2099-06-30T00:00:00Z"
    doc["credentialSubject"]["achievement"]["resultDescription"] = [
        {
            "id": "urn:uuid:grade",
            "type": ["ResultDescription"],
            "name": "Final grade",
            "resultType": "LetterGrade",
        }
    ]
    doc["credentialSubject"]["result"] = [
        {"type": ["Result"], "resultDescription": "urn:uuid:grade", "value": "A"}
    ]
    doc["evidence"] = [
        {
            "id": "https://portfolio.example/ada/project",
            "type": ["Evidence"],
            "name": "Final project",
        }
    ]
    return doc


def test_dropped_credential_shows_its_card(page, site):
    cred = publish(site, "ada", good_credential(site, "ada"))
    requests: list[Any] = []
    page.on("request", lambda r: requests.append(r) if r.url.endswith("badge.png") else None)
    open_verify(page, site)
    result = drop(page, cred)
    assert result["verdict"] == "verified", result
    # The sentence is what the live region announces.
    assert result["text"].startswith("Verified: Example Academy (127.0.0.1:")
    shown = card(page)
    assert shown is not None
    assert shown["verdict"] == "verified"
    assert shown["state"] == "Verified credential"
    assert shown["title"] == "Python Basics"
    assert shown["recipient"] == "Ada Lovelace"
    assert shown["facts"]["Issued by"] == f"Example Academy (127.0.0.1:{site.server.port})"
    assert shown["facts"]["Awarded on"] == "1 January 2024"
    assert shown["facts"]["Valid until"] == "30 June 2099"
    assert shown["times"] == ["2024-01-01T00:00:00Z", "2099-06-30T00:00:00Z"]
    assert shown["foreign"] is None
    assert "Final grade: A" in shown["text"]
    assert shown["links"] == [
        {
            "href": "https://portfolio.example/ada/project",
            "rel": "noopener noreferrer nofollow",
            "text": "Final project",
        }
    ]
    page.wait_for_function("() => document.querySelector('.cp-vcard img').complete")
    shown = card(page)
    assert shown["images"] == [
        {"src": f"{site.url}badge.png", "policy": "no-referrer", "loaded": True}
    ]
    assert requests and all("referer" not in r.all_headers() for r in requests)
    assert shown["focused"]


@pytest.mark.parametrize("how", ["file", "paste", "url", "query"])
def test_every_input_gets_the_card(page, site, tmp_path, how):
    cred = publish(site, "grace", site.credential("grace", name="Grace Hopper"))
    address = f"{site.url}c/grace/"
    if how == "query":
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{site.url}verify/?url={address}")
        result = panel(page)
    else:
        open_verify(page, site)
        if how == "file":
            page.set_input_files("#cp-file", str(write(tmp_path / "grace.json", json.dumps(cred))))
            result = panel(page)
        elif how == "paste":
            result = paste(page, json.dumps(cred))
        else:
            page.fill("#cp-url", address)
            page.click("button[value=url]")
            result = panel(page)
    assert result["verdict"] == "verified", result
    shown = card(page)
    assert shown and shown["recipient"] == "Grace Hopper" and shown["focused"]


def test_foreign_issuer_gets_a_note(page, site, other):
    cred = publish(other, "visitor", other.credential("visitor"))
    open_verify(page, site)
    assert drop(page, cred)["verdict"] == "verified"
    shown = card(page)
    assert shown is not None
    host = f"127.0.0.1:{site.server.port}"
    assert shown["foreign"] == (
        f"Not issued by this site. This credential comes from {host}/other-academy, not from "
        f"{host}/card-site. The check shows that {host}/other-academy signed it, not who runs it."
    )
    # The site's own credentials get no note (checked in test_dropped_credential_shows_its_card).


def test_revoked_card_states_the_published_reason(page, site):
    cred = publish(
        site,
        "gone",
        site.credential("gone", status_index=REVOKED_INDEX),
        reason="Issued in error &amp; withdrawn",
    )
    open_verify(page, site)
    result = drop(page, cred)
    assert result["verdict"] == "revoked", result
    assert result["text"].endswith("Reason given by the issuer: Issued in error & withdrawn.")
    shown = card(page)
    assert shown is not None
    assert shown["verdict"] == "revoked"
    assert shown["state"] == "Revoked: no longer valid"
    assert shown["facts"]["Reason (from the issuer's site)"] == "Issued in error & withdrawn"


def test_revoked_card_without_a_published_reason(page, site):
    cred = publish(
        site, "gone-quietly", site.credential("gone-quietly", status_index=REVOKED_INDEX)
    )
    open_verify(page, site)
    assert drop(page, cred)["verdict"] == "revoked"
    shown = card(page)
    assert shown is not None and shown["verdict"] == "revoked"
    assert not any(k.startswith("Reason") for k in shown["facts"])


def test_hostile_text_renders_inert(page, site):
    doc = site.credential("hostile", name='<img src=x onerror="window.pwned=1">')
    doc["issuer"]["name"] = "<script>window.pwned=3</script>Academy"
    achievement = doc["credentialSubject"]["achievement"]
    achievement["name"] = "\u202eevil\u202c Basics"
    achievement["image"] = {"id": "javascript:window.pwned=4", "type": "Image"}
    doc["evidence"] = [
        {"id": "javascript:window.pwned=2", "type": ["Evidence"], "name": "Click <b>me</b>"},
        {"id": "http://plain.example/x", "type": ["Evidence"], "name": "Plain http"},
    ]
    cred = publish(site, "hostile", doc)
    open_verify(page, site)
    assert drop(page, cred)["verdict"] == "verified"
    shown = card(page)
    assert shown is not None
    assert shown["recipient"] == '<img src=x onerror="window.pwned=1">'
    assert shown["facts"]["Issued by"].startswith("<script>window.pwned=3</script>Academy (")
    assert shown["images"] == [] and shown["links"] == []
    assert "Click <b>me</b>" in shown["text"] and "Plain http" in shown["text"]
    assert page.evaluate("window.pwned") is None
    markup = "#cp-verify img, #cp-verify script, #cp-verify b"
    assert page.evaluate("(sel) => document.querySelectorAll(sel).length", markup) == 0
    # The right-to-left override stays inside its own element: it cannot reorder the card's words.
    isolated = page.evaluate(
        """() => [...document.querySelectorAll('.cp-vcard *')]
             .filter((e) => [...e.childNodes]
               .some((n) => n.nodeType === 3 && n.data.includes('\u202e')))
             .map((e) => e.getAttribute('dir'))"""
    )
    assert isolated == ["auto"]


@pytest.mark.parametrize(
    ("image", "loaded"),
    [
        ("https://badges.example/a.png", True),
        ("https://127.0.0.1/a.png", False),  # private host
        ("https://user:pw@badges.example/a.png", False),
        ("http://badges.example/a.png", False),
        ("SAME/badge.png", True),  # this page's origin, http on the local test server
        ("data:image/png;base64," + base64.b64encode(tiny_png()).decode(), True),
        ("data:image/png;base64," + "A" * (256 << 10), False),  # over the size cap
        ("data:image/svg+xml;base64," + base64.b64encode(b"<svg/>").decode(), False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("javascript:alert(1)", False),
        ("blob:SAME/0d6c", False),  # same origin, but not an address of the credential's
        ("/badge.png", False),  # relative: not a URL of the credential's
    ],
    ids=lambda v: str(v)[:40],
)
def test_which_images_are_loaded(module_page, server, image, loaded):
    src = image.replace("SAME", server.url.rstrip("/"))
    got = call(
        module_page,
        "const c = await import('/assets/credpages/verify-card.js');"
        " return c.imageSrc({id: arg, type: 'Image'}, location.origin);",
        src,
    )
    assert (got != "") is loaded, got


def test_card_in_view_and_focused_on_a_phone(page, site):
    cred = publish(site, "phone", good_credential(site, "phone"))
    open_verify(page, site, 390, 844)
    assert page.evaluate("document.getElementById('cp-verify').getBoundingClientRect().top") > 844
    assert drop(page, cred)["verdict"] == "verified"
    shown = card(page)
    assert shown is not None
    assert shown["focused"]
    assert shown["scrollY"] > 0  # the panel was below the fold: the page scrolled to it
    assert 0 <= shown["top"] < shown["viewport"] - 100, shown
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone


def test_no_jump_when_the_result_is_in_sight(page, site):
    """At 1280 px the panel is in view: the page does not scroll, the card is focused."""
    cred = publish(site, "desk", site.credential("desk"))
    open_verify(page, site, 1280, 1400)
    assert drop(page, cred)["verdict"] == "verified"
    shown = card(page)
    assert shown is not None and shown["focused"]
    assert shown["scrollY"] == 0
    assert shown["bottom"] <= shown["viewport"]


def test_failed_check_shows_no_card(page, site):
    cred = publish(site, "ok", site.credential("ok"))
    open_verify(page, site)
    assert drop(page, cred)["verdict"] == "verified"
    assert card(page) is not None
    tampered = json.loads(json.dumps(cred))
    tampered["credentialSubject"]["name"] = "Mallory"
    result = paste(page, json.dumps(tampered))
    assert result["verdict"] == "tampered"
    assert card(page) is None  # the earlier card is gone too
    assert "Mallory" not in page.inner_text("#cp-verify")
    # Focus moves to the panel's heading instead.
    assert page.evaluate("document.activeElement.textContent") == "Verification"


def test_unvouched_credential_shows_no_card(page, site):
    """A valid jcs signature whose rdfc proof cannot be vouched for (no published copy) is
    'Could not be verified': no card, as the sentence states no facts for it either."""
    cred = sign(site.credential("unpublished"), site.seed, site.vm)
    open_verify(page, site)
    result = drop(page, cred)
    assert result["verdict"] == "cannot-verify", result
    assert card(page) is None


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_query_result_moves_nothing(page, site, width, height):
    """A check started by ?url= (no user input): the card arrives without shifting the page."""
    publish(site, "steady", good_credential(site, "steady"))
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{site.url}verify/?url={site.url}c/steady/")
    assert panel(page, timeout=30_000)["verdict"] == "verified"
    page.wait_for_function(
        "() => document.querySelector('.cp-vcard img')?.complete", timeout=30_000
    )
    shifts = page.evaluate(
        """() => new Promise((done) => {
             const all = [];
             new PerformanceObserver((list) => {
               for (const e of list.getEntries())
                 all.push({value: e.value, input: e.hadRecentInput,
                           nodes: e.sources.map((s) => s.node?.nodeName)});
             }).observe({type: 'layout-shift', buffered: true});
             setTimeout(() => done(all), 300);
           })"""
    )
    assert sum(s["value"] for s in shifts) == 0, shifts
