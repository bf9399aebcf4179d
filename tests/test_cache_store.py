"""The build cache file: survives damage, keeps only what the last build used."""

from __future__ import annotations

from pathlib import Path

from credpages.site.cache_store import CacheStore


def test_entries_persist_and_unused_ones_are_pruned(tmp_path: Path) -> None:
    first = CacheStore(tmp_path)
    first.put("page", "a", b"<p>a")
    first.put("page", "b", b"<p>b")
    first.close()
    second = CacheStore(tmp_path)
    assert second.get("page", "a") == b"<p>a"  # only "a" is used by this build
    second.close()
    third = CacheStore(tmp_path)
    assert third.get("page", "a") == b"<p>a"
    assert third.get("page", "b") is None
    third.close()


def test_a_damaged_cache_file_is_replaced_not_trusted(tmp_path: Path) -> None:
    (tmp_path / "cache.sqlite").write_bytes(b"this is not a database" * 100)
    store = CacheStore(tmp_path)
    assert store.get("verify", "x") is None
    store.put("verify", "x", b"1")
    store.close()
    assert CacheStore(tmp_path).get("verify", "x") == b"1"


def test_no_folder_means_no_cache(tmp_path: Path) -> None:
    store = CacheStore(None)
    store.put("page", "a", b"1")
    assert store.get("page", "a") is None
    store.close()
    assert list(tmp_path.iterdir()) == []
