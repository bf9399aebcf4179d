"""``credpages pathways``: where each learner of a CSV stands on each pathway (reads only), and
``--clr``: sign the missing or outdated CLRs of pathway credentials."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..credential.model import check_recipient
from ..errors import CredpagesError
from ..issuer.batch_csv import read_csv_rows
from ..issuer.clr_files import remake_clrs, stale_clrs
from ..issuer.holdings import Holdings
from ..issuer.pathways import Catalog, standings, standings_csv
from ..issuer.repository import display_path
from .args import check_out, settings_of, signer_of
from .console import say, write_report


def cmd_pathways(args: argparse.Namespace) -> int:
    """Where each learner of a CSV stands on each pathway; reads only (no key, no writes).
    With ``--clr``: sign the CLR of each pathway credential that has none or an outdated one."""
    if args.clr:
        if args.csv or args.out:
            raise CredpagesError("--clr signs learner records; report with --csv separately")
        return _remake_clrs(args)
    if not args.csv:
        raise CredpagesError("give --csv FILE (columns name,email), or --clr")
    settings = settings_of(args)
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
    write_report(out, report)
    held = sum(s.status == "held" for s in found)
    ready = sum(s.status == "ready" for s in found)
    note = f"; {ready} complete, not awarded yet: `credpages issue` awards them" if ready else ""
    say(f"{len(learners)} learner(s), {len(catalog.order)} pathway(s): {held} held{note}", err=True)
    return 0


def _remake_clrs(args: argparse.Namespace) -> int:
    """Needs the key only when there is something to sign."""
    settings = settings_of(args)
    stale = stale_clrs(settings)
    if not stale:
        say("every pathway credential has an up-to-date CLR", err=True)
        return 0
    signer = signer_of(args, settings)
    for path in remake_clrs(settings, signer, stale):
        say(f"{display_path(path)}: CLR signed")
    say(f"{len(stale)} CLR(s) signed: commit them with the credentials", err=True)
    return 0
