"""Ed25519 signing keys: generation, safe storage outside the repository, and loading.

Secret keys never live in the git work tree: ``keygen`` refuses to write one there, and signing
commands read the key from ``CREDPAGES_SIGNING_KEY`` (a CI secret) or ``--key-file``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from nacl.signing import SigningKey

from ..errors import CredpagesError
from ..fsio import atomic_write
from .multikey import decode_secret_key, encode_public_key, encode_secret_key

ENV_VAR = "CREDPAGES_SIGNING_KEY"


def generate_seed() -> bytes:
    return bytes(SigningKey.generate())


def public_key_of(seed: bytes) -> str:
    """The ``z6Mk…`` Multikey of the seed's public key, as written in the keyring."""
    return encode_public_key(bytes(SigningKey(seed).verify_key))


def default_secret_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "credpages" / "signing-key"


def git_work_tree(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` that holds a ``.git``, or None."""
    here = path.resolve()
    for folder in [here, *here.parents]:
        if (folder / ".git").exists():
            return folder
    return None


def write_secret_key(seed: bytes, path: Path, *, force: bool = False) -> None:
    """Store the secret key with mode 0600, refusing the work tree and existing files."""
    tree = git_work_tree(path.absolute().parent)  # the target's folder, even if not made yet
    if tree is not None:
        raise CredpagesError(
            f"refusing to write a secret key inside the git work tree {tree}: anyone who can "
            "read the repository could forge credentials. Choose a path outside it, or use "
            "--stdout to paste the key into a CI secret",
            file=path,
        )
    if path.exists() and not force:
        raise CredpagesError(
            "a key already exists here; pass --force to replace it (credentials signed with "
            "the old key stay valid only while its public key stays in the keyring)",
            file=path,
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(path, encode_secret_key(seed) + "\n", mode=stat.S_IRUSR | stat.S_IWUSR)


def read_signing_key(key_file: str | Path | None = None) -> bytes:
    """The seed from ``--key-file``, else ``$CREDPAGES_SIGNING_KEY``, else the default file."""
    if key_file is None and os.environ.get(ENV_VAR, "").strip():
        return decode_secret_key(os.environ[ENV_VAR])
    path = Path(key_file) if key_file is not None else default_secret_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CredpagesError(
            f"no signing key: set {ENV_VAR}, pass --key-file, or run `credpages keygen`",
            file=path,
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CredpagesError(f"cannot read the signing key: {exc}", file=path) from exc
    try:
        return decode_secret_key(text)
    except CredpagesError as exc:
        raise exc.located(file=path) from exc
