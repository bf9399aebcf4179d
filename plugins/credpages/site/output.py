"""Incremental output: the previous build's files stay, rewritten only where something changed.

MkDocs empties ``site_dir`` before every build; at 10,000 credentials deleting and re-creating
10,000 folders and 30,000 files costs more than everything else a warm build does. So the
folders only credpages writes (the credential pages ``c/`` and the issuance log ``log/``) are
moved aside before MkDocs cleans (:func:`keep_previous`: a rename into a top-level dot folder,
which MkDocs' clean skips) and back before publishing (:meth:`Output.open`). Publishing then
writes a file only when it cannot prove the file already holds what this build would write:

* the manifest of the previous build (a ``output`` entry of the build cache, so authenticated
  like every entry) holds, per file, a 64-bit digest of (the key of everything the file is made
  from, its ``lstat`` identity: type, mode, size, mtime, ctime, inode, device). A file whose inputs
  key and identity both match is left alone, unread. ctime cannot be set from user space, so
  any later write, rename or chmod shows. A record made within :data:`RACY_NS` of the
  manifest is not trusted on its identity alone (git's "racily clean" rule: a change in the
  same clock tick would not show): the next build reads the file and compares its bytes;
* every other file is written in place, never through a symbolic link;
* files the manifest knows that this build did not write are removed, and every folder whose
  own identity changed is listed to remove what no build wrote (a file dropped in by hand).

The result equals a cold build's in an empty folder, file for file (``tests/test_incremental.py``
changes and tampers with everything it can between builds and compares). Without a cache there
is no manifest: every file is written and every folder listed, which is still correct.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CredpagesError
from .cache import BuildCache, key_maker

STASH = ".credpages-previous"  # top level and a dot name: MkDocs' clean leaves it alone
RACY_NS = 200_000_000  # 0.2 s, far above the kernel's coarse file-clock tick (1-10 ms)
RACY = "~"  # marks a record made within RACY_NS of its manifest: its bytes are compared
SETTLED = " "
#: the manifest's encoding (an ``output`` cache entry): this header, then per file or folder
#: (a folder's path ends in "/") ``<digest: 16 hex digits><RACY or SETTLED><path>\0``
MANIFEST_HEADER = b"credpages output manifest 1\0"
_DIGEST_BITS = 64
_DIGEST_MASK = (1 << _DIGEST_BITS) - 1
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC


def owned_folders(page_prefix: str) -> frozenset[str]:
    """The top-level folders only credpages writes into (kept between builds)."""
    return frozenset({page_prefix, "log"})


def keep_previous(site_dir: Path, owned: Iterable[str]) -> None:
    """Before MkDocs cleans ``site_dir``: move the folders credpages owns into the stash.

    A stash left by a build that failed is kept as it is (it is the last complete output)."""
    stash = site_dir / STASH
    for name in sorted(owned):
        source, target = site_dir / name, stash / name
        if not _is_real_dir(source) or os.path.lexists(target):
            continue
        if os.path.lexists(stash) and not _is_real_dir(stash):
            _remove(stash)
        stash.mkdir(exist_ok=True)
        os.rename(source, target)


def _is_real_dir(path: str | Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _remove(path: str | Path) -> None:
    """Remove a file, a link or a whole folder (never following a link)."""
    with contextlib.suppress(FileNotFoundError):
        if _is_real_dir(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def _digest(key: str, st: os.stat_result) -> int:
    """64 bits over (inputs key, ``lstat`` identity), as an int (32-36 bytes, the smallest
    Python object that holds it: a cold 100,000 build records 300,000 of them)."""
    identity = (
        f"{key}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0"
        f"{st.st_ino}\0{st.st_dev}"
    )
    data = hashlib.blake2b(identity.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(data, "big")


@dataclass
class Manifest:
    """What the previous build wrote into the owned folders: per path (a folder's ends in
    "/") the 64-bit digest of its record, and the paths recorded too close to the manifest
    to trust their identity (:data:`RACY_NS`). Ints in a dict, ~150 bytes a file, where the
    JSON object of hex strings it replaces took ~300 parsed (and ~5x that while written)."""

    records: dict[str, int] = field(default_factory=dict)
    racy: set[str] = field(default_factory=set)

    def encode(self) -> bytes:
        """The cache entry's value, in path order (the same records make the same bytes)."""
        parts = bytearray(MANIFEST_HEADER)  # appended record by record: no list of 300,000
        for path in sorted(self.records):
            flag = RACY if path in self.racy else SETTLED
            parts += f"{self.records[path]:016x}{flag}{path}\0".encode("utf-8", "surrogatepass")
        return bytes(parts)

    @classmethod
    def decode(cls, value: bytes) -> Manifest | None:
        """The manifest ``value`` encodes, or None if it is not one (an older format)."""
        if not value.startswith(MANIFEST_HEADER) or not value.endswith(b"\0"):
            return None
        manifest = cls()
        try:
            body = value[len(MANIFEST_HEADER) : -1].decode("utf-8", "surrogatepass")
            for item in body.split("\0") if body else ():
                flag, path = item[16:17], item[17:]
                if not path or flag not in (RACY, SETTLED):
                    return None
                manifest.records[path] = int(item[:16], 16)
                if flag == RACY:
                    manifest.racy.add(path)
        except (ValueError, IndexError):
            return None
        return manifest


class Output:
    """Writes into ``site_dir``: unconditionally outside the owned folders (MkDocs just emptied
    them), and inside them only what changed (see the module docstring)."""

    def __init__(
        self,
        site_dir: Path,
        owned: frozenset[str],
        previous: Manifest,
        cache: BuildCache,
        previous_sha256: bytes = b"",
    ) -> None:
        self.site_dir = site_dir
        self._root = str(site_dir) + os.sep  # str paths: a Path per file cost ~5% of a build
        self.owned = owned
        self.previous = previous
        self._previous_sha256 = previous_sha256  # of its encoding: an unchanged one is not put
        self.cache = cache
        # per file this build keeps or writes, one int (see ``_record``): a cold 100,000 build
        # writes 300,000 files, and a (digest, time) tuple of objects took ~100 bytes more each
        self._records: dict[str, int] = {}
        self._dirs: dict[str, bool] = {}  # owned folder → its identity matched the manifest
        self._racy: set[str] = set()  # recorded too close to the manifest: compare the bytes
        self.written = 0
        self.kept = 0
        self.bytes = 0  # of the files in the owned folders, for the size warning
        mask = os.umask(0)  # the mode a new file gets, so a rewritten one is as if new
        os.umask(mask)
        self._mode = 0o666 & ~mask

    @classmethod
    def open(cls, site_dir: Path, owned: frozenset[str], cache: BuildCache) -> Output:
        """Put back what :func:`keep_previous` moved aside and read the previous manifest.

        A folder MkDocs itself wrote this build (a ``docs/c/`` page, say) is not owned: the
        stash of it is dropped and credpages writes into MkDocs' folder as a cold build does."""
        stash = site_dir / STASH
        mine = set()
        if _is_real_dir(stash):
            for name in sorted(owned):
                kept, target = stash / name, site_dir / name
                if _is_real_dir(kept) and not os.path.lexists(target):
                    os.rename(kept, target)
                    mine.add(name)
        _remove(stash)  # what is left (a folder MkDocs now writes to, strangers) goes
        mine.update(name for name in owned if not os.path.lexists(site_dir / name))
        previous, previous_sha256 = Manifest(), b""
        value = cache.get("output", _manifest_key(site_dir))
        if value is not None:
            loaded = Manifest.decode(value)
            if loaded is not None:
                previous, previous_sha256 = loaded, hashlib.sha256(value).digest()
            else:
                cache.reject()
        return cls(site_dir, frozenset(mine), previous, cache, previous_sha256)

    # --- writing ------------------------------------------------------------------------------

    def _check(self, relative: str) -> str:
        parts = relative.split("/")
        if relative.startswith("/") or ".." in parts or "" in parts or "\0" in relative:
            raise CredpagesError(f"refusing to write outside the site folder: {relative}")
        return self._root + relative

    def write(self, relative: str, content: str | bytes) -> None:
        """Write ``content`` (inside the owned folders: only if the file does not hold it)."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        if relative.split("/", 1)[0] not in self.owned:
            path = Path(self._check(relative))
            try:
                path.write_bytes(data)
            except FileNotFoundError:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            return
        self.put(relative, hashlib.sha256(data).hexdigest(), lambda: data)

    def put(self, relative: str, key: str, produce: Callable[[], bytes]) -> bool:
        """Make sure ``relative`` holds what ``produce()`` returns, ``key`` naming everything
        that goes into it; returns whether it had to be written."""
        if not self.needs(relative, key):
            return False
        self.store(relative, key, produce())
        return True

    def needs(self, relative: str, key: str) -> bool:
        """False when the file provably holds what ``key`` makes (then it is kept as it is)."""
        path = self._check(relative)
        if relative.split("/", 1)[0] not in self.owned:
            return True
        folder_ok = self._folder(relative.rpartition("/")[0])
        old = self.previous.records.get(relative)
        if old is None or folder_ok is None:
            return True
        try:
            st = os.lstat(path)
        except OSError:
            return True
        if _digest(key, st) == old:
            if relative in self.previous.racy:  # written just before the last manifest:
                self._racy.add(relative)  # its bytes are compared in ``store``
                return True
            self._records[relative] = _record(old, 0)  # settled: changed long before
            self.kept += 1
            self.bytes += st.st_size
            return False
        return True

    def store(self, relative: str, key: str, data: bytes) -> None:
        """Write ``data``, made from what ``key`` names, to ``relative``."""
        if relative.split("/", 1)[0] not in self.owned:
            self.write(relative, data)
            return
        path = self._check(relative)
        self._folder(relative.rpartition("/")[0])
        self.bytes += len(data)
        if relative in self._racy:
            with contextlib.suppress(OSError):
                st = os.lstat(path)
                if stat.S_ISREG(st.st_mode) and st.st_size == len(data):
                    with open(path, "rb") as handle:  # a regular file (lstat): no link followed
                        same = handle.read() == data
                    if same:
                        self._records[relative] = _written(key, st)
                        self.kept += 1
                        return
        self._records[relative] = _written(key, self._write_file(path, data))
        self.written += 1

    def _folder(self, relative: str) -> bool | None:
        """Check an owned folder once per build: True (identity as recorded: nothing added or
        removed since), False (to be listed at the end), None (made now: nothing to keep)."""
        if relative in self._dirs:
            return self._dirs[relative]
        parent = relative.rpartition("/")[0]
        if parent:
            self._folder(parent)
        path = self._root + relative
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            st = None
        if st is not None and not stat.S_ISDIR(st.st_mode):
            _remove(path)  # a file or a link where a folder belongs
            st = None
        if st is None:
            os.mkdir(path)
            self._dirs[relative] = False
            return None
        matched = self.previous.records.get(relative + "/") == _digest("", st)
        self._dirs[relative] = matched
        return matched

    def _write_file(self, path: str, data: bytes) -> os.stat_result:
        try:
            fd = os.open(path, _FLAGS, 0o666)
        except OSError:  # a link or a folder where the file belongs
            _remove(path)
            fd = os.open(path, _FLAGS, 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            st = os.fstat(handle.fileno())
            if stat.S_IMODE(st.st_mode) != self._mode:  # chmod-ed since: as a new file would be
                os.fchmod(handle.fileno(), self._mode)
                st = os.fstat(handle.fileno())
            return st

    # --- the end of the build -----------------------------------------------------------------

    def finish(self) -> None:
        """Remove what this build did not write, then store the manifest in the cache."""
        written = self._records.keys()
        for relative in self.previous.records:
            name = relative.rstrip("/")
            if relative not in written and name not in self._dirs:
                with contextlib.suppress(CredpagesError):
                    _remove(self._check(name))
        for folder, matched in self._dirs.items():
            if not matched:
                self._remove_strangers(folder)
        for name in sorted(self.owned):  # an owned folder this build wrote nothing into
            if name not in self._dirs and os.path.lexists(self.site_dir / name):
                _remove(self.site_dir / name)
        now = time.time_ns()
        manifest = Manifest(self._records)  # the records become the manifest's, in place
        for relative, record in manifest.records.items():
            digest, newest = _unpack(record)
            manifest.records[relative] = digest  # the same key: the dict is not resized
            if newest >= now - RACY_NS:
                manifest.racy.add(relative)
        for folder in self._dirs:
            if folder in self.owned:  # moved aside and back every build (a new ctime each
                continue  # time): never recorded, always listed
            with contextlib.suppress(OSError):
                st = os.lstat(self._root + folder)
                if _settled(st, now):
                    manifest.records[folder + "/"] = _digest("", st)
        key = _manifest_key(self.site_dir)
        value = manifest.encode()
        if hashlib.sha256(value).digest() == self._previous_sha256:  # nothing changed: the
            self.cache.touch("output", key)  # stored entry says it already
        else:
            self.cache.put("output", key, value)

    def _remove_strangers(self, folder: str) -> None:
        prefix = folder + "/"  # str paths: a Path interns its parts, every slug for good
        with os.scandir(self._root + folder) as entries:
            names = [entry.name for entry in entries]
        for name in names:
            relative = prefix + name
            if relative not in self._records and relative not in self._dirs:
                _remove(self._root + relative)


def _record(digest: int, newest: int) -> int:
    """A file's record while the build runs, one int: the digest in the low 64 bits and, above
    them, when the file last changed (ns; 0 for a record kept from the last manifest), which
    decides at the end whether it is racy. 44 bytes, where a (str, int) tuple took ~150."""
    return newest << _DIGEST_BITS | digest


def _unpack(record: int) -> tuple[int, int]:
    """(digest, newest change in ns) of a :func:`_record`."""
    return record & _DIGEST_MASK, record >> _DIGEST_BITS


def _written(key: str, st: os.stat_result) -> int:
    """The record of a file written now: its digest, and when it last changed."""
    return _record(_digest(key, st), max(st.st_mtime_ns, st.st_ctime_ns))


def _settled(st: os.stat_result, now: int) -> bool:
    """Old enough that a later change gets another ctime (see :data:`RACY_NS`)."""
    return max(st.st_mtime_ns, st.st_ctime_ns) < now - RACY_NS


def _manifest_key(site_dir: Path) -> str:
    return key_maker("output", str(site_dir.resolve()))()
