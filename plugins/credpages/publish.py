"""Write the verified site: credential pages and JSON, DID document, status list, sitemap.

Runs only after ``collect`` has verified everything; it renders from verified data and never
re-reads YAML. Slugs were validated against ``[a-z0-9-]``, so no path can leave ``site_dir``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from credpages.collect import SiteData
from credpages.did import did_document, did_document_path
from credpages.errors import CredpagesError
from credpages.repository import STATUS_LIST_FILE
from credpages.yamlio import load_yaml


def credential_json(document: dict[str, Any]) -> str:
    """The signed credential as published: every byte of data that was signed, as JSON."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _write(site_dir: Path, relative: str, content: str | bytes) -> None:
    target = (site_dir / relative).resolve()
    if not target.is_relative_to(site_dir.resolve()):
        raise CredpagesError(f"refusing to write outside the site folder: {relative}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        target.write_text(content, encoding="utf-8")
    else:
        target.write_bytes(content)


def write_machine_files(site: SiteData, site_dir: Path) -> list[str]:
    """did.json (both resolution paths), the status list, and each credential.json."""
    settings = site.settings
    written = []
    did_json = json.dumps(did_document(settings), indent=2) + "\n"
    for path in {did_document_path(settings.did), "did.json", ".well-known/did.json"}:
        _write(site_dir, path, did_json)
        written.append(path)
    status_file = settings.credentials_dir / STATUS_LIST_FILE
    if status_file.exists():
        _write(site_dir, "status/revocation.json", credential_json(load_yaml(status_file).data))
        written.append("status/revocation.json")
    for report in site.credentials:
        assert report.credential is not None and report.slug is not None
        path = f"{settings.page_prefix}/{report.slug}/credential.json"
        _write(site_dir, path, credential_json(report.credential))
    cname = settings.extra.get("cname")
    if isinstance(cname, str) and cname.strip():
        _write(site_dir, "CNAME", cname.strip() + "\n")
    return written


def publish(site: SiteData, site_dir: Path, *, config: dict[str, Any]) -> None:
    write_machine_files(site, site_dir)
