"""did:web identifiers derived from site_url, and the DID document the site publishes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import IssuerSite
from credpages.config import Settings, parse_settings
from credpages.credential.did import (
    DID_CONTEXTS,
    did_document,
    did_document_path,
    did_document_url,
    did_from_site_url,
    verification_method_id,
)
from credpages.credential.keys import generate_seed, public_key_of
from credpages.credential.multikey import decode_public_key
from credpages.errors import CredpagesError

pytestmark = pytest.mark.usefixtures("isolated_env")


@pytest.mark.parametrize(
    ("site_url", "did"),
    [
        ("https://example.test/", "did:web:example.test"),
        ("https://example.test", "did:web:example.test"),
        ("https://EXAMPLE.test/", "did:web:example.test"),
        ("https://example.test:8443/", "did:web:example.test%3A8443"),
        ("http://localhost:8000/", "did:web:localhost%3A8000"),
        ("https://you.github.io/awards/", "did:web:you.github.io:awards"),
        ("https://example.test/a/b/c/", "did:web:example.test:a:b:c"),
        ("https://example.test:8443/a/b/", "did:web:example.test%3A8443:a:b"),
        ("https://example.test//awards///", "did:web:example.test:awards"),
        ("https://example.test/my%20awards/", "did:web:example.test:my%20awards"),
        ("https://example.test/caf%C3%A9/", "did:web:example.test:caf%C3%A9"),
        ("https://example.test/a:b/", "did:web:example.test:a%3Ab"),
    ],
)
def test_did_from_site_url(site_url: str, did: str) -> None:
    assert did_from_site_url(site_url) == did


def test_did_from_site_url_needs_a_host() -> None:
    with pytest.raises(CredpagesError) as err:
        did_from_site_url("file:///awards/")
    assert err.value.field == "site_url"


@pytest.mark.parametrize(
    ("did", "path", "url"),
    [
        (
            "did:web:example.test",
            ".well-known/did.json",
            "https://example.test/.well-known/did.json",
        ),
        (
            "did:web:example.test%3A8443",
            ".well-known/did.json",
            "https://example.test:8443/.well-known/did.json",
        ),
        (
            "did:web:you.github.io:awards",
            "awards/did.json",
            "https://you.github.io/awards/did.json",
        ),
        (
            "did:web:example.test%3A8443:a:b",
            "a/b/did.json",
            "https://example.test:8443/a/b/did.json",
        ),
    ],
)
def test_did_document_path_and_url(did: str, path: str, url: str) -> None:
    assert did_document_path(did) == path
    assert did_document_url(did) == url


def test_did_document_url_for_localhost_over_http() -> None:
    did = did_from_site_url("http://localhost:8000/demo/")
    assert did_document_url(did, scheme="http") == "http://localhost:8000/demo/did.json"


_host = st.from_regex(r"[a-z][a-z0-9-]{0,10}\.[a-z]{2,5}", fullmatch=True)
_segment = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,8}", fullmatch=True)


@settings(deadline=None)  # shared CI machines stall now and then
@given(_host, st.none() | st.integers(1, 65535), st.lists(_segment, max_size=4))
def test_the_did_document_lives_where_the_site_is(
    host: str, port: int | None, segments: list[str]
) -> None:
    """Resolving the DID derived from site_url lands on the site's own did.json."""
    origin = f"https://{host}" + (f":{port}" if port is not None else "")
    site_url = origin + "/" + "".join(s + "/" for s in segments)
    url = did_document_url(did_from_site_url(site_url))
    if segments:
        assert url == site_url + "did.json"
    else:
        assert url == site_url + ".well-known/did.json"


def _settings(tmp_path: Path, site_url: str, keyring: list[dict[str, object]]) -> Settings:
    entry = {"issuer": {"name": "T", "url": "https://t.test/"}, "keyring": keyring}
    return parse_settings(entry, site_url, tmp_path)


def test_did_document_lists_live_keys(tmp_path: Path) -> None:
    keys = [public_key_of(generate_seed()) for _ in range(3)]
    settings = _settings(
        tmp_path,
        "https://example.test:8443/awards/",
        [
            {"id": "key-1", "public_key": keys[0], "active_from": "2026-01-01"},
            {"id": "key-2", "public_key": keys[1], "active_from": "2026-03-01", "retired": True},
            {"id": "key-3", "public_key": keys[2], "active_from": "2026-06-01"},
        ],
    )
    did = "did:web:example.test%3A8443:awards"
    doc = did_document(settings)
    assert doc["@context"] == DID_CONTEXTS
    assert doc["id"] == did
    assert doc["verificationMethod"] == [
        {
            "id": f"{did}#key-1",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": keys[0],
        },
        {
            "id": f"{did}#key-3",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": keys[2],
        },
    ]
    assert doc["assertionMethod"] == [f"{did}#key-1", f"{did}#key-3"]
    assert all(isinstance(m, str) for m in doc["assertionMethod"])
    assert verification_method_id(did, "key-1") == f"{did}#key-1"


def test_did_document_of_the_fixture_site_matches_its_keyring(issuer_site: IssuerSite) -> None:
    doc = did_document(issuer_site.settings)
    (method,) = doc["verificationMethod"]
    assert method["id"] == "did:web:example.test:awards#key-1"
    assert decode_public_key(method["publicKeyMultibase"]) == decode_public_key(
        issuer_site.public_key
    )
    # the verification method of every credential the site signs resolves in this document
    assert set(issuer_site.settings.key_by_vm()) == set(doc["assertionMethod"])
