#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then run the whole suite.
# Used by the README and by .ci/run. Safe to run again: installs are skipped when present.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

# axe-core for the accessibility tests (tests/browser/package-lock.json pins it; npm ci installs
# exactly that into tests/browser/node_modules, so nothing is fetched while the tests run).
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund --loglevel=error
fi

python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'

export NO_MKDOCS_2_WARNING=1
.venv/bin/ruff check plugins tests bench build.py demo
.venv/bin/mypy
.venv/bin/python -m pytest -n 2 -q "$@"
