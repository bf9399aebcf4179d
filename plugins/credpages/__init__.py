"""credpages: signed Open Badges 3.0 credentials kept in git, published as verifiable static pages.

Subpackages: ``credential`` (the signed credential and its standards), ``issuer`` (the issuer's
repository and the commands that change it), ``site`` (the build), and two thin edges, ``cli`` and
``mkdocs_plugin``. The core (everything but ``mkdocs_plugin`` and the ``cli`` build commands) has no
MkDocs imports, so it can outlive MkDocs 1.x.
"""

from .errors import CredpagesError

__all__ = ["CredpagesError"]
__version__ = "0.1.0"
