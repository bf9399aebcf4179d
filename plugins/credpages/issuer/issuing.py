"""Awarding credentials: one recipient, a CSV batch, a hand-written authoring file, a reissue.

Every input row or file is validated before anything is written; each credential is written
atomically, so an interrupted batch leaves only complete files, and a rerun skips recipients
who already hold the achievement (matched through the salted e-mail hash, since the plain
address is never stored).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..credential.model import (
    Award,
    Recipient,
    build_credential,
    check_recipient,
    email_matches,
    new_slug,
    now_timestamp,
    parse_timestamp,
    slug_of,
    to_datetime_stamp,
    valid_until_for,
)
from ..credential.model import _url as check_url
from ..credential.status_list import LIST_BITS
from ..credential.verify import check_integrity
from ..credential.yamlio import load_yaml, write_yaml
from ..errors import CredpagesError
from ..site.linkedin import add_to_profile_url
from .issuance_log import IssuanceLog
from .repository import (
    AchievementDef,
    credential_files,
    display_path,
    is_signed,
    load_achievement,
)
from .revocation import ensure_status_list, load_ledger, revoke
from .signing import Signer

#: Columns of a batch CSV and keys of an authoring YAML (the same names, on purpose).
FIELDS = {
    "achievement",
    "name",
    "email",
    "issued",
    "expires",
    "evidence_url",
    "evidence_name",
    "evidence_narrative",
    "result",
    "narrative",
}
MAX_CSV_BYTES = 20 * 1024 * 1024
_LINE_BREAK = re.compile("\r\n|\r|\n")  # how csv counts lines (line_num) inside quoted cells


@dataclass(frozen=True)
class Request:
    """One validated award: who gets what, before any id or signature exists."""

    achievement: AchievementDef
    recipient: Recipient
    award: Award
    origin: str


@dataclass(frozen=True)
class Outcome:
    name: str
    email: str
    url: str
    linkedin: str
    path: Path | None
    status: str  # "issued" or "existing"


@dataclass
class Holdings:
    """What the issuer has already awarded: used indices, slugs, and who holds what."""

    indices: set[int] = field(default_factory=set)
    slugs: set[str] = field(default_factory=set)
    by_achievement: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def scan(cls, settings: Settings) -> Holdings:
        found = cls()
        for path in credential_files(settings):
            try:
                doc = load_yaml(path).data
            except CredpagesError:
                continue  # `verify` reports broken files; issuing must not be blocked by them
            found.add(doc, settings)
        return found

    def add(self, doc: Mapping[str, Any], settings: Settings) -> None:
        status = doc.get("credentialStatus")
        if isinstance(status, Mapping) and str(status.get("statusListIndex", "")).isdecimal():
            self.indices.add(int(status["statusListIndex"]))
        slug = slug_of(str(doc.get("id", "")), settings)
        if slug:
            self.slugs.add(slug)
        subject = doc.get("credentialSubject")
        achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
        if isinstance(achievement, Mapping):
            self.by_achievement.setdefault(str(achievement.get("id")), []).append(dict(doc))

    def holder(self, request: Request) -> dict[str, Any] | None:
        """An existing credential for the same achievement and e-mail, if any."""
        for doc in self.by_achievement.get(request.achievement.achievement["id"], []):
            if email_matches(doc["credentialSubject"], request.recipient.email):
                return doc
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


def _optional(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise CredpagesError("must be text (quote it in YAML)", field=key)
    return value.strip()


def make_request(
    settings: Settings,
    row: Mapping[str, Any],
    *,
    origin: str,
    achievement_id: str | None = None,
    cache: dict[str, AchievementDef] | None = None,
) -> Request:
    """Validate one CSV row or authoring file into a :class:`Request`."""
    unknown = set(row) - FIELDS
    if unknown:
        raise CredpagesError(
            f"unknown column(s) {sorted(unknown)}; known: {sorted(FIELDS)}",
            field=sorted(unknown)[0],
        )
    aid = _optional(row, "achievement") or achievement_id
    if not aid:
        raise CredpagesError(
            "which achievement? give --achievement or an achievement column", field="achievement"
        )
    cache = {} if cache is None else cache
    if aid not in cache:
        cache[aid] = load_achievement(settings, aid)
    definition = cache[aid]
    recipient = check_recipient(row.get("name"), row.get("email"))
    issued = to_datetime_stamp(_optional(row, "issued") or now_timestamp(), "issued")
    expires = _optional(row, "expires")
    valid_until = (
        to_datetime_stamp(expires, "expires")
        if expires
        else valid_until_for(definition.raw, issued)
    )
    if valid_until and parse_timestamp(valid_until) <= parse_timestamp(issued):
        raise CredpagesError("the expiry date must be after the issue date", field="expires")
    evidence_url = _optional(row, "evidence_url")
    if evidence_url:
        check_url(evidence_url, "evidence_url")  # scheme, host, no spaces (rdfc needs an IRI)
    award = Award(
        issued=issued,
        valid_until=valid_until,
        evidence_url=evidence_url,
        evidence_name=_optional(row, "evidence_name"),
        evidence_narrative=_optional(row, "evidence_narrative"),
        result=_optional(row, "result"),
        narrative=_optional(row, "narrative"),
    )
    return Request(definition, recipient, award, origin)


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a batch file; a BOM, blank lines and surrounding spaces in headers are tolerated."""
    return [row for _, row in read_csv_rows(path)]


def read_csv_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """:func:`read_csv` with the line each row starts on, for messages (blank lines skipped)."""
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise CredpagesError(f"is {size} bytes; the limit is {MAX_CSV_BYTES}", file=path)
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CredpagesError("not found", file=path) from None
    except UnicodeDecodeError as exc:
        raise CredpagesError(
            f"is not UTF-8 text ({exc.reason}); save it as UTF-8", file=path
        ) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        raise CredpagesError("is empty: it needs a header row with name,email", file=path)
    reader.fieldnames = [h.strip().lower() for h in reader.fieldnames]
    missing = {"name", "email"} - set(reader.fieldnames)
    if missing:
        raise CredpagesError(f"has no {', '.join(sorted(missing))} column", file=path, line=1)
    rows = []
    try:
        for row in reader:
            if None in row:
                raise CredpagesError(
                    "has more cells than the header", file=path, line=reader.line_num
                )
            if any(v and v.strip() for v in row.values()):
                breaks = sum(len(_LINE_BREAK.findall(v)) for v in row.values() if v)
                rows.append(
                    (reader.line_num - breaks, {k: v for k, v in row.items() if v is not None})
                )
    except csv.Error as exc:
        raise CredpagesError(f"is not valid CSV: {exc}", file=path, line=reader.line_num) from exc
    return rows


class Issuer:
    """Issues signed credentials into the repository, one atomic file each."""

    def __init__(self, settings: Settings, signer: Signer, *, rng: Callable[[int], int]) -> None:
        self.settings = settings
        self.signer = signer
        self.rng = rng
        self.holdings = Holdings.scan(settings)
        self.log = IssuanceLog(settings)
        self._batch = False
        ensure_status_list(settings, signer)

    def _logged(self, outcome: Outcome) -> Outcome:
        """Sign and write the issuance log (once per command, or once per batch)."""
        if not self._batch:
            self.log.save(self.signer)
        return outcome

    def issue(self, request: Request, *, allow_duplicate: bool = False) -> Outcome:
        existing = None if allow_duplicate else self.holdings.holder(request)
        if existing is not None:
            return self._logged(self._outcome(request.recipient.email, existing, None, "existing"))
        return self._logged(self._award(request, None))

    def _award(self, request: Request, path: Path | None) -> Outcome:
        """Sign a new credential for ``request`` and write it (to ``path``, or a new file)."""
        slug = self.holdings.new_slug(request.achievement.id)
        doc = build_credential(
            self.settings,
            request.achievement.achievement,
            request.recipient,
            request.award,
            slug=slug,
            status_index=self.holdings.new_index(self.rng),
        )
        signed = self.signer.sign(doc)
        target = path or self.settings.credentials_dir / f"{slug}.yaml"
        self._write_checked(target, signed)
        self.holdings.add(signed, self.settings)
        return self._outcome(request.recipient.email, signed, target, "issued")

    def _outcome(
        self, email: str, doc: Mapping[str, Any], path: Path | None, status: str
    ) -> Outcome:
        name = str(doc["credentialSubject"].get("name", ""))
        url = str(doc["id"])
        return Outcome(name, email, url, add_to_profile_url(doc, self.settings), path, status)

    def _write_checked(self, path: Path, signed: dict[str, Any]) -> None:
        """Refuse to write anything the build would refuse to publish."""
        problems = check_integrity(signed, self.settings)
        if problems:
            raise problems[0].located(file=path)
        write_yaml(path, signed)
        self.log.add(signed)

    def issue_all(
        self,
        requests: Iterable[Request],
        *,
        allow_duplicate: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> list[Outcome]:
        outcomes = []
        self._batch = True
        try:
            for n, request in enumerate(requests, 1):
                outcomes.append(self.issue(request, allow_duplicate=allow_duplicate))
                if progress:
                    progress(n)
        finally:
            self._batch = False
            self.log.save(self.signer)  # what was written is logged, even if the batch stopped
        return outcomes

    def sign_file(self, path: Path, *, allow_duplicate: bool = False) -> Outcome:
        """An authoring YAML (or an unsigned full credential) → the signed credential, in place."""
        loaded = load_yaml(path)
        data = loaded.data
        if is_signed(data):
            raise CredpagesError("is already signed; nothing to do", file=path)
        if "@context" in data:
            signed = self.signer.sign(data)
            self._write_checked(path, signed)
            return self._logged(self._outcome("", signed, path, "issued"))
        try:
            request = make_request(self.settings, data, origin=display_path(path))
        except CredpagesError as exc:
            raise exc.located(file=path, line=loaded.line_of(exc.field or "")) from exc
        existing = None if allow_duplicate else self.holdings.holder(request)
        if existing is not None:
            raise CredpagesError(
                f"this recipient already holds {request.achievement.id} ({existing['id']}); "
                "pass --allow-duplicate to award it again",
                file=path,
            )
        return self._logged(self._award(request, path))

    def reissue(self, old: Mapping[str, Any], *, name: str | None, reason: str | None) -> Outcome:
        """The same achievement to the same recipient as a new credential; the old is revoked."""
        earlier = load_ledger(self.settings).get(str(old.get("id")))
        if earlier is not None and earlier.superseded_by:
            raise CredpagesError(
                f"{old.get('id')} was already replaced by {earlier.superseded_by}: reissue that "
                "one instead (each reissue would leave another valid credential)"
            )
        subject = old["credentialSubject"]
        aid = _achievement_id(old, self.settings)
        try:
            achievement = load_achievement(self.settings, aid).achievement
        except CredpagesError:
            achievement = dict(subject["achievement"])  # definition deleted: keep what was signed
        slug = self.holdings.new_slug(aid)
        new_name = (name or subject.get("name", "")).strip()
        recipient = check_recipient(new_name, "placeholder@example.org")
        award = Award(issued=now_timestamp(), valid_until=old.get("validUntil"))
        doc = build_credential(
            self.settings,
            achievement,
            recipient,
            award,
            slug=slug,
            status_index=self.holdings.new_index(self.rng),
        )
        identifiers = [dict(i) for i in subject.get("identifier", [])]
        for ident in identifiers:
            if ident.get("identityType") == "name" and ident.get("hashed") is False:
                ident["identityHash"] = new_name
        doc["credentialSubject"]["identifier"] = identifiers  # keep the hashed e-mail and salt
        for key in ("result", "narrative"):
            if key in subject:
                doc["credentialSubject"][key] = subject[key]
        if "evidence" in old:
            doc["evidence"] = old["evidence"]
        doc["awardedDate"] = old.get("awardedDate", old.get("validFrom"))
        signed = self.signer.sign(doc)
        path = self.settings.credentials_dir / f"{slug}.yaml"
        self._write_checked(path, signed)
        self.holdings.add(signed, self.settings)
        revoke(
            self.settings,
            self.signer,
            old,
            reason=reason or "replaced by a corrected credential",
            superseded_by=signed["id"],
        )
        return self._logged(self._outcome("", signed, path, "issued"))


def _achievement_id(doc: Mapping[str, Any], settings: Settings) -> str:
    achievement_url = str(doc["credentialSubject"]["achievement"]["id"])
    prefix = settings.site_url + "achievements/"
    if not achievement_url.startswith(prefix):
        raise CredpagesError(
            f"achievement id must start with {prefix}", field="credentialSubject.achievement.id"
        )
    return achievement_url[len(prefix) :].rstrip("/")


def find_credential(settings: Settings, ref: str) -> tuple[Path, dict[str, Any]]:
    """A credential by file path, page URL/id, or slug."""
    candidate = Path(ref)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return candidate, load_yaml(candidate).data
    for path in credential_files(settings):
        try:
            doc = load_yaml(path).data
        except CredpagesError:
            continue
        if ref in (doc.get("id"), slug_of(str(doc.get("id", "")), settings), path.stem):
            return path, doc
    raise CredpagesError(f"no credential {ref!r} under {display_path(settings.credentials_dir)}")


def outcomes_csv(outcomes: Iterable[Outcome]) -> str:
    """Mail-merge CSV: recipient, e-mail, page URL, LinkedIn add-to-profile link, status."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "email", "page_url", "linkedin_add_to_profile", "status"])
    for o in outcomes:
        writer.writerow(
            [
                _csv_safe(o.name),
                _csv_safe(o.email),
                o.url,
                o.linkedin,
                o.status,
            ]
        )
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """Defuse spreadsheet formulas (=, +, -, @) in names and e-mails from hostile input."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def unsigned_files(settings: Settings) -> tuple[list[Path], list[CredpagesError]]:
    """Files under ``credentials/`` not signed yet, and those that cannot be read at all.

    Unreadable files are returned as errors, not guessed about: the build reports them.
    """
    pending: list[Path] = []
    unreadable: list[CredpagesError] = []
    for path in credential_files(settings):
        try:
            data = load_yaml(path).data
        except CredpagesError as exc:
            unreadable.append(exc.located(file=display_path(path)))
            continue
        if not is_signed(data):
            pending.append(path)
    return pending, unreadable


def check_authoring_file(settings: Settings, path: Path) -> None:
    """Raise unless ``sign`` would accept this unsigned file (no key needed, nothing written)."""
    loaded = load_yaml(path)
    if "@context" in loaded.data:
        return  # an unsigned full credential: checked in full once signed
    try:
        make_request(settings, loaded.data, origin=display_path(path))
    except CredpagesError as exc:
        raise exc.located(file=path, line=loaded.line_of(exc.field or "")) from exc
