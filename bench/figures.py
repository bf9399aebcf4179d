"""Issue 16's figures as rows that one run of ``bench/build.py`` gathers into a single table.

Each bench prints its own detail as it goes; a figure that has a target is also recorded as a
:class:`Figure`. Run with ``--figures FILE``, ``bench/issue.py``, ``bench/budgets.py`` and
``bench/verify_browser.py`` write theirs to ``FILE`` (JSON), which ``bench/build.py`` reads
after running each of them in a process of its own, so that the table beside the targets comes
from one run, with whether each target was met decided from the measured number (never typed in).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Figure:
    """One measured figure: what it is, credpages' value, the baseline's, their ratio, the
    target, whether the target was met (None: no target), and the load average it ran at."""

    what: str
    ours: str
    base: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None
    load: str = ""


def save(path: Path, figures: list[Figure]) -> None:
    """Write ``figures`` to ``path`` as JSON (temp file + rename: a reader never sees half)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps([asdict(f) for f in figures], ensure_ascii=False, indent=1))
    tmp.replace(path)


def load(path: Path) -> list[Figure]:
    """The figures a bench saved with :func:`save`."""
    return [Figure(**row) for row in json.loads(path.read_text("utf-8"))]


def verdict(met: bool | None) -> str:
    return "" if met is None else "met" if met else "**missed**"


def table(figures: list[Figure]) -> str:
    """A Markdown table of ``figures``, then a line counting the targets met and naming the rest."""
    lines = [
        "| figure | credpages | baseline | ratio | target | | load (1 min) |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        cells = (f.what, f.ours, f.base, f.ratio, f.target, verdict(f.met), f.load)
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    judged = [f for f in figures if f.met is not None]
    missed = [f.what for f in judged if not f.met]
    lines.append("")
    lines.append(
        f"{len(judged) - len(missed)} of {len(judged)} targets met"
        + (f"; missed: {'; '.join(missed)}" if missed else "")
    )
    return "\n".join(lines)
