"""``credpages verify``: credential files, published JSON or baked badges checked as the build
would, with revoked, expired and not-yet-valid ones listed as states."""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
from pathlib import Path

from ..config import Settings
from ..credential.clr import check_clr, embedded_states, is_clr
from ..credential.status_list import Bits
from ..credential.verify import VALID, Report, verify_document
from ..credential.yamlio import Loaded
from ..errors import CredpagesError
from ..issuer.clr_files import clr_files
from ..issuer.issuing import Issuer, check_authoring_file
from ..issuer.repository import credential_files, display_path, is_signed
from ..issuer.revocation import Revocation, load_ledger, load_status_bits
from .args import settings_of
from .console import EXIT_FAIL, say
from .credential_input import load_credential_input
from .github_actions import code_block, write_summary


def _state_line(
    report: Report, loaded: Loaded, shown: str, ledger: dict[str, Revocation]
) -> tuple[str, str]:
    """The state's name and its line: ``file:line: credentialStatus: revoked (reason)``,
    ``… superseded by URL (reason)``, ``… validUntil: expired``, ``… validFrom: not-yet-valid``."""
    kind, detail = report.state, ""
    rev = ledger.get(str(loaded.data.get("id")))
    if report.state == "revoked" and rev:
        if rev.superseded_by:
            kind, detail = "superseded", f" by {rev.superseded_by}"
        if rev.reason:
            detail += f" ({rev.reason})"
    field = {"revoked": "credentialStatus", "not-yet-valid": "validFrom"}.get(
        report.state, "validUntil"
    )
    where = f"{shown}:{loaded.line_of(field)}" if loaded.lines else shown
    return kind, f"{where}: {field}: {kind}{detail}"


def _check_clr(
    loaded: Loaded, shown: str, settings: Settings, bits: Bits | None, now: dt.datetime
) -> tuple[list[CredpagesError], list[tuple[str, str]]]:
    """A CLR 2.0 learner record: its errors (located), or its embedded credentials' states as
    (kind, line), after saying exactly what was checked."""
    doc = loaded.data
    errors = check_clr(doc, settings)
    if errors:
        return [e.located(file=shown, line=_line(loaded, e.field)) for e in errors], []
    embedded = doc["credentialSubject"]["verifiableCredential"]
    say(
        f"{shown}: CLR of {embedded[0]['id']}: CLR 2.0 schema, both proofs, issuer and bundle "
        f"checked, and each of its {len(embedded)} credentials (schema, issuer, both proofs, "
        "status entry); the isParentOf/isChildOf associations match their evidence"
    )
    states = []
    for field, credential_id, state in embedded_states(doc, bits, now):
        listed = f"{shown}:{_line(loaded, field)}" if loaded.lines else shown
        states.append((state, f"{listed}: {field}: {state} ({credential_id})"))
    return [], states


def _line(loaded: Loaded, field: str | None) -> int | None:
    return loaded.line_of(field or "") if loaded.lines else None


def cmd_verify(args: argparse.Namespace) -> int:
    """Integrity failures exit 1; revoked, superseded, expired and not-yet-valid credentials are
    states, listed on stdout (exit 0) unless --strict makes them failures."""
    settings = settings_of(args)
    messages: list[str] = []
    states: list[str] = []

    def fail(message: object) -> None:
        messages.append(str(message))
        say(message, err=True)

    try:
        bits = load_status_bits(settings)
    except CredpagesError as exc:  # report it, and still check every credential
        bits = None
        fail(exc)
        fail("(revocation is not checked: the revocation list above does not verify)")
    ledger = load_ledger(settings)
    files = [Path(f) for f in args.files] or [*credential_files(settings), *clr_files(settings)]
    if not files:
        say(f"no credentials under {display_path(settings.credentials_dir)}", err=True)
        return EXIT_FAIL if messages else 0
    failed = 0
    counts: dict[str, int] = {}
    now = dt.datetime.now(dt.UTC)
    planner: Issuer | None = None  # checks unsigned files as `sign --unsigned` would, together
    for path in files:
        shown = display_path(path)
        try:
            loaded = load_credential_input(path, shown)
        except CredpagesError as exc:
            fail(exc)
            failed += 1
            continue
        if args.allow_unsigned and loaded.lines and not is_signed(loaded.data):
            try:
                planner = planner or Issuer(settings, None, rng=secrets.randbelow)
                check_authoring_file(settings, Path(shown), planner)
            except CredpagesError as exc:
                fail(exc)
                failed += 1
            else:
                checked = (
                    "structure, schema, issuer and status entry checked; no proof to check yet"
                    if "@context" in loaded.data
                    else "authoring file checked"
                )
                say(
                    f"{shown}: unsigned, valid ({checked}): the Pages workflow signs it on the "
                    "main branch"
                )
            continue
        if is_clr(loaded.data):
            errors, found = _check_clr(loaded, shown, settings, bits, now)
            for err in errors:
                fail(err)
            failed += bool(errors)
            for kind, listed in found:
                counts[kind] = counts.get(kind, 0) + 1
                if args.strict:
                    fail(listed)
                else:
                    states.append(listed)
                    say(listed)
            failed += bool(found and args.strict)
            continue
        report = verify_document(loaded.data, settings, source=shown, revoked_bits=bits, now=now)
        for err in report.errors:
            at = loaded.line_of(err.field or "") if loaded.lines else None
            fail(err.located(file=shown, line=at))
        if report.errors:
            failed += 1
        elif report.state != VALID:
            kind, listed = _state_line(report, loaded, shown, ledger)
            counts[kind] = counts.get(kind, 0) + 1
            if args.strict:
                failed += 1
                fail(listed)
            else:
                states.append(listed)
                say(listed)
        elif args.verbose:
            say(f"{shown}: ok")
    total = f"{len(files) - failed} of {len(files)} credential(s) verified"
    if counts:
        total += "; " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    say(total, err=True)
    if messages or states:
        every = "\n".join([*messages, *states])
        write_summary(f"### credpages verify: {total}\n\n" + code_block(every))
    return EXIT_FAIL if failed or messages else 0
