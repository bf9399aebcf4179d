"""The issuer's command line: ``credpages`` (or ``python build.py``).

Argument parsing and messages only; the work is done by the core modules. Every failure is one
line on stderr naming the file, the field and what to do, with a non-zero exit status.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import __version__
from ..config import Settings
from ..credential.keys import (
    default_secret_path,
    generate_seed,
    public_key_of,
    read_signing_key,
    write_secret_key,
)
from ..credential.model import check_recipient, slug_of
from ..credential.multikey import decode_public_key, encode_secret_key
from ..credential.status_list import count_set
from ..credential.verify import VALID, Report, check_integrity, verify_document
from ..credential.yamlio import Loaded, load_yaml
from ..errors import CredpagesError
from ..fsio import atomic_write
from ..issuer.baking import PNG_SIGNATURE, achievement_image, bake_png, bake_svg
from ..issuer.config_edit import add_key, retire_key
from ..issuer.issuance_log import IssuanceLog, log_path
from ..issuer.issuing import (
    Holdings,
    Issuer,
    Outcome,
    Pending,
    check_authoring_file,
    find_credential,
    make_request,
    outcomes_csv,
    read_csv_rows,
    unsigned_files,
)
from ..issuer.pathways import Catalog, award_pathways, standings, standings_csv
from ..issuer.repository import (
    STATUS_LIST_FILE,
    AchievementDef,
    credential_files,
    display_path,
    is_signed,
)
from ..issuer.resign import RESIGNED, UNSIGNED, needs_resign, resign_file
from ..issuer.revocation import (
    Revocation,
    load_ledger,
    load_list_file,
    load_status_bits,
    resign_status_list,
    revoke,
    rollback_errors,
    status_indices,
    unrevoked_errors,
)
from ..issuer.signing import Signer
from ..issuer.site_init import QUESTIONS
from ..site.log_audit import audit
from ..site.publish import credential_json
from ..site.svg_raster import svg_to_png
from .credential_input import load_credential_input
from .github_actions import annotate, cell, code_block, table, url_cell, write_summary
from .init import cmd_init
from .site_config import load_mkdocs_config, load_settings

EXIT_FAIL = 1
EXIT_USAGE = 2

# A line that starts (after blanks, which the runner skips) with "::" is a GitHub Actions workflow
# command; "\r" starts a line too, for the runner's log.
_WORKFLOW_COMMAND = re.compile(r"(^|[\r\n])([ \t\f\v]*)::")


def neutralise(text: str) -> str:
    """``text`` with every line that would start with ``::`` prefixed by ``'``.

    Names, file names and CSV cells come from hostile input; printed as they are in a GitHub
    Actions log, ``::add-mask::`` or ``::error::`` in a recipient's name would be obeyed.
    """
    return _WORKFLOW_COMMAND.sub(r"\1\2'::", text)


def say(message: object = "", *, err: bool = False, end: str = "\n", flush: bool = False) -> None:
    """Everything the command line prints goes through here (see :func:`neutralise`)."""
    stream = sys.stderr if err else sys.stdout
    print(neutralise(str(message)), end=end, file=stream, flush=flush)


def check_out(value: str, settings: Settings, *, force: bool = False) -> Path:
    """An ``--out`` file checked before anything is signed or written.

    It must be a file name in a writable folder (missing folders are made), short enough for
    the temporary file ``atomic_write`` makes next to it; it never replaces a source of the
    site (``mkdocs.yml``, anything in docs_dir) unless ``force``, and never a credential.
    """
    out = Path(value)
    if not value.strip() or value.endswith(("/", os.sep)) or out.is_dir():
        raise CredpagesError("is a folder: give a file name, e.g. awarded.csv", file=value)
    folder = out.parent.resolve()
    existing = next(p for p in (folder, *folder.parents) if p.exists())  # missing ones are made
    if not existing.is_dir():
        raise CredpagesError(f"{display_path(existing)} is a file, not a folder", file=value)
    if not os.access(existing, os.W_OK):
        raise CredpagesError(f"cannot write in the folder {display_path(existing)}", file=value)
    try:
        name_max = os.pathconf(existing, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    if len(out.name.encode("utf-8", "surrogateescape")) + 16 > name_max:
        raise CredpagesError(f"the file name is too long (over {name_max - 16} bytes)", file=value)
    target = folder / out.name
    if target.exists() and not target.is_file():
        raise CredpagesError(
            "is not a regular file (a device, FIFO or socket): give a file name", file=value
        )
    if target.is_relative_to(settings.credentials_dir):
        raise CredpagesError(
            f"is inside {display_path(settings.credentials_dir)}, where credentials and "
            "achievements live: write it somewhere else",
            file=value,
        )
    sources = [settings.config_file.resolve()] if settings.config_file else []
    if (
        target.exists()
        and not force
        and (target in sources or (settings.docs_dir and target.is_relative_to(settings.docs_dir)))
    ):
        raise CredpagesError(
            "would replace a file of the site's sources: choose another name, or pass --force "
            "to replace it",
            file=value,
        )
    return out


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


def _signer(args: argparse.Namespace, settings: Settings) -> Signer:
    return Signer(settings, read_signing_key(args.key_file))


def _issuer(args: argparse.Namespace) -> Issuer:
    settings = _settings(args)
    return Issuer(settings, _signer(args, settings), rng=secrets.randbelow)


def cmd_keygen(args: argparse.Namespace) -> int:
    seed = generate_seed()
    public = public_key_of(seed)
    if args.stdout:
        say(encode_secret_key(seed))
        say(f"public key: {public}", err=True)
        say("Store the first line as the CREDPAGES_SIGNING_KEY secret.", err=True)
        return 0
    path = Path(args.out) if args.out else default_secret_path()
    write_secret_key(seed, path, force=args.force)
    say(f"secret key written to {path} (mode 0600; keep it out of git)")
    say("add this public key to the keyring in mkdocs.yml:")
    say(f"  public_key: {public}")
    return 0


def _progress(total: int) -> Callable[[int], None]:
    tty = sys.stderr.isatty()

    def show(done: int) -> None:
        if tty:
            filled = int(30 * done / total)
            bar = "#" * filled + "." * (30 - filled)
            end = "\n" if done == total else ""
            say(f"\r[{bar}] {done}/{total}", end=end, err=True, flush=True)
        elif done == total or done % max(total // 10, 1) == 0:
            say(f"issued {done}/{total}", err=True, flush=True)

    return show


def cmd_issue(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out = check_out(args.out, settings, force=args.force) if args.out else None
    cache: dict[str, AchievementDef] = {}
    if args.csv:
        requests = []
        for n, row in read_csv_rows(Path(args.csv)):
            try:
                requests.append(
                    make_request(
                        settings,
                        row,
                        origin=f"{args.csv}:{n}",
                        achievement_id=args.achievement,
                        cache=cache,
                    )
                )
            except CredpagesError as exc:
                raise exc.located(file=args.csv, line=n) from exc  # an achievement names its own
    else:
        if not (args.name and args.email and args.achievement):
            raise CredpagesError("give --achievement, --name and --email, or --csv FILE")
        row = {"name": args.name, "email": args.email}
        for key in ("issued", "expires", "evidence_url", "result"):
            if getattr(args, key):
                row[key] = getattr(args, key)
        requests = [
            make_request(settings, row, origin="command line", achievement_id=args.achievement)
        ]
    catalog = None if args.no_pathways else Catalog.load(settings)  # checked before any write
    for broken in catalog.skipped if catalog else []:
        say(f"credpages: warning: {broken} (left out of pathways; the build reports it)", err=True)
    issuer = Issuer(
        settings,
        _signer(args, settings),
        rng=secrets.randbelow,
        keep_written=bool(catalog and catalog.order),
    )
    progress = _progress(len(requests)) if len(requests) > 1 else None
    outcomes = issuer.issue_all(requests, allow_duplicate=args.allow_duplicate, progress=progress)
    pathways = award_pathways(issuer, requests, outcomes, catalog)[0] if catalog else []
    outcomes += pathways
    report = outcomes_csv(outcomes)
    _report(out, report)
    issued = sum(o.status == "issued" for o in outcomes)
    _summarize_pages("Awarded", outcomes)
    skipped = len(outcomes) - issued - len(pathways)
    note = f", {skipped} already held it (use --allow-duplicate to award again)" if skipped else ""
    if pathways:
        note += f"; {len(pathways)} pathway credential(s) awarded too (their parts are complete)"
    say(f"issued {issued} credential(s){note}", err=True)
    return 0


def _report(out: Path | None, text: str) -> None:
    """A command's CSV report: to ``--out`` (checked by :func:`check_out`), else stdout."""
    if out is not None:
        atomic_write(out, text)
    else:
        say(text, end="")


def cmd_pathways(args: argparse.Namespace) -> int:
    """Where each learner of a CSV stands on each pathway; reads only (no key, no writes)."""
    settings = _settings(args)
    out = check_out(args.out, settings, force=args.force) if args.out else None
    catalog = Catalog.load(settings)
    if not catalog.order:
        raise CredpagesError(
            "no achievement is a pathway yet: add `requires:` to one (see the guide's Pathways "
            "page)",
            file=display_path(settings.achievements_dir),
        )
    learners = []
    for n, row in read_csv_rows(Path(args.csv)):
        try:
            learners.append(check_recipient(row.get("name"), row.get("email")))
        except CredpagesError as exc:
            raise CredpagesError(exc.message, file=args.csv, line=n, field=exc.field) from exc
    found = standings(settings, catalog, Holdings.scan(settings), learners)
    report = standings_csv(found)
    _report(out, report)
    held = sum(s.status == "held" for s in found)
    ready = sum(s.status == "ready" for s in found)
    note = f"; {ready} complete, not awarded yet: `credpages issue` awards them" if ready else ""
    say(f"{len(learners)} learner(s), {len(catalog.order)} pathway(s): {held} held{note}", err=True)
    return 0


def _summarize_pages(title: str, outcomes: Sequence[Outcome]) -> None:
    """Page links for the job summary in GitHub Actions: names and URLs, never an e-mail."""
    rows = [
        [cell(o.name), url_cell(o.url), f"[add to LinkedIn]({url_cell(o.linkedin)})", o.status]
        for o in outcomes
    ]
    if rows:
        header = ["recipient", "page", "LinkedIn", "status"]
        write_summary(f"### {title}: {len(rows)} credential(s)\n\n" + table(header, rows))


def _sign_unsigned(args: argparse.Namespace) -> int:
    """Sign every unsigned file under credentials/, after checking them all (no key needed)."""
    settings = _settings(args)
    pending, unreadable = unsigned_files(settings)
    for exc in unreadable:
        say(f"skipped (the build will report it): {exc}", err=True)
    if not pending:
        say(f"nothing to sign under {display_path(settings.credentials_dir)}", err=True)
        return 0
    issuer = Issuer(settings, None, rng=secrets.randbelow)
    planned, problems = issuer.plan_files(pending, allow_duplicate=args.allow_duplicate)
    for problem in problems:
        say(problem, err=True)
    if problems:
        raise CredpagesError(f"{len(problems)} file(s) cannot be signed; nothing was signed")
    if args.dry_run:
        for path in pending:
            say(display_path(path))
        return 0
    issuer.signer = _signer(args, settings)
    outcomes = _commit_all(issuer, planned)
    _summarize_pages("Signed", outcomes)
    return 0


def _commit_all(issuer: Issuer, planned: Sequence[Pending]) -> list[Outcome]:
    outcomes = []
    for item in planned:
        outcome = issuer.commit(item)
        outcomes.append(outcome)
        say(f"{display_path(item.path)}: signed, page {outcome.url}")
    return outcomes


def cmd_sign(args: argparse.Namespace) -> int:
    if args.unsigned == bool(args.files):
        raise CredpagesError("name the files to sign, or pass --unsigned (not both)")
    if args.dry_run and not args.unsigned:
        raise CredpagesError("--dry-run goes with --unsigned")
    if args.unsigned:
        return _sign_unsigned(args)
    issuer = _issuer(args)
    planned, problems = issuer.plan_files(
        [Path(name) for name in args.files], allow_duplicate=args.allow_duplicate
    )
    if len(problems) == 1 and len(args.files) == 1:
        raise problems[0]
    for problem in problems:
        say(problem, err=True)
    if problems:
        raise CredpagesError(f"{len(problems)} file(s) cannot be signed; nothing was signed")
    _commit_all(issuer, planned)
    return 0


def _state_line(
    report: Report, loaded: Loaded, shown: str, ledger: dict[str, Revocation]
) -> tuple[str, str]:
    """The state's name and its line: ``file:line: credentialStatus: revoked (reason)``,
    ``… superseded by URL (reason)``, ``… validUntil: expired``, ``… validFrom: not-yet-valid``."""
    kind, detail = report.state, ""
    rev = ledger.get(str(loaded.data.get("id")))
    if report.state == "revoked" and rev:
        if rev.superseded_by:
            kind, detail = "superseded", f" by {rev.superseded_by}"
        if rev.reason:
            detail += f" ({rev.reason})"
    field = {"revoked": "credentialStatus", "not-yet-valid": "validFrom"}.get(
        report.state, "validUntil"
    )
    where = f"{shown}:{loaded.line_of(field)}" if loaded.lines else shown
    return kind, f"{where}: {field}: {kind}{detail}"


def cmd_verify(args: argparse.Namespace) -> int:
    """Integrity failures exit 1; revoked, superseded, expired and not-yet-valid credentials are
    states, listed on stdout (exit 0) unless --strict makes them failures."""
    settings = _settings(args)
    messages: list[str] = []
    states: list[str] = []

    def fail(message: object) -> None:
        messages.append(str(message))
        say(message, err=True)

    try:
        bits = load_status_bits(settings)
    except CredpagesError as exc:  # report it, and still check every credential
        bits = None
        fail(exc)
        fail("(revocation is not checked: the revocation list above does not verify)")
    ledger = load_ledger(settings)
    files = [Path(f) for f in args.files] or credential_files(settings)
    if not files:
        say(f"no credentials under {display_path(settings.credentials_dir)}", err=True)
        return EXIT_FAIL if messages else 0
    failed = 0
    counts: dict[str, int] = {}
    now = dt.datetime.now(dt.UTC)
    planner: Issuer | None = None  # checks unsigned files as `sign --unsigned` would, together
    for path in files:
        shown = display_path(path)
        try:
            loaded = load_credential_input(path, shown)
        except CredpagesError as exc:
            fail(exc)
            failed += 1
            continue
        if args.allow_unsigned and loaded.lines and not is_signed(loaded.data):
            try:
                planner = planner or Issuer(settings, None, rng=secrets.randbelow)
                check_authoring_file(settings, Path(shown), planner)
            except CredpagesError as exc:
                fail(exc)
                failed += 1
            else:
                checked = (
                    "structure, schema, issuer and status entry checked; no proof to check yet"
                    if "@context" in loaded.data
                    else "authoring file checked"
                )
                say(
                    f"{shown}: unsigned, valid ({checked}): the Pages workflow signs it on the "
                    "main branch"
                )
            continue
        report = verify_document(loaded.data, settings, source=shown, revoked_bits=bits, now=now)
        for err in report.errors:
            at = loaded.line_of(err.field or "") if loaded.lines else None
            fail(err.located(file=shown, line=at))
        if report.errors:
            failed += 1
        elif report.state != VALID:
            kind, listed = _state_line(report, loaded, shown, ledger)
            counts[kind] = counts.get(kind, 0) + 1
            if args.strict:
                failed += 1
                fail(listed)
            else:
                states.append(listed)
                say(listed)
        elif args.verbose:
            say(f"{shown}: ok")
    total = f"{len(files) - failed} of {len(files)} credential(s) verified"
    if counts:
        total += "; " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    say(total, err=True)
    if messages or states:
        every = "\n".join([*messages, *states])
        write_summary(f"### credpages verify: {total}\n\n" + code_block(every))
    return EXIT_FAIL if failed or messages else 0


def cmd_status_check(args: argparse.Namespace) -> int:
    """No revocation undone: the ledger's are set in the list, as is every bit of ``--previous``.

    The workflows pass the base branch's list (pull requests) or the deployed one (Pages).
    """
    settings = _settings(args)
    list_path = settings.credentials_dir / STATUS_LIST_FILE
    shown = display_path(list_path)
    current = load_status_bits(settings)  # must verify, as for the build
    docs = []
    for path in credential_files(settings):
        try:
            docs.append(load_yaml(path).data)
        except CredpagesError:
            continue  # `verify` and the build report it; here it only names indices
    indices = status_indices(docs)
    ledger = load_ledger(settings)
    previous = name = None
    if args.previous:
        name = args.previous_name or display_path(Path(args.previous))
        try:
            previous = load_list_file(Path(args.previous), settings)
        except CredpagesError as exc:
            raise CredpagesError(
                f"the previous list ({name}) does not verify against the keyring in mkdocs.yml "
                f"(it may be signed by a retired key that is still listed): {exc.message}",
                file=exc.file,
                line=exc.line,
                field=exc.field,
            ) from exc
    if current is None:
        if previous is None and not ledger:
            print(f"{shown}: no revocation list yet; nothing to check", file=sys.stderr)
            return 0
        errors = [
            CredpagesError(
                f"is missing, but {'the previous list' if previous is not None else 'the ledger'} "
                "has revocations: a revocation list cannot be removed; restore it from git",
                file=shown,
            )
        ]
    else:
        errors = unrevoked_errors(settings, ledger, indices, current)
        if previous is not None:
            slugs = {index: slug_of(cid, settings) or cid for cid, index in indices.items()}
            line = load_yaml(list_path).line_of("credentialSubject.encodedList")
            errors += rollback_errors(
                settings, previous, current, previous_name=str(name), slugs=slugs, line=line
            )
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        write_summary(
            "### credpages status-check: a revocation was undone\n\n"
            + code_block("\n".join(str(e) for e in errors))
        )
        return EXIT_FAIL
    assert current is not None
    if previous is None:
        print(f"{shown}: every revocation in the ledger is set; no previous list to compare with")
    else:
        print(
            f"{shown}: no revocation undone ({count_set(previous)} revoked in {name}, "
            f"{count_set(current)} now)"
        )
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    settings = _settings(args)
    signer = _signer(args, settings)
    path, doc = find_credential(settings, args.credential)
    revoke(settings, signer, doc, reason=args.reason)
    say(f"{display_path(path)}: revoked ({doc['id']}); the list is re-signed")
    return 0


def cmd_reissue(args: argparse.Namespace) -> int:
    issuer = _issuer(args)
    path, doc = find_credential(issuer.settings, args.credential)
    outcome = issuer.reissue(doc, name=args.name, reason=args.reason)
    say(f"{display_path(path)}: superseded by {outcome.url} ({display_path(outcome.path or path)})")
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.public_key:
        public = args.public_key.strip()
        decode_public_key(public, field="--public-key")
        held = next((k.id for k in settings.keyring if k.public_key == public), None)
        if held is not None:
            raise CredpagesError(f"this key is already in the keyring as {held}")
    else:
        seed = generate_seed()
        public = public_key_of(seed)
        if args.stdout:
            say(encode_secret_key(seed))
        else:
            path = (
                Path(args.out)
                if args.out
                else default_secret_path().with_name(f"signing-key-{dt.date.today().isoformat()}")
            )
            write_secret_key(seed, path)
            say(f"new secret key written to {path}", err=True)
    ids = {k.id for k in settings.keyring}
    n = len(ids) + 1
    while f"key-{n}" in ids:
        n += 1
    assert settings.config_file is not None
    original = settings.config_file.read_bytes()
    add_key(settings.config_file, f"key-{n}", public, dt.date.today().isoformat())
    try:
        load_settings(settings.config_file)  # the edited file must still be valid
    except CredpagesError:
        atomic_write(settings.config_file, original)  # never leave a broken mkdocs.yml behind
        raise
    say(
        f"added key-{n} ({public}) to the keyring in {display_path(settings.config_file)}; "
        "new credentials are signed with it, older ones still verify",
        err=True,
    )
    return 0


def cmd_retire_key(args: argparse.Namespace) -> int:
    settings = _settings(args)
    entry = next((k for k in settings.keyring if k.id == args.key_id), None)
    if entry is None:
        known = ", ".join(k.id for k in settings.keyring)
        raise CredpagesError(f"no key {args.key_id!r} in the keyring (keys: {known})")
    if entry.retired:
        raise CredpagesError(f"key {entry.id!r} is already retired")
    if not any(not k.retired for k in settings.keyring if k.id != entry.id):
        raise CredpagesError(
            f"{entry.id} is the only key that is not retired: add its successor first with "
            "`credpages rotate-key` (and store the new secret), then retire this one"
        )
    assert settings.config_file is not None
    original = settings.config_file.read_bytes()
    retire_key(settings.config_file, entry.id)
    try:
        load_settings(settings.config_file)  # the edited file must still be valid
    except CredpagesError:
        atomic_write(settings.config_file, original)  # never leave a broken mkdocs.yml behind
        raise
    say(
        f"retired {entry.id} in {display_path(settings.config_file)}: the DID document no longer "
        "lists it, and what it signed no longer verifies. Re-sign with the current key: "
        "`credpages resign` (`credpages resign --dry-run` lists the files)",
        err=True,
    )
    return 0


def cmd_resign(args: argparse.Namespace) -> int:
    settings = _settings(args)
    signer = None if args.dry_run else _signer(args, settings)
    verb = "to re-sign" if args.dry_run else "re-signed"
    if resign_status_list(settings, signer):
        say(f"{display_path(settings.credentials_dir / STATUS_LIST_FILE)}: {verb}")
    if args.files:
        files = [Path(f) for f in args.files]
    else:
        files = []
        for path in credential_files(settings):
            try:
                if needs_resign(load_yaml(path).data, settings):
                    files.append(Path(display_path(path)))
            except CredpagesError:
                continue  # unreadable: the build reports it, re-signing cannot help
    done = refused = 0
    log = IssuanceLog(settings) if signer is not None else None
    for path in files:
        shown = display_path(path)
        try:
            result = resign_file(path, settings, signer)
        except CredpagesError as exc:
            say(exc.located(file=shown), err=True)
            refused += 1
            continue
        if result.status == RESIGNED:
            if log is not None:
                log.add(load_yaml(path).data)  # the new bytes are a new leaf of the same id
            done += 1
            say(f"{shown}: {verb} (signed by {', '.join(result.old_keys)})")
        elif result.status == UNSIGNED:
            say(f"{shown}: unsigned: sign it with `credpages sign`; left as it is")
        else:
            say(f"{shown}: already signed with a current key; left as it is")
    if log is not None and signer is not None:
        log.save(signer, force=True)  # the checkpoint, too, is signed with the current key
    key = f" with {signer.entry.id}" if signer is not None else ""
    say(
        f"{done} credential(s) {verb}{key}; ids and pages unchanged"
        + (f"; {refused} refused (see above)" if refused else ""),
        err=True,
    )
    return EXIT_FAIL if refused else 0


def cmd_log_sync(args: argparse.Namespace) -> int:
    """Start the issuance log, or append what is missing from it, and sign its checkpoint."""
    settings = _settings(args)
    log = IssuanceLog(settings)
    started = not log_path(settings).exists()
    added = 0
    for path in credential_files(settings):
        try:
            doc = load_yaml(path).data
        except CredpagesError:
            continue  # the build reports it
        if not is_signed(doc):
            continue
        problems = check_integrity(doc, settings)
        if problems:
            print(f"not logged: {problems[0].located(file=display_path(path))}", file=sys.stderr)
            continue
        if log.add(doc) is not None:
            added += 1
    log.save(_signer(args, settings), force=True)
    what = "started with" if started else "appended"
    count = len(log.entries) if started else added
    print(
        f"{display_path(log_path(settings))}: {what} {count} leaf(s); "
        f"{len(log.entries)} in all, checkpoint signed",
        file=sys.stderr,
    )
    return 0


def cmd_log_audit(args: argparse.Namespace) -> int:
    result, note = audit(args.source, saved=args.checkpoint)
    print(f"log {result.origin}: {result.size} leaves, root {result.root}")
    print("checkpoint signature: verified against the site's DID document keys")
    print("tiles and entry bundles: consistent with the recomputed tree")
    print(
        f"credentials: {result.published} published match their leaves"
        + (f", {result.withdrawn} logged but no longer published" if result.withdrawn else "")
    )
    if result.extends:
        print(result.extends)
    if args.save:
        atomic_write(args.save, note)
        print(f"checkpoint saved to {args.save}: pass it with --checkpoint next time")
    return 0


BAKED_PNG_WIDTH = 512  # an SVG badge is drawn this wide, as bake.js does for a square badge


def cmd_bake(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out = check_out(args.out, settings, force=args.force)
    path, doc = find_credential(settings, args.credential)
    shown = display_path(path)
    report = verify_document(doc, settings, source=shown, revoked_bits=load_status_bits(settings))
    if not report.ok or report.state != VALID:
        raise CredpagesError(f"does not verify ({report.reason}): not baking it", file=shown)
    if out.suffix.lower() not in (".png", ".svg"):
        raise CredpagesError(f"{args.out}: must end in .png or .svg", field="--out")
    image = Path(args.image) if args.image else achievement_image(settings, doc)
    data = image.read_bytes()
    try:
        if out.suffix.lower() == ".png":
            if not data.startswith(PNG_SIGNATURE) and data.lstrip().startswith(b"<"):
                # as the page's "Download badge (PNG)" does: draw the SVG, then bake the PNG
                data = svg_to_png(data, width=BAKED_PNG_WIDTH, source=display_path(image))
            baked = bake_png(data, credential_json(doc))
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise CredpagesError(
                    "is not an SVG: to bake an SVG, pass --image with an SVG image"
                ) from None
            baked = bake_svg(text, credential_json(doc)).encode("utf-8")
    except CredpagesError as exc:
        raise exc.located(file=display_path(image)) from exc
    atomic_write(out, baked)
    say(f"{display_path(out)}: baked {doc['id']} into a copy of {display_path(image)}")
    return 0


def _mkdocs_config(args: argparse.Namespace, **overrides: Any) -> Any:
    """MkDocs' own config, with --skip-invalid set in the plugin's config (MkDocs is imported
    only at this edge: the rest of the CLI does not need it)."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's banner off
    config = load_mkdocs_config(args.config, **overrides)
    options = {
        "skip_invalid": True if getattr(args, "skip_invalid", False) else None,
        "log_previous": getattr(args, "log_previous", None) or None,
    }
    for name, value in options.items():
        if value is not None:
            plugin = config.plugins.get("credpages")
            if plugin is None:
                raise CredpagesError("the credpages plugin is not in plugins:", file=args.config)
            plugin.config[name] = value
    return config


def _remove_previous_build(site_dir: Path) -> None:
    """Delete an earlier build, but never a folder that does not look like one."""
    if any(site_dir.iterdir()) and not any(
        (site_dir / name).exists() for name in ("sitemap.xml", "404.html", "did.json")
    ):
        raise CredpagesError(
            "is not empty and does not look like a built site; refusing to delete it "
            "(choose another --site-dir or empty it yourself)",
            file=display_path(site_dir),
        )
    shutil.rmtree(site_dir)


def _same_site(a: str, b: str) -> bool:
    def norm(url: str) -> str:
        parts = urlsplit(url.strip())
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"

    return norm(a) == norm(b)


def _check_publishing_url(settings: Settings, expect_url: str) -> None:
    """Refuse to publish where the credentials cannot verify (only warn for the demo site)."""
    problems = []
    if not _same_site(expect_url, settings.site_url):
        problems.append(
            f"this site is being published at {expect_url or '(no address)'}, but site_url in "
            f"mkdocs.yml is {settings.site_url}: every credential is signed for the issuer "
            f"{settings.did}, whose did.json would not be there, so no credential would verify. "
            "Set site_url to the address the site is published at (before awarding anything: "
            "credentials signed for another site_url must be reissued), or publish at site_url "
            "(for a custom domain, set `cname` and site_url to it)"
        )
    cname = settings.cname
    host = urlsplit(settings.site_url).hostname or ""
    if cname and cname.lower() != host:
        problems.append(
            f"cname is {cname!r} but site_url's host is {host!r}: the issuer's DID "
            f"follows site_url, so set site_url to https://{cname}/"
        )
    for problem in problems:
        if not settings.demo:
            raise CredpagesError(problem, field="site_url")
        say(f"credpages: warning: {problem} (allowed because demo: true)", err=True)
        annotate("warning", problem, title="site_url does not match the published address")
        write_summary(f"### Warning (demo site)\n\n{code_block(problem)}")


class _Collect(logging.Handler):
    """Keeps what MkDocs and the plugin log during a build, for the end of the run and the job
    summary; prints warnings as they come (errors are printed once, when the build stops)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().removeprefix("credpages: ")
        if record.levelno >= logging.ERROR:
            self.errors.append(message)
            return
        say(f"credpages: warning: {message}", err=True)
        if record.name.startswith("mkdocs.plugins.credpages"):
            self.warnings.append(message)


def cmd_build(args: argparse.Namespace) -> int:
    """``mkdocs build`` with a clean site folder; in Actions, failures go to the job summary."""
    logged = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(logged)
    try:
        result = _build(args, logged)
    except CredpagesError as exc:
        details = "\n".join(logged.errors) or str(exc)
        write_summary("### credpages build failed\n\n" + code_block(details))
        raise
    finally:
        logger.removeHandler(logged)
    if logged.warnings:
        write_summary("### credpages build: warnings\n\n" + code_block("\n".join(logged.warnings)))
    return result


def _build(args: argparse.Namespace, logged: _Collect) -> int:
    if args.expect_url is not None:
        _check_publishing_url(load_settings(args.config), args.expect_url)
    return _build_site(args, logged)


def _build_site(args: argparse.Namespace, logged: _Collect) -> int:
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException

    config = _mkdocs_config(args)
    if args.site_dir:
        config["site_dir"] = str(Path(args.site_dir).resolve())
    site_dir = Path(config["site_dir"])
    if site_dir.is_dir():  # MkDocs keeps top-level dot folders; a stale .well-known must go
        _remove_previous_build(site_dir)
    try:
        build(config)
    except (Abort, MkDocsException) as exc:
        # Every reason MkDocs and the plugin logged (file:line: field: what to do), one per line,
        # then the last line (the plugin's count) as the error; MkDocs' "Aborted" adds nothing.
        lines = "\n".join(logged.errors).splitlines() or [f"the site build failed: {exc}"]
        for line in lines[:-1]:
            say(line, err=True)
        raise CredpagesError(lines[-1]) from exc
    finally:
        config.plugins.on_shutdown()
    say(f"site written to {display_path(site_dir)}", err=True)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Preview the site as it will be published: real site_url, served from this machine."""
    from .preview_server import serve_preview

    host, port = None, args.port
    if args.dev_addr:
        host, _, port_text = args.dev_addr.rpartition(":")
        if not host or not port_text.isdigit():
            raise CredpagesError(f"{args.dev_addr!r} must be HOST:PORT", field="--dev-addr")
        host = host.strip("[]")
        port = int(port_text) if args.port is None else args.port

    def announce(site_url: str, origin: str) -> None:
        print(
            f"Previewing {site_url} at {origin} (Ctrl+C to stop). Pages are verified against "
            "this preview; rebuilt when a file changes.",
            flush=True,
        )

    serve_preview(
        host=host,
        port=port,
        load=lambda site_dir: _mkdocs_config(args, site_dir=site_dir),
        announce=announce,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="credpages",
        description="Issue, sign, verify and revoke Open Badges 3.0 credentials kept in git.",
    )
    parser.add_argument("--version", action="version", version=f"credpages {__version__}")
    parser.add_argument("--config", default="mkdocs.yml", help="the site's mkdocs.yml")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def key_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--key-file",
            help=f"secret key file (default: $CREDPAGES_SIGNING_KEY, else {default_secret_path()})",
        )

    p = sub.add_parser("keygen", help="make a new Ed25519 signing key pair")
    p.add_argument("--out", help=f"where to store the secret key (default {default_secret_path()})")
    p.add_argument("--stdout", action="store_true", help="print the secret key (for a CI secret)")
    p.add_argument("--force", action="store_true", help="replace an existing key file")
    p.set_defaults(func=cmd_keygen)

    p = sub.add_parser("issue", help="award an achievement to one recipient or a CSV of them")
    p.add_argument("--achievement", help="achievement id (credentials/achievements/ID.yaml)")
    p.add_argument("--name", help="recipient's name as it should appear")
    p.add_argument("--email", help="recipient's e-mail (stored only as a salted hash)")
    p.add_argument("--issued", help="issue date, e.g. 2026-11-28 (default: now)")
    p.add_argument("--expires", help="expiry date (default: the achievement's validity, if any)")
    p.add_argument("--evidence-url", dest="evidence_url", help="link to the recipient's work")
    p.add_argument("--result", help="a result, e.g. a grade")
    p.add_argument(
        "--csv",
        help="CSV with columns name,email and optional achievement,issued,"
        "expires,evidence_url,evidence_name,evidence_narrative,result,narrative",
    )
    p.add_argument("--out", help="write the mail-merge CSV here instead of stdout")
    p.add_argument(
        "--force", action="store_true", help="let --out replace a file of the site's docs"
    )
    p.add_argument(
        "--allow-duplicate",
        action="store_true",
        help="award again to recipients who already hold the achievement",
    )
    p.add_argument(
        "--no-pathways",
        action="store_true",
        help="do not award the pathways these recipients complete (see `credpages pathways`)",
    )
    key_option(p)
    p.set_defaults(func=cmd_issue)

    p = sub.add_parser(
        "pathways", help="report what each learner in a CSV holds and misses of each pathway"
    )
    p.add_argument("--csv", required=True, help="CSV with name and email columns")
    p.add_argument("--out", help="write the report CSV here instead of stdout")
    p.add_argument(
        "--force", action="store_true", help="let --out replace a file of the site's docs"
    )
    p.set_defaults(func=cmd_pathways)

    p = sub.add_parser("sign", help="turn authoring YAML files into signed credentials in place")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument(
        "--unsigned",
        action="store_true",
        help="sign every unsigned file under credentials/ (exit 0 when there is none)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="with --unsigned: check and list the files, sign nothing (needs no key)",
    )
    p.add_argument("--allow-duplicate", action="store_true")
    key_option(p)
    p.set_defaults(func=cmd_sign)

    p = sub.add_parser(
        "verify",
        help="check credentials: YAML, credential.json or baked PNG/SVG badges "
        "(default: all under credentials/)",
    )
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("-v", "--verbose", action="store_true", help="also list the ones that pass")
    p.add_argument(
        "--allow-unsigned",
        action="store_true",
        help="accept valid unsigned authoring files (the Pages workflow signs them on main)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="also fail on revoked, superseded, expired and not-yet-valid credentials",
    )
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("revoke", help="revoke a credential (final) and re-sign the status list")
    p.add_argument("credential", metavar="ID", help="page URL, slug or file")
    p.add_argument("--reason", required=True, help="shown on the credential's page")
    key_option(p)
    p.set_defaults(func=cmd_revoke)

    p = sub.add_parser(
        "status-check",
        help="fail if a revocation was undone (the ledger vs the signed list, and a previous list)",
    )
    p.add_argument(
        "--previous",
        metavar="FILE",
        help="an earlier signed list to compare with: the base branch's revocation-list.yaml "
        "(`git show`) or the deployed status/revocation.json",
    )
    p.add_argument(
        "--previous-name", metavar="TEXT", help="how messages call it (default: the file name)"
    )
    p.set_defaults(func=cmd_status_check)

    p = sub.add_parser("reissue", help="replace a credential with a corrected new one")
    p.add_argument("credential", metavar="ID", help="page URL, slug or file")
    p.add_argument("--name", help="corrected recipient name")
    p.add_argument("--reason", help="why (default: replaced by a corrected credential)")
    key_option(p)
    p.set_defaults(func=cmd_reissue)

    p = sub.add_parser(
        "rotate-key", help="add a new key to the keyring (old credentials still verify)"
    )
    p.add_argument("--public-key", help="add this existing public key instead of making one")
    p.add_argument("--out", help="where to store the new secret key")
    p.add_argument("--stdout", action="store_true", help="print the new secret key instead")
    p.set_defaults(func=cmd_rotate_key)

    p = sub.add_parser(
        "retire-key", help="mark a key retired (what it signed must then be re-signed)"
    )
    p.add_argument("key_id", metavar="KEY_ID", help="the keyring id, e.g. key-1")
    p.set_defaults(func=cmd_retire_key)

    p = sub.add_parser(
        "resign", help="re-sign credentials signed by a retired key (same ids and pages)"
    )
    p.add_argument(
        "files", nargs="*", metavar="FILE", help="default: every one signed by an old key"
    )
    p.add_argument("--dry-run", action="store_true", help="list what would be re-signed")
    key_option(p)
    p.set_defaults(func=cmd_resign)

    p = sub.add_parser("bake", help="bake a credential into its badge image (Open Badges 3.0)")
    p.add_argument("credential", metavar="CREDENTIAL", help="page URL, slug or file")
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.png or FILE.svg to write")
    p.add_argument("--image", help="PNG or SVG to bake into (default: the achievement's image)")
    p.add_argument(
        "--force", action="store_true", help="let --out replace a file of the site's docs"
    )
    p.set_defaults(func=cmd_bake)

    p = sub.add_parser("build", help="verify every credential and build the site (mkdocs build)")
    p.add_argument("--site-dir", help="output folder (default: site_dir of mkdocs.yml)")
    p.add_argument(
        "--expect-url",
        metavar="URL",
        help="fail unless site_url is this URL, where the site will be published (the "
        "GitHub Pages workflow passes the Pages address; only a warning when demo: true)",
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="leave out credentials that fail verification instead of failing",
    )
    p.add_argument(
        "--log-previous",
        metavar="URL_OR_FOLDER",
        help="fail unless the issuance log extends the one this site (usually the live site) "
        "publishes; the Pages workflow passes the deployed address",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("log", help="the issuance log: start or complete it, audit a site's log")
    log_sub = p.add_subparsers(dest="log_command", required=True, metavar="ACTION")
    lp = log_sub.add_parser("sync", help="start the log or append unlogged credentials, and sign")
    key_option(lp)
    lp.set_defaults(func=cmd_log_sync)
    lp = log_sub.add_parser("audit", help="check a deployed site's or a built folder's log")
    lp.add_argument("source", metavar="URL_OR_FOLDER", help="the site's address or a built site")
    lp.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="a checkpoint saved earlier (or a saved copy of the site): the log must extend it",
    )
    lp.add_argument("--save", metavar="FILE", help="save the verified checkpoint to FILE")
    lp.set_defaults(func=cmd_log_audit)

    p = sub.add_parser(
        "serve", help="preview the site as published at site_url, rebuilding on changes"
    )
    p.add_argument("--port", type=int, help="port to serve on (0: any free port)")
    p.add_argument(
        "--dev-addr",
        default=None,
        help="HOST:PORT (default: dev_addr of mkdocs.yml, 127.0.0.1:8000)",
    )
    p.add_argument("--skip-invalid", action="store_true")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("init", help="make a new issuer's site (mkdocs.yml, key, workflows) in DIR")
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="default: this folder")
    for q in QUESTIONS:
        p.add_argument(q.flag, dest=q.name, help=q.prompt)
    p.add_argument(
        "--credpages-spec",
        metavar="REQUIREMENT",
        help="the pinned credpages the site installs (default: the git commit this credpages "
        f"was installed from, else credpages=={__version__}; "
        "or e.g. 'credpages @ git+https://github.com/OWNER/credpages@v1.2.3')",
    )
    p.add_argument(
        "--key-file", help=f"where to store the new secret key (default {default_secret_path()})"
    )
    p.add_argument(
        "--key-stdout", action="store_true", help="print the new secret key instead of storing it"
    )
    p.add_argument(
        "--print-lock",
        action="store_true",
        help="only print this version's requirements.lock (to upgrade a site: see the guide)",
    )
    p.set_defaults(func=cmd_init)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except CredpagesError as exc:
        say(f"credpages: error: {exc}", err=True)
        return EXIT_FAIL
    except KeyboardInterrupt:
        say("credpages: interrupted; every file written so far is complete", err=True)
        return 130
    except OSError as exc:
        say(f"credpages: error: {exc.filename or ''}: {exc.strerror or exc}", err=True)
        return EXIT_FAIL
    except Exception as exc:  # a bug: still one line, unless debugging
        if os.environ.get("CREDPAGES_DEBUG"):
            raise
        say(
            f"credpages: internal error: {type(exc).__name__}: {exc} "
            "(set CREDPAGES_DEBUG=1 for details)",
            err=True,
        )
        return EXIT_USAGE + 1


if __name__ == "__main__":
    sys.exit(main())
