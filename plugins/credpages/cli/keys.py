"""Key commands: ``keygen``, ``rotate-key``, ``retire-key`` and ``resign`` (re-signing what a
retired key signed)."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from ..config import Settings
from ..credential.keys import default_secret_path, generate_seed, public_key_of, write_secret_key
from ..credential.multikey import decode_public_key, encode_secret_key
from ..credential.yamlio import load_yaml
from ..errors import CredpagesError
from ..fsio import atomic_write
from ..issuer.clr_files import remake_clrs, stale_clrs
from ..issuer.config_edit import add_key, retire_key
from ..issuer.issuance_log import IssuanceLog
from ..issuer.repository import STATUS_LIST_FILE, credential_files, display_path
from ..issuer.resign import RESIGNED, UNSIGNED, needs_resign, resign_file
from ..issuer.revocation import resign_status_list
from .args import settings_of, signer_of
from .console import EXIT_FAIL, say
from .site_config import load_settings


def cmd_keygen(args: argparse.Namespace) -> int:
    seed = generate_seed()
    public = public_key_of(seed)
    if args.stdout:
        say(encode_secret_key(seed))
        say(f"public key: {public}", err=True)
        say("Store the first line as the CREDPAGES_SIGNING_KEY secret.", err=True)
        return 0
    path = Path(args.out) if args.out else default_secret_path()
    write_secret_key(seed, path, force=args.force)
    say(f"secret key written to {path} (mode 0600; keep it out of git)")
    say("add this public key to the keyring in mkdocs.yml:")
    say(f"  public_key: {public}")
    return 0


def _edit_config(settings: Settings, edit: Callable[[Path], None]) -> Path:
    """Edit mkdocs.yml's text, then load it: a file that no longer loads is put back as it was."""
    assert settings.config_file is not None
    original = settings.config_file.read_bytes()
    edit(settings.config_file)
    try:
        load_settings(settings.config_file)  # the edited file must still be valid
    except CredpagesError:
        atomic_write(settings.config_file, original)  # never leave a broken mkdocs.yml behind
        raise
    return settings.config_file


def cmd_rotate_key(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if args.public_key:
        public = args.public_key.strip()
        decode_public_key(public, field="--public-key")
        held = next((k.id for k in settings.keyring if k.public_key == public), None)
        if held is not None:
            raise CredpagesError(f"this key is already in the keyring as {held}")
    else:
        seed = generate_seed()
        public = public_key_of(seed)
        if args.stdout:
            say(encode_secret_key(seed))
        else:
            path = (
                Path(args.out)
                if args.out
                else default_secret_path().with_name(f"signing-key-{dt.date.today().isoformat()}")
            )
            write_secret_key(seed, path)
            say(f"new secret key written to {path}", err=True)
    ids = {k.id for k in settings.keyring}
    n = len(ids) + 1
    while f"key-{n}" in ids:
        n += 1
    config_file = _edit_config(
        settings, lambda path: add_key(path, f"key-{n}", public, dt.date.today().isoformat())
    )
    say(
        f"added key-{n} ({public}) to the keyring in {display_path(config_file)}; "
        "new credentials are signed with it, older ones still verify",
        err=True,
    )
    return 0


def cmd_retire_key(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    entry = next((k for k in settings.keyring if k.id == args.key_id), None)
    if entry is None:
        known = ", ".join(k.id for k in settings.keyring)
        raise CredpagesError(f"no key {args.key_id!r} in the keyring (keys: {known})")
    if entry.retired:
        raise CredpagesError(f"key {entry.id!r} is already retired")
    if not any(not k.retired for k in settings.keyring if k.id != entry.id):
        raise CredpagesError(
            f"{entry.id} is the only key that is not retired: add its successor first with "
            "`credpages rotate-key` (and store the new secret), then retire this one"
        )
    config_file = _edit_config(settings, lambda path: retire_key(path, entry.id))
    say(
        f"retired {entry.id} in {display_path(config_file)}: the DID document no longer "
        "lists it, and what it signed no longer verifies. Re-sign with the current key: "
        "`credpages resign` (`credpages resign --dry-run` lists the files)",
        err=True,
    )
    return 0


def cmd_resign(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    signer = None if args.dry_run else signer_of(args, settings)
    verb = "to re-sign" if args.dry_run else "re-signed"
    if resign_status_list(settings, signer):
        say(f"{display_path(settings.credentials_dir / STATUS_LIST_FILE)}: {verb}")
    if args.files:
        files = [Path(f) for f in args.files]
    else:
        files = []
        for path in credential_files(settings):
            try:
                if needs_resign(load_yaml(path).data, settings):
                    files.append(Path(display_path(path)))
            except CredpagesError:
                continue  # unreadable: the build reports it, re-signing cannot help
    done = refused = 0
    log = IssuanceLog(settings) if signer is not None else None
    for path in files:
        shown = display_path(path)
        try:
            result = resign_file(path, settings, signer)
        except CredpagesError as exc:
            say(exc.located(file=shown), err=True)
            refused += 1
            continue
        if result.status == RESIGNED:
            if log is not None:
                log.add(load_yaml(path).data)  # the new bytes are a new leaf of the same id
            done += 1
            say(f"{shown}: {verb} (signed by {', '.join(result.old_keys)})")
        elif result.status == UNSIGNED:
            say(f"{shown}: unsigned: sign it with `credpages sign`; left as it is")
        else:
            say(f"{shown}: already signed with a current key; left as it is")
    if log is not None and signer is not None:
        log.save(signer, force=True)  # the checkpoint, too, is signed with the current key
    if not refused:  # the CLRs embed what was just re-signed, and are signed by the old key
        stale = stale_clrs(settings)
        written = remake_clrs(settings, signer, stale) if signer is not None else []
        for path in written or [target for target, _ in stale]:
            say(f"{display_path(path)}: CLR {verb}")
    key = f" with {signer.entry.id}" if signer is not None else ""
    say(
        f"{done} credential(s) {verb}{key}; ids and pages unchanged"
        + (f"; {refused} refused (see above)" if refused else ""),
        err=True,
    )
    return EXIT_FAIL if refused else 0
