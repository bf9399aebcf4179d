"""Page contexts and rendering: plain data in, HTML out; no MkDocs, no file I/O but templates.

Each ``*_context`` function builds the complete dict a template needs, so the plugin (or a test,
or a later Zensical adapter) only chooses where to write the returned string. Contexts contain the
display models from :mod:`credpages.site.render.view`; the raw credential appears only as the
JSON-LD the verifier reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import jinja2
from markupsafe import Markup

from ..linkedin import share_url as linkedin_share_url
from .environment import MONTHS
from .safety import clamp, plain, safe_url
from .view import (
    AchievementView,
    CredentialView,
    Image,
    Link,
    Paths,
    Shown,
    When,
    achievement_view,
    credential_view,
    first_text,
    image,
    link,
    mapping,
    shown,
    text_of,
    when,
)

State = Literal["valid", "revoked", "expired", "not-yet-valid"]
STATES: tuple[str, ...] = ("valid", "revoked", "expired", "not-yet-valid")

_LANG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_COLOR = re.compile(r"^[a-z][a-z-]{0,30}$")


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What every page needs to know about the site and its issuer (from the settings).

    ``asset_prefix`` None means "relative to each page" (``../../`` on a credential page), which
    keeps a site working under any sub-path and from a local folder; set it (e.g. ``/awards/``)
    only to force one prefix everywhere. ``scheme``/``primary``/``accent`` are Material palette
    names; ``dark_toggle`` True makes pages follow the visitor's light/dark preference, as a
    Material site with a palette toggle does.
    """

    site_url: str
    site_name: str
    issuer_name: str
    issuer_url: str | None = None
    issuer_logo: str | None = None
    issuer_description: str | None = None
    did: str | None = None
    asset_prefix: str | None = None
    language: str = "en"
    scheme: str = "default"
    primary: str = "indigo"
    accent: str = "indigo"
    dark_toggle: bool = False
    indexable: bool = False
    earn_url: str | None = None
    #: Informational here: the LinkedIn link itself is built by ``credpages.site.linkedin`` and
    #: passed to :func:`credential_page_context` as ``linkedin_url``.
    linkedin_organization_id: str | None = None


@dataclass(frozen=True, slots=True)
class CredentialStatusInfo:
    """The build-time status of one credential (the page's verifier re-checks it live)."""

    state: State = "valid"
    reason: str | None = None
    superseded_by: str | None = None
    revoked_on: str | None = None

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"state must be one of {STATES}, got {self.state!r}")


@dataclass(frozen=True, slots=True)
class RecipientEntry:
    """One line of an achievement page's recipient list (only when the issuer opts in)."""

    name: str
    url: str
    awarded_on: str | None = None


@dataclass(frozen=True, slots=True)
class AchievementEntry:
    """One achievement on the issuer's home page, with how many times it was awarded."""

    achievement: Mapping[str, Any]
    awarded: int = 0


#: Image types link previews (Facebook, LinkedIn, X, Slack…) all render.
IMAGE_TYPES: tuple[str, ...] = ("image/png", "image/jpeg", "image/gif", "image/webp")


@dataclass(frozen=True, slots=True)
class ShareImage:
    """The credential's Open Graph share card (``credpages.site.share_card``), for ``og:image``.

    ``url`` is absolute (a path is resolved against the page's URL), ``type`` a raster image
    type that link previews understand, ``alt`` plain text describing the card.
    """

    url: str
    width: int
    height: int
    type: str
    alt: str

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 20_000:
                raise ValueError(f"ShareImage.{name} must be a positive pixel count, got {value!r}")
        if self.type not in IMAGE_TYPES:
            raise ValueError(f"ShareImage.type must be one of {IMAGE_TYPES}, got {self.type!r}")


@dataclass(frozen=True, slots=True)
class PageMeta:
    """Head metadata; every string is plain text (already clamped and bidi-isolated)."""

    title: str
    og_title: str
    description: str
    canonical: str | None
    robots: str | None
    #: ``og:image`` (absolute URL, size, type, alt): pages with one get a large Twitter card.
    image: ShareImage | None = None


@dataclass(frozen=True, slots=True)
class Palette:
    scheme: str
    primary: str
    accent: str
    auto_dark: bool


@dataclass(frozen=True, slots=True)
class StatusView:
    state: str
    reason: Shown | None
    superseded_by: str | None
    revoked_on: When | None


@dataclass(frozen=True, slots=True)
class CopyField:
    """One value of the LinkedIn form, shown as text with a copy button (``label``: ``value``)."""

    label: str
    value: Shown


@dataclass(frozen=True, slots=True)
class ShareLinks:
    """Plain share links (no third-party scripts); every value in them is URL-encoded."""

    linkedin: str
    x: str
    facebook: str
    email: str


@dataclass(frozen=True, slots=True)
class BadgeDownload:
    """Baked-badge downloads: the achievement image (a path on this site, fetched same-origin by
    ``bake.js``) and the formats offered (``png``, ``svg``); a PNG of an SVG image is rasterised."""

    src: str
    formats: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecipientView:
    name: Shown | None
    href: str | None
    awarded_on: When | None


@dataclass(frozen=True, slots=True)
class AchievementCard:
    achievement: AchievementView
    summary: str
    awarded: int


# ---------------------------------------------------------------------------------------------
# Shared pieces


def root_prefix(site: SiteInfo, page_url: str) -> str:
    """The relative way from ``page_url`` back to the site root (``""``, ``"../"``, …).

    A page outside ``site_url`` (or the 404 page, served at any path) gets the root-relative path
    of ``site_url`` instead.
    """
    if site.asset_prefix is not None:
        return site.asset_prefix
    if page_url.startswith(site.site_url):
        rest = urlsplit(page_url[len(site.site_url) :]).path
        return "../" * rest.count("/")
    return urlsplit(site.site_url).path or "/"


def _color(name: str, default: str) -> str:
    value = name.strip().lower().replace(" ", "-")
    return value if _COLOR.match(value) else default


def _base_context(
    site: SiteInfo, *, prefix: str, meta: PageMeta, json_ld: list[dict[str, Any]]
) -> dict[str, Any]:
    paths = Paths(site.site_url, prefix)
    return {
        "site": site,
        "lang": site.language if _LANG.match(site.language) else "en",
        "palette": Palette(
            scheme="slate" if _color(site.scheme, "default") == "slate" else "default",
            primary=_color(site.primary, "indigo"),
            accent=_color(site.accent, "indigo"),
            auto_dark=site.dark_toggle,
        ),
        "asset_prefix": prefix,
        "home_href": prefix or "./",
        "verify_href": f"{prefix}verify/",
        "site_name": plain(site.site_name, 200),
        "site_logo": image(site.issuer_logo, paths) or _local_image(site.issuer_logo, prefix),
        "meta": meta,
        "json_ld": json_ld,
    }


def _local_image(ref: str | None, prefix: str) -> Image | None:
    """A logo given as a path inside the site (``assets/logo.png``), made relative to the page."""
    if not ref or ":" in ref or ref.startswith(("/", "\\")) or ".." in ref:
        return None
    return Image(prefix + ref, "")


def _robots(indexable: bool) -> str | None:
    return None if indexable else "noindex"


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", {}, [])}


def _schema_credential(
    achievement: Mapping[str, Any], issuer_name: str | None, issuer_url: str | None, url: str | None
) -> dict[str, Any]:
    """A schema.org ``EducationalOccupationalCredential`` for search engines (not the proof)."""
    img = achievement.get("image")
    return _drop_empty(
        {
            "@context": "https://schema.org",
            "@type": "EducationalOccupationalCredential",
            "name": clamp(text_of(achievement.get("name")) or "", 2000),
            "description": clamp(text_of(achievement.get("description")) or "", 5000),
            "credentialCategory": clamp(text_of(achievement.get("achievementType")) or "", 200),
            "image": safe_url(img if isinstance(img, str) else mapping(img).get("id")),
            "recognizedBy": _drop_empty(
                {
                    "@type": "Organization",
                    "name": clamp(issuer_name or "", 2000),
                    "url": safe_url(issuer_url),
                }
            ),
            "url": url,
        }
    )


def render_page(env: jinja2.Environment, template: str, context: Mapping[str, Any]) -> str:
    """Render one page template with a context from one of the ``*_context`` functions."""
    return env.get_template(template).render(context)


# ---------------------------------------------------------------------------------------------
# Credential page


def credential_page_context(
    credential: Mapping[str, Any],
    *,
    site: SiteInfo,
    status: CredentialStatusInfo | None = None,
    page_url: str | None = None,
    linkedin_url: str | None = None,
    share_image: ShareImage | None = None,
    qr_svg: str | None = None,
) -> dict[str, Any]:
    """Context for ``credential.html``; ``page_url`` defaults to the credential's id (its page).

    ``linkedin_url`` is the "Add to profile" link (``credpages.site.linkedin.add_to_profile_url``);
    it and the form values it pre-fills are shown only while the credential is valid.
    ``share_image`` is the page's Open Graph card (``og:image``; its URL made absolute).
    ``qr_svg`` is trusted markup from ``credpages.site.qr.qr_svg`` (never credential data): shown on
    the page and on the printed certificate. Sharing, downloads, the certificate and the QR code
    are left out when the credential is revoked.

    Template variables (besides those of every page): ``credential`` (the signed document, for the
    ``#cp-credential`` JSON-LD), ``c`` (:class:`~credpages.site.render.view.CredentialView`),
    ``status`` (:class:`StatusView`), ``json_href``, ``earn_url``, ``linkedin_url``,
    ``linkedin_fields`` (tuple of :class:`CopyField`), ``share`` (:class:`ShareLinks` or None),
    ``issuer_page_href`` (the issuer's page on this site: its achievements listing),
    ``badge`` (:class:`BadgeDownload` or None), ``qr`` (Markup or None), ``certificate`` (bool),
    ``cert_issuer`` (Shown or None), ``cert_summary`` (the achievement's description, one line of
    plain text, clamped) and ``cert_logo`` (Image or None).
    """
    status = status or CredentialStatusInfo()
    url = page_url or text_of(credential.get("id")) or site.site_url
    prefix = root_prefix(site, url)
    paths = Paths(site.site_url, prefix)
    view = credential_view(credential, paths)
    subjects = credential.get("credentialSubject")
    subject = mapping(subjects[0] if isinstance(subjects, list) and subjects else subjects)
    achievement = mapping(subject.get("achievement"))
    issuer = mapping(credential.get("issuer"))
    canonical = safe_url(url)

    achievement_name = first_text(achievement.get("name"), credential.get("name")) or "Credential"
    recipient = text_of(subject.get("name"))
    issuer_name = first_text(issuer.get("name"), site.issuer_name)
    og_title = plain(achievement_name, 150)
    if recipient:
        og_title = f"{og_title} — {plain(recipient, 100)}"
    summary = f"{plain(recipient, 100)} was awarded" if recipient else "Awarded"
    summary += f" {plain(achievement_name, 150)}"
    if issuer_name:
        summary += f" by {plain(issuer_name, 100)}"
    if view.valid_from:
        summary += f" on {view.valid_from.text}"
    meta = PageMeta(
        title=f"{og_title} | {plain(site.site_name, 100)}",
        og_title=og_title,
        description=f"{summary}.",
        canonical=canonical,
        robots=_robots(site.indexable),
        image=_share_image(share_image, canonical or site.site_url, og_title),
    )
    json_ld = [
        _schema_credential(
            achievement, issuer_name, first_text(issuer.get("url"), site.issuer_url), canonical
        )
    ]
    context = _base_context(site, prefix=prefix, meta=meta, json_ld=json_ld)
    live = status.state != "revoked"
    valid_linkedin = safe_url(linkedin_url) if status.state == "valid" else None
    context.update(
        credential=credential,
        c=view,
        status=StatusView(
            state=status.state,
            reason=shown(status.reason, None, 2000),
            superseded_by=paths.href(status.superseded_by),
            revoked_on=when(status.revoked_on),
        ),
        json_href="credential.json",
        # "by Issuer" leads to the issuer's page on this site (its achievements), in this look
        issuer_page_href=f"{prefix}achievements/",
        earn_url=None if status.state == "revoked" else safe_url(site.earn_url),
        linkedin_url=valid_linkedin,
        linkedin_fields=_linkedin_fields(valid_linkedin, issuer_name) if valid_linkedin else (),
        share=_share_links(canonical, og_title) if live and canonical else None,
        badge=_badge_download(view.achievement.image) if live else None,
        qr=_qr_markup(qr_svg) if live and qr_svg else None,
        certificate=live,
        cert_issuer=shown(issuer_name),
        cert_summary=plain(achievement.get("description"), 240),
        cert_logo=view.issuer.logo or context["site_logo"],
    )
    return context


def _qr_markup(svg: str) -> Markup:
    """``credpages.site.qr``'s SVG (trusted: made from the page URL by our code) as markup."""
    return Markup(svg)


def _share_image(image: ShareImage | None, page_url: str, alt: str) -> ShareImage | None:
    """``image`` with an absolute URL (a path is resolved against the page) and plain alt text."""
    if image is None:
        return None
    ref = image.url if isinstance(image.url, str) else ""
    absolute = None if ref.startswith("//") else safe_url(ref) or safe_url(urljoin(page_url, ref))
    if absolute is None:
        raise ValueError(f"ShareImage.url must be an http(s) URL or a path: {image.url!r}")
    return ShareImage(absolute, image.width, image.height, image.type, plain(image.alt, 420) or alt)


def _month_year(year: str | None, month: str | None) -> str | None:
    if not year:
        return None
    if month and month.isdigit() and 1 <= int(month) <= 12:
        return f"{MONTHS[int(month) - 1]} {year}"
    return year


def _linkedin_fields(url: str, organization: str | None) -> tuple[CopyField, ...]:
    """The values the "Add to profile" link pre-fills, read back from the link itself (so the text
    is exactly what LinkedIn receives), in the order of LinkedIn's form."""
    query = parse_qs(urlsplit(url).query)

    def one(key: str) -> str | None:
        values = query.get(key)
        return values[0] if values else None

    org = one("organizationName") or (organization if one("organizationId") else None)
    cert_id, cert_url = one("certId"), one("certUrl")
    pairs = [
        ("Name", one("name")),
        ("Issuing organization", org),
        ("Issue date", _month_year(one("issueYear"), one("issueMonth"))),
        ("Expiration date", _month_year(one("expirationYear"), one("expirationMonth"))),
    ]
    if cert_id == cert_url:  # the usual case: the credential's id is its page's URL
        pairs.append(("Credential ID and URL", cert_id))
    else:
        pairs += [("Credential ID", cert_id), ("Credential URL", cert_url)]
    out = []
    for label, value in pairs:
        text = shown(value)
        if text is not None:
            out.append(CopyField(label, text))
    return tuple(out)


def _share_links(page_url: str, title: str) -> ShareLinks:
    """LinkedIn, X, Facebook and e-mail links sharing ``page_url`` (values percent-encoded; the
    e-mail's subject is ``title``, its body the bare URL, which every mail client links)."""

    def enc(value: str) -> str:
        return quote(value, safe="")

    page = enc(page_url)
    return ShareLinks(
        linkedin=linkedin_share_url(page_url),
        x=f"https://twitter.com/intent/tweet?url={page}&text={enc(title)}",
        facebook=f"https://www.facebook.com/sharer/sharer.php?u={page}",
        email=f"mailto:?subject={enc(title)}&body={page}",
    )


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)")


def _badge_download(image: Image | None) -> BadgeDownload | None:
    """Baked-badge downloads when the achievement image is a PNG or SVG file of this site."""
    if image is None or _SCHEME.match(image.src):
        return None  # no image, or on another host: the browser could not fetch it same-origin
    kind = urlsplit(image.src).path.lower().rsplit(".", 1)[-1]
    formats = {"png": ("png",), "svg": ("png", "svg")}.get(kind)
    return BadgeDownload(image.src, formats) if formats else None


def render_credential_page(env: jinja2.Environment, context: Mapping[str, Any]) -> str:
    return render_page(env, "credential.html", context)


# ---------------------------------------------------------------------------------------------
# Achievement page


def achievement_page_context(
    achievement: Mapping[str, Any],
    *,
    site: SiteInfo,
    awarded: int = 0,
    recipients: Sequence[RecipientEntry] | None = None,
    earn_url: str | None = None,
    page_url: str | None = None,
    share_image: ShareImage | None = None,
) -> dict[str, Any]:
    """Context for ``achievement.html``: the achievement, how often it was awarded, and (only if
    the issuer lists recipients) who holds it. ``share_image``: its share card (``og:image``).

    Template variables: ``a`` (:class:`~credpages.site.render.view.AchievementView`), ``awarded``,
    ``recipients`` (list of :class:`RecipientView` or None), ``earn_url``, ``issuer``
    (:class:`~credpages.site.render.view.Link` or None: the issuer's web site), ``issuer_page_href``
    (its page on this site: the achievements listing), ``issuer_name``.
    """
    url = page_url or text_of(achievement.get("id")) or site.site_url
    prefix = root_prefix(site, url)
    paths = Paths(site.site_url, prefix)
    view = achievement_view(achievement, paths, None)
    canonical = safe_url(url)
    name = plain(text_of(achievement.get("name")) or "Achievement", 150)
    description = plain(achievement.get("description"), 280)
    meta = PageMeta(
        title=f"{name} | {plain(site.site_name, 100)}",
        og_title=name,
        description=description or f"{name}, awarded by {plain(site.issuer_name, 100)}.",
        canonical=canonical,
        robots=None,
        image=_share_image(share_image, canonical or site.site_url, name),
    )
    json_ld = [_schema_credential(achievement, site.issuer_name, site.issuer_url, canonical)]
    context = _base_context(site, prefix=prefix, meta=meta, json_ld=json_ld)
    context.update(
        a=view,
        awarded=max(0, int(awarded)),
        recipients=None
        if recipients is None
        else [
            RecipientView(shown(r.name), paths.href(r.url), when(r.awarded_on)) for r in recipients
        ],
        earn_url=safe_url(earn_url or site.earn_url),
        issuer=link(site.issuer_url, paths),
        issuer_page_href=f"{prefix}achievements/",
        issuer_name=shown(site.issuer_name),
    )
    return context


def render_achievement_page(env: jinja2.Environment, context: Mapping[str, Any]) -> str:
    return render_page(env, "achievement.html", context)


# ---------------------------------------------------------------------------------------------
# Issuer home, verify page, 404


def home_page_context(
    *, site: SiteInfo, achievements: Sequence[AchievementEntry], page_url: str | None = None
) -> dict[str, Any]:
    """Context for ``home.html``: the issuer and its achievements.

    Template variables: ``cards`` (list of :class:`AchievementCard`), ``issuer_name``,
    ``issuer`` (Link or None), ``description``, ``did``.
    """
    url = page_url or site.site_url
    prefix = root_prefix(site, url)
    paths = Paths(site.site_url, prefix)
    name = plain(site.issuer_name, 150)
    meta = PageMeta(
        title=plain(site.site_name, 150),
        og_title=plain(site.site_name, 150),
        description=plain(site.issuer_description, 280)
        or f"Credentials issued by {name}, each verifiable on its own page.",
        canonical=safe_url(url),
        robots=None,
    )
    org = _drop_empty(
        {
            "@context": "https://schema.org",
            "@type": "Organization",
            "name": clamp(site.issuer_name, 2000),
            "url": safe_url(site.issuer_url),
            "logo": safe_url(site.issuer_logo),
        }
    )
    context = _base_context(site, prefix=prefix, meta=meta, json_ld=[org])
    cards = [
        AchievementCard(
            achievement=achievement_view(entry.achievement, paths, None),
            summary=plain(entry.achievement.get("description"), 200),
            awarded=max(0, int(entry.awarded)),
        )
        for entry in achievements
    ]
    context.update(
        cards=cards,
        issuer_name=shown(site.issuer_name),
        issuer=link(site.issuer_url, paths),
        description=shown(site.issuer_description, None, 5000),
        did=shown(site.did, None, 500),
    )
    return context


def render_home_page(env: jinja2.Environment, context: Mapping[str, Any]) -> str:
    return render_page(env, "home.html", context)


def verify_page_context(*, site: SiteInfo, page_url: str | None = None) -> dict[str, Any]:
    """Context for ``verify.html`` (drop / paste / ``?url=``). Adds ``did`` and ``issuer_name``."""
    url = page_url or f"{site.site_url}verify/"
    prefix = root_prefix(site, url)
    meta = PageMeta(
        title=f"Verify a credential | {plain(site.site_name, 100)}",
        og_title="Verify a credential",
        description="Check the signature, issuer and status of an Open Badges 3.0 credential "
        "in your browser; nothing is uploaded.",
        canonical=safe_url(url),
        robots=None,
    )
    context = _base_context(site, prefix=prefix, meta=meta, json_ld=[])
    context.update(did=shown(site.did, None, 500), issuer_name=shown(site.issuer_name))
    return context


def render_verify_page(env: jinja2.Environment, context: Mapping[str, Any]) -> str:
    return render_page(env, "verify.html", context)


def not_found_page_context(*, site: SiteInfo) -> dict[str, Any]:
    """Context for ``404.html``: served at any missing path, so links are root-relative."""
    prefix = site.asset_prefix
    if prefix is None:
        prefix = urlsplit(site.site_url).path or "/"
    meta = PageMeta(
        title=f"Page not found | {plain(site.site_name, 100)}",
        og_title="Page not found",
        description="This page does not exist.",
        canonical=None,
        robots="noindex",
    )
    return _base_context(site, prefix=prefix, meta=meta, json_ld=[])


def render_not_found_page(env: jinja2.Environment, context: Mapping[str, Any]) -> str:
    return render_page(env, "404.html", context)


__all__ = [
    "AchievementCard",
    "AchievementEntry",
    "BadgeDownload",
    "CopyField",
    "CredentialStatusInfo",
    "CredentialView",
    "Link",
    "PageMeta",
    "Palette",
    "RecipientEntry",
    "RecipientView",
    "ShareImage",
    "ShareLinks",
    "SiteInfo",
    "State",
    "StatusView",
    "achievement_page_context",
    "credential_page_context",
    "home_page_context",
    "not_found_page_context",
    "render_achievement_page",
    "render_credential_page",
    "render_home_page",
    "render_not_found_page",
    "render_page",
    "render_verify_page",
    "root_prefix",
    "verify_page_context",
]
