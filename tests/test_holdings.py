"""Who holds what: the run's own documents are found by address, every other one by its hash."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import IssuerSite
from credpages.config import Settings
from credpages.credential import model
from credpages.issuer import holdings
from credpages.issuer.holdings import Holdings

pytestmark = pytest.mark.usefixtures("isolated_env")

PYTHON = "https://example.org/achievements/python/"
SQL = "https://example.org/achievements/sql/"


def credential(settings: Settings, slug: str, achievement: str, *emails: str) -> dict[str, Any]:
    """A document with what Holdings reads: its id, achievement and hashed e-mails."""
    identifiers = []
    for i, email in enumerate(emails):
        salt = f"{slug}-salt-{i}"
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
                "identityHash": model.hash_identity(email, salt),
            }
        )
    return {
        "id": f"{settings.site_url}c/{slug}/",
        "credentialSubject": {"achievement": {"id": achievement}, "identifier": identifiers},
    }


def ids(found: list[holdings.Held]) -> list[str]:
    return [str(source["id"]).rsplit("/", 2)[1] for _, source in found if isinstance(source, dict)]


def test_found_by_address_in_the_order_recorded(issuer_site: IssuerSite) -> None:
    settings = issuer_site.settings
    held = Holdings()
    held.add(credential(settings, "a1", PYTHON, "ada@example.com"), settings)  # no address given
    held.add(credential(settings, "g1", PYTHON, "grace@example.com"), settings, "grace@example.com")
    held.add(credential(settings, "a2", PYTHON, "ada@example.com"), settings, "Ada@Example.com")
    held.add(credential(settings, "a3", SQL, "ada@example.com"), settings, "ada@example.com")
    held.add(credential(settings, "a4", PYTHON, "ada@example.com"), settings)
    assert ids(held.held(PYTHON, "ADA@example.com ")) == ["a1", "a2", "a4"]
    assert ids(held.held(PYTHON, "grace@example.com")) == ["g1"]
    assert ids(held.held(SQL, "ada@example.com")) == ["a3"]
    assert held.held(SQL, "grace@example.com") == []
    assert held.achievements() == [PYTHON, SQL]


def test_an_address_that_is_not_the_documents_is_not_trusted(
    issuer_site: IssuerSite,
) -> None:
    """A document made for one address is only looked up by it when its hash says so."""
    settings = issuer_site.settings
    held = Holdings()
    held.add(credential(settings, "x1", PYTHON, "ada@example.com"), settings, "eve@example.com")
    both = credential(settings, "x2", PYTHON, "ada@example.com", "eve@example.com")
    held.add(both, settings, "eve@example.com")  # two hashed e-mails: matched by hash
    assert ids(held.held(PYTHON, "eve@example.com")) == ["x2"]
    assert ids(held.held(PYTHON, "ada@example.com")) == ["x1", "x2"]


def test_the_runs_own_documents_are_not_hashed_again(
    issuer_site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 1,000-row CSV looks up each row's holder among the rows before it: by address, so a
    row's lookup does not grow with the rows already issued."""
    settings = issuer_site.settings
    held = Holdings()
    for i in range(200):
        email = f"learner{i}@example.com"
        held.add(credential(settings, f"l{i}", PYTHON, email), settings, email)
    calls = []
    monkeypatch.setattr(holdings, "hashes_match", lambda *a: calls.append(a) or False)
    assert ids(held.held(PYTHON, "learner7@example.com")) == ["l7"]
    assert held.held(PYTHON, "someone@example.com") == []
    assert calls == []


def test_answers_stay_true_as_documents_are_recorded(
    issuer_site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``held`` is asked again after each award (for pathways): its answer is not recomputed
    from every hash, and still counts what was recorded since it was first given."""
    settings = issuer_site.settings
    held = Holdings()
    held.add(credential(settings, "a1", PYTHON, "ada@example.com"), settings)  # matched by hash
    held.add(credential(settings, "g1", PYTHON, "grace@example.com"), settings)
    assert ids(held.held(PYTHON, "ada@example.com")) == ["a1"]
    assert ids(held.held(PYTHON, "grace@example.com")) == ["g1"]
    calls: list[object] = []
    real = holdings.hashes_match
    monkeypatch.setattr(holdings, "hashes_match", lambda *a: calls.append(a) or real(*a))
    held.add(credential(settings, "a2", PYTHON, "ada@example.com"), settings, "ada@example.com")
    assert ids(held.held(PYTHON, "ada@example.com")) == ["a1", "a2"]
    assert ids(held.held(PYTHON, "grace@example.com")) == ["g1"]
    assert len(calls) == 1  # only to check a2's own hash when it was added
    held.add(credential(settings, "g2", PYTHON, "grace@example.com"), settings)  # by hash
    assert ids(held.held(PYTHON, "grace@example.com")) == ["g1", "g2"]
    assert ids(held.held(PYTHON, "ada@example.com")) == ["a1", "a2"]
    held.add(credential(settings, "a3", SQL, "ada@example.com"), settings)
    assert ids(held.held(SQL, "ada@example.com")) == ["a3"]
    assert ids(held.held(PYTHON, "ada@example.com")) == ["a1", "a2"]
