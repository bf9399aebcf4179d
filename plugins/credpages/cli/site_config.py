"""Reading ``mkdocs.yml`` for the command line, through MkDocs' own loader (the CLI's edge).

So ``INHERIT:``, ``!ENV`` and ``!relative`` mean for ``credpages`` exactly what they mean for
``mkdocs build``, ``docs_dir`` and the rest come from that one object, and the plugin entry goes
through the same ``settings_from`` as the plugin's ``on_config``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

from ..config import Settings
from ..errors import CredpagesError


class _Errors(logging.Handler):
    """What MkDocs logs while it validates the config (it raises only "Aborted")."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def load_mkdocs_config(config_file: str | Path, **overrides: Any) -> Any:
    """MkDocs' validated config of ``config_file`` (``overrides`` as ``mkdocs build`` flags give
    them, e.g. ``site_dir``); every problem is a ``CredpagesError``."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    path = Path(config_file)
    if not path.is_file():
        raise CredpagesError(
            "not found: run credpages in the folder that holds mkdocs.yml, or pass --config",
            file=path,
        )
    errors = _Errors()
    logger = logging.getLogger("mkdocs.config")
    logger.addHandler(errors)
    try:
        return load_config(config_file=str(path), config_file_path=str(path), **overrides)
    except MkDocsException as exc:
        if isinstance(exc.__context__, yaml.YAMLError):
            problem = exc.__context__
            mark = getattr(problem, "problem_mark", None)
            raise CredpagesError(
                f"not valid YAML: {getattr(problem, 'problem', None) or problem}",
                file=path,
                line=mark.line + 1 if mark is not None else None,
            ) from exc
        raise CredpagesError("; ".join(errors.messages) or str(exc), file=path) from exc
    finally:
        logger.removeHandler(errors)


def load_settings(config_file: str | Path = "mkdocs.yml") -> Settings:
    """Settings for the CLI, from the same ``mkdocs.yml`` (and config objects) the build uses."""
    from ..mkdocs_plugin.config import settings_from

    config = load_mkdocs_config(config_file)
    plugin = config.plugins.get("credpages")
    if plugin is None:
        raise CredpagesError(
            "has no `credpages` entry under `plugins:`; add one (see the README)",
            file=config_file,
        )
    settings: Settings = settings_from(config, plugin.config, config_file=Path(config_file))
    return settings
