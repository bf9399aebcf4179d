"""A warm build loads an unchanged credential's summary, never its document.

The ``summary`` entry of a credential is what a build keeps of it (id, name, achievement,
dates, status index, digests), stored beside its ``verify`` entry under the same key: the
SHA-256 of the file's exact bytes, the settings and keyring the checks depend on, and the code.
It saves the parse of the document; it must never decide what is published: a changed file or
setting is a miss (the file is checked as before), and an entry that is not exactly what this
issuer's builds stored is refused. Names appear on the achievement page (``list_recipients``),
so a summary that lied would show there.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from conftest import IssuerSite, MakeSite, build_logged
from credpages.bundled import TEMPLATE_DIR
from credpages.credential.yamlio import load_yaml, write_yaml
from credpages.site import collect as collect_module
from credpages.site.cache import BuildCache

NAMES = ["Ada Lovelace", "Grace Hopper", "Katherine Johnson"]
Tree = dict[str, bytes]


@pytest.fixture
def site(make_site: MakeSite) -> IssuerSite:
    issuer = make_site(extra="      list_recipients: true\n")
    issuer.issue_each(NAMES)
    return issuer


def cache_file(site: IssuerSite) -> Path:
    return site.root / ".cache" / "credpages" / "cache.sqlite"


def cold(site: IssuerSite, caplog: pytest.LogCaptureFixture) -> Tree:
    """What a cold build of the same files publishes (the cache and output put back after)."""
    cache, parked = site.root / ".cache", site.root / ".cache-parked"
    out, parked_out = site.root / "site", site.root / "site-parked"
    cache.rename(parked)
    out.rename(parked_out)
    try:
        files, _ = build_logged(site, caplog)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        parked.rename(cache)
        parked_out.rename(out)
    return files


def summary_rows(site: IssuerSite) -> list[tuple[str, bytes, bytes]]:
    with sqlite3.connect(cache_file(site)) as db:
        rows = db.execute("SELECT key, value, mac FROM entries WHERE kind = 'summary'").fetchall()
    db.close()
    return [(str(k), bytes(v), bytes(m)) for k, v, m in rows]


def set_summary(site: IssuerSite, key: str, value: bytes, mac: bytes) -> None:
    with sqlite3.connect(cache_file(site)) as db:
        db.execute(
            "UPDATE entries SET value = ?, mac = ? WHERE kind = 'summary' AND key = ?",
            (value, mac, key),
        )
    db.close()


def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The credentials the next builds check in full (each one's id)."""
    checked: list[str] = []
    original = collect_module.check_integrity

    def counting(doc: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        checked.append(str(doc.get("id")))
        return original(doc, *args, **kwargs)

    monkeypatch.setattr(collect_module, "check_integrity", counting)
    return checked


def parsed_documents(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The credentials whose document the next builds parse (from YAML or a ``verify`` entry),
    by id, and fail if one is summarised (the status list's own entry is read as before)."""
    parsed: list[str] = []
    read_entry, loads_yaml = collect_module.read_entry, collect_module.loads_yaml

    def reading_entry(value: bytes) -> Any:
        found = read_entry(value)
        if found is not None and "OpenBadgeCredential" in found[0].get("type", []):
            parsed.append(str(found[0].get("id")))
        return found

    def loading_yaml(*args: Any, **kwargs: Any) -> Any:
        loaded = loads_yaml(*args, **kwargs)
        parsed.append(str(loaded.data.get("id")))
        return loaded

    def summarize(*_: object, **__: object) -> None:
        raise AssertionError("a document was summarised although its summary was cached")

    monkeypatch.setattr(collect_module, "read_entry", reading_entry)
    monkeypatch.setattr(collect_module, "loads_yaml", loading_yaml)
    monkeypatch.setattr(collect_module, "summarize", summarize)
    return parsed


def achievement_page(files: Tree) -> str:
    return files["achievements/python-basics/index.html"].decode("utf-8")


def test_a_warm_build_reads_summaries_and_no_document(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_logged(site, caplog)
    first, _ = build_logged(site, caplog)  # compares the files the first build wrote just before
    assert len(summary_rows(site)) == len(NAMES)
    parsed = parsed_documents(monkeypatch)
    warm, warnings = build_logged(site, caplog)
    assert parsed == [] and "cache" not in warnings
    monkeypatch.undo()
    assert warm == first == cold(site, caplog)
    assert all(name in achievement_page(warm) for name in NAMES)


def test_a_changed_file_is_checked_again_not_taken_from_its_old_summary(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_logged(site, caplog)
    (path,) = [p for p in site.credential_files() if "Grace Hopper" in p.read_text()]
    document = load_yaml(path).data
    document.pop("proof")
    document["credentialSubject"]["name"] = "Grace Brewster Hopper"
    write_yaml(path, document)
    assert site.run("sign", path).code == 0
    checked = full_checks(monkeypatch)
    files, _ = build_logged(site, caplog)
    assert checked == [document["id"]]  # that one file, and only it
    page = achievement_page(files)
    assert "Grace Brewster Hopper" in page
    assert files == cold(site, caplog)


@pytest.mark.parametrize("change", ["keyring", "page_prefix"])
def test_a_changed_setting_the_checks_depend_on_checks_every_file_again(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    build_logged(site, caplog)
    if change == "keyring":  # the old key retired, a new one added: every key differs
        assert site.run("rotate-key", "--stdout").code == 0
    else:
        text = site.config.read_text()
        site.config.write_text(text + "      skip_invalid: true\n      page_prefix: awards\n")
    checked = full_checks(monkeypatch)
    files, _ = build_logged(site, caplog)
    assert len(checked) == len(NAMES)
    if change == "page_prefix":  # the credentials' ids are under c/: none is publishable now
        assert not any(name.startswith("c/") for name in files)


def test_a_template_change_renders_pages_from_the_verified_documents(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Summaries depend on no template: still used, and every page is made again from its
    document, read back from the ``verify`` entry (not parsed from YAML, not checked again)."""
    build_logged(site, caplog)
    theme = site.root / "overrides" / "credpages"
    theme.mkdir(parents=True)
    original = (TEMPLATE_DIR / "credential.html").read_text(encoding="utf-8")
    assert '<article class="cp-card">' in original
    ours = original.replace('<article class="cp-card">', '<article class="cp-card cp-ours">')
    (theme / "credential.html").write_text(ours, encoding="utf-8")
    text = site.config.read_text()
    site.config.write_text(text.replace("theme:\n", "theme:\n  custom_dir: overrides\n", 1))
    checked = full_checks(monkeypatch)
    yaml_read: list[object] = []
    loads_yaml = collect_module.loads_yaml
    monkeypatch.setattr(
        collect_module, "loads_yaml", lambda *a, **k: yaml_read.append(a) or loads_yaml(*a, **k)
    )
    files, _ = build_logged(site, caplog)
    assert checked == [] and yaml_read == []
    pages = [name for name in files if name.startswith("c/") and name.endswith("index.html")]
    assert len(pages) == len(NAMES) and all(b"cp-ours" in files[p] for p in pages)
    monkeypatch.undo()
    assert files == cold(site, caplog)


def test_an_edited_summary_is_refused_and_changes_nothing_published(
    site: IssuerSite, caplog: pytest.LogCaptureFixture
) -> None:
    reference, _ = build_logged(site, caplog)
    for key, value, mac in summary_rows(site):  # the MAC kept, the name changed
        set_summary(site, key, value.replace(b"Grace Hopper", b"Mallory Forge"), mac)
    files, warnings = build_logged(site, caplog)
    assert "ignored 1 entry" in warnings
    assert "Mallory" not in achievement_page(files) and "Grace Hopper" in achievement_page(files)
    assert files == reference == cold(site, caplog)


def test_a_summary_made_without_this_issuers_secret_is_refused(
    site: IssuerSite, caplog: pytest.LogCaptureFixture
) -> None:
    """Well formed, for the right key, authenticated with another secret (as someone who can
    write the Actions cache could make it): ignored."""
    reference, _ = build_logged(site, caplog)
    theirs = BuildCache(cache_file(site).parent, b"m" * 64)
    for key, value, _ in summary_rows(site):
        theirs.put("summary", key, value.replace(b"Ada Lovelace", b"Mallory Forger"))
    theirs.close(prune=False)
    files, warnings = build_logged(site, caplog)
    assert f"ignored {len(NAMES)} entries" in warnings
    assert "Mallory" not in achievement_page(files)
    assert files == reference


def test_another_credentials_summary_under_this_key_is_refused(
    site: IssuerSite, caplog: pytest.LogCaptureFixture
) -> None:
    reference, _ = build_logged(site, caplog)
    (_, value, mac), (second, *_) = summary_rows(site)[:2]
    set_summary(site, second, value, mac)  # a genuine entry, at another credential's key
    files, warnings = build_logged(site, caplog)
    assert "ignored 1 entry" in warnings
    assert files == reference


def test_lost_summaries_are_made_again_from_the_verify_entries(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache from before summaries (or one that lost them) costs no full check."""
    reference, _ = build_logged(site, caplog)
    with sqlite3.connect(cache_file(site)) as db:
        db.execute("DELETE FROM entries WHERE kind = 'summary'")
    db.close()
    checked = full_checks(monkeypatch)
    files, warnings = build_logged(site, caplog)
    assert checked == [] and "cache" not in warnings
    assert len(summary_rows(site)) == len(NAMES)
    assert files == reference


def test_summaries_follow_the_files_as_they_come_and_go(
    site: IssuerSite, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_logged(site, caplog)
    removed = site.credential_files()[0]
    os.unlink(removed)
    added = site.issue("Mary Jackson", "r9@example.test")
    checked = full_checks(monkeypatch)
    files, _ = build_logged(site, caplog)
    assert checked == [site.load(added)["id"]]
    assert len(summary_rows(site)) == len(NAMES)  # the removed file's entry pruned
    assert "Mary Jackson" in achievement_page(files)
    assert files == cold(site, caplog)
