#!/usr/bin/env python3
"""Per-credential cost of signing, verifying, YAML and schema work, against a bare Ed25519 verify.

Builds N realistic OpenBadgeCredentials (names in several scripts, some with an expiry, evidence
or a result; an achievement with tags, alignments and an image) with
``credpages.credential.model.build_credential`` and a freshly generated key, then times each step
over all N credentials in the same process and prints milliseconds per credential, and each as a
multiple of one bare Ed25519 signature check (PyNaCl ``VerifyKey.verify`` of a 64-byte message,
which is what both Data Integrity suites verify after hashing).

Per-suite sign is the suite's hash data (``proofs.rdfc_hash_data`` / ``proofs.jcs_hash_data``) and
the Ed25519 signature, as ``sign_proof_set`` does it; per-suite verify is ``verify_proof_set`` on
the credential carrying just that suite's proof (``required_suites=(suite,)``).

    python bench/sign_verify.py            # N = 1,000 (about a minute of CPU time)
    python bench/sign_verify.py --n 200
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

import nacl  # noqa: E402
import yaml  # noqa: E402
from nacl.signing import SigningKey, VerifyKey  # noqa: E402

from credpages.config import Settings, parse_settings  # noqa: E402
from credpages.credential.keys import generate_seed, public_key_of  # noqa: E402
from credpages.credential.model import (  # noqa: E402
    Award,
    Recipient,
    achievement_from_definition,
    build_credential,
    new_slug,
)
from credpages.credential.multikey import multibase_encode  # noqa: E402
from credpages.credential.proofs import (  # noqa: E402
    PROOF_PURPOSE,
    PROOF_TYPE,
    SUITE_JCS,
    SUITE_RDFC,
    jcs_hash_data,
    rdfc_hash_data,
    sign_proof_set,
    verify_proof_set,
)
from credpages.credential.verify import check_integrity, keyring_resolver, schema_errors  # noqa: E402
from credpages.credential.yamlio import dump_yaml, loads_yaml  # noqa: E402
from credpages.issuer.issuing import check_signable  # noqa: E402

CREATED = "2026-11-28T09:30:00Z"
CHUNK = 25
BARE_PER_CHUNK = 200
CLOCK = time.process_time  # CPU time: steadier than wall time on a shared machine
NAMES = [
    "Ada Lovelace",
    "José Álvarez-Núñez",
    "Zoë Ødegård",
    "Анна Каренина",
    "Пётр Ильич Чайковский",
    "王小明",
    "欧阳娜娜",
    "محمد بن موسى الخوارزمي",
    "فاطمة الزهراء",
    "Αλέξανδρος Παπαδόπουλος",
    "देवनागरी नाम",
    "山田 太郎",
    "Nguyễn Thị Minh Khai",
    "O'Brien, Siobhán",
]
ACHIEVEMENT = {
    "name": "Python Basics",
    "description": "Writes, tests and debugs small Python programs: functions, data structures, "
    "files, exceptions and unit tests.",
    "criteria": "Passed the final practical exam with at least 70% and submitted a project.",
    "image": "assets/achievements/python-basics.svg",
    "image_caption": "Python Basics badge",
    "achievement_type": "Certificate",
    "tags": ["Python", "programming", "testing"],
    "alignments": [
        {
            "name": "ESCO: Python (computer programming)",
            "url": "https://esco.ec.europa.eu/en/classification/skill?uri=http://data.europa.eu/"
            "esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
            "framework": "ESCO",
        },
        {"name": "Python language reference", "url": "https://docs.python.org/3/reference/"},
    ],
    "human_code": "PY-101",
    "in_language": "en",
}


def make_settings(public_key: str) -> Settings:
    entry = {
        "issuer": {
            "name": "Bench Academy",
            "url": "https://academy.bench.example/",
            "image": "assets/logo.svg",
            "description": "Short practical courses for working programmers.",
        },
        "keyring": [{"id": "key-1", "public_key": public_key, "active_from": "2026-01-01"}],
    }
    return parse_settings(entry, "https://bench.example/awards/", ROOT)


def make_credentials(settings: Settings, n: int, rng: random.Random) -> list[dict[str, Any]]:
    achievement = achievement_from_definition("python-basics", ACHIEVEMENT, settings)
    docs = []
    for i in range(n):
        day = 1 + i % 28
        award = Award(
            issued=f"2026-{1 + i % 12:02d}-{day:02d}T00:00:00Z",
            valid_until=f"2029-{1 + i % 12:02d}-{day:02d}T00:00:00Z" if i % 4 == 0 else None,
            evidence_url=f"https://portfolio.bench.example/learner{i}/" if i % 3 == 0 else None,
            evidence_name="Final project" if i % 3 == 0 else None,
            result=rng.choice(["Pass", "Merit", "Distinction"]) if i % 2 == 0 else None,
        )
        recipient = Recipient(f"{NAMES[i % len(NAMES)]} {i}", f"learner{i}@bench.example")
        docs.append(
            build_credential(
                settings,
                achievement,
                recipient,
                award,
                slug=new_slug("python-basics"),
                status_index=rng.randrange(131_072),
            )
        )
    return docs


def proof_options(suite: str, vm: str, context: Any = None) -> dict[str, Any]:
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": suite,
        "created": CREATED,
        "verificationMethod": vm,
        "proofPurpose": PROOF_PURPOSE,
    }
    if context is not None:
        options["@context"] = copy.deepcopy(context)
    return options


@dataclass
class Op:
    """One timed operation: ``fn`` over the items ``source(lo, hi)`` gives for each chunk."""

    name: str
    source: Callable[[int, int], Sequence[Any]]
    fn: Callable[[Any], Any]
    keep: list[Any] | None = None  # collects fn's results, for the operations after it
    seconds: float = 0.0
    calls: int = 0

    def run(self, lo: int, hi: int) -> None:
        items = self.source(lo, hi)
        fn, keep = self.fn, self.keep
        start = CLOCK()
        if keep is None:
            for item in items:
                fn(item)
        else:
            for item in items:
                keep.append(fn(item))
        self.seconds += CLOCK() - start
        self.calls += len(items)

    @property
    def ms(self) -> float:
        return self.seconds * 1000 / self.calls


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="credentials (default 1000)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed for the test data")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")

    started = time.perf_counter()
    seed = generate_seed()
    key = SigningKey(seed)
    settings = make_settings(public_key_of(seed))
    vm = f"{settings.did}#key-1"
    key_for = keyring_resolver(settings)
    docs = make_credentials(settings, args.n, random.Random(args.seed))

    # the reference: one Ed25519 check of a 64-byte message (what both suites verify in the end)
    verify_key = VerifyKey(bytes(key.verify_key))
    pairs = [(m, key.sign(m).signature) for m in (os.urandom(64) for _ in range(BARE_PER_CHUNK))]

    def sign_rdfc(doc: dict[str, Any]) -> str:
        data = rdfc_hash_data(doc, proof_options(SUITE_RDFC, vm))
        return multibase_encode(key.sign(data).signature)

    def sign_jcs(doc: dict[str, Any]) -> str:
        data = jcs_hash_data(doc, proof_options(SUITE_JCS, vm, doc["@context"]))
        return multibase_encode(key.sign(data).signature)

    def schema(doc: dict[str, Any]) -> None:
        if schema_errors(doc):
            raise SystemExit(f"schema errors: {schema_errors(doc)[0]}")

    def integrity(doc: dict[str, Any]) -> None:
        problems = check_integrity(doc, settings)
        if problems:
            raise SystemExit(f"check_integrity failed: {problems[0]}")

    def signable(doc: dict[str, Any]) -> None:
        problems = check_signable(doc, settings)
        if problems:
            raise SystemExit(f"check_signable failed: {problems[0]}")

    signed: list[dict[str, Any]] = []
    texts: list[str] = []
    ops = [
        Op(
            "bare Ed25519 verify (PyNaCl, 64 bytes)",
            lambda lo, hi: pairs,
            lambda p: verify_key.verify(p[0], p[1]),
        ),
        Op("eddsa-rdfc-2022 sign", lambda lo, hi: docs[lo:hi], sign_rdfc),
        Op(
            "eddsa-rdfc-2022 verify",
            lambda lo, hi: [_only(d, 0) for d in signed[lo:hi]],
            lambda d: verify_proof_set(d, key_for, required_suites=(SUITE_RDFC,)),
        ),
        Op("eddsa-jcs-2022 sign", lambda lo, hi: docs[lo:hi], sign_jcs),
        Op(
            "eddsa-jcs-2022 verify",
            lambda lo, hi: [_only(d, 1) for d in signed[lo:hi]],
            lambda d: verify_proof_set(d, key_for, required_suites=(SUITE_JCS,)),
        ),
        Op(
            "sign_proof_set (both suites)",
            lambda lo, hi: docs[lo:hi],
            lambda d: sign_proof_set(d, seed, vm, CREATED),
            keep=signed,
        ),
        Op(
            "verify_proof_set (both suites)",
            lambda lo, hi: signed[lo:hi],
            lambda d: verify_proof_set(d, key_for),
        ),
        Op("YAML dump (yamlio.dump_yaml)", lambda lo, hi: signed[lo:hi], dump_yaml, keep=texts),
        Op("YAML load (yamlio.loads_yaml)", lambda lo, hi: texts[lo:hi], loads_yaml),
        Op("OB 3.0 JSON Schema validation", lambda lo, hi: signed[lo:hi], schema),
        Op("verify.check_integrity (everything)", lambda lo, hi: signed[lo:hi], integrity),
        Op("issuing.check_signable (before signing)", lambda lo, hi: docs[lo:hi], signable),
    ]
    # sign_proof_set and dump_yaml produce what later operations consume: they go first
    order = [op for op in ops if op.keep is not None] + [op for op in ops if op.keep is None]

    for op in order:  # warm-up (context loading, schema compilation), not timed
        result = op.fn(op.source(0, 1)[0])
        if op.keep is not None:
            op.keep.append(result)
    signed.clear()
    texts.clear()
    # Operations take turns chunk by chunk, so a busy neighbour on a shared machine slows all of
    # them alike instead of whichever happened to run at the time.
    gc.collect()
    gc.disable()
    try:
        for lo in range(0, args.n, CHUNK):
            hi = min(lo + CHUNK, args.n)
            for op in order:
                op.run(lo, hi)
    finally:
        gc.enable()
    if loads_yaml(texts[0]).data != signed[0]:
        raise SystemExit("the YAML round trip changed the credential")

    bare = ops[0].ms
    size = sum(len(t.encode("utf-8")) for t in texts) / len(texts)
    libyaml = "libyaml" if hasattr(yaml, "CSafeLoader") else "pure-Python PyYAML"
    print(
        f"credpages sign/verify benchmark: {args.n:,} credentials, {size:,.0f} bytes of YAML each"
    )
    print(
        f"Python {platform.python_version()}, PyNaCl {nacl.__version__}, {libyaml}, "
        f"{platform.machine()} with {os.cpu_count()} CPU(s); one process"
    )
    print(f"CPU milliseconds per credential, mean over all {args.n:,} (operations interleaved)")
    print()
    width = max(len(op.name) for op in ops)
    print(f"{'operation':<{width}}  {'ms/credential':>13}  {'x bare verify':>13}")
    print(f"{'-' * width}  {'-' * 13}  {'-' * 13}")
    for op in ops:
        print(f"{op.name:<{width}}  {op.ms:>13.3f}  {op.ms / bare:>13,.1f}")
    print()
    print(f"total run time {time.perf_counter() - started:.1f} s")
    return 0


def _only(doc: dict[str, Any], index: int) -> dict[str, Any]:
    """The signed credential with just one of its two proofs (each suite verified alone)."""
    return {**doc, "proof": [doc["proof"][index]]}


if __name__ == "__main__":
    sys.exit(main())
