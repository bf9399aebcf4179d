"""The credential page's sharing side, as an HTML parser (a crawler, a link preview) sees it:
LinkedIn "Add to profile" and its copyable values, share links, Open Graph share card, the QR code,
badge download buttons and the printable certificate."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jinja2
import pytest

from credpages.config import Settings, parse_settings
from credpages.credential.keys import generate_seed, public_key_of
from credpages.site.linkedin import add_to_profile_url
from credpages.site.qr import qr_img
from credpages.site.render import (
    CredentialStatusInfo,
    ShareImage,
    credential_page_context,
    make_environment,
    render_credential_page,
)
from htmltree import Node, parse
from test_qr import decode
from test_render import CRED_URL, HOSTILE, SITE_URL, make_credential, meta, site_info

PUBLIC_KEY = public_key_of(generate_seed())
CARD = ShareImage(f"{SITE_URL}cards/3f/3fa9.png", 1200, 627, "image/png", "Ada's badge card")


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    return make_environment()


def settings(tmp_path: Path, *, organization_id: str | None = None) -> Settings:
    issuer: dict[str, Any] = {"name": "Example Academy", "url": "https://example.org/"}
    if organization_id:
        issuer["linkedin_organization_id"] = organization_id
    entry = {
        "issuer": issuer,
        "keyring": [{"id": "key-1", "public_key": PUBLIC_KEY, "active_from": "2026-01-01"}],
    }
    return parse_settings(entry, SITE_URL, tmp_path)


def render(
    env: jinja2.Environment,
    cred: dict[str, Any],
    *,
    status: str = "valid",
    s: Settings | None = None,
    qr: bool = True,
    **kwargs: Any,
) -> str:
    if s is not None:
        kwargs["linkedin_url"] = add_to_profile_url(cred, s)
    context = credential_page_context(
        cred,
        site=site_info(),
        status=CredentialStatusInfo(state=status),  # type: ignore[arg-type]
        qr_img=qr_img(str(cred["id"])) if qr else None,
        **kwargs,
    )
    return render_credential_page(env, context)


def query(url: str) -> dict[str, str]:
    """The query of ``url`` with every parameter present exactly once."""
    parsed = parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)
    assert all(len(v) == 1 for v in parsed.values()), parsed
    return {k: v[0] for k, v in parsed.items()}


def linkedin_months(doc: Node) -> dict[str, str]:
    """The months of the "Add to profile" link as the page writes them (share.js shows them
    among LinkedIn's values to copy, which it draws: tests/browser/test_sharing.py)."""
    (a,) = doc.find_all("a", data_cp_share="profile")
    return {k: a.attrs[f"data-{k}"] for k in ("issued", "expires") if f"data-{k}" in a.attrs}


# ---------------------------------------------------------------------------------------------
# LinkedIn


def test_add_to_profile_button_and_its_months(env: jinja2.Environment, tmp_path: Path) -> None:
    cred = make_credential()
    s = settings(tmp_path)
    doc = parse(render(env, cred, s=s))
    button = doc.find("a", class_="cp-button--primary")
    assert button.text == "Add to profile"
    # share.js writes its address from the embedded credential (tests/browser/test_sharing.py
    # checks it equals add_to_profile_url); the page carries only the organisation and months
    assert "href" not in button.attrs
    assert button.attrs["data-cp-share"] == "profile"
    assert button.attrs["data-org"] == "Example Academy"
    assert linkedin_months(doc) == {"issued": "November 2026", "expires": "November 2027"}
    # the values to copy repeat the page's facts: share.js draws them, the HTML has none
    assert not doc.find_all("dl", class_="cp-copylist") and "Issuing organization" not in doc.text
    # without JavaScript the whole LinkedIn block is hidden (the button needs share.js)
    heading = next(h for h in doc.find_all("h2") if h.text == "Add to your LinkedIn profile")
    assert heading.parent is not None and heading.parent.attrs["class"] == "cp-needs-js"


@pytest.mark.parametrize(
    ("valid_from", "month", "text"),
    [
        ("2027-01-01T00:00:00Z", "1", "January 2027"),
        ("2026-12-31T23:59:59Z", "12", "December 2026"),
    ],
)
def test_issue_month_1_and_12_without_expiry(
    env: jinja2.Environment, tmp_path: Path, valid_from: str, month: str, text: str
) -> None:
    cred = make_credential()
    cred["validFrom"] = cred["awardedDate"] = valid_from
    del cred["validUntil"]
    doc = parse(render(env, cred, s=settings(tmp_path)))
    link = add_to_profile_url(cred, settings(tmp_path))
    params = query(link)
    assert params["issueMonth"] == month and params["issueYear"] == valid_from[:4]
    assert "expirationYear" not in params and "expirationMonth" not in params
    assert linkedin_months(doc) == {"issued": text}


def test_months_in_the_page_language(env: jinja2.Environment, tmp_path: Path) -> None:
    cred = make_credential()
    cred["credentialSubject"]["achievement"]["inLanguage"] = "fr"
    doc = parse(render(env, cred, s=settings(tmp_path)))
    assert linkedin_months(doc) == {"issued": "novembre 2026", "expires": "novembre 2027"}


def test_organization_id_is_sent_and_the_name_shown_for_copying(
    env: jinja2.Environment, tmp_path: Path
) -> None:
    s = settings(tmp_path, organization_id="1234567")
    doc = parse(render(env, make_credential(), s=s))
    button = doc.find("a", class_="cp-button--primary")
    assert button.attrs["data-org-id"] == "1234567" and "data-org" not in button.attrs
    # LinkedIn's form asks for the organisation by name: the issuer's name is what to copy.
    context = credential_page_context(
        make_credential(), site=site_info(), linkedin_url=add_to_profile_url(make_credential(), s)
    )
    assert fields(context)["Issuing organization"] == "Example Academy"


def fields(context: dict[str, Any]) -> dict[str, str]:
    """The context's ``linkedin_fields`` (for custom templates: the built-in page leaves them to
    share.js) as label: text."""
    return {f.label: f.value.text for f in context["linkedin_fields"]}


def test_distinct_certificate_id_and_url_are_two_values(env: jinja2.Environment) -> None:
    link = (
        "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=X"
        "&organizationName=O&issueYear=2026&issueMonth=13&certUrl=https%3A%2F%2Fa.test%2F&certId=42"
    )
    context = credential_page_context(make_credential(), site=site_info(), linkedin_url=link)
    assert fields(context) == {
        "Name": "X",
        "Issuing organization": "O",
        "Issue date": "2026",  # a month LinkedIn would not take is left out, not invented
        "Credential ID": "42",
        "Credential URL": "https://a.test/",
    }
    assert linkedin_months(parse(render_credential_page(env, context))) == {"issued": "2026"}


def test_hostile_linkedin_values_stay_text(env: jinja2.Environment, tmp_path: Path) -> None:
    cred = make_credential()
    cred["name"] = HOSTILE
    s = settings(tmp_path)
    benign = copy.deepcopy(cred)
    benign["name"] = "Plain words"
    html = render(env, cred, s=s)
    doc = parse(html)
    assert [n.tag for n in doc.iter()] == [n.tag for n in parse(render(env, benign, s=s)).iter()]


@pytest.mark.parametrize("state", ["revoked", "expired", "not-yet-valid"])
def test_linkedin_only_while_valid(env: jinja2.Environment, tmp_path: Path, state: str) -> None:
    doc = parse(render(env, make_credential(), s=settings(tmp_path), status=state))
    assert not doc.find_all("a", data_cp_share="profile")
    assert "Add to profile" not in doc.text and "LinkedIn profile" not in doc.text


# ---------------------------------------------------------------------------------------------
# share links


def test_share_links_are_written_by_share_js_and_hidden_without_it(
    env: jinja2.Environment,
) -> None:
    """Five long encoded URLs would be ~2 KB of every page: share.js writes them from the canonical
    URL, og:title and the credential (tests/browser/test_sharing.py checks them, and that they
    equal ShareLinks); without JavaScript the bar is hidden, never links that go nowhere."""
    doc = parse(render(env, make_credential()))
    (bar,) = doc.find_all("p", class_="cp-sharebar")
    assert bar.parent is not None and bar.parent.attrs["class"] == "cp-needs-js"
    kinds = {a.text: a.attrs["data-cp-share"] for a in bar.find_all("a")}
    assert kinds == {"LinkedIn": "linkedin", "X": "x", "Facebook": "facebook", "E-mail": "email"}
    for a in bar.find_all("a"):  # share.js writes the address and target="_blank"
        assert "href" not in a.attrs and "target" not in a.attrs
    (copy_link,) = doc.find_all("button", data_cp="link")
    assert copy_link.text == "Copy link"
    # no type="button" needed: the page has no form, so no button submits anything
    assert not doc.find_all("form") and not doc.find_all("input")
    assert meta(doc, "og:title") == "Python Basics — Ada Lovelace"  # the shared text
    assert doc.find("link", rel="canonical").attrs["href"] == CRED_URL  # the shared address


@pytest.mark.parametrize("name", [HOSTILE, "\u202eecalevoL adA"])
def test_share_text_with_markup_and_bidi_is_plain_and_isolated(
    env: jinja2.Environment, name: str
) -> None:
    """share.js shares og:title as text (URL-encoded): it is clamped and bidi-isolated there."""
    cred = make_credential()
    cred["credentialSubject"]["name"] = name
    text = meta(parse(render(env, cred)), "og:title")
    if "\u202e" in name[:100]:
        assert "\u2068\u202eecalevoL adA\u2069" in text
    else:
        assert "</script><script>alert(1)</script>" in text


def test_no_share_links_without_a_safe_page_url(env: jinja2.Environment) -> None:
    cred = make_credential()
    cred["id"] = "javascript:alert(1)"
    doc = parse(render(env, cred, qr=False))
    assert not doc.find_all("p", class_="cp-sharebar")
    assert doc.find_all(data_cp="print")  # the certificate can still be printed


# ---------------------------------------------------------------------------------------------
# Open Graph share card


def test_og_image_tags_are_absolute_and_complete(env: jinja2.Environment) -> None:
    doc = parse(render(env, make_credential(), share_image=CARD))
    assert meta(doc, "og:image") == CARD.url
    assert meta(doc, "og:image:width") == "1200"
    assert meta(doc, "og:image:height") == "627"
    assert meta(doc, "og:image:type") == "image/png"
    assert meta(doc, "og:image:alt") == "Ada's badge card"
    assert meta(doc, "twitter:card") == "summary_large_image"
    head = doc.find("head")
    assert all(n in head.find_all("meta") for n in doc.find_all("meta"))
    cards = [n for n in doc.find_all("meta") if n.attrs.get("name") == "twitter:card"]
    assert len(cards) == 1


def test_without_a_share_image_the_twitter_card_stays_summary(env: jinja2.Environment) -> None:
    doc = parse(render(env, make_credential()))
    assert meta(doc, "twitter:card") == "summary"
    assert not [n for n in doc.find_all("meta") if n.attrs.get("property", "").startswith("og:im")]


@pytest.mark.parametrize(
    ("url", "absolute"),
    [
        ("share.png", f"{CRED_URL}share.png"),
        ("../../cards/ab.png", f"{SITE_URL}cards/ab.png"),
        ("/awards/cards/ab.png", f"{SITE_URL}cards/ab.png"),
    ],
)
def test_a_share_image_path_is_made_absolute(
    env: jinja2.Environment, url: str, absolute: str
) -> None:
    image = ShareImage(url, 1200, 627, "image/png", "")
    doc = parse(render(env, make_credential(), share_image=image))
    assert meta(doc, "og:image") == absolute
    assert meta(doc, "og:image:alt") == "Python Basics — Ada Lovelace"  # empty alt: the title


@pytest.mark.parametrize("url", ["javascript:alert(1)", "//evil.example/x.png", "data:image/png,x"])
def test_an_unsafe_share_image_url_is_refused(env: jinja2.Environment, url: str) -> None:
    with pytest.raises(ValueError, match=r"ShareImage\.url"):
        render(env, make_credential(), share_image=ShareImage(url, 1200, 627, "image/png", ""))


@pytest.mark.parametrize(
    "fields",
    [
        {"width": 0},
        {"height": -1},
        {"width": True},
        {"width": "1200"},
        {"type": "image/svg+xml"},
        {"type": 'image/png" onload="x'},
    ],
)
def test_share_image_fields_are_checked(fields: dict[str, Any]) -> None:
    values: dict[str, Any] = {
        "url": CARD.url,
        "width": 1200,
        "height": 627,
        "type": "image/png",
        "alt": "",
    }
    with pytest.raises(ValueError):
        ShareImage(**{**values, **fields})


def test_share_image_alt_is_plain_text(env: jinja2.Environment) -> None:
    image = ShareImage(CARD.url, 1200, 627, "image/jpeg", 'A "card" <b>\u202eevil</b>\n' * 100)
    html = render(env, make_credential(), share_image=image)
    alt = meta(parse(html), "og:image:alt")
    assert alt.startswith('\u2068A "card" <b>\u202eevil</b> A') and len(alt) <= 430
    assert "<b>" not in html.split("</head>")[0].replace("&lt;b&gt;", "")


# ---------------------------------------------------------------------------------------------
# QR code and certificate


def test_qr_code_is_in_the_page_once_and_scans_to_the_page_url(env: jinja2.Environment) -> None:
    html = render(env, make_credential())
    doc = parse(html)
    assert html.count("data:image/png;base64,") == 1
    (figure,) = doc.find_all("figure", class_="cp-qr")
    assert figure.find("figcaption").text == "Scan to verify"
    # The same figure serves the page (screen) and the printed certificate.
    assert doc.find("div", class_="cp-cert") in figure.ancestors()
    start = html.index('<img src="data:image/png')
    assert decode(html[start : html.index(">", start) + 1]) == CRED_URL


def test_qr_markup_is_trusted_only_from_the_qr_module(env: jinja2.Environment) -> None:
    cred = make_credential()
    cred["id"] = CRED_URL + '?"><script>alert(1)</script>'
    html = render(env, cred)
    assert "<script>alert(1)" not in html
    # The module's inline style would break the Content-Security-Policy (style-src 'self').
    assert "style=" not in html


def test_the_certificate_is_the_article_itself_plus_the_qr_code(env: jinja2.Environment) -> None:
    """Printing lays out the article as the certificate (credpages.css, tested in the browser):
    the page holds each fact once for it, and certificate.html adds only the QR code (a second
    copy of name, title, issuer, summary, dates and id was ~0.8 KB a page)."""
    doc = parse(render(env, make_credential()))
    (cert,) = doc.find_all("div", class_="cp-cert")
    assert [c if isinstance(c, str) else c.tag for c in cert.children] == ["figure"]
    assert cert.text == "Scan to verify"
    article = doc.find("article")
    by = article.find("p", class_="cp-by")
    assert by.text == "by Example Academy"
    assert by.find("img").attrs["src"] == "https://example.org/logo.png"
    assert article.find("p", class_="cp-recipient").find("strong").text == "Ada Lovelace"
    assert article.find("h1").text == "Python Basics"
    assert article.find("img", class_="cp-badge").attrs["src"] == (
        "../../assets/badges/python-basics.png"
    )
    summary = article.find("section", class_="cp-desc").find("div", class_="cp-prose")
    assert summary.text.startswith("Writes small, correct")
    dates = [t.attrs["datetime"] for t in article.find("p", class_="cp-dates").find_all("time")]
    assert dates == ["2026-11-28T00:00:00Z", "2027-11-28T00:00:00Z"]
    assert CRED_URL in article.find("section", class_="cp-details").text


def test_certificate_is_its_own_template_that_an_issuer_can_override(tmp_path: Path) -> None:
    (tmp_path / "certificate.html").write_text(
        '<div class="cp-cert"><p id="mine">{{ c.recipient.bare }} — {{ cert_issuer.bare }}</p>'
        '{% if qr %}<figure class="cp-qr">{{ qr }}</figure>{% endif %}</div>',
        encoding="utf-8",
    )
    doc = parse(render(make_environment([tmp_path]), make_credential()))
    assert doc.find("p", id="mine").text == "Ada Lovelace — Example Academy"
    assert "Scan to verify" not in doc.text
    assert doc.find("h1").text == "Python Basics"  # the rest of the page is the built-in one
    assert len(doc.find(class_="cp-qr").find_all("img")) == 1


def test_expired_certificate_says_expired(env: jinja2.Environment) -> None:
    doc = parse(render(env, make_credential(), status="expired"))
    dates = doc.find("p", class_="cp-dates")  # what the printed certificate shows
    assert "Expired" in dates.text and "Valid until" not in dates.text


def test_revoked_page_has_no_sharing_downloads_certificate_or_qr(
    env: jinja2.Environment, tmp_path: Path
) -> None:
    html = render(env, make_credential(), status="revoked", s=settings(tmp_path), share_image=CARD)
    doc = parse(html)
    for cls in ("cp-share", "cp-cert", "cp-qr", "cp-sharebar", "cp-copylist"):
        assert not doc.find_all(class_=cls), cls
    assert "<svg" not in html and not doc.find_all(data_cp="print")
    assert [s.attrs.get("src") for s in doc.find_all("script", type="module")] == [
        "../../assets/credpages/verify-panel.js",
        "../../assets/credpages/tlog.js",
    ]
    assert doc.find("a", href="credential.json")  # the signed data stays downloadable


# ---------------------------------------------------------------------------------------------
# downloads and scripts


def test_badge_download_buttons_follow_the_image_type(env: jinja2.Environment) -> None:
    def buttons(image: object) -> tuple[str | None, list[str]]:
        cred = make_credential()
        cred["credentialSubject"]["achievement"]["image"] = image
        doc = parse(render(env, cred, qr=False))
        holder = doc.find(data_cp="print").parent
        assert holder is not None
        found = [b.attrs["data-cp"] for b in holder.find_all("button")]
        for b in holder.find_all("button"):
            assert "cp-button" in b.attrs["class"]
            assert not [n for n in b.ancestors() if n.tag == "form"]  # it submits nothing
        return holder.attrs.get("data-cp-image"), found

    png = f"{SITE_URL}assets/badges/a.png"
    svg = {"id": f"{SITE_URL}assets/badges/a.SVG", "type": "Image"}
    assert buttons(png) == ("../../assets/badges/a.png", ["png", "print"])
    assert buttons(svg) == ("../../assets/badges/a.SVG", ["png", "svg", "print"])
    assert buttons(f"{SITE_URL}assets/badges/a.jpg") == (None, ["print"])
    assert buttons("https://elsewhere.example/a.png") == (None, ["print"])  # not same-origin
    assert buttons(None) == (None, ["print"])
    doc = parse(render(env, make_credential()))
    labels = [b.text for b in doc.find(data_cp="print").parent.find_all("button")]  # type: ignore[union-attr]
    assert labels == ["Download badge (PNG)", "Print or save as PDF"]


def test_share_module_is_loaded_as_a_small_module(env: jinja2.Environment) -> None:
    doc = parse(render(env, make_credential()))
    srcs = [s.attrs["src"] for s in doc.find_all("script", type="module")]
    assert srcs == [
        "../../assets/credpages/verify-panel.js",
        "../../assets/credpages/tlog.js",
        "../../assets/credpages/share.js",
    ]
    # what the page loads, gzipped as published (budget 10 KB in all): bench/budgets.py
    # bake.js is imported by share.js on a click, never by the page itself.
    assert "bake.js" not in render(env, make_credential())


def test_page_size_with_everything(env: jinja2.Environment, tmp_path: Path) -> None:
    """What sharing costs on a typical page: the QR code (~0.5 KB as credpages.site.qr draws it),
    the LinkedIn block (~0.2 KB: share.js writes the button's address, and share-actions.js
    draws the values to copy when it is followed) and og:image tags (~0.35 KB) on top of the
    share links, downloads and certificate every live page has (test_render's
    test_typical_page_stays_small, which counts the verifier's preloads)."""
    cred = make_credential()
    html = len(render(env, cred, s=settings(tmp_path), share_image=CARD).encode())
    without_qr = len(render(env, cred, s=settings(tmp_path), share_image=CARD, qr=False).encode())
    plain = len(render(env, cred, qr=False).encode())
    assert html - without_qr < len(qr_img(CRED_URL)) + 150  # the QR figure and its caption
    assert without_qr - plain < 600  # 945 B while the page carried LinkedIn's values
    assert html < 11_000  # 11,220 B before issue 16's trims of the share section
