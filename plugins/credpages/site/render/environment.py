"""The Jinja environment for credpages' own pages: strict, autoescaped, with the safety filters.

Templates are looked up in the issuer's override folders first, then in the built-in folder, so an
issuer can replace one template (or just ``_base.html``) without copying the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2

from ... import i18n
from ...bundled import TEMPLATE_DIR
from .safety import json_script, safe_url

#: The built-in templates, shipped in the package (see ``credpages.bundled``).
DEFAULT_TEMPLATE_DIR = TEMPLATE_DIR


def format_date(iso: object, lang: str = "en") -> str:
    """``"2026-11-28T00:00:00Z"`` → ``"28 November 2026"`` in ``lang`` (see ``credpages.i18n``)."""
    return i18n.format_date(iso, lang)


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    """The i18n extension's ``_``/``gettext``: the catalog of the page's ``lang``."""
    return i18n.translations(str(context.get("lang", "en"))).gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    return i18n.translations(str(context.get("lang", "en"))).ngettext(singular, plural, n)


@jinja2.pass_context
def _date_filter(context: jinja2.runtime.Context, iso: object) -> str:
    return i18n.format_date(iso, str(context.get("lang", "en")))


@jinja2.pass_context
def _number_filter(context: jinja2.runtime.Context, n: int) -> str:
    return i18n.format_number(n, str(context.get("lang", "en")))


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
        extensions=["jinja2.ext.i18n"],
    )
    # One environment for every language: the gettext callables read the page's ``lang``
    # (``{% trans %}`` blocks with named placeholders, escaped by the new-style gettext).
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True
    )
    env.filters["safe_url"] = safe_url
    env.filters["json_script"] = json_script
    env.filters["format_date"] = _date_filter
    env.filters["number"] = _number_filter
    return env
