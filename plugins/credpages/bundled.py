"""Files shipped inside the package, so that a site which installs credpages needs nothing else.

``theme/`` (the built-in page templates and the verifier's CSS and ES modules), ``workflows/``
(the GitHub workflows a new site starts from) and ``requirements.lock`` are, in this repository,
links to what the demo site and this repository use (``theme/``, ``.github/workflows/``,
``requirements.lock``); a wheel holds copies.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
THEME_DIR = PACKAGE_DIR / "theme"
#: Jinja templates of credpages' own pages (an issuer's ``custom_dir/credpages/`` overrides them).
TEMPLATE_DIR = THEME_DIR / "credpages"
#: CSS and ES modules published under ``assets/credpages/``.
ASSETS_DIR = THEME_DIR / "assets" / "credpages"
#: This repository's GitHub workflows, the source of a new site's workflows (``credpages init``).
WORKFLOWS_DIR = PACKAGE_DIR / "workflows"
#: The hash-locked dependencies of this version (``requirements.lock``), which a site's workflows
#: install before credpages itself.
LOCK_FILE = PACKAGE_DIR / "requirements.lock"
ASSETS_URL_DIR = "assets/credpages"
