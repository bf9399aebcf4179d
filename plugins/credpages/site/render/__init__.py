"""Pure HTML rendering of credpages' own pages (Jinja, autoescaped); no MkDocs imports.

Usage::

    env = make_environment([issuer_theme / "credpages"])   # issuer overrides, then built-ins
    ctx = credential_page_context(
        doc, site=site, status=CredentialStatusInfo(), linkedin_url=..., qr_img=qr.qr_img(url),
        share_image=ShareImage(card_url, 1200, 627, "image/png", "Share card: …"),
    )
    html = render_credential_page(env, ctx)
"""

from .credential_page import credential_page_context, render_credential_page
from .environment import DEFAULT_TEMPLATE_DIR, format_date, make_environment
from .page_base import render_page, root_prefix
from .page_models import (
    AchievementEntry,
    CredentialStatusInfo,
    RecipientEntry,
    ShareImage,
    SiteInfo,
)
from .pages import (
    achievement_page_context,
    home_page_context,
    not_found_page_context,
    render_achievement_page,
    render_home_page,
    render_not_found_page,
    render_verify_page,
    verify_page_context,
)
from .safety import json_script, safe_url
from .sitemap import sitemap_files, sitemap_xml

__all__ = [
    "DEFAULT_TEMPLATE_DIR",
    "AchievementEntry",
    "CredentialStatusInfo",
    "RecipientEntry",
    "ShareImage",
    "SiteInfo",
    "achievement_page_context",
    "credential_page_context",
    "format_date",
    "home_page_context",
    "json_script",
    "make_environment",
    "not_found_page_context",
    "render_achievement_page",
    "render_credential_page",
    "render_home_page",
    "render_not_found_page",
    "render_page",
    "render_verify_page",
    "root_prefix",
    "safe_url",
    "sitemap_files",
    "sitemap_xml",
    "verify_page_context",
]
