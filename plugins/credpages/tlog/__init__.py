"""Transparency-log primitives: RFC 9162 Merkle trees, C2SP signed notes, checkpoints and tiles.

Pure functions over bytes, with no knowledge of credentials: the issuer's log
(``issuer.issuance_log``) and the published tiles (``site.log_publish``) are built on them.
"""
