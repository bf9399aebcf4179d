#!/usr/bin/env python3
"""What the issuance log costs: adding N leaves, and a build that checks and publishes the log.

For each size N it generates an issuer with N signed credentials (as bench/build.py does), then
measures, in the same run on the same machine:
  * add: appending N credentials to a new log and signing the checkpoint (what `issue` pays,
    spread over N commands), against signing those N credentials (the issuing it rides on);
  * the log's share of a build, in process: checking the log (`check_site_log`: checkpoint,
    tree, every credential's leaf) and writing it (`write_log`: tiles, bundles, N page hints),
    against a whole warm `mkdocs build` of the same site;
  * whole warm builds without and with the log, alternated (best of each), as a cross-check:
    on a busy machine their difference is noisier than the in-process figure.
Target: the log adds under 5 % to a build of that size.

    python bench/issuance_log.py                # N = 10,000 (signing takes a few minutes)
    python bench/issuance_log.py --sizes 1000
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import generate, set_cards, timed_build

from credpages.cli.site_config import load_settings
from credpages.credential.verify import Report
from credpages.credential.yamlio import load_yaml
from credpages.issuer.issuance_log import IssuanceLog, LogCheck, log_path
from credpages.issuer.repository import credential_files, display_path
from credpages.issuer.signing import Signer
from credpages.site.log_files import write_log
from credpages.site.log_gate import check_site_log


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def write_file(root: Path, made: set[Path], relative: str, data: bytes | str) -> None:
    """As the build writes: each folder made once (publish keeps the same set)."""
    path = root / relative
    if path.parent not in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        made.add(path.parent)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def measure(tmp: Path, n: int, rounds: int) -> None:
    t0 = time.perf_counter()
    config, seed = generate(tmp / f"site{n}", n, return_seed=True)
    t_sign = time.perf_counter() - t0
    set_cards(config, False)
    settings = load_settings(config)
    paths = credential_files(settings)
    docs = [load_yaml(p).data for p in paths]
    timed_build(config, repeat=1)  # fills the verification and page caches

    def add_all() -> None:
        log_path(settings).parent.mkdir(parents=True, exist_ok=True)
        log_path(settings).write_text("", encoding="utf-8")  # an empty log: no bootstrap scan
        log = IssuanceLog(settings)
        for doc in docs:
            log.add(doc)
        log.save(Signer(settings, seed))

    t_add = best(add_all)
    reports = [
        Report(source=display_path(p), credential=d, slug=p.stem)
        for p, d in zip(paths, docs, strict=True)
    ]
    checked: list[LogCheck | None] = []
    t_check = best(lambda: checked.append(check_site_log(settings, reports)[0]))
    check = checked[-1]
    assert check is not None
    out = tmp / "out"
    slugs = {str(d["id"]): p.stem for p, d in zip(paths, docs, strict=True)}

    def write_all() -> None:
        shutil.rmtree(out, ignore_errors=True)
        write_log(partial(write_file, out, set()), check, slugs, "c")

    t_write = best(write_all)
    parked = tmp / "log.txt"
    without, with_log = [], []
    for _ in range(rounds):  # alternated, so load spikes hit both kinds alike
        shutil.move(log_path(settings), parked)
        without.append(timed_build(config, repeat=1))
        shutil.move(parked, log_path(settings))
        with_log.append(timed_build(config, repeat=1))
    t_without, t_with = min(without), min(with_log)
    files = sum(1 for p in (out / "log").rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in (out / "log").rglob("*") if p.is_file())
    work = t_check + t_write
    print(f"N={n}", flush=True)
    print(
        f"  add {n} leaves + sign the checkpoint: {t_add:.2f} s ({1000 * t_add / n:.3f} ms/leaf);"
        f" signing the {n} credentials took {t_sign:.1f} s ({100 * t_add / t_sign:.1f} % of it)"
    )
    print(
        f"  in the build: check {t_check:.2f} s + publish {t_write:.2f} s = {work:.2f} s = "
        f"{100 * work / t_without:.1f} % of a warm build ({t_without:.2f} s); target < 5 %"
    )
    change = 100 * (t_with - t_without) / t_without
    print(
        f"  whole warm builds, best of {rounds} alternated: {t_without:.2f} s without, "
        f"{t_with:.2f} s with the log ({change:+.1f} %)"
    )
    print(f"  published log/: {files} files, {size / 1024:.0f} KB (+ {n} page hints)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--rounds", type=int, default=3, help="alternated builds of each kind")
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            measure(Path(tmp), n, args.rounds)


if __name__ == "__main__":
    main()
