#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then run the whole suite: the fast
# tests, then the browser tests (headless Chromium). Exits non-zero if either fails, or if a
# browser test is skipped (CREDPAGES_REQUIRE_BROWSER). Arguments go to both pytest runs.
# Used by the README and by .ci/run. Safe to run again: installs are skipped when present.
set -euo pipefail
cd "$(dirname "$0")/.."

# The one rule that finds Chromium for the tests (CREDPAGES_CHROMIUM, /usr/bin/chromium, PATH).
if ! python3 tests/browser/chromium.py >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
echo "Chromium: $(python3 tests/browser/chromium.py)"

# axe-core for the accessibility tests (tests/browser/package-lock.json pins it; npm ci installs
# exactly that into tests/browser/node_modules, so nothing is fetched while the tests run).
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund --loglevel=error
fi

python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'

export NO_MKDOCS_2_WARNING=1
export CREDPAGES_REQUIRE_BROWSER=1
.venv/bin/ruff check plugins tests bench build.py demo
.venv/bin/ruff format --check plugins tests bench build.py demo
.venv/bin/mypy

fast=0
browser=0
.venv/bin/python -m pytest -n 2 -q -m "not browser" "$@" || fast=$?
.venv/bin/python -m pytest -n 2 -q -m browser "$@" || browser=$?
# pytest exits 5 when it selects no test. Arguments that narrow the run (one fast test file) may
# leave one half empty, never both; the whole suite must run both halves.
if [ "$#" -gt 0 ] && [ "$fast" = 5 ] && [ "$browser" = 0 ]; then fast=0; fi
if [ "$#" -gt 0 ] && [ "$browser" = 5 ] && [ "$fast" = 0 ]; then browser=0; fi
if [ "$fast" != 0 ] || [ "$browser" != 0 ]; then
  echo "test.sh: the fast tests exited $fast, the browser tests $browser (5: no test ran)" >&2
  exit 1
fi
