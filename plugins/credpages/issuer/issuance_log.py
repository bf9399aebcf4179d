# Over 400 lines on purpose: the log file's format, appending to it and every check of it (the
# build's and `log audit`'s) are one contract; the tree, notes and tiles are in `tlog/`.
"""The issuer's issuance log: every credential ever published, as leaves of an RFC 9162 tree.

State in git is one small text file, ``credentials/log/log.txt``: one leaf per line
(``<UTC date> <SHA-256 of the credential's JCS bytes, hex> <credential id>``, the line being the
leaf's entry bytes), a blank line, then the last checkpoint, a C2SP signed note by the issuer's
Ed25519 key. ``issue``, ``sign``, ``reissue`` and ``resign`` append and re-sign it in one atomic
write; nothing ever removes a leaf. The checks here are shared by the build and ``log audit``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import Settings
from ..credential.proofs import jcs_bytes, verify_proof_set
from ..credential.summary import first_created as _first_created
from ..credential.verify import keyring_resolver
from ..credential.yamlio import load_yaml
from ..errors import CredpagesError
from ..fsio import atomic_write
from ..tlog import merkle
from ..tlog.checkpoint import Checkpoint, parse_checkpoint
from ..tlog.merkle import Tree
from ..tlog.note import NoteError, Verifier, sign_note, verifier_key, verify_note
from . import log_frontier
from .repository import credential_files, display_path, is_signed
from .signing import Signer

LOG_FILE = Path("log") / "log.txt"
HEADER = "# credpages issuance log: append-only, signed; edit only with credpages commands"
_ENTRY = re.compile(r"(\d{4}-\d{2}-\d{2}) ([0-9a-f]{64}) (\S+)")


@dataclass(frozen=True, slots=True)
class Entry:
    """One leaf: the date it entered the log, the credential's hash and its id. Slots, and
    parsed dates shared (``sys.intern``: one a day): a build holds every leaf to the end."""

    date: str
    sha256: str
    id: str

    @property
    def data(self) -> bytes:
        """The leaf's entry bytes (hashed as ``SHA-256(0x00 || data)``)."""
        return f"{self.date} {self.sha256} {self.id}".encode()


def parse_entry(text: str) -> Entry:
    m = _ENTRY.fullmatch(text)
    if not m:
        raise CredpagesError(f"not a log entry (<date> <sha256 hex> <id>): {text[:120]!r}")
    if not _is_date(m.group(1)):
        raise CredpagesError(f"{m.group(1)!r} is not a date")
    return Entry(sys.intern(m.group(1)), m.group(2), m.group(3))


@lru_cache(maxsize=4096)
def _is_date(text: str) -> bool:
    """Checked once per date (a log of 10,000 entries has a few hundred)."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def credential_hash(doc: Mapping[str, Any]) -> str:
    """SHA-256 of the RFC 8785 (JCS) bytes of the signed credential, proofs included."""
    return hashlib.sha256(jcs_bytes(doc)).hexdigest()


def sorted_json_hash(doc: Mapping[str, Any]) -> str | None:
    """SHA-256 of the C encoder's sorted compact JSON of ``doc`` (None if it cannot encode it).

    Where it equals a log entry's hash, those bytes are the JCS bytes of the logged document, so
    both are the same JSON data: the cheap half of :func:`matches_entry`, which the build keeps
    with each verified file in its cache."""
    try:
        quick = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(quick.encode("utf-8")).hexdigest()
    except (TypeError, ValueError, UnicodeEncodeError):
        return None


def matches_entry(doc: Mapping[str, Any], sha256_hex: str, quick: str | None = None) -> bool:
    """``credential_hash(doc) == sha256_hex``, cheaply when it holds.

    The sorted compact JSON (``quick``, or :func:`sorted_json_hash` now) is tried first; only a
    mismatch pays for the exact RFC 8785 serialisation (which differs from it only for floats
    and astral keys)."""
    if (quick or sorted_json_hash(doc)) == sha256_hex:
        return True
    return credential_hash(doc) == sha256_hex


def log_origin(site_url: str) -> str:
    """``https://example.github.io/awards/`` → ``example.github.io/awards/log`` (tlog-tiles:
    the log's URL prefix without scheme or trailing slash); also the note's key name."""
    parts = urlsplit(site_url)
    return f"{parts.netloc}{parts.path.rstrip('/')}/log"


def note_verifiers(settings: Settings, *, retired: bool = False) -> list[Verifier]:
    """The keyring's keys as note verifiers under the log's origin (retired ones on request)."""
    origin = log_origin(settings.site_url)
    return [
        Verifier(origin, k.public_key_bytes) for k in settings.keyring if retired or not k.retired
    ]


def verifier_keys(settings: Settings) -> list[str]:
    """``name+hash+key`` strings of the current keys (for the DID document and the guide)."""
    return [verifier_key(v.name, v.public_key) for v in note_verifiers(settings)]


@dataclass
class LogFile:
    entries: list[Entry]
    note: str | None  # the signed checkpoint, verbatim


def parse_log(text: str, source: str) -> LogFile:
    """The log file's text → entries and checkpoint note (format only; nothing verified)."""
    body, sep, note = text.partition("\n\n")
    entries = []
    for n, line in enumerate(body.split("\n"), 1):
        if not line or line.startswith("#"):
            continue
        try:
            entries.append(parse_entry(line))
        except CredpagesError as exc:
            raise CredpagesError(exc.message, file=source, line=n) from None
    return LogFile(entries, note if sep and note.strip() else None)


def format_log(log: LogFile) -> str:
    lines = [HEADER, *(e.data.decode() for e in log.entries)]
    return "\n".join(lines) + "\n\n" + (log.note or "")


def log_path(settings: Settings) -> Path:
    return settings.credentials_dir / LOG_FILE


def read_log(settings: Settings) -> LogFile | None:
    path = log_path(settings)
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CredpagesError("is not UTF-8 text", file=display_path(path)) from None
    return parse_log(text, display_path(path))


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


class IssuanceLog:
    """The log being appended to by an issuer command; ``save`` signs and writes it at once.

    Appending needs the tree's frontier, not its leaves: when the cached frontier is the file's
    (:mod:`.log_frontier`: same bytes, and it leads to the root of the file's signed
    checkpoint), no line is parsed; otherwise every line is, as the file is opened."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        path = log_path(settings)
        self._source = display_path(path)
        self._bytes = path.read_bytes() if path.is_file() else None
        self._old: list[Entry] | None = None  # the file's leaves, once parsed
        self._new: list[Entry] = []  # the leaves this run adds
        self._latest: dict[str, Entry] = {}  # id -> newest leaf, of the parsed or added ones
        self._frontier: log_frontier.Frontier | None = None
        self.dirty = self._bytes is None
        if self._bytes is None:
            self._old = []
            self._start()
            return
        try:
            self._text = self._bytes.decode("utf-8")
            self._body = self._text.partition("\n\n")[0]  # the leaf lines, for unparsed reads
        except UnicodeDecodeError:
            raise CredpagesError("is not UTF-8 text", file=self._source) from None
        self._frontier = self._vouched(log_frontier.load(settings, self._bytes))
        if self._frontier is None:
            self._parse()

    def _vouched(self, cached: log_frontier.Frontier | None) -> log_frontier.Frontier | None:
        """``cached`` if the file's checkpoint, signed by a keyring key, has its size and root."""
        note = self._text[len(self._body) + 2 :]
        if cached is None or not note.strip():
            return None
        origin = log_origin(self.settings.site_url)
        try:
            signed = open_checkpoint(note, note_verifiers(self.settings, retired=True), origin, "")
        except CredpagesError:
            return None
        return cached if (signed.size, signed.root) == (cached.size, cached.root()) else None

    def _parse(self) -> None:
        self._old = parse_log(self._text, self._source).entries
        self._latest = {e.id: e for e in [*self._old, *self._new]}

    @property
    def entries(self) -> list[Entry]:
        """Every leaf, the file's and this run's (parses the file if it was not)."""
        if self._old is None:
            self._parse()
        assert self._old is not None
        return [*self._old, *self._new]

    def _start(self) -> None:
        """A new log holds every credential already signed here, oldest signature first."""
        found = []
        key_for = keyring_resolver(self.settings)
        for path in credential_files(self.settings):
            try:
                doc = load_yaml(path).data
                if not is_signed(doc):
                    continue
                verify_proof_set(doc, key_for, only_suites=("eddsa-jcs-2022",))
            except CredpagesError:
                continue  # unreadable or not this issuer's: the build reports it; never logged
            found.append((_first_created(doc), str(doc.get("id")), doc))
        for _, _, doc in sorted(found, key=lambda f: (f[0], f[1])):
            self.add(doc)

    def add(self, doc: Mapping[str, Any], date: str | None = None) -> Entry | None:
        """Append ``doc`` unless its latest leaf already has exactly these bytes."""
        return self.add_entry(Entry(date or today(), credential_hash(doc), str(doc["id"])))

    def add_entry(self, entry: Entry) -> Entry | None:
        """Append a leaf whose hash the caller computed (``add`` for a document)."""
        if not _ENTRY.fullmatch(entry.data.decode()):
            raise CredpagesError(f"credential id {entry.id!r} cannot be logged", field="id")
        known = self._newest(entry.id)
        if known is not None and known.sha256 == entry.sha256:
            return None
        last = self._last()
        if last is not None and entry.date < last.date:
            entry = Entry(last.date, entry.sha256, entry.id)  # clock skew: stay sorted
        self._new.append(entry)
        self._latest[entry.id] = entry
        self.dirty = True
        return entry

    def _newest(self, credential_id: str) -> Entry | None:
        """The newest leaf of ``credential_id``: found in the file's text if it is not parsed
        (a leaf's line ends with `` <id>``; the id is the only field that can)."""
        if credential_id in self._latest or self._old is not None:
            return self._latest.get(credential_id)
        body = self._body + "\n"
        needle, end = f" {credential_id}\n", len(body)
        while (at := body.rfind(needle, 0, end)) >= 0:
            end = body.rfind("\n", 0, at) + 1
            if not body.startswith("#", end):
                return parse_entry(body[end : at + len(needle) - 1])
        return None

    def _last(self) -> Entry | None:
        if self._new:
            return self._new[-1]
        if self._old is not None:
            return self._old[-1] if self._old else None
        line = self._body.rpartition("\n")[2]
        return parse_entry(line) if line and not line.startswith("#") else None

    def save(self, signer: Signer, *, force: bool = False) -> None:
        if not (self.dirty or force):
            return
        frontier = self._frontier
        if frontier is None:
            assert self._old is not None
            tree = Tree([merkle.leaf_hash(e.data) for e in [*self._old, *self._new]])
            frontier = log_frontier.Frontier(tree.size, merkle.frontier(tree.size, tree.node))
        else:
            for e in self._new:
                frontier.append(merkle.leaf_hash(e.data))
        checkpoint = Checkpoint(log_origin(self.settings.site_url), frontier.size, frontier.root())
        note = sign_note(
            checkpoint.text(),
            checkpoint.origin,
            signer.entry.public_key_bytes,
            signer.sign_bytes,
        )
        if self._old is not None:
            self._old += self._new
            text = format_log(LogFile(self._old, note))
            body = text.partition("\n\n")[0]
        else:  # the file's leaf lines as they are (it is a file format_log wrote), then ours
            body = self._body + "".join(f"\n{e.data.decode()}" for e in self._new)
            text = body + "\n\n" + note
        data = text.encode("utf-8")
        atomic_write(log_path(self.settings), data)
        log_frontier.save(self.settings, data, frontier)
        self._text, self._body, self._bytes = text, body, data
        self._frontier, self._new = frontier, []
        self.dirty = False


# --- checking a log: shared by the build and `credpages log audit` -----------------------------


@dataclass
class LogCheck:
    """A log whose leaves match its signed checkpoint."""

    entries: list[Entry]
    tree: Tree
    checkpoint: Checkpoint
    note: str
    latest: dict[str, int] = field(default_factory=dict)  # id → index of its newest leaf

    def __post_init__(self) -> None:
        self.latest.update((e.id, i) for i, e in enumerate(self.entries))


def open_checkpoint(
    note: str, verifiers: Sequence[Verifier], origin: str, source: str
) -> Checkpoint:
    try:
        opened, _ = verify_note(note, verifiers)
    except NoteError as exc:
        raise CredpagesError(f"bad checkpoint signature: {exc.message}", file=source) from None
    checkpoint = parse_checkpoint(opened.text)
    if checkpoint.origin != origin:
        raise CredpagesError(
            f"the checkpoint is for the log {checkpoint.origin!r}, not {origin!r}", file=source
        )
    return checkpoint


def check_log(
    log: LogFile,
    *,
    origin: str,
    verifiers: Sequence[Verifier],
    source: str,
    now: dt.date | None = None,
) -> LogCheck:
    """Dates in order, the checkpoint signed by a keyring key, the leaves hashing to its root."""
    if log.note is None:
        raise CredpagesError("the log has no signed checkpoint: `credpages log sync`", file=source)
    checkpoint = open_checkpoint(log.note, verifiers, origin, source)
    limit = ((now or dt.datetime.now(dt.UTC).date()) + dt.timedelta(days=1)).isoformat()
    for i, e in enumerate(log.entries):
        if i and e.date < log.entries[i - 1].date:
            raise CredpagesError(
                f"backdated entry: leaf {i} ({e.id}) is dated {e.date}, before leaf {i - 1} "
                f"({log.entries[i - 1].date}); leaves are appended in issuance order",
                file=source,
            )
        if e.date > limit:
            raise CredpagesError(
                f"leaf {i} ({e.id}) is dated in the future ({e.date})", file=source
            )
    tree = Tree([merkle.leaf_hash(e.data) for e in log.entries])
    size = checkpoint.size
    if tree.size < size:
        raise CredpagesError(
            f"removed leaves: the log lists {tree.size} leaves but its signed checkpoint "
            f"commits to {size}",
            file=source,
        )
    if tree.root(size) != checkpoint.root:
        raise CredpagesError(
            f"the first {size} leaves do not match the signed checkpoint: a leaf was rewritten "
            "or the leaves were reordered after signing",
            file=source,
        )
    if tree.size > size:
        raise CredpagesError(
            f"leaves {size} to {tree.size - 1} are not covered by the signed checkpoint: "
            "`credpages log sync` signs them",
            file=source,
        )
    return LogCheck(log.entries, tree, checkpoint, log.note)


def check_published(
    check: LogCheck,
    documents: Iterable[tuple[str, Mapping[str, Any]]],
    quick: Mapping[str, str] | None = None,
) -> list[CredpagesError]:
    """Each published credential must be its id's newest leaf, logged no earlier than signed
    (``quick``: file → :func:`sorted_json_hash` of its document, where known already)."""
    quick = quick or {}
    return check_logged(
        check,
        (
            (shown, str(doc.get("id")), _first_created(doc), partial(matches_entry, doc, quick=q))
            for shown, doc in documents
            for q in [quick.get(shown)]
        ),
    )


Logged = tuple[str, str, str, Callable[[str], bool]]  # file, id, first created, matches(sha256)


def check_logged(check: LogCheck, credentials: Iterable[Logged]) -> list[CredpagesError]:
    """:func:`check_published` over what it needs of each credential (a build keeps only a
    summary of each: ``matches`` reads the document back only if the quick hash differs)."""
    problems = []
    for shown, credential_id, signed_at, matches in credentials:
        index = check.latest.get(credential_id)
        if index is None:
            problems.append(
                CredpagesError(
                    "not in the issuance log (credentials/log/log.txt): sign credentials with "
                    "`credpages issue`/`sign`, or add it with `credpages log sync`",
                    file=shown,
                    field="id",
                )
            )
            continue
        entry = check.entries[index]
        if not matches(entry.sha256):
            problems.append(
                CredpagesError(
                    f"differs from its issuance log entry (leaf {index}): it was changed after "
                    "it was logged; `credpages log sync` logs the new version",
                    file=shown,
                )
            )
            continue
        signed = signed_at[:10]
        if signed and entry.date < signed:
            problems.append(
                CredpagesError(
                    f"backdated entry: leaf {index} is dated {entry.date}, before the credential "
                    f"was signed ({signed})",
                    file=shown,
                    field="proof.created",
                )
            )
    return problems


def diagnose(previous: Sequence[Entry], current: Sequence[Entry]) -> str:
    """What changed among the first ``len(previous)`` leaves: removed, reordered or rewritten."""
    where = {e: i for i, e in enumerate(current)}
    by_id: dict[str, list[int]] = {}
    for i, e in enumerate(current):
        by_id.setdefault(e.id, []).append(i)
    for i, old in enumerate(previous):
        if i < len(current) and current[i] == old:
            continue
        if old in where:
            return f"reordered leaves: leaf {i} ({old.id}) is now leaf {where[old]}"
        if old.id in by_id:
            return f"rewritten leaf: leaf {i} ({old.id}) was {old.data.decode()!r}"
        return f"removed leaf: leaf {i} ({old.id}) is no longer in the log"
    return "a forked tree: the same leaves, but the checkpoint was signed over a different tree"


def check_extends(
    check: LogCheck,
    previous_note: str,
    *,
    verifiers: Sequence[Verifier],
    origin: str,
    label: str,
    previous_entries: Sequence[Entry] | None = None,
) -> Checkpoint:
    """The current tree extends the checkpoint ``previous_note`` (from ``label``), or an error
    naming what changed (with the previous leaves at hand) or that the tree forked."""
    old = open_checkpoint(previous_note, verifiers, origin, label)
    size = check.tree.size
    if old.size > size:
        detail = diagnose(previous_entries, check.entries) if previous_entries else ""
        raise CredpagesError(
            f"the log does not extend the checkpoint of {label} (size {old.size}): it shrank "
            f"to {size} leaves; " + (detail or "leaves were removed")
        )
    try:
        proof = check.tree.consistency_proof(old.size) if old.size else []
        merkle.verify_consistency(old.size, size, proof, old.root, check.checkpoint.root)
    except merkle.ProofError:
        detail = (
            diagnose(previous_entries, check.entries)
            if previous_entries
            else "a leaf was removed, reordered or rewritten, or the log forked"
        )
        raise CredpagesError(
            f"the log does not extend the checkpoint of {label} (size {old.size}): {detail}"
        ) from None
    return old


def log_service(settings: Settings) -> dict[str, Any]:
    """The DID document's service entry: where the log is, its origin and note verifier keys."""
    return {
        "id": f"{settings.did}#issuance-log",
        "type": "CredpagesIssuanceLog",
        "serviceEndpoint": settings.site_url + "log/",
        "origin": log_origin(settings.site_url),
        "noteVerifierKeys": verifier_keys(settings),
    }
