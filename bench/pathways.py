#!/usr/bin/env python3
"""What awarding pathways adds to an `issue` batch, against the same batch without pathways.

A throw-away issuer defines three achievements and a pathway of all three. N learners get the
first two parts; then the third part is issued to all of them, in two fresh copies of that
repository: once with ``--no-pathways`` (the baseline) and once with pathways, which awards N
pathway credentials (each part checked: state, both proofs, schema). Then the same batch runs
again in each copy (all held already: pathways only match e-mails). Prints CPU milliseconds per
learner for each run and the ratios, measured in the same process.

    python bench/pathways.py            # N = 60
    python bench/pathways.py --n 200
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

from credpages.cli.commands import main  # noqa: E402
from credpages.credential.keys import ENV_VAR, generate_seed, public_key_of  # noqa: E402
from credpages.credential.multikey import encode_secret_key  # noqa: E402

CLOCK = time.process_time
CONFIG = """\
site_name: Bench
site_url: https://bench.example/awards/
theme: {{name: material}}
plugins:
  - credpages:
      issuer: {{name: Bench Academy, url: 'https://bench.example/'}}
      keyring:
        - {{id: key-1, public_key: {public}, active_from: '2026-01-01'}}
"""
PART = "name: {name}\ndescription: A part.\ncriteria: Passed.\n"
PATHWAY = "name: Track\ndescription: All three.\ncriteria: Holds all three.\n"
PATHWAY += "requires:\n  all: [part-a, part-b, part-c]\n"


def write_batch(path: Path, n: int, achievement: str) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "email", "achievement"])
        for i in range(n):
            writer.writerow([f"Learner {i}", f"learner{i}@bench.example", achievement])
    return path


def run(root: Path, *argv: str) -> None:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        code = main(["--config", "mkdocs.yml", *argv])
    finally:
        os.chdir(cwd)
    if code != 0:
        raise SystemExit(f"credpages {' '.join(argv)} failed ({code})")


def timed(root: Path, *argv: str) -> float:
    start = CLOCK()
    run(root, *argv)
    return CLOCK() - start


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60)
    n = parser.parse_args().n
    seed = generate_seed()
    os.environ[ENV_VAR] = encode_secret_key(seed)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        achievements = base / "credentials" / "achievements"
        achievements.mkdir(parents=True)
        (base / "mkdocs.yml").write_text(CONFIG.format(public=public_key_of(seed)), "utf-8")
        for aid in ("part-a", "part-b", "part-c"):
            (achievements / f"{aid}.yaml").write_text(PART.format(name=aid), "utf-8")
        (achievements / "track.yaml").write_text(PATHWAY, "utf-8")
        for aid in ("part-a", "part-b"):
            batch = write_batch(Path(tmp) / f"{aid}.csv", n, aid)
            run(base, "issue", "--csv", str(batch), "--out", os.devnull)
        last = write_batch(Path(tmp) / "part-c.csv", n, "part-c")
        without, with_ = Path(tmp) / "without", Path(tmp) / "with"
        shutil.copytree(base, without)
        shutil.copytree(base, with_)
        plain = timed(without, "issue", "--csv", str(last), "--out", os.devnull, "--no-pathways")
        stacked = timed(with_, "issue", "--csv", str(last), "--out", os.devnull)
        awarded = len(list((with_ / "credentials").glob("track-*.yaml")))
        # The same batch again: everything is held already (an interrupted run, rerun).
        plain_again = timed(
            without, "issue", "--csv", str(last), "--out", os.devnull, "--no-pathways"
        )
        stacked_again = timed(with_, "issue", "--csv", str(last), "--out", os.devnull)
    assert awarded == n, f"expected {n} pathway credentials, got {awarded}"
    print(f"N = {n} learners; the last part issued to each, CPU ms per learner")
    print(f"  issue --no-pathways (baseline)   {1000 * plain / n:8.1f}")
    print(f"  issue, pathways awarded ({n:>4})  {1000 * stacked / n:8.1f}")
    print(f"  ratio                            {stacked / plain:8.2f}x")
    print("the same batch again (all held already), CPU ms per learner")
    print(f"  issue --no-pathways (baseline)   {1000 * plain_again / n:8.1f}")
    print(f"  issue, pathways checked          {1000 * stacked_again / n:8.1f}")
    print(f"  ratio                            {stacked_again / plain_again:8.2f}x")


if __name__ == "__main__":
    main_bench()
