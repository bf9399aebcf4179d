"""Signing keys: generation, Multikey encodings, storage outside the work tree, and loading."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from conftest import git_init
from credpages.credential.keys import (
    ENV_VAR,
    default_secret_path,
    generate_seed,
    git_work_tree,
    public_key_of,
    read_signing_key,
    write_secret_key,
)
from credpages.credential.multikey import (
    b58decode,
    b58encode,
    decode_public_key,
    decode_secret_key,
    encode_public_key,
    encode_secret_key,
)
from credpages.errors import CredpagesError

pytestmark = pytest.mark.usefixtures("isolated_env")

VECTOR_KEYS = Path(__file__).parent / "vectors" / "eddsa-rdfc-2022" / "keyPair.json"


# ------------------------------------------------------------------------ encodings


def test_seed_is_32_random_bytes() -> None:
    seeds = {generate_seed() for _ in range(50)}
    assert len(seeds) == 50
    assert all(len(s) == 32 for s in seeds)


def test_public_key_is_a_z6mk_multikey_of_the_seeds_verify_key() -> None:
    seed = generate_seed()
    public = public_key_of(seed)
    assert public.startswith("z6Mk") and len(public) == 48
    assert public_key_of(seed) == public  # deterministic
    assert decode_public_key(public) == bytes(SigningKey(seed).verify_key)


def test_w3c_vector_key_pair_matches() -> None:
    """The eddsa-rdfc-2022 test vector's key pair: our decoding and derivation agree with it."""
    pair = json.loads(VECTOR_KEYS.read_text("utf-8"))
    seed = decode_secret_key(pair["privateKeyMultibase"])
    assert public_key_of(seed) == pair["publicKeyMultibase"]
    assert encode_secret_key(seed) == pair["privateKeyMultibase"]


@settings(deadline=None)  # shared CI machines stall now and then
@given(st.binary(min_size=32, max_size=32))
def test_secret_key_round_trip(seed: bytes) -> None:
    text = encode_secret_key(seed)
    assert text.startswith("z3u2")
    assert decode_secret_key(text) == seed
    assert decode_secret_key(f"  {text}\n") == seed  # as pasted into a CI secret


@settings(deadline=None)  # shared CI machines stall now and then
@given(st.binary(min_size=32, max_size=32))
def test_public_key_round_trip(raw: bytes) -> None:
    text = encode_public_key(raw)
    assert text.startswith("z6Mk")
    assert decode_public_key(text) == raw


@settings(deadline=None)  # shared CI machines stall now and then
@given(st.binary(max_size=80))
def test_base58_round_trip_keeps_leading_zero_bytes(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


@pytest.mark.parametrize(
    "text",
    [
        "",
        "6MkNoMultibasePrefix",
        "z0OIl",  # characters outside base58
        "zabc",  # decodes, but far too short
    ],
)
def test_bad_public_keys_are_refused_with_a_field(text: str) -> None:
    with pytest.raises(CredpagesError) as err:
        decode_public_key(text, field="keyring[0].public_key")
    assert err.value.field == "keyring[0].public_key"


def test_a_secret_key_is_not_accepted_as_a_public_key() -> None:
    """Pasting the secret into the keyring is refused (and the secret is not echoed)."""
    secret = encode_secret_key(generate_seed())
    with pytest.raises(CredpagesError) as err:
        decode_public_key(secret)
    assert secret not in str(err.value)
    assert "z6Mk" in str(err.value)


def test_a_public_key_is_not_accepted_as_a_secret_key() -> None:
    public = public_key_of(generate_seed())
    with pytest.raises(CredpagesError) as err:
        decode_secret_key(public)
    assert "keygen" in str(err.value)


def test_bad_secret_key_error_does_not_echo_the_value() -> None:
    almost = encode_secret_key(generate_seed())[:-3] + "0OI"
    with pytest.raises(CredpagesError) as err:
        decode_secret_key(almost)
    assert almost not in str(err.value)
    assert almost[5:20] not in str(err.value)


# ------------------------------------------------------------------------ storage


def test_default_secret_path_follows_xdg_config_home(isolated_env: Path) -> None:
    assert default_secret_path() == isolated_env / "credpages" / "signing-key"


def test_default_secret_path_without_xdg_is_under_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_secret_path() == tmp_path / ".config" / "credpages" / "signing-key"


def test_write_secret_key_is_0600_and_readable_back(tmp_path: Path) -> None:
    seed = generate_seed()
    path = tmp_path / "keys" / "deep" / "signing-key"
    write_secret_key(seed, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_signing_key(path) == seed
    assert [p.name for p in path.parent.iterdir()] == ["signing-key"]  # no temp file left


def test_write_secret_key_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "signing-key"
    first, second = generate_seed(), generate_seed()
    write_secret_key(first, path)
    with pytest.raises(CredpagesError, match="--force"):
        write_secret_key(second, path)
    assert read_signing_key(path) == first
    write_secret_key(second, path, force=True)
    assert read_signing_key(path) == second
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_secret_key_refuses_a_git_work_tree(tmp_path: Path) -> None:
    repo = git_init(tmp_path / "repo")
    with pytest.raises(CredpagesError, match="git work tree") as err:
        write_secret_key(generate_seed(), repo / "signing-key")
    assert err.value.file == str(repo / "signing-key")
    assert not (repo / "signing-key").exists()


def test_write_secret_key_refuses_a_new_folder_inside_a_work_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a target folder that does not exist yet was checked as the cwd instead."""
    repo = git_init(tmp_path / "repo")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    with pytest.raises(CredpagesError, match="git work tree"):
        write_secret_key(generate_seed(), repo / "new" / "dir" / "signing-key")
    assert not (repo / "new").exists()


def test_write_secret_key_outside_is_fine_even_when_cwd_is_a_work_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: `credpages keygen` run inside the issuer's repository, fresh ~/.config."""
    monkeypatch.chdir(git_init(tmp_path / "repo"))
    target = tmp_path / "home" / ".config" / "credpages" / "signing-key"
    write_secret_key(generate_seed(), target)
    assert target.is_file()


def test_git_work_tree_finds_the_nearest_repository(tmp_path: Path) -> None:
    repo = git_init(tmp_path / "repo")
    assert git_work_tree(repo / "a" / "b") == repo.resolve()
    assert git_work_tree(tmp_path / "plain") is None
    worktree = tmp_path / "linked"  # `git worktree` and submodules have a .git *file*
    worktree.mkdir()
    (worktree / ".git").write_text("gitdir: /elsewhere\n")
    assert git_work_tree(worktree / "x") == worktree.resolve()


# ------------------------------------------------------------------------ loading


def test_key_file_beats_environment_beats_default_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_file, from_env, from_default = generate_seed(), generate_seed(), generate_seed()
    key_file = tmp_path / "k"
    key_file.write_text(encode_secret_key(from_file) + "\n")
    write_secret_key(from_default, default_secret_path())
    assert read_signing_key() == from_default
    monkeypatch.setenv(ENV_VAR, encode_secret_key(from_env))
    assert read_signing_key() == from_env
    assert read_signing_key(key_file) == from_file
    monkeypatch.setenv(ENV_VAR, "   ")  # an empty CI secret falls through to the file
    assert read_signing_key() == from_default


def test_no_key_anywhere_says_how_to_get_one() -> None:
    with pytest.raises(CredpagesError) as err:
        read_signing_key()
    text = str(err.value)
    assert ENV_VAR in text and "--key-file" in text and "keygen" in text
    assert err.value.file == str(default_secret_path())


def test_garbage_key_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "key.txt"
    bad.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    with pytest.raises(CredpagesError) as err:
        read_signing_key(bad)
    assert err.value.file == str(bad)
    assert "BEGIN" not in str(err.value)
    binary = tmp_path / "key.bin"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CredpagesError) as err:
        read_signing_key(binary)
    assert err.value.file == str(binary)
