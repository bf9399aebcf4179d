"""sitemap.xml generation, split at the protocol's limits (50,000 URLs or 50 MB per file).

Written with plain string building rather than a template: sitemaps are not themed, and the
format is small enough that escaping each URL is the whole job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape as _html_escape

MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024
_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_NS}>\n'
_TAIL = "</urlset>\n"
_INDEX_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {_NS}>\n'
_INDEX_TAIL = "</sitemapindex>\n"


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` escaped, as ``xml.sax.saxutils.escape`` does (which would import
    ``urllib.request`` and ``ssl``, 30 ms of every build's start-up)."""
    return _html_escape(text, quote=False)


def _entry(url: str) -> str:
    return f"<url><loc>{escape(url)}</loc></url>\n"


def _chunks(entries: Iterable[str], max_urls: int, max_bytes: int) -> list[list[str]]:
    budget = max_bytes - len(_HEAD.encode()) - len(_TAIL.encode())
    chunks: list[list[str]] = [[]]
    size = 0
    for entry in entries:
        length = len(entry.encode("utf-8"))
        if chunks[-1] and (len(chunks[-1]) >= max_urls or size + length > budget):
            chunks.append([])
            size = 0
        chunks[-1].append(entry)
        size += length
    return chunks


def sitemap_files(
    urls: Sequence[str],
    *,
    site_url: str | None = None,
    max_urls: int = MAX_URLS,
    max_bytes: int = MAX_BYTES,
) -> list[tuple[str, str]]:
    """``[(file name, XML)]`` relative to ``site_url``: ``sitemap.xml`` alone when everything fits,
    otherwise ``sitemap.xml`` as a sitemap index plus ``sitemap-1.xml``, ``sitemap-2.xml``, …

    ``site_url`` (the folder the files are published in, ending in ``/``) is needed only when the
    URLs do not fit one file: a sitemap index must give absolute addresses.
    """
    chunks = _chunks((_entry(u) for u in urls), max_urls, max_bytes)
    if len(chunks) == 1:
        return [("sitemap.xml", _HEAD + "".join(chunks[0]) + _TAIL)]
    if site_url is None:
        raise ValueError(f"{len(urls)} URLs need a sitemap index: pass site_url")
    base = site_url
    names = [f"sitemap-{i}.xml" for i in range(1, len(chunks) + 1)]
    index = (
        _INDEX_HEAD
        + "".join(f"<sitemap><loc>{escape(base + n)}</loc></sitemap>\n" for n in names)
        + _INDEX_TAIL
    )
    return [("sitemap.xml", index)] + [
        (name, _HEAD + "".join(chunk) + _TAIL) for name, chunk in zip(names, chunks, strict=True)
    ]


def sitemap_xml(urls: Sequence[str], *, site_url: str | None = None) -> list[str]:
    """The XML documents of :func:`sitemap_files`, in the same order (index first if split)."""
    return [xml for _, xml in sitemap_files(urls, site_url=site_url)]
