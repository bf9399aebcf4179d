#!/usr/bin/env python3
"""``python build.py ARGS`` does the same as ``credpages ARGS`` (works before installing too)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "plugins"))

from credpages.cli import main

if __name__ == "__main__":
    sys.exit(main())
