"""The build: turns the verified credentials of a repository into the files a static site serves.

``collect`` verifies every committed credential (with ``verify_cache``/``cache_store`` saving
work, never content), ``render`` draws the HTML pages, ``share_card``/``card_text``/``svg_raster``
/``cards`` draw share images with the bundled ``fonts/``, ``qr`` and ``linkedin`` make the sharing
markup, and ``publish`` writes it all out (``page_cache`` skips unchanged pages). No MkDocs imports.
"""
