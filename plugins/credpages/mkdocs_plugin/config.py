"""The MkDocs-facing option names of the ``credpages`` plugin entry.

MkDocs checks the basic types; the real schema (and every error message) is the core's
``config.parse_settings``, shared with the CLI, so the two can never disagree.
"""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class CredpagesConfig(base.Config):
    demo = c.Type(bool, default=False)
    """True only for the public demo issuer, whose secret key is in the repository."""
    credentials_dir = c.Type(str, default="credentials")
    """Folder of credential YAML files, relative to mkdocs.yml."""
    issuer = c.Type(dict, default={})
    """The issuer's profile: name, url, image, description, linkedin_organization_id, earn_url."""
    keyring = c.Type(list, default=[])
    """Public keys: [{id, public_key, active_from, retired}]."""
    page_prefix = c.Type(str, default="c")
    """Credential pages live at /<page_prefix>/<slug>/."""
    indexable = c.Type(bool, default=False)
    """Let search engines index credential pages (default: noindex, not in the sitemap)."""
    list_recipients = c.Type(bool, default=False)
    """List recipients' names on achievement pages."""
    skip_invalid = c.Type(bool, default=False)
    """Leave out credentials that fail verification (with a warning) instead of failing."""
    cache_dir = c.Type(str, default=".cache/credpages")
    """Verification and share-card cache, kept between builds."""
    share_cards = c.Type(dict, default={})
    """Share card options."""
    cname = c.Optional(c.Type(str))
    """Custom domain written to CNAME."""
