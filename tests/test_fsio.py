"""Atomic writes keep permissions: a rewrite never makes a committed file private or public."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from credpages.errors import CredpagesError
from credpages.fsio import atomic_write


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.yaml", "x: 1\n")
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "a.yaml") == 0o644
    assert (tmp_path / "a.yaml").read_text() == "x: 1\n"


def test_rewrite_keeps_existing_permissions_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "mkdocs.yml"
    target.write_text("old\n")
    target.chmod(0o640)
    atomic_write(target, "new\n")
    assert mode_of(target) == 0o640 and target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mkdocs.yml"]


def test_explicit_mode_for_secrets(tmp_path: Path) -> None:
    atomic_write(tmp_path / "key", b"secret", mode=0o600)
    assert mode_of(tmp_path / "key") == 0o600


def test_never_replaces_a_device_fifo_or_folder(tmp_path: Path) -> None:
    """As root, renaming over /dev/null would replace the machine's null device with a file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    for target in (fifo, folder):
        with pytest.raises(CredpagesError, match="not a regular file"):
            atomic_write(target, b"x")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "pipe"]
