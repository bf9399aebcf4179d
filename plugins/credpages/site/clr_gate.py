"""The build's check of each pathway credential's CLR before it is published beside its page.

A CLR (``credentials/clr/<slug>.yaml``, signed at award time, see ``issuer.clr_files``) is
published only if it passes ``credential.clr.check_clr`` with every embedded credential equal to
the verified credential of that id this build publishes. Like a credential's, a ``verify`` cache
entry for its exact bytes lets an unchanged CLR skip the schema and the eddsa-rdfc-2022 proof;
parsing, the comparison with the published credentials and the eddsa-jcs-2022 proof run on
every build. A failing CLR fails the build like a failing credential.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..config import Settings
from ..credential.clr import check_clr, clr_id
from ..credential.verify import Report
from ..credential.yamlio import loads_yaml
from ..errors import CredpagesError
from ..issuer.clr_files import clr_files, clr_path
from ..issuer.repository import AchievementDef, display_path
from .cache import BuildCache

VERIFIED = b"verified"


def _id(report: Report) -> str:
    if report.summary is not None:
        return report.summary.id
    assert report.credential is not None
    return str(report.credential["id"])


class _Published(Mapping[str, Mapping[str, Any]]):
    """Published credential id → its verified document, read back only when a CLR embeds it
    (a build holds summaries, not documents)."""

    def __init__(
        self, reports: dict[str, Report], load: Callable[[Report], Mapping[str, Any]]
    ) -> None:
        self._reports = reports
        self._load = load

    def __getitem__(self, credential_id: str) -> Mapping[str, Any]:
        return self._load(self._reports[credential_id])

    def __iter__(self) -> Iterator[str]:
        return iter(self._reports)

    def __len__(self) -> int:
        return len(self._reports)


def check_site_clrs(
    settings: Settings,
    reports: list[Report],
    load: Callable[[Report], Mapping[str, Any]],
    store: BuildCache,
    key_of: Callable[[bytes], str],
) -> tuple[dict[str, dict[str, Any]], list[CredpagesError]]:
    """The verified CLRs by pathway credential slug, and the failures (file:line: field:)."""
    files = clr_files(settings)
    by_id = {_id(r): r for r in reports} if files else {}
    published = _Published(by_id, load)
    slugs = {i: r.slug for i, r in by_id.items() if r.slug}
    clrs: dict[str, dict[str, Any]] = {}
    failures: list[CredpagesError] = []
    for path in files:
        shown = display_path(path)
        content = path.read_bytes()
        try:
            loaded = loads_yaml(content, source=shown)
        except CredpagesError as exc:
            failures.append(exc)
            continue
        doc = loaded.data
        key = key_of(content)
        cached = store.get("verify", key) == VERIFIED
        errors = check_clr(doc, settings, published=published, cached=cached)
        if not errors and slugs.get(str(doc["id"])[: -len("clr.json")]) != path.stem:
            errors = [
                CredpagesError(
                    f"is the CLR of {doc['id']}; name the file after that credential's slug",
                    field="id",
                )
            ]
        if errors:
            failures += [e.located(file=shown, line=loaded.line_of(e.field or "")) for e in errors]
            continue
        if not cached:
            store.put("verify", key, VERIFIED)
        clrs[path.stem] = doc
    return clrs, failures


def missing_clr_warnings(
    settings: Settings,
    reports: list[Report],
    achievements: Mapping[str, AchievementDef],
    clrs: Mapping[str, Any],
) -> list[str]:
    """Pathway credentials published without a CLR (awarded before CLRs, or it failed)."""
    pathways = {settings.achievement_url(a) for a, d in achievements.items() if d.rule is not None}
    out = []
    for report in reports:
        summary = report.summary
        if summary is None or report.slug is None or report.slug in clrs:
            continue
        if summary.achievement.get("id") in pathways:
            out.append(
                f"{report.source}: pathway credential {summary.id} has no verified CLR "
                f"({display_path(clr_path(settings, report.slug))}, to be published at "
                f"{clr_id(summary.id)}): `credpages pathways --clr` makes it"
            )
    return out
