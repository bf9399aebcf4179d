"""The MkDocs plugin: hooks that only delegate to the core.

``on_config`` validates the settings, ``on_pre_build`` keeps the previous output of
credpages' own folders out of MkDocs' clean and verifies every credential before anything is
written (failing the build, or skipping with a warning), ``on_post_build`` writes the credential
pages and machine-readable files (only what changed), ``on_serve`` watches the credentials.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger

from .. import collector
from ..config import Settings
from ..errors import CredpagesError
from ..site.collect import SiteData, collect, failure_count, failure_message
from ..site.log_files import (
    PublishedLog,
    Unreachable,
    read_published,
    reader_for,
)
from ..site.output import keep_previous, owned_folders
from ..site.publish import ThemeInfo, publish
from .config import CredpagesConfig, settings_from

log = get_plugin_logger(__name__)


class CredpagesPlugin(BasePlugin[CredpagesConfig]):
    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.site: SiteData | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        try:
            self.settings = settings_from(config, self.config)
        except CredpagesError as exc:
            raise PluginError(f"credpages: {exc}") from exc
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        assert self.settings is not None
        try:
            with collector.paused():
                self.site = collect(
                    self.settings, log_previous=_previous_log(self.settings.log_previous)
                )
        except CredpagesError as exc:
            raise PluginError(f"credpages: {exc}") from exc
        failures, achievements = self.site.failures, self.site.achievement_failures
        if failures or achievements:
            skip = self.settings.skip_invalid
            if not skip:
                raise PluginError("credpages: " + failure_message(failures, achievements))
            for failure in [*achievements, *failures]:
                log.warning("left out (failed verification): %s", failure)
            log.warning("%s and are left out (skip_invalid)", failure_count(failures, achievements))
        # MkDocs empties site_dir next: the folders only credpages writes are moved aside
        # and put back by ``publish``, which rewrites only what changed (a build that stopped
        # above leaves the last output as it was, e.g. for ``credpages serve``).
        keep_previous(Path(config.site_dir), owned_folders(self.settings.page_prefix))
        stats = self.site.stats
        log.info(
            "%d credential(s) verified (%d from cache)", len(self.site.credentials), stats["cached"]
        )

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assert self.site is not None
        try:
            with collector.paused():
                warnings = publish(self.site, Path(config.site_dir), _theme_info(config))
        except CredpagesError as exc:
            raise PluginError(f"credpages: {exc}") from exc
        finally:
            gc.unfreeze()  # a long-running `credpages serve` collects this build's objects later
        for warning in warnings:
            log.warning("%s", warning)

    def on_build_error(self, *, error: Exception) -> None:
        gc.unfreeze()

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        if self.settings is not None and self.settings.credentials_dir.is_dir():
            server.watch(str(self.settings.credentials_dir))
        return server


def _previous_log(source: str | None) -> PublishedLog | None:
    if not source:
        return None
    read, label = reader_for(source)
    try:
        return read_published(read, label)
    except Unreachable as exc:  # the site is down or offline: say so, loudly, and go on
        log.warning(
            "the live issuance log could not be fetched, so this build was not checked against "
            "it: %s",
            exc,
        )
        return None


def _theme_info(config: MkDocsConfig) -> ThemeInfo:
    """What credential pages borrow from the MkDocs/Material config: names, palette, overrides."""
    theme = config.theme
    palettes = theme.get("palette") or {}
    if isinstance(palettes, dict):
        palettes = [palettes]
    first = palettes[0] if palettes else {}
    custom_dir = theme.custom_dir
    # Absolute: MkDocs names custom_dir as mkdocs.yml was named (`-f mkdocs.yml` or a full
    # path), and these paths are part of every page's cache key: one build run from another
    # folder re-rendered every page.
    overrides = (Path(custom_dir).resolve() / "credpages",) if custom_dir else ()
    return ThemeInfo(
        site_name=config.site_name,
        primary=str(first.get("primary", "indigo")),
        accent=str(first.get("accent", "indigo")),
        dark_toggle=len(palettes) > 1,
        template_dirs=tuple(d for d in overrides if d.is_dir()),
        docs_dir=Path(config.docs_dir).resolve(),
        write_home=not any(
            Path(config.docs_dir, name).is_file() for name in ("index.md", "README.md")
        ),
    )
