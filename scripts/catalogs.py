"""Extract credpages' interface strings into the message catalogs, and keep every catalog in step.

    python scripts/catalogs.py update        # templates, browser modules, Python → credpages.pot,
                                             # then merge it into every locales/*/.../credpages.po
    python scripts/catalogs.py init pt_BR    # start a new language's catalog from the .pot
    python scripts/catalogs.py check         # what tests/test_catalogs.py checks, as a list

One catalog, three kinds of source: Jinja templates (``{% trans %}``, ``_()``), the ES modules
(``t('…', {name})``) and Python (``_("…")``, ``_n("…")``, ``i18n.ngettext(lang, …)``). Messages
that are new or changed come out empty (new) or fuzzy (changed) in every ``.po``: translate them,
remove the ``#, fuzzy`` mark, and run ``check``. Nothing is compiled: ``credpages.i18n`` reads
the ``.po`` files themselves. Run from the repository (needs the dev install: Babel, Jinja).
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

from credpages import i18n  # noqa: E402

POT = i18n.LOCALES_DIR / f"{i18n.DOMAIN}.pot"
# Fixed, so that re-running the extraction changes the files only when a message changed.
STAMP = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
WIDTH = 100

#: (folder, file pattern, extraction method, options, keywords): one catalog, three kinds of source
SOURCES = [
    (
        "theme/credpages",
        "**.html",
        "jinja2.ext:babel_extract",
        # as credpages.site.render.make_environment compiles them, so msgids match exactly
        {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"},
        {"_": None, "gettext": None, "ngettext": (1, 2)},
    ),
    # the browser modules: t('message {name}', {name: value}), parts(…) for sentences with elements
    ("theme/assets/credpages", "**.js", "javascript", {}, {"t": None, "parts": None}),
    # Python: _ = i18n.translator(lang); _("…"), _n("…") marks, i18n.ngettext(lang, one, many, n)
    ("plugins/credpages", "**.py", "python", {}, {"_": None, "_n": None, "ngettext": (2, 3)}),
]


def extract() -> Catalog:
    """Every message of the sources, with the files it comes from (no line numbers: others'
    edits move lines all the time, and the catalogs should change only when a message does)."""
    template = Catalog(project="credpages", domain=i18n.DOMAIN, creation_date=STAMP, fuzzy=False)
    for folder, pattern, method, options, keywords in SOURCES:
        found = extract_from_dir(
            str(ROOT / folder),
            [(pattern, method)],
            {pattern: options},
            keywords,  # type: ignore[arg-type]
            strip_comment_tags=True,
        )
        for filename, lineno, message, comments, context in found:
            source = f"{folder}/{filename}"
            if source == "plugins/credpages/i18n.py":
                continue  # the machinery's own gettext/ngettext definitions
            template.add(
                message, locations=[(source, lineno)], auto_comments=comments, context=context
            )
    return template


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=WIDTH, include_lineno=False, sort_output=False)


def catalogs() -> list[Path]:
    return sorted(i18n.LOCALES_DIR.glob(f"*/LC_MESSAGES/{i18n.DOMAIN}.po"))


def update() -> None:
    template = extract()
    _write(POT, template)
    print(f"{POT.relative_to(ROOT)}: {len(template)} messages")
    for path in catalogs():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=path.parent.parent.name)
        with POT.open("rb") as handle:  # a fresh copy each: update() shares message objects
            fresh = read_po(handle)
        catalog.update(fresh, update_header_comment=False)
        catalog.revision_date = STAMP
        catalog.obsolete.clear()
        if path.parent.parent.name == i18n.SOURCE:  # English: the source text itself
            for message in catalog:
                if message.id:
                    message.string = message.id
                    message.flags.discard("fuzzy")
        _write(path, catalog)
        print(f"{path.relative_to(ROOT)}: {len(i18n.catalog_problems(path, POT))} to translate")


def init(locale: str) -> None:
    path = i18n.LOCALES_DIR / locale / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    if path.exists():
        sys.exit(f"{path.relative_to(ROOT)} exists; run `update` instead")
    with POT.open("rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale=locale, domain=i18n.DOMAIN, project="credpages", fuzzy=False)
    catalog.creation_date = catalog.revision_date = STAMP
    catalog.update(template, update_header_comment=False)
    _write(path, catalog)
    print(f"{path.relative_to(ROOT)}: {len(template)} messages to translate")


def check() -> int:
    problems = [p for path in catalogs() for p in i18n.catalog_problems(path, POT)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    command = sys.argv[1:2] or ["update"]
    if command == ["update"]:
        update()
    elif command == ["init"] and len(sys.argv) == 3:
        init(sys.argv[2])
    elif command == ["check"]:
        sys.exit(check())
    else:
        sys.exit(__doc__)
