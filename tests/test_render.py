"""credpages.site.render: what a visitor, a crawler and the page's verifier see in the HTML.

Pages are parsed with a small html.parser-based DOM and checked the way a user or crawler would:
which elements exist, what their text and attributes are, where links point. Every credential
value is treated as hostile.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credpages.site import bundle
from credpages.site.render import (
    AchievementEntry,
    CredentialStatusInfo,
    RecipientEntry,
    SiteInfo,
    achievement_page_context,
    credential_page_context,
    format_date,
    home_page_context,
    json_script,
    make_environment,
    not_found_page_context,
    render_achievement_page,
    render_credential_page,
    render_home_page,
    render_not_found_page,
    render_verify_page,
    root_prefix,
    safe_url,
    sitemap_files,
    sitemap_xml,
    verify_page_context,
)
from credpages.site.render.safety import isolate
from factories import OB_CONTEXTS, ob_credential
from htmltree import Node, credential_ld, parse

SITE_URL = "https://example.github.io/awards/"
SLUG = "python-basics-k3x9q2m7ab"
CRED_URL = f"{SITE_URL}c/{SLUG}/"
ACH_URL = f"{SITE_URL}achievements/python-basics/"
DID = "did:web:example.github.io:awards"
CONTEXTS = OB_CONTEXTS
HOSTILE = (
    "</script><script>alert(1)</script><!-- \"' onmouseover=alert(1) "
    "<img src=x onerror=alert(2)> <a href=javascript:alert(3)>x</a> \u202eevil "
    "\u2028\u2029 &amp; ]]> {{ 7*7 }}"
)
BAD_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "/relative/path",
    "relative/path",
    "https://user:pw@evil.example/",
    "https://good.example\\@evil.example/",
    "https://exa mple.com/",
    "https://example.com/\u202eexe.txt",
    "https://",
    "http://:80/",
    "https://example.com:99999/",
    "file:///etc/passwd",
    "ftp://example.com/",
    "",
]


def make_credential() -> dict[str, Any]:
    """A realistic signed OpenBadgeCredential, shaped as DESIGN.md "The credential"."""
    vm = f"{DID}#key-1"
    return ob_credential(
        SITE_URL,
        SLUG,
        {
            "id": ACH_URL,
            "type": ["Achievement"],
            "name": "Python Basics",
            "description": "Writes small, correct Python programs: variables, control "
            "flow, functions and modules.\n\nCompleted a 20-hour course with graded "
            "exercises.",
            "criteria": {
                "narrative": "Pass all eight graded exercises.\nScore at least 70% on the "
                "final project.\n\nAttend 80% of the sessions."
            },
            "image": {
                "id": f"{SITE_URL}assets/badges/python-basics.png",
                "type": "Image",
                "caption": "Python Basics badge",
            },
            "achievementType": "Certificate",
            "tag": ["Python", "Programming", "Testing"],
            "alignment": [
                {
                    "type": ["Alignment"],
                    "targetName": "ESCO: Python (computer programming)",
                    "targetUrl": "https://esco.ec.europa.eu/en/skill/python",
                    "targetFramework": "ESCO",
                    "targetCode": "S1.2.3",
                }
            ],
        },
        did=DID,
        email=("sha256$" + "3f" * 32, "9c" * 16),
        proof=[
            {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "created": "2026-11-28T10:00:00Z",
                "verificationMethod": vm,
                "proofPurpose": "assertionMethod",
                "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a"
                "22gkfUKKiZGXDwLBoyBf23Q",
            },
            {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-jcs-2022",
                "created": "2026-11-28T10:00:00Z",
                "verificationMethod": vm,
                "proofPurpose": "assertionMethod",
                "@context": list(CONTEXTS),
                "proofValue": "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd"
                "3GAVFuUfjoJdcnTMuVor51aX",
            },
        ],
    )


def with_extras(cred: dict[str, Any]) -> dict[str, Any]:
    """The credential plus optional parts: evidence, results, an award narrative."""
    cred = copy.deepcopy(cred)
    cred["evidence"] = [
        {
            "id": "https://github.com/ada/budget",
            "type": ["Evidence"],
            "name": "Final project",
            "description": "A budget tracker.",
            "narrative": "Command line, with tests.\n\nReviewed by two mentors.",
        }
    ]
    subject = cred["credentialSubject"]
    subject["narrative"] = "Top of the cohort."
    subject["result"] = [{"type": ["Result"], "value": "92%", "status": "Completed"}]
    return cred


def site_info(**overrides: Any) -> SiteInfo:
    values: dict[str, Any] = {
        "site_url": SITE_URL,
        "site_name": "Example Academy credentials",
        "issuer_name": "Example Academy",
        "issuer_url": "https://example.org/",
        "did": DID,
    }
    values.update(overrides)
    return SiteInfo(**values)


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    return make_environment()


def render_cred(
    env: jinja2.Environment,
    cred: dict[str, Any],
    *,
    site: SiteInfo | None = None,
    status: CredentialStatusInfo | None = None,
    **kwargs: Any,
) -> str:
    context = credential_page_context(cred, site=site or site_info(), status=status, **kwargs)
    return render_credential_page(env, context)


# ---------------------------------------------------------------------------------------------
def structure(doc: Node) -> list[tuple[str, tuple[str, ...]]]:
    """Element names with their attribute names, in document order (the page's skeleton)."""
    return [(n.tag, tuple(sorted(n.attrs))) for n in doc.iter()]


def meta(doc: Node, key: str) -> str:
    for node in doc.find_all("meta"):
        if key in (node.attrs.get("name"), node.attrs.get("property")):
            return node.attrs["content"]
    raise AssertionError(f"no meta {key}")


def fields(doc: Node) -> dict[str, list[Node]]:
    out: dict[str, list[Node]] = {}
    for node in doc.iter():
        if "data-field" in node.attrs:
            out.setdefault(node.attrs["data-field"], []).append(node)
    return out


def links(doc: Node) -> list[str]:
    return [n.attrs[a] for n in doc.iter() for a in ("href", "src", "action") if a in n.attrs]


def in_bidi_isolate(node: Node) -> bool:
    chain = [node, *node.ancestors()]
    return any(n.tag == "bdi" or n.attrs.get("dir") == "auto" for n in chain)


# ---------------------------------------------------------------------------------------------
# safety


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/",
        "http://example.org/a?b=1&c=2#d",
        "HTTPS://EXAMPLE.ORG/x",
        "https://例え.jp/パス",
        "https://[2001:db8::1]:8443/x",
    ],
)
def test_safe_url_accepts_absolute_http_urls(url: str) -> None:
    assert safe_url(url) == url


@pytest.mark.parametrize("url", [*BAD_URLS, "x" * 5000, None, 42, ["https://example.org/"]])
def test_safe_url_rejects_everything_else(url: Any) -> None:
    assert safe_url(url) is None


def test_json_script_escapes_script_breakers() -> None:
    value = {"a": "</script><!--<script>&\u2028\u2029", "b": [1, 2.5, None, True]}
    text = str(json_script(value))
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text
    assert json.loads(text) == value


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
@settings(max_examples=200, deadline=None)
def test_json_script_round_trips_any_json(value: Any) -> None:
    text = str(json_script(value))
    assert not re.search(r"</script|<!--", text, re.IGNORECASE)
    assert json.loads(text) == value


def test_format_date_reads_the_string_as_written() -> None:
    assert format_date("2026-11-28T00:00:00Z") == "28 November 2026"
    assert format_date("2026-01-05T23:30:00-08:00") == "5 January 2026"  # no zone shift
    assert format_date("2026-02-30T00:00:00Z") == "2026-02-30T00:00:00Z"  # no such day: as written
    assert format_date("2026-11-28T00:00:00Z", "fr") == "28 novembre 2026"
    assert format_date("2026-13-01T00:00:00Z") == "2026-13-01T00:00:00Z"
    assert format_date("soon") == "soon"
    assert format_date(None) == ""


def test_root_prefix_follows_page_depth() -> None:
    site = site_info()
    assert root_prefix(site, CRED_URL) == "../../"
    assert root_prefix(site, f"{SITE_URL}verify/") == "../"
    assert root_prefix(site, SITE_URL) == ""
    assert root_prefix(site, "https://elsewhere.example/c/x/") == "/awards/"
    assert root_prefix(site_info(asset_prefix="/fixed/"), CRED_URL) == "/fixed/"


# ---------------------------------------------------------------------------------------------
# credential page: head


def test_head_has_absolute_share_tags_and_relative_assets(env: jinja2.Environment) -> None:
    doc = parse(render_cred(env, make_credential()))
    head = doc.find("head")
    assert head.find("meta", charset="utf-8")
    assert "width=device-width" in meta(doc, "viewport")
    title = head.find("title").text
    assert "Python Basics" in title and "Ada Lovelace" in title
    assert head.find("link", rel="canonical").attrs["href"] == CRED_URL
    assert meta(doc, "og:url") == CRED_URL
    assert meta(doc, "og:type") == "website"
    assert meta(doc, "og:site_name") == "Example Academy credentials"
    assert "Python Basics" in meta(doc, "og:title")
    assert "Ada Lovelace" in meta(doc, "og:description")
    assert meta(doc, "twitter:card") == "summary"
    assert meta(doc, "cp:site-url") == SITE_URL
    sheet = head.find("link", rel="stylesheet")
    assert sheet.attrs["href"] == "../../assets/credpages/credpages.css"
    module = doc.find("script", type="module")
    assert module.attrs["src"] == "../../assets/credpages/verify-panel.js"
    assert module.text == ""


def test_nothing_is_loaded_from_other_sites(env: jinja2.Environment) -> None:
    """Only relative site paths and the credential's own (https) images/links appear."""
    cred = make_credential()
    doc = parse(render_cred(env, cred))
    for node in doc.find_all("script") + doc.find_all("link"):
        target = node.attrs.get("src") or node.attrs.get("href") or ""
        if node.attrs.get("rel") != "canonical":
            assert not re.match(r"^(https?:)?//", target), target
    imgs = {n.attrs["src"] for n in doc.find_all("img")}
    assert imgs == {"../../assets/badges/python-basics.png", "https://example.org/logo.png"}


def test_json_ld_is_the_signed_credential_exactly(env: jinja2.Environment) -> None:
    cred = make_credential()
    html = render_cred(env, cred)
    assert credential_ld(parse(html)) == cred
    # The JSON-LD is in <head>, before the body.
    assert html.index('id="cp-credential"') < html.index("<body")


@pytest.mark.parametrize(
    "evil",
    [
        "</script><script>alert(1)</script>",
        "</SCRIPT ><img src=x onerror=alert(1)>",
        "<!--<script>",
        "line\u2028separator\u2029paragraph",
        "]]><![CDATA[",
        "\\u003c/script>",
    ],
)
def test_json_ld_stays_a_valid_script_body(env: jinja2.Environment, evil: str) -> None:
    cred = make_credential()
    cred["credentialSubject"]["name"] = evil
    cred["credentialSubject"]["achievement"]["description"] = evil
    cred["issuer"]["name"] = evil
    html = render_cred(env, cred, site=site_info(indexable=True))
    doc = parse(html)
    assert credential_ld(doc) == cred
    # Exactly our five scripts: the signed credential, the schema.org data (an indexable page),
    # the verifier, the issuance log check (tlog.js) and share.js (copy buttons, print, badge
    # downloads).
    assert len(re.findall(r"<script\b", html, re.IGNORECASE)) == 5
    assert len(doc.find_all("script")) == 5


def test_schema_org_description(env: jinja2.Environment) -> None:
    doc = parse(render_cred(env, make_credential(), site=site_info(indexable=True)))
    blocks = [
        json.loads(n.text)
        for n in doc.find_all("script", type="application/ld+json")
        if n.attrs.get("id") != "cp-credential"
    ]
    assert len(blocks) == 1
    data = blocks[0]
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "EducationalOccupationalCredential"
    assert data["name"] == "Python Basics"
    assert data["description"].startswith("Writes small, correct Python programs")
    assert data["credentialCategory"] == "Certificate"
    assert data["recognizedBy"] == {
        "@type": "Organization",
        "name": "Example Academy",
        "url": "https://example.org/",
    }
    assert data["url"] == CRED_URL


def test_noindex_by_default_and_not_when_indexable(env: jinja2.Environment) -> None:
    cred = make_credential()
    doc = parse(render_cred(env, cred))
    assert meta(doc, "robots") == "noindex"
    # schema.org data is for search engines: a page they must not index goes without it
    assert [n.attrs.get("id") for n in doc.find_all("script", type="application/ld+json")] == [
        "cp-credential"
    ]
    # nor the search snippet (<meta name="description">, ~0.1 KB a page): og:description,
    # the same sentence, serves link previews
    assert not [n for n in doc.find_all("meta") if n.attrs.get("name") == "description"]
    assert "Ada Lovelace" in meta(doc, "og:description")
    doc = parse(render_cred(env, cred, site=site_info(indexable=True)))
    assert not [n for n in doc.find_all("meta") if n.attrs.get("name") == "robots"]
    assert len(doc.find_all("script", type="application/ld+json")) == 2
    assert meta(doc, "description") == meta(doc, "og:description")
    assert "Ada Lovelace" in meta(doc, "description")


def test_palette_attributes_match_material(env: jinja2.Environment) -> None:
    body = parse(render_cred(env, make_credential())).find("body")
    assert body.attrs["data-md-color-scheme"] == "default"
    assert body.attrs["data-md-color-primary"] == "indigo"
    assert "data-cp-auto-dark" not in body.attrs
    site = site_info(scheme="slate", primary="Deep Purple", accent="amber", dark_toggle=True)
    body = parse(render_cred(env, make_credential(), site=site)).find("body")
    assert body.attrs["data-md-color-scheme"] == "slate"
    assert body.attrs["data-md-color-primary"] == "deep-purple"
    assert body.attrs["data-md-color-accent"] == "amber"
    assert "data-cp-auto-dark" in body.attrs
    site = site_info(primary='x" onload="alert(1)')
    body = parse(render_cred(env, make_credential(), site=site)).find("body")
    assert body.attrs["data-md-color-primary"] == "indigo"
    assert "onload" not in body.attrs


# ---------------------------------------------------------------------------------------------
# credential page: body


def test_visible_fields_carry_exact_data_fields(env: jinja2.Environment) -> None:
    cred = with_extras(make_credential())
    doc = parse(render_cred(env, cred))
    found = fields(doc)
    achievement = cred["credentialSubject"]["achievement"]
    expected_text = {
        "credentialSubject.name": "Ada Lovelace",
        "credentialSubject.achievement.name": "Python Basics",
        "issuer.name": "Example Academy",
        "issuer.id": DID,
        "id": CRED_URL,
        "credentialSubject.achievement.description": achievement["description"],
        "credentialSubject.achievement.criteria.narrative": achievement["criteria"]["narrative"],
        "credentialSubject.achievement.tag.1": "Programming",
        "credentialSubject.achievement.alignment.0.targetName": achievement["alignment"][0][
            "targetName"
        ],
        "credentialSubject.narrative": "Top of the cohort.",
        "credentialSubject.result.0.value": "92%",
        "evidence.0.name": "Final project",
        "evidence.0.narrative": cred["evidence"][0]["narrative"],
    }
    for path, text in expected_text.items():
        assert path in found, path
        for node in found[path]:
            assert node.text == text, path
    for path in ("validFrom", "validUntil"):
        (node,) = found[path]
        assert node.tag == "time"
        assert node.attrs["datetime"] == cred[path]
    assert found["validFrom"][0].text == "28 November 2026"
    # Every data-field path resolves to a string in the credential.
    for path in found:
        value: Any = cred
        for key in path.split("."):
            value = value[int(key)] if isinstance(value, list) else value[key]
        assert isinstance(value, str), path


def test_paragraphs_render_as_paragraphs_with_exact_text(env: jinja2.Environment) -> None:
    cred = make_credential()
    text = "\n  First paragraph,\nsecond line.\n\n\n   Second paragraph.\n \t\nThird.  \n"
    cred["credentialSubject"]["achievement"]["description"] = text
    doc = parse(render_cred(env, cred))
    (box,) = fields(doc)["credentialSubject.achievement.description"]
    paragraphs = box.find_all("p")
    assert [p.text.strip() for p in paragraphs] == [
        "First paragraph,\nsecond line.",
        "Second paragraph.",
        "Third.",
    ]
    assert all(p.attrs.get("dir") == "auto" for p in paragraphs)
    assert box.text == text


def test_page_reads_without_javascript(env: jinja2.Environment) -> None:
    cred = with_extras(make_credential())
    doc = parse(render_cred(env, cred))
    main = doc.find("main")
    text = main.text
    for expected in (
        "Python Basics",
        "Ada Lovelace",
        "Example Academy",
        "Pass all eight graded exercises.",
        "Programming",
        "ESCO: Python",
        "28 November 2026",
        "28 November 2027",
        "Final project",
        "92%",
        CRED_URL,
    ):
        assert expected in text, expected
    assert doc.find("img", class_="cp-badge").attrs["alt"] == "Python Basics badge"
    hrefs = {a.attrs["href"] for a in doc.find_all("a") if "href" in a.attrs}
    assert {
        "credential.json",
        "../../achievements/python-basics/",
        "https://esco.ec.europa.eu/en/skill/python",
        "https://github.com/ada/budget",
        "https://example.org/",
        "../../verify/",
    } <= hrefs
    download = doc.find("a", href="credential.json", class_="cp-button")
    assert "download" in download.attrs


def test_verification_panel_contract(env: jinja2.Environment) -> None:
    doc = parse(render_cred(env, make_credential()))
    panel = doc.find(id="cp-verify")
    assert panel.tag == "section"
    assert panel.attrs["class"] == "cp-verify"
    assert panel.attrs["data-verdict"] == "pending"
    # The live region is the verdict sentence alone; the steps sit in a closed <details>.
    assert panel.find("p", class_="cp-verdict").attrs["aria-live"] == "polite"
    assert panel.find("p", class_="cp-verdict").text
    assert panel.find("details").find("ol", class_="cp-steps") is not None
    # The verifier fills the steps; the page ships an empty list (bytes count at 80,000 pages).
    assert panel.find("ol", class_="cp-steps").find_all("li") == []
    note = panel.find("noscript")
    assert "JavaScript" in note.text and note.find("a").attrs["href"] == "credential.json"


def test_the_verifier_is_one_preloaded_module(env: jinja2.Environment) -> None:
    """The page preloads verify-panel.js, which the build publishes with everything it imports
    inside it (site/bundle.py): the verifier is fetched while the page parses and no import
    waits a round trip. verifier.js and i18n.js are not preloaded: published, they only
    re-export the bundle, and nothing on the page fetches them."""
    assets = Path(__file__).resolve().parents[1] / "theme" / "assets" / "credpages"
    sources = {name: (assets / name).read_text(encoding="utf-8") for name in bundle.PARTS}
    published = bundle.bundled(sources)
    assert not re.findall(r"^import\b|\bfrom\s*['\"]", published, re.M)
    doc = parse(render_cred(env, make_credential()))
    preloaded = [
        link.attrs["href"].rsplit("/", 1)[-1] for link in doc.find_all("link", rel="modulepreload")
    ]
    assert preloaded == [bundle.ENTRY]


def test_a_page_loads_no_module_the_bundle_holds(env: jinja2.Environment) -> None:
    """Where the build published the log check and share.js inside verify-panel.js
    (``SiteInfo.bundled``), their files only re-export it: the page loads the bundle alone."""
    srcs = [
        s.attrs["src"].rsplit("/", 1)[-1]
        for s in parse(render_cred(env, make_credential())).find_all("script", type="module")
    ]
    assert srcs == [bundle.ENTRY, "tlog.js", "share.js"]  # unbundled: each module loads itself
    site = site_info(bundled=("i18n.js", "verifier.js", "share.js", "tlog.js"))
    doc = parse(render_cred(env, make_credential(), site=site))
    assert [s.attrs["src"] for s in doc.find_all("script", type="module")] == [
        f"../../assets/credpages/{bundle.ENTRY}"
    ]


def test_the_verifiers_fetches_are_preloaded(env: jinja2.Environment) -> None:
    """The page starts, while it parses, the fetches verify-panel.js makes (DID document, status
    list): links that resolve, against the credential's id (the page's address), to exactly the
    URLs the verifier derives from the credential. Nothing else: not credential.json, which the
    verifier does not fetch on the credential's own page (the page is the issuer's copy)."""
    from urllib.parse import urljoin

    cred = make_credential()
    doc = parse(render_cred(env, cred))
    preloads = doc.find_all("link", rel="preload")
    assert {(x.attrs["as"], x.attrs["crossorigin"]) for x in preloads} == {("fetch", "")}
    assert [urljoin(cred["id"], x.attrs["href"]) for x in preloads] == [
        "https://example.github.io/awards/did.json",
        cred["credentialStatus"]["statusListCredential"],
    ]
    # Off this site: nothing to preload.
    elsewhere = {**cred, "issuer": {**cred["issuer"], "id": "did:web:other.example"}}
    elsewhere["credentialStatus"] = {
        **cred["credentialStatus"],
        "statusListCredential": "https://other.example/status/revocation.json",
    }
    other = parse(render_cred(env, elsewhere, page_url="https://example.github.io/awards/x/"))
    assert other.find_all("link", rel="preload") == []


def test_earn_and_linkedin_links_when_configured(env: jinja2.Environment) -> None:
    cred = make_credential()
    doc = parse(render_cred(env, cred))
    assert "Earn this" not in doc.text and "LinkedIn profile" not in doc.text
    linkedin = "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=Python"
    site = site_info(earn_url="https://example.org/courses/")
    doc = parse(render_cred(env, cred, site=site, linkedin_url=linkedin))
    assert doc.find("a", href="https://example.org/courses/").text == "Earn this"
    # share.js gives the button its address (built from the page's credential, as the link is)
    assert doc.find("a", data_cp_share="profile").text == "Add to profile"
    block = doc.find("a", data_cp_share="profile").parent.parent  # with its heading
    assert block is not None and "cp-needs-js" in block.attrs["class"]
    doc = parse(render_cred(env, cred, site=site_info(earn_url="javascript:alert(1)")))
    assert "Earn this" not in doc.text


# ---------------------------------------------------------------------------------------------
# status banners


def test_no_banner_when_valid(env: jinja2.Environment) -> None:
    doc = parse(render_cred(env, make_credential()))
    assert not doc.find_all(role="alert")
    assert doc.find("body").attrs["data-cp-state"] == "valid"


def test_revoked_banner_with_reason_date_and_successor(env: jinja2.Environment) -> None:
    successor = f"{SITE_URL}c/python-basics-n3w4b5c6d7/"
    status = CredentialStatusInfo(
        state="revoked",
        reason="Issued with a misspelt name.",
        superseded_by=successor,
        revoked_on="2026-12-01T00:00:00Z",
    )
    doc = parse(
        render_cred(
            env,
            make_credential(),
            status=status,
            site=site_info(earn_url="https://example.org/"),
            linkedin_url="https://www.linkedin.com/profile/add?x=1",
        )
    )
    (banner,) = doc.find_all(role="alert")
    assert "revoked" in banner.text
    assert "Issued with a misspelt name." in banner.text
    assert banner.find("time").attrs["datetime"] == "2026-12-01T00:00:00Z"
    assert "1 December 2026" in banner.text
    assert banner.find("a").attrs["href"] == "../../c/python-basics-n3w4b5c6d7/"
    assert doc.find("body").attrs["data-cp-state"] == "revoked"
    assert "LinkedIn" not in doc.text and "Earn this" not in doc.text
    # The panel still starts pending: the verifier re-checks the live status list.
    assert doc.find(id="cp-verify").attrs["data-verdict"] == "pending"


def test_revoked_banner_does_not_link_unsafe_successor(env: jinja2.Environment) -> None:
    status = CredentialStatusInfo("revoked", HOSTILE, "javascript:alert(1)", None)
    doc = parse(render_cred(env, make_credential(), status=status))
    (banner,) = doc.find_all(role="alert")
    assert not banner.find_all("a")
    assert HOSTILE in banner.text


def test_expired_and_not_yet_valid_banners(env: jinja2.Environment) -> None:
    doc = parse(render_cred(env, make_credential(), status=CredentialStatusInfo("expired")))
    (banner,) = doc.find_all(role="alert")
    assert "expired" in banner.text and "28 November 2027" in banner.text
    assert "Expired" in doc.find("p", class_="cp-dates").text
    # The banner's date is a second mention: only the hero's dates carry data-field.
    assert len(fields(doc)["validUntil"]) == 1
    doc = parse(render_cred(env, make_credential(), status=CredentialStatusInfo("not-yet-valid")))
    (banner,) = doc.find_all(role="alert")
    assert "not valid yet" in banner.text and "28 November 2026" in banner.text


def test_status_state_is_checked() -> None:
    with pytest.raises(ValueError):
        CredentialStatusInfo(state="suspended")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# hostile content


def hostile_credential(text: str) -> dict[str, Any]:
    cred = with_extras(make_credential())
    subject = cred["credentialSubject"]
    achievement = subject["achievement"]
    subject["name"] = text
    subject["narrative"] = text
    subject["result"][0]["value"] = text
    achievement["name"] = text
    achievement["description"] = f"{text}\n\n{text}"
    achievement["criteria"]["narrative"] = text
    achievement["tag"] = [text, text]
    achievement["image"]["caption"] = text
    achievement["alignment"][0].update(targetName=text, targetCode=text, targetFramework=text)
    cred["issuer"]["name"] = text
    cred["evidence"][0].update(name=text, description=text, narrative=text)
    return cred


def test_hostile_text_renders_only_as_text(env: jinja2.Environment) -> None:
    benign = parse(render_cred(env, hostile_credential("Plain words")))
    html = render_cred(env, hostile_credential(HOSTILE))
    doc = parse(html)
    # Same elements and attributes as for harmless text: nothing was injected.
    assert structure(doc) == structure(benign)
    assert not [a for n in doc.iter() for a in n.attrs if a.startswith("on")]
    assert "javascript:" not in " ".join(links(doc))
    # The hostile string is visible verbatim, each time inside a bidi isolate.
    spots = [node for nodes in fields(doc).values() for node in nodes if HOSTILE in node.text]
    assert len(spots) >= 10
    for node in doc.find("body").iter():
        for child in node.children:
            if isinstance(child, str) and "\u202e" in child:
                assert in_bidi_isolate(node), node.tag
    assert credential_ld(doc)["credentialSubject"]["name"] == HOSTILE
    # Jinja syntax inside data is not evaluated.
    assert "{{ 7*7 }}" in doc.find("h1").text and "49" not in doc.find("h1").text


def test_rtl_override_is_isolated_in_title_and_meta(env: jinja2.Environment) -> None:
    cred = make_credential()
    cred["credentialSubject"]["name"] = "\u202eecalevoL adA"
    doc = parse(render_cred(env, cred))
    title = doc.find("title").text
    assert "\u2068\u202eecalevoL adA\u2069" in title
    assert title.endswith("| Example Academy credentials")
    assert "\u2068\u202eecalevoL adA\u2069" in meta(doc, "og:title")
    assert isolate("plain") == "plain"


@pytest.mark.parametrize("bad", BAD_URLS)
def test_unsafe_urls_are_never_linked(env: jinja2.Environment, bad: str) -> None:
    cred = with_extras(make_credential())
    achievement = cred["credentialSubject"]["achievement"]
    achievement["alignment"][0]["targetUrl"] = bad
    achievement["image"]["id"] = bad
    achievement["criteria"]["id"] = bad
    achievement["id"] = bad
    cred["issuer"]["url"] = bad
    cred["issuer"]["image"] = bad
    cred["evidence"][0]["id"] = bad
    cred["id"] = bad
    site = site_info(earn_url=bad)
    status = CredentialStatusInfo("revoked", None, bad, None)
    doc = parse(render_cred(env, cred, site=site, status=status, linkedin_url=bad))
    for target in links(doc):
        if re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)", target):
            assert safe_url(target) == target, target
        assert not bad.strip() or bad not in target, target
    if bad.strip():
        # Shown as text instead (clamped), where the credential had a link.
        assert bad[:50] in doc.find("main").text


@pytest.mark.parametrize(
    ("logo", "src"),
    [
        ("https://example.org/logo.png", "https://example.org/logo.png"),
        ("assets/logo.png", "../../assets/logo.png"),
        ("javascript:alert(1)", None),
        ("data:image/png;base64,AAAA", None),
        ("//evil.example/logo.png", None),
        ("/etc/logo.png", None),
        ("../../../logo.png", None),
    ],
)
def test_site_logo_is_a_safe_url_or_a_path_in_the_site(
    env: jinja2.Environment, logo: str, src: str | None
) -> None:
    doc = parse(render_cred(env, make_credential(), site=site_info(issuer_logo=logo)))
    imgs = doc.find("header").find_all("img")
    assert [i.attrs["src"] for i in imgs] == ([src] if src else [])


def test_data_uri_images_are_not_loaded(env: jinja2.Environment) -> None:
    cred = make_credential()
    cred["credentialSubject"]["achievement"]["image"] = "data:image/png;base64,iVBORw0KGgo="
    doc = parse(render_cred(env, cred))
    assert not [n for n in doc.find_all("img") if n.attrs["src"].startswith("data:")]
    assert not doc.find_all("img", class_="cp-badge")


def test_megabytes_of_text_are_clamped_on_screen_but_kept_in_json_ld(
    env: jinja2.Environment,
) -> None:
    cred = make_credential()
    huge_name = "A" * 1_000_000
    huge_text = ("word " * 200 + "\n\n") * 1000  # about 1 MB of paragraphs
    cred["credentialSubject"]["name"] = huge_name
    cred["credentialSubject"]["achievement"]["description"] = huge_text
    cred["credentialSubject"]["achievement"]["tag"] = ["t"] * 5000
    html = render_cred(env, cred)  # how fast: bench/budgets.py
    doc = parse(html)
    assert credential_ld(doc) == cred
    body = doc.find("body")
    assert len(body.text) < 100_000
    name = body.find(data_field_partial="credentialSubject.name")
    assert name.text == "A" * 2000 + "…"
    assert "credentialSubject.name" not in fields(doc)  # not exact, so not checked
    desc = body.find(data_field_partial="credentialSubject.achievement.description")
    assert desc.text.endswith("…") and len(desc.text) <= 20_001
    assert "and 4,900 more" in body.text  # CLDR grouping of the page language
    assert len(meta(doc, "og:description")) < 400
    assert len(doc.find("title").text) < 400


def test_text_the_html_parser_would_alter_is_kept_or_marked(env: jinja2.Environment) -> None:
    cred = make_credential()
    cred["credentialSubject"]["name"] = "Ada\r\nLovelace"
    cred["credentialSubject"]["achievement"]["name"] = "Nul\x00byte"
    html = render_cred(env, cred)
    body = html[html.index("<body") :]
    assert "\r" not in body and "\x00" not in body
    doc = parse(html)
    assert fields(doc)["credentialSubject.name"][0].text == "Ada\r\nLovelace"
    node = doc.find(data_field_partial="credentialSubject.achievement.name")
    assert node.text == "Nul\ufffdbyte"


def test_odd_shapes_do_not_crash(env: jinja2.Environment) -> None:
    cred = make_credential()
    cred["issuer"] = DID  # VC 2.0 allows the issuer as a bare IRI
    cred["credentialSubject"]["achievement"]["tag"] = "single"
    cred["credentialSubject"]["achievement"]["criteria"] = None
    cred["credentialSubject"]["achievement"]["name"] = {"en": "Map"}
    cred["evidence"] = {"name": "One piece of evidence"}
    del cred["validUntil"]
    doc = parse(render_cred(env, cred))
    found = fields(doc)
    assert found["issuer"][0].text == DID
    assert "credentialSubject.achievement.tag" in found  # not indexed: it was not a list
    assert "validUntil" not in found
    assert "One piece of evidence" in doc.text
    assert doc.find("h1").text == "Credential"


@given(
    name=st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="\x00"),
        min_size=1,
        max_size=200,
    ).filter(str.strip)
)
@settings(max_examples=150, deadline=None)
def test_random_unicode_names_round_trip(env: jinja2.Environment, name: str) -> None:
    """Any name (bar NUL, which HTML cannot carry) shows exactly and survives in the JSON-LD."""
    cred = make_credential()
    cred["credentialSubject"]["name"] = name
    cred["credentialSubject"]["achievement"]["name"] = name
    doc = parse(render_cred(env, cred))
    assert credential_ld(doc) == cred
    found = fields(doc)
    assert [n.text for n in found["credentialSubject.name"]] == [name]
    assert [n.text for n in found["credentialSubject.achievement.name"]] == [name]


# ---------------------------------------------------------------------------------------------
# other pages


def test_achievement_page_counts_recipients_and_earn_link(env: jinja2.Environment) -> None:
    achievement = make_credential()["credentialSubject"]["achievement"]
    site = site_info(earn_url="https://example.org/courses/")

    def page(**kwargs: Any) -> Node:
        context = achievement_page_context(achievement, site=site, **kwargs)
        return parse(render_achievement_page(env, context))

    # the count is of credentials valid now: the page says so
    assert "No valid credentials at present" in page().find("main").text
    assert "1 valid credential awarded" in page(awarded=1).find("main").text
    doc = page(awarded=12345)
    assert "12,345 valid credentials awarded" in doc.find("main").text
    assert "Recipients" not in doc.text  # listing is opt-in
    assert doc.find("h1").text == "Python Basics"
    assert doc.find("link", rel="canonical").attrs["href"] == ACH_URL
    assert doc.find("a", href="https://example.org/courses/").text == "Earn this"
    assert (
        doc.find("link", rel="stylesheet").attrs["href"] == "../../assets/credpages/credpages.css"
    )
    assert "Pass all eight graded exercises." in doc.text
    assert [t.text for t in doc.find("ul", class_="cp-tags").find_all("li")] == [
        "Python",
        "Programming",
        "Testing",
    ]
    assert not [n for n in doc.find_all("meta") if n.attrs.get("name") == "robots"]
    ld = json.loads(doc.find("script", type="application/ld+json").text)
    assert ld["@type"] == "EducationalOccupationalCredential" and ld["url"] == ACH_URL

    recipients = [
        RecipientEntry("Ada Lovelace", CRED_URL, "2026-11-28T00:00:00Z"),
        RecipientEntry(HOSTILE, "javascript:alert(1)"),
    ]
    doc = page(awarded=2, recipients=recipients)
    items = doc.find("ul", class_="cp-recipients").find_all("li")
    assert items[0].find("a").attrs["href"] == f"../../c/{SLUG}/"
    assert items[0].find("a").text == "Ada Lovelace"
    assert items[0].find("time").attrs["datetime"] == "2026-11-28T00:00:00Z"
    assert not items[1].find_all("a") and HOSTILE in items[1].text
    assert "No one yet." in page(recipients=[]).text


def test_home_page_lists_achievements(env: jinja2.Environment) -> None:
    achievement = make_credential()["credentialSubject"]["achievement"]
    other = {**achievement, "id": f"{SITE_URL}achievements/advanced/", "name": HOSTILE}
    site = site_info(issuer_description="Evening classes.", issuer_logo="assets/logo.png")
    context = home_page_context(
        site=site, achievements=[AchievementEntry(achievement, 3), AchievementEntry(other, 0)]
    )
    doc = parse(render_home_page(env, context))
    assert doc.find("h1").text == "Example Academy"
    assert "Evening classes." in doc.text
    tiles = doc.find_all("li", class_="cp-tile")
    assert [t.find("a").attrs["href"] for t in tiles] == [
        "achievements/python-basics/",
        "achievements/advanced/",
    ]
    assert tiles[1].find("a").text == HOSTILE
    assert "3 valid credentials awarded" in tiles[0].text
    assert doc.find("link", rel="stylesheet").attrs["href"] == "assets/credpages/credpages.css"
    assert doc.find("header").find("img").attrs["src"] == "assets/logo.png"
    assert doc.find("a", href="verify/")
    assert DID in doc.text


def test_verify_page_dom(env: jinja2.Environment) -> None:
    doc = parse(render_verify_page(env, verify_page_context(site=site_info())))
    form = doc.find("form", id="cp-verify-form")
    assert form.find("div", id="cp-drop").text.strip()
    file_input = form.find("input", id="cp-file")
    assert file_input.attrs["type"] == "file"
    assert file_input.attrs["accept"] == (
        ".json,.png,.svg,application/json,image/png,image/svg+xml"
    )
    assert form.find("textarea", id="cp-paste")
    assert form.find("input", id="cp-url").attrs["type"] == "url"
    assert {b.attrs["value"] for b in form.find_all("button")} == {"paste", "url"}
    assert all(b.attrs["type"] == "submit" for b in form.find_all("button"))
    panel = doc.find("section", id="cp-verify")
    assert panel.attrs["data-verdict"] == "pending"
    assert panel.find("p", class_="cp-verdict").attrs["aria-live"] == "polite"
    assert panel.find("p", class_="cp-verdict") and panel.find("ol", class_="cp-steps")
    assert panel.find("p", class_="cp-issuer-domain")
    script = doc.find("script", type="module")
    assert script.attrs["src"] == "../assets/credpages/verify-page.js"
    assert doc.find("link", rel="canonical").attrs["href"] == f"{SITE_URL}verify/"
    assert not doc.find_all("script", id="cp-credential")


def test_not_found_page_uses_root_relative_links(env: jinja2.Environment) -> None:
    doc = parse(render_not_found_page(env, not_found_page_context(site=site_info())))
    assert meta(doc, "robots") == "noindex"
    assert (
        doc.find("link", rel="stylesheet").attrs["href"] == "/awards/assets/credpages/credpages.css"
    )
    assert doc.find("a", href="/awards/verify/")
    assert not doc.find_all("link", rel="canonical")


def test_issuer_templates_override_the_built_ins(tmp_path: Path) -> None:
    (tmp_path / "credential.html").write_text(
        '{% extends "_base.html" %}{% block main %}<p id="custom">{{ c.recipient }}</p>'
        "{% endblock %}",
        encoding="utf-8",
    )
    env = make_environment([tmp_path])
    doc = parse(render_cred(env, make_credential()))
    assert doc.find("p", id="custom").find("bdi").text == "Ada Lovelace"
    assert doc.find("meta", name="cp:site-url")  # the shared head is still there
    # Other templates still come from the built-in folder.
    assert "Verify a credential" in render_verify_page(env, verify_page_context(site=site_info()))


def test_undefined_template_variables_are_errors(tmp_path: Path) -> None:
    (tmp_path / "credential.html").write_text("{{ no_such_variable }}", encoding="utf-8")
    env = make_environment([tmp_path])
    with pytest.raises(jinja2.UndefinedError):
        render_cred(env, make_credential())


def test_typical_page_stays_small(env: jinja2.Environment) -> None:
    # Share links, download buttons and the certificate included; the QR code and LinkedIn
    # values are measured in test_sharing_render.py.
    # The verification panel's disclosure and the checked links (data-field-href) cost ~120 bytes;
    # the skip link, favicon, no-JS stylesheet and the hero's logo and dates ~400; the issuance
    # log's line in the panel and its module (tlog.js) ~100. share.js writes the share links'
    # addresses (~0.7 KB of encoded URLs otherwise). The preloads of the two files the
    # verifier fetches (DID document, status list) ~150 bytes: the verdict no longer waits a
    # round trip after the scripts ran (credential.json is not fetched on its own page).
    # Issue 16: 9,727 bytes before the markup trims (type="button", target="_blank", newlines).
    html = render_cred(env, make_credential())
    assert len(html.encode("utf-8")) < 9_700


def test_the_hero_shows_the_issuer_logo_and_checkable_dates_and_links_the_issuers_page(
    env: jinja2.Environment,
) -> None:
    cred = make_credential()
    cred["validUntil"] = "2028-11-28T00:00:00Z"
    doc = parse(render_cred(env, cred))
    hero = doc.find("div", class_="cp-hero")
    by = hero.find("p", class_="cp-by")
    # "by Issuer" stays on this site: the issuer's page here (its achievements), not the
    # issuer's URL from the credential (often this site's MkDocs home, which looks foreign)
    assert by.find("a").attrs["href"] == "../../achievements/"
    assert by.find("img").attrs["src"] == "https://example.org/logo.png"
    assert by.find("img").attrs["alt"] == ""  # the name beside it says who
    assert by.find("a").text == "Example Academy"
    dates = {t.attrs["data-field"]: t for t in hero.find_all("time")}
    assert dates["validFrom"].attrs["datetime"] == cred["validFrom"]
    assert dates["validUntil"].attrs["datetime"] == "2028-11-28T00:00:00Z"
    text = " ".join(hero.find("p", class_="cp-dates").text.split())
    assert text == "Issued 28 November 2026 Valid until 28 November 2028"
    # each date once with data-field (the verifier checks every one), the issuer's site in Details
    assert len(fields(doc)["validFrom"]) == 1 and len(fields(doc)["validUntil"]) == 1
    assert doc.find("dl", class_="cp-facts").find("a").attrs["href"] == "https://example.org/"


def test_without_javascript_the_panel_says_nothing_was_checked(env: jinja2.Environment) -> None:
    html = render_cred(env, make_credential())
    head = html.split("</head>")[0]
    sheet = '<noscript><link rel="stylesheet" href="../../assets/credpages/noscript.css">'
    assert sheet in head  # hides "Checking…" and the empty steps when scripts cannot run
    doc = parse(html)
    note = doc.find("section", id="cp-verify").find("noscript")
    assert "needs JavaScript" in note.text and "as published" in note.text
    # the Download heading and its buttons need share.js: hidden together without it
    heading = next(h for h in doc.find_all("h2") if h.text == "Download")
    assert "cp-needs-js" in heading.parent.attrs.get("class", "")
    # so are the share links, whose addresses share.js writes: never a link that goes nowhere
    for a in doc.find("section", class_="cp-share").find_all("a"):
        assert "href" not in a.attrs
        assert any("cp-needs-js" in (n.attrs.get("class") or "").split() for n in a.ancestors())
    icon = doc.find("link", rel="icon")
    assert icon is not None and icon.attrs["href"]


# ---------------------------------------------------------------------------------------------
# sitemap


def _locs(xml: str) -> list[str]:
    root = ElementTree.fromstring(xml)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    return [el.text or "" for el in root.findall(".//s:loc", ns)]


def test_sitemap_single_file_escapes_urls() -> None:
    urls = [SITE_URL, f"{SITE_URL}c/a/", f"{SITE_URL}search/?q=a&b=<c>"]
    (xml,) = sitemap_xml(urls)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert ElementTree.fromstring(xml).tag.endswith("urlset")
    assert _locs(xml) == urls


def test_sitemap_splits_at_50000_urls() -> None:
    urls = [f"{SITE_URL}c/s{i}/" for i in range(50_000)]
    assert len(sitemap_xml(urls)) == 1
    files = sitemap_files([*urls, f"{SITE_URL}c/last/"], site_url=SITE_URL)
    assert [name for name, _ in files] == ["sitemap.xml", "sitemap-1.xml", "sitemap-2.xml"]
    index = ElementTree.fromstring(files[0][1])
    assert index.tag.endswith("sitemapindex")
    assert _locs(files[0][1]) == [f"{SITE_URL}sitemap-1.xml", f"{SITE_URL}sitemap-2.xml"]
    assert len(_locs(files[1][1])) == 50_000
    assert _locs(files[2][1]) == [f"{SITE_URL}c/last/"]


def test_sitemap_splits_by_size() -> None:
    urls = [f"{SITE_URL}c/{'x' * 70}{i}/" for i in range(30)]
    with pytest.raises(ValueError, match="site_url"):
        sitemap_files(urls, max_bytes=1_000)
    files = sitemap_files(urls, site_url=SITE_URL, max_bytes=1_000)
    assert len(files) > 3
    assert _locs(files[0][1])[0] == f"{SITE_URL}sitemap-1.xml"
    assert sum(len(_locs(xml)) for _, xml in files[1:]) == 30
    assert all(len(xml.encode()) <= 1_000 for _, xml in files[1:])


def test_headings_made_of_credential_text_take_its_direction(env: jinja2.Environment) -> None:
    # bdi isolates the text; dir="auto" on the block also aligns an Arabic name to the right
    cred = with_extras(make_credential())
    cred["credentialSubject"]["achievement"]["name"] = "أساسيات بايثون"
    doc = parse(render_cred(env, cred))
    assert doc.find("h1").attrs.get("dir") == "auto"
    assert all(
        h.attrs.get("dir") == "auto" for h in doc.find("ul", class_="cp-evidence").find_all("h3")
    )
    achievement = cred["credentialSubject"]["achievement"]
    page = parse(
        render_achievement_page(env, achievement_page_context(achievement, site=site_info()))
    )
    assert page.find("h1").attrs.get("dir") == "auto"
    home = parse(
        render_home_page(
            env,
            home_page_context(site=site_info(), achievements=[AchievementEntry(achievement, 1)]),
        )
    )
    assert home.find("li", class_="cp-tile").find("h3").attrs.get("dir") == "auto"
