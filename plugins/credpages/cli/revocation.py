"""Revocation commands: ``status-check`` (no revocation undone) and ``revoke``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..credential.model import slug_of
from ..credential.status_list import count_set
from ..credential.yamlio import load_yaml
from ..errors import CredpagesError
from ..issuer.repository import STATUS_LIST_FILE, credential_files, display_path, find_credential
from ..issuer.revocation import (
    load_ledger,
    load_list_file,
    load_status_bits,
    revoke,
    rollback_errors,
    status_indices,
    unrevoked_errors,
)
from .args import settings_of, signer_of
from .console import EXIT_FAIL, say
from .github_actions import code_block, write_summary


def cmd_status_check(args: argparse.Namespace) -> int:
    """No revocation undone: the ledger's are set in the list, as is every bit of ``--previous``.

    The workflows pass the base branch's list (pull requests) or the deployed one (Pages).
    """
    settings = settings_of(args)
    list_path = settings.credentials_dir / STATUS_LIST_FILE
    shown = display_path(list_path)
    current = load_status_bits(settings)  # must verify, as for the build
    docs = []
    for path in credential_files(settings):
        try:
            docs.append(load_yaml(path).data)
        except CredpagesError:
            continue  # `verify` and the build report it; here it only names indices
    indices = status_indices(docs)
    ledger = load_ledger(settings)
    previous = name = None
    if args.previous:
        name = args.previous_name or display_path(Path(args.previous))
        try:
            previous = load_list_file(Path(args.previous), settings)
        except CredpagesError as exc:
            raise CredpagesError(
                f"the previous list ({name}) does not verify against the keyring in mkdocs.yml "
                f"(it may be signed by a retired key that is still listed): {exc.message}",
                file=exc.file,
                line=exc.line,
                field=exc.field,
            ) from exc
    if current is None:
        if previous is None and not ledger:
            print(f"{shown}: no revocation list yet; nothing to check", file=sys.stderr)
            return 0
        errors = [
            CredpagesError(
                f"is missing, but {'the previous list' if previous is not None else 'the ledger'} "
                "has revocations: a revocation list cannot be removed; restore it from git",
                file=shown,
            )
        ]
    else:
        errors = unrevoked_errors(settings, ledger, indices, current)
        if previous is not None:
            slugs = {index: slug_of(cid, settings) or cid for cid, index in indices.items()}
            line = load_yaml(list_path).line_of("credentialSubject.encodedList")
            errors += rollback_errors(
                settings, previous, current, previous_name=str(name), slugs=slugs, line=line
            )
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        write_summary(
            "### credpages status-check: a revocation was undone\n\n"
            + code_block("\n".join(str(e) for e in errors))
        )
        return EXIT_FAIL
    assert current is not None
    if previous is None:
        print(f"{shown}: every revocation in the ledger is set; no previous list to compare with")
    else:
        print(
            f"{shown}: no revocation undone ({count_set(previous)} revoked in {name}, "
            f"{count_set(current)} now)"
        )
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    signer = signer_of(args, settings)
    path, doc = find_credential(settings, args.credential)
    revoke(settings, signer, doc, reason=args.reason)
    say(f"{display_path(path)}: revoked ({doc['id']}); the list is re-signed")
    return 0
