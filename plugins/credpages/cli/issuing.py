"""Issuing commands: ``issue`` (one recipient or a CSV, then the pathways they complete),
``sign`` (authoring files in place, then the pathways they complete) and ``reissue``."""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..config import Settings
from ..credential.model import Recipient
from ..errors import CredpagesError
from ..issuer.award_request import Outcome, make_request
from ..issuer.batch_csv import outcomes_csv, read_csv_rows
from ..issuer.issuing import Issuer, Pending, unsigned_files
from ..issuer.pathways import Catalog, award_learners, award_pathways
from ..issuer.repository import AchievementDef, display_path, find_credential
from .args import check_out, issuer_of, settings_of, signer_of
from .console import say, summarize_pages, write_report


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
    settings = settings_of(args)
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
        signer_of(args, settings),
        rng=secrets.randbelow,
        keep_written=bool(catalog and catalog.order),
    )
    progress = _progress(len(requests)) if len(requests) > 1 else None
    outcomes = issuer.issue_all(requests, allow_duplicate=args.allow_duplicate, progress=progress)
    pathways = award_pathways(issuer, requests, outcomes, catalog)[0] if catalog else []
    outcomes += pathways
    report = outcomes_csv(outcomes)
    write_report(out, report)
    issued = sum(o.status == "issued" for o in outcomes)
    summarize_pages("Awarded", outcomes)
    skipped = len(outcomes) - issued - len(pathways)
    note = f", {skipped} already held it (use --allow-duplicate to award again)" if skipped else ""
    if pathways:
        note += f"; {len(pathways)} pathway credential(s) awarded too (their parts are complete)"
    say(f"issued {issued} credential(s){note}", err=True)
    return 0


def _sign_unsigned(args: argparse.Namespace) -> int:
    """Sign every unsigned file under credentials/, after checking them all (no key needed)."""
    settings = settings_of(args)
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
    catalog = _catalog(args, settings)
    issuer.signer = signer_of(args, settings)
    outcomes = _commit_all(issuer, planned)
    outcomes += _award(issuer, outcomes, catalog)
    summarize_pages("Signed", outcomes)
    return 0


def _catalog(args: argparse.Namespace, settings: Settings) -> Catalog | None:
    """The pathways to award, loaded before any write (a broken one stops the run)."""
    catalog = None if args.no_pathways else Catalog.load(settings)
    for broken in catalog.skipped if catalog else []:
        say(f"credpages: warning: {broken} (left out of pathways; the build reports it)", err=True)
    return catalog


def _award(issuer: Issuer, outcomes: list[Outcome], catalog: Catalog | None) -> list[Outcome]:
    """``sign`` awards pathways as ``issue`` does: the learners are those of the signed
    authoring files (a full unsigned credential names no e-mail: it counts for no one here)."""
    learners = [Recipient(o.name, o.email) for o in outcomes if o.email]
    pathways = award_learners(issuer, learners, outcomes, catalog)[0] if catalog else []
    for outcome in pathways:
        say(f"{display_path(outcome.path or Path())}: pathway awarded, page {outcome.url}")
    if pathways:
        say(
            f"{len(pathways)} pathway credential(s) awarded too (their parts are complete)",
            err=True,
        )
    return pathways


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
    issuer = issuer_of(args)
    planned, problems = issuer.plan_files(
        [Path(name) for name in args.files], allow_duplicate=args.allow_duplicate
    )
    if len(problems) == 1 and len(args.files) == 1:
        raise problems[0]
    for problem in problems:
        say(problem, err=True)
    if problems:
        raise CredpagesError(f"{len(problems)} file(s) cannot be signed; nothing was signed")
    catalog = _catalog(args, issuer.settings)
    _award(issuer, _commit_all(issuer, planned), catalog)
    return 0


def cmd_reissue(args: argparse.Namespace) -> int:
    issuer = issuer_of(args)
    path, doc = find_credential(issuer.settings, args.credential)
    outcome = issuer.reissue(doc, name=args.name, reason=args.reason)
    say(f"{display_path(path)}: superseded by {outcome.url} ({display_path(outcome.path or path)})")
    return 0
