"""Issuance-log commands: ``log sync`` (start or complete it, sign the checkpoint) and
``log audit`` (check a site's published log)."""

from __future__ import annotations

import argparse
import sys

from ..credential.verify import check_integrity
from ..credential.yamlio import load_yaml
from ..errors import CredpagesError
from ..fsio import atomic_write
from ..issuer.issuance_log import IssuanceLog, log_path
from ..issuer.repository import credential_files, display_path, is_signed
from ..site.log_audit import audit
from .args import settings_of, signer_of


def cmd_log_sync(args: argparse.Namespace) -> int:
    """Start the issuance log, or append what is missing from it, and sign its checkpoint."""
    settings = settings_of(args)
    log = IssuanceLog(settings)
    started = not log_path(settings).exists()
    added = 0
    for path in credential_files(settings):
        try:
            doc = load_yaml(path).data
        except CredpagesError:
            continue  # the build reports it
        if not is_signed(doc):
            continue
        problems = check_integrity(doc, settings)
        if problems:
            print(f"not logged: {problems[0].located(file=display_path(path))}", file=sys.stderr)
            continue
        if log.add(doc) is not None:
            added += 1
    log.save(signer_of(args, settings), force=True)
    what = "started with" if started else "appended"
    count = len(log.entries) if started else added
    print(
        f"{display_path(log_path(settings))}: {what} {count} leaf(s); "
        f"{len(log.entries)} in all, checkpoint signed",
        file=sys.stderr,
    )
    return 0


def cmd_log_audit(args: argparse.Namespace) -> int:
    result, note = audit(args.source, saved=args.checkpoint)
    print(f"log {result.origin}: {result.size} leaves, root {result.root}")
    print("checkpoint signature: verified against the site's DID document keys")
    print("tiles and entry bundles: consistent with the recomputed tree")
    print(
        f"credentials: {result.published} published match their leaves"
        + (f", {result.withdrawn} logged but no longer published" if result.withdrawn else "")
    )
    if result.extends:
        print(result.extends)
    if args.save:
        atomic_write(args.save, note)
        print(f"checkpoint saved to {args.save}: pass it with --checkpoint next time")
    return 0
