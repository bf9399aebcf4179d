"""The ``credpages`` command line (``python build.py`` too): a thin edge over issuer and site.

``commands`` holds the parser and ``main``; each group of commands has its module (``issuing``,
``pathways``, ``verify``, ``revocation``, ``keys``, ``log``, ``bake``, ``site_build``, ``init``)
over what they share (``console``: printing and reports; ``args``: settings, signer, ``--out``).
``github_actions`` formats annotations and job summaries when the commands run in CI. MkDocs is
imported only inside the functions that run it.
"""

from .commands import main

__all__ = ["main"]
