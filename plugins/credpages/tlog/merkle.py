"""RFC 9162 §2.1 Merkle trees (the RFC 6962 hashing): tree hashes, inclusion and consistency proofs.

Hashes of complete subtrees are looked up through a ``NodeSource`` (``(level, index) -> hash`` of
the subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``), so the same proof code
works over an in-memory ``Tree`` and over published tiles.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence

from ..errors import CredpagesError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeSource = Callable[[int, int], bytes]


class ProofError(CredpagesError):
    """A proof that does not verify, or parameters no proof can exist for."""


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d): the 0x00 prefix keeps leaves and inner nodes apart."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes | bytearray, right: bytes | bytearray) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1): where RFC 9162 splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(start: int, end: int, node: NodeSource) -> bytes:
    """MTH(D[start:end]) for a range that the RFC's recursion produces (start aligned)."""
    n = end - start
    if n <= 0:
        raise ProofError(f"empty range {start}:{end}")
    if n & (n - 1) == 0:
        level = n.bit_length() - 1
        return node(level, start >> level)
    k = _split(n)
    return node_hash(range_hash(start, start + k, node), range_hash(start + k, end, node))


def root_hash(size: int, node: NodeSource) -> bytes:
    return EMPTY_ROOT if size == 0 else range_hash(0, size, node)


def frontier(size: int, node: NodeSource) -> list[bytes]:
    """The roots of the complete subtrees a tree of ``size`` leaves splits into, largest first
    (one per set bit of ``size``): all that appending to the tree and hashing it needs."""
    hashes, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            hashes.append(node(level, start >> level))
            start += 1 << level
    return hashes


def frontier_append(hashes: list[bytes], size: int, leaf: bytes) -> None:
    """Add a leaf's hash to the frontier of a tree of ``size`` leaves, in place: each complete
    subtree the new leaf completes (one per trailing set bit of ``size``) merges into one."""
    _check_hashes(leaf)
    hashes.append(leaf)
    while size & 1:
        right = hashes.pop()
        hashes[-1] = node_hash(hashes[-1], right)
        size >>= 1


def frontier_root(hashes: Sequence[bytes]) -> bytes:
    """MTH of the whole tree from its frontier: the subtrees joined from the right."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


def inclusion_proof(index: int, size: int, node: NodeSource) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    proof: list[bytes] = []
    start, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            proof.append(range_hash(start + k, start + n, node))
            n = k
        else:
            proof.append(range_hash(start, start + k, node))
            start, n, m = start + k, n - k, m - k
    proof.reverse()
    return proof


def consistency_proof(old_size: int, new_size: int, node: NodeSource) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1 (empty when the sizes are equal)."""
    if not 0 < old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    proof: list[bytes] = []
    start, n, m, whole = 0, new_size, old_size, True
    while m != n:
        k = _split(n)
        if m <= k:
            proof.append(range_hash(start + k, start + n, node))
            n = k
        else:
            proof.append(range_hash(start, start + k, node))
            start, n, m, whole = start + k, n - k, m - k, False
    if not whole:
        proof.append(range_hash(start, start + n, node))
    proof.reverse()
    return proof


def _check_hashes(*hashes: bytes) -> None:
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise ProofError(f"a hash of {len(h)} bytes (SHA-256 hashes have {HASH_SIZE})")


def _path_sides(
    fn: int, sn: int, proof: Sequence[bytes], kind: str
) -> Iterator[tuple[bytes, bool]]:
    """Each proof hash and whether it is the left sibling: the index walk RFC 9162 §2.1.3.2 and
    §2.1.4.2 share (``fn``, ``sn`` as the RFC names them), with its two length checks."""
    for p in proof:
        if sn == 0:
            raise ProofError(f"the {kind} proof is longer than the tree is deep")
        left = bool(fn & 1) or fn == sn
        yield p, left
        if left:
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"the {kind} proof is shorter than the tree is deep")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2, steps 1 to 5)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    _check_hashes(leaf, *proof)
    r = leaf
    for p, left in _path_sides(index, size - 1, proof, "inclusion"):
        r = node_hash(p, r) if left else node_hash(r, p)
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"leaf {index} is not in the tree of size {size} with that root")


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """RFC 9162 §2.1.4.2: the tree ``new_root`` extends the tree ``old_root``, or ProofError."""
    _check_hashes(old_root, new_root, *proof)
    if not 0 <= old_size <= new_size:
        raise ProofError(f"a tree of size {new_size} cannot extend one of size {old_size}")
    if old_size == new_size:
        if proof or old_root != new_root:
            raise ProofError(f"two different trees of the same size {new_size}")
        return
    if old_size == 0:
        if proof:
            raise ProofError("a consistency proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c, left in _path_sides(fn, sn, path[1:], "consistency"):
        if left:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
        else:
            sr = node_hash(sr, c)
    if fr != old_root:
        raise ProofError(f"the tree of size {new_size} does not extend the tree of size {old_size}")
    if sr != new_root:
        raise ProofError(f"the consistency proof does not lead to the root of size {new_size}")


class Tree:
    """Every complete subtree hash of a list of leaves, level by level (built in O(n)). Each
    level is one bytearray of 32-byte hashes: a build holds the issuance log's tree to the
    end, and a bytes object per hash in a list took 73 bytes where this takes 32."""

    def __init__(self, leaf_hashes: Sequence[bytes] = ()) -> None:
        _check_hashes(*leaf_hashes)
        self.levels: list[bytearray] = [bytearray(b"".join(leaf_hashes))]
        self._fill(0)

    def _fill(self, start: int) -> None:
        """Hash the complete pairs above leaf ``start`` onwards (after appends)."""
        level = 0
        while True:
            below = self.levels[level]
            count = len(below) // HASH_SIZE
            if count < 2:
                return
            if level + 1 == len(self.levels):
                self.levels.append(bytearray())
            above = self.levels[level + 1]
            first = min(len(above) // HASH_SIZE, start >> (level + 1))
            del above[first * HASH_SIZE :]
            for i in range(first, count // 2):
                left = 2 * i * HASH_SIZE
                middle, right = left + HASH_SIZE, left + 2 * HASH_SIZE
                above += node_hash(below[left:middle], below[middle:right])
            level += 1

    def append(self, hashes: Sequence[bytes]) -> None:
        _check_hashes(*hashes)
        start = self.size
        self.levels[0] += b"".join(hashes)
        self._fill(start)

    @property
    def size(self) -> int:
        return len(self.levels[0]) // HASH_SIZE

    def node(self, level: int, index: int) -> bytes:
        start = index * HASH_SIZE
        if 0 <= level < len(self.levels) and 0 <= start < len(self.levels[level]):
            return bytes(self.levels[level][start : start + HASH_SIZE])
        raise ProofError(f"no complete subtree at level {level}, index {index}")

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self.size if size is None else size, self.node)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self.node)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return consistency_proof(old_size, self.size if new_size is None else new_size, self.node)
