"""A site started from a copy of this repository still holding the demo's credentials: each is
reported as signed by the public demo key, with what to do, not as a bare bad signature."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO, IssuerSite, MakeSite

DEMO_CREDENTIAL = sorted((REPO / "credentials").glob("python-basics-*.yaml"))[0]
DEMO_STATUS_LIST = REPO / "credentials" / "status" / "revocation-list.yaml"
DEMO_SAYS = "signed by the public demo key (demo/DEMO-SIGNING-KEY-PUBLIC.txt"


def with_demo_files(site: IssuerSite) -> Path:
    site.status.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEMO_STATUS_LIST, site.status / DEMO_STATUS_LIST.name)
    return Path(shutil.copy(DEMO_CREDENTIAL, site.credentials / DEMO_CREDENTIAL.name))


@pytest.mark.parametrize(
    "site_url",
    ["http://127.0.0.1:8000/", "https://example.test/awards/"],
    ids=["demo site_url kept, own key", "own site_url and key"],
)
def test_leftover_demo_files_say_they_are_the_demos(make_site: MakeSite, site_url: str) -> None:
    site = make_site(site_url=site_url)
    with_demo_files(site)
    result = site.run("verify")
    assert result.code == 1
    assert f"credentials/{DEMO_CREDENTIAL.name}:" in result.err
    credential_line = next(x for x in result.err.splitlines() if DEMO_CREDENTIAL.name in x)
    assert DEMO_SAYS in credential_line and "credpages issue" in credential_line
    list_line = next(x for x in result.err.splitlines() if "revocation-list.yaml" in x)
    assert DEMO_SAYS in list_line and "credpages revoke" in list_line
    assert "signature does not match" not in result.err


def test_an_altered_demo_credential_is_not_called_the_demos(make_site: MakeSite) -> None:
    site = make_site(site_url="http://127.0.0.1:8000/")
    path = with_demo_files(site)
    text = path.read_text(encoding="utf-8")
    name = next(x for x in text.splitlines() if x.startswith("  name: "))
    path.write_text(text.replace(name, "  name: Someone Else", 1), encoding="utf-8")
    result = site.run("verify", path)
    assert result.code == 1
    line = next(x for x in result.err.splitlines() if path.name in x)
    assert "signature does not match" in line and "demo key" not in line
