"""Re-signing credentials after a key is retired: same document, new proofs, same page.

Only a credential this issuer really signed is carried over to the current key: its old proofs
must still verify against the retired key (which stays in the keyring, marked ``retired: true``)
and every other check must pass. A credential signed by a key that is not in the keyring at all
is refused, because nothing shows it was issued here. Ids, slugs, status entries and every other
field are kept, so pages, links and revocation stay as they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..credential.verify import check_integrity, proof_methods
from ..credential.yamlio import load_yaml, write_yaml
from ..errors import CredpagesError
from .repository import is_signed
from .signing import Signer

RESIGNED, CURRENT, UNSIGNED = "resigned", "current", "unsigned"


@dataclass(frozen=True)
class Resigned:
    path: Path
    status: str  # RESIGNED (or would be, in a dry run), CURRENT or UNSIGNED
    old_keys: tuple[str, ...] = ()


def needs_resign(doc: Mapping[str, Any], settings: Settings) -> bool:
    """Signed by a retired key or a key the keyring does not list (or by no one's key)."""
    keys = settings.key_by_vm()
    methods = proof_methods(doc)
    return is_signed(dict(doc)) and any(vm not in keys or keys[vm].retired for vm in methods)


def resign_file(path: Path, settings: Settings, signer: Signer | None) -> Resigned:
    """Re-sign ``path`` in place with ``signer`` (``None``: only check, for a dry run)."""
    loaded = load_yaml(path)
    doc = loaded.data
    if not is_signed(doc):
        return Resigned(path, UNSIGNED)
    keys = settings.key_by_vm()
    methods = proof_methods(doc)
    unknown = [vm for vm in methods if vm not in keys]
    if unknown:
        raise CredpagesError(
            f"signed by {unknown[0]}, which is not in the keyring: nothing shows this issuer "
            "signed it, so it is not re-signed. If that was your key, put it back in the "
            "keyring with `retired: true` and run `credpages resign` again",
            file=path,
            line=loaded.line_of("proof"),
            field="proof",
        )
    old = tuple(sorted({keys[vm].id for vm in methods if keys[vm].retired}))
    if not old:
        return Resigned(path, CURRENT)
    problems = check_integrity(doc, settings, allow_retired=True)
    if problems:
        first = problems[0]
        raise CredpagesError(
            f"not re-signed: {first.message}",
            file=path,
            line=loaded.line_of(first.field or ""),
            field=first.field,
        )
    if signer is not None:
        signed = signer.sign({k: v for k, v in doc.items() if k != "proof"})
        after = check_integrity(signed, settings)
        if after:  # cannot happen unless the keyring is inconsistent; never write a bad file
            raise after[0].located(file=path)
        write_yaml(path, signed)
    return Resigned(path, RESIGNED, old)
