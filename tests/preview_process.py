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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

BUILD_PY = Path(__file__).resolve().parents[1] / "build.py"


@dataclass
class Preview:
    origin: str  # http://127.0.0.1:PORT/, as the preview announced it
    proc: subprocess.Popen[str]
    err_lines: list[str] = field(default_factory=list)  # stderr so far

    @property
    def err(self) -> str:
        return "".join(self.err_lines)


def _pump(stream: IO[str], put: queue.Queue[str] | list[str]) -> None:
    for line in stream:
        put.put(line) if isinstance(put, queue.Queue) else put.append(line)
    if isinstance(put, queue.Queue):
        put.put("")  # the process closed its output


@contextmanager
def preview(
    cwd: Path, env: Mapping[str, str], *argv: str, timeout: float = 60
) -> Iterator[Preview]:
    proc = subprocess.Popen(
        [sys.executable, str(BUILD_PY), "serve", "--port", "0", *argv],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    err_lines: list[str] = []
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    threading.Thread(target=_pump, args=(proc.stderr, err_lines), daemon=True).start()
    try:
        try:
            first = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("credpages serve announced no address") from None
        if not first:
            proc.wait(timeout=15)
            raise AssertionError(f"credpages serve stopped: {''.join(err_lines)}")
        found = re.search(r" at (http://127\.0\.0\.1:\d+/) ", first)
        assert found, first
        yield Preview(found.group(1), proc, err_lines)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
