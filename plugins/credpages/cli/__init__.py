"""The ``credpages`` command line (``python build.py`` too): a thin edge over issuer and site.

``commands`` parses arguments and calls the core; ``github_actions`` formats annotations and job
summaries when the commands run in CI. MkDocs is imported only inside the functions that run it.
"""

from .commands import main

__all__ = ["main"]
