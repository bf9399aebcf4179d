"""The CSV files of a batch: the recipients read in (UTF-8, delimiter `,` `;` or tab, each
row with its line for messages) and the mail-merge report written out (formulas defused)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from ..errors import CredpagesError
from .award_request import Outcome

MAX_CSV_BYTES = 20 * 1024 * 1024
_LINE_BREAK = re.compile("\r\n|\r|\n")  # how csv counts lines (line_num) inside quoted cells


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
    """Rows of a batch file, each with the line it starts on for messages; a BOM, blank lines
    (skipped) and surrounding spaces in headers are tolerated."""
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
