# Over 400 lines on purpose: the build's one writer, in publishing order; cards, log files and
# rendering already have their own modules.
"""Write the verified site: credential pages and JSON, DID document, status list, sitemap.

Runs only after ``collect`` has verified everything; it renders from verified data and never
re-reads credential YAML. Slugs were validated against ``[a-z0-9-]``, so no path can leave
``site_dir``.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import itertools
import json
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import jinja2

from .. import i18n
from ..bundled import ASSETS_DIR, ASSETS_URL_DIR
from ..credential.clr import CLR_FILE
from ..credential.did import did_document, did_document_path
from ..credential.summary import Summary
from ..credential.verify import REVOKED, VALID, Report
from ..issuer.issuance_log import log_service
from .bundle import bundle_folder, folded_modules
from .cache import BuildCache, files_digest, key_maker
from .cards import HEIGHT, WIDTH, Card, Cards, card_options, card_scope, write_cards
from .clr_gate import missing_clr_warnings
from .collect import SiteData, summary_of
from .collect import credential_json as credential_json  # where callers import it from
from .linkedin import add_to_profile_url
from .log_files import write_log
from .minify import minify_folder
from .output import Output, owned_folders
from .pathways import pathway_warnings, rule_view
from .qr import qr_img
from .render import (
    DEFAULT_TEMPLATE_DIR,
    AchievementEntry,
    CredentialStatusInfo,
    RecipientEntry,
    ShareImage,
    SiteInfo,
    achievement_page_context,
    credential_page_context,
    home_page_context,
    make_environment,
    not_found_page_context,
    render_achievement_page,
    render_credential_page,
    render_home_page,
    render_not_found_page,
    render_verify_page,
    root_prefix,
    sitemap_files,
    verify_page_context,
)
from .render.view import Paths

PAGES_WARN_BYTES = 800 * 1000 * 1000
PARALLEL_PAGES = 64  # fewer pages than this render faster in-process
PAGE_CHUNK = 16  # pages a worker renders per task (fewer round trips)
CHUNKS_AHEAD = 4  # per worker: enough to keep it busy, few documents held
StatusState = Literal["valid", "revoked", "expired", "not-yet-valid"]
_LOC = re.compile(r"<loc>([^<]+)</loc>")


@dataclass(frozen=True)
class ThemeInfo:
    """What credpages' own pages borrow from the site generator's configuration."""

    site_name: str
    primary: str = "indigo"
    accent: str = "indigo"
    dark_toggle: bool = False
    template_dirs: tuple[Path, ...] = ()
    write_home: bool = True
    extra_sitemap_urls: tuple[str, ...] = field(default=())
    docs_dir: Path | None = None


def published_digest(report: Report) -> str:
    """SHA-256 (hex) of a verified credential's ``credential.json``: what its file and page are
    keyed by. Known from the ``verify`` entry on a warm build; the text itself is made only
    when the file must be written, never held (100,000 of them are 400 MB)."""
    if report.published_sha256 is None:
        assert report.credential is not None
        text = credential_json(report.credential).encode("utf-8")
        report.published_sha256 = hashlib.sha256(text).hexdigest()
    return report.published_sha256


def _json_bytes(document: dict[str, Any]) -> bytes:
    return credential_json(document).encode("utf-8")


def write_builtin_assets(out: Output) -> None:
    """The verifier's CSS and modules from the package, unless the site's theme supplied its own.

    MkDocs copies a ``custom_dir``'s ``assets/credpages/`` files before this runs: those win.
    """
    for source in sorted(ASSETS_DIR.iterdir()):
        relative = f"{ASSETS_URL_DIR}/{source.name}"
        if source.is_file() and not (out.site_dir / relative).exists():
            out.write(relative, source.read_bytes())


def site_languages(site: SiteData) -> tuple[list[i18n.Language], list[str]]:
    """The interface languages this site's pages use (``theme.language`` and the achievements'
    ``inLanguage``), and a warning for each language credpages has no catalog for."""
    settings = site.settings
    warnings = [w for w in [i18n.unknown_language(settings.language, "theme.language")] if w]
    languages = {i18n.language(settings.language)}
    seen: set[str] = set()
    achievements = [d.achievement for d in site.achievements.values()]
    achievements += [summary_of(r).achievement for r in site.credentials]
    for achievement in achievements:
        value = achievement.get("inLanguage")
        if not isinstance(value, str) or value in seen:
            continue
        seen.add(value)
        found = i18n.find_language(value)
        if found is None:
            where = f"achievement {achievement.get('id')}: inLanguage"
            warnings.append(
                f"{where}: credpages has no catalog for {value!r}; its pages use the site's "
                f"language ({i18n.language(settings.language).tag})."
            )
        else:
            languages.add(found)
    return sorted(languages, key=lambda lang: lang.tag), warnings


def write_strings_modules(out: Output, languages: Iterable[i18n.Language]) -> None:
    """``assets/credpages/strings/<tag>.js`` for each non-English language the pages use: the
    browser modules' messages from the same catalog as the templates (see ``credpages.i18n``).
    A file the site's ``custom_dir`` supplied wins, like the other assets."""
    for lang in languages:
        if lang.catalog == i18n.SOURCE:
            continue
        relative = f"{ASSETS_URL_DIR}/strings/{lang.tag}.js"
        if not (out.site_dir / relative).exists():
            out.write(relative, i18n.strings_module(lang.tag))


def site_info(site: SiteData, theme: ThemeInfo, *, bundled: tuple[str, ...] = ()) -> SiteInfo:
    settings = site.settings
    issuer = settings.issuer
    return SiteInfo(
        site_url=settings.site_url,
        site_name=theme.site_name,
        issuer_name=issuer.name,
        issuer_url=issuer.url,
        issuer_logo=settings.absolute_url(issuer.image) if issuer.image else None,
        issuer_description=issuer.description,
        did=settings.did,
        language=settings.language,
        primary=theme.primary,
        accent=theme.accent,
        dark_toggle=theme.dark_toggle,
        indexable=settings.indexable,
        earn_url=issuer.earn_url,
        issuance_log=site.log is not None,
        linkedin_organization_id=issuer.linkedin_organization_id,
        bundled=bundled,
    )


def write_machine_files(site: SiteData, out: Output) -> None:
    """did.json (both resolution paths), the status list and CNAME."""
    settings = site.settings
    document = did_document(settings)
    if site.log is not None:
        document["service"] = [log_service(settings)]
    did_json = json.dumps(document, indent=2) + "\n"
    for path in {did_document_path(settings.did), "did.json", ".well-known/did.json"}:
        out.write(path, did_json)
    if site.status_list_document is not None:  # verified by collect, not read again
        out.write("status/revocation.json", credential_json(site.status_list_document))
    if settings.cname:
        out.write("CNAME", settings.cname + "\n")


def _status(site: SiteData, credential_id: str, state: str) -> CredentialStatusInfo:
    revocation = site.ledger.get(credential_id) if state == REVOKED else None
    return CredentialStatusInfo(
        state=cast(StatusState, state),
        reason=revocation.reason if revocation else None,
        superseded_by=revocation.superseded_by if revocation else None,
        revoked_on=revocation.date if revocation else None,
    )


@dataclass(frozen=True)
class PageJob:
    """Everything one credential page is made from (picklable, for worker processes)."""

    document: dict[str, Any]
    status: CredentialStatusInfo
    linkedin: str
    share: ShareImage | None
    clr: bool = False  # a pathway credential whose CLR is published beside it
    log_entry: int | None = None  # its newest leaf in the issuance log (the page's hint)


_worker_env: tuple[jinja2.Environment, SiteInfo] | None = None


def _init_worker(template_dirs: tuple[Path, ...], info: SiteInfo) -> None:
    global _worker_env
    _worker_env = (make_environment(list(template_dirs)), info)


def _start_worker(template_dirs: tuple[Path, ...], info: SiteInfo) -> None:
    """A page worker: forked from a build that paused the cycle collector (see the plugin),
    and rendering makes cycles (Jinja's contexts): without ``gc.enable`` each worker grew
    ~19 KB a page, never freed."""
    gc.enable()
    _init_worker(template_dirs, info)


def _render_job(job: PageJob) -> bytes:
    """One credential page, its QR code included (in the worker: ~1 ms of CPU a code)."""
    assert _worker_env is not None
    env, info = _worker_env
    context = credential_page_context(
        job.document,
        site=info,
        status=job.status,
        linkedin_url=job.linkedin,
        share_image=job.share,
        qr_img=qr_img(str(job.document["id"])),
        clr_href=CLR_FILE if job.clr else None,
        log_entry=job.log_entry,
    )
    return render_credential_page(env, context).encode("utf-8")


def render_pages(
    jobs: Iterable[PageJob], template_dirs: tuple[Path, ...], info: SiteInfo, workers: int
) -> Iterator[bytes]:
    """Render pages in order, on all cores when there are enough to pay for the worker start-up.

    ``jobs`` is consumed as pages come back, a few chunks ahead of them, so neither the jobs
    (each holds a document) nor the pages are ever all in memory."""
    jobs = iter(jobs)
    first = list(itertools.islice(jobs, PARALLEL_PAGES))
    if workers > 1 and len(first) == PARALLEL_PAGES:
        ahead: deque[Future[list[bytes]]] = deque()
        with ProcessPoolExecutor(
            workers, initializer=_start_worker, initargs=(template_dirs, info)
        ) as pool:
            for chunk in _chunks(itertools.chain(first, jobs), PAGE_CHUNK):
                ahead.append(pool.submit(_render_chunk, chunk))
                if len(ahead) >= workers * CHUNKS_AHEAD:
                    yield from ahead.popleft().result()
            while ahead:
                yield from ahead.popleft().result()
        return
    _init_worker(template_dirs, info)
    yield from map(_render_job, itertools.chain(first, jobs))


def _chunks(items: Iterable[PageJob], size: int) -> Iterator[list[PageJob]]:
    chunk: list[PageJob] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _render_chunk(jobs: list[PageJob]) -> list[bytes]:
    return [_render_job(job) for job in jobs]


def write_credential_pages(
    site: SiteData,
    out: Output,
    template_dirs: tuple[Path, ...],
    info: SiteInfo,
    cache: BuildCache,
    page_key: Callable[..., str],
    cards: Mapping[str, Card],
) -> list[str]:
    """Each credential's page and JSON. A page is made from exactly these inputs (the
    credential's bytes, its status, links and card, plus the templates, settings and code in
    ``page_key``): kept when the file from the last build provably holds it, else taken from
    an authentic cache entry, else rendered. A document is read back only for a file that must
    be made from it, and dropped once its page is rendered."""
    settings = site.settings
    urls: list[str] = []
    rendering: deque[tuple[str, str]] = deque()  # (target, cache key) of the jobs, in order
    latest = site.log.latest if site.log else {}
    unrevoked: dict[str, tuple[CredentialStatusInfo, str]] = {}  # a state's status, its repr

    def status_of(report: Report, summary: Summary) -> tuple[CredentialStatusInfo, str]:
        """The page's status and its key text (the same for every credential not revoked)."""
        if report.state == REVOKED:
            status = _status(site, summary.id, report.state)
            return status, repr(status)
        known = unrevoked.get(report.state)
        if known is None:
            status = _status(site, summary.id, report.state)
            known = unrevoked[report.state] = (status, repr(status))
        return known

    def jobs() -> Iterator[PageJob]:
        for report in site.credentials:
            summary = summary_of(report)
            assert report.slug is not None
            folder = f"{settings.page_prefix}/{report.slug}"
            digest = published_digest(report)
            document: dict[str, Any] | None = None
            target = f"{folder}/credential.json"
            if out.needs(target, digest):  # keyed as ``out.write`` keys any file: its SHA-256
                document = site.document(report)
                out.store(target, digest, _json_bytes(document))
            clr = report.slug in site.clrs
            if clr:  # verified by collect (site.clr_gate)
                out.write(f"{folder}/{CLR_FILE}", credential_json(site.clrs[report.slug]))
            status, status_text = status_of(report, summary)
            share = _share(cards.get(report.slug)) if cards else None
            log_entry = latest.get(summary.id)
            # The LinkedIn link is not a key input: it is made from the credential and the
            # settings, which the key covers (credential.json, ``info``), by this code. One
            # text: no part holds a NUL (a repr escapes it; the rest are hex, bool and int).
            key = page_key(f"{digest}\0{status_text}\0{share!r}\0{clr}\0{log_entry}")
            target = f"{folder}/index.html"
            urls.append(summary.id)
            if not out.needs(target, key):
                cache.touch("page", key)
                continue
            html = cache.get("page", key)
            if html is not None:
                out.store(target, key, html)
                continue
            document = document or site.document(report)
            linkedin = add_to_profile_url(document, settings)
            rendering.append((target, key))
            yield PageJob(document, status, linkedin, share, clr, log_entry)

    for html in render_pages(jobs(), template_dirs, info, os.cpu_count() or 1):
        target, key = rendering.popleft()
        cache.put("page", key, html)
        out.store(target, key, html)
    return urls


def _share(card: Card | None) -> ShareImage | None:
    return ShareImage(card.url, WIDTH, HEIGHT, "image/png", card.alt) if card else None


def write_achievement_pages(
    site: SiteData,
    out: Output,
    env: jinja2.Environment,
    info: SiteInfo,
    *,
    write_home: bool,
    cards: Mapping[str, Card] | None = None,
) -> list[str]:
    """One page per achievement (defined, or only embedded in credentials), and the listing."""
    settings = site.settings
    prefix = settings.site_url + "achievements/"
    achievements: dict[str, dict[str, Any]] = {
        definition.achievement["id"]: definition.achievement
        for definition in site.achievements.values()
    }
    holders: dict[str, list[RecipientEntry]] = {}
    for report in site.credentials:
        summary = summary_of(report)
        embedded = summary.achievement
        achievements.setdefault(embedded["id"], embedded)
        if report.state == VALID:
            holders.setdefault(embedded["id"], []).append(
                RecipientEntry(name=summary.name, url=summary.id, awarded_on=summary.awarded_date)
            )
    urls = []
    entries = []
    for achievement_id, achievement in sorted(achievements.items()):
        if not achievement_id.startswith(prefix):
            continue
        slug = achievement_id[len(prefix) :].strip("/")
        held = holders.get(achievement_id, [])
        card = (cards or {}).get(achievement_id)
        context = achievement_page_context(
            achievement,
            site=info,
            awarded=len(held),
            recipients=held if settings.list_recipients else None,
            earn_url=settings.issuer.earn_url,
            share_image=_share(card),
        )
        definition = site.achievements.get(slug)
        if definition is not None and definition.rule is not None:  # a pathway: its parts
            paths = Paths(settings.site_url, root_prefix(info, achievement_id))
            context["pathway"] = rule_view(
                definition.rule, achievements, settings.site_url, paths, context["lang"]
            )
        out.write(f"achievements/{slug}/index.html", render_achievement_page(env, context))
        urls.append(achievement_id)
        entries.append(AchievementEntry(achievement, awarded=len(held)))
    listing = home_page_context(site=info, achievements=entries, page_url=prefix)
    out.write("achievements/index.html", render_home_page(env, listing))
    urls.append(prefix)
    if write_home:
        home = home_page_context(site=info, achievements=entries)
        out.write("index.html", render_home_page(env, home))
    return urls


def write_sitemap(out: Output, site_url: str, urls: Iterable[str]) -> None:
    """Replace MkDocs' sitemap with one that also lists our pages (split at 50,000 URLs)."""
    existing = out.site_dir / "sitemap.xml"
    known: list[str] = []
    if existing.exists():
        known = _LOC.findall(existing.read_text(encoding="utf-8"))
    seen = dict.fromkeys([*known, *urls])
    for name, xml in sitemap_files(list(seen), site_url=site_url):
        out.write(name, xml)
        if name == "sitemap.xml":
            out.write("sitemap.xml.gz", gzip.compress(xml.encode("utf-8"), mtime=0))


def publish(site: SiteData, site_dir: Path, theme: ThemeInfo) -> list[str]:
    """Write everything a verified site publishes into ``site_dir``; returns warnings.

    What the previous build left in the folders credpages owns is kept where it provably is
    what this build would write (``output``): the result is a cold build's, file for file."""
    warnings: list[str] = []
    env = make_environment(list(theme.template_dirs))
    out = Output.open(site_dir, owned_folders(site.settings.page_prefix), site.cache)
    write_machine_files(site, out)
    if site.log is not None:
        write_log(out.write, site.log)
    write_builtin_assets(out)
    languages, language_warnings = site_languages(site)
    warnings += language_warnings
    write_strings_modules(out, languages)
    warnings += bundle_folder(site_dir / ASSETS_URL_DIR, log=site.log is not None)
    warnings += minify_folder(site_dir / ASSETS_URL_DIR)
    info = site_info(site, theme, bundled=folded_modules(site_dir / ASSETS_URL_DIR))
    page_key = key_maker(
        "page", files_digest([*theme.template_dirs, DEFAULT_TEMPLATE_DIR]), repr((info, theme))
    )
    cards = Cards({}, {})
    cards_per = site.settings.share_cards.per
    if theme.docs_dir is not None:
        options = card_options(
            site.settings.share_cards,
            primary=theme.primary,
            accent=theme.accent,
        )
        personal = options.enabled and options.per == "credential"  # else no projection needed
        options, scope_warnings = card_scope(
            options,
            [summary_of(r).json_bytes for r in site.credentials if personal],
            out.bytes + site_bytes(out.site_dir, skip=out.owned),
            PAGES_WARN_BYTES,
        )
        cards, card_warnings = write_cards(site, out, options, site.cache)
        warnings += scope_warnings + card_warnings
        cards_per = options.per
    credential_urls = write_credential_pages(
        site, out, tuple(theme.template_dirs), info, site.cache, page_key, cards.credentials
    )
    achievement_urls = write_achievement_pages(
        site, out, env, info, write_home=theme.write_home, cards=cards.achievements
    )
    out.write(
        "verify/index.html",
        render_verify_page(
            env, verify_page_context(site=info, page_url=site.settings.site_url + "verify/")
        ),
    )
    if not (site_dir / "404.html").exists():
        out.write("404.html", render_not_found_page(env, not_found_page_context(site=info)))
    urls = [*achievement_urls, site.settings.site_url + "verify/", *theme.extra_sitemap_urls]
    if site.settings.indexable:
        urls += credential_urls
    write_sitemap(out, site.settings.site_url, urls)
    out.finish()
    site.stats.update(written=out.written, kept=out.kept)
    warnings += size_warnings(out, cards_per)
    warnings += pathway_warnings(site)
    warnings += missing_clr_warnings(site.settings, site.credentials, site.achievements, site.clrs)
    warnings += site.cache.close()
    return warnings


def site_bytes(site_dir: Path, skip: Iterable[str] = ()) -> int:
    """Bytes of every file in ``site_dir``, the top-level folders in ``skip`` aside."""
    total = 0
    for folder, subfolders, files in os.walk(site_dir):
        if folder == str(site_dir):
            subfolders[:] = [name for name in subfolders if name not in skip]
        for name in files:
            total += os.stat(os.path.join(folder, name)).st_size
    return total


def size_warnings(out: Output, cards_per: str) -> list[str]:
    """Warn well before GitHub Pages' 1 GB limit, and say which switch helps (``cards_per``:
    the card scope this build used)."""
    total = out.bytes + site_bytes(out.site_dir, skip=out.owned)
    if total < PAGES_WARN_BYTES:
        return []
    hint = (
        "split the credentials over several sites"
        if cards_per == "achievement"
        else "set `share_cards: {per: achievement}` (one card per achievement) in mkdocs.yml"
    )
    return [f"the site is {total / 1e6:.0f} MB; GitHub Pages publishes at most 1 GB: {hint}"]
