"""The data pages are built from (site, status, index entries) and the display models they show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .view import (
    AchievementView,
    Shown,
    When,
)

State = Literal["valid", "revoked", "expired", "not-yet-valid"]
STATES: tuple[str, ...] = ("valid", "revoked", "expired", "not-yet-valid")


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
    #: The issuer keeps an issuance log: credential pages load ``tlog.js`` to check their entry
    #: (2.4 KB gzipped that a site without a log never needs).
    issuance_log: bool = True
    #: The modules the build published inside verify-panel.js (``site.bundle.folded_modules``):
    #: a credential page loads the bundle alone, not their one-line re-exports.
    bundled: tuple[str, ...] = ()
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
