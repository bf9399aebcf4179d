#!/usr/bin/env python3
"""Site builds at scale (issue 16): credpages against plain MkDocs + Material, one run.

Baseline: MkDocs + Material building the same number of one-paragraph Markdown pages kept out
of the nav. For each size N an issuer with N signed credentials and its issuance log is made
once and kept (``--sites``, default /tmp/bench-sites: signing 10,000 takes many minutes on two
cores) and copied for each run; share cards are off for the timings (their bytes are measured
on their own). Every figure is a whole ``mkdocs build`` process (wall clock, CPU = user + system
of the process and its workers, peak resident memory of the largest process), rounds of the
baseline and credpages interleaved, medians printed with the load average beside them. Both run
with compiled bytecode (``PYCACHE``), as installed packages do:

  * empty site; cold (no cache, empty folder: every proof verified); warm (nothing changed,
    the site folder kept), whole and per credential: the build's time less the empty site's of
    the same tool, over N (the issue's "warm >= 4x faster per credential"; a whole build also
    pays each tool's fixed start-up, which the empty row shows); one credential added to the
    largest site (signed and logged, then built; the credential is new in every round);
  * bytes per credential: page + credential.json, and the share card (``bench/budgets.py``
    holds the size budgets of single pages; this is the mean over a built site);
  * ``--huge``: the same at 100,000 (made once and kept: signed in a process pool, each worker
    loading the settings once, ~22 ms of CPU a credential, so ~20 min on two idle cores);
  * then issue 16's other figures, each bench in a process of its own (``--skip`` leaves any
    out): issuing (``bench/issue.py``, into a 10,000-credential site kept in ``--sites``),
    published bytes, JavaScript and CSS (``bench/budgets.py --part bytes``) and the verifier's
    share of a page's load-to-verdict time in Chromium (``bench/verify_browser.py``);
  * and last, one table: every figure beside its target, met or missed (``bench/figures.py``).

    python bench/build.py                        # N = 1,000 and 10,000, then the other benches
    python bench/build.py --skip issue,browser   # builds and bytes only
    python bench/build.py --sizes 1000 --rounds 5
    python bench/build.py --huge                 # 100,000 as well: its cost per credential
                                                 # against 10,000 (<= 1.2x) and peak memory
                                                 # (no baseline at 100,000: see measure())
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

from figures import Figure, table, verdict  # noqa: E402
from figures import load as load_figures  # noqa: E402

from credpages.cli.site_config import load_settings  # noqa: E402
from credpages.credential.keys import public_key_of  # noqa: E402
from credpages.credential.model import Award, Recipient, build_credential  # noqa: E402
from credpages.credential.yamlio import dump_yaml  # noqa: E402
from credpages.issuer.issuance_log import Entry, IssuanceLog, credential_hash  # noqa: E402
from credpages.issuer.repository import load_achievement  # noqa: E402
from credpages.issuer.revocation import ensure_status_list  # noqa: E402
from credpages.issuer.signing import Signer  # noqa: E402

CACHE_KEY = os.environ.get("CREDPAGES_CACHE_KEY") or secrets.token_hex(32)
NAMES = ["Ada Lovelace", "Анна Каренина", "王芳", "فاطمة الزهراء", "José Müller", "Grace Hopper"]
HUGE = 100_000
#: Compiled bytecode for the builds, as an installed package has (pip compiles it): without it,
#: under PYTHONDONTWRITEBYTECODE, every credpages build compiled the package from source while
#: MkDocs and Material (compiled at install) did not.
PYCACHE = Path(tempfile.gettempdir()) / "credpages-bench-pycache"
CREATED = "2026-09-01T00:00:00Z"  # every proof's `created`: the fixture is reproducible
LOG_DATE = "2026-09-01"


def set_cards(config: Path, enabled: bool) -> None:
    """Switch share cards on or off in a generated issuer's mkdocs.yml."""
    text = config.read_text().split("      share_cards:")[0]
    config.write_text(text + f"      share_cards: {{enabled: {str(enabled).lower()}}}\n")


def write_issuer(root: Path, seed: bytes) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Awards\n")
    shutil.copytree(ROOT / "theme", root / "theme")
    shutil.copytree(ROOT / "credentials" / "achievements", root / "credentials" / "achievements")
    config = root / "mkdocs.yml"
    config.write_text(
        "site_name: Bench Academy\n"
        "site_url: https://bench.example/awards/\n"
        "theme: {name: material, custom_dir: theme, font: false}\n"
        "plugins:\n"
        "  - search\n"
        "  - credpages:\n"
        "      issuer: {name: Bench Academy, url: 'https://bench.example/'}\n"
        "      keyring:\n"
        f"        - {{id: key-1, public_key: {public_key_of(seed)}, active_from: '2026-01-01'}}\n"
    )
    return config


_signing: dict[str, Any] = {}


def _signing_context(config: Path, seed: bytes) -> tuple[Any, Any, Signer]:
    """Settings, achievement and signer, made once per process (loading mkdocs.yml costs more
    than signing a credential)."""
    key = (str(config), seed)
    if _signing.get("key") != key:
        settings = load_settings(config)
        achievement = load_achievement(settings, "python-basics").achievement
        _signing.update(key=key, context=(settings, achievement, Signer(settings, seed)))
    context: tuple[Any, Any, Signer] = _signing["context"]
    return context


def sign_one(config: Path, seed: bytes, i: int) -> dict[str, Any]:
    """Sign credential number ``i`` and write it (as `credpages issue` would, minus checks:
    the fixture's YAML is written with the fast writer, without the read-back proof)."""
    settings, achievement, signer = _signing_context(config, seed)
    recipient = Recipient(f"{NAMES[i % len(NAMES)]} {i}", f"learner{i}@example.org")
    doc = build_credential(
        settings,
        achievement,
        recipient,
        Award(issued="2026-09-01T00:00:00Z"),
        slug=f"python-basics-{i:08d}{random.Random(i).randrange(10**6):06d}",
        status_index=i,
    )
    signed = signer.sign(doc, created=CREATED)
    path = settings.credentials_dir / f"python-basics-{i:08d}.yaml"
    path.write_text(dump_yaml(signed), encoding="utf-8")
    return signed


def _sign_range(args: tuple[str, bytes, int, int]) -> list[Entry]:
    """Sign credentials ``start``..``stop`` and return their issuance log leaves, in order."""
    config, seed, start, stop = args
    return [
        Entry(LOG_DATE, credential_hash(doc), str(doc["id"]))
        for doc in (sign_one(Path(config), seed, i) for i in range(start, stop))
    ]


def fixture_seed(n: int) -> bytes:
    """The issuer key of the ``n``-credential fixture: the same every time it is made."""
    return hashlib.sha256(f"credpages bench issuer {n}".encode()).digest()


def generate(
    root: Path, n: int, seed: bytes | None = None, *, return_seed: bool = False, log: bool = False
) -> Any:
    """An issuer with ``n`` signed credentials, signed in a process pool on all cores (each
    worker loads the settings once); ``log``: also its issuance log, from the workers' leaves
    (re-reading ``n`` files to start it would take as long again)."""
    seed = seed or fixture_seed(n)
    config = write_issuer(root, seed)
    settings = load_settings(config)
    signer = Signer(settings, seed)
    ensure_status_list(settings, signer)
    workers = os.cpu_count() or 1
    step = max(1, min(500, n // (workers * 4)))
    jobs = [(str(config), seed, s, min(s + step, n)) for s in range(0, n, step)]
    issuance = IssuanceLog(settings)  # no credential yet: an empty log
    if jobs:
        with ProcessPoolExecutor(workers) as pool:
            for done, entries in enumerate(pool.map(_sign_range, jobs), 1):
                if log:
                    for entry in entries:
                        issuance.add_entry(entry)
                if done % 20 == 0:
                    print(f"  signed {min(done * step, n):,} of {n:,}", flush=True)
    if log:
        issuance.save(signer)
    return (config, seed) if return_seed else config


def add_to_log(config: Path, seed: bytes, docs: list[dict[str, Any]] | None = None) -> None:
    """Start the issuance log (every signed credential) or append ``docs``, and sign it."""
    settings = load_settings(config)
    log = IssuanceLog(settings)
    for doc in docs or []:
        log.add(doc)
    log.save(Signer(settings, seed))


def fixture(sites: Path, n: int) -> tuple[Path, bytes]:
    """The kept issuer with ``n`` credentials and its log (made once; ``seed.hex`` marks it
    complete). The theme is refreshed from this checkout on every use."""
    root = sites / f"site{n}"
    marker = root / "seed.hex"
    if not marker.exists():
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        _, seed = generate(root, n, return_seed=True, log=True)
        print(f"N={n}: signed in {time.perf_counter() - started:.0f} s", flush=True)
        marker.write_text(seed.hex())
    seed = bytes.fromhex(marker.read_text())
    if not (root / "credentials" / "log" / "log.txt").exists():
        add_to_log(root / "mkdocs.yml", seed)
    shutil.rmtree(root / "theme")
    shutil.copytree(ROOT / "theme", root / "theme")
    return root / "mkdocs.yml", seed


def working_copy(config: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(config.parent, target, symlinks=True, ignore=shutil.ignore_patterns("site"))
    shutil.rmtree(target / ".cache", ignore_errors=True)
    return target / "mkdocs.yml"


def baseline(root: Path, n: int) -> Path:
    docs = root / "docs"
    (docs / "c").mkdir(parents=True)
    (docs / "index.md").write_text("# Awards\n")
    for i in range(n):
        (docs / "c" / f"p{i:06d}.md").write_text(
            f"# {NAMES[i % len(NAMES)]} {i}\n\nAwarded Python Basics on 1 September 2026 by "
            "Bench Academy; this paragraph stands in for a credential page.\n"
        )
    config = root / "mkdocs.yml"
    config.write_text(
        "site_name: Baseline\nsite_url: https://bench.example/awards/\n"
        "theme: {name: material, font: false}\nnot_in_nav: |\n  /c/\n"
    )
    return config


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float
    load: float


def build_once(config: Path, *, cold: bool = False) -> Run:
    """One ``mkdocs build`` process; ``cold``: no cache and no previous output."""
    if cold:
        shutil.rmtree(config.parent / ".cache", ignore_errors=True)
        shutil.rmtree(config.parent / "site", ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "CREDPAGES_CACHE_KEY": CACHE_KEY}
    env.update(PYTHONPYCACHEPREFIX=str(PYCACHE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)], env=env
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"the build of {config} failed")
    # ru_maxrss of a waited child: the largest of it and its own waited children, in KiB
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, load)


@dataclass
class Series:
    runs: list[Run] = field(default_factory=list)

    def add(self, run: Run) -> None:
        self.runs.append(run)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss(self) -> float:
        return max(r.rss_mb for r in self.runs)

    def load(self) -> str:
        loads = [r.load for r in self.runs]
        return f"{min(loads):.1f}-{max(loads):.1f}" if len(loads) > 1 else f"{loads[0]:.1f}"


def interleave(rounds: int, *kinds: Callable[[], Run]) -> list[Series]:
    series = [Series() for _ in kinds]
    for _ in range(rounds):
        for s, kind in zip(series, kinds, strict=True):
            s.add(kind())
    return series


def credential_bytes(site: Path) -> tuple[float, float, float]:
    """Mean bytes per credential: page, credential.json, share card (0 without cards)."""
    folders = [p for p in (site / "c").iterdir() if p.is_dir()]
    page = sum((p / "index.html").stat().st_size for p in folders) / len(folders)
    data = sum((p / "credential.json").stat().st_size for p in folders) / len(folders)
    card = sum(c.stat().st_size for p in folders for c in p.glob("card-*.png")) / len(folders)
    return page, data, card


rows: list[Figure] = []


def row(
    what: str,
    ours: str,
    base: str = "",
    ratio: str = "",
    target: str = "",
    load: str = "",
    met: bool | None = None,
) -> None:
    rows.append(Figure(what, ours, base, ratio, target, met, load))
    shown = (what, ours, base, ratio, target, verdict(met), f"load {load}" if load else "")
    print(" | ".join(x for x in shown if x), flush=True)


def seconds(s: Series) -> str:
    return f"{s.wall:.2f} s wall, {s.cpu:.2f} s CPU"


def measure(
    tmp: Path,
    sites: Path,
    n: int,
    rounds: int,
    cold_rounds: int,
    add: bool,
    empty: tuple[Series, Series],
    with_baseline: bool = True,
) -> tuple[Series, Series]:
    """Rows for ``n`` credentials; returns the (cold, warm) series for the linearity rows.
    ``empty``: the (baseline, credpages) empty-site series, for the per-credential rows;
    ``with_baseline``: False leaves the baseline out (at 100,000 it takes as long as credpages'
    cold build twice over, and no target compares with it there)."""
    config, seed = fixture(sites, n)
    work = working_copy(config, tmp / f"work{n}")
    set_cards(work, False)
    if not with_baseline:
        cold = Series()
        for _ in range(cold_rounds):
            cold.add(build_once(work, cold=True))
        build_once(work)
        (warm,) = interleave(rounds, lambda: build_once(work))
        for kind, series in (("cold", cold), ("warm", warm)):
            if series.runs:
                row(f"{n:,} {kind} (baseline not run)", seconds(series), "", "", "", series.load())
                row(f"{n:,} {kind}, peak memory", f"{series.rss:.0f} MB", "", "", "", "")
        return cold, warm
    base = baseline(tmp / f"base{n}", n)
    build_once(base)  # caches warm for both (the first build of a tree pays for imports)
    cold = Series()
    for _ in range(cold_rounds):
        cold.add(build_once(work, cold=True))
    build_once(work)
    base_runs, warm = interleave(rounds, lambda: build_once(base), lambda: build_once(work))
    if cold.runs:
        row(
            f"{n:,} cold (every proof verified)",
            seconds(cold),
            seconds(base_runs),
            f"{cold.wall / base_runs.wall:.2f}x",
            "<= 2x the baseline",
            cold.load(),
            met=cold.wall <= 2 * base_runs.wall,
        )
        row(f"{n:,} cold, peak memory", f"{cold.rss:.0f} MB", "", "", "", cold.load())
    row(
        f"{n:,} warm (nothing changed)",
        seconds(warm),
        seconds(base_runs),
        f"{base_runs.wall / warm.wall:.1f}x faster",
        "",
        f"{base_runs.load()} / {warm.load()}",
    )
    per_base = (base_runs.wall - empty[0].wall) / n
    per_ours = (warm.wall - empty[1].wall) / n
    row(
        f"{n:,} warm, per credential (less the empty site's build)",
        f"{per_ours * 1000:.3f} ms",
        f"{per_base * 1000:.3f} ms",
        f"{per_base / per_ours:.1f}x faster" if per_ours > 0 else "n/a (within noise)",
        ">= 4x faster per credential",
        f"{base_runs.load()} / {warm.load()}",
        met=per_ours * 4 <= per_base if per_ours > 0 else None,  # <= 0: the empty site's noise
    )
    row(f"{n:,} warm, peak memory", f"{warm.rss:.0f} MB", f"{base_runs.rss:.0f} MB", "", "", "")
    if add:
        added = Series()
        for r in range(rounds):
            doc = sign_one(work, seed, n + r)
            add_to_log(work, seed, [doc])
            added.add(build_once(work))
        row(
            f"{n:,} + one credential added",
            seconds(added),
            f"{seconds(base_runs)} (the whole {n:,})",
            f"{added.wall / base_runs.wall:.3f} of it",
            "<= 0.1 of the baseline" if n >= 10_000 else "(the target is at 10,000)",
            added.load(),
            met=added.wall <= 0.1 * base_runs.wall if n >= 10_000 else None,
        )
    return cold, warm


def linearity_rows(
    measured: dict[int, tuple[Series, Series]], big: int, small: int, empty: Series
) -> None:
    """Per-credential cost at ``big`` against ``small`` (same run), and ``big``'s peak memory.

    A credential's cost is the build's less the empty site's (``empty``), over N: the fixed
    start-up, spread over 10x more credentials, would otherwise hide growth that is not linear.
    """
    if big not in measured or small not in measured:
        return
    for kind, index in (("cold", 0), ("warm", 1)):
        at_big, at_small = measured[big][index], measured[small][index]
        if not (at_big.runs and at_small.runs):
            continue
        big_wall, big_cpu = (at_big.wall - empty.wall) / big, (at_big.cpu - empty.cpu) / big
        small_wall = (at_small.wall - empty.wall) / small
        small_cpu = (at_small.cpu - empty.cpu) / small
        wall, cpu = big_wall / small_wall, big_cpu / small_cpu
        row(
            f"{big:,} {kind}, per credential (less the empty site's build) against {small:,}",
            f"{big_wall * 1000:.3f} ms wall ({big_cpu * 1000:.3f} CPU)",
            f"{small_wall * 1000:.3f} ms wall ({small_cpu * 1000:.3f} CPU) at {small:,}",
            f"{wall:.2f}x wall, {cpu:.2f}x CPU",
            "<= 1.2x",
            f"{at_small.load()} / {at_big.load()}",
            met=wall <= 1.2,
        )
    peak = max(s.rss for s in measured[big] if s.runs)
    row(
        f"{big:,} peak memory (cold and warm)", f"{peak:.0f} MB", "", "", "< 500 MB", met=peak < 500
    )


def empty_site(tmp: Path, rounds: int) -> tuple[Series, Series]:
    """The fixed cost of a build (start-up, theme, empty site): baseline and credpages."""
    base = baseline(tmp / "base0", 0)
    ours = generate(tmp / "site0", 0)
    set_cards(ours, False)
    build_once(base)
    build_once(ours)
    b, o = interleave(rounds, lambda: build_once(base), lambda: build_once(ours))
    row("empty site", seconds(o), seconds(b), f"{o.wall / b.wall:.2f}x", "", o.load())
    return b, o


def sizes_row(tmp: Path, sites: Path, n: int) -> None:
    """Bytes per credential with share cards, on a copy of the ``n`` site."""
    config, _ = fixture(sites, n)
    work = working_copy(config, tmp / "cards")
    set_cards(work, True)
    build_once(work)
    page, data, card = credential_bytes(work.parent / "site")
    kb = (page + data) / 1000  # decimal: 100,000 credentials of 10 KB fill Pages' 1 GB
    row(
        f"bytes per credential, page + credential.json (mean of {n:,}, uncompressed)",
        f"page {page / 1000:.2f} KB + JSON {data / 1000:.2f} KB = {kb:.2f} KB",
        target="<= 10 KB",
        met=kb <= 10,
    )
    row(
        "... with its personal share card",
        f"{kb + card / 1000:.2f} KB (card {card / 1000:.2f} KB)",
        target="<= 25 KB",
        met=kb + card / 1000 <= 25,
    )


#: The other benches with figures under issue 16's targets, each run in a process of its own
#: after the builds (``--figures`` makes it save them for the table; see ``sub_bench``).
SUB_BENCHES = ("issue", "bytes", "browser")


def sub_bench(name: str, args: argparse.Namespace) -> list[str]:
    """The script of sub-bench ``name`` and its arguments."""
    bench = ROOT / "bench"
    if name == "issue":
        keep = args.sites / "issue10000"  # the 10,000-credential site it issues into, kept
        return [str(bench / "issue.py"), "--repeat", str(args.issue_repeat), "--keep", str(keep)]
    if name == "bytes":
        return [str(bench / "budgets.py"), "--part", "bytes"]
    return [str(bench / "verify_browser.py"), "--runs", str(args.browser_runs)]


def run_sub_benches(names: list[str], args: argparse.Namespace, tmp: Path) -> list[str]:
    """Run each sub-bench, its output shown as it goes, and gather its figures into ``rows``;
    returns the names of those that saved none (they failed: their output says why)."""
    failed = []
    for name in names:
        out = tmp / f"{name}.json"
        cmd = [sys.executable, *sub_bench(name, args), "--figures", str(out)]
        print(f"\n== {name}: {' '.join(cmd[1:])}", flush=True)
        subprocess.run(cmd, check=False)  # budgets.py exits 1 when a figure is over its budget
        if out.is_file():
            rows.extend(load_figures(out))
        else:
            failed.append(name)
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved warm rounds")
    parser.add_argument("--cold-rounds", type=int, default=1, help="cold builds per size")
    parser.add_argument("--huge", action="store_true", help=f"also N = {HUGE:,}")
    parser.add_argument("--sites", type=Path, default=Path("/tmp/bench-sites"))
    parser.add_argument("--no-sizes", action="store_true", help="skip the bytes row")
    parser.add_argument(
        "--skip",
        default="",
        help=f"comma-separated: sub-benches not to run ({', '.join(SUB_BENCHES)}), or 'builds'",
    )
    parser.add_argument("--issue-repeat", type=int, default=5, help="bench/issue.py --repeat")
    parser.add_argument("--browser-runs", type=int, default=30, help="verify_browser.py --runs")
    args = parser.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    if skip - {*SUB_BENCHES, "builds"}:
        parser.error(f"--skip: unknown {', '.join(sorted(skip - {*SUB_BENCHES, 'builds'}))}")
    sizes = [int(s) for s in args.sizes.split(",")] + ([HUGE] if args.huge else [])
    args.sites.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.1f} at the start", flush=True)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if "builds" not in skip:
            builds(tmp, args, sizes)
        failed = run_sub_benches([b for b in SUB_BENCHES if b not in skip], args, tmp)
    print()
    print(table(rows))
    if failed:
        print(f"no figures from: {', '.join(failed)} (see its output above)")
    return 1 if failed else 0


def builds(tmp: Path, args: argparse.Namespace, sizes: list[int]) -> None:
    """The build rows: empty site, each size cold, warm and one added, 100,000 against 10,000."""
    empty = empty_site(tmp, args.rounds)
    measured: dict[int, tuple[Series, Series]] = {}
    for n in sizes:
        largest = n == max(s for s in sizes if s <= 10_000) or n == HUGE
        measured[n] = measure(
            tmp,
            args.sites,
            n,
            args.rounds,
            args.cold_rounds,
            add=largest,
            empty=empty,
            with_baseline=n != HUGE,
        )
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(tmp / f"work{n}")
            shutil.rmtree(tmp / f"base{n}")
    smaller = [n for n in sizes if n < HUGE]
    if smaller:
        linearity_rows(measured, HUGE, max(smaller), empty[1])
    if not args.no_sizes:
        sizes_row(tmp, args.sites, min(sizes))


if __name__ == "__main__":
    raise SystemExit(main())
