"""The transparency-log core against the RFCs' own definitions and published vectors.

Every root and proof for tree sizes 1..64 is compared with a naive implementation written
straight from the recursive definitions of RFC 9162 §2.1 (list slicing, no shared code), and the
known answers of transparency-dev/merkle and Go's sumdb/note are quoted with their source.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from nacl.signing import SigningKey

from credpages.errors import CredpagesError
from credpages.tlog import merkle, note, tiles
from credpages.tlog.checkpoint import Checkpoint, parse_checkpoint
from credpages.tlog.merkle import ProofError, Tree

# --- a naive reference, written from RFC 9162 §2.1 (recursive, over lists of entries) ---------


def ref_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


ENTRIES = [f"entry {i}".encode() for i in range(64)]


@pytest.fixture(scope="module")
def tree() -> Tree:
    return Tree([merkle.leaf_hash(e) for e in ENTRIES])


def test_every_root_and_inclusion_proof_matches_the_rfc_definition(tree: Tree) -> None:
    for size in range(1, 65):
        root = ref_mth(ENTRIES[:size])
        assert tree.root(size) == root
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert proof == ref_path(index, ENTRIES[:size]), (index, size)
            merkle.verify_inclusion(index, size, merkle.leaf_hash(ENTRIES[index]), proof, root)


def test_every_consistency_proof_matches_the_rfc_definition(tree: Tree) -> None:
    for new in range(1, 65):
        new_root = ref_mth(ENTRIES[:new])
        for old in range(1, new + 1):
            proof = tree.consistency_proof(old, new)
            assert proof == ref_subproof(old, ENTRIES[:new], True), (old, new)
            merkle.verify_consistency(old, new, proof, ref_mth(ENTRIES[:old]), new_root)


def _flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 8]) + h[1:]


def test_inclusion_proofs_fail_for_any_wrong_input(tree: Tree) -> None:
    for size in (1, 2, 3, 5, 7, 8, 9, 31, 64):
        root = tree.root(size)
        for index in range(size):
            leaf = tree.node(0, index)
            proof = tree.inclusion_proof(index, size)
            bad: list[tuple[int, int, bytes, list[bytes], bytes]] = [
                (index, size, _flip(leaf), proof, root),
                (index, size, leaf, proof, _flip(root)),
                (index, size, leaf, [*proof, root], root),
                (index, size, leaf, [root, *proof], root),
                (index, size * 2, leaf, proof, root),  # a deeper tree
            ]
            if index + 1 < size:
                bad.append((index + 1, size, leaf, proof, root))
            if proof:
                bad.append((index, size, leaf, proof[:-1], root))
                bad += [
                    (index, size, leaf, [*proof[:i], _flip(p), *proof[i + 1 :]], root)
                    for i, p in enumerate(proof)
                ]
            for args in bad:
                with pytest.raises(ProofError):
                    merkle.verify_inclusion(*args)


def test_consistency_proofs_fail_for_any_wrong_input(tree: Tree) -> None:
    for new in (2, 3, 5, 7, 8, 9, 17, 64):
        for old in range(1, new):
            r1, r2 = tree.root(old), tree.root(new)
            proof = tree.consistency_proof(old, new)
            bad: list[tuple[int, int, list[bytes], bytes, bytes]] = [
                (old, new, proof, _flip(r1), r2),
                (old, new, proof, r1, _flip(r2)),
                (old, new, proof, r2, r1),
                (old, new, [], r1, r2),
                (old, new, [*proof, r1], r1, r2),
                (old, new, [r2, *proof], r1, r2),
                (old, new, proof[:-1], r1, r2),
                (old + 1, new, proof, r1, r2) if old + 1 < new else (old, new * 2, proof, r1, r2),
                *[
                    (old, new, [*proof[:i], _flip(p), *proof[i + 1 :]], r1, r2)
                    for i, p in enumerate(proof)
                ],
            ]
            for args in bad:
                with pytest.raises(ProofError):
                    merkle.verify_consistency(*args)


def test_a_tree_grown_by_appends_equals_one_built_at_once(tree: Tree) -> None:
    grown = Tree()
    for chunk in (1, 2, 5, 8, 13, 35):
        start = grown.size
        grown.append([merkle.leaf_hash(e) for e in ENTRIES[start : start + chunk]])
        assert grown.root() == ref_mth(ENTRIES[: grown.size])
    assert grown.levels == tree.levels


def test_a_frontier_grown_leaf_by_leaf_gives_every_root_and_the_trees_own_frontier(
    tree: Tree,
) -> None:
    hashes: list[bytes] = []
    assert merkle.frontier_root(hashes) == ref_mth([])
    for size, entry in enumerate(ENTRIES):
        merkle.frontier_append(hashes, size, merkle.leaf_hash(entry))
        assert len(hashes) == (size + 1).bit_count()  # one complete subtree per set bit
        assert merkle.frontier_root(hashes) == ref_mth(ENTRIES[: size + 1])
        assert hashes == merkle.frontier(size + 1, tree.node)
    with pytest.raises(ProofError):
        merkle.frontier_append(hashes, len(ENTRIES), b"short")


# --- transparency-dev/merkle known answers ----------------------------------------------------
# Source: github.com/transparency-dev/merkle, proof/verify_test.go (leaves, roots, inclusionProofs,
# consistencyProofs; its leaf numbers are 1-based). The same values are in RFC 6962's test data
# used by Certificate Transparency.
TD_LEAVES = [
    b"",
    bytes.fromhex("00"),
    bytes.fromhex("10"),
    bytes.fromhex("2021"),
    bytes.fromhex("3031"),
    bytes.fromhex("40414243"),
    bytes.fromhex("5051525354555657"),
    bytes.fromhex("606162636465666768696a6b6c6d6e6f"),
]
TD_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
TD_INCLUSION = [  # (leaf number, 1-based), tree size, proof
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
TD_CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip


def test_transparency_dev_known_answers() -> None:
    td = Tree([merkle.leaf_hash(e) for e in TD_LEAVES])
    assert [td.root(n).hex() for n in range(1, 9)] == TD_ROOTS
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    for leaf, size, proof_hex in TD_INCLUSION:
        proof = [bytes.fromhex(p) for p in proof_hex]
        assert td.inclusion_proof(leaf - 1, size) == proof
        root = bytes.fromhex(TD_ROOTS[size - 1])
        merkle.verify_inclusion(leaf - 1, size, merkle.leaf_hash(TD_LEAVES[leaf - 1]), proof, root)
    for old, new, proof_hex in TD_CONSISTENCY:
        proof = [bytes.fromhex(p) for p in proof_hex]
        assert td.consistency_proof(old, new) == proof
        r1, r2 = (bytes.fromhex(TD_ROOTS[s - 1]) for s in (old, new))
        merkle.verify_consistency(old, new, proof, r1, r2)


def test_edge_cases_of_the_verifiers() -> None:
    h = merkle.leaf_hash(b"data")
    merkle.verify_inclusion(0, 1, h, [], h)  # a one-leaf tree: root == leaf hash, empty proof
    for index, size in ((0, 0), (1, 1), (2, 1)):
        with pytest.raises(ProofError):
            merkle.verify_inclusion(index, size, h, [], h)
    merkle.verify_consistency(0, 5, [], merkle.EMPTY_ROOT, h)  # the empty tree precedes all
    merkle.verify_consistency(3, 3, [], h, h)
    with pytest.raises(ProofError, match="same size"):
        merkle.verify_consistency(3, 3, [], h, merkle.EMPTY_ROOT)
    with pytest.raises(ProofError):
        merkle.verify_consistency(4, 3, [h], h, h)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(0, 2, h, [b"short"], h)


# --- tlog-tiles ---------------------------------------------------------------------------------


def test_tile_index_paths_follow_tlog_tiles() -> None:
    # tlog-tiles: "index 1234067 will be encoded as x001/x234/067"
    assert tiles.encode_index(1234067) == "x001/x234/067"
    assert tiles.encode_index(0) == "000"
    assert tiles.encode_index(999) == "999"
    assert tiles.encode_index(1000) == "x001/000"
    for n in (0, 5, 999, 1000, 1234067, 10**9):
        assert tiles.parse_index(tiles.encode_index(n)) == n
    for bad in ("1", "0001", "x000/001", "001/002", "x01/002", "../000"):
        with pytest.raises(CredpagesError):
            tiles.parse_index(bad)
    assert tiles.TileRef(0, 3, 256).path == "tile/0/003"
    assert tiles.TileRef(2, 1234067, 17).path == "tile/2/x001/x234/067.p/17"
    assert tiles.TileRef(-1, 0, 5).path == "tile/entries/000.p/5"


def test_which_tiles_a_tree_publishes() -> None:
    # tlog-tiles: "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
    # level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and
    # one partial level 2 tile of width 1" and "a tree of size 256 will be represented by a full
    # level 0 tile and a partial level 1 tile of width 1".
    refs = list(tiles.tiles_for(70_000))
    level0 = [t for t in refs if t.level == 0]
    assert sum(t.width == 256 for t in level0) == 273
    assert [t.width for t in level0 if t.width < 256] == [112]
    assert [(t.index, t.width) for t in refs if t.level == 1] == [(0, 256), (1, 17)]
    assert [(t.index, t.width) for t in refs if t.level == 2] == [(0, 1)]
    assert list(tiles.tiles_for(256)) == [tiles.TileRef(0, 0, 256), tiles.TileRef(1, 0, 1)]
    assert list(tiles.tiles_for(0)) == []


def test_tile_contents_are_the_rfc_subtree_hashes() -> None:
    entries = [f"e{i}".encode() for i in range(600)]
    big = Tree([merkle.leaf_hash(e) for e in entries])
    level1 = tiles.split_tile(tiles.tile_bytes(tiles.TileRef(1, 0, 2), big.node), 2)
    assert level1 == [ref_mth(entries[:256]), ref_mth(entries[256:512])]
    partial = tiles.split_tile(tiles.tile_bytes(tiles.TileRef(0, 2, 88), big.node), 88)
    assert partial == [merkle.leaf_hash(e) for e in entries[512:]]
    bundle = tiles.bundle_bytes(entries[:3])
    assert bundle == b"\x00\x02e0\x00\x02e1\x00\x02e2"
    assert tiles.parse_bundle(bundle) == entries[:3]
    with pytest.raises(CredpagesError):
        tiles.parse_bundle(bundle[:-1])


# --- signed-note and tlog-checkpoint ------------------------------------------------------------
# Source: golang.org/x/mod sumdb/note, example_test.go (ExampleSign, ExampleOpen) and note_test.go.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSN"
    "XgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"


def test_go_sumdb_note_vectors() -> None:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])[1:]
    key = SigningKey(seed)
    public = bytes(key.verify_key)
    assert note.verifier_key("PeterNeumann", public) == GO_VKEY
    assert note.sign_note(GO_TEXT, "PeterNeumann", public, lambda m: key.sign(m).signature) == (
        GO_NOTE
    )
    verifier = note.parse_verifier_key(GO_VKEY)
    opened, signers = note.verify_note(GO_NOTE.encode(), [verifier])
    assert opened.text == GO_TEXT and signers == [verifier]
    assert note.parse_verifier_key(ENOCH_VKEY).key_id == 0xAF0CFE78


def test_notes_are_rejected_when_altered_or_unknown() -> None:
    peter = note.parse_verifier_key(GO_VKEY)
    enoch = note.parse_verifier_key(ENOCH_VKEY)
    with pytest.raises(note.NoteError, match="does not verify"):
        note.verify_note(GO_NOTE.replace("cryptography", "Cryptography"), [peter])
    with pytest.raises(note.NoteError, match="no signature by a known key"):
        note.verify_note(GO_NOTE, [enoch])
    # a second, unknown signature is ignored
    extra = GO_NOTE + "\u2014 Someone AAAAAAAAAAA=\n"
    assert note.verify_note(extra, [peter])[1] == [peter]
    with pytest.raises(note.NoteError, match="does not match"):
        note.parse_verifier_key(GO_VKEY.replace("c74f20a3", "c74f20a4"))
    for bad in (GO_TEXT, GO_NOTE.replace("\n\n", "\n\x07\n"), GO_NOTE.replace("\u2014 ", "- ")):
        with pytest.raises(note.NoteError):
            note.parse_note(bad)
    with pytest.raises(note.NoteError):
        note.check_name("has space")


def test_checkpoints_follow_tlog_checkpoint() -> None:
    # tlog-checkpoint's example body
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    cp = parse_checkpoint(text)
    assert (cp.origin, cp.size) == ("example.com/behind-the-sofa", 20852163)
    assert cp.text() == text
    assert Checkpoint("o", 0, merkle.EMPTY_ROOT).text().splitlines()[1] == "0"
    for bad in (text[:-1], text.replace("20852163", "020852163"), "o\n1\nAAAA\n", "o\n\nx\n"):
        with pytest.raises(CredpagesError):
            parse_checkpoint(bad)
