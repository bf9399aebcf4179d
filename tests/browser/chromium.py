"""Where the browser tests, the benches and scripts/test.sh find Chromium: one rule for all.

``CREDPAGES_CHROMIUM`` names the executable (nothing else is tried then), else Debian's
``/usr/bin/chromium``, else ``chromium`` or ``chromium-browser`` on PATH. Standard library only:
scripts/test.sh runs this file with the system Python before any virtualenv exists
(``python3 tests/browser/chromium.py`` prints the path, or the reason and exits 1).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ENV_VAR = "CREDPAGES_CHROMIUM"
DEBIAN = Path("/usr/bin/chromium")


def find_chromium() -> tuple[Path | None, str]:
    """The Chromium executable, or None and why it was not found."""
    named = os.environ.get(ENV_VAR, "")
    if named:
        path = Path(named)
        if path.is_file() and os.access(path, os.X_OK):
            return path, ""
        return None, f"{ENV_VAR}={named} is not an executable file"
    if DEBIAN.is_file() and os.access(DEBIAN, os.X_OK):
        return DEBIAN, ""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return Path(found), ""
    return None, f"no Chromium: neither {DEBIAN} nor chromium on PATH (apt-get install chromium)"


if __name__ == "__main__":
    chromium, why = find_chromium()
    if chromium is None:
        print(why, file=sys.stderr)
        sys.exit(1)
    print(chromium)
