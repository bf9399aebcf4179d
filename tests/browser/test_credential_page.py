"""Credential pages end to end: a fixture issuer site served locally, checked by verify-panel.js."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from .fixtures import Site, rdfc_variants, sign
from .helpers import panel, states

pytestmark = pytest.mark.browser
_names = itertools.count()


@pytest.fixture
def site(server) -> Site:
    return Site(server, f"site{next(_names)}")


def open_page(page, site: Site, credential: dict, **kw) -> dict:
    url = site.write_page("badge", credential, **kw)
    page.goto(url)
    return panel(page)


def test_verified(page, site):
    result = open_page(page, site, site.signed("badge"))
    assert result["verdict"] == "verified", result
    assert states(result) == {
        "wellformed": "ok",
        "key": "ok",
        "signature": "ok",
        "published": "ok",
        "status": "ok",
        "validity": "ok",
        "page": "ok",
    }
    # One sentence from the verified data; the live region holds it and nothing else.
    assert result["text"] == (
        f"Verified: Example Academy (127.0.0.1:{site.server.port}) awarded Python Basics"
        " to Ada Lovelace on 1 January 2024. It has no expiry date."
    )
    assert result["live"] == "polite"
    # Read from its own page, the copy the issuer publishes there: what the step says was checked.
    assert result["steps"]["published"]["text"].endswith(
        f"this credential is exactly the copy it publishes at {site.url}c/badge/."
    )
    # The technical steps are behind a closed disclosure.
    assert page.evaluate("document.querySelector('#cp-verify details .cp-steps li') !== null")
    assert page.evaluate("document.querySelector('#cp-verify details').open") is False
    assert page.evaluate("typeof window.cpVerifyMs") == "number"


def test_the_checks_take_the_pages_preloaded_fetches(page, site):
    """The page preloads what the verifier fetches (credential.html's <link rel=preload>, copied
    by the fixture page) and the verifier's fetches take those responses: each file is
    downloaded once, started while the page parsed. credential.json is not among them: on its
    own page the credential is the issuer's published copy (test_own_page_is_the_published_copy)."""
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    result = open_page(page, site, site.signed("badge"))
    assert result["verdict"] == "verified", result
    for url in (f"{site.url}did.json", site.list_url):
        assert requested.count(url) == 1, (url, requested)
    assert f"{site.url}c/badge/credential.json" not in requested


def test_own_page_is_the_published_copy(page, site):
    """Served by the issuer's site at the credential's id (a query or fragment aside), the page's
    credential is the copy the issuer publishes there: credential.json is not fetched, and the
    rdfc step names the page's address as where the copy was published."""
    site.write_page("badge", site.signed("badge"))
    (site.dir / "c" / "badge" / "credential.json").unlink()  # a 404, had it been asked for
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    for address in (f"{site.url}c/badge/", f"{site.url}c/badge/?from=share#cp-verify"):
        page.goto(address)
        result = panel(page)
        assert result["verdict"] == "verified", (address, result)
        assert states(result)["published"] == "ok"
        assert result["steps"]["published"]["text"].endswith(f"publishes at {site.url}c/badge/.")
    assert f"{site.url}c/badge/" in requested
    assert not [url for url in requested if url.endswith("credential.json")], requested


def test_the_verifier_is_one_module_fetched_once(page, site):
    """The build publishes verify-panel.js with verifier.js and i18n.js inside it
    (site/bundle.py): the page fetches one script, preloaded, and no import waits for another."""
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    result = open_page(page, site, site.signed("badge"))
    assert result["verdict"] == "verified", result
    scripts = [url.rsplit("/", 1)[-1] for url in requested if url.endswith(".js")]
    assert scripts == ["verify-panel.js"]


def test_verdict_sentence_states_dates(page, site):
    cred = site.signed(
        "badge", valid_from="2026-09-15T09:00:00+02:00", valid_until="2099-09-14T00:00:00Z"
    )
    result = open_page(page, site, cred)
    assert result["verdict"] == "verified", result
    assert result["text"] == (
        f"Verified: Example Academy (127.0.0.1:{site.server.port}) awarded Python Basics"
        " to Ada Lovelace on 15 September 2026. Valid until 14 September 2099."
    )


def test_copied_page_with_edited_text_and_no_marks(page, site):
    """A copy of a page with the data-field marks removed and the name changed: the page check
    cannot see it, but the verdict states the name that was signed."""
    site.write_page("badge", site.signed("badge"), shown={"subject_name": "Grace Hopper"})
    path = site.dir / "c" / "badge" / "index.html"
    html = path.read_text(encoding="utf-8").replace('data-field="credentialSubject.name"', "")
    path.write_text(html, encoding="utf-8")
    page.goto(f"{site.url}c/badge/")
    result = panel(page)
    assert page.inner_text("main strong") == "Grace Hopper"
    assert "to Ada Lovelace on" in result["text"]
    assert "Grace Hopper" not in result["text"]


def test_edited_partial_field(page, site):
    result = open_page(page, site, site.signed("badge"), shown={"description": "Writes no Py…"})
    assert result["verdict"] == "tampered"
    assert "credentialSubject.achievement.description" in result["steps"]["page"]["text"]
    # What the signed credential says is still stated.
    assert "Python Basics to Ada Lovelace" in result["text"]


def test_partial_field_without_ellipsis_is_not_a_shortening(page, site):
    result = open_page(page, site, site.signed("badge"), shown={"description": "Writes"})
    assert result["verdict"] == "tampered"


def test_revoked_sentence_gives_the_issuers_reason(page, site):
    site.revoked = {4242}
    site.write_status_list()
    reason = '<p>Reason: <span class="cp-reason">Issued with a misspelt name.</span></p>'
    site.write_page("badge", site.signed("badge"), extra_html=reason)
    page.goto(f"{site.url}c/badge/")
    result = panel(page)
    assert result["verdict"] == "revoked"
    assert result["text"] == (
        f"Revoked: Example Academy (127.0.0.1:{site.server.port}) awarded Python Basics"
        " to Ada Lovelace on 1 January 2024. The issuer has revoked this credential."
        " Reason given by the issuer: Issued with a misspelt name."
    )


def test_revoked(page, site):
    site.revoked = {4242}
    site.write_status_list()
    result = open_page(page, site, site.signed("badge", status_index=4242))
    assert result["verdict"] == "revoked"
    assert states(result)["status"] == "fail"
    assert "revoked" in result["text"]


def test_neighbouring_bit_does_not_revoke(page, site):
    site.revoked = {4241, 4243}
    site.write_status_list()
    assert open_page(page, site, site.signed("badge", status_index=4242))["verdict"] == "verified"


def test_expired(page, site):
    cred = site.signed(
        "badge", valid_from="2020-01-01T00:00:00Z", valid_until="2021-01-01T00:00:00+02:00"
    )
    result = open_page(page, site, cred)
    assert result["verdict"] == "expired"
    assert result["text"].startswith("Expired: Example Academy")
    assert result["text"].endswith("It expired on 1 January 2021.")
    assert "2021-01-01T00:00:00+02:00" in result["steps"]["validity"]["text"]
    assert states(result)["validity"] == "fail"


def test_not_yet_valid(page, site):
    result = open_page(page, site, site.signed("badge", valid_from="2999-01-01T00:00:00Z"))
    assert result["verdict"] == "not-yet-valid"


def test_revoked_beats_expired(page, site):
    site.revoked = {7}
    site.write_status_list()
    cred = site.signed("badge", valid_until="2024-06-01T00:00:00Z", status_index=7)
    assert open_page(page, site, cred)["verdict"] == "revoked"


def test_tampered_name(page, site):
    cred = site.signed("badge")
    cred["credentialSubject"]["name"] = "Ada Lovelacf"  # one character, after signing
    result = open_page(page, site, cred)  # the page shows the altered name consistently
    assert result["verdict"] == "tampered"
    assert states(result)["signature"] == "fail"
    assert states(result)["status"] == "skip"


def test_forged_key_not_in_did_document(page, site):
    other_seed = hashlib.sha256(b"someone else").digest()
    cred = sign(site.credential("badge"), other_seed, site.vm)
    result = open_page(page, site, cred)
    # Same key id, different key: the DID document's key does not verify the signature.
    assert result["verdict"] == "tampered"

    cred = sign(site.credential("badge"), other_seed, f"{site.did}#key-2")
    result = open_page(page, site, cred)
    assert result["verdict"] == "forged"
    assert "#key-2 is not in the issuer's DID document" in result["text"]


def test_forged_issuer_mismatch(page, site, server):
    other = Site(server, f"site{next(_names)}")
    # Signed by the other site's (valid) key, but claims this site as issuer.
    cred = sign(site.credential("badge"), other.seed, other.vm)
    result = open_page(page, site, cred)
    assert result["verdict"] == "forged"
    assert states(result)["key"] == "fail"


def test_forged_key_not_authorised_for_assertion(page, site):
    doc = site.did_document()
    doc["assertionMethod"] = []
    doc["authentication"] = [site.vm]
    site.write_did_document(doc)
    result = open_page(page, site, site.signed("badge"))
    assert result["verdict"] == "forged"
    assert "assertionMethod" in result["text"]


def test_forged_key_controlled_by_someone_else(page, site):
    doc = site.did_document()
    doc["verificationMethod"][0]["controller"] = "did:web:evil.example"
    site.write_did_document(doc)
    assert open_page(page, site, site.signed("badge"))["verdict"] == "forged"


def test_cannot_verify_did_document_404(page, site):
    (site.dir / "did.json").unlink()
    result = open_page(page, site, site.signed("badge"))
    assert result["verdict"] == "cannot-verify"
    assert f"{site.url}did.json" in result["text"]
    assert "HTTP 404" in result["text"]
    assert states(result)["signature"] == "skip"


def test_cannot_verify_wrong_did_document(page, site):
    doc = site.did_document()
    doc["id"] = "did:web:example.org"
    site.write_did_document(doc)
    assert open_page(page, site, site.signed("badge"))["verdict"] == "cannot-verify"


def test_cannot_verify_status_list_missing(page, site):
    (site.dir / "status" / "revocation.json").unlink()
    result = open_page(page, site, site.signed("badge"))
    assert result["verdict"] == "cannot-verify"
    assert site.list_url in result["text"]


def test_tampered_status_list_is_not_trusted(page, site):
    site.revoked = {4242}
    lst = site.status_list()
    site.revoked = set()
    lst["credentialSubject"]["encodedList"] = site.status_list()["credentialSubject"]["encodedList"]
    site.write_status_list(lst)  # "un-revoked" without re-signing
    result = open_page(page, site, site.signed("badge"))
    assert result["verdict"] == "cannot-verify"
    assert "status list" in result["text"]


def test_status_list_of_another_issuer_is_not_trusted(page, site, server):
    other = Site(server, f"site{next(_names)}")
    cred = site.credential("badge")
    cred["credentialStatus"]["statusListCredential"] = other.list_url
    result = open_page(page, site, sign(cred, site.seed, site.vm))
    assert result["verdict"] == "cannot-verify"
    assert other.did in result["text"]


def test_short_status_list_is_refused(page, site):
    lst = site.status_list()
    from .fixtures import encode_bits

    lst["credentialSubject"]["encodedList"] = encode_bits(bytes(1024))
    del lst["proof"]
    site.write_status_list(sign(lst, site.seed, site.vm))
    result = open_page(page, site, site.signed("badge"))
    assert result["verdict"] == "cannot-verify"
    assert "131,072" in result["text"]


def test_no_status_is_skipped(page, site):
    result = open_page(page, site, site.signed("badge", status_index=None))
    assert result["verdict"] == "verified"
    assert states(result)["status"] == "skip"


def test_edited_page_text(page, site):
    cred = site.signed("badge")
    result = open_page(page, site, cred, shown={"subject_name": "Grace Hopper"})
    assert result["verdict"] == "tampered"
    assert result["steps"]["page"]["state"] == "fail"
    assert "credentialSubject.name" in result["steps"]["page"]["text"]
    assert states(result)["signature"] == "ok"


def test_edited_date_attribute(page, site):
    result = open_page(
        page, site, site.signed("badge"), shown={"valid_from": "2023-01-01T00:00:00Z"}
    )
    assert result["verdict"] == "tampered"
    assert "validFrom" in result["steps"]["page"]["text"]


def test_rdfc_only_cannot_be_verified_here(page, site):
    cred = site.signed("badge")
    cred["proof"] = [
        {**p, "cryptosuite": "eddsa-rdfc-2022"} if p["cryptosuite"] == "eddsa-jcs-2022" else p
        for p in cred["proof"]
    ][:1]
    result = open_page(page, site, cred)
    assert result["verdict"] == "cannot-verify"
    assert "no eddsa-jcs-2022 proof" in result["text"]
    assert "standard tools" in result["text"]


def test_unknown_cryptosuite_fails_closed(page, site):
    cred = site.signed("badge")
    cred["proof"].append({**cred["proof"][-1], "cryptosuite": "ecdsa-sd-2023"})
    result = open_page(page, site, cred)
    assert result["verdict"] == "cannot-verify"
    assert "ecdsa-sd-2023" in result["text"]


def test_every_jcs_proof_must_verify(page, site):
    cred = site.signed("badge")
    good = next(p for p in cred["proof"] if p["cryptosuite"] == "eddsa-jcs-2022")
    bad = {**good, "created": "2024-01-02T00:00:00Z"}  # signature no longer matches
    cred["proof"] = [*cred["proof"], bad]
    assert open_page(page, site, cred)["verdict"] == "tampered"


def test_jcs_only_proof_as_object(page, site):
    """One proof, as an object: read, checked, but a credential of this kind needs both."""
    cred = sign(site.credential("badge"), site.seed, site.vm)
    cred["proof"] = next(p for p in cred["proof"] if p["cryptosuite"] == "eddsa-jcs-2022")
    result = open_page(page, site, cred)
    assert states(result)["signature"] == "ok"
    assert result["verdict"] == "cannot-verify"
    assert "eddsa-rdfc-2022 proof" in result["text"] and "missing" in result["text"]


@pytest.mark.parametrize("variant", ["broken", "removed", "garbage"])
def test_rdfc_proof_not_the_published_one(page, site, variant):
    """A copy of the page served elsewhere (a mirror, another path of the same origin) embedding
    the credential with its rdfc proof changed: not the issuer's page at the id, so the verifier
    fetches the issuer's copy, which differs."""
    good = site.signed("badge")
    site.write_page("badge", good)
    site.write_page("mirror", rdfc_variants(good)[variant])  # its id is still .../c/badge/
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{site.url}c/mirror/")
    result = panel(page)
    assert result["verdict"] == "cannot-verify", result
    assert states(result)["signature"] == "ok" and states(result)["published"] == "fail"
    assert "eddsa-rdfc-2022 proof, which a browser cannot check, was not checked" in result["text"]
    assert "Checked when the issuer built" not in json.dumps(result)
    assert requested.count(f"{site.url}c/badge/credential.json") == 1


def test_copy_elsewhere_of_a_credential_whose_issuer_publishes_no_copy(page, site):
    """The same page served at another address, while the issuer publishes no credential.json."""
    site.write_page("mirror", site.signed("badge"))
    result = open_page_as_is(page, f"{site.url}c/mirror/")
    assert result["verdict"] == "cannot-verify"
    assert "HTTP 404" in result["steps"]["published"]["text"]
    assert f"{site.url}c/badge/credential.json" in result["steps"]["published"]["text"]


def open_page_as_is(page, url: str) -> dict:
    page.goto(url)
    return panel(page)


def test_status_list_id_must_match_the_entry(page, site):
    site.write_status_list(site.status_list(list_id=site.url + "status/other.json"))
    result = open_page(page, site, site.signed("badge"))
    assert result["verdict"] == "cannot-verify"
    assert f"names itself {site.url}status/other.json" in result["text"]


def iso_in(seconds: float) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_fresh_status_list_allows_clock_skew(page, site):
    """A list signed a moment ago by a clock 30 s ahead of the visitor's still counts."""
    site.write_status_list(site.status_list(valid_from=iso_in(30)))
    assert open_page(page, site, site.signed("badge"))["verdict"] == "verified"


def test_status_list_far_in_the_future_is_not_trusted(page, site):
    site.write_status_list(site.status_list(valid_from=iso_in(3600)))
    result = open_page(page, site, site.signed("badge"))
    assert result["verdict"] == "cannot-verify"
    assert "validity period" in result["text"]


def test_credential_validity_allows_clock_skew(page, site):
    assert open_page(page, site, site.signed("badge", valid_from=iso_in(30)))["verdict"] == (
        "verified"
    )
    result = open_page(page, site, site.signed("badge", valid_from=iso_in(3600)))
    assert result["verdict"] == "not-yet-valid"


def test_not_well_formed(page, site):
    cred = site.signed("badge")
    del cred["@context"]
    result = open_page(page, site, cred)
    assert result["verdict"] == "invalid"
    assert states(result) == {
        "wellformed": "fail",
        "key": "skip",
        "signature": "skip",
        "published": "skip",
        "status": "skip",
        "validity": "skip",
    }


def test_markup_in_credential_stays_text(page, site):
    name = (
        '<img src=x onerror="window.pwned=1">Ada & "Co" \u2028'
        "</script><script>window.pwned=2</script>"
    )
    cred = site.signed("badge", name=name)
    result = open_page(page, site, cred)
    assert result["verdict"] == "verified", result
    assert page.evaluate("window.pwned") is None
    assert (
        page.evaluate("document.querySelectorAll('#cp-verify img, #cp-verify script').length") == 0
    )
    assert json.loads(page.evaluate("document.getElementById('cp-credential').textContent")) == cred


def test_multi_bit_status_fails_closed(page, site):
    cred = site.credential("badge")
    cred["credentialStatus"]["statusSize"] = 2
    result = open_page(page, site, sign(cred, site.seed, site.vm))
    assert result["verdict"] == "cannot-verify"
    assert "statusSize" in result["text"]
