"""The one set of test factories: an issuer site on disk with its own key, and the CLI argument
lists tests repeat. Fixtures in ``conftest.py`` are thin wrappers over these.
"""

from __future__ import annotations

from pathlib import Path

from credpages.credential.keys import generate_seed, public_key_of

SITE_URL = "https://example.test/awards/"
ISSUER_NAME = "Test Academy"
ISSUER_URL = "https://academy.example.test/"

ACHIEVEMENT_YAML = """\
name: Python Basics
description: Writes, tests and debugs small Python programs.
criteria: Passed the final practical exam with at least 70%.
tags: [python, programming]
alignments:
  - name: Python language reference
    url: https://docs.python.org/3/reference/
"""

CONFIG_TEMPLATE = """\
# Test issuer. Comments and layout must survive `credpages rotate-key`.
site_name: Test Awards
site_url: {site_url}
theme:
  name: material
plugins:
  - credpages:
      issuer:
        name: {issuer_name}   # shown on every page
        url: {issuer_url}
      keyring:
        - id: key-1
          public_key: {public_key}
          active_from: "2026-01-01"
{extra}"""


def write_issuer_site(
    root: Path,
    *,
    site_url: str = SITE_URL,
    extra: str = "",
    seed: bytes | None = None,
    public_key: str | None = None,
    config_text: str | None = None,
    achievement: str = ACHIEVEMENT_YAML,
) -> tuple[Path, bytes]:
    """An issuer repository with ``docs/`` and one achievement (``python-basics``); returns
    (mkdocs.yml, the seed of its key). ``extra`` is appended to mkdocs.yml as is;
    ``public_key`` replaces the keyring's key (e.g. the demo key)."""
    (root / "credentials" / "achievements").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# Awards\n", encoding="utf-8")
    seed = seed or generate_seed()
    public = public_key or public_key_of(seed)
    text = config_text or CONFIG_TEMPLATE.format(
        site_url=site_url,
        issuer_name=ISSUER_NAME,
        issuer_url=ISSUER_URL,
        public_key=public,
        extra=extra,
    )
    config = root / "mkdocs.yml"
    config.write_text(text.replace("{public_key}", public), encoding="utf-8")
    (root / "credentials" / "achievements" / "python-basics.yaml").write_text(
        achievement, encoding="utf-8"
    )
    return config, seed


def issue_args(
    name: str = "Ada Lovelace",
    email: str = "ada@example.com",
    *extra: str,
    achievement: str = "python-basics",
) -> list[str]:
    """``credpages issue`` for one recipient, as tests run it again and again."""
    return ["issue", "--achievement", achievement, "--name", name, "--email", email, *extra]
