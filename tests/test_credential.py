"""Building OB 3.0 credentials: schema validity, hashed e-mails, slugs, dates, achievements."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conftest import IssuerSite, MakeSite
from credpages.config import Settings, parse_settings
from credpages.credential.keys import generate_seed, public_key_of
from credpages.credential.model import (
    CONTEXTS,
    SLUG,
    Award,
    Recipient,
    achievement_from_definition,
    build_credential,
    check_recipient,
    email_matches,
    hash_identity,
    new_slug,
    normalize_email,
    slug_of,
    to_datetime_stamp,
    valid_until_for,
)
from credpages.credential.verify import check_integrity, schema_errors
from credpages.credential.yamlio import dump_yaml, loads_yaml
from credpages.errors import CredpagesError
from credpages.issuer.signing import Signer
from credpages.site.linkedin import add_to_profile_url, share_url
from factories import issue_args

pytestmark = pytest.mark.usefixtures("isolated_env")

SEED = generate_seed()
DEFINITION: dict[str, Any] = {
    "name": "Python Basics",
    "description": "Writes, tests and debugs small Python programs.",
    "criteria": "Passed the final practical exam.",
    "tags": ["python", "programming"],
    "alignments": [{"name": "Python reference", "url": "https://docs.python.org/3/reference/"}],
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    entry = {
        "issuer": {
            "name": "Test Academy",
            "url": "https://academy.example.test/",
            "image": "assets/logo.png",
            "description": "We teach.",
            "email": "office@academy.example.test",
        },
        "keyring": [
            {"id": "key-1", "public_key": public_key_of(SEED), "active_from": "2026-01-01"}
        ],
    }
    return parse_settings(entry, "https://example.test/awards/", tmp_path)


def build(settings: Settings, **award: Any) -> dict[str, Any]:
    achievement = achievement_from_definition("python-basics", DEFINITION, settings)
    award.setdefault("issued", "2026-03-01T00:00:00Z")
    return build_credential(
        settings,
        achievement,
        Recipient("Ada Lovelace", "ada@example.com"),
        Award(**award),
        slug="python-basics-k3x9q2m7ab",
        status_index=1234,
    )


# ------------------------------------------------------------------------ the document


def test_unsigned_credential_matches_the_ob3_schema(settings: Settings) -> None:
    doc = build(settings)
    assert schema_errors(doc) == []
    assert doc["@context"] == CONTEXTS
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["id"] == "https://example.test/awards/c/python-basics-k3x9q2m7ab/"
    assert doc["issuer"]["id"] == "did:web:example.test:awards"
    assert doc["issuer"]["image"] == {
        "id": "https://example.test/awards/assets/logo.png",
        "type": "Image",
    }
    assert doc["validFrom"] == doc["awardedDate"] == "2026-03-01T00:00:00Z"
    assert "validUntil" not in doc and "evidence" not in doc
    subject = doc["credentialSubject"]
    assert subject["achievement"]["id"] == "https://example.test/awards/achievements/python-basics/"
    assert subject["achievement"]["alignment"][0]["targetUrl"] == (
        "https://docs.python.org/3/reference/"
    )
    assert doc["credentialStatus"]["statusListIndex"] == "1234"
    assert doc["credentialStatus"]["id"].endswith("/status/revocation.json#1234")


def test_full_credential_matches_the_schema_and_signs(settings: Settings) -> None:
    doc = build(
        settings,
        valid_until="2027-03-01T00:00:00Z",
        evidence_url="https://github.com/ada/project",
        evidence_name="Final project",
        evidence_narrative="A small interpreter.",
        result="A",
        narrative="With distinction.",
    )
    assert schema_errors(doc) == []
    assert doc["validUntil"] == "2027-03-01T00:00:00Z"
    assert doc["evidence"] == [
        {
            "type": ["Evidence"],
            "id": "https://github.com/ada/project",
            "name": "Final project",
            "narrative": "A small interpreter.",
        }
    ]
    assert doc["credentialSubject"]["result"] == [{"type": ["Result"], "value": "A"}]
    signed = Signer(settings, SEED).sign(doc, created="2026-03-01T00:00:00Z")
    assert schema_errors(signed) == []
    assert check_integrity(signed, settings) == []
    assert [p["cryptosuite"] for p in signed["proof"]] == ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
    assert {p["verificationMethod"] for p in signed["proof"]} == {
        "did:web:example.test:awards#key-1"
    }


def test_schema_errors_name_the_field(settings: Settings) -> None:
    doc = build(settings)
    del doc["credentialSubject"]["achievement"]["criteria"]
    errors = schema_errors(doc)
    assert errors and errors[0].field == "credentialSubject.achievement"


def test_the_credential_survives_yaml_unchanged(settings: Settings) -> None:
    doc = Signer(settings, SEED).sign(build(settings, result="A"))
    assert loads_yaml(dump_yaml(doc)).data == doc


# ------------------------------------------------------------------------ e-mail identity


def test_hashed_email_matches_the_spec_example() -> None:
    """OB 3.0 §"IdentityHash": a@example.com salted with Kosher."""
    assert hash_identity("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )


def test_the_email_is_stored_only_salted_and_hashed(settings: Settings) -> None:
    doc = build(settings)
    name_id, email_id = doc["credentialSubject"]["identifier"]
    assert name_id == {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": "Ada Lovelace",
    }
    assert email_id["hashed"] is True and email_id["identityType"] == "emailAddress"
    assert re.fullmatch(r"[0-9a-f]{32}", email_id["salt"])
    assert email_id["identityHash"] == hash_identity("ada@example.com", email_id["salt"])
    assert "ada@example.com" not in dump_yaml(doc)
    assert email_matches(doc["credentialSubject"], "  ADA@Example.com ")
    assert not email_matches(doc["credentialSubject"], "ada@example.org")


def test_each_credential_has_its_own_salt(settings: Settings) -> None:
    hashes = {
        build(settings)["credentialSubject"]["identifier"][1]["identityHash"] for _ in range(5)
    }
    assert len(hashes) == 5  # two credentials of one person cannot be linked by the hash


def test_email_matches_ignores_malformed_identifiers() -> None:
    assert not email_matches({"identifier": 5}, "a@example.com")
    assert not email_matches({"identifier": "a@example.com"}, "a@example.com")
    assert not email_matches({"identifier": [{"identityType": "emailAddress"}]}, "a@example.com")
    unhashed = {"identityType": "emailAddress", "hashed": False, "identityHash": "a@example.com"}
    assert not email_matches({"identifier": [unhashed]}, "a@example.com")


def test_plain_email_appears_nowhere_in_the_written_files(issuer_site: IssuerSite) -> None:
    result = issuer_site.run(*issue_args("Ada", "Ada@Example.com"))
    assert result.code == 0, result
    assert "Ada@Example.com".lower() in result.out  # the mail-merge CSV is for the issuer
    for path in issuer_site.root.rglob("*"):
        if path.is_file():
            text = path.read_text("utf-8", errors="replace").lower()
            assert "ada@example.com" not in text, path


@pytest.mark.parametrize(
    ("name", "email", "fld"),
    [
        ("", "a@example.com", "name"),
        (None, "a@example.com", "name"),
        ("Ada\x00Lovelace", "a@example.com", "name"),
        ("Ada\x1b[31m", "a@example.com", "name"),
        ("A" * 501, "a@example.com", "name"),
        ("Ada", "", "email"),
        ("Ada", None, "email"),
        ("Ada", "ada", "email"),
        ("Ada", "ada@localhost", "email"),
        ("Ada", "ada@@example.com", "email"),
        ("Ada", "ada lovelace@example.com", "email"),
        ("Ada", "ada@example.com, bob@example.com", "email"),
    ],
)
def test_bad_recipients(name: Any, email: Any, fld: str) -> None:
    with pytest.raises(CredpagesError) as err:
        check_recipient(name, email)
    assert err.value.field == fld


def test_recipient_is_normalised() -> None:
    assert check_recipient("  Ada Lovelace ", " Ada@Example.COM ") == Recipient(
        "Ada Lovelace", "ada@example.com"
    )
    assert normalize_email(" X@Y.Z ") == "x@y.z"


# ------------------------------------------------------------------------ slugs


def test_slug_format() -> None:
    slug = new_slug("python-basics")
    assert re.fullmatch(r"python-basics-[a-km-np-z2-9]{10}", slug), slug
    assert SLUG.match(slug)


def test_slugs_are_unique_and_unguessable() -> None:
    slugs = [new_slug("python-basics") for _ in range(5000)]
    assert len(set(slugs)) == len(slugs)
    tails = "".join(s.rsplit("-", 1)[1] for s in slugs)
    assert not set(tails) & set("01lo")  # readable aloud
    assert len(set(tails)) == 32  # the whole alphabet is used: about 50 bits per slug


@hypothesis_settings(deadline=None)  # shared CI machines stall now and then
@given(st.from_regex(r"[a-z0-9][a-z0-9-]{0,63}", fullmatch=True))
def test_slug_for_any_achievement_id_is_valid(achievement_id: str) -> None:
    slug = new_slug(achievement_id)
    assert SLUG.match(slug) and len(slug) <= 80
    assert "--" not in slug[-12:]


def test_slug_of(settings: Settings) -> None:
    assert slug_of("https://example.test/awards/c/python-basics-k3x9q2m7ab/", settings) == (
        "python-basics-k3x9q2m7ab"
    )
    for foreign in (
        "https://evil.test/awards/c/python-basics-k3x9q2m7ab/",
        "https://example.test/awards/c/python-basics-k3x9q2m7ab",
        "https://example.test/awards/x/python-basics-k3x9q2m7ab/",
        "https://example.test/awards/c/../../etc/",
        "https://example.test/awards/c/UPPER/",
    ):
        assert slug_of(foreign, settings) is None


@pytest.mark.parametrize("slug", ["", "Python", "-x", "a/b", "a" * 81, "ä"])
def test_build_refuses_a_bad_slug(settings: Settings, slug: str) -> None:
    achievement = achievement_from_definition("python-basics", DEFINITION, settings)
    with pytest.raises(CredpagesError):
        build_credential(
            settings,
            achievement,
            Recipient("A", "a@example.com"),
            Award(issued="2026-01-01T00:00:00Z"),
            slug=slug,
            status_index=0,
        )


# ------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("value", "stamp"),
    [
        ("2026-11-28", "2026-11-28T00:00:00Z"),
        (" 2026-11-28 ", "2026-11-28T00:00:00Z"),
        ("2026-11-28T10:30:00Z", "2026-11-28T10:30:00Z"),
        ("2026-11-28T10:30:00.987Z", "2026-11-28T10:30:00Z"),
        ("2026-11-28T10:30:00+02:00", "2026-11-28T08:30:00Z"),
        ("2026-11-28T01:00:00-05:00", "2026-11-28T06:00:00Z"),
        ("2026-11-28T23:30:00-01:00", "2026-11-29T00:30:00Z"),
    ],
)
def test_dates_with_and_without_zone(value: str, stamp: str) -> None:
    assert to_datetime_stamp(value, "issued") == stamp


def test_time_without_zone_is_refused() -> None:
    with pytest.raises(CredpagesError, match="no time zone") as err:
        to_datetime_stamp("2026-11-28T10:30:00", "issued")
    assert err.value.field == "issued"


@pytest.mark.parametrize("value", ["2026-02-30", "28.11.2026", "tomorrow", "", 20261128, None])
def test_bad_dates_are_refused(value: Any) -> None:
    with pytest.raises(CredpagesError) as err:
        to_datetime_stamp(value, "expires")
    assert err.value.field == "expires"


@pytest.mark.parametrize("until", ["2026-03-01T00:00:00Z", "2026-02-28T23:59:59Z"])
def test_expiry_not_after_issue_is_refused(settings: Settings, until: str) -> None:
    with pytest.raises(CredpagesError, match="after the issue date") as err:
        build(settings, valid_until=until)
    assert err.value.field == "expires"


def test_valid_for_days() -> None:
    assert valid_until_for({"valid_for_days": 365}, "2026-03-01T00:00:00Z") == (
        "2027-03-01T00:00:00Z"
    )
    assert valid_until_for({}, "2026-03-01T00:00:00Z") is None
    for bad in (0, -1, True, "30", 1.5, 40_000):
        with pytest.raises(CredpagesError) as err:
            valid_until_for({"valid_for_days": bad}, "2026-03-01T00:00:00Z")
        assert err.value.field == "valid_for_days"


def test_issue_with_valid_for_days_sets_valid_until(make_site: MakeSite) -> None:
    site = make_site(valid_for_days=30)
    result = site.run(
        *issue_args("Ada", "a@example.com"),
        "--issued",
        "2026-01-10",
    )
    assert result.code == 0, result
    (path,) = site.credential_files()
    doc = site.load(path)
    assert doc["validFrom"] == "2026-01-10T00:00:00Z"
    assert doc["validUntil"] == "2026-02-09T00:00:00Z"


# ------------------------------------------------------------------------ achievements


def test_achievement_image_and_optional_fields(settings: Settings) -> None:
    raw = dict(
        DEFINITION,
        image="assets/python.svg",
        image_caption="A snake",
        criteria_url="https://academy.example.test/python/exam/",
        achievement_type="Certificate",
        field_of_study="Computer science",
        human_code="PY-101",
        in_language="en",
        version="2026",
    )
    raw["alignments"] = [
        {
            "name": "ESCO: Python",
            "url": "https://esco.ec.europa.eu/en/python",
            "code": "S1.2",
            "framework": "ESCO",
            "description": "Programming with Python",
            "type": "ceasn:Competency",
        }
    ]
    achievement = achievement_from_definition("python-basics", raw, settings)
    assert achievement["image"] == {
        "id": "https://example.test/awards/assets/python.svg",
        "type": "Image",
        "caption": "A snake",
    }
    assert achievement["criteria"]["id"] == "https://academy.example.test/python/exam/"
    assert achievement["humanCode"] == "PY-101"
    assert achievement["alignment"][0]["targetFramework"] == "ESCO"
    doc = build_credential(
        settings,
        achievement,
        Recipient("A", "a@example.com"),
        Award(issued="2026-01-01T00:00:00Z"),
        slug="python-basics-aaaaaaaaaa",
        status_index=0,
    )
    assert schema_errors(doc) == []


@pytest.mark.parametrize(
    ("change", "fld"),
    [
        ({"name": None}, "name"),
        ({"criteria": None}, "criteria"),
        ({"description": "  "}, "description"),
        ({"colour": "blue"}, "colour"),
        ({"tags": "python"}, "tags"),
        ({"tags": ["ok", ""]}, "tags[1]"),
        ({"alignments": [{"name": "X"}]}, "alignments[0].url"),
        ({"alignments": [{"name": "X", "url": "ftp://x.test/"}]}, "alignments[0].url"),
        ({"alignments": [{"name": "X", "url": "https://x.test/", "weight": 1}]}, "alignments[0]"),
        ({"criteria_url": "not a url"}, "criteria_url"),
        ({"description": "x" * 20_001}, "description"),
    ],
)
def test_bad_achievement_definitions(settings: Settings, change: dict[str, Any], fld: str) -> None:
    raw = {k: v for k, v in {**DEFINITION, **change}.items() if v is not None}
    with pytest.raises(CredpagesError) as err:
        achievement_from_definition("python-basics", raw, settings)
    assert err.value.field == fld


def test_bad_achievement_id(settings: Settings) -> None:
    with pytest.raises(CredpagesError):
        achievement_from_definition("Python Basics", DEFINITION, settings)


def test_bad_achievement_file_names_file_and_line(issuer_site: IssuerSite) -> None:
    issuer_site.write_achievement(
        "broken",
        "name: Broken\ndescription: Text.\ncriteria: Passed.\nalignments:\n  - name: no url\n",
    )
    result = issuer_site.run(*issue_args("A", "a@example.com", achievement="broken"))
    assert result.code == 1
    assert "broken.yaml:5: alignments[0].url: is required" in result.err


# ------------------------------------------------------------------------ LinkedIn links


def test_linkedin_add_to_profile_link(settings: Settings) -> None:
    doc = build(settings, valid_until="2028-07-01T00:00:00Z")
    link = add_to_profile_url(doc, settings)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Python Basics",
        "organizationName": "Test Academy",
        "issueYear": "2026",
        "issueMonth": "3",
        "expirationYear": "2028",
        "expirationMonth": "7",
        "certUrl": doc["id"],
        "certId": doc["id"],
    }


def test_linkedin_prefers_the_organization_id(tmp_path: Path) -> None:
    entry = {
        "issuer": {
            "name": "T&C <Academy>",
            "url": "https://t.test/",
            "linkedin_organization_id": "42",
        },
        "keyring": [
            {"id": "key-1", "public_key": public_key_of(SEED), "active_from": "2026-01-01"}
        ],
    }
    s = parse_settings(entry, "https://example.test/", tmp_path)
    query = parse_qs(urlsplit(add_to_profile_url(build(s), s)).query)
    assert query["organizationId"] == ["42"] and "organizationName" not in query
    assert share_url("https://example.test/c/x/?a=1&b=2") == (
        "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fexample.test%2Fc%2Fx"
        "%2F%3Fa%3D1%26b%3D2"
    )


def test_now_is_used_when_no_date_is_given(issuer_site: IssuerSite) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    result = issuer_site.run(*issue_args("A", "a@example.com"))
    assert result.code == 0, result
    (path,) = issuer_site.credential_files()
    issued = dt.datetime.fromisoformat(issuer_site.load(path)["validFrom"].replace("Z", "+00:00"))
    assert before <= issued <= dt.datetime.now(dt.UTC)
