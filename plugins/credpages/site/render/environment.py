"""The Jinja environment for credpages' own pages: strict, autoescaped, with the safety filters.

Templates are looked up in the issuer's override folders first, then in the built-in folder, so an
issuer can replace one template (or just ``_base.html``) without copying the rest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import jinja2

from ...bundled import TEMPLATE_DIR
from .safety import json_script, safe_url

#: The built-in templates, shipped in the package (see ``credpages.bundled``).
DEFAULT_TEMPLATE_DIR = TEMPLATE_DIR

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DATE = re.compile(r"(\d{4,})-(\d{2})-(\d{2})")


def format_date(iso: object) -> str:
    """``"2026-11-28T00:00:00Z"`` → ``"28 November 2026"``, read from the string as written.

    No time-zone conversion: the page shows the calendar date the issuer wrote, the same one the
    ``<time datetime>`` attribute carries. Anything unparseable is returned unchanged.
    """
    if not isinstance(iso, str):
        return ""
    match = _DATE.match(iso)
    if match is None:
        return iso
    year, month, day = match.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return iso
    return f"{int(day)} {MONTHS[int(month) - 1]} {int(year)}"


def make_environment(
    template_dirs: Sequence[Path] = (), *, include_default: bool = True
) -> jinja2.Environment:
    """An environment searching ``template_dirs`` in order, then the built-in templates.

    Autoescaping is on for every template (the only non-HTML one is XML), undefined variables are
    errors rather than empty strings, and templates are compiled once (no reload checks: a build
    renders thousands of pages from unchanging templates).
    """
    dirs = [Path(d) for d in template_dirs]
    if include_default and DEFAULT_TEMPLATE_DIR.is_dir() and DEFAULT_TEMPLATE_DIR not in dirs:
        dirs.append(DEFAULT_TEMPLATE_DIR)
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in dirs])
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=-1,
    )
    env.filters["safe_url"] = safe_url
    env.filters["json_script"] = json_script
    env.filters["format_date"] = format_date
    return env
