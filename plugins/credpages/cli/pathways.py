"""``credpages pathways``: where each learner of a CSV stands on each pathway (reads only)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..credential.model import check_recipient
from ..errors import CredpagesError
from ..issuer.issuing import (
    Holdings,
    read_csv_rows,
)
from ..issuer.pathways import Catalog, standings, standings_csv
from ..issuer.repository import display_path
from .args import check_out, settings_of
from .console import say, write_report


def cmd_pathways(args: argparse.Namespace) -> int:
    """Where each learner of a CSV stands on each pathway; reads only (no key, no writes)."""
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
