"""What the CLI tells a GitHub Actions run: the job summary and annotations.

Everything here is a no-op outside Actions (``GITHUB_STEP_SUMMARY`` / ``GITHUB_ACTIONS`` unset).
Text that reaches the summary may come from credential files, so it is escaped: table cells lose
their Markdown and HTML meaning, and code blocks use a fence longer than any backtick run inside.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from urllib.parse import quote

SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+!|~&])")


def write_summary(markdown: str) -> None:
    """Append ``markdown`` to the job summary, if this runs in a GitHub Actions step."""
    target = os.environ.get(SUMMARY_ENV, "").strip()
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as out:
            out.write(markdown.rstrip("\n") + "\n\n")
    except OSError as exc:  # the summary is a courtesy: never fail the command over it
        print(f"credpages: warning: cannot write the job summary: {exc}", file=sys.stderr)


def code_block(text: str) -> str:
    """``text`` verbatim in a fenced block that nothing inside can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def cell(text: str) -> str:
    """Plain text for one Markdown table cell (no markup, links, HTML or line breaks)."""
    flat = " ".join(str(text).split())
    return _MARKDOWN.sub(r"\\\1", flat)


def url_cell(url: str) -> str:
    """A URL for a table cell: characters that could break out of the cell are percent-encoded."""
    return quote(url, safe=":/?#@!$&'()*+,;=%-._~")


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(cell(h) for h in header) + " |"]
    lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def annotate(level: str, message: str, *, title: str = "credpages") -> None:
    """A ``::warning::`` / ``::error::`` annotation in Actions (escaped: one line, no commands)."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return

    def esc(value: str, *, prop: bool = False) -> str:
        value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return value.replace(":", "%3A").replace(",", "%2C") if prop else value

    print(f"::{level} title={esc(title, prop=True)}::{esc(message)}", flush=True)
