"""Awarding pathways: a learner who holds a pathway's parts gets the pathway credential.

A learner is recognised across credentials by the e-mail the issuer gives at issue time,
matched against each credential's salted hash (``model.email_matches``, as the duplicate check
does); the address itself is never stored. A part counts only while it is valid (not revoked,
not expired) and verifies. The pathway credential is an ordinary OpenBadgeCredential whose
evidence names the part credentials it rests on, by their page URLs.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..config import Settings
from ..credential.model import (
    Award,
    Recipient,
    normalize_email,
    parse_timestamp,
    valid_until_for,
)
from ..credential.status_list import Bits
from ..credential.verify import REVOKED, VALID, check_integrity, credential_state
from ..credential.yamlio import load_yaml
from ..errors import CredpagesError
from .award_request import Outcome, Request
from .batch_csv import csv_safe
from .clr_files import write_clr
from .holdings import Holdings
from .issuing import Issuer
from .pathway_defs import FIELD
from .pathway_rules import chosen, evaluation_order, missing, referenced
from .repository import AchievementDef, all_achievement_ids, load_achievement
from .revocation import load_status_bits

PATHWAY_STATUS = "pathway"  # the mail-merge status of a pathway credential awarded in the run


@dataclass(frozen=True)
class Catalog:
    """Every achievement definition, and the pathways among them in evaluation order.

    A broken pathway definition stops whatever loads the catalog (its rule may concern the very
    learners of the run); any other broken definition is left out and listed in ``skipped``
    (credentials embed their achievement, so its holders still count; the build reports it).
    """

    definitions: dict[str, AchievementDef]
    order: list[str]
    skipped: list[CredpagesError] = dataclasses.field(default_factory=list)

    @classmethod
    def load(cls, settings: Settings) -> Catalog:
        definitions: dict[str, AchievementDef] = {}
        skipped: list[CredpagesError] = []
        for aid in all_achievement_ids(settings):
            try:
                definitions[aid] = load_achievement(settings, aid)
            except CredpagesError as exc:
                if _is_pathway(settings, aid):
                    raise
                skipped.append(exc)
        requires = {aid: referenced(d.rule) for aid, d in definitions.items() if d.rule is not None}
        return cls(definitions, evaluation_order(requires), skipped)

    def relevant(self) -> set[str]:
        """The pathways and every id their rules name."""
        out = set(self.order)
        for pid in self.order:
            rule = self.definitions[pid].rule
            out.update(referenced(rule) if rule is not None else ())
        return out

    def name(self, aid: str) -> str:
        definition = self.definitions.get(aid)
        return str(definition.achievement["name"]) if definition else aid


def _is_pathway(settings: Settings, aid: str) -> bool:
    """Whether a definition that does not load says ``requires:`` (a YAML error: no)."""
    try:
        data = load_yaml(settings.achievements_dir / f"{aid}.yaml").data
    except CredpagesError:
        return False
    return data.get(FIELD) is not None


@dataclass(frozen=True)
class Standing:
    """One learner and one pathway: what they hold of it, what they miss, what was awarded."""

    learner: Recipient
    pathway: str
    holds: list[str]
    misses: str
    status: str  # "awarded" (now), "held", "revoked", "ready", "in progress"
    credential: str | None = None  # the pathway credential's page
    outcome: Outcome | None = None  # set when awarded in this run (a mail-merge row)


class _Learner:
    """The credentials one learner holds, by achievement id (found through the e-mail hash)."""

    def __init__(
        self,
        recipient: Recipient,
        settings: Settings,
        holdings: Holdings,
        bits: Bits | None,
        now: dt.datetime,
        relevant: set[str],
        signed: Mapping[str, dict[str, Any]],
        verified: Collection[int] = (),
    ) -> None:
        self.recipient = recipient
        self.settings = settings
        self.bits = bits
        self.now = now
        self.by_id: dict[str, list[dict[str, Any]]] = {}
        prefix = settings.site_url + "achievements/"
        for achievement_url in holdings.achievements():
            if not achievement_url.startswith(prefix):
                continue
            aid = achievement_url[len(prefix) :].rstrip("/")
            if aid not in relevant:  # each check hashes the e-mail: only what pathways name
                continue
            mine = []
            for _, source in holdings.held(achievement_url, recipient.email):
                try:
                    doc = source if isinstance(source, dict) else load_yaml(source).data
                except CredpagesError:
                    continue  # changed since it was summarised: `verify` reports it
                mine.append(signed.get(str(doc.get("id")), doc))  # as written, not as planned
            if mine:
                self.by_id[aid] = mine
        self.checked: dict[str, dict[str, Any] | None] = {}  # valid(): verified once each
        # the documents this run signed, checked whole before writing (Issuer._write_checked)
        # and proven to read back as written: checking them again would repeat the same work
        self.verified = verified

    def add(self, aid: str, doc: Mapping[str, Any]) -> None:
        self.by_id.setdefault(aid, []).append(dict(doc))
        self.checked.pop(aid, None)

    def valid(self, aid: str) -> dict[str, Any] | None:
        """The learner's latest valid credential for ``aid`` that verifies, if there is one."""
        if aid not in self.checked:
            docs = [d for d in self.by_id.get(aid, []) if self.state(d) == VALID]
            docs.sort(key=lambda d: str(d.get("awardedDate", d.get("validFrom", ""))))
            found = (
                d
                for d in reversed(docs)
                if id(d) in self.verified or not check_integrity(d, self.settings)
            )
            self.checked[aid] = next(found, None)
        return self.checked[aid]

    def held(self, ids: Iterable[str]) -> set[str]:
        """Of ``ids``, those held validly (cheap state check first, signatures only then)."""
        return {aid for aid in ids if any(self.state(d) == VALID for d in self.by_id.get(aid, []))}

    def state(self, doc: Mapping[str, Any]) -> str:
        try:
            return credential_state(doc, self.bits, self.now)
        except (KeyError, ValueError, TypeError):
            return "broken"  # the build reports it; it does not count towards a pathway

    def pathway_credentials(self, aid: str) -> list[dict[str, Any]]:
        return self.by_id.get(aid, [])


def learners_of(requests: Iterable[Request]) -> list[Recipient]:
    """The distinct learners of a run (by e-mail), in order, with the first name given."""
    out: dict[str, Recipient] = {}
    for request in requests:
        out.setdefault(normalize_email(request.recipient.email), request.recipient)
    return list(out.values())


def standings(
    settings: Settings,
    catalog: Catalog,
    holdings: Holdings,
    learners: Iterable[Recipient],
    *,
    issuer: Issuer | None = None,
    signed: Mapping[str, dict[str, Any]] | None = None,
    now: dt.datetime | None = None,
) -> list[Standing]:
    """Each learner against each pathway; with ``issuer``, complete pathways are awarded.

    ``signed`` maps the ids of credentials written in this run to their signed documents
    (``holdings`` knows them as planned, before signing). Those that are the very objects in
    ``issuer.written`` were checked whole before they were written, and are not checked again.
    """
    verified = {id(d) for d in issuer.written.values()} if issuer else set()
    now = now or dt.datetime.now(dt.UTC)
    bits = load_status_bits(settings)
    relevant = catalog.relevant()
    out: list[Standing] = []
    for recipient in learners:
        learner = _Learner(
            recipient, settings, holdings, bits, now, relevant, signed or {}, verified
        )
        for pid in catalog.order:
            out.append(_standing(catalog, learner, pid, issuer))
    return out


def _standing(catalog: Catalog, learner: _Learner, pid: str, issuer: Issuer | None) -> Standing:
    definition = catalog.definitions[pid]
    assert definition.rule is not None
    rule = definition.rule
    parts = referenced(rule)
    held = learner.held(parts)  # by state only: signatures are checked once the rule is met
    existing = learner.pathway_credentials(pid)
    if existing:  # awarded before: never twice (if revoked, that was the issuer's decision)
        current = [d for d in existing if learner.state(d) != REVOKED]
        misses = missing(rule, held, catalog.name)
        doc, status = (current[-1], "held") if current else (existing[-1], "revoked")
        holds = held_in(parts, held)
        return Standing(learner.recipient, pid, holds, misses, status, str(doc["id"]))
    used = chosen(rule, held)
    while used is not None:
        failed = {aid for aid in used if learner.valid(aid) is None}
        if not failed:
            break
        held -= failed
        used = chosen(rule, held)
    holds = held_in(parts, held)
    if used is None:
        return Standing(
            learner.recipient, pid, holds, missing(rule, held, catalog.name), "in progress"
        )
    if issuer is None:
        return Standing(learner.recipient, pid, holds, "", "ready")
    docs = [doc for doc in (learner.valid(aid) for aid in used) if doc is not None]
    outcome = award(issuer, definition, learner.recipient, docs)
    assert outcome.path is not None
    learner.add(pid, load_yaml(outcome.path).data)  # a pathway that requires this one sees it
    return Standing(learner.recipient, pid, holds, "", "awarded", outcome.url, outcome)


def held_in(parts: list[str], held: set[str]) -> list[str]:
    return [p for p in parts if p in held]


def award(
    issuer: Issuer,
    definition: AchievementDef,
    recipient: Recipient,
    docs: list[dict[str, Any]],
) -> Outcome:
    """Sign the pathway credential (issued when its last part was, its parts as evidence) and
    its CLR (``issuer.clr_files``)."""
    issued = max((str(d.get("awardedDate") or d["validFrom"]) for d in docs), key=parse_timestamp)
    evidence = tuple(
        {
            "id": str(d["id"]),
            "type": ["Evidence"],
            "name": str(d["credentialSubject"]["achievement"].get("name", d.get("name", ""))),
            "genre": "Credential",
        }
        for d in docs
    )
    request = Request(
        definition,
        recipient,
        Award(
            issued=issued,
            valid_until=valid_until_for(definition.raw, issued),
            evidence=evidence,
        ),
        origin="pathway",
    )
    outcome = issuer.issue(request, allow_duplicate=True)
    if issuer.signer is not None and outcome.path is not None:  # its CLR, signed alongside
        parts = {str(d["id"]): d for d in docs}
        write_clr(issuer.settings, issuer.signer, load_yaml(outcome.path).data, parts.get)
    return dataclasses.replace(outcome, status=PATHWAY_STATUS)


def award_pathways(
    issuer: Issuer,
    requests: Iterable[Request],
    outcomes: Iterable[Outcome],
    catalog: Catalog,
    *,
    now: dt.datetime | None = None,
) -> tuple[list[Outcome], list[Standing]]:
    """After a run (``requests`` and their ``outcomes``): award every pathway its learners now
    complete; returns the mail-merge rows and the standings.

    Load ``catalog`` before issuing anything, so a broken pathway definition stops the run
    before any credential is written.
    """
    return award_learners(issuer, learners_of(requests), outcomes, catalog, now=now)


def award_learners(
    issuer: Issuer,
    learners: list[Recipient],
    outcomes: Iterable[Outcome],
    catalog: Catalog,
    *,
    now: dt.datetime | None = None,
) -> tuple[list[Outcome], list[Standing]]:
    """:func:`award_pathways` for ``learners`` given directly (``sign`` knows them from the
    authoring files it signed: each outcome's name and e-mail), each e-mail once."""
    unique: dict[str, Recipient] = {}
    for learner in learners:
        unique.setdefault(normalize_email(learner.email), learner)
    learners = list(unique.values())
    if not catalog.order or not learners:
        return [], []
    signed = {
        o.url: issuer.written.get(o.url) or load_yaml(o.path).data
        for o in outcomes
        if o.status == "issued" and o.path
    }
    found = standings(
        issuer.settings,
        catalog,
        issuer.holdings,
        learners,
        issuer=issuer,
        signed=signed,
        now=now,
    )
    return [s.outcome for s in found if s.outcome is not None], found


REPORT_HEADER = ["name", "email", "pathway", "status", "holds", "misses", "credential"]


def standings_csv(rows: Iterable[Standing]) -> str:
    """``credpages pathways``' report: one row per learner and pathway (spreadsheet-safe)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_HEADER)
    for s in rows:
        writer.writerow(
            [
                csv_safe(s.learner.name),
                csv_safe(s.learner.email),
                s.pathway,
                s.status,
                " ".join(s.holds),
                csv_safe(s.misses),
                s.credential or "",
            ]
        )
    return out.getvalue()
