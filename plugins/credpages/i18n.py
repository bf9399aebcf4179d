"""The languages credpages speaks: message catalogs, text direction, dates in the reader's language.

One catalog per language, ``locales/<catalog>/LC_MESSAGES/credpages.po`` (plain gettext PO, made
from ``locales/credpages.pot`` by ``scripts/catalogs.py``), holds every interface string of the
templates, the browser modules and the Python code. Catalogs are compiled in memory the first
time a language is used, so no ``.mo`` file and no build step exist (a wheel and an editable
install behave alike). Adding a language is adding one ``.po`` file: the folder's presence ships it.

English is the source language: its msgids are the English text, so English needs no lookup and
no strings file for the browser. Placeholders are named: ``%(name)s`` in templates and Python,
``{name}`` in JavaScript.
"""

from __future__ import annotations

import datetime as _dt
import gettext as _gettext
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date as _babel_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "credpages"
SOURCE = "en"
#: Dates of the English interface keep day-month-year ("15 September 2026"), as credpages always
#: wrote them; other languages use their own CLDR locale.
_CLDR = {"en": "en_GB"}
_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_DATE = re.compile(r"(\d{4,})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Language:
    """A shipped interface language: ``tag`` for ``<html lang>`` (BCP 47), ``catalog`` its folder
    under ``locales/``, ``cldr`` the Babel locale for dates/numbers, ``dir`` the text direction."""

    tag: str
    catalog: str
    cldr: str

    @property
    def dir(self) -> str:
        return _direction(self.cldr)


@cache
def _direction(cldr: str) -> str:
    """CLDR's character order, asked only for a language a page uses: loading a locale's data
    costs ~20 ms, and a build needs one or two of the shipped languages, not all."""
    if cldr == _CLDR[SOURCE]:
        return "ltr"  # English: no locale data to load for what every English page asks
    return "rtl" if Locale.parse(cldr).character_order == "right-to-left" else "ltr"


def _language(catalog: str) -> Language:
    return Language(catalog.replace("_", "-"), catalog, _CLDR.get(catalog, catalog))


@lru_cache(maxsize=1)
def shipped() -> dict[str, Language]:
    """Every language with a catalog in the package (English always), by lower-case tag."""
    found = {SOURCE}
    if LOCALES_DIR.is_dir():
        found |= {p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return {lang.tag.lower(): lang for lang in map(_language, sorted(found))}


def find_language(value: object) -> Language | None:
    """The shipped language for a tag as people write it (``fr``, ``fr-CA``, ``pt_BR``, ``zh``,
    ``zh-CN``), or None. Exact tag first, then the same language with the region or script the
    catalog has (``zh`` → ``zh-Hans``, ``pt`` → ``pt-BR``)."""
    if not isinstance(value, str) or not _TAG.match(value.replace("_", "-")):
        return None
    tag = value.replace("_", "-").lower()
    languages = shipped()
    if tag in languages:
        return languages[tag]
    primary = tag.split("-")[0]
    same = [lang for key, lang in languages.items() if key.split("-")[0] == primary]
    script = _script(tag)  # zh-TW is written in Traditional characters: not zh-Hans
    same = [lang for lang in same if _script(lang.catalog) in (None, script)]
    return same[0] if same else None


def _script(tag: str) -> str | None:
    """The script a tag is written in, given or likely (CLDR): ``zh-TW`` → ``Hant``."""
    try:
        parsed = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    if parsed.script:
        return parsed.script
    likely = get_global("likely_subtags")
    key = f"{parsed.language}_{parsed.territory}" if parsed.territory else parsed.language
    full = likely.get(key) or likely.get(parsed.language) or ""
    parts = full.split("_")
    return parts[1] if len(parts) > 2 else None


def language(value: object) -> Language:
    """:func:`find_language`, or English (callers warn: see :func:`unknown_language`)."""
    return find_language(value) or shipped()[SOURCE]


def unknown_language(value: object, where: str) -> str | None:
    """The build warning for a language credpages has no catalog for, else None."""
    if value is None or value == "" or find_language(value) is not None:
        return None
    names = ", ".join(sorted(lang.tag for lang in shipped().values()))
    return (
        f"{where}: credpages has no catalog for the language {value!r}, so these pages are in "
        f"English. Shipped: {names}. To add one, see the guide's 'Languages' page."
    )


@cache
def translations(tag: str) -> _gettext.NullTranslations:
    """The compiled catalog of a shipped language (English: the identity)."""
    lang = language(tag)
    if lang.catalog == SOURCE:
        return _gettext.NullTranslations()
    path = LOCALES_DIR / lang.catalog / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang.cldr)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(tag: str, message: str, **params: object) -> str:
    """``message`` in the language ``tag``, its ``%(name)s`` placeholders filled from ``params``."""
    text = translations(tag).gettext(message)
    return text % params if params else text


def translator(tag: str) -> Callable[..., str]:
    """``_ = translator(tag)``, then ``_("Awarded to %(name)s", name=n)``: the name Babel's
    extractor looks for in Python code."""
    return partial(gettext, tag)


def ngettext(tag: str, singular: str, plural: str, n: int, **params: object) -> str:
    """The singular or plural form for ``n`` (``n`` is also the placeholder ``%(num)s``)."""
    text = translations(tag).ngettext(singular, plural, n)
    return text % {"num": format_number(n, tag), **params}


def format_date(iso: object, tag: str = SOURCE) -> str:
    """``"2026-11-28T00:00:00Z"`` → ``"28 November 2026"`` / ``"28 novembre 2026"`` (CLDR long).

    Read from the string as written, no time-zone conversion: the page shows the calendar date
    the issuer wrote, the same one ``<time datetime>`` carries. Unparseable values come back as
    they are.
    """
    if not isinstance(iso, str):
        return ""
    match = _DATE.match(iso)
    if match is None:
        return iso
    try:
        day = _dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return iso
    return _babel_date(day, format="long", locale=language(tag).cldr)


def format_month(year: int, month: int, tag: str = SOURCE) -> str:
    """``"November 2026"`` in the language ``tag`` (CLDR's stand-alone year-month)."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", _dt.date(year, month, 1), locale=language(tag).cldr)


def format_number(n: int, tag: str = SOURCE) -> str:
    """``12345`` → ``"12,345"`` / ``"12 345"`` (CLDR grouping of the language)."""
    return format_decimal(n, locale=language(tag).cldr)


def script_messages(tag: str) -> dict[str, str]:
    """The translated messages of the browser modules (those whose source is a ``.js`` file)."""
    lang = language(tag)
    if lang.catalog == SOURCE:
        return {}
    path = LOCALES_DIR / lang.catalog / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang.cldr)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id
        and isinstance(m.id, str)
        and m.string
        and not m.fuzzy
        and any(loc.endswith(".js") for loc, _line in m.locations)
    }


def message_key(message: str) -> str:
    """The key of a message in a strings file: FNV-1a (32 bits) over its UTF-16 code units, in
    base 36, as ``i18n.js`` computes it. Keys instead of the English text halve the file."""
    h = 0x811C9DC5
    data = message.encode("utf-16-le")
    for i in range(0, len(data), 2):
        h = ((h ^ int.from_bytes(data[i : i + 2], "little")) * 0x01000193) & 0xFFFFFFFF
    return _base36(h)


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def strings_module(tag: str) -> str:
    """``assets/credpages/strings/<tag>.js``: one small ES module per language, shared (and cached)
    by every page, so no page carries its strings inline. ``$locale`` is the CLDR locale for
    ``Intl`` dates, ``$dates`` the long date of each month as the pages write it
    (:func:`date_templates`); the rest maps :func:`message_key` of each English message to its
    translation.
    Two messages with one key would be a wrong translation: refused."""
    lang = language(tag)
    table: dict[str, str | list[str]] = {"$locale": lang.cldr.replace("_", "-")}
    dates = date_templates(tag)
    if dates is not None:
        table["$dates"] = dates
    for message, text in script_messages(tag).items():
        key = message_key(message)
        if key in table:
            raise ValueError(f"two browser messages share the key {key}: {message!r}")
        table[key] = text
    body = json.dumps(table, ensure_ascii=False, separators=(",", ":"))
    return f"export default {body};\n"


def date_templates(tag: str) -> list[str] | None:
    """The long date of each month in the language ``tag``, day and year as ``{d}`` and ``{y}``:
    ``"{d} janvier {y}"``. ``i18n.js`` fills them in, so the verdict writes a date as the page
    does (Babel's CLDR), without ``Intl.DateTimeFormat``, whose first use in a fresh browser
    context loads locale data (25-60 ms, measured by bench/verify_browser.py). None when a
    template does not reproduce Babel's date (a locale with its own digits): ``Intl`` then."""
    out = []
    for month in range(1, 13):
        text = format_date(f"1999-{month:02d}-28", tag)
        template = text.replace("1999", "{y}", 1).replace("28", "{d}", 1)
        samples = ((2026, 3), (987, 1), (2000, 10))
        for year, day in samples:
            filled = template.replace("{y}", str(year)).replace("{d}", str(day))
            if filled != format_date(f"{year:04d}-{month:02d}-{day:02d}", tag):
                return None
        out.append(template)
    return out


_PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def placeholders(text: str) -> set[str]:
    """The named placeholders of a message: ``%(name)s`` (templates, Python), ``{name}`` (JS)."""
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


def _forms(value: object) -> list[str]:
    """A message's text or plural forms, as a list."""
    items = value if isinstance(value, (tuple, list)) else [value]
    return [str(item or "") for item in items]


def catalog_problems(po: Path, pot: Path) -> list[str]:
    """What keeps a catalog from being complete against the template (``credpages.pot``): a
    message missing or empty, marked fuzzy, or whose placeholders differ from the source's; and
    messages the template no longer has. Used by ``tests/test_catalogs.py`` and
    ``scripts/catalogs.py check``."""
    with pot.open("rb") as handle:
        template = read_po(handle)
    with po.open("rb") as handle:
        catalog = read_po(handle)
    name = f"{po.parent.parent.name}/{po.name}"
    problems = []
    for source in template:
        if not source.id:
            continue
        key = source.id
        msgid = key[0] if isinstance(key, tuple) else key
        message = catalog.get(msgid, source.context)
        if message is None:
            problems.append(f"{name}: missing {msgid!r}")
            continue
        forms = [str(f or "") for f in _forms(message.string)]
        if not all(forms):
            problems.append(f"{name}: not translated {msgid!r}")
        elif message.fuzzy:
            problems.append(f"{name}: fuzzy (check, then remove the mark) {msgid!r}")
        else:
            wanted = placeholders(" ".join(_forms(key)))
            for form in forms:
                if placeholders(form) != wanted:
                    problems.append(
                        f"{name}: placeholders {sorted(placeholders(form))} instead of "
                        f"{sorted(wanted)} in the translation of {msgid!r}"
                    )
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in template if m.id}
    for message in catalog:
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        if message.id and msgid not in known:
            problems.append(f"{name}: no longer used {msgid!r} (run scripts/catalogs.py update)")
    return problems
