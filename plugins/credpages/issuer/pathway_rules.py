"""Pathway rules: which achievements together earn another one (pure functions, no I/O).

A pathway achievement's definition says ``requires:``, either ``{all: [a, b]}`` or
``{any: N, of: [a, b, ...]}``; each item is an achievement id (which may itself be a pathway) or
a nested rule of the same shape. Errors carry the dotted field (``requires.of[2].all``) so the
caller can point at the line with ``Loaded.line_of``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union

from ..credential.model import ACHIEVEMENT_ID
from ..errors import CredpagesError

MAX_DEPTH = 8
MAX_PARTS = 200


@dataclass(frozen=True)
class Rule:
    """All of ``parts`` (``kind="all"``, ``need == len(parts)``), or any ``need`` of them."""

    kind: Literal["all", "any"]
    need: int
    parts: tuple[Part, ...]


Part = Union[str, Rule]  # noqa: UP007 - a forward reference, so not the | form

_SHAPE = "write `requires: {all: [a, b]}` or `requires: {any: 2, of: [a, b, c]}`"


def parse_rule(raw: Any, fld: str = "requires", depth: int = 0) -> Rule:
    """The rule in ``raw``, or a :class:`CredpagesError` naming the field and what to write."""
    if depth >= MAX_DEPTH:
        raise CredpagesError(f"is nested more than {MAX_DEPTH} levels deep", field=fld)
    if not isinstance(raw, Mapping):
        raise CredpagesError(f"must be a mapping: {_SHAPE}", field=fld)
    keys = set(raw)
    if keys == {"all"}:
        parts = _parts(raw["all"], f"{fld}.all", depth)
        return Rule("all", len(parts), parts)
    if keys == {"any", "of"}:
        parts = _parts(raw["of"], f"{fld}.of", depth)
        need = raw["any"]
        if not isinstance(need, int) or isinstance(need, bool):
            raise CredpagesError(
                f"must be a whole number (how many of the {len(parts)} listed)", field=f"{fld}.any"
            )
        if need < 1:
            raise CredpagesError(
                "must be at least 1 (a pathway that needs nothing would be awarded to anyone)",
                field=f"{fld}.any",
            )
        if need > len(parts):
            raise CredpagesError(
                f"asks for {need} but `of` lists only {len(parts)}: no one could earn it; "
                f"lower `any` or list more achievements",
                field=f"{fld}.any",
            )
        return Rule("any", need, parts)
    extra = sorted(str(k) for k in keys - {"all", "any", "of"})
    hint = f"unknown key(s) {extra}; " if extra else ""
    return _refuse(fld, f"{hint}{_SHAPE}")


def _refuse(fld: str, message: str) -> Rule:
    raise CredpagesError(message, field=fld)


def _parts(raw: Any, fld: str, depth: int) -> tuple[Part, ...]:
    if not isinstance(raw, list) or not raw:
        raise CredpagesError("must be a non-empty list of achievement ids", field=fld)
    if len(raw) > MAX_PARTS:
        raise CredpagesError(f"lists more than {MAX_PARTS} items", field=fld)
    parts: list[Part] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"{fld}[{i}]"
        if isinstance(item, str):
            if not ACHIEVEMENT_ID.match(item):
                raise CredpagesError(
                    f"{item!r} is not an achievement id (the file name under "
                    "credentials/achievements/, without .yaml)",
                    field=where,
                )
            if item in seen:
                raise CredpagesError(f"lists {item!r} twice; list it once", field=where)
            seen.add(item)
            parts.append(item)
        else:
            parts.append(parse_rule(item, where, depth + 1))
    return tuple(parts)


def referenced(rule: Rule) -> list[str]:
    """Every achievement id the rule names, nested ones included, in order, once each."""
    out: dict[str, None] = {}
    for part in rule.parts:
        if isinstance(part, str):
            out[part] = None
        else:
            out.update(dict.fromkeys(referenced(part)))
    return list(out)


def id_fields(rule: Rule, fld: str = "requires") -> list[tuple[str, str]]:
    """``(achievement id, field)`` for every id, so a message can point at its line."""
    key = "all" if rule.kind == "all" else "of"
    out: list[tuple[str, str]] = []
    for i, part in enumerate(rule.parts):
        where = f"{fld}.{key}[{i}]"
        out.extend([(part, where)] if isinstance(part, str) else id_fields(part, where))
    return out


def satisfied(rule: Rule, held: Collection[str]) -> bool:
    return chosen(rule, held) is not None


def chosen(rule: Rule, held: Collection[str]) -> list[str] | None:
    """The held ids that satisfy the rule (the first ``need`` satisfied parts), else None.

    Only what the rule needs is named, so a pathway credential lists no more of the learner's
    credentials than it rests on.
    """
    used: list[str] = []
    count = 0
    for part in rule.parts:
        if count == rule.need:
            break
        if isinstance(part, str):
            if part in held:
                used.append(part)
                count += 1
        else:
            inner = chosen(part, held)
            if inner is not None:
                used.extend(i for i in inner if i not in used)
                count += 1
    return used if count == rule.need else None


def missing(rule: Rule, held: Collection[str], name_of: Callable[[str], str] = str) -> str:
    """What is still needed, in words ("" when the rule is satisfied)."""
    if satisfied(rule, held):
        return ""
    short = [p for p in rule.parts if not _part_ok(p, held)]
    have = len(rule.parts) - len(short)
    if rule.kind == "all":
        return "; ".join(_missing_part(p, held, name_of) for p in short)
    options = ", ".join(_missing_part(p, held, name_of) for p in short)
    return f"{rule.need - have} more of: {options}"


def _part_ok(part: Part, held: Collection[str]) -> bool:
    return part in held if isinstance(part, str) else satisfied(part, held)


def _missing_part(part: Part, held: Collection[str], name_of: Callable[[str], str]) -> str:
    if isinstance(part, str):
        return name_of(part)
    return f"({missing(part, held, name_of)})"


def describe(rule: Rule, name_of: Callable[[str], str] = str) -> str:
    """The rule in one sentence of plain text, e.g. "all of: A, B and 1 of: C, D"."""
    items = [name_of(p) if isinstance(p, str) else f"({describe(p, name_of)})" for p in rule.parts]
    head = "all of" if rule.kind == "all" else f"any {rule.need} of"
    return f"{head}: {', '.join(items)}"


def find_cycle(requires: Mapping[str, Sequence[str]], start: str) -> list[str] | None:
    """A path ``start → … → start`` through ``requires`` (pathway id → ids it names), if any."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in requires.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def evaluation_order(requires: Mapping[str, Iterable[str]]) -> list[str]:
    """Pathway ids with every pathway after the pathways it requires (sorted among equals).

    A learner who completes pathway A, a part of pathway B, gets A first, then B in the same run.
    Cycles are refused when definitions load; any left over here raise.
    """
    pending = {pid: {d for d in deps if d in requires} for pid, deps in requires.items()}
    order: list[str] = []
    while pending:
        ready = sorted(pid for pid, deps in pending.items() if not deps - set(order))
        if not ready:
            raise CredpagesError(f"pathways require each other in a cycle: {sorted(pending)}")
        for pid in ready:
            order.append(pid)
            del pending[pid]
    return order
