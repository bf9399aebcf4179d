"""Pathways in the published site: the rule on a pathway's achievement page, and warnings.

A pathway credential is not taken back when one of its parts is revoked later; the build warns
instead, so the issuer decides. Pure functions over the verified :class:`SiteData`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

from .. import i18n
from ..credential.verify import REVOKED, VALID
from ..issuer.pathway_rules import Rule
from .collect import SiteData, summary_of
from .render.view import Paths, Shown, shown


@dataclass(frozen=True)
class PartView:
    """One achievement a pathway names: its name and a link to its page."""

    name: Shown | None
    href: str | None


@dataclass(frozen=True)
class RuleView:
    """A rule for the template: a heading ("All of these", "Any 2 of these") and its items."""

    heading: str
    items: tuple[Union[PartView, RuleView], ...]  # noqa: UP007 - forward reference


def rule_view(
    rule: Rule,
    achievements: Mapping[str, Mapping[str, Any]],
    site_url: str,
    paths: Paths,
    lang: str = i18n.SOURCE,
) -> RuleView:
    """``rule`` with each id shown by its achievement's name, linked to its page."""
    items: list[PartView | RuleView] = []
    for part in rule.parts:
        if isinstance(part, Rule):
            items.append(rule_view(part, achievements, site_url, paths, lang))
            continue
        url = f"{site_url}achievements/{part}/"
        name = achievements.get(url, {}).get("name")
        items.append(PartView(shown(name if isinstance(name, str) else part), paths.href(url)))
    _ = i18n.translator(lang)
    if rule.kind == "all":
        heading = _("All of these")
    elif rule.need == 1:
        heading = _("Any one of these")
    else:
        heading = i18n.ngettext(lang, "Any %(num)s of these", "Any %(num)s of these", rule.need)
    return RuleView(heading, tuple(items))


def pathway_warnings(site: SiteData) -> list[str]:
    """Valid credentials whose evidence names a credential of this site that is revoked or gone.

    Evidence pointing at this site's credential pages is how a pathway credential names its parts.
    """
    settings = site.settings
    prefix = f"{settings.site_url}{settings.page_prefix}/"
    state = {summary_of(r).id: r.state for r in site.credentials}
    warnings = []
    for report in site.credentials:
        summary = summary_of(report)
        if report.state != VALID:
            continue
        for part in summary.evidence:
            if not part.startswith(prefix):
                continue
            if state.get(part, REVOKED) != REVOKED:
                continue
            what = "which is revoked" if part in state else "which is not published"
            revocation = site.ledger.get(part)
            if revocation is not None and revocation.superseded_by:
                what += f" (replaced by {revocation.superseded_by})"
            warnings.append(
                f"{report.source}: pathway credential {summary.id} rests on {part}, {what}; "
                f"it stays valid until you decide: `credpages revoke {report.slug} --reason "
                '"…"` takes it back'
            )
    return warnings
