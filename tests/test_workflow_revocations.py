"""Issue 9, item 2, in the workflows: the pull-request check compares the revocation list with
the base branch's, and the Pages build with the list deployed now.

The steps run as written, in a fresh clone of this repository (the demo site), through the
harness of ``test_workflows``; the deployed site is a local HTTP server.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from credpages.cli.site_config import load_settings
from credpages.config import Settings
from credpages.credential.multikey import decode_secret_key
from credpages.credential.status_list import is_set, status_index
from credpages.credential.yamlio import load_yaml, write_yaml
from credpages.issuer.revocation import load_ledger, load_status_bits, write_status_bits
from credpages.issuer.signing import Signer
from credpages.site.publish import credential_json
from test_workflows import (
    REPO,
    StepRun,
    clone,
    git,
    load_workflow,
    pull_request,
    run_step,
    step,
)

pytestmark = pytest.mark.usefixtures("isolated_env")

LIST = "credentials/status/revocation-list.yaml"
DEMO_SEED = decode_secret_key((REPO / "demo" / "DEMO-SIGNING-KEY-PUBLIC.txt").read_text().strip())


def slugs_by_index(settings: Settings) -> dict[int, str]:
    out = {}
    for path in settings.credentials_dir.glob("*.yaml"):
        index = status_index(load_yaml(path).data)
        if index is not None:
            out[index] = path.stem
    return out


def revoked_and_valid(settings: Settings) -> tuple[tuple[int, str], tuple[int, str]]:
    """One credential of the demo that is revoked and one that is not: (index, slug) each."""
    bits = load_status_bits(settings)
    assert bits is not None
    found = sorted(slugs_by_index(settings).items())
    revoked = next(item for item in found if is_set(bits, item[0]))
    valid = next(item for item in found if not is_set(bits, item[0]))
    return revoked, valid


def sign_list(settings: Settings, *, clear: int | None = None, add: int | None = None) -> None:
    """Re-sign the site's list with the (public) demo key, one bit cleared or added."""
    bits = load_status_bits(settings)
    assert bits is not None
    if clear is not None:
        bits[clear >> 3] &= ~(0x80 >> (clear & 7))
    if add is not None:
        bits[add >> 3] |= 0x80 >> (add & 7)
    write_status_bits(settings, Signer(settings, DEMO_SEED), bits)


# ------------------------------------------------------------------ structure


def test_the_pull_request_check_compares_with_the_base_branch() -> None:
    found = step("verify-pr.yml", "verify", "revocations")
    assert found["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert "credpages status-check --previous" in found["run"]
    assert "steps.verify.outcome" in found["if"]  # runs even when the verify step failed
    assert load_workflow("verify-pr.yml")["on"]["pull_request"]["paths"] == ["credentials/**"]


def test_the_pages_build_compares_with_the_deployed_list_before_building() -> None:
    names = [s.get("id") for s in load_workflow("pages.yml")["jobs"]["build"]["steps"]]
    assert names.index("pages") < names.index("revocations") < names.index("build")
    found = step("pages.yml", "build", "revocations")
    assert found["env"]["PAGES_BASE_URL"] == "${{ steps.pages.outputs.base_url }}"


# ------------------------------------------------------------------ the pull-request check


def test_a_pull_request_that_clears_a_revoked_bit_fails(tmp_path: Path) -> None:
    work, values = pull_request(tmp_path)
    settings = load_settings(work / "mkdocs.yml")
    (index, slug), _ = revoked_and_valid(settings)
    sign_list(settings, clear=index)  # a validly signed list without the revocation
    ledger = load_yaml(settings.credentials_dir / "status" / "revocations.yaml").data
    ledger["revocations"] = [e for e in ledger["revocations"] if f"/{slug}/" not in e["credential"]]
    write_yaml(settings.credentials_dir / "status" / "revocations.yaml", ledger)
    git(work, "commit", "--quiet", "-am", "Put an older list back")
    result = run_step("verify-pr.yml", "verify", "revocations", work, tmp_path, values)
    assert result.code == 1, result
    assert (
        f"index {index} ({slug}) is revoked in the previous list (the base branch's {LIST}) "
        "but not in this one" in result.err
    )
    assert slug in result.summary


def test_a_pull_request_that_adds_a_revocation_passes(tmp_path: Path) -> None:
    work, values = pull_request(tmp_path)
    settings = load_settings(work / "mkdocs.yml")
    _, (index, _) = revoked_and_valid(settings)
    before = sum(1 for i in slugs_by_index(settings) if i != index and _revoked(settings, i))
    sign_list(settings, add=index)
    git(work, "commit", "--quiet", "-am", "Revoke one more")
    result = run_step("verify-pr.yml", "verify", "revocations", work, tmp_path, values)
    assert result.code == 0, result
    assert f"no revocation undone ({before} revoked in the base branch's {LIST}" in result.out


def _revoked(settings: Settings, index: int) -> bool:
    bits = load_status_bits(settings)
    return bits is not None and is_set(bits, index)


def test_a_pull_request_against_a_base_without_a_list_is_checked_alone(tmp_path: Path) -> None:
    work, values = pull_request(tmp_path)
    empty_tree = git(work, "hash-object", "-t", "tree", "/dev/null")
    values["${{ github.event.pull_request.base.sha }}"] = git(
        work, "commit-tree", empty_tree, "-m", "A repository before its first award"
    )
    result = run_step("verify-pr.yml", "verify", "revocations", work, tmp_path, values)
    assert result.code == 0, result
    assert f"The base branch has no {LIST}: nothing to compare with." in result.out
    assert "every revocation in the ledger is set" in result.out
    assert len(load_ledger(load_settings(work / "mkdocs.yml"))) >= 1


# ------------------------------------------------------------------ the Pages build


class Deployed:
    """A stand-in for the deployed site: answers /status/revocation.json as told."""

    def __init__(self) -> None:
        self.status = 404
        self.body = b""
        deployed = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = self.path == "/awards/status/revocation.json"
                status = deployed.status if found else 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(deployed.body if status == 200 else b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/awards"


@pytest.fixture
def deployed() -> Iterator[Deployed]:
    site = Deployed()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


def pages_step(work: Path, tmp: Path, base_url: str) -> StepRun:
    values = {"${{ steps.pages.outputs.base_url }}": base_url}
    return run_step("pages.yml", "build", "revocations", work, tmp, values)


def test_pages_build_fails_when_the_deployed_list_revokes_more(
    tmp_path: Path, deployed: Deployed
) -> None:
    work = clone(tmp_path / "clone")
    settings = load_settings(work / "mkdocs.yml")
    _, (index, slug) = revoked_and_valid(settings)
    current = (work / LIST).read_bytes()
    sign_list(settings, add=index)  # what a later revocation deployed...
    deployed.status, deployed.body = 200, credential_json(load_yaml(work / LIST).data).encode()
    (work / LIST).write_bytes(current)  # ...and the commit being built lacks
    result = pages_step(work, tmp_path, deployed.url)
    assert result.code == 1, result
    url = f"{deployed.url}/status/revocation.json"
    assert (
        f"index {index} ({slug}) is revoked in the previous list (the list deployed at {url}) "
        "but not in this one" in result.err
    )


def test_pages_build_passes_the_deployed_list_itself(tmp_path: Path, deployed: Deployed) -> None:
    work = clone(tmp_path / "clone")
    deployed.status = 200
    deployed.body = credential_json(load_yaml(work / LIST).data).encode()
    result = pages_step(work, tmp_path, deployed.url + "/")
    assert result.code == 0, result
    assert "no revocation undone" in result.out


def test_pages_first_deploy_has_nothing_to_compare(tmp_path: Path, deployed: Deployed) -> None:
    work = clone(tmp_path / "clone")
    result = pages_step(work, tmp_path, deployed.url)
    assert result.code == 0, result
    assert "yet (first deploy): nothing to compare with." in result.out


@pytest.mark.parametrize("status", [500, 403])
def test_pages_build_stops_when_the_deployed_list_cannot_be_read(
    tmp_path: Path, deployed: Deployed, status: int
) -> None:
    work = clone(tmp_path / "clone")
    deployed.status = status
    result = pages_step(work, tmp_path, deployed.url)
    assert result.code == 1, result
    assert f"answered HTTP {status}" in result.out and "::error" in result.out


def test_pages_build_stops_when_the_site_cannot_be_reached(tmp_path: Path) -> None:
    work = clone(tmp_path / "clone")
    result = pages_step(work, tmp_path, "http://127.0.0.1:9/awards")  # nothing listens there
    assert result.code == 1, result
    assert "could not be fetched" in result.out
