"""The MkDocs-facing option names of the ``credpages`` plugin entry, and the one way from a
loaded MkDocs config to the core's :class:`~credpages.config.Settings`.

The options only name the settings (MkDocs then warns about a misspelt one); every type,
default and message is the core's ``config.parse_settings``, shared with the CLI, so the two can
never disagree and a bad value stops ``on_config`` before anything is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig

from ..config import Settings, check_palette, parse_settings
from ..errors import CredpagesError


def _setting() -> Any:
    """Any value: ``parse_settings`` checks it (MkDocs' own type errors would say less)."""
    return c.Optional(c.Type(object))


class CredpagesConfig(base.Config):
    demo = _setting()
    """True only for the public demo issuer, whose secret key is in the repository."""
    credentials_dir = _setting()
    """Folder of credential YAML files, relative to mkdocs.yml (default: credentials)."""
    issuer = _setting()
    """The issuer's profile: name, url, image, description, linkedin_organization_id, earn_url."""
    keyring = _setting()
    """Public keys: [{id, public_key, active_from, retired}]."""
    page_prefix = _setting()
    """Credential pages live at /<page_prefix>/<slug>/ (default: c)."""
    indexable = _setting()
    """Let search engines index credential pages (default: noindex, not in the sitemap)."""
    list_recipients = _setting()
    """List recipients' names on achievement pages."""
    skip_invalid = _setting()
    """Leave out credentials that fail verification (with a warning) instead of failing."""
    log_previous = _setting()
    """The published issuance log (URL or folder) this build's log must extend."""
    cache_dir = _setting()
    """Verification and share-card cache, kept between builds (default: .cache/credpages)."""
    share_cards = _setting()
    """Share card options: enabled, per, primary, accent, layout."""
    cname = _setting()
    """Custom domain written to CNAME."""


def settings_from(
    config: MkDocsConfig, entry: Mapping[str, Any], *, config_file: Path | None = None
) -> Settings:
    """The core's settings from MkDocs' loaded config (``INHERIT:`` and ``!ENV`` resolved) and
    the plugin's entry; errors name ``config_file`` (default: the file MkDocs read)."""
    if config_file is None and config.config_file_path:
        config_file = Path(config.config_file_path)
    base_dir = (config_file or Path("mkdocs.yml")).resolve().parent
    try:
        check_palette(config.theme.get("palette"))
        return parse_settings(
            {k: v for k, v in entry.items() if v is not None},
            config.site_url,
            base_dir,
            config_file=config_file,
            docs_dir=Path(config.docs_dir),
            language=config.theme.get("language"),
        )
    except CredpagesError as exc:
        raise exc.located(file=config_file) from exc
