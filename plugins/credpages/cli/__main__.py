"""``python -m credpages.cli ARGS`` runs the ``credpages`` command."""

import sys

from .commands import main

sys.exit(main())
