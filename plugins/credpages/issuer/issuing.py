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
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..credential.jsonld import canonicalize_rdfc
from ..credential.model import (
    Award,
    Recipient,
    build_credential,
    check_characters,
    check_recipient,
    hashes_match,
    new_slug,
    now_timestamp,
    parse_timestamp,
    slug_of,
    to_datetime_stamp,
    valid_until_for,
)
from ..credential.model import _url as check_url
from ..credential.proofs import jcs_bytes
from ..credential.status_list import LIST_BITS
from ..credential.verify import check_content, check_integrity, check_proofs
from ..credential.yamlio import Loaded, load_yaml, write_yaml
from ..errors import CredpagesError
from ..site.linkedin import add_to_profile_url
from .holdings_index import Summary, summaries
from .issuance_log import IssuanceLog
from .pathway_defs import refuse_by_hand
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

    @classmethod
    def scan(cls, settings: Settings) -> Holdings:
        found = cls()
        for path, summary in summaries(settings).items():
            found._record(summary, path)
        return found

    def add(self, doc: Mapping[str, Any], settings: Settings) -> None:
        self._record(Summary.of(doc, settings), dict(doc))

    def _record(self, summary: Summary, source: str | dict[str, Any]) -> None:
        if summary.index is not None:
            self.indices.add(summary.index)
        if summary.slug:
            self.slugs.add(summary.slug)
        if summary.achievement is not None:
            self.by_achievement.setdefault(summary.achievement, []).append((summary, source))

    def holder(self, request: Request) -> dict[str, Any] | None:
        """An existing credential for the same achievement and e-mail, if any."""
        for summary, source in self.by_achievement.get(request.achievement.achievement["id"], []):
            if hashes_match(summary.emails, request.recipient.email):
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


def _optional(row: Mapping[str, Any], key: str, *, prose: bool = False) -> str | None:
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise CredpagesError("must be text (quote it in YAML)", field=key)
    return check_characters(value.strip(), key, prose=prose)


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
    refuse_by_hand(aid, definition.rule)  # issuer.pathways awards pathways, with their evidence
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
        evidence_narrative=_optional(row, "evidence_narrative", prose=True),
        result=_optional(row, "result"),
        narrative=_optional(row, "narrative", prose=True),
    )
    return Request(definition, recipient, award, origin)


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a batch file; a BOM, blank lines and surrounding spaces in headers are tolerated."""
    return [row for _, row in read_csv_rows(path)]


_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}


def _decode_csv(data: bytes, path: Path) -> str:
    """UTF-8 text (a BOM is fine), or an error naming the line and how to save the file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:200]:
        raise CredpagesError(
            "is UTF-16 text: save it as UTF-8 (in Excel: Save As → CSV UTF-8)", file=path, line=1
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CredpagesError(
            f"byte 0x{data[exc.start]:02X} is not UTF-8 (the file looks like Windows-1252 or "
            "Latin-1 text): save it as UTF-8 (in Excel: Save As → CSV UTF-8)",
            file=path,
            line=line,
        ) from None


def _header(text: str, path: Path) -> tuple[str, list[str]]:
    """The delimiter (",", ";" or tab: the first that gives a name and an email column) and
    the normalised column names; duplicate columns are refused, since one would be lost."""
    first = next(csv.reader(io.StringIO(text, newline="")), None)
    if first is None:
        raise CredpagesError("is empty: it needs a header row with name,email", file=path)
    chosen = ","
    for delimiter in _DELIMITERS:
        row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        if {"name", "email"} <= {h.strip().lower() for h in row}:
            chosen = delimiter
            break
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=chosen))
    names = [h.strip().lower() for h in header]
    missing = {"name", "email"} - set(names)
    if missing:
        found = max(_DELIMITERS, key=lambda d: header[0].count(d) if header else 0)
        hint = ""
        if header and header[0].count(found):
            hint = (
                f" (the header row is separated by {_DELIMITER_NAMES[found]}; it needs "
                "name and email columns)"
            )
        raise CredpagesError(
            f"has no {', '.join(sorted(missing))} column{hint}: the first row names the "
            "columns, e.g. name,email",
            file=path,
            line=1,
        )
    seen: set[str] = set()
    for name in names:
        if name in seen and name:
            raise CredpagesError(
                f"has the column {name!r} twice: remove one (only one value per row can be used)",
                file=path,
                line=1,
                field=name,
            )
        seen.add(name)
    return chosen, names


def read_csv_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """:func:`read_csv` with the line each row starts on, for messages (blank lines skipped)."""
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise CredpagesError(f"is {size} bytes; the limit is {MAX_CSV_BYTES}", file=path)
        text = _decode_csv(path.read_bytes(), path)
    except FileNotFoundError:
        raise CredpagesError("not found", file=path) from None
    delimiter, names = _header(text, path)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    reader.fieldnames = names
    rows = []
    try:
        next(reader.reader)  # the header, already read
        for row in reader:
            if None in row:
                raise CredpagesError(
                    "has more cells than the header", file=path, line=reader.line_num
                )
            if any(v and v.strip() for v in row.values()):
                breaks = sum(len(_LINE_BREAK.findall(v)) for v in row.values() if v)
                cells = {k: v.replace("\r\n", "\n") for k, v in row.items() if v is not None}
                rows.append((reader.line_num - breaks, cells))
    except csv.Error as exc:
        raise CredpagesError(f"is not valid CSV: {exc}", file=path, line=reader.line_num) from exc
    return rows


@dataclass(frozen=True)
class Pending:
    """A credential checked and ready to sign: the unsigned document and where it goes."""

    document: dict[str, Any]
    path: Path
    email: str
    canonical: str | None = None  # its RDFC N-Quads, made by the check, reused by the signature


# Where an authoring file's key ends up in the credential, to point errors at the right line.
_AUTHORING_KEY = {
    "credentialSubject.name": "name",
    "credentialSubject.identifier": "name",
    "credentialSubject.result": "result",
    "credentialSubject.narrative": "narrative",
    "credentialSubject.achievement": "achievement",
    "evidence": "evidence_url",
    "validFrom": "issued",
    "awardedDate": "issued",
    "validUntil": "expires",
}


def check_signable(doc: Mapping[str, Any], settings: Settings) -> list[CredpagesError]:
    """Everything ``sign`` refuses, checked without a key and before anything is written.

    The one validation of an unsigned credential: ``sign``, ``issue``, ``reissue`` and the
    pre-check (``sign --unsigned``, ``verify --allow-unsigned``) all call it, so a file the
    pre-check passes is one ``sign`` signs. It is what ``check_integrity`` checks, minus the
    proofs, plus what signing itself refuses (JSON-LD safe mode, JCS).
    """
    return _signable(doc, settings)[1]


def _signable(
    doc: Mapping[str, Any], settings: Settings
) -> tuple[str | None, list[CredpagesError]]:
    """:func:`check_signable`, also returning the document's RDFC N-Quads for the signature."""
    errors = check_content(doc, settings)
    if errors:
        return None, errors
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    try:
        canonical = canonicalize_rdfc(unsecured)
        jcs_bytes(unsecured)
    except CredpagesError as exc:
        return None, [exc]
    return canonical, []


def _authoring_line(loaded: Loaded, field: str | None) -> int:
    """The line of the authoring key that a credential field came from."""
    for prefix, key in _AUTHORING_KEY.items():
        if field and (field == prefix or field.startswith((prefix + ".", prefix + "["))):
            return loaded.line_of(key)
    return loaded.line_of(field or "")


class Issuer:
    """Issues signed credentials into the repository, one atomic file each.

    Every batch is planned whole first (ids drawn, documents built and checked by
    :func:`check_signable`), then signed and written: a refused row or file stops the batch
    before any file changes. Without a ``signer`` an Issuer can only plan (the pre-check).
    """

    def __init__(
        self,
        settings: Settings,
        signer: Signer | None,
        *,
        rng: Callable[[int], int],
        keep_written: bool = False,
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.rng = rng
        # id -> the signed document as written and checked, for pathways awarded after the run
        # (kept only when asked: a big CSV would otherwise hold every document in memory)
        self.written: dict[str, dict[str, Any]] = {}
        self._keep_written = keep_written
        self.holdings = Holdings.scan(settings)
        self._status_ready = False
        self._log: IssuanceLog | None = None  # opened by the first commit
        self._batch = False

    def _save_log(self) -> None:
        """Sign and write the issuance log: after each commit, or once after a batch."""
        if self._log is not None and self.signer is not None:
            self._log.save(self.signer)

    def plan(
        self,
        request: Request,
        *,
        allow_duplicate: bool = False,
        path: Path | None = None,
        where: Callable[[CredpagesError], CredpagesError] | None = None,
    ) -> Pending | Outcome:
        """The checked credential for ``request``, or the outcome "existing" if already held."""
        existing = None if allow_duplicate else self.holdings.holder(request)
        if existing is not None:
            return self._outcome(request.recipient.email, existing, None, "existing")
        slug = self.holdings.new_slug(request.achievement.id)
        doc = build_credential(
            self.settings,
            request.achievement.achievement,
            request.recipient,
            request.award,
            slug=slug,
            status_index=self.holdings.new_index(self.rng),
        )
        canonical, problems = _signable(doc, self.settings)
        if problems:
            problem = problems[0]
            raise where(problem) if where else problem.located(file=request.origin)
        self.holdings.add(doc, self.settings)  # a second row for the same person is "existing"
        target = path or self.settings.credentials_dir / f"{slug}.yaml"
        return Pending(doc, target, request.recipient.email, canonical)

    def commit(self, pending: Pending) -> Outcome:
        """Sign a planned credential and write it atomically."""
        if self.signer is None:
            raise CredpagesError("no signing key: this run only checks")
        if not self._status_ready:
            ensure_status_list(self.settings, self.signer)
            self._status_ready = True
        signed = self.signer.sign(pending.document, canonical_document=pending.canonical)
        self._write_checked(pending.path, signed, pending)
        if self._keep_written:
            self.written[str(signed["id"])] = signed
        if self._log is None:
            self._log = IssuanceLog(self.settings)  # a new log also takes in what is already here
        self._log.add(signed)
        if not self._batch:
            self._save_log()
        return self._outcome(pending.email, signed, pending.path, "issued")

    def issue(self, request: Request, *, allow_duplicate: bool = False) -> Outcome:
        planned = self.plan(request, allow_duplicate=allow_duplicate)
        return planned if isinstance(planned, Outcome) else self.commit(planned)

    def _outcome(
        self, email: str, doc: Mapping[str, Any], path: Path | None, status: str
    ) -> Outcome:
        name = str(doc["credentialSubject"].get("name", ""))
        url = str(doc["id"])
        return Outcome(name, email, url, add_to_profile_url(doc, self.settings), path, status)

    def _write_checked(self, path: Path, signed: dict[str, Any], pending: Pending) -> None:
        """Refuse to write anything the build would refuse to publish.

        Every check the build makes, each once: when the signed document is (compared whole)
        the one the plan checked, its content (shape, schema, issuer, status entry) passed
        :func:`check_signable` and its RDFC N-Quads are reused, so only the proofs are checked
        here; otherwise everything is. ``write_yaml`` then proves the file reads back as
        exactly this document.
        """
        unsecured = {k: v for k, v in signed.items() if k != "proof"}
        if pending.canonical is not None and unsecured == pending.document:
            problems = check_proofs(signed, self.settings, canonical_document=pending.canonical)
        else:
            problems = check_integrity(signed, self.settings)
        if problems:
            raise problems[0].located(file=display_path(path))
        write_yaml(path, signed)

    def issue_all(
        self,
        requests: Iterable[Request],
        *,
        allow_duplicate: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> list[Outcome]:
        """Plan every request (a refusal stops the batch with nothing written), then sign."""
        planned = [self.plan(r, allow_duplicate=allow_duplicate) for r in requests]
        outcomes = []
        self._batch = True
        try:
            for n, item in enumerate(planned, 1):
                outcomes.append(item if isinstance(item, Outcome) else self.commit(item))
                if progress:
                    progress(n)
        finally:
            self._batch = False
            self._save_log()  # what was written is logged, even if the batch stopped
        return outcomes

    def plan_file(self, path: Path, *, allow_duplicate: bool = False) -> Pending:
        """An authoring YAML (or an unsigned full credential) → the checked credential."""
        shown = display_path(path)
        loaded = load_yaml(Path(shown))
        data = loaded.data
        if is_signed(data):
            raise CredpagesError("is already signed; nothing to do", file=shown)
        if "@context" in data:
            canonical, problems = _signable(data, self.settings)
            if problems:
                e = problems[0]
                raise e.located(file=shown, line=loaded.line_of(e.field or ""))
            return Pending(dict(data), path, "", canonical)
        try:
            request = make_request(self.settings, data, origin=shown)
        except CredpagesError as exc:
            raise exc.located(file=shown, line=loaded.line_of(exc.field or "")) from exc
        existing = None if allow_duplicate else self.holdings.holder(request)
        if existing is not None:
            raise CredpagesError(
                f"this recipient already holds {request.achievement.id} ({existing['id']}); "
                "pass --allow-duplicate to award it again",
                file=shown,
            )
        planned = self.plan(
            request,
            allow_duplicate=True,
            path=path,
            where=lambda e: e.located(file=shown, line=_authoring_line(loaded, e.field)),
        )
        assert isinstance(planned, Pending)
        return planned

    def plan_files(
        self, paths: Iterable[Path], *, allow_duplicate: bool = False
    ) -> tuple[list[Pending], list[CredpagesError]]:
        """Every file checked (all problems listed, each naming its file) before any is signed."""
        pending: list[Pending] = []
        problems: list[CredpagesError] = []
        for path in paths:
            try:
                pending.append(self.plan_file(path, allow_duplicate=allow_duplicate))
            except CredpagesError as exc:
                problems.append(exc.located(file=display_path(path)))
        return pending, problems

    def sign_file(self, path: Path, *, allow_duplicate: bool = False) -> Outcome:
        """An authoring YAML (or an unsigned full credential) → the signed credential, in place."""
        return self.commit(self.plan_file(path, allow_duplicate=allow_duplicate))

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
        canonical, problems = _signable(doc, self.settings)
        if problems:
            raise problems[0]
        path = self.settings.credentials_dir / f"{slug}.yaml"
        outcome = self.commit(Pending(doc, path, "", canonical))
        self.holdings.add(doc, self.settings)
        assert self.signer is not None
        revoke(
            self.settings,
            self.signer,
            old,
            reason=reason or "replaced by a corrected credential",
            superseded_by=outcome.url,
        )
        return outcome


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
                csv_safe(o.name),
                csv_safe(o.email),
                o.url,
                o.linkedin,
                o.status,
            ]
        )
    return out.getvalue()


def csv_safe(text: str) -> str:
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


def check_authoring_file(settings: Settings, path: Path, planner: Issuer | None = None) -> Issuer:
    """Raise unless ``sign`` would accept this unsigned file (no key needed, nothing written).

    The same planning ``sign`` does (:meth:`Issuer.plan_file`), only without the signature.
    Pass the returned planner back in for the next file: like ``sign --unsigned``, it then also
    sees two files awarding the same achievement to one person, and scans the folder once.
    """
    planner = planner or Issuer(settings, None, rng=secrets.randbelow)
    planner.plan_file(path)
    return planner
