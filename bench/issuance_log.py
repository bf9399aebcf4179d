#!/usr/bin/env python3
"""What the issuance log costs: adding N leaves, and a build that checks and publishes the log.

For each size N it copies the issuer with N signed credentials that bench/build.py keeps (made
once, in --sites), then measures, in the same run on the same machine:
  * add: appending N credentials to a new log and signing the checkpoint (what `issue` pays,
    spread over N commands), against signing those N credentials (the issuing it rides on);
  * the log's share of a build, in process: checking the log (`check_site_log`: checkpoint,
    tree, every credential's leaf, with the quick hashes a warm build has from its cache) and
    writing it (`write_log` through `site.output`: tiles, bundles, N page hints), into an empty
    folder (cold) and over the previous build's output (warm: only what changed is written),
    against a whole warm `mkdocs build` of the same site;
  * whole warm builds without and with the log, alternated (best of each), as a cross-check:
    on a busy machine their difference is noisier than the in-process figure.
Target: the log adds under 5 % to a build of that size.

    python bench/issuance_log.py                # N = 10,000 (signing takes a few minutes)
    python bench/issuance_log.py --sizes 1000
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import fixture, set_cards, sign_one, timed_build, working_copy

from credpages.cli.site_config import load_settings
from credpages.credential.verify import Report
from credpages.credential.yamlio import load_yaml
from credpages.issuer.issuance_log import IssuanceLog, LogCheck, log_path, sorted_json_hash
from credpages.issuer.repository import credential_files, display_path
from credpages.issuer.signing import Signer
from credpages.site.cache import open_cache
from credpages.site.log_files import write_log
from credpages.site.log_gate import check_site_log
from credpages.site.output import Output, owned_folders

os.environ.setdefault("CREDPAGES_CACHE_KEY", secrets.token_hex(32))


def median(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def publish_log(out_dir: Path, cache_dir: Path, check: LogCheck, slugs: dict[str, str]) -> int:
    """``write_log`` as the build runs it (through ``Output``); returns the files written."""
    cache = open_cache(cache_dir)
    out = Output.open(out_dir, owned_folders("c"), cache)
    write_log(out.write, check, slugs, "c")
    out.finish()
    cache.close()
    return out.written


def measure(tmp: Path, sites: Path, n: int, rounds: int) -> None:
    kept, seed = fixture(sites, n)  # made once and kept, as bench/build.py does
    config = working_copy(kept, tmp / f"site{n}")
    sample = 50  # signing time, from a sample signed here (one core, like `issue`)
    t0 = time.perf_counter()
    for i in range(sample):
        sign_one(config, seed, n + i)
        (config.parent / "credentials" / f"python-basics-{n + i:08d}.yaml").unlink()
    t_sign = (time.perf_counter() - t0) * n / sample
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

    t_add = median(add_all, 3)
    reports = [
        Report(source=display_path(p), credential=d, slug=p.stem, sorted_hash=sorted_json_hash(d))
        for p, d in zip(paths, docs, strict=True)
    ]
    checked: list[LogCheck | None] = []
    t_check = median(lambda: checked.append(check_site_log(settings, reports)[0]))
    check = checked[-1]
    assert check is not None
    out, cache_dir = tmp / "out", tmp / "cache"
    slugs = {str(d["id"]): p.stem for p, d in zip(paths, docs, strict=True)}

    def write_cold() -> None:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache_dir, ignore_errors=True)
        out.mkdir()
        publish_log(out, cache_dir, check, slugs)

    t_cold = median(write_cold, 3)
    time.sleep(0.3)  # past the racy window: the next publish trusts what this one wrote
    publish_log(out, cache_dir, check, slugs)
    rewritten: list[int] = []
    t_write = median(lambda: rewritten.append(publish_log(out, cache_dir, check, slugs)))
    parked = tmp / "log.txt"
    without, with_log = [], []
    for _ in range(rounds):  # alternated, so load spikes hit both kinds alike
        shutil.move(log_path(settings), parked)
        without.append(timed_build(config, repeat=1))
        shutil.move(parked, log_path(settings))
        with_log.append(timed_build(config, repeat=1))
    t_without, t_with = statistics.median(without), statistics.median(with_log)
    files = sum(1 for p in (out / "log").rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in (out / "log").rglob("*") if p.is_file())
    work = t_check + t_write
    print(f"N={n} (load {os.getloadavg()[0]:.1f})", flush=True)
    print(
        f"  add {n} leaves + sign the checkpoint: {t_add:.2f} s ({1000 * t_add / n:.3f} ms/leaf);"
        f" signing the {n} credentials takes {t_sign:.1f} s ({100 * t_add / t_sign:.1f} % of it;"
        f" from {sample} signed here)"
    )
    print(
        f"  in a warm build: check {t_check:.3f} s + publish {t_write:.3f} s "
        f"({max(rewritten)} files written) = {work:.3f} s = "
        f"{100 * work / t_without:.1f} % of a warm build ({t_without:.2f} s); target < 5 %"
    )
    print(
        f"  in a cold build: publish into an empty folder {t_cold:.3f} s (+ check {t_check:.3f} s)"
    )
    change = 100 * (t_with - t_without) / t_without
    print(
        f"  whole warm builds, median of {rounds} alternated: {t_without:.2f} s without, "
        f"{t_with:.2f} s with the log ({change:+.1f} %)"
    )
    print(f"  published log/: {files} files, {size / 1024:.0f} KB (+ {n} page hints)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--sites", type=Path, default=Path("/tmp/bench-sites"))
    parser.add_argument("--rounds", type=int, default=5, help="alternated builds of each kind")
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            measure(Path(tmp), args.sites, n, args.rounds)


if __name__ == "__main__":
    main()
