"""Keys end to end: rotate, retire (a byte-preserving mkdocs.yml edit), the build listing what
must be re-signed, `credpages resign` (same ids and pages), and what resign refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import IssuerSite, MakeSite
from credpages.credential.keys import generate_seed, public_key_of
from credpages.credential.multikey import decode_secret_key, encode_secret_key
from credpages.credential.proofs import sign_proof_set
from credpages.credential.yamlio import load_yaml, write_yaml
from credpages.errors import CredpagesError
from credpages.issuer.config_edit import retire_key
from credpages.issuer.repository import STATUS_LIST_FILE

pytestmark = pytest.mark.usefixtures("isolated_env")

CONFIG = """\
# An issuer with comments, blank lines and odd spacing: retire-key must keep all of it.
site_name: Test Awards
site_url: https://example.test/awards/   # the DID follows this
theme:
  name: material

plugins:
  - search
  - credpages:
      issuer:
        name: Test Academy   # shown on every page
        url: https://academy.example.test/
      keyring:
        # public keys only
        - id: key-1
          public_key: {public_key}
          active_from: "2026-01-01"   # first key

        - id: key-2
          public_key: {second}
          active_from: "2026-06-01"
      page_prefix: c
  - tags
"""


def issue(site: IssuerSite, name: str, email: str, *, key: str = "") -> Path:
    return site.issue(name, email, key=key)


def methods(doc: dict[str, Any]) -> set[str]:
    return {p["verificationMethod"] for p in doc["proof"]}


def unsigned(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "proof"}


def rotated(site: IssuerSite) -> str:
    """Add key-2 with `rotate-key`; returns its secret."""
    result = site.run("rotate-key", "--stdout")
    assert result.code == 0, result
    return result.out.strip()


# ------------------------------------------------------------------------ retire-key


def test_retire_key_adds_one_line_and_keeps_the_rest_byte_for_byte(make_site: MakeSite) -> None:
    second = public_key_of(generate_seed())
    site = make_site(config_text=CONFIG.replace("{second}", second))
    before = site.config.read_text("utf-8")
    result = site.run("retire-key", "key-1")
    assert result.code == 0, result
    assert "credpages resign" in result.err
    after = site.config.read_text("utf-8")
    anchor = '          active_from: "2026-01-01"   # first key\n'
    assert after == before.replace(anchor, anchor + "          retired: true\n")
    keys = {k.id: k.retired for k in site.settings.keyring}
    assert keys == {"key-1": True, "key-2": False}


def test_retire_key_flips_an_existing_retired_false(make_site: MakeSite) -> None:
    second = public_key_of(generate_seed())
    text = CONFIG.replace("{second}", second).replace(
        '"2026-06-01"\n', '"2026-06-01"\n          retired: false  # not yet\n'
    )
    site = make_site(config_text=text)
    site.run("rotate-key", "--stdout")  # key-3, so key-2 is not the last live key
    before = site.config.read_text("utf-8")
    assert site.run("retire-key", "key-2").code == 0
    assert site.config.read_text("utf-8") == before.replace(
        "retired: false  # not yet", "retired: true  # not yet"
    )


def test_retire_key_in_a_flow_style_entry(tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    a, b = public_key_of(generate_seed()), public_key_of(generate_seed())
    text = (
        "site_url: https://example.test/\n"
        "plugins:\n"
        "  - credpages:\n"
        "      keyring:\n"
        f"        - {{id: key-1, public_key: {a}, active_from: '2026-01-01'}}  # old\n"
        f"        - {{id: key-2, public_key: {b}, active_from: '2026-02-01'}}\n"
    )
    config.write_text(text, encoding="utf-8")
    retire_key(config, "key-1")
    assert config.read_text("utf-8") == text.replace(
        "'2026-01-01'}  # old", "'2026-01-01', retired: true}  # old"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["retire-key", "key-9"], "no key 'key-9' in the keyring (keys: key-1)"),
        (["retire-key", "key-1"], "key-1 is the only key that is not retired"),
    ],
)
def test_retire_key_refusals_leave_the_file_alone(
    issuer_site: IssuerSite, argv: list[str], message: str
) -> None:
    before = issuer_site.config.read_bytes()
    result = issuer_site.run(*argv)
    assert result.code == 1 and message in result.err, result
    assert issuer_site.config.read_bytes() == before


def test_retire_key_twice(issuer_site: IssuerSite) -> None:
    rotated(issuer_site)
    assert issuer_site.run("retire-key", "key-1").code == 0
    again = issuer_site.run("retire-key", "key-1")
    assert again.code == 1 and "key 'key-1' is already retired" in again.err


def test_retire_key_library_refuses_an_unknown_key(tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    text = CONFIG.format(public_key="z6Mkx", second="z6Mky")
    config.write_text(text, encoding="utf-8")
    with pytest.raises(CredpagesError, match="no key 'key-7'"):
        retire_key(config, "key-7")
    assert config.read_text("utf-8") == text


# ------------------------------------------------------------------------ rotation


def test_rotation_old_credentials_still_verify_and_build(issuer_site: IssuerSite) -> None:
    old = issue(issuer_site, "Old Key", "old@example.com")
    secret = rotated(issuer_site)
    new = issue(issuer_site, "New Key", "new@example.com", key=secret)
    did = issuer_site.settings.did
    assert methods(issuer_site.load(old)) == {f"{did}#key-1"}
    assert methods(issuer_site.load(new)) == {f"{did}#key-2"}
    verified = issuer_site.run("verify")
    assert verified.code == 0 and "2 of 2 credential(s) verified" in verified.err, verified
    built = issuer_site.run("build")
    assert built.code == 0, built
    document = json.loads((issuer_site.root / "site" / "did.json").read_text())
    listed = {m["id"] for m in document["verificationMethod"]}
    assert listed == {f"{did}#key-1", f"{did}#key-2"}


# ------------------------------------------------------------------------ retire → resign


@pytest.fixture
def retired_site(issuer_site: IssuerSite) -> tuple[IssuerSite, str, list[Path]]:
    """Two credentials signed with key-1, then key-2 added and key-1 retired."""
    paths = [issue(issuer_site, "Ada", "ada@example.com"), issue(issuer_site, "Bob", "b@x.org")]
    revoked = issuer_site.run("revoke", paths[1].stem, "--reason", "issued in error")
    assert revoked.code == 0, revoked
    secret = rotated(issuer_site)
    assert issuer_site.run("retire-key", "key-1").code == 0
    return issuer_site, secret, paths


def test_the_build_lists_what_must_be_re_signed(
    retired_site: tuple[IssuerSite, str, list[Path]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    site, _, paths = retired_site
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    built = site.run("build")
    assert built.code == 1
    listed = summary.read_text("utf-8")  # what MkDocs logged, as the job summary shows it
    assert "### credpages build failed" in listed
    advice = "signed by the retired key 'key-1': re-sign it with `credpages resign`"
    for path in paths:
        assert f"credentials/{path.name}:" in listed and advice in listed, listed
    assert "credentials/status/revocation-list.yaml" in listed
    verified = site.run("verify")
    assert verified.code == 1
    assert "0 of 2 credential(s) verified" in verified.err
    for path in paths:
        assert f"credentials/{path.name}" in verified.err


def test_resign_restores_verification_with_ids_unchanged(
    retired_site: tuple[IssuerSite, str, list[Path]],
) -> None:
    site, secret, paths = retired_site
    before = {p: unsigned(site.load(p)) for p in paths}
    dry = site.run("resign", "--dry-run", key=None)
    assert dry.code == 0, dry
    assert all(f"{p.name}: to re-sign (signed by key-1)" in dry.out for p in paths), dry
    assert {p: unsigned(site.load(p)) for p in paths} == before  # a dry run writes nothing

    result = site.run("resign", key=secret)
    assert result.code == 0, result
    assert "2 credential(s) re-signed with key-2; ids and pages unchanged" in result.err
    assert "revocation-list.yaml: re-signed" in result.out
    did = site.settings.did
    for path in paths:
        doc = site.load(path)
        assert unsigned(doc) == before[path]  # same id, slug, status entry, everything
        assert methods(doc) == {f"{did}#key-2"}
    status = load_yaml(site.credentials / STATUS_LIST_FILE).data
    assert methods(status) == {f"{did}#key-2"}

    verified = site.run("verify", "--strict")
    assert verified.code == 1  # the second one is revoked: still revoked after re-signing
    assert "1 of 2 credential(s) verified; 1 revoked" in verified.err
    assert "revoked (issued in error)" in verified.err
    built = site.run("build")
    assert built.code == 0, built
    out = site.root / "site"
    for path in paths:
        slug = path.stem
        published = json.loads((out / "c" / slug / "credential.json").read_text())
        assert published["id"] == before[path]["id"] == f"https://example.test/awards/c/{slug}/"
    document = json.loads((out / "did.json").read_text())
    assert [m["id"] for m in document["verificationMethod"]] == [f"{did}#key-2"]

    again = site.run("resign", key=secret)
    assert again.code == 0 and "0 credential(s) re-signed" in again.err


def test_issuing_after_retirement_re_signs_the_revocation_list(
    retired_site: tuple[IssuerSite, str, list[Path]],
) -> None:
    site, secret, _ = retired_site
    issue(site, "Cy", "cy@example.com", key=secret)
    status = load_yaml(site.credentials / STATUS_LIST_FILE).data
    assert methods(status) == {f"{site.settings.did}#key-2"}


def test_resign_needs_the_current_key(retired_site: tuple[IssuerSite, str, list[Path]]) -> None:
    site, _, _ = retired_site
    result = site.run("resign")  # the fixture's secret is key-1, now retired
    assert result.code == 1 and "key 'key-1' is retired" in result.err, result


def test_resign_refuses_a_tampered_credential(
    retired_site: tuple[IssuerSite, str, list[Path]],
) -> None:
    site, secret, paths = retired_site
    doc = site.load(paths[0])
    doc["credentialSubject"]["name"] = "Mallory"
    write_yaml(paths[0], doc)
    before = paths[0].read_bytes()
    result = site.run("resign", key=secret)
    assert result.code == 1
    assert f"credentials/{paths[0].name}" in result.err
    assert "not re-signed: the eddsa-rdfc-2022 signature does not match" in result.err
    assert "1 credential(s) re-signed with key-2" in result.err and "1 refused" in result.err
    assert paths[0].read_bytes() == before


def test_resign_refuses_a_key_the_keyring_does_not_list(
    retired_site: tuple[IssuerSite, str, list[Path]],
) -> None:
    site, secret, paths = retired_site
    settings = site.settings
    forged = sign_proof_set(
        unsigned(site.load(paths[0])),
        generate_seed(),
        f"{settings.did}#key-9",
        "2026-02-01T00:00:00Z",
    )
    write_yaml(paths[0], forged)
    result = site.run("resign", paths[0], key=secret)
    assert result.code == 1
    assert f"signed by {settings.did}#key-9, which is not in the keyring" in result.err
    assert methods(site.load(paths[0])) == {f"{settings.did}#key-9"}


def test_resign_leaves_current_credentials_alone(issuer_site: IssuerSite) -> None:
    path = issue(issuer_site, "Ada", "ada@example.com")
    before = path.read_bytes()
    result = issuer_site.run("resign", path)
    assert result.code == 0, result
    assert "already signed with a current key" in result.out
    assert path.read_bytes() == before


def test_keygen_secret_round_trip_for_the_workflow(issuer_site: IssuerSite) -> None:
    """The CI secret is exactly what `keygen --stdout` prints on its first line."""
    result = issuer_site.run("keygen", "--stdout")
    (secret,) = result.out.split()
    assert encode_secret_key(decode_secret_key(secret)) == secret
