"""``credpages serve`` in a process of its own, for the tests: started on a free port, stopped
by its process id."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

BUILD_PY = Path(__file__).resolve().parents[1] / "build.py"


@contextmanager
def preview(
    cwd: Path, env: Mapping[str, str], *argv: str, timeout: float = 60
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Yields the origin the preview announces (``http://127.0.0.1:PORT/``) and the process."""
    proc = subprocess.Popen(
        [sys.executable, str(BUILD_PY), "serve", "--port", "0", *argv],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put("")  # the process closed its output

    threading.Thread(target=read, daemon=True).start()
    try:
        try:
            first = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("credpages serve announced no address") from None
        if not first:
            proc.wait(timeout=15)
            assert proc.stderr is not None
            raise AssertionError(f"credpages serve stopped: {proc.stderr.read()}")
        found = re.search(r" at (http://127\.0\.0\.1:\d+/) ", first)
        assert found, first
        yield found.group(1), proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
