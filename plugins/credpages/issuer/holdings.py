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

Source = str | dict[str, Any]
"""A credential's file (read only when needed) or a document made in this run."""

Held = tuple[Summary, Source]


@dataclass
class Holdings:
    """What the issuer has already awarded: used indices, slugs, and who holds what.

    Who holds what is found per achievement id from each credential's hashed e-mails: files
    are read from :func:`holdings_index.summaries`, and only the one that turns out to be a
    duplicate is loaded whole.
    """

    indices: set[int] = field(default_factory=set)
    slugs: set[str] = field(default_factory=set)
    # Each credential is in one of two maps, with its place in the order of recording:
    # ``_hashed`` by achievement (its salted e-mail hashes are checked against an address), or,
    # for a document planned in this run whose one hashed e-mail was checked when it was added,
    # ``_known`` by (achievement, that address). A row then finds the run's own documents by a
    # lookup instead of by comparing against every one of them: a 1,000-row CSV made a million
    # comparisons (and, before addresses were kept, a million salted hashes). Held in memory for
    # this run only, never written anywhere.
    _hashed: dict[str, list[tuple[int, Held]]] = field(default_factory=dict)
    _known: dict[tuple[str, str], list[tuple[int, Held]]] = field(default_factory=dict)
    _recorded: int = 0
    # The answers of ``held`` so far (issuing asks twice per request: for a duplicate, then for
    # the pathways the award may complete), kept true as documents are recorded.
    _answers: dict[tuple[str, str], list[Held]] = field(default_factory=dict)

    @classmethod
    def scan(cls, settings: Settings) -> Holdings:
        found = cls()
        for path, summary in summaries(settings).items():
            found._record(summary, path, None)
        return found

    def add(self, doc: Mapping[str, Any], settings: Settings, email: str | None = None) -> None:
        """Record a document made in this run; ``email``: the address it was made for."""
        summary = Summary.of(doc, settings)
        # One hashed address that is this one: whether another address matches it is then
        # whether it is the same address (SHA-256 over address + the same salt)
        address = None
        if email is not None and len(summary.emails) == 1 and hashes_match(summary.emails, email):
            address = normalize_email(email)
        self._record(summary, dict(doc), address)

    def achievements(self) -> list[str]:
        """The achievement ids anything is held of, sorted."""
        return sorted(set(self._hashed) | {achievement for achievement, _ in self._known})

    def held(self, achievement: str, email: str) -> list[Held]:
        """The credentials for ``achievement`` of the address ``email``, in recording order."""
        address = normalize_email(email)
        answer = self._answers.get((achievement, address))
        if answer is not None:
            return list(answer)
        mine = self._known.get((achievement, address), [])
        others = [
            entry
            for entry in self._hashed.get(achievement, [])
            if hashes_match(entry[1][0].emails, address)
        ]
        answer = [held for _, held in sorted(mine + others, key=lambda entry: entry[0])]
        self._answers[(achievement, address)] = answer
        return list(answer)

    def _record(self, summary: Summary, source: Source, address: str | None) -> None:
        if summary.index is not None:
            self.indices.add(summary.index)
        if summary.slug:
            self.slugs.add(summary.slug)
        if summary.achievement is None:
            return
        entry = (self._recorded, (summary, source))
        self._recorded += 1
        if address is None:
            self._hashed.setdefault(summary.achievement, []).append(entry)
            if self._answers:  # it may be anyone's: every answer for its achievement is stale
                stale = [key for key in self._answers if key[0] == summary.achievement]
                for key in stale:
                    del self._answers[key]
        else:
            self._known.setdefault((summary.achievement, address), []).append(entry)
            answer = self._answers.get((summary.achievement, address))
            if answer is not None:  # it is this address's alone, and the latest recorded
                answer.append(entry[1])

    def holder(self, request: Request) -> dict[str, Any] | None:
        """An existing credential for the same achievement and e-mail, if any."""
        achievement = request.achievement.achievement["id"]
        for _, source in self.held(achievement, request.recipient.email):
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
