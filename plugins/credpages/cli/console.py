"""What the command line prints: every line through :func:`say` (workflow commands
neutralised), CSV reports, job-summary tables, exit statuses."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

from ..fsio import atomic_write
from ..issuer.award_request import Outcome
from .github_actions import cell, table, url_cell, write_summary

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


def write_report(out: Path | None, text: str) -> None:
    """A command's CSV report: to ``--out`` (checked by :func:`check_out`), else stdout."""
    if out is not None:
        atomic_write(out, text)
    else:
        say(text, end="")


def summarize_pages(title: str, outcomes: Sequence[Outcome]) -> None:
    """Page links for the job summary in GitHub Actions: names and URLs, never an e-mail."""
    rows = [
        [cell(o.name), url_cell(o.url), f"[add to LinkedIn]({url_cell(o.linkedin)})", o.status]
        for o in outcomes
    ]
    if rows:
        header = ["recipient", "page", "LinkedIn", "status"]
        write_summary(f"### {title}: {len(rows)} credential(s)\n\n" + table(header, rows))
