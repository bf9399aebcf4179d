"""Where an issuer's files live in git, and reading them: credentials and achievements.

Layout (see DESIGN.md): ``credentials/<slug>.yaml`` (top level only), ``credentials/achievements/
<id>.yaml`` and ``credentials/status/``. Reading is all this module does; writers use
``yamlio.write_yaml``, which is atomic.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..credential.model import ACHIEVEMENT_ID, achievement_from_definition, slug_of
from ..credential.yamlio import Loaded, load_yaml
from ..errors import CredpagesError
from .pathway_defs import criteria_with_parts, part_names, requirement
from .pathway_rules import Rule

STATUS_LIST_FILE = Path("status") / "revocation-list.yaml"
LEDGER_FILE = Path("status") / "revocations.yaml"


@dataclass(frozen=True)
class AchievementDef:
    id: str
    path: Path
    raw: dict[str, Any]
    achievement: dict[str, Any]
    rule: Rule | None = None  # a pathway's parts (``requires:``), see issuer.pathway_defs


def credential_files(settings: Settings) -> list[Path]:
    """Every credential file, sorted so builds and reports are reproducible."""
    folder = settings.credentials_dir
    return [folder / name for name in credential_names(settings)]


def credential_names(settings: Settings) -> list[str]:
    """The names of :func:`credential_files` in ``credentials_dir``, in the same order (a
    build of 10,000 spent 0.1 s making Paths of them and as much again showing them)."""
    try:  # names, not Paths: sorting 10,000 Paths alone cost a warm build 0.1 s
        with os.scandir(settings.credentials_dir) as entries:
            return sorted(e.name for e in entries if _is_yaml(e.name) and e.is_file())
    except (FileNotFoundError, NotADirectoryError):
        return []


def _is_yaml(name: str) -> bool:
    """``Path(name).suffix in (".yaml", ".yml")``, without making a Path."""
    dot = name.rfind(".")
    return dot > 0 and name[dot:] in (".yaml", ".yml")


def is_signed(data: dict[str, Any]) -> bool:
    return "@context" in data and "proof" in data


def load_achievement(settings: Settings, achievement_id: str) -> AchievementDef:
    if not ACHIEVEMENT_ID.match(achievement_id):
        raise CredpagesError(
            f"{achievement_id!r} is not an achievement id (lowercase letters, digits, '-')",
            field="achievement",
        )
    path = settings.achievements_dir / f"{achievement_id}.yaml"
    shown = display_path(path)  # messages name files as the user would type them
    if not path.is_file():
        known = ", ".join(sorted(all_achievement_ids(settings))) or "none yet"
        raise CredpagesError(
            f"unknown achievement {achievement_id!r}: define it in {shown} (known: {known})",
            field="achievement",
        )
    loaded = load_yaml(Path(shown))
    try:
        achievement = achievement_from_definition(achievement_id, loaded.data, settings)
        rule = requirement(settings, achievement_id, loaded.data)
    except CredpagesError as exc:
        raise exc.located(file=shown, line=loaded.line_of(exc.field or "")) from exc
    if rule is not None:
        names = part_names(settings, rule)
        criteria = str(achievement["criteria"]["narrative"])
        achievement["criteria"]["narrative"] = criteria_with_parts(criteria, rule, names)
    return AchievementDef(achievement_id, path, loaded.data, achievement, rule)


def all_achievement_ids(settings: Settings) -> list[str]:
    folder = settings.achievements_dir
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml") if ACHIEVEMENT_ID.match(p.stem))


def load_achievements(settings: Settings) -> dict[str, AchievementDef]:
    return {aid: load_achievement(settings, aid) for aid in all_achievement_ids(settings)}


def display_path(path: Path) -> str:
    """A path relative to the working folder when possible: shorter, clickable messages."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute.startswith(cwd + os.sep):
        return absolute[len(cwd) + 1 :]
    return str(path)


def display_prefix(folder: Path) -> str:
    """What :func:`display_path` shows before the name of any file in ``folder``."""
    if os.path.abspath(folder) == os.getcwd():
        return ""
    return display_path(folder).rstrip(os.sep) + os.sep


def load_credential(path: Path) -> Loaded:
    return load_yaml(path)


def find_credential(settings: Settings, ref: str) -> tuple[Path, dict[str, Any]]:
    """A credential by file path, page URL/id, or slug."""
    candidate = Path(ref)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return candidate, load_yaml(candidate).data
    for path in credential_files(settings):
        try:
            doc = load_yaml(path).data
        except CredpagesError:
            continue
        if ref in (doc.get("id"), slug_of(str(doc.get("id", "")), settings), path.stem):
            return path, doc
    raise CredpagesError(f"no credential {ref!r} under {display_path(settings.credentials_dir)}")
