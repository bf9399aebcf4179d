#!/usr/bin/env python3
"""Issuing cost against what is issued: one into a big site vs an empty one, a CSV vs its proofs.

Whole ``credpages issue`` processes, interleaved, medians of ``--repeat`` runs, each figure a
ratio against its baseline measured in the same run (the machine is shared), every process
with compiled bytecode as installed packages have it (``bench/build.py``'s ``PYCACHE``; with
``PYTHONDONTWRITEBYTECODE`` set, each command would recompile credpages' own modules, ~0.3 s):
  * one credential into an N-credential site vs one into an empty site (target <= 1.5x); the
    first issue into the big site, which reads every file once to fill the holdings index, is
    shown apart;
  * a ``--rows``-row CSV into an empty site vs a process that builds the same credentials and
    signs them, writing nothing (target <= 1.5x).

    python bench/issue.py                  # N = 10,000, 1,000 rows
    python bench/issue.py --n 2000 --rows 200 --repeat 3
    python bench/issue.py --keep /tmp/big10k   # the 10,000-credential site generated once
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

import figures  # noqa: E402  (bench/figures.py)

from credpages.cli.site_config import load_settings  # noqa: E402
from credpages.credential.keys import generate_seed  # noqa: E402
from credpages.credential.model import Award, Recipient, build_credential, now_timestamp  # noqa: E402
from credpages.credential.multikey import decode_secret_key, encode_secret_key  # noqa: E402
from credpages.issuer.repository import load_achievement  # noqa: E402
from credpages.issuer.signing import Signer  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_build", Path(__file__).with_name("build.py"))
assert _spec and _spec.loader
bench_build = sys.modules["bench_build"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_build)


CREDPAGES = (sys.executable, "-m", "credpages.cli")  # PYTHONPATH may point at other code


def run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr.decode()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def compare(
    label: str, base: list[tuple[float, float]], ours: list[tuple[float, float]]
) -> figures.Figure:
    """Medians of wall and CPU seconds, and ours / base for each (the target is on wall)."""
    bw, bc = (statistics.median(x) for x in zip(*base, strict=True))
    ow, oc = (statistics.median(x) for x in zip(*ours, strict=True))
    print(
        f"{label}: {ow:.2f} s wall ({oc:.2f} s CPU) vs {bw:.2f} s ({bc:.2f} s CPU): "
        f"{ow / bw:.2f}x wall, {oc / bc:.2f}x CPU (target <= 1.5x; median of {len(ours)})"
    )
    return figures.Figure(
        label,
        f"{ow:.2f} s wall ({oc:.2f} s CPU)",
        f"{bw:.2f} s ({bc:.2f} s CPU)",
        f"{ow / bw:.2f}x wall, {oc / bc:.2f}x CPU",
        "<= 1.5x",
        ow <= 1.5 * bw,
        f"{os.getloadavg()[0]:.1f}",
    )


def big_site(folder: Path, n: int) -> tuple[Path, bytes]:
    """An N-credential site and its key: made once in ``folder`` (reused by ``--keep``)."""
    secret = folder / "bench-secret-key"  # beside the site, never under credentials/
    if secret.is_file():
        return folder / "mkdocs.yml", decode_secret_key(secret.read_text().strip())
    seed = generate_seed()
    t0 = time.perf_counter()
    config = bench_build.generate(folder, n, seed)
    secret.write_text(encode_secret_key(seed) + "\n")
    print(f"generated {n} signed credentials in {time.perf_counter() - t0:.0f} s")
    return config, seed


def issue_one(config: Path, k: int) -> list[str]:
    return [
        *(*CREDPAGES, "--config", str(config), "issue", "--achievement", "python-basics"),
        *("--name", f"Bench Person {k}", "--email", f"bench{k}@example.org"),
    ]


def sign_only(config: str, rows: int) -> None:
    """The baseline process: the same credentials built and signed, nothing checked or written."""
    settings = load_settings(Path(config))
    signer = Signer(settings, decode_secret_key(os.environ["CREDPAGES_SIGNING_KEY"]))
    achievement = load_achievement(settings, "python-basics").achievement
    rng = random.Random(rows)
    for i in range(rows):
        doc = build_credential(
            settings,
            achievement,
            Recipient(f"{bench_build.NAMES[i % 6]} {i}", f"row{i}@example.org"),
            Award(issued=now_timestamp()),
            slug=f"python-basics-{rng.randrange(10**12):012d}",
            status_index=rng.randrange(131072),
        )
        signer.sign(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10000, help="credentials in the big site")
    parser.add_argument("--rows", type=int, default=1000, help="rows of the CSV")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", help="make the big site in this folder once and reuse it")
    parser.add_argument("--figures", help="also save the figures here (bench/figures.py)")
    parser.add_argument("--sign-only", nargs=2, metavar=("CONFIG", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sign_only:
        sign_only(args.sign_only[0], int(args.sign_only[1]))
        return
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        big, big_seed = big_site(Path(args.keep or Path(tmp) / "big"), args.n)
        seed = generate_seed()
        empty = bench_build.write_issuer(Path(tmp) / "empty", seed)
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        env.update(PYTHONPYCACHEPREFIX=str(bench_build.PYCACHE))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env_big = {**env, "CREDPAGES_SIGNING_KEY": encode_secret_key(big_seed)}
        env_empty = {**env, "CREDPAGES_SIGNING_KEY": encode_secret_key(seed)}
        run(issue_one(empty, 0), env_empty)  # the status list, made once
        tag = time.time_ns()  # new recipients on every run, also with --keep
        first = run(issue_one(big, tag), env_big)
        print(f"first issue into the big site (fills the holdings index): {first[0]:.2f} s")
        time.sleep(3.5)  # past the index's racy window, as between two people's commands
        into_empty, into_big = [], []
        for k in range(1, args.repeat + 1):
            into_empty.append(run(issue_one(empty, k), env_empty))
            into_big.append(run(issue_one(big, tag + k), env_big))
        found = [
            compare(
                f"issue 1 into {args.n:,} credentials vs into an empty site", into_empty, into_big
            )
        ]

        csv = Path(tmp) / "rows.csv"
        csv.write_text(
            "name,email\n"
            + "".join(
                f"{bench_build.NAMES[i % 6]} {i},row{i}@example.org\n" for i in range(args.rows)
            )
        )
        signed, issued = [], []
        for _ in range(max(1, args.repeat // 2)):
            for p in (empty.parent / "credentials").glob("*.yaml"):
                p.unlink()
            shutil.rmtree(empty.parent / ".cache", ignore_errors=True)
            signed.append(
                run(
                    [sys.executable, __file__, "--sign-only", str(empty), str(args.rows)], env_empty
                )
            )
            issued.append(
                run(
                    [
                        *(*CREDPAGES, "--config", str(empty), "issue"),
                        *("--achievement", "python-basics", "--csv", str(csv)),
                        *("--out", str(Path(tmp) / "out.csv")),
                    ],
                    env_empty,
                )
            )
        found.append(
            compare(f"issue --csv of {args.rows:,} rows vs signing them alone", signed, issued)
        )
    print(f"load average {os.getloadavg()[0]:.1f}")
    if args.figures:
        figures.save(Path(args.figures), found)


if __name__ == "__main__":
    main()
