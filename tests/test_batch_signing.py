"""A batch big enough to be checked and signed in worker processes issues what one process does.

``Issuer.issue_all`` hands the per-document work to worker processes once a batch has
``PARALLEL_THRESHOLD`` credentials to sign; smaller batches (most tests) never reach them. Here
batches just past the threshold are issued both ways: every file verifies, the log holds each
once in row order, and a refused row stops the batch before anything is written.
"""

from __future__ import annotations

import dataclasses
import secrets

import pytest

from conftest import IssuerSite
from credpages.errors import CredpagesError
from credpages.issuer.award_request import Request, make_request
from credpages.issuer.batch_signing import PARALLEL_THRESHOLD
from credpages.issuer.issuance_log import IssuanceLog
from credpages.issuer.issuing import Issuer
from credpages.issuer.signing import Signer
from test_issuing import assert_consistent

pytestmark = pytest.mark.usefixtures("isolated_env")

ROWS = PARALLEL_THRESHOLD + 6


def requests(site: IssuerSite, count: int, start: int = 0) -> list[Request]:
    return [
        make_request(
            site.settings,
            {"name": f"Learner {i}", "email": f"learner{i}@example.test"},
            origin=f"learners.csv:{i + 2}",
            achievement_id="python-basics",
        )
        for i in range(start, start + count)
    ]


def issuer(site: IssuerSite) -> Issuer:
    return Issuer(site.settings, Signer(site.settings, site.seed), rng=secrets.randbelow)


@pytest.mark.parametrize("workers", [2, 1], ids=["worker processes", "one process"])
def test_a_big_batch_issues_files_that_verify_in_row_order(
    issuer_site: IssuerSite, workers: int
) -> None:
    batch = requests(issuer_site, ROWS)
    batch.insert(5, batch[3])  # the same person twice: the second row is "existing"
    outcomes = issuer(issuer_site).issue_all(batch, workers=workers)

    assert [o.status for o in outcomes].count("issued") == ROWS
    assert outcomes[5].status == "existing" and outcomes[5].url == outcomes[3].url
    assert [o.name for o in outcomes] == [r.recipient.name for r in batch]
    assert assert_consistent(issuer_site) == ROWS
    logged = [e.id for e in IssuanceLog(issuer_site.settings).entries]
    assert logged == [o.url for o in outcomes if o.status == "issued"]


def test_a_refused_row_in_a_big_batch_writes_nothing(issuer_site: IssuerSite) -> None:
    batch = requests(issuer_site, ROWS)
    bad = batch[17].achievement
    typo = {**bad.achievement, "critera": {"narrative": "a typo JSON-LD does not define"}}
    batch[17] = dataclasses.replace(
        batch[17], achievement=dataclasses.replace(bad, achievement=typo)
    )
    before = sorted(issuer_site.credentials.rglob("*"))

    with pytest.raises(CredpagesError, match="critera") as refused:
        issuer(issuer_site).issue_all(batch, workers=2)

    assert refused.value.file == "learners.csv:19"  # the row that was refused, not a later one
    assert sorted(issuer_site.credentials.rglob("*")) == before
    assert issuer_site.credential_files() == []
