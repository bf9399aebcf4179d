"""The CLR 2.0 ClrCredential of a pathway credential: made and signed when the pathway is
awarded, verified by the build (schema, both proofs, every embedded credential, the bundle and
its associations) and published beside the pathway credential's page.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import SITE_URL, IssuerSite
from credpages.credential.clr import (
    CLR_CONTEXTS,
    CLR_SCHEMA,
    check_clr,
    clr_document,
    clr_schema_errors,
)
from credpages.credential.multikey import decode_secret_key
from credpages.credential.proofs import verify_proof_set
from credpages.credential.verify import keyring_resolver
from credpages.credential.yamlio import write_yaml
from credpages.issuer.clr_files import clr_path, committed_lookup, make_clr
from credpages.issuer.signing import Signer
from test_key_lifecycle import rotated
from test_pathways import PATHWAY, credentials_of, hold, pathway_site

pytestmark = pytest.mark.usefixtures("isolated_env")
EMAIL = "ada@example.test"
PARTS = ("python-basics", "data-literacy", "git-basics")


def slug(doc: dict[str, Any]) -> str:
    return str(doc["id"]).rstrip("/").rsplit("/", 1)[1]


def awarded(site: IssuerSite) -> tuple[dict[str, Any], Path]:
    """Ada completes the junior pathway; its credential and its CLR file."""
    hold(pathway_site(site), EMAIL, *PARTS)
    (pathway,) = credentials_of(site, "junior-developer", EMAIL)
    return pathway, clr_path(site.settings, slug(pathway))


def signer(site: IssuerSite) -> Signer:
    return Signer(site.settings, decode_secret_key(site.secret))


def test_awarding_a_pathway_signs_its_clr_valid_against_the_schema_with_both_proofs(
    issuer_site: IssuerSite,
) -> None:
    pathway, path = awarded(issuer_site)
    clr = issuer_site.load(path)
    assert clr["@context"] == CLR_CONTEXTS
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    assert clr["id"] == pathway["id"] + "clr.json"
    assert clr["credentialSchema"] == [CLR_SCHEMA]
    assert clr_schema_errors(clr) == []
    # Both proofs, by the issuer's key, as the credentials are signed.
    verify_proof_set(clr, keyring_resolver(issuer_site.settings))
    assert {p["cryptosuite"] for p in clr["proof"]} == {"eddsa-rdfc-2022", "eddsa-jcs-2022"}
    # The pathway credential and its parts, embedded verbatim as committed.
    embedded = clr["credentialSubject"]["verifiableCredential"]
    parts = [credentials_of(issuer_site, a, EMAIL)[0] for a in PARTS]
    assert embedded == [pathway, *parts]
    junior = f"{SITE_URL}achievements/junior-developer/"
    links = {
        (a["associationType"], a["sourceId"], a["targetId"])
        for a in clr["credentialSubject"]["association"]
    }
    for part in PARTS:
        url = f"{SITE_URL}achievements/{part}/"
        assert ("isParentOf", junior, url) in links and ("isChildOf", url, junior) in links
    assert len(links) == 6
    assert [a["id"] for a in clr["credentialSubject"]["achievement"]] == [
        junior,
        *(f"{SITE_URL}achievements/{p}/" for p in PARTS),
    ]
    assert check_clr(clr, issuer_site.settings) == []
    # Deterministic: made again from the committed files, it is the same document.
    again = make_clr(issuer_site.settings, signer(issuer_site), pathway)
    assert again == clr


def test_a_pathway_of_pathways_bundles_the_whole_stack(issuer_site: IssuerSite) -> None:
    site = pathway_site(issuer_site, PATHWAY.replace(", git-basics]", "]"))
    site.write_achievement(
        "developer",
        "name: Developer\ndescription: d\ncriteria: c\n"
        "requires:\n  all: [junior-developer, git-basics]\n",
    )
    hold(site, EMAIL, "git-basics", "python-basics", "data-literacy")
    (developer,) = credentials_of(site, "developer", EMAIL)
    (junior,) = credentials_of(site, "junior-developer", EMAIL)
    clr = site.load(clr_path(site.settings, slug(developer)))
    ids = [c["id"] for c in clr["credentialSubject"]["verifiableCredential"]]
    python, data, git = (credentials_of(site, a, EMAIL)[0]["id"] for a in PARTS)
    assert ids == [developer["id"], junior["id"], python, data, git]  # depth first
    links = {
        (a["associationType"], a["sourceId"].split("/")[-2], a["targetId"].split("/")[-2])
        for a in clr["credentialSubject"]["association"]
    }
    assert ("isParentOf", "developer", "junior-developer") in links
    assert ("isParentOf", "junior-developer", "python-basics") in links
    assert ("isChildOf", "git-basics", "developer") in links
    assert check_clr(clr, site.settings) == []


def resign(site: IssuerSite, doc: dict[str, Any]) -> dict[str, Any]:
    unsigned = {k: v for k, v in doc.items() if k != "proof"}
    return signer(site).sign(unsigned, created=doc["proof"][0]["created"])


@pytest.mark.parametrize(
    ("tamper", "resigned", "field"),
    [
        # An embedded credential's text changed: its own proof no longer matches.
        (
            lambda c: c["credentialSubject"]["verifiableCredential"][2]["credentialSubject"].update(
                name="Mallory"
            ),
            True,
            "credentialSubject.verifiableCredential[2].proof[0].proofValue",
        ),
        # An association changed, the CLR re-signed by the issuer's key: not what the bundle says.
        (
            lambda c: c["credentialSubject"]["association"][0].update(associationType="isPeerOf"),
            True,
            "credentialSubject.association",
        ),
        # The same change without re-signing: refused before its proof is even checked.
        (
            lambda c: c["credentialSubject"]["association"][0].update(associationType="isPeerOf"),
            False,
            "credentialSubject.association",
        ),
        # Any other change without re-signing: the CLR's own proof refuses it.
        (lambda c: c.update(description="Signed by nobody."), False, "proof[0].proofValue"),
        # A credential dropped from the bundle.
        (
            lambda c: c["credentialSubject"]["verifiableCredential"].pop(),
            True,
            "credentialSubject.verifiableCredential[0].evidence",
        ),
        # Not the CLR schema (associationType outside the CLR 2.0 vocabulary).
        (
            lambda c: c["credentialSubject"]["association"][0].update(associationType="isBossOf"),
            True,
            "credentialSubject.association",
        ),
    ],
)
def test_a_tampered_embedded_credential_or_association_is_refused(
    issuer_site: IssuerSite, tamper: Any, resigned: bool, field: str
) -> None:
    _, path = awarded(issuer_site)
    clr = copy.deepcopy(issuer_site.load(path))
    tamper(clr)
    if resigned:
        clr = resign(issuer_site, clr)
    errors = check_clr(clr, issuer_site.settings)
    assert errors and errors[0].field == field, errors
    # The build refuses it too, naming the file, the line and the field; nothing is published.
    write_yaml(path, clr)
    result = issuer_site.run("build", "--site-dir", issuer_site.root / "built")
    assert result.code != 0, result
    shown = f"credentials/clr/{path.name}:"
    line = next(ln for ln in result.err.splitlines() if shown in ln)
    # (an altered embedded credential is named where it differs from the published one)
    assert f": {field}: " in line or f": {field.removesuffix('[0].proofValue')}: " in line, line
    assert not (issuer_site.root / "built" / "c").exists()


def test_the_build_publishes_the_clr_beside_the_pathway_page(issuer_site: IssuerSite) -> None:
    pathway, path = awarded(issuer_site)
    out = issuer_site.root / "built"
    result = issuer_site.run("build", "--site-dir", out)
    assert result.code == 0, result
    assert "has no verified CLR" not in result.err
    folder = out / "c" / slug(pathway)
    assert json.loads((folder / "clr.json").read_text("utf-8")) == issuer_site.load(path)
    page = (folder / "index.html").read_text("utf-8")
    assert f'href="clr.json" download="{slug(pathway)}-clr.json"' in page
    assert "assets/credpages/clr-parts.js" in page and 'data-cp-parts="clr.json"' in page
    # A part's page does not reveal the pathway, its CLR or the learner's other credentials.
    for part in pathway["evidence"]:
        part_page = out / "c" / part["id"].rstrip("/").rsplit("/", 1)[1] / "index.html"
        text = part_page.read_text("utf-8")
        assert "clr" not in text and slug(pathway) not in text
    # The verify page loads the CLR code only when a CLR is checked (a dynamic import).
    verify = (out / "verify" / "index.html").read_text("utf-8")
    assert "clr.js" not in verify and "clr-parts.js" not in verify


def test_a_clr_that_no_longer_matches_its_credentials_is_not_published(
    issuer_site: IssuerSite,
) -> None:
    _, path = awarded(issuer_site)
    stale = issuer_site.load(path)
    part = stale["credentialSubject"]["verifiableCredential"][1]
    # The part is re-signed since (say, after a key rotation): the CLR embeds the old copy.
    part_file = issuer_site.credentials / f"{slug(part)}.yaml"
    later = {**part, "proof": [{**part["proof"][0], "created": "2026-12-01T00:00:00Z"}]}
    write_yaml(part_file, resign(issuer_site, later))
    assert issuer_site.run("log", "sync").code == 0
    result = issuer_site.run("build", "--site-dir", issuer_site.root / "built")
    assert result.code != 0
    assert "differs from the published credential" in result.err, result
    assert "credpages pathways --clr" in result.err


def test_a_pathway_credential_without_a_clr_is_published_with_a_warning(
    issuer_site: IssuerSite,
) -> None:
    pathway, path = awarded(issuer_site)
    path.unlink()
    out = issuer_site.root / "built"
    result = issuer_site.run("build", "--site-dir", out)
    assert result.code == 0, result
    assert f"pathway credential {pathway['id']} has no verified CLR" in result.err
    assert "credpages pathways --clr" in result.err
    folder = out / "c" / slug(pathway)
    assert not (folder / "clr.json").exists()
    assert "clr-parts.js" not in (folder / "index.html").read_text("utf-8")


def test_the_clr_document_is_built_from_the_committed_files_only(issuer_site: IssuerSite) -> None:
    pathway, _ = awarded(issuer_site)
    lookup = committed_lookup(issuer_site.settings)
    first = clr_document(pathway, lookup)
    assert clr_document(pathway, lookup) == first
    assert "proof" not in first
    assert lookup(f"{SITE_URL}c/not-there-0000000000/") is None


# ------------------------------------------------------------------ the command line


def test_sign_awards_pathways_like_issue(issuer_site: IssuerSite) -> None:
    site = pathway_site(issuer_site)
    hold(site, EMAIL, "python-basics", "data-literacy")
    authoring = site.credentials / "ada-git.yaml"
    authoring.write_text("achievement: git-basics\nname: Ada\nemail: ADA@example.test\n", "utf-8")
    result = site.run("sign", "--unsigned")
    assert result.code == 0, result
    assert "1 pathway credential(s) awarded too" in result.err, result
    (pathway,) = credentials_of(site, "junior-developer", EMAIL)
    (git,) = credentials_of(site, "git-basics", EMAIL)
    assert pathway["evidence"][-1]["id"] == git["id"]
    clr = site.load(clr_path(site.settings, slug(pathway)))
    assert check_clr(clr, site.settings) == []
    assert site.run("verify").code == 0


def test_sign_with_no_pathways_awards_none(issuer_site: IssuerSite) -> None:
    site = pathway_site(issuer_site)
    hold(site, EMAIL, "python-basics", "data-literacy")
    authoring = site.credentials / "ada-git.yaml"
    authoring.write_text("achievement: git-basics\nname: Ada\nemail: ada@example.test\n", "utf-8")
    result = site.run("sign", authoring, "--no-pathways")
    assert result.code == 0, result
    assert credentials_of(site, "junior-developer", EMAIL) == []


def test_verify_accepts_a_clr_and_says_what_it_checked(issuer_site: IssuerSite) -> None:
    pathway, path = awarded(issuer_site)
    out = issuer_site.root / "built"
    assert issuer_site.run("build", "--site-dir", out).code == 0
    published = out / "c" / slug(pathway) / "clr.json"
    for given in (path, published):
        result = issuer_site.run("verify", given)
        assert result.code == 0, result
        assert "CLR 2.0 schema, both proofs" in result.out, result
        assert "each of its 4 credentials" in result.out
    # Checked by default with every credential, as the build does.
    everything = issuer_site.run("verify")
    assert everything.code == 0 and "5 of 5 credential(s) verified" in everything.err, everything
    # A revoked part is a state of the record, as for a credential; --strict fails on it.
    part = pathway["evidence"][0]["id"]
    assert issuer_site.run("revoke", part, "--reason", "copied").code == 0
    revoked = issuer_site.run("verify", path)
    assert revoked.code == 0, revoked
    line = f"credentialSubject.verifiableCredential[1]: revoked ({part})"
    assert line in revoked.out, revoked
    assert issuer_site.run("verify", "--strict", path).code == 1


def test_verify_refuses_a_tampered_clr_naming_file_and_field(issuer_site: IssuerSite) -> None:
    _, path = awarded(issuer_site)
    clr = issuer_site.load(path)
    clr["credentialSubject"]["verifiableCredential"][3]["name"] = "Git Wizardry"
    bad = issuer_site.root / "tampered.json"
    bad.write_text(json.dumps(clr), "utf-8")
    result = issuer_site.run("verify", bad)
    assert result.code == 1
    assert "tampered.json: credentialSubject.verifiableCredential[3].proof[0].proofValue: " in (
        result.err
    ), result
    assert "Traceback" not in result.err
    clr = issuer_site.load(path)
    clr["credentialSubject"]["association"] = "isParentOf"
    write_yaml(bad.with_suffix(".yaml"), clr)
    result = issuer_site.run("verify", bad.with_suffix(".yaml"))
    assert result.code == 1
    line = next(ln for ln in result.err.splitlines() if "tampered.yaml:" in ln)
    assert re.match(r"tampered\.yaml:\d+: credentialSubject\.association: ", line), line


def test_pathways_clr_makes_missing_and_outdated_clrs(issuer_site: IssuerSite) -> None:
    _, path = awarded(issuer_site)
    before = path.read_bytes()
    path.unlink()
    result = issuer_site.run("pathways", "--clr")
    assert result.code == 0, result
    assert path.read_bytes() == before  # the same files give the same CLR
    assert f"credentials/clr/{path.name}" in result.out
    again = issuer_site.run("pathways", "--clr", key=None)  # nothing to sign: no key needed
    assert again.code == 0 and "every pathway credential has an up-to-date CLR" in again.err
    path.unlink()
    keyless = issuer_site.run("pathways", "--clr", key=None)
    assert keyless.code != 0 and not path.exists(), keyless


def test_resign_after_a_key_rotation_signs_the_clrs_again(issuer_site: IssuerSite) -> None:
    pathway, path = awarded(issuer_site)
    secret = rotated(issuer_site)
    assert issuer_site.run("retire-key", "key-1").code == 0
    result = issuer_site.run("resign", key=secret)
    assert result.code == 0, result
    assert f"credentials/clr/{path.name}: CLR re-signed" in result.out, result
    clr = issuer_site.load(path)
    assert {p["verificationMethod"].rsplit("#", 1)[1] for p in clr["proof"]} == {"key-2"}
    assert clr["credentialSubject"]["verifiableCredential"][0] == issuer_site.load(
        issuer_site.credentials / f"{slug(pathway)}.yaml"
    )
    built = issuer_site.run("build", "--site-dir", issuer_site.root / "built")
    assert built.code == 0, built
