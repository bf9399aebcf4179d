#!/usr/bin/env bash
# Lock what the GitHub workflows install: credpages' runtime dependencies (pyproject.toml) and the
# setuptools that builds it, every version pinned with its hashes, in requirements.lock.
# Run after changing a dependency in pyproject.toml; `bash scripts/lock.sh --upgrade` also takes
# newer releases. Commit requirements.lock. Needs PyPI; uv is installed into .venv if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
[ -x .venv/bin/uv ] || .venv/bin/pip install -q --disable-pip-version-check uv
.venv/bin/uv pip compile pyproject.toml scripts/build-requirements.in \
  --universal --python-version 3.11 --generate-hashes --quiet \
  --custom-compile-command "bash scripts/lock.sh" \
  --output-file requirements.lock "$@"
