"""Page contexts and rendering: plain data in, HTML out; no MkDocs, no file I/O but templates.

Each ``*_context`` function builds the complete dict a template needs, so the plugin (or a test,
or a later Zensical adapter) only chooses where to write the returned string. Contexts contain the
display models from :mod:`credpages.render.view`; the raw credential appears only as the JSON-LD
the verifier reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import jinja2

from credpages.render.safety import clamp, plain, safe_url
from credpages.render.view import (
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
    #: Informational here: the LinkedIn link itself is built by ``credpages.linkedin`` and passed
    #: to :func:`credential_page_context` as ``linkedin_url``.
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


@dataclass(frozen=True, slots=True)
class PageMeta:
    """Head metadata; every string is plain text (already clamped and bidi-isolated)."""

    title: str
    og_title: str
    description: str
    canonical: str | None
    robots: str | None


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
) -> dict[str, Any]:
    """Context for ``credential.html``; ``page_url`` defaults to the credential's id (its page).

    ``linkedin_url`` is the "Add to profile" link (``credpages.linkedin.add_to_profile_url``);
    it is shown only while the credential is valid.

    Template variables (besides those of every page): ``credential`` (the signed document, for the
    ``#cp-credential`` JSON-LD), ``c`` (:class:`~credpages.render.view.CredentialView`),
    ``status`` (:class:`StatusView`), ``json_href``, ``earn_url``, ``linkedin_url``.
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
    )
    json_ld = [
        _schema_credential(
            achievement, issuer_name, first_text(issuer.get("url"), site.issuer_url), canonical
        )
    ]
    context = _base_context(site, prefix=prefix, meta=meta, json_ld=json_ld)
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
        earn_url=None if status.state == "revoked" else safe_url(site.earn_url),
        linkedin_url=safe_url(linkedin_url) if status.state == "valid" else None,
    )
    return context


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
) -> dict[str, Any]:
    """Context for ``achievement.html``: the achievement, how often it was awarded, and (only if
    the issuer lists recipients) who holds it.

    Template variables: ``a`` (:class:`~credpages.render.view.AchievementView`), ``awarded``,
    ``recipients`` (list of :class:`RecipientView` or None), ``earn_url``, ``issuer``
    (:class:`~credpages.render.view.Link` or None), ``issuer_name``.
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
    "CredentialStatusInfo",
    "CredentialView",
    "Link",
    "PageMeta",
    "Palette",
    "RecipientEntry",
    "RecipientView",
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
