#!/usr/bin/env python3
"""What the issuance log costs: adding N leaves, and whole builds with and without it.

For each size N it copies the issuer with N signed credentials that bench/build.py keeps (made
once, in --sites), then measures, in the same run on the same machine:
  * add: appending N credentials to a new log and signing the checkpoint (what `issue` pays,
    spread over N commands), against signing those N credentials (the issuing it rides on);
  * the honest figure, whole `mkdocs build` processes of two copies of the site that differ only
    in the log (one has credentials/log/log.txt, the other not), each with its own cache and
    output as a real site has: the first build of each is cold, then warm builds (nothing
    changed) alternate between the two, so load spikes hit both alike; medians of wall and CPU
    time (CPU: the build and its worker processes, steadier on a shared machine);
  * for the breakdown, in process: checking the log (`check_site_log`: checkpoint, tree, every
    credential's leaf, with the quick hashes a warm build has from its cache) and writing it
    (`write_log` through `site.output` with its own cache and manifest, as the build runs it:
    checkpoint, tiles and bundles; the page hints are inside the pages, whose cost is in the
    whole builds).
Target: the log adds under 5 % to a build of that size.

    python bench/issuance_log.py                # N = 10,000 (signing takes a few minutes)
    python bench/issuance_log.py --sizes 1000 --rounds 3
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
from build import Series, build_once, fixture, interleave, set_cards, sign_one, working_copy

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


def publish_log(out_dir: Path, cache_dir: Path, check: LogCheck) -> int:
    """``write_log`` as the build runs it (through ``Output``, with the manifest the previous
    call left in its cache); returns the files written."""
    cache = open_cache(cache_dir)
    out = Output.open(out_dir, owned_folders("c"), cache)
    write_log(out.write, check)
    out.finish()
    cache.close()
    return out.written


def change(without: float, with_log: float) -> str:
    return f"{100 * (with_log - without) / without:+.1f} %"


def compare(label: str, without: Series, with_log: Series) -> None:
    print(
        f"  {label}: wall {without.wall:.2f} s without, {with_log.wall:.2f} s with the log "
        f"({change(without.wall, with_log.wall)}); CPU {without.cpu:.2f} s without, "
        f"{with_log.cpu:.2f} s with ({change(without.cpu, with_log.cpu)}); target < +5 %; "
        f"load {without.load()} / {with_log.load()}",
        flush=True,
    )


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

    def add_all() -> None:
        log_path(settings).parent.mkdir(parents=True, exist_ok=True)
        log_path(settings).write_text("", encoding="utf-8")  # an empty log: no bootstrap scan
        log = IssuanceLog(settings)
        for doc in docs:
            log.add(doc)
        log.save(Signer(settings, seed))

    t_add = median(add_all, 3)
    print(f"N={n}", flush=True)
    print(
        f"  add {n} leaves + sign the checkpoint: {t_add:.2f} s ({1000 * t_add / n:.3f} ms/leaf);"
        f" signing the {n} credentials takes {t_sign:.1f} s ({100 * t_add / t_sign:.1f} % of it;"
        f" from {sample} signed here)",
        flush=True,
    )
    reports = [
        Report(source=display_path(p), credential=d, slug=p.stem, sorted_hash=sorted_json_hash(d))
        for p, d in zip(paths, docs, strict=True)
    ]
    checked: list[LogCheck | None] = []
    t_check = median(lambda: checked.append(check_site_log(settings, reports)[0]))
    check = checked[-1]
    assert check is not None
    out, cache_dir = tmp / "out", tmp / "cache"

    def write_cold() -> None:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache_dir, ignore_errors=True)
        out.mkdir()
        publish_log(out, cache_dir, check)

    t_cold = median(write_cold, 3)
    time.sleep(0.3)  # past the racy window: the next publish trusts what this one wrote
    publish_log(out, cache_dir, check)
    rewritten: list[int] = []
    t_write = median(lambda: rewritten.append(publish_log(out, cache_dir, check)))
    files = sum(1 for p in (out / "log").rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in (out / "log").rglob("*") if p.is_file())
    print(
        f"  in process: check the log {t_check:.3f} s; write log/ ({files} files, "
        f"{size / 1024:.0f} KB) {t_cold:.3f} s into an empty folder, {t_write:.3f} s over the "
        f"last output ({max(rewritten)} files written)",
        flush=True,
    )

    plain = working_copy(config, tmp / f"site{n}-nolog")  # the same site, no log
    log_path(load_settings(plain)).unlink()
    cold_plain, cold_log = interleave(1, lambda: build_once(plain), lambda: build_once(config))
    compare("whole cold builds (the first of each copy)", cold_plain, cold_log)
    warm_plain, warm_log = interleave(rounds, lambda: build_once(plain), lambda: build_once(config))
    compare(
        f"whole warm builds (nothing changed), median of {rounds} alternated", warm_plain, warm_log
    )
    work = t_check + t_write
    print(
        f"  the in-process share of a warm build: check + write = {work:.3f} s = "
        f"{100 * work / warm_plain.wall:.1f} % of the warm build's wall time without the log "
        "(a lower bound: the whole-build comparison above is the honest figure)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--sites", type=Path, default=Path("/tmp/bench-sites"))
    parser.add_argument("--rounds", type=int, default=5, help="alternated warm builds of each")
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            measure(Path(tmp), args.sites, n, args.rounds)


if __name__ == "__main__":
    main()
