"""A site big enough to be verified in worker processes gives the same verdicts as one process.

``collect`` checks credentials in a process pool once a site has ``PARALLEL_THRESHOLD`` of them;
smaller sites (most tests) never reach the pool. Here a site just past the threshold, with one
tampered credential in the middle, is collected both ways: the same credentials pass, and the
tampered one fails in both, named by its file, and is not published.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import IssuerSite
from credpages.site.collect import PARALLEL_THRESHOLD, SiteData, collect
from factories import csv_issue_args

pytestmark = pytest.mark.usefixtures("isolated_env")


@pytest.fixture
def big_site(issuer_site: IssuerSite) -> IssuerSite:
    rows = [f"Learner {i},learner{i}@example.test" for i in range(PARALLEL_THRESHOLD + 4)]
    batch = issuer_site.root / "learners.csv"
    batch.write_text("name,email\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = issuer_site.run(*csv_issue_args(batch))
    assert result.code == 0, result
    return issuer_site


def tamper(path: Path) -> None:
    """Change the recipient's name after signing: the proofs no longer match the document."""
    text = path.read_text(encoding="utf-8")
    assert "Learner " in text
    path.write_text(text.replace("Learner ", "Mallory ", 1), encoding="utf-8")


def verdicts(data: SiteData) -> tuple[dict[str, object], list[tuple[str | None, str]]]:
    passed = {r.source: data.document(r) for r in data.credentials if r.ok}
    failed = sorted((e.file, e.message) for e in data.failures)
    return passed, failed


def test_worker_processes_give_the_verdicts_of_one_process(big_site: IssuerSite) -> None:
    files = sorted(big_site.credential_files())
    assert len(files) >= PARALLEL_THRESHOLD
    bad = files[len(files) // 2]
    tamper(bad)

    pooled = collect(big_site.settings, use_cache=False, workers=2)
    alone = collect(big_site.settings, use_cache=False, workers=1)

    assert verdicts(pooled) == verdicts(alone)
    passed, failed = verdicts(pooled)
    assert len(passed) == len(files) - 1
    assert [file for file, _ in failed] and all(bad.name in str(file) for file, _ in failed)
    assert all(bad.name not in source for source in passed)
    assert any("proof" in message or "signature" in message for _, message in failed), failed
