"""What every page shares: the way back to the root, the base context, schema.org data, render."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import jinja2

from ... import i18n
from .page_models import PageMeta, Palette, SiteInfo
from .safety import clamp, plain, safe_url
from .view import (
    Image,
    Paths,
    image,
    mapping,
    text_of,
)

_COLOR = re.compile(r"^[a-z][a-z-]{0,30}$")


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


def page_language(site: SiteInfo, achievement: Mapping[str, Any] | None = None) -> i18n.Language:
    """The interface language of a page: the achievement's OB 3.0 ``inLanguage`` when credpages
    has a catalog for it, else the site's (``theme.language``); English when neither is shipped
    (the build warns, see ``credpages.site.publish``)."""
    own = i18n.find_language(achievement.get("inLanguage")) if achievement else None
    return own or i18n.language(site.language)


def _color(name: str, default: str) -> str:
    value = name.strip().lower().replace(" ", "-")
    return value if _COLOR.match(value) else default


def _base_context(
    site: SiteInfo,
    *,
    prefix: str,
    meta: PageMeta,
    json_ld: list[dict[str, Any]],
    lang: i18n.Language | None = None,
) -> dict[str, Any]:
    paths = Paths(site.site_url, prefix)
    lang = lang or page_language(site)
    return {
        "site": site,
        "lang": lang.tag,
        "dir": lang.dir,
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
