"""tlog.js in Chromium, on a site built by `credpages build`: the credential page and /verify/ show
"Entry N in <issuer>'s public issuance log since <date>" only after checking the checkpoint's
signature and the inclusion proof from the tiles. A removed leaf, reordered leaves, a forked
tree, a backdated entry, a bad checkpoint signature and altered tiles are each reported; the
verdict (signature, status, validity) stays what it is: the log is a separate line."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey

from credpages.credential.proofs import jcs_bytes
from credpages.issuer.issuance_log import Entry, LogCheck, log_origin, parse_log
from credpages.site.log_files import write_log
from credpages.tlog import merkle
from credpages.tlog.checkpoint import Checkpoint
from credpages.tlog.note import sign_note

from .fixtures import multikey, write
from .helpers import panel

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("isolated_env")]

NAMES = ("Ada Lovelace", "Grace Hopper", "Alan Turing")


class Built:
    def __init__(self, site: Any, out: Path, url: str) -> None:
        self.site, self.out, self.url = site, out, url
        log = parse_log((site.credentials / "log" / "log.txt").read_text(encoding="utf-8"), "log")
        self.entries = log.entries

    def slug(self, i: int) -> str:
        return self.entries[i].id.rstrip("/").rsplit("/", 1)[1]

    def publish(self, entries: list[Entry]) -> None:
        """Replace the published log by one over ``entries``, signed with the issuer's key (the
        pages keep the hints the build gave them: ``<meta name="cp:log-entry">``)."""
        tree = merkle.Tree([merkle.leaf_hash(e.data) for e in entries])
        origin = log_origin(self.url)
        key = SigningKey(self.site.seed)
        note = sign_note(
            Checkpoint(origin, tree.size, tree.root()).text(),
            origin,
            bytes(key.verify_key),
            lambda m: key.sign(m).signature,
        )
        shutil.rmtree(self.out / "log")
        write_log(
            lambda rel, data: write(self.out / rel, data),
            LogCheck(entries, tree, Checkpoint(origin, tree.size, tree.root()), note),
        )


@pytest.fixture
def built(make_site: Callable[..., Any], server: Any, request: pytest.FixtureRequest) -> Built:
    name = "log-" + request.node.name.replace("[", "-").replace("]", "").lower()[:40]
    url = f"{server.url}{name}/"
    site = make_site(name, site_url=url)
    for person in NAMES:
        email = person.lower().replace(" ", ".") + "@example.org"
        result = site.run(
            "issue", "--achievement", "python-basics", "--name", person, "--email", email
        )
        assert result.code == 0, result
    out = Path(server.root) / name
    result = site.run("build", "--site-dir", out)
    assert result.code == 0, result
    server.install_assets(out)
    return Built(site, out, url)


def log_line(page: Any) -> dict[str, str]:
    page.wait_for_function(
        "() => { const p = document.querySelector('[data-cp-log]');"
        " return p && p.dataset.state && p.dataset.state !== 'none'; }",
        timeout=15_000,
    )
    return page.evaluate(
        "() => { const p = document.querySelector('[data-cp-log]');"
        " return {state: p.dataset.state, text: p.textContent, hidden: String(p.hidden)}; }"
    )


def test_a_logged_credential_shows_its_entry(page: Any, built: Built) -> None:
    page.goto(f"{built.url}c/{built.slug(1)}/")
    line = log_line(page)
    host = built.url.removeprefix("http://").rstrip("/")
    date = built.entries[1].date
    assert line == {
        "state": "ok",
        "text": f"Entry 1 in {host}'s public issuance log since {date} "
        "(inclusion proof and log signature checked).",
        "hidden": "false",
    }
    assert panel(page)["verdict"] == "verified"


def test_the_log_waits_for_the_verdict_and_reuses_its_did_document(page: Any, built: Built) -> None:
    """The log check starts once the verdict is shown, so it does not compete with the
    verification for the network, and it finds the log through the DID document the verifier
    already fetched and checked: the page downloads that document once."""
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{built.url}c/{built.slug(1)}/")
    assert log_line(page)["state"] == "ok"
    assert panel(page)["verdict"] == "verified"
    assert requested.count(f"{built.url}did.json") == 1, requested
    verdict_ms, checkpoint_ms = page.evaluate(
        "() => [window.cpVerifyMs, performance.getEntriesByType('resource')"
        ".find((e) => e.name.endsWith('/log/checkpoint')).startTime]"
    )
    assert checkpoint_ms >= verdict_ms


def test_a_removed_leaf_leaves_the_credential_unlogged_with_a_warning(
    page: Any, built: Built
) -> None:
    built.publish([built.entries[0], built.entries[2]])  # re-signed without leaf 1
    page.goto(f"{built.url}c/{built.slug(1)}/")  # its page's hint still says entry 1
    line = log_line(page)
    assert line["state"] == "missing" and "is not in the public issuance log" in line["text"], line
    # documented: the signature is still the issuer's, so the verdict stands beside the warning
    assert panel(page)["verdict"] == "verified"


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda e: e[:2], "the log shrank since this browser last checked it (3 entries, now 2)"),
        (lambda e: [e[1], e[0], e[2]], "the log was rewritten since this browser last checked it"),
        (
            lambda e: [e[0], e[1], Entry(e[2].date, "0" * 64, e[2].id)],
            "the log was rewritten since this browser last checked it",
        ),
    ],
    ids=["removed", "reordered", "forked"],
)
def test_a_log_rewritten_between_two_visits_is_caught(
    page: Any, built: Built, tamper: Callable[[list[Entry]], list[Entry]], message: str
) -> None:
    page.goto(f"{built.url}c/{built.slug(0)}/")
    assert log_line(page)["state"] == "ok"
    built.publish(tamper(built.entries))
    page.goto(f"{built.url}c/{built.slug(0)}/")
    line = log_line(page)
    assert line["state"] == "fail" and message in line["text"], line


def test_a_backdated_entry_is_caught(page: Any, built: Built) -> None:
    built.publish([Entry("2020-01-01", e.sha256, e.id) for e in built.entries])
    page.goto(f"{built.url}c/{built.slug(2)}/")
    line = log_line(page)
    assert line["state"] == "fail", line
    assert (
        "backdated entry: entry 2 is dated 2020-01-01, before the credential was signed"
        in line["text"]
    )


def test_a_bad_checkpoint_signature_is_caught(page: Any, built: Built) -> None:
    checkpoint = built.out / "log" / "checkpoint"
    text = checkpoint.read_text(encoding="utf-8")
    checkpoint.write_text(text.replace("\n3\n", "\n2\n"), encoding="utf-8")  # signed text altered
    page.goto(f"{built.url}c/{built.slug(0)}/")
    line = log_line(page)
    assert line["state"] == "fail" and "bad checkpoint signature" in line["text"], line
    other = SigningKey.generate()  # signed by a key the DID document does not list
    origin = log_origin(built.url)
    body = text.split("\n\n")[0] + "\n"
    checkpoint.write_text(
        sign_note(body, origin, bytes(other.verify_key), lambda m: other.sign(m).signature),
        encoding="utf-8",
    )
    page.goto(f"{built.url}c/{built.slug(1)}/")
    line = log_line(page)
    assert (
        line["state"] == "fail"
        and "not signed by a key of the issuer's DID document" in line["text"]
    )


def test_an_oversized_checkpoint_is_refused(page: Any, built: Built) -> None:
    """Each file of the log is read up to its size and no further (64 KB for a checkpoint)."""
    checkpoint = built.out / "log" / "checkpoint"
    checkpoint.write_text(checkpoint.read_text(encoding="utf-8") + "x" * 70_000, encoding="utf-8")
    page.goto(f"{built.url}c/{built.slug(0)}/")
    line = log_line(page)
    assert line["state"] == "fail" and "log/checkpoint (larger than 64 KB)" in line["text"], line
    assert panel(page)["verdict"] == "verified"


def test_altered_tiles_fail_the_inclusion_proof(page: Any, built: Built) -> None:
    tile = built.out / "log" / "tile" / "0" / "000.p" / "3"
    data = bytearray(tile.read_bytes())
    data[0] ^= 1  # the leaf hash of entry 0, needed in entry 1's proof
    tile.write_bytes(bytes(data))
    page.goto(f"{built.url}c/{built.slug(1)}/")
    line = log_line(page)
    assert line["state"] == "fail" and "entry 1 is not in the signed tree" in line["text"], line


def test_the_verify_page_checks_the_log_too(page: Any, built: Built) -> None:
    credential = json.loads((built.out / "c" / built.slug(2) / "credential.json").read_text())
    page.goto(f"{built.url}verify/")
    page.eval_on_selector("#cp-paste", "(el, t) => { el.value = t; }", json.dumps(credential))
    page.click("button[value=paste]")
    assert panel(page)["verdict"] == "verified"
    line = log_line(page)
    assert line["state"] == "ok" and line["text"].startswith("Entry 2 in "), line


def test_the_verify_page_warns_of_a_credential_missing_from_the_log(
    page: Any, built: Built
) -> None:
    built.publish([built.entries[0], built.entries[2]])  # re-signed without leaf 1
    credential = json.loads((built.out / "c" / built.slug(1) / "credential.json").read_text())
    page.goto(f"{built.url}verify/")  # reads the hint from the credential's page: entry 1
    page.eval_on_selector("#cp-paste", "(el, t) => { el.value = t; }", json.dumps(credential))
    page.click("button[value=paste]")
    assert panel(page)["verdict"] == "verified"
    line = log_line(page)
    assert line["state"] == "missing" and "is not in the public issuance log" in line["text"], line


def test_the_verify_page_warns_when_the_credentials_page_is_gone(page: Any, built: Built) -> None:
    """/verify/ reads the entry from the page at the credential's id: without that page (HTTP
    404) it cannot say which entry to prove, so the credential is reported missing from the log,
    not as a failed check."""
    credential = json.loads((built.out / "c" / built.slug(1) / "credential.json").read_text())
    (built.out / "c" / built.slug(1) / "index.html").unlink()
    page.goto(f"{built.url}verify/")
    page.eval_on_selector("#cp-paste", "(el, t) => { el.value = t; }", json.dumps(credential))
    page.click("button[value=paste]")
    line = log_line(page)
    assert line["state"] == "missing" and "is not in the public issuance log" in line["text"], line


def test_entries_are_proved_across_tile_levels(page: Any, server: Any) -> None:
    """600 entries: three level-0 tiles and a level-1 tile. Entry 300's inclusion proof and the
    consistency proof from a remembered 257-entry tree take hashes from both levels; a remembered
    tree this log does not extend is a fork (also when a tile agrees with it), a larger one a
    shrunk log, and an altered level-1 hash or entry fails the inclusion proof."""
    name = "log-tiles"
    site = f"{server.url}{name}/"
    did = f"did:web:127.0.0.1%3A{server.port}:{name}"
    credential = {
        "id": f"{site}c/entry-300/",
        "issuer": did,
        "proof": [{"created": "2026-03-01T09:00:00Z"}],
    }
    entries = [
        Entry("2026-03-01", hashlib.sha256(str(i).encode()).hexdigest(), f"{site}c/entry-{i}/")
        for i in range(600)
    ]
    logged = hashlib.sha256(jcs_bytes(credential)).hexdigest()
    entries[300] = Entry("2026-03-01", logged, credential["id"])
    tree = merkle.Tree([merkle.leaf_hash(e.data) for e in entries])
    key = SigningKey.generate()
    origin = log_origin(site)
    checkpoint = Checkpoint(origin, tree.size, tree.root())
    note = sign_note(
        checkpoint.text(), origin, bytes(key.verify_key), lambda m: key.sign(m).signature
    )
    folder = Path(server.root) / name
    logs = LogCheck(entries, tree, checkpoint, note)
    write_log(lambda rel, data: write(folder / rel, data), logs)
    vm = f"{did}#key-1"
    document = {
        "id": did,
        "verificationMethod": [
            {
                "id": vm,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": multikey(bytes(key.verify_key)),
            }
        ],
        "service": [{"type": "CredpagesIssuanceLog", "serviceEndpoint": f"{site}log/"}],
    }
    write(folder / "did.json", json.dumps(document))
    page.goto(f"{server.url}blank.html")

    def check(remembered: tuple[int, bytes] | None) -> dict[str, Any]:
        seen = (
            json.dumps({"size": remembered[0], "root": base64.b64encode(remembered[1]).decode()})
            if remembered
            else None
        )
        return page.evaluate(
            """async ([credential, key, seen]) => {
                 if (seen) localStorage.setItem(key, seen); else localStorage.removeItem(key);
                 const { checkLog } = await import('./assets/credpages/tlog.js');
                 const r = await checkLog(credential, { pageOrigin: location.origin, entry: 300 });
                 const kept = JSON.parse(localStorage.getItem(key));
                 return { state: r.state, text: r.text, kept };
               }""",
            [credential, f"cp-log:{origin}", seen],
        )

    now = {"size": 600, "root": base64.b64encode(tree.root()).decode()}
    for remembered in (None, (257, tree.root(257)), (600, tree.root())):
        got = check(remembered)
        assert got["state"] == "ok" and got["text"].startswith("Entry 300 in "), (remembered, got)
        assert got["kept"] == now
    other = merkle.Tree([merkle.leaf_hash(b"other %d" % i) for i in range(257)]).root()
    got = check((257, other))
    assert got["state"] == "fail" and "the log was rewritten" in got["text"], got
    assert got["kept"]["size"] == 257  # the fork is not forgotten
    got = check((601, tree.root()))
    assert got["state"] == "fail" and "the log shrank" in got["text"], got

    def altered(rel: str, change: Callable[[bytes], bytes]) -> Callable[[], None]:
        path = folder / "log" / rel
        data = path.read_bytes()
        path.write_bytes(change(data))
        return lambda: path.write_bytes(data)

    # the hash of entries 0-255 (level 1), beside entry 300's path
    restore = altered("tile/1/000.p/2", lambda b: bytes([b[0] ^ 1]) + b[1:])
    got = check(None)
    assert got["state"] == "fail" and "entry 300 is not in the signed tree" in got["text"], got
    restore()
    # the entry itself, its tiles untouched: its leaf hash is what the proof starts from
    restore = altered(
        "tile/entries/001",
        lambda b: b.replace(b"2026-03-01 " + logged.encode(), b"2026-03-02 " + logged.encode()),
    )
    got = check(None)
    assert got["state"] == "fail" and "entry 300 is not in the signed tree" in got["text"], got
    restore()
    # A fork at leaf 256 that the level-0 tile agrees with, but not the level-1 tile nor the
    # signed root: the old root and the new one must come from the same subtree hashes.
    forked = merkle.leaf_hash(b"forked")
    restore = altered("tile/0/001", lambda b: forked + b[32:])
    got = check((257, merkle.node_hash(tree.node(8, 0), forked)))
    assert got["state"] == "fail" and "the log was rewritten" in got["text"], got
    restore()
    assert check(None)["state"] == "ok"
