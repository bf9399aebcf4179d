#!/usr/bin/env python3
"""What the issuance log costs: adding N leaves, and a build that checks and publishes the log.

For each size N it generates an issuer with N signed credentials (as bench/build.py does), then
times, in the same run on the same machine:
  * add: appending N credentials to a new log and signing the checkpoint (what `issue` pays,
    spread over N commands), against signing those N credentials (the issuing it rides on);
  * build: `mkdocs build` of the site warm (cache filled) and cold, without a log and with one
    (the build then verifies the log, every credential's leaf, and writes tiles, entry bundles
    and N page hints). The ratio (with log - without) / without is the figure; target < 5 %.

    python bench/issuance_log.py                # N = 10,000 (signing takes a few minutes)
    python bench/issuance_log.py --sizes 1000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import generate, set_cards, timed_build

from credpages.config import load_settings
from credpages.credential.yamlio import load_yaml
from credpages.issuer.issuance_log import IssuanceLog, log_path
from credpages.issuer.repository import credential_files
from credpages.issuer.signing import Signer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            config, seed = generate(Path(tmp) / f"site{n}", n, return_seed=True)
            t_sign = time.perf_counter() - t0
            set_cards(config, False)
            settings = load_settings(config)
            docs = [load_yaml(p).data for p in credential_files(settings)]
            no_log_warm = timed_build(config)  # also fills the cache
            no_log_cold = timed_build(config, cold=True, repeat=2)
            timed_build(config)  # refill the cache after the cold builds

            start = time.perf_counter()
            log_path(settings).parent.mkdir(parents=True, exist_ok=True)
            log_path(settings).write_text("", encoding="utf-8")  # an empty log: no bootstrap scan
            log = IssuanceLog(settings)
            for doc in docs:
                log.add(doc)
            log.save(Signer(settings, seed))
            t_add = time.perf_counter() - start

            log_warm = timed_build(config)
            log_cold = timed_build(config, cold=True, repeat=2)
            site = config.parent / "site" / "log"
            files = sum(1 for p in site.rglob("*") if p.is_file())
            size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
            print(f"N={n}")
            print(
                f"  add {n} leaves + sign checkpoint: {t_add:.2f} s "
                f"({1000 * t_add / n:.3f} ms/leaf; signing the credentials took {t_sign:.1f} s, "
                f"{100 * t_add / t_sign:.1f} %)"
            )
            for label, without, with_log in (
                ("warm", no_log_warm, log_warm),
                ("cold", no_log_cold, log_cold),
            ):
                extra = with_log - without
                print(
                    f"  build {label}: {without:.2f} s without the log, {with_log:.2f} s with it: "
                    f"+{extra:.2f} s = {100 * extra / without:+.1f} % (target < 5 %)"
                )
            print(f"  published log/: {files} files, {size / 1024:.0f} KB (+ {n} page hints)")


if __name__ == "__main__":
    main()
