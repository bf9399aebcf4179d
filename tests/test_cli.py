"""The `credpages` command line: keygen, verify, rotate-key, and how failures look.

Most runs are in-process (``credpages.cli.main``); a few go through ``python build.py`` and the
installed console script to prove the real exit status and that no traceback is printed.
"""

from __future__ import annotations

import datetime as dt
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import (
    CONFIG_TEMPLATE,
    ISSUER_NAME,
    ISSUER_URL,
    SITE_URL,
    IssuerSite,
    MakeSite,
    git_init,
)
from credpages import __version__
from credpages.cli import verify as verify_command
from credpages.credential.keys import generate_seed, public_key_of, read_signing_key
from credpages.credential.multikey import decode_secret_key, encode_secret_key
from credpages.credential.status_list import empty_bits, encode_bits
from credpages.credential.yamlio import load_yaml
from credpages.issuer.repository import STATUS_LIST_FILE
from factories import csv_issue_args, issue_args

pytestmark = pytest.mark.usefixtures("isolated_env")

Run = Callable[..., subprocess.CompletedProcess[str]]


def issue(
    site: IssuerSite,
    *extra: str,
    name: str = "Ada Lovelace",
    email: str = "ada@example.com",
    key: str = "",
) -> Path:
    return site.issue(name, email, *extra, key=key)


def rel(site: IssuerSite, path: Path) -> str:
    return str(path.relative_to(site.root))


def line_of(path: Path, field: str) -> int:
    return load_yaml(path).line_of(field)


# ------------------------------------------------------------------------ keygen


def test_keygen_writes_a_0600_file_outside_the_work_tree(
    issuer_site: IssuerSite, isolated_env: Path
) -> None:
    """Run from inside the issuer's git repository, as the README says (fresh ~/.config)."""
    git_init(issuer_site.root)
    result = issuer_site.run("keygen", key=None)
    assert result.code == 0, result
    path = isolated_env / "credpages" / "signing-key"
    assert f"secret key written to {path} (mode 0600" in result.out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    seed = read_signing_key(path)
    assert f"public_key: {public_key_of(seed)}" in result.out
    assert encode_secret_key(seed) not in result.out + result.err  # the secret is not shown
    assert not list(issuer_site.root.rglob("signing-key*"))


def test_keygen_refuses_inside_a_git_work_tree(issuer_site: IssuerSite, tmp_path: Path) -> None:
    repo = git_init(tmp_path / "repo")
    for target in (repo / "signing-key", repo / "new" / "folder" / "signing-key"):
        result = issuer_site.run("keygen", "--out", target, key=None)
        assert result.code == 1
        assert f"{target}: refusing to write a secret key inside the git work tree" in result.err
        assert "--stdout" in result.err
        assert not target.exists()
    assert not (repo / "new").exists()


def test_keygen_stdout_prints_a_usable_secret(issuer_site: IssuerSite, isolated_env: Path) -> None:
    result = issuer_site.run("keygen", "--stdout", key=None)
    assert result.code == 0, result
    (secret,) = result.out.split()
    assert secret.startswith("z")
    seed = decode_secret_key(secret)
    public = public_key_of(seed)
    assert public.startswith("z6Mk")
    assert f"public key: {public}" in result.err
    assert "CREDPAGES_SIGNING_KEY" in result.err
    assert not (isolated_env / "credpages").exists()  # nothing written


def test_keygen_stdout_keys_differ(issuer_site: IssuerSite) -> None:
    first = issuer_site.run("keygen", "--stdout", key=None).out
    second = issuer_site.run("keygen", "--stdout", key=None).out
    assert first != second


def test_keygen_refuses_to_overwrite_without_force(
    issuer_site: IssuerSite, isolated_env: Path
) -> None:
    path = isolated_env / "credpages" / "signing-key"
    assert issuer_site.run("keygen", key=None).code == 0
    first = path.read_bytes()
    result = issuer_site.run("keygen", key=None)
    assert result.code == 1
    assert f"{path}: a key already exists here; pass --force" in result.err
    assert path.read_bytes() == first
    forced = issuer_site.run("keygen", "--force", key=None)
    assert forced.code == 0, forced
    assert path.read_bytes() != first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_keygen_out_and_use_it_as_key_file(make_site: MakeSite, tmp_path: Path) -> None:
    target = tmp_path / "keys" / "issuer.key"
    site = make_site()
    assert site.run("keygen", "--out", target, key=None).code == 0
    seed = read_signing_key(target)
    other = make_site("other", seed=seed)
    result = other.run(
        *issue_args("A", "a@example.com"),
        "--key-file",
        target,
        key=None,
    )
    assert result.code == 0, result


# ------------------------------------------------------------------------ verify


def test_verify_all_good(issuer_site: IssuerSite) -> None:
    paths = [issue(issuer_site, name=f"P{i}", email=f"p{i}@example.com") for i in range(3)]
    result = issuer_site.run("verify", "-v")
    assert result.code == 0, result
    assert result.out.splitlines() == sorted(f"{rel(issuer_site, p)}: ok" for p in paths)
    assert result.err.strip() == "3 of 3 credential(s) verified"


def test_verify_with_no_credentials(issuer_site: IssuerSite) -> None:
    result = issuer_site.run("verify")
    assert result.code == 0
    assert "no credentials under credentials" in result.err


def test_tampered_name_fails_naming_file_and_proof(issuer_site: IssuerSite) -> None:
    path = issue(issuer_site, name="Ada Lovelace")
    text = path.read_text("utf-8")
    assert text.count("  name: Ada Lovelace\n") == 1  # credentialSubject.name
    path.write_text(text.replace("  name: Ada Lovelace\n", "  name: Ada Lovelacf\n"), "utf-8")
    result = issuer_site.run("verify")
    assert result.code == 1
    shown = rel(issuer_site, path)
    line = line_of(path, "proof[0].proofValue")
    assert (
        f"{shown}:{line}: proof[0].proofValue: the eddsa-rdfc-2022 signature does not match"
        in result.err
    ), result
    assert "0 of 1 credential(s) verified" in result.err
    assert issuer_site.run("verify", path).code == 1


def test_tampered_jcs_proof_alone_is_caught(issuer_site: IssuerSite) -> None:
    """Every proof must verify, not just one of them."""
    path = issue(issuer_site)
    doc = issuer_site.load(path)
    jcs_value = doc["proof"][1]["proofValue"]
    rdfc_value = doc["proof"][0]["proofValue"]
    path.write_text(path.read_text("utf-8").replace(jcs_value, rdfc_value), "utf-8")
    result = issuer_site.run("verify", path)
    assert result.code == 1
    assert "proof[1].proofValue: the eddsa-jcs-2022 signature does not match" in result.err


def test_signed_by_a_key_outside_the_keyring(make_site: MakeSite) -> None:
    site = make_site()
    issue(site, name="Ada", email="ada@example.com")
    impostor = make_site("impostor")  # same site_url and key id, another key
    forged = issue(impostor, name="Mallory", email="m@example.com")
    copied = site.credentials / forged.name
    copied.write_bytes(forged.read_bytes())
    result = site.run("verify")
    assert result.code == 1
    assert f"{rel(site, copied)}:" in result.err
    assert (
        "signature does not match: the credential was changed after signing, or signed by "
        "another key" in result.err
    )
    assert "1 of 2 credential(s) verified" in result.err


def test_signed_by_a_key_id_missing_from_the_keyring(make_site: MakeSite) -> None:
    site = make_site()
    other = make_site("other")
    other.config.write_text(other.config.read_text().replace("id: key-1", "id: key-7"))
    forged = issue(other)
    copied = site.credentials / forged.name
    copied.write_bytes(forged.read_bytes())
    result = site.run("verify", copied)
    assert result.code == 1
    assert (
        f"{rel(site, copied)}:{line_of(copied, 'proof')}: proof: signed by {site.settings.did}"
        "#key-7, which is not in the keyring in mkdocs.yml" in result.err
    ), result


def test_credential_of_another_issuer(make_site: MakeSite) -> None:
    site = make_site()
    other = make_site("other", site_url="https://other.test/")
    foreign = issue(other)
    copied = site.credentials / foreign.name
    copied.write_bytes(foreign.read_bytes())
    result = site.run("verify", copied)
    assert result.code == 1
    assert (
        "issuer.id: issued by did:web:other.test, but this site's issuer is "
        "did:web:example.test:awards" in result.err
    )


def test_retired_key_fails_with_advice(issuer_site: IssuerSite) -> None:
    path = issue(issuer_site)
    assert issuer_site.run("rotate-key", "--stdout").code == 0
    text = issuer_site.config.read_text()
    issuer_site.config.write_text(
        text.replace(
            'active_from: "2026-01-01"', 'active_from: "2026-01-01"\n          retired: true'
        )
    )
    result = issuer_site.run("verify", path)
    assert result.code == 1
    assert "signed by the retired key 'key-1'" in result.err


def test_retiring_the_old_key_after_rotation_keeps_the_issuer_working(
    issuer_site: IssuerSite,
) -> None:
    issue(issuer_site, name="Old", email="old@example.com")
    new_secret = issuer_site.run("rotate-key", "--stdout").out.strip()
    text = issuer_site.config.read_text()
    issuer_site.config.write_text(
        text.replace(
            'active_from: "2026-01-01"', 'active_from: "2026-01-01"\n          retired: true'
        )
    )
    result = issuer_site.run(
        *issue_args("New", "new@example.com"),
        key=new_secret,
    )
    assert result.code == 0, result


def test_revoked_is_a_state_with_the_reason_and_strict_fails(issuer_site: IssuerSite) -> None:
    keep = issue(issuer_site, name="Bob", email="bob@example.com")
    path = issue(issuer_site)
    assert issuer_site.run("revoke", path.stem, "--reason", "plagiarised project").code == 0
    listed = (
        f"{rel(issuer_site, path)}:{line_of(path, 'credentialStatus')}: credentialStatus: "
        "revoked (plagiarised project)"
    )
    result = issuer_site.run("verify")
    assert result.code == 0, result
    assert result.out.splitlines() == [listed]
    assert result.err.strip() == "2 of 2 credential(s) verified; 1 revoked"
    strict = issuer_site.run("verify", "--strict")
    assert strict.code == 1, strict
    assert listed in strict.err and rel(issuer_site, keep) not in strict.err
    assert "1 of 2 credential(s) verified; 1 revoked" in strict.err


@pytest.mark.parametrize(
    ("dates", "field", "state"),
    [
        (("--issued", "2020-01-01", "--expires", "2021-01-01"), "validUntil", "expired"),
        (("--issued", "2099-01-01"), "validFrom", "not-yet-valid"),
    ],
)
def test_expired_and_not_yet_valid_are_states_and_strict_fails(
    issuer_site: IssuerSite, dates: tuple[str, ...], field: str, state: str
) -> None:
    path = issue(issuer_site, *dates)
    listed = f"{rel(issuer_site, path)}:{line_of(path, field)}: {field}: {state}"
    result = issuer_site.run("verify")
    assert result.code == 0 and result.out.strip() == listed, result
    strict = issuer_site.run("verify", "--strict")
    assert strict.code == 1 and listed in strict.err, strict


def test_unsigned_file_says_run_sign(issuer_site: IssuerSite) -> None:
    draft = issuer_site.credentials / "draft.yaml"
    draft.write_text("achievement: python-basics\nname: Ada\nemail: ada@example.com\n")
    result = issuer_site.run("verify")
    assert result.code == 1
    assert "credentials/draft.yaml:1: proof: unsigned: run `credpages sign FILE`" in result.err
    signed = issuer_site.run("sign", draft)
    assert signed.code == 0, signed
    assert issuer_site.run("verify").code == 0


def test_unsigned_full_credential_can_be_signed(issuer_site: IssuerSite) -> None:
    """A hand-edited credential whose proof was removed is re-signed by `sign`."""
    path = issue(issuer_site)
    lines = path.read_text("utf-8").split("proof:\n")[0]
    path.write_text(lines, "utf-8")
    assert "unsigned" in issuer_site.run("verify", path).err
    assert issuer_site.run("sign", path).code == 0
    assert issuer_site.run("verify", path).code == 0


HOSTILE = {
    "binary.yaml": b"\x00\x01\x02\xff\xfe binary",
    "latin1.yaml": "name: Jos\xe9\n".encode("latin-1"),
    "list.yaml": b"- just\n- a list\n",
    "empty.yaml": b"",
    "laughs.yaml": (
        b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    ),
    "python.yaml": b"x: !!python/object/apply:os.system ['echo pwned']\n",
    "deep.yaml": b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "dupkeys.yaml": b"id: a\nid: b\n",
    "notyaml.yaml": b"{{{{ this is: not: yaml ]]]\n",
    "fake.yaml": (
        b'"@context": [https://www.w3.org/ns/credentials/v2]\n'
        b"type: [VerifiableCredential]\nproof: {}\n"
    ),
    "badtypes.yaml": (b'"@context": 5\nproof: [1, 2]\ncredentialSubject: "x"\n'),
}


def test_hostile_files_are_reported_not_crashed(issuer_site: IssuerSite) -> None:
    good = issue(issuer_site)
    for name, content in HOSTILE.items():
        (issuer_site.credentials / name).write_bytes(content)
    big = issuer_site.credentials / "huge.yaml"
    big.write_bytes(b"name: " + b"x" * (5 * 1024 * 1024) + b"\n")
    (issuer_site.credentials / "folder.yaml").mkdir()  # not a file: not a credential either
    result = issuer_site.run("verify")
    assert result.code == 1
    for name in [*HOSTILE, "huge.yaml"]:
        assert f"credentials/{name}:" in result.err, (name, result)
    assert rel(issuer_site, good) not in result.err
    total = len(HOSTILE) + 2
    assert f"1 of {total} credential(s) verified" in result.err
    assert "pwned" not in result.out
    for line in result.err.strip().splitlines()[:-1]:  # one line per problem, each located
        assert "credentials/" in line.split(": ", 1)[0], line


def test_verify_explicit_paths(issuer_site: IssuerSite) -> None:
    path = issue(issuer_site)
    result = issuer_site.run("verify", path, "credentials/nope.yaml", issuer_site.root)
    assert result.code == 1
    assert "credentials/nope.yaml: file not found" in result.err
    assert "not a regular file" in result.err
    assert "1 of 3 credential(s) verified" in result.err


def test_tampered_status_list_stops_verify(issuer_site: IssuerSite) -> None:
    """Swapping in an all-zero list (to "un-revoke" everything) breaks the list's signature."""
    path = issue(issuer_site)
    assert issuer_site.run("revoke", path.stem, "--reason", "x").code == 0
    status = issuer_site.credentials / STATUS_LIST_FILE
    encoded = load_yaml(status).data["credentialSubject"]["encodedList"]
    assert encoded != encode_bits(empty_bits())
    status.write_text(status.read_text("utf-8").replace(encoded, encode_bits(empty_bits())))
    result = issuer_site.run("verify")
    assert result.code == 1
    assert "status/revocation-list.yaml" in result.err
    assert "signature does not match" in result.err


# ------------------------------------------------------------------------ rotate-key

ROTATE_CONFIG = """\
# Test issuer. Comments and layout must survive `credpages rotate-key`.
site_name: Test Awards
site_url: {site_url}   # did:web comes from this
theme:
  name: material
  features: [navigation.instant]

plugins:
  - search
  - credpages:
      issuer:
        name: {issuer_name}   # shown on every page
        url: {issuer_url}
      keyring:
        # public keys only; the secret lives in CI
        - id: key-1
          public_key: {public_key}
          active_from: "2026-01-01"   # first key

        # older keys stay listed so their credentials keep verifying
      page_prefix: c
      indexable: false
  - tags

extra:
  analytics: {{provider: none}}   # trailing comment
"""


def rotate_site(make_site: MakeSite) -> IssuerSite:
    text = ROTATE_CONFIG.format(
        site_url=SITE_URL,
        issuer_name=ISSUER_NAME,
        issuer_url=ISSUER_URL,
        public_key="{public_key}",
    )
    return make_site(config_text=text)


def test_rotate_key_keeps_mkdocs_yml_byte_for_byte(make_site: MakeSite) -> None:
    site = rotate_site(make_site)
    issue(site, name="Old Key", email="old@example.com")
    before = site.config.read_bytes()
    result = site.run("rotate-key", "--stdout")
    assert result.code == 0, result
    (secret,) = result.out.split()
    public = public_key_of(decode_secret_key(secret))
    assert f"added key-2 ({public}) to the keyring in mkdocs.yml" in result.err
    after = site.config.read_bytes()
    today = dt.date.today().isoformat()
    block = (
        f'        - id: key-2\n          public_key: {public}\n          active_from: "{today}"\n'
    ).encode()
    anchor = b'          active_from: "2026-01-01"   # first key\n'
    assert after == before.replace(anchor, anchor + block)
    keyring = site.settings.keyring
    assert [(k.id, k.public_key, k.active_from) for k in keyring][1] == ("key-2", public, today)
    assert site.settings.page_prefix == "c"


def test_new_key_signs_new_credentials_and_old_ones_still_verify(make_site: MakeSite) -> None:
    site = rotate_site(make_site)
    old = issue(site, name="Old Key", email="old@example.com")
    result = site.run("rotate-key", "--stdout")
    (new_secret,) = result.out.split()
    new = issue(site, name="New Key", email="new@example.com", key=new_secret)
    assert {p["verificationMethod"] for p in site.load(new)["proof"]} == {
        "did:web:example.test:awards#key-2"
    }
    assert site.load(old)["proof"][0]["verificationMethod"].endswith("#key-1")
    assert site.run("revoke", old.stem, "--reason", "test", key=new_secret).code == 0
    result = site.run("verify", new, key=new_secret)
    assert result.code == 0, result
    both = site.run("verify", key=new_secret)
    assert both.code == 0, both  # the old one is revoked (a state), not forged
    assert "2 of 2 credential(s) verified; 1 revoked" in both.err
    assert "revoked (test)" in both.out


def test_rotate_key_with_the_fixture_layout(issuer_site: IssuerSite) -> None:
    """The keyring is the last thing in the file."""
    before = issuer_site.config.read_text()
    assert issuer_site.run("rotate-key", "--stdout").code == 0
    after = issuer_site.config.read_text()
    assert after.startswith(before)
    assert [k.id for k in issuer_site.settings.keyring] == ["key-1", "key-2"]


def test_rotate_key_default_writes_a_dated_secret_file(
    issuer_site: IssuerSite, isolated_env: Path
) -> None:
    result = issuer_site.run("rotate-key")
    assert result.code == 0, result
    path = isolated_env / "credpages" / f"signing-key-{dt.date.today().isoformat()}"
    assert f"new secret key written to {path}" in result.err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    public = public_key_of(read_signing_key(path))
    assert issuer_site.settings.keyring[1].public_key == public
    again = issuer_site.run("rotate-key")
    assert again.code == 1
    assert "a key already exists here" in again.err
    assert len(issuer_site.settings.keyring) == 2


def test_rotate_key_with_an_existing_public_key(issuer_site: IssuerSite) -> None:
    public = public_key_of(generate_seed())
    result = issuer_site.run("rotate-key", "--public-key", public)
    assert result.code == 0, result
    assert result.out == ""
    assert issuer_site.settings.keyring[1].public_key == public
    third = issuer_site.run("rotate-key", "--public-key", public_key_of(generate_seed()))
    assert third.code == 0
    assert [k.id for k in issuer_site.settings.keyring] == ["key-1", "key-2", "key-3"]


@pytest.mark.parametrize("bad", ["z6MkTypo", "already", "demo"])
def test_rotate_key_refuses_a_bad_public_key_and_leaves_the_file(
    issuer_site: IssuerSite, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    """Regression: the key was written first and checked after, leaving mkdocs.yml broken."""
    if bad == "already":
        bad = issuer_site.public_key
    elif bad == "demo":
        bad = public_key_of(generate_seed())
        monkeypatch.setattr("credpages.config.DEMO_PUBLIC_KEY", bad)
    before = issuer_site.config.read_bytes()
    result = issuer_site.run("rotate-key", "--public-key", bad)
    assert result.code == 1
    assert issuer_site.config.read_bytes() == before
    assert issuer_site.settings.keyring[0].id == "key-1"


def test_rotate_key_with_a_flow_style_keyring(make_site: MakeSite) -> None:
    text = CONFIG_TEMPLATE.replace(
        "      keyring:\n        - id: key-1\n          public_key: {public_key}\n"
        '          active_from: "2026-01-01"\n',
        '      keyring: [{{id: key-1, public_key: {public_key}, active_from: "2026-01-01"}}]\n',
    ).format(
        site_url=SITE_URL,
        issuer_name=ISSUER_NAME,
        issuer_url=ISSUER_URL,
        public_key="{public_key}",
        extra="",
    )
    site = make_site(config_text=text)
    before = site.config.read_bytes()
    result = site.run("rotate-key", "--public-key", public_key_of(generate_seed()))
    assert result.code == 1
    assert "add the key by hand" in result.err
    assert site.config.read_bytes() == before


# ------------------------------------------------------------------------ general behaviour


def test_version_and_help(issuer_site: IssuerSite) -> None:
    result = issuer_site.run("--version")
    assert result.code == 0 and result.out.strip() == f"credpages {__version__}"
    helped = issuer_site.run("--help")
    assert helped.code == 0
    for command in ("keygen", "issue", "sign", "verify", "revoke", "reissue", "rotate-key"):
        assert command in helped.out


def test_usage_errors_exit_2(issuer_site: IssuerSite) -> None:
    assert issuer_site.run().code == 2
    unknown = issuer_site.run("frobnicate")
    assert unknown.code == 2 and "invalid choice" in unknown.err


def test_internal_error_is_one_line(
    issuer_site: IssuerSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue(issuer_site)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(verify_command, "verify_document", boom)
    result = issuer_site.run("verify")
    assert result.code == 3
    assert result.err.strip() == (
        "credpages: internal error: RuntimeError: boom (set CREDPAGES_DEBUG=1 for details)"
    )


def test_os_errors_are_one_line(issuer_site: IssuerSite) -> None:
    blocked = issuer_site.credentials / "achievements" / "python-basics.yaml" / "out.csv"
    result = issuer_site.run(
        *issue_args("A", "a@example.com"),
        "--out",
        blocked,
    )
    assert result.code == 1
    assert result.err.startswith("credpages: error: ")
    assert len(result.err.strip().splitlines()) == 1


# ------------------------------------------------------------------------ real processes


def test_build_py_exit_codes_and_no_traceback(issuer_site: IssuerSite, run_process: Run) -> None:
    ok = run_process(
        issuer_site,
        *issue_args("Ada", "ada@example.com"),
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("name,email,page_url,linkedin_add_to_profile,status\n")
    verified = run_process(issuer_site, "verify")
    assert verified.returncode == 0, verified.stderr

    (path,) = issuer_site.credential_files()
    path.write_text(path.read_text("utf-8").replace("name: Ada\n", "name: Eve\n"), "utf-8")
    failed = run_process(issuer_site, "verify")
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert f"credentials/{path.name}:" in failed.stderr and "proof[0].proofValue" in failed.stderr

    usage = run_process(issuer_site, "issue", "--bogus")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_console_script_failures(issuer_site: IssuerSite, run_process: Run, tmp_path: Path) -> None:
    repo = git_init(tmp_path / "repo")
    refused = run_process(issuer_site, "keygen", "--out", repo / "k", via="script")
    assert refused.returncode == 1
    assert "refusing to write a secret key inside the git work tree" in refused.stderr
    assert "Traceback" not in refused.stderr
    no_config = run_process(None, "verify", via="script", cwd=tmp_path)
    assert no_config.returncode == 1
    assert no_config.stderr.strip() == (
        "credpages: error: mkdocs.yml: not found: run credpages in the folder that holds "
        "mkdocs.yml, or pass --config"
    )
    bad_row = issuer_site.root / "bad.csv"
    bad_row.write_text("name,email\nAda,ada@example.com\nBob,bob-at-example\n", "utf-8")
    failed = run_process(issuer_site, *csv_issue_args("bad.csv"), via="script")
    assert failed.returncode == 1
    assert failed.stderr.strip() == (
        "credpages: error: bad.csv:3: email: is not an e-mail address: 'bob-at-example'"
    )
    assert not list(issuer_site.credentials.glob("*.yaml"))
