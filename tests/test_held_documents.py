"""A build holds a summary of each credential, not its document, and reads documents back safely.

At 100,000 credentials the documents alone are over a GB, so ``collect`` keeps only what the
listing, achievement pages, log gate and pathways use, and a page or ``credential.json`` is made
from the document read back (``SiteData.document``). Read back from where is a trust question:
only the document whose ``credential.json`` was verified in this build may come back, whatever
happened to the cache or the file in between.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Iterator

import pytest

from conftest import TEST_CACHE_KEY, IssuerSite
from credpages.errors import CredpagesError
from credpages.site import collect as collect_module
from credpages.site import publish
from credpages.site.cache import BuildCache
from credpages.site.collect import collect, summary_of
from credpages.site.publish import PageJob, render_pages, site_info
from credpages.site.render import CredentialStatusInfo

NAMES = ["Ada Lovelace", "Grace Hopper", "Katherine Johnson"]


@pytest.fixture
def site(issuer_site: IssuerSite) -> IssuerSite:
    issuer_site.issue_each(NAMES)
    return issuer_site


def test_collect_keeps_a_summary_of_each_credential_and_no_document(site: IssuerSite) -> None:
    data = collect(site.settings)
    assert len(data.credentials) == len(NAMES)
    for path in site.credential_files():
        (report,) = [r for r in data.credentials if r.source.endswith(path.name)]
        committed = site.load(path)
        assert report.credential is None
        summary = summary_of(report)
        assert summary.id == committed["id"]
        assert summary.name == committed["credentialSubject"]["name"]
        assert summary.achievement == committed["credentialSubject"]["achievement"]
        assert summary.valid_from == committed["validFrom"]
        assert data.document(report) == committed  # read back: exactly the verified document


@pytest.mark.parametrize("use_cache", [True, False])
def test_a_file_changed_after_it_was_checked_is_never_read_back(
    site: IssuerSite, use_cache: bool
) -> None:
    """With the cache the verified document comes from its entry; without it, from the file,
    which must still hold the bytes that were verified: an edit after the check is refused."""
    data = collect(site.settings, use_cache=use_cache)
    (path,) = [p for p in site.credential_files() if NAMES[0] in p.read_text(encoding="utf-8")]
    (report,) = [r for r in data.credentials if r.source.endswith(path.name)]
    verified = site.load(path)
    path.write_text(path.read_text(encoding="utf-8").replace(NAMES[0], "Mallory"), "utf-8")
    if use_cache:
        assert data.document(report) == verified
    else:
        with pytest.raises(CredpagesError, match="changed while the site was being built"):
            data.document(report)


def test_another_credentials_entry_under_this_key_is_not_read_back(site: IssuerSite) -> None:
    """Even an authentic entry (made with the cache key) of another credential, put under this
    one's key during the build, is not published for it: the document read back must be the one
    whose credential.json was verified, else the verified bytes are parsed again."""
    data = collect(site.settings)
    first, second = data.credentials[:2]
    assert data.verify_key is not None and first.file_sha256 and second.file_sha256
    cache = BuildCache(site.settings.cache_dir, TEST_CACHE_KEY.encode())
    theirs = cache.get("verify", data.verify_key(second.file_sha256))
    assert theirs is not None
    cache.put("verify", data.verify_key(first.file_sha256), theirs)
    cache.close(prune=False)
    document = data.document(first)
    assert document["id"] == summary_of(first).id
    assert document != data.document(second)


def test_pages_are_rendered_as_the_jobs_come(
    site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker processes take a few chunks of jobs ahead of the pages handed back, never all of
    them: each job holds a whole document."""
    monkeypatch.setattr(publish, "PARALLEL_PAGES", 4)
    monkeypatch.setattr(publish, "PAGE_CHUNK", 2)
    monkeypatch.setattr(publish, "CHUNKS_AHEAD", 1)
    data = collect(site.settings)
    document = data.document(data.credentials[0])
    taken = 0
    total = 40

    def jobs() -> Iterator[PageJob]:
        nonlocal taken
        for _ in range(total):
            taken += 1
            yield PageJob(document, CredentialStatusInfo(state="valid"), "", None)

    theme = publish.ThemeInfo(site_name="Test")
    pages = render_pages(jobs(), (), site_info(data, theme), workers=2)
    first = next(pages)
    assert b"<html" in first and taken < total
    assert len(list(itertools.chain([first], pages))) == total


@pytest.fixture
def collector_paused() -> Iterator[None]:
    """As the plugin runs collect and publish: the cycle collector off in the build process."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _collector_state(*_: object) -> bytes:
    return str(gc.isenabled()).encode()


@pytest.mark.usefixtures("collector_paused")
def test_page_workers_collect_cycles_though_the_build_paused_it(
    site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers are forked from the build process: with the collector off there, every cycle a
    page makes stayed in the worker (a cold 10,000-credential build: +96 MB a worker)."""
    monkeypatch.setattr(publish, "_render_job", _collector_state)
    data = collect(site.settings)
    document = data.document(data.credentials[0])
    jobs = [PageJob(document, CredentialStatusInfo(state="valid"), "", None)] * 80
    info = site_info(data, publish.ThemeInfo(site_name="Test"))
    assert set(render_pages(jobs, (), info, workers=2)) == {b"True"}


@pytest.mark.usefixtures("collector_paused")
def test_verification_workers_collect_cycles_though_the_build_paused_it(
    site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collect_module, "_verify_file", _collector_state)
    jobs = [("x.yaml", "x.yaml", b"", site.settings)] * collect_module.PARALLEL_THRESHOLD
    assert set(collect_module._verify_all(jobs, 2)) == {b"True"}  # type: ignore[arg-type]


def test_a_verification_task_is_a_bounded_number_of_credentials() -> None:
    """A task's results come back whole: at 100,000 credentials, a sixteenth of them at once
    was ~150 MB in the build process; the work is still split evenly over the workers."""
    sizes = [collect_module.chunk_size(n, 2) for n in (24, 1_000, 10_000, 100_000)]
    assert sizes[0] >= 1 and max(sizes) <= 64
    assert collect_module.chunk_size(100_000, 2) * 2 * 8 <= 100_000  # 8+ tasks per worker
