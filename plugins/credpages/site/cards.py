"""Share cards in a site build: which card each credential page gets, and writing them.

One 1200×627 PNG per credential by default (recipient, achievement, issuer, date); large
issuers can choose one per achievement (no recipient name) to save space. Each file name
carries the card's hash, so a changed card gets a new URL: LinkedIn caches previews for days.
Drawn cards are kept in the build cache under that hash (with the drawing code's fingerprint),
authenticated like every entry and checked to be an intact card-sized PNG before use.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .. import i18n
from ..config import Settings, ShareCards
from ..errors import CredpagesError
from .cache import BuildCache, key_maker
from .collect import SiteData, summary_of
from .output import Output
from .share_card import (
    CARD_HEIGHT,
    CARD_WIDTH,
    CardData,
    CardResult,
    CardStyle,
    card_hash,
    card_style,
    is_card_png,
    render_cards,
)

WIDTH, HEIGHT = CARD_WIDTH, CARD_HEIGHT  # what publish puts in og:image:width/height


@dataclass(frozen=True)
class CardOptions:
    enabled: bool
    per: str
    style: CardStyle


@dataclass(frozen=True)
class Card:
    """A written card: its absolute URL and the alt text for ``og:image:alt``."""

    url: str
    alt: str


#: What one more credential adds besides its credential.json, for :func:`card_scope`'s projection:
#: its page without the embedded credential (8–10 KB, ``bench/budgets.py --part bytes``) and a
#: personal card (the share-card bench's mean is 13.7 KB, the bench site's card 12.1 KB, since
#: cards of flat art are 16 colours). Constants, so the choice depends on the committed files
#: only, never on how the cards happen to compress.
PAGE_BYTES_BESIDES_JSON = 10_000
PERSONAL_CARD_BYTES = 15_000


def card_scope(
    options: CardOptions, json_sizes: Sequence[int], other_bytes: int, limit: int
) -> tuple[CardOptions, list[str]]:
    """Personal cards unless the site they make is projected past ``limit`` bytes: then one card
    per achievement, with a warning saying so and how to choose it for good.

    The projection is ``other_bytes`` (what the site holds besides credentials) plus, for each
    credential of ``json_sizes`` (its credential.json), the JSON twice (file and page), its page
    and a personal card. It is made before any card is drawn, so the site never crosses the
    limit because of them."""
    if not options.enabled or options.per != "credential":
        return options, []
    extra = PAGE_BYTES_BESIDES_JSON + PERSONAL_CARD_BYTES
    projected = other_bytes + sum(2 * size + extra for size in json_sizes)
    if projected <= limit:
        return options, []
    return replace(options, per="achievement"), [
        f"{len(json_sizes):,} credentials with a personal share card each would make the site "
        f"about {projected / 1e6:,.0f} MB, past the {limit / 1e6:,.0f} MB credpages keeps it "
        "under (GitHub Pages publishes at most 1 GB): this build draws one card per achievement "
        "instead; set `share_cards: {per: achievement}` in mkdocs.yml to choose that yourself"
    ]


def card_options(share: ShareCards, *, primary: str, accent: str) -> CardOptions:
    """The checked ``share_cards:`` settings; colours default to the site's Material palette."""
    palette: dict[str, Any] = {"primary": primary, "accent": accent}
    try:
        card_style(palette)
    except CredpagesError:
        palette = {}  # a palette the cards don't know (e.g. "custom"): use the card defaults
    chosen = {"primary": share.primary, "accent": share.accent}
    palette.update({k: v for k, v in chosen.items() if v is not None})
    style = card_style({**palette, "layout": share.layout})
    return CardOptions(enabled=share.enabled, per=share.per, style=style)


def site_file(settings: Settings, url: str | None) -> bytes | None:
    """The bytes of an image that lives in this site's docs folder, or None."""
    path = settings.docs_file(url)
    if path is None or not path.is_file():
        return None
    if path.stat().st_size > 5 * 1024 * 1024:
        return None
    return path.read_bytes()


def _image_url(value: Any) -> str | None:
    return (
        value.get("id") if isinstance(value, Mapping) else value if isinstance(value, str) else None
    )


def _decode_entry(value: bytes) -> CardResult | None:
    """A ``card`` entry: its warnings as a JSON line, then the PNG."""
    head, sep, png = value.partition(b"\n")
    try:
        warnings = json.loads(head) if sep else None
    except ValueError:
        return None
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        return None
    return CardResult(png, warnings) if is_card_png(png) else None


def _encode_entry(result: CardResult) -> bytes:
    return json.dumps(result.warnings).encode("ascii") + b"\n" + result.png


def _from_cache(cache: BuildCache, key: str) -> CardResult | None:
    """The card of an authentic, usable ``card`` entry, else None (an unusable one counted)."""
    value = cache.get("card", key)
    cached = _decode_entry(value) if value is not None else None
    if value is not None and cached is None:
        cache.reject()
    return cached


def cached_cards(
    cards: Sequence[tuple[CardData, CardStyle]], cache: BuildCache, workers: int
) -> Iterator[tuple[str, CardResult]]:
    """(hash, card) for each job, in order, as they come: drawn once per distinct hash, or
    taken from an authentic cache entry made under that hash. Only a card a later job repeats
    is held (35,000 personal cards are ~700 MB): a cached one is read again when its turn
    comes."""
    key_of = key_maker("card")
    digests = [card_hash(card, style) for card, style in cards]
    uses = Counter(digests)
    stored: set[str] = set()  # hashes with a usable entry
    todo: dict[str, tuple[CardData, CardStyle]] = {}  # first job of each hash to draw
    for digest, job in zip(digests, cards, strict=True):
        if digest not in stored and digest not in todo:
            if _from_cache(cache, key_of(digest)) is not None:
                stored.add(digest)
            else:
                todo[digest] = job
    drawn = zip(todo, render_cards(list(todo.values()), workers), strict=True)
    held: dict[str, CardResult] = {}  # needed again by a later job
    for digest, job in zip(digests, cards, strict=True):
        result = held.get(digest)
        if result is None and digest in stored:
            result = _from_cache(cache, key_of(digest))
        if result is None:  # first of a hash to draw (or an entry lost since: drawn here)
            result = next(drawn)[1] if digest in todo else next(render_cards([job], 1))
            cache.put("card", key_of(digest), _encode_entry(result))
        uses[digest] -= 1
        if uses[digest]:
            held[digest] = result
        else:
            held.pop(digest, None)
        yield digest, result


@dataclass(frozen=True)
class Cards:
    """The written cards: credential slug → card, and achievement id → the achievement's card."""

    credentials: dict[str, Card]
    achievements: dict[str, Card]


def write_cards(
    site: SiteData, out: Output, options: CardOptions, cache: BuildCache
) -> tuple[Cards, list[str]]:
    """Render (or reuse from the cache) and write the cards: one per credential (or, with
    ``per: achievement``, its achievement's) and one per achievement page; plus warnings.
    A card file the last build wrote and nobody touched since is kept, unread (``output``);
    its warnings were given when it was drawn."""
    settings = site.settings
    if not options.enabled:
        return Cards({}, {}), []
    logo = site_file(settings, settings.issuer.image)
    images: dict[str, bytes | None] = {}

    def badge(achievement: Mapping[str, Any]) -> bytes | None:
        """The achievement's image, read once per build (not once per credential)."""
        url = _image_url(achievement.get("image")) or ""
        if url not in images:
            images[url] = site_file(settings, url)
        return images[url]

    def language(achievement: Mapping[str, Any]) -> i18n.Language:
        """The language of the achievement's pages (as ``render.page_language`` decides)."""
        own = i18n.find_language(achievement.get("inLanguage"))
        return own or i18n.language(settings.language)

    def achievement_card(achievement: Mapping[str, Any]) -> CardData:
        return CardData(
            recipient="",
            achievement=str(achievement.get("name", "")),
            issuer=settings.issuer.name,
            issued_date_text="",
            badge_image=badge(achievement),
            logo_image=logo,
            rtl=language(achievement).dir == "rtl",
        )

    prefix = settings.site_url + "achievements/"
    jobs: list[tuple[CardData, CardStyle]] = []
    targets: list[tuple[str, str, str]] = []  # (kind:key, folder, alt)
    achievements: dict[str, Mapping[str, Any]] = {
        d.achievement["id"]: d.achievement for d in site.achievements.values()
    }
    for report in site.credentials:
        summary = summary_of(report)
        assert report.slug is not None
        achievement = summary.achievement
        achievements.setdefault(str(achievement["id"]), achievement)
        if options.per == "achievement":
            card = achievement_card(achievement)
            folder = (
                str(achievement["id"])[len(settings.site_url) :].strip("/")
                if str(achievement["id"]).startswith(prefix)
                else f"{settings.page_prefix}/{report.slug}"
            )
        else:
            card = CardData(
                recipient=summary.name,
                achievement=str(achievement.get("name", "")),
                issuer=settings.issuer.name,
                issued_date_text=i18n.format_date(summary.valid_from, language(achievement).tag),
                badge_image=badge(achievement),
                logo_image=logo,
                rtl=language(achievement).dir == "rtl",
            )
            folder = f"{settings.page_prefix}/{report.slug}"
        jobs.append((card, options.style))
        targets.append((f"c:{report.slug}", folder, _alt(card, language(achievement).tag)))
    for achievement_id, defined in sorted(achievements.items()):
        if achievement_id.startswith(prefix):
            card = achievement_card(defined)
            jobs.append((card, options.style))
            folder = achievement_id[len(settings.site_url) :].strip("/")
            targets.append((f"a:{achievement_id}", folder, _alt(card, language(defined).tag)))
    digests = [card_hash(card, style) for card, style in jobs]
    names = [f"{t[1]}/card-{d[:16]}.png" for t, d in zip(targets, digests, strict=True)]
    needed: dict[str, int] = {}  # file → its job
    seen: set[str] = set()
    key_of = key_maker("card")
    for i, (name, digest) in enumerate(zip(names, digests, strict=True)):
        if name in seen:
            continue
        seen.add(name)
        if out.needs(name, digest):
            needed[name] = i
        else:
            cache.touch("card", key_of(digest))  # kept for a build without this folder
    made = cached_cards([jobs[i] for i in needed.values()], cache, os.cpu_count() or 1)
    cards = Cards({}, {})
    warnings: list[str] = []
    for (name, i), (digest, result) in zip(needed.items(), made, strict=True):
        out.store(name, digest, result.png)
        warnings += [f"{targets[i][1]}: {w}" for w in result.warnings]
    for (key, _, alt), name in zip(targets, names, strict=True):
        kind, _, ident = key.partition(":")
        (cards.credentials if kind == "c" else cards.achievements)[ident] = Card(
            url=settings.site_url + name, alt=alt
        )
    return cards, warnings


def _alt(card: CardData, lang: str) -> str:
    """The card's alt text (``og:image:alt``) in the page's language."""
    _ = i18n.translator(lang)
    facts = {"achievement": card.achievement, "recipient": card.recipient, "issuer": card.issuer}
    if card.recipient:
        return _("%(achievement)s awarded to %(recipient)s by %(issuer)s", **facts)
    return _("%(achievement)s, awarded by %(issuer)s", **facts)
