"""Python's cycle collector paused while credpages loads many small objects that make no cycles.

Each collection walks every tracked object again: loading 10,000 credentials' records (a build,
or the holdings an ``issue`` scans) triggered collections that walked all of them, 15% of a warm
10,000-credential build and ~0.1 s of one ``issue`` into such a site. What was loaded meanwhile
is kept out of later collections (``gc.freeze``; the build undoes it after publishing); cycles
made meanwhile are collected once the collector runs again.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block, then what exists frozen and the collector back on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
