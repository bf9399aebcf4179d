"""Page contexts and rendering: plain data in, HTML out; no MkDocs, no file I/O but templates.

This module holds the achievement, home, verify and 404 pages; the credential page is in
``credential_page``, the shared pieces in ``page_base``, the data and display models in
``page_models``; ``credpages.site.render`` exports the public names of all four.

Each ``*_context`` function builds the complete dict a template needs, so the plugin (or a test,
or a later Zensical adapter) only chooses where to write the returned string. Contexts contain the
display models from :mod:`credpages.site.render.view`; the raw credential appears only as the
JSON-LD the verifier reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import jinja2

from ...i18n import translator
from .credential_page import _share_image
from .page_base import (
    _base_context,
    _drop_empty,
    _schema_credential,
    page_language,
    render_page,
    root_prefix,
)
from .page_models import (
    AchievementCard,
    AchievementEntry,
    PageMeta,
    RecipientEntry,
    RecipientView,
    ShareImage,
    SiteInfo,
)
from .safety import clamp, plain, safe_url
from .view import (
    Paths,
    achievement_view,
    link,
    shown,
    text_of,
    when,
)

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
    lang = page_language(site, achievement)
    _ = translator(lang.tag)
    view = achievement_view(achievement, paths, None, lang.tag)
    canonical = safe_url(url)
    name = plain(text_of(achievement.get("name")) or _("Achievement"), 150)
    description = plain(achievement.get("description"), 280)
    by = plain(site.issuer_name, 100)
    meta = PageMeta(
        title=f"{name} | {plain(site.site_name, 100)}",
        og_title=name,
        description=description or _("%(name)s, awarded by %(issuer)s.", name=name, issuer=by),
        canonical=canonical,
        robots=None,
        image=_share_image(share_image, canonical or site.site_url, name),
    )
    json_ld = [_schema_credential(achievement, site.issuer_name, site.issuer_url, canonical)]
    context = _base_context(site, prefix=prefix, meta=meta, json_ld=json_ld, lang=lang)
    context.update(
        a=view,
        awarded=max(0, int(awarded)),
        recipients=None
        if recipients is None
        else [
            RecipientView(shown(r.name), paths.href(r.url), when(r.awarded_on, lang=lang.tag))
            for r in recipients
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
    lang = page_language(site)
    _ = translator(lang.tag)
    name = plain(site.issuer_name, 150)
    meta = PageMeta(
        title=plain(site.site_name, 150),
        og_title=plain(site.site_name, 150),
        description=plain(site.issuer_description, 280)
        or _("Credentials issued by %(issuer)s, each verifiable on its own page.", issuer=name),
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
            achievement=achievement_view(entry.achievement, paths, None, lang.tag),
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
    _ = translator(page_language(site).tag)
    meta = PageMeta(
        title=f"{_('Verify a credential')} | {plain(site.site_name, 100)}",
        og_title=_("Verify a credential"),
        description=_(
            "Check the signature, issuer and status of an Open Badges 3.0 credential "
            "in your browser; nothing is uploaded."
        ),
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
    _ = translator(page_language(site).tag)
    meta = PageMeta(
        title=f"{_('Page not found')} | {plain(site.site_name, 100)}",
        og_title=_("Page not found"),
        description=_("This page does not exist."),
        canonical=None,
        robots="noindex",
    )
    return _base_context(site, prefix=prefix, meta=meta, json_ld=[])


def render_not_found_page(env: jinja2.Environment, context: Mapping[str, Any]) -> str:
    return render_page(env, "404.html", context)
