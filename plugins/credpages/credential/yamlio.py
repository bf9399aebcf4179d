"""Strict YAML for credentials: the YAML a user edits maps to exactly one JSON document.

The public surface of the strict YAML layer, for every caller: reading (``yaml_load``, which says
what is refused and why), writing (``yaml_dump``) and bounded file reads (``bounded_read``).
"""

from __future__ import annotations

from .bounded_read import MAX_BYTES, read_bounded
from .yaml_dump import checked_yaml, dump_yaml, write_yaml, write_yaml_text
from .yaml_load import FLOAT_FIELDS, MAX_DEPTH, Loaded, load_yaml, loads_yaml

__all__ = [
    "FLOAT_FIELDS",
    "MAX_BYTES",
    "MAX_DEPTH",
    "Loaded",
    "checked_yaml",
    "dump_yaml",
    "load_yaml",
    "loads_yaml",
    "read_bounded",
    "write_yaml",
    "write_yaml_text",
]
