"""``credpages pathways --csv FILE``: where each learner stands on each pathway (reads only).

One CSV row per learner and pathway: what they hold of it, what they miss, and the pathway
credential they hold, if any. Needs no key: nothing is signed or written.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from ..config import load_settings
from ..credential.model import check_recipient
from ..errors import CredpagesError
from ..fsio import atomic_write
from ..issuer.issuing import Holdings, csv_safe, read_csv_rows
from ..issuer.pathways import Catalog, Standing, standings

HEADER = ["name", "email", "pathway", "status", "holds", "misses", "credential"]


def report_csv(rows: list[Standing]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
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


def cmd_pathways(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    catalog = Catalog.load(settings)
    if not catalog.order:
        raise CredpagesError(
            "no achievement is a pathway yet: add `requires:` to one (see the guide's Pathways "
            "page)",
            file=settings.achievements_dir,
        )
    learners = []
    for n, row in read_csv_rows(Path(args.csv)):
        try:
            learners.append(check_recipient(row.get("name"), row.get("email")))
        except CredpagesError as exc:
            raise CredpagesError(exc.message, file=args.csv, line=n, field=exc.field) from exc
    found = standings(settings, catalog, Holdings.scan(settings), learners)
    report = report_csv(found)
    if args.out:
        atomic_write(args.out, report)
    else:
        sys.stdout.write(report)
    done = sum(s.status == "held" for s in found)
    ready = sum(s.status == "ready" for s in found)
    note = (
        f"; {ready} complete but not awarded yet: run `credpages issue` for them" if ready else ""
    )
    print(
        f"{len(learners)} learner(s), {len(catalog.order)} pathway(s): {done} held{note}",
        file=sys.stderr,
    )
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "pathways", help="report what each learner in a CSV holds and misses of each pathway"
    )
    p.add_argument("--csv", required=True, help="CSV with name and email columns")
    p.add_argument("--out", help="write the report CSV here instead of stdout")
    p.set_defaults(func=cmd_pathways)
