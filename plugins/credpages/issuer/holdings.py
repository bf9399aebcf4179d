"""What the issuer has already awarded (status indices, slugs, who holds what), so a new
award draws fresh ids and a rerun skips recipients who hold the achievement."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config import Settings
from ..credential.model import hashes_match, new_slug, normalize_email
from ..credential.status_list import LIST_BITS
from ..credential.yamlio import load_yaml
from ..errors import CredpagesError
from .award_request import Request
from .holdings_index import Summary, summaries


@dataclass
class Holdings:
    """What the issuer has already awarded: used indices, slugs, and who holds what.

    ``by_achievement`` maps an achievement id to (hashed e-mails, file or document) per
    credential: files are read from :func:`holdings_index.summaries`, and only the one that
    turns out to be a duplicate is loaded whole.
    """

    indices: set[int] = field(default_factory=set)
    slugs: set[str] = field(default_factory=set)
    by_achievement: dict[str, list[tuple[Summary, str | dict[str, Any]]]] = field(
        default_factory=dict
    )
    # id() of each document planned in this run → the address its one hashed e-mail is of
    # (checked once, when it was added): it is matched by comparing addresses instead of by
    # hashing the address with its salt again for every row (a 1,000-row CSV made a million
    # salted hashes). Held in memory for this run only, never written anywhere.
    addresses: dict[int, str] = field(default_factory=dict)

    @classmethod
    def scan(cls, settings: Settings) -> Holdings:
        found = cls()
        for path, summary in summaries(settings).items():
            found._record(summary, path)
        return found

    def add(self, doc: Mapping[str, Any], settings: Settings, email: str | None = None) -> None:
        """Record a document made in this run; ``email``: the address it was made for."""
        summary, source = Summary.of(doc, settings), dict(doc)
        self._record(summary, source)
        # One hashed address that is this one: whether another address matches it is then
        # whether it is the same address (SHA-256 over address + the same salt)
        if email is not None and len(summary.emails) == 1 and hashes_match(summary.emails, email):
            self.addresses[id(source)] = normalize_email(email)

    def holds(self, summary: Summary, source: str | dict[str, Any], address: str) -> bool:
        """Whether this credential is of the (normalised) e-mail ``address``."""
        known = self.addresses.get(id(source))
        return known == address if known is not None else hashes_match(summary.emails, address)

    def _record(self, summary: Summary, source: str | dict[str, Any]) -> None:
        if summary.index is not None:
            self.indices.add(summary.index)
        if summary.slug:
            self.slugs.add(summary.slug)
        if summary.achievement is not None:
            self.by_achievement.setdefault(summary.achievement, []).append((summary, source))

    def holder(self, request: Request) -> dict[str, Any] | None:
        """An existing credential for the same achievement and e-mail, if any."""
        address = normalize_email(request.recipient.email)
        for summary, source in self.by_achievement.get(request.achievement.achievement["id"], []):
            if self.holds(summary, source, address):
                if isinstance(source, dict):
                    return source
                try:
                    return load_yaml(source).data
                except CredpagesError:
                    continue  # changed since it was summarised: `verify` reports it
        return None

    def new_index(self, rng: Callable[[int], int]) -> int:
        if len(self.indices) >= LIST_BITS // 2:
            raise CredpagesError("the revocation list is half full; it needs a second list")
        while True:
            index = rng(LIST_BITS)
            if index not in self.indices:
                self.indices.add(index)
                return index

    def new_slug(self, achievement_id: str) -> str:
        while True:
            slug = new_slug(achievement_id)
            if slug not in self.slugs:
                self.slugs.add(slug)
                return slug
