#!/usr/bin/env python3
"""Regenerate the demo issuer's signed credentials (credentials/*.yaml, credentials/status/ and
the pathway credential's CLR in credentials/clr/).

The demo key in demo/DEMO-SIGNING-KEY-PUBLIC.txt is PUBLIC BY DESIGN: anyone can sign "demo"
credentials with it, which is why the build refuses any site trusting it unless its mkdocs.yml
says `demo: true`. Never use it for real credentials.

    python demo/make_demo.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

from credpages.cli.site_config import load_settings  # noqa: E402
from credpages.credential.multikey import decode_secret_key  # noqa: E402
from credpages.issuer.award_request import make_request  # noqa: E402
from credpages.issuer.issuing import Issuer  # noqa: E402
from credpages.issuer.pathways import Catalog, award_pathways  # noqa: E402
from credpages.issuer.revocation import revoke  # noqa: E402
from credpages.issuer.signing import Signer  # noqa: E402

AWARDS = [
    # (achievement, name, e-mail, extra fields)
    ("python-basics", "Ada Lovelace", "ada@example.org", {"result": "92%"}),
    ("data-literacy", "Анна Каренина", "anna@example.org", {}),
    (
        "open-source-contributor",
        "王芳",
        "wang.fang@example.org",
        {"evidence_url": "https://example.org/pull/42", "evidence_name": "Merged pull request"},
    ),
    ("python-basics", "فاطمة الزهراء", "fatima@example.org", {}),
    ("data-literacy", "José Müller-Ødegård", "jose@example.org", {}),
    (
        "python-basics",
        "Grace Hopper",
        "grace@example.org",
        {"issued": "2022-03-01", "expires": "2024-03-01"},
    ),
    ("open-source-contributor", "Alan Turnig", "alan@example.org", {}),
    # The developer-pathway (all three achievements): Ada completes it with these two, so the
    # run awards her the pathway credential too; Fatima holds two of three, still on her way.
    ("data-literacy", "Ada Lovelace", "ada@example.org", {"issued": "2026-10-01"}),
    (
        "open-source-contributor",
        "Ada Lovelace",
        "ada@example.org",
        {"issued": "2026-10-20", "evidence_url": "https://example.org/pull/7"},
    ),
    ("data-literacy", "فاطمة الزهراء", "fatima@example.org", {}),
]


def main(root: Path = ROOT) -> None:
    """Write the demo credentials of the issuer whose ``mkdocs.yml`` is in ``root``.

    The browser tests call this on a copy of the demo whose ``site_url`` is their own server.
    """
    settings = load_settings(root / "mkdocs.yml")
    seed = decode_secret_key((ROOT / "demo" / "DEMO-SIGNING-KEY-PUBLIC.txt").read_text())
    for old in settings.credentials_dir.glob("*.yaml"):
        old.unlink()
    for old in [
        *(settings.credentials_dir / "status").glob("*.yaml"),
        *(settings.credentials_dir / "clr").glob("*.yaml"),
    ]:
        old.unlink()
    signer = Signer(settings, seed)
    issuer = Issuer(settings, signer, rng=random.Random(2026).randrange)
    docs = {}
    requests, outcomes = [], []
    for achievement, name, email, extra in AWARDS:
        row = {"name": name, "email": email, "issued": "2026-09-15", **extra}
        request = make_request(settings, row, origin="demo", achievement_id=achievement)
        requests.append(request)
        outcome = issuer.issue(request)
        outcomes.append(outcome)
        docs.setdefault(name, outcome)
    award_pathways(issuer, requests, outcomes, Catalog.load(settings))
    _, revoked = _load(docs["José Müller-Ødegård"].path)
    revoke(settings, signer, revoked, reason="Issued in error: the capstone was not yet assessed")
    _, misspelled = _load(docs["Alan Turnig"].path)
    issuer.reissue(misspelled, name="Alan Turing", reason="Recipient's name was misspelled")
    print(f"demo credentials written to {settings.credentials_dir}")


def _load(path: Path | None) -> tuple[Path, dict]:
    from credpages.credential.yamlio import load_yaml

    assert path is not None
    return path, load_yaml(path).data


if __name__ == "__main__":
    main()
