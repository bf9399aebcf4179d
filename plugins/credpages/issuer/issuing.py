"""Awarding credentials: one recipient, a CSV batch, a hand-written authoring file, a reissue.

Every input row or file is validated before anything is written; each credential is written
atomically, so an interrupted batch leaves only complete files, and a rerun skips recipients
who already hold the achievement (matched through the salted e-mail hash, since the plain
address is never stored). The request itself (``award_request``), what is already held
(``holdings``) and a batch's CSV files (``batch_csv``) have their own modules.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import collector
from ..config import Settings
from ..credential.model import Award, build_credential, check_recipient, now_timestamp
from ..credential.yamlio import Loaded, load_yaml, write_yaml_text
from ..errors import CredpagesError
from ..site.linkedin import add_to_profile_url
from .award_request import Outcome, Request, make_request
from .batch_signing import BatchSigner, Checked, SignJob, sign_checked, signable
from .holdings import Holdings
from .issuance_log import IssuanceLog
from .repository import credential_files, display_path, is_signed, load_achievement
from .revocation import ensure_status_list, load_ledger, revoke
from .signing import Signer


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
    return signable(doc, settings)[1]


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
        with collector.paused():  # 10,000 files' records: each collection walked them all
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
        drafted = self._draft(request, allow_duplicate)
        if isinstance(drafted, Outcome):
            return drafted
        pending = self._checked(request, drafted, signable(drafted, self.settings), path, where)
        # a second request for the same person is "existing" (a refused one is not held)
        self.holdings.add(drafted, self.settings, request.recipient.email)
        return pending

    def _draft(self, request: Request, allow_duplicate: bool) -> dict[str, Any] | Outcome:
        """The unsigned credential for ``request`` (a new id and status index), or the outcome
        "existing" if the recipient already holds the achievement."""
        existing = None if allow_duplicate else self.holdings.holder(request)
        if existing is not None:
            return self._outcome(request.recipient.email, existing, None, "existing")
        doc = build_credential(
            self.settings,
            request.achievement.achievement,
            request.recipient,
            request.award,
            slug=self.holdings.new_slug(request.achievement.id),
            status_index=self.holdings.new_index(self.rng),
        )
        return doc

    def _checked(
        self,
        request: Request,
        doc: dict[str, Any],
        checked: Checked,
        path: Path | None = None,
        where: Callable[[CredpagesError], CredpagesError] | None = None,
    ) -> Pending:
        """``doc`` ready to sign, or its first problem raised (located at the request)."""
        canonical, problems = checked
        if problems:
            problem = problems[0]
            raise where(problem) if where else problem.located(file=request.origin)
        slug = str(doc["id"]).rstrip("/").rsplit("/", 1)[-1]
        target = path or self.settings.credentials_dir / f"{slug}.yaml"
        return Pending(doc, target, request.recipient.email, canonical)

    def commit(self, pending: Pending) -> Outcome:
        """Sign a planned credential and write it atomically."""
        if self.signer is None:
            raise CredpagesError("no signing key: this run only checks")
        if not self._status_ready:
            ensure_status_list(self.settings, self.signer)
            self._status_ready = True
        signed, text = sign_checked(self.signer, _job(pending))
        return self._write(pending, signed, text)

    def _write(self, pending: Pending, signed: dict[str, Any], text: str) -> Outcome:
        """Write a signed, checked credential and log it."""
        write_yaml_text(pending.path, text)
        if self._keep_written:
            self.written[str(signed["id"])] = signed
        if self._log is None:
            with collector.paused():  # a new log also takes in what is already here
                self._log = IssuanceLog(self.settings)
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

    def issue_all(
        self,
        requests: Iterable[Request],
        *,
        allow_duplicate: bool = False,
        progress: Callable[[int], None] | None = None,
        workers: int | None = None,
    ) -> list[Outcome]:
        """Plan every request (a refusal stops the batch with nothing written), then sign.

        Checking and signing run on every core for a big batch (``batch_signing``); ids,
        duplicates, the files and the log are made here, in row order.
        """
        requests = list(requests)
        drafts: list[dict[str, Any] | Outcome] = []
        for request in requests:
            drafts.append(self._draft(request, allow_duplicate))
            if not isinstance(drafts[-1], Outcome):  # a second row for the same person is
                self.holdings.add(drafts[-1], self.settings, request.recipient.email)  # existing
        unsigned = [d for d in drafts if not isinstance(d, Outcome)]
        with BatchSigner(self.settings, self.signer, len(unsigned), workers) as batch:
            checks = iter(batch.check_all(unsigned))
            planned = [
                d if isinstance(d, Outcome) else self._checked(r, d, next(checks))
                for r, d in zip(requests, drafts, strict=True)
            ]
            pending = [p for p in planned if isinstance(p, Pending)]
            if pending and self.signer is not None and not self._status_ready:
                ensure_status_list(self.settings, self.signer)
                self._status_ready = True
            signed = batch.sign_all([_job(p) for p in pending]) if pending else iter(())
            outcomes = []
            self._batch = True
            try:
                for n, item in enumerate(planned, 1):
                    if isinstance(item, Pending):
                        result = next(signed)
                        if isinstance(result, CredpagesError):
                            raise result
                        item = self._write(item, *result)
                    outcomes.append(item)
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
            canonical, problems = signable(data, self.settings)
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
        canonical, problems = signable(doc, self.settings)
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


def _job(pending: Pending) -> SignJob:
    """What a worker needs to sign ``pending``; its file is named as every command shows it."""
    return pending.document, pending.canonical, display_path(pending.path)
