"""Options most commands share, turned into core objects: ``--config`` into ``Settings``,
``--key-file`` into a ``Signer``, and every ``--out`` checked before anything is written."""

from __future__ import annotations

import argparse
import os
import secrets
from pathlib import Path

from ..config import Settings
from ..credential.keys import read_signing_key
from ..errors import CredpagesError
from ..issuer.issuing import Issuer
from ..issuer.repository import display_path
from ..issuer.signing import Signer
from .site_config import load_settings


def check_out(value: str, settings: Settings, *, force: bool = False) -> Path:
    """An ``--out`` file checked before anything is signed or written.

    It must be a file name in a writable folder (missing folders are made), short enough for
    the temporary file ``atomic_write`` makes next to it; it never replaces a source of the
    site (``mkdocs.yml``, anything in docs_dir) unless ``force``, and never a credential.
    """
    out = Path(value)
    if not value.strip() or value.endswith(("/", os.sep)) or out.is_dir():
        raise CredpagesError("is a folder: give a file name, e.g. awarded.csv", file=value)
    folder = out.parent.resolve()
    existing = next(p for p in (folder, *folder.parents) if p.exists())  # missing ones are made
    if not existing.is_dir():
        raise CredpagesError(f"{display_path(existing)} is a file, not a folder", file=value)
    if not os.access(existing, os.W_OK):
        raise CredpagesError(f"cannot write in the folder {display_path(existing)}", file=value)
    try:
        name_max = os.pathconf(existing, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    if len(out.name.encode("utf-8", "surrogateescape")) + 16 > name_max:
        raise CredpagesError(f"the file name is too long (over {name_max - 16} bytes)", file=value)
    target = folder / out.name
    if target.exists() and not target.is_file():
        raise CredpagesError(
            "is not a regular file (a device, FIFO or socket): give a file name", file=value
        )
    if target.is_relative_to(settings.credentials_dir):
        raise CredpagesError(
            f"is inside {display_path(settings.credentials_dir)}, where credentials and "
            "achievements live: write it somewhere else",
            file=value,
        )
    sources = [settings.config_file.resolve()] if settings.config_file else []
    if (
        target.exists()
        and not force
        and (target in sources or (settings.docs_dir and target.is_relative_to(settings.docs_dir)))
    ):
        raise CredpagesError(
            "would replace a file of the site's sources: choose another name, or pass --force "
            "to replace it",
            file=value,
        )
    return out


def settings_of(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


def signer_of(args: argparse.Namespace, settings: Settings) -> Signer:
    return Signer(settings, read_signing_key(args.key_file))


def issuer_of(args: argparse.Namespace) -> Issuer:
    settings = settings_of(args)
    return Issuer(settings, signer_of(args, settings), rng=secrets.randbelow)
