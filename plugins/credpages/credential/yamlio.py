"""Strict YAML for credentials: the YAML a user edits must map to exactly one JSON document.

Credentials are signed over their JSON form (JCS, RFC 8785), so any YAML feature that can change
the data behind the user's back is refused instead of guessed at: anchors and aliases, tags, merge
keys, duplicate keys, non-text keys, several documents, YAML 1.1 words such as ``no`` or ``on``
that some readers turn into booleans, dates, nulls and number forms JSON does not have. The data
is built from PyYAML's event stream rather than ``safe_load`` so every rule is ours and a hostile
file (billion laughs, deep nesting, huge input) stops at the first offending event.

Every failure is a :class:`~credpages.errors.CredpagesError` naming the file, the line and the
field, with a message that says what to do.

The public surface of the strict YAML layer: reading (``yaml_load``), writing (``yaml_dump``) and
bounded file reads (``bounded_read``) live in their own modules; callers import from here.
"""

from __future__ import annotations

from .bounded_read import MAX_BYTES, read_bounded
from .yaml_dump import dump_yaml, write_yaml
from .yaml_load import FLOAT_FIELDS, MAX_DEPTH, Loaded, load_yaml, loads_yaml

__all__ = [
    "FLOAT_FIELDS",
    "MAX_BYTES",
    "MAX_DEPTH",
    "Loaded",
    "dump_yaml",
    "load_yaml",
    "loads_yaml",
    "read_bounded",
    "write_yaml",
]
