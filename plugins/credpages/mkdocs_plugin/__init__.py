"""The MkDocs plugin: a thin edge that reads the plugin's settings and hands the build to ``site``.

The only package besides ``cli`` that imports MkDocs, so the core can outlive MkDocs 1.x.
"""
