"""credpages: signed Open Badges 3.0 credentials kept in git, published as verifiable static pages.

The core (this package minus ``plugin``) has no MkDocs imports: the MkDocs plugin is a thin layer
over it, so the core can outlive MkDocs 1.x.
"""

from credpages.errors import CredpagesError

__all__ = ["CredpagesError"]
__version__ = "0.1.0"
