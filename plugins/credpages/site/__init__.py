"""The build: turns the verified credentials of a repository into the files a static site serves.

``collect`` verifies every committed credential, ``render`` draws the HTML pages,
``share_card``/``card_text``/``svg_raster``/``cards`` draw share images with the bundled
``fonts/``, ``qr`` and ``linkedin`` make the sharing markup, and ``publish`` writes it all out.
``cache`` (one authenticated SQLite file) lets unchanged inputs skip the slow work, never
supplying content. No MkDocs imports.
"""
