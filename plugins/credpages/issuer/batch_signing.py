"""Checking and signing a batch of credentials on every core.

Most of a CSV batch's time goes to work that depends on one document alone: its RDFC canonical
form (the JSON-LD check and the eddsa-rdfc-2022 input), both signatures, the check of what was
signed, and the YAML text proven to read back as the signed document. Past
``PARALLEL_THRESHOLD`` documents that work runs in worker processes. The main process keeps
everything that is shared or ordered (new ids and status indexes, duplicates, writing the files,
the issuance log), so the files and the log are the ones a single process makes.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from ..config import Settings
from ..credential.jsonld import canonicalize_rdfc
from ..credential.proofs import jcs_bytes
from ..credential.verify import check_content, check_integrity, check_proofs
from ..credential.yamlio import checked_yaml
from ..errors import CredpagesError
from .signing import Signer

PARALLEL_THRESHOLD = 24  # below this, starting worker processes costs more than it saves
CHUNK = 256  # documents signed ahead of the writes: bounds what a huge CSV holds in memory

Checked = tuple[str | None, list[CredpagesError]]
"""A document's RDFC N-Quads if it can be signed, else the problems (the first is reported)."""

SignJob = tuple[dict[str, Any], str | None, str]
"""An unsigned document, its RDFC N-Quads (None: make them) and the file it will go to."""

Signed = tuple[dict[str, Any], str] | CredpagesError
"""The signed document and its checked YAML text, or why it cannot be written."""


def signable(doc: Mapping[str, Any], settings: Settings) -> Checked:
    """Whether ``doc`` can be signed: its content checks, JSON-LD safe mode and JCS."""
    errors = check_content(doc, settings)
    if errors:
        return None, errors
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    try:
        canonical = canonicalize_rdfc(unsecured)
        jcs_bytes(unsecured)
    except CredpagesError as exc:
        return None, [exc]
    return canonical, []


def sign_checked(signer: Signer, job: SignJob) -> tuple[dict[str, Any], str]:
    """Sign ``job``'s document and refuse anything the build would refuse to publish.

    Every check the build makes, each once: when the signed document is (compared whole) the
    one whose RDFC N-Quads were made by :func:`signable`, its content already passed and the
    N-Quads are reused, so only the proofs are checked here; otherwise everything is. The YAML
    text is then proven to read back as exactly the signed document.
    """
    document, canonical, path = job
    signed = signer.sign(document, canonical_document=canonical)
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    if canonical is not None and unsecured == document:
        problems = check_proofs(signed, signer.settings, canonical_document=canonical)
    else:
        problems = check_integrity(signed, signer.settings)
    if problems:
        raise problems[0].located(file=path)
    return signed, checked_yaml(path, signed)


# Each worker process's settings and signer, set once by ``_start_worker``.
_worker: dict[str, Any] = {}


def _start_worker(settings: Settings, signer: Signer | None) -> None:
    _worker["settings"], _worker["signer"] = settings, signer
    # Ctrl-C reaches every process of the terminal: only the main process handles it (it stops
    # the batch, keeps every complete file and says so); a worker printing a traceback would not
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """End this worker once the main process is gone (killed, say): an orphaned worker would
    wait for work forever, holding the terminal's or caller's pipes open."""
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


def _check(doc: dict[str, Any]) -> Checked:
    return signable(doc, _worker["settings"])


def _signed(signer: Signer, job: SignJob) -> Signed:
    try:
        return sign_checked(signer, job)
    except CredpagesError as exc:  # returned, not raised: the batch reports it in row order
        return exc


def _sign(job: SignJob) -> Signed:
    return _signed(_worker["signer"], job)


class BatchSigner:
    """The workers of one batch (none for a small one); use it in a ``with`` block."""

    def __init__(
        self, settings: Settings, signer: Signer | None, size: int, workers: int | None = None
    ) -> None:
        self.settings = settings
        self.signer = signer
        workers = workers or os.cpu_count() or 1
        self._pool: Executor | None = None
        if workers > 1 and size >= PARALLEL_THRESHOLD:
            self._pool = ProcessPoolExecutor(
                workers, initializer=_start_worker, initargs=(settings, signer)
            )
        self._chunksize = max(1, min(16, size // (workers * 4)))

    def __enter__(self) -> BatchSigner:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def check_all(self, docs: Sequence[dict[str, Any]]) -> list[Checked]:
        """:func:`signable` of every document, in order."""
        if self._pool is None:
            return [signable(doc, self.settings) for doc in docs]
        return list(self._pool.map(_check, docs, chunksize=self._chunksize))

    def sign_all(self, jobs: Sequence[SignJob]) -> Iterator[Signed]:
        """:func:`sign_checked` of every job, in order. Workers sign the next ``CHUNK`` while
        the caller writes the current one, and never run further ahead than that."""
        if self.signer is None:
            raise CredpagesError("no signing key: this run only checks")
        if self._pool is None:
            yield from (_signed(self.signer, job) for job in jobs)
            return
        ahead: Iterator[Signed] | None = None
        for start in range(0, len(jobs), CHUNK):
            chunk = jobs[start : start + CHUNK]
            submitted = self._pool.map(_sign, chunk, chunksize=self._chunksize)
            if ahead is not None:
                yield from ahead
            ahead = submitted
        if ahead is not None:
            yield from ahead
