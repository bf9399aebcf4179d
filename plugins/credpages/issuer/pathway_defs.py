"""A pathway's definition on disk: the ``requires:`` of ``credentials/achievements/<id>.yaml``.

Checked against the other definitions when the achievement loads: every id it names must be
defined, and no pathway may require itself through others. The parts are named in the
achievement's criteria narrative, so every pathway credential says what it was earned by.
Reads only definition files (never credentials); ``repository.load_achievement`` calls it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import Settings
from ..credential.model import ACHIEVEMENT_ID
from ..credential.yamlio import load_yaml
from ..errors import CredpagesError
from .pathway_rules import Rule, describe, find_cycle, id_fields, parse_rule, referenced

FIELD = "requires"


def requirement(settings: Settings, achievement_id: str, raw: Mapping[str, Any]) -> Rule | None:
    """The checked rule of a definition, None unless it has ``requires:``.

    Errors carry the field (e.g. ``requires.of[1]``); the caller locates them in the file.
    """
    if raw.get(FIELD) is None:
        return None
    rule = parse_rule(raw[FIELD], FIELD)
    defined = _defined(settings)
    for part, fld in id_fields(rule):
        if part == achievement_id:
            raise CredpagesError(
                f"a pathway cannot require itself: remove {part!r} from the list", field=fld
            )
        if part not in defined:
            known = ", ".join(sorted(defined - {achievement_id})) or "none yet"
            raise CredpagesError(
                f"unknown achievement {part!r}: define it in "
                f"{settings.achievements_dir.name}/{part}.yaml, or fix the id (known: {known})",
                field=fld,
            )
    graph = _graph(settings, defined)
    graph[achievement_id] = referenced(rule)
    cycle = find_cycle(graph, achievement_id)
    if cycle is not None:
        first = next(fld for part, fld in id_fields(rule) if part == cycle[1])
        raise CredpagesError(
            f"pathways require each other in a cycle ({' → '.join(cycle)}), so no one could "
            "earn them: remove one of these requirements",
            field=first,
        )
    return rule


def _defined(settings: Settings) -> set[str]:
    folder = settings.achievements_dir
    if not folder.is_dir():
        return set()
    return {p.stem for p in folder.glob("*.yaml") if ACHIEVEMENT_ID.match(p.stem)}


def _graph(settings: Settings, defined: set[str]) -> dict[str, list[str]]:
    """Pathway id → the ids its rule names, for every definition whose rule parses.

    A definition that does not load is reported when it loads itself; here it is left out.
    """
    graph: dict[str, list[str]] = {}
    for aid in sorted(defined):
        try:
            raw = load_yaml(settings.achievements_dir / f"{aid}.yaml").data.get(FIELD)
            if raw is not None:
                graph[aid] = referenced(parse_rule(raw, FIELD))
        except CredpagesError:
            continue
    return graph


def part_names(settings: Settings, rule: Rule) -> dict[str, str]:
    """Each part's display name, read from its definition (its id if that does not load)."""
    names: dict[str, str] = {}
    for part in referenced(rule):
        try:
            name = load_yaml(settings.achievements_dir / f"{part}.yaml").data.get("name")
        except CredpagesError:
            name = None
        names[part] = name.strip() if isinstance(name, str) and name.strip() else part
    return names


def criteria_with_parts(criteria: str, rule: Rule, names: Mapping[str, str]) -> str:
    """The issuer's criteria, then the rule in words: the achievement names its parts."""
    sentence = f"Earned by holding {describe(rule, lambda p: names.get(p, p))}."
    return f"{criteria.rstrip()}\n\n{sentence}" if criteria.strip() else sentence


def refuse_by_hand(achievement_id: str, rule: Rule | None) -> None:
    """A pathway is awarded through its parts, never by hand: it would rest on no evidence."""
    if rule is not None:
        raise CredpagesError(
            f"{achievement_id!r} is a pathway: `credpages issue` awards it when a learner holds "
            "its parts. Issue the parts; `credpages pathways --csv FILE` shows who misses what",
            field="achievement",
        )
