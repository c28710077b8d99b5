"""The two-tier response cache: layout, TTLs, eviction, failure handling, concurrency."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from engine.cache import disk as cache_disk
from engine.cache.store import Cache, CacheEntry, CacheKey, CacheKind
from engine.config.model import CacheConfig, CacheLimits, CacheTTL
from engine.errors import CacheError, ValidationError
from rex_tui.cli.errors import exit_code

REG = "127.0.0.1:5000"
OTHER = "registry.example.com"
DIGEST = "sha256:" + "ab" * 32
DIGEST2 = "sha256:" + "cd" * 32
T0 = 1_700_000_000.0
HOUR = 3600.0
DAY = 86400.0


class FakeClock:
    """A settable clock so TTL and eviction tests never sleep."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def h16(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def config(**limits: int) -> CacheConfig:
    return CacheConfig(limits=CacheLimits(**limits))


def entry_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.json") if p.name != "metadata.json")


def remaining_keys(root: Path) -> set[str]:
    """The keys of the entry files on disk, read without touching them."""
    return {json.loads(p.read_bytes())["key"] for p in entry_files(root)}


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


KEYS = {
    "catalog": CacheKey.catalog(REG),
    "tags": CacheKey.tags(REG, "my/app"),
    "manifest-digest": CacheKey.manifest(REG, "my/app", DIGEST),
    "manifest-tag": CacheKey.manifest(REG, "my/app", "v1.2-alpine"),
    "config": CacheKey.config(REG, "my/app", DIGEST2),
}


# -- keys and entries ----------------------------------------------------------------


def test_key_text_and_immutability() -> None:
    assert str(KEYS["catalog"]) == "127.0.0.1:5000/catalog"
    assert str(KEYS["tags"]) == "127.0.0.1:5000/my/app/tags"
    assert str(KEYS["manifest-digest"]) == f"127.0.0.1:5000/my/app/manifests/{DIGEST}"
    assert str(KEYS["manifest-tag"]) == "127.0.0.1:5000/my/app/manifests/v1.2-alpine"
    assert str(KEYS["config"]) == f"127.0.0.1:5000/my/app/configs/{DIGEST2}"
    assert KEYS["manifest-digest"].immutable and KEYS["config"].immutable
    assert not any(KEYS[k].immutable for k in ("catalog", "tags", "manifest-tag"))


@pytest.mark.parametrize(
    ("kind", "repository", "name"),
    [
        (CacheKind.CATALOG, "my/app", None),
        (CacheKind.TAGS, None, None),
        (CacheKind.TAGS, "my/app", "latest"),
        (CacheKind.MANIFEST, "my/app", None),
        (CacheKind.MANIFEST, "my/app", "../../etc/passwd"),
        (CacheKind.MANIFEST, "my/app", "tag:" + "a" * 64),
        (CacheKind.MANIFEST, "my/app", "-leading-dash"),
        (CacheKind.CONFIG, "my/app", "latest"),
    ],
)
def test_invalid_keys_are_refused(
    kind: CacheKind, repository: str | None, name: str | None
) -> None:
    with pytest.raises(ValidationError):
        CacheKey(kind, REG, repository, name)


def test_entry_age_and_expiry() -> None:
    entry = CacheEntry(KEYS["tags"], {}, cached_at=T0, ttl=300, size=10)
    assert entry.age(T0 + 10) == 10 and entry.age(T0 - 5) == 0
    assert not entry.expired(T0 + 299.9) and entry.expired(T0 + 300)
    assert not CacheEntry(KEYS["config"], {}, T0, float("inf"), 1).expired(T0 + 1e12)


# -- round trips and layout ----------------------------------------------------------


@pytest.mark.parametrize("name", KEYS)
def test_round_trip_through_memory_and_disk(name: str, root: Path, clock: FakeClock) -> None:
    key = KEYS[name]
    data = {"what": name, "list": [1, 2.5, None, "ü"], "nested": {"ok": True}}
    cache = Cache(root, clock=clock)
    put = cache.put(key, data)
    assert put.size > 0 and put.cached_at == T0
    assert cache.get(key) == put  # from memory: the very entry
    from_disk = Cache(root, clock=clock).get(key)
    assert from_disk is not None
    assert from_disk.data == data and from_disk.key == key and from_disk.ttl == put.ttl
    assert from_disk.cached_at == pytest.approx(T0, abs=1e-6)
    assert from_disk.size == put.size


def test_disk_layout_is_the_seeds(root: Path, clock: FakeClock) -> None:
    cache = Cache(root, clock=clock)
    for key in KEYS.values():
        cache.put(key, {"k": str(key)})
    reg, repo = h16(REG), h16("my/app")
    assert entry_files(root) == sorted(
        [
            root / "catalogs" / reg / "catalog.json",
            root / "tags" / reg / repo / "tags.json",
            root / "manifests" / reg / repo / f"sha256-{'ab' * 32}.json",
            root / "manifests" / reg / repo / "tag-v1.2-alpine.json",
            root / "configs" / reg / repo / f"sha256-{'cd' * 32}.json",
        ]
    )
    document = json.loads((root / "tags" / reg / repo / "tags.json").read_text())
    assert document == {
        "version": 1,
        "cached_at": "2023-11-14T22:13:20.000000Z",
        "ttl_seconds": 300,
        "registry": REG,
        "key": "127.0.0.1:5000/my/app/tags",
        "repository": "my/app",
        "name": None,
        "data": {"k": "127.0.0.1:5000/my/app/tags"},
    }
    clock.advance(0.25)
    cache.put(KEYS["catalog"], {})
    text = (root / "catalogs" / reg / "catalog.json").read_text()
    assert '"cached_at":"2023-11-14T22:13:20.250000Z"' in text


def test_nothing_touches_the_disk_before_a_write(root: Path) -> None:
    cache = Cache(root)
    assert cache.get(KEYS["tags"]) is None
    assert cache.stats().total_entries == 0
    assert not root.exists()


def test_disabled_cache_stores_nothing(root: Path) -> None:
    cache = Cache(root, config=CacheConfig(enabled=False))
    cache.put(KEYS["tags"], {"tags": []})
    assert cache.get(KEYS["tags"]) is None
    assert not root.exists()


def test_memory_only_cache(clock: FakeClock) -> None:
    cache = Cache(None, clock=clock)
    cache.put(KEYS["tags"], {"tags": ["a"]})
    entry = cache.get(KEYS["tags"])
    assert entry is not None and entry.data == {"tags": ["a"]}
    stats = cache.stats()
    assert (stats.total_entries, stats.memory_entries, stats.disk_entries) == (1, 1, 0)
    assert stats.cache_path is None and cache.root is None
    clock.advance(301)
    report = cache.prune()
    assert (report.entries, report.expired) == (1, 1)
    assert cache.get(KEYS["tags"]) is None


# -- TTLs ------------------------------------------------------------------------------


def test_ttl_by_kind_from_config(root: Path, clock: FakeClock) -> None:
    ttl = CacheTTL(catalog=11, tags=22, manifest=33, config=44)
    cache = Cache(root, config=CacheConfig(ttl=ttl), clock=clock)
    expected = {"catalog": 11, "tags": 22, "manifest-digest": 33, "manifest-tag": 22, "config": 44}
    for name, seconds in expected.items():
        assert cache.put(KEYS[name], {}).ttl == seconds
        entry = Cache(root, clock=clock).get(KEYS[name])
        assert entry is not None and entry.ttl == seconds
    assert cache.put(KEYS["tags"], {}, ttl=5).ttl == 5


def test_expired_entries_are_still_returned(root: Path, clock: FakeClock) -> None:
    cache = Cache(root, clock=clock)
    cache.put(KEYS["tags"], {"tags": ["1"]})
    clock.advance(301)
    for source in (cache, Cache(root, clock=clock)):  # memory, then disk
        entry = source.get(KEYS["tags"])
        assert entry is not None and entry.data == {"tags": ["1"]}
        assert entry.expired(clock()) and entry.age(clock()) == pytest.approx(301)


def test_an_entry_that_never_expires_round_trips(root: Path, clock: FakeClock) -> None:
    Cache(root, clock=clock).put(KEYS["config"], {}, ttl=float("inf"))
    assert '"ttl_seconds":null' in entry_files(root)[0].read_text()
    clock.advance(1e9)
    entry = Cache(root, clock=clock).get(KEYS["config"])
    assert entry is not None and entry.ttl == float("inf") and not entry.expired(clock())


# -- memory tier -----------------------------------------------------------------------


def test_memory_evicts_least_recently_used_by_count(clock: FakeClock) -> None:
    cache = Cache(None, config=config(memory_entries=2), clock=clock)
    a, b, c = (CacheKey.tags(REG, f"r{i}") for i in range(3))
    cache.put(a, 1)
    cache.put(b, 2)
    assert cache.get(a) is not None  # a is now the most recent
    cache.put(c, 3)
    assert cache.get(b) is None
    assert cache.get(a) is not None and cache.get(c) is not None
    assert cache.stats().memory_entries == 2


def test_memory_evicts_by_bytes(root: Path, clock: FakeClock) -> None:
    cache = Cache(root, config=config(memory_size_mb=1), clock=clock)
    keys = [CacheKey.tags(REG, f"r{i}") for i in range(4)]
    for key in keys:
        cache.put(key, {"blob": "x" * 300_000})
    stats = cache.stats()
    assert stats.memory_entries == 3 and stats.memory_size <= 1024 * 1024
    assert stats.disk_entries == 4  # memory is a subset of disk
    big = CacheKey.tags(REG, "big")
    cache.put(big, {"blob": "y" * 2_000_000})  # larger than all of memory: disk only
    assert cache.stats().memory_entries == 3
    entry = cache.get(big)
    assert entry is not None and len(entry.data["blob"]) == 2_000_000


def test_memory_hits_are_shared_between_threads(root: Path) -> None:
    cache = Cache(root)
    keys = [CacheKey.tags(REG, f"r{i}") for i in range(20)]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(200):
                key = keys[(i * 7 + n) % len(keys)]
                if i % 3 == 0:
                    cache.put(key, {"n": n, "i": i, "key": str(key)})
                else:
                    entry = cache.get(key)
                    assert entry is None or entry.data["key"] == str(key)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and not cache.degraded
    assert not list(root.rglob("*.tmp"))


# -- damaged files ---------------------------------------------------------------------


def _damage(kind: str, path: Path, other: Path) -> None:
    good = path.read_bytes()
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif kind == "garbage":
        path.write_bytes(b"\xff\xfe\x00not json at all")
    elif kind == "not-an-object":
        path.write_text("[1, 2, 3]")
    elif kind == "wrong-version":
        path.write_text(good.decode().replace('"version":1', '"version":2'))
    elif kind == "wrong-key":
        path.write_bytes(other.read_bytes())
    elif kind == "bad-time":
        path.write_text(re.sub(r'"cached_at":"[^"]*"', '"cached_at":"yesterday"', good.decode()))
    elif kind == "deep-nesting":
        path.write_text("[" * 100_000)


@pytest.mark.parametrize(
    "kind",
    [
        "empty",
        "truncated",
        "garbage",
        "not-an-object",
        "wrong-version",
        "wrong-key",
        "bad-time",
        "deep-nesting",
    ],
)
def test_damaged_file_is_deleted_with_one_warning(
    kind: str, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = Cache(root)
    writer.put(KEYS["tags"], {"tags": ["a"]})
    writer.put(KEYS["catalog"], {"repositories": ["my/app"]})
    path = root / "tags" / h16(REG) / h16("my/app") / "tags.json"
    _damage(kind, path, root / "catalogs" / h16(REG) / "catalog.json")
    caplog.set_level(logging.WARNING)
    reader = Cache(root)
    assert reader.get(KEYS["tags"]) is None
    assert not path.exists()
    messages = warnings_of(caplog)
    assert len(messages) == 1 and str(path) in messages[0]
    assert reader.get(KEYS["catalog"]) is not None  # the rest of the cache is fine
    assert reader.stats().misses == 1 and not reader.degraded


def test_a_damaged_file_read_twice_before_it_is_deleted_warns_once(
    root: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tasks reading one damaged entry at once (a CI failure): one warning, not two."""
    Cache(root).put(KEYS["tags"], {"tags": ["a"]})
    path = root / "tags" / h16(REG) / h16("my/app") / "tags.json"
    path.write_text("{")
    # The second read comes before the first one's delete, as a racing thread's would.
    monkeypatch.setattr(cache_disk.DiskStore, "_discard", lambda self, path, identity: None)
    caplog.set_level(logging.WARNING)
    reader = Cache(root)
    assert reader.get(KEYS["tags"]) is None and reader.get(KEYS["tags"]) is None
    assert len(warnings_of(caplog)) == 1
    path.write_text("[[")  # damaged again, differently: that is news
    assert reader.get(KEYS["tags"]) is None
    assert len(warnings_of(caplog)) == 2


def _content(text: str, algorithm: str = "sha256") -> tuple[str, str]:
    return text, f"{algorithm}:{hashlib.new(algorithm, text.encode()).hexdigest()}"


@pytest.mark.parametrize("algorithm", ["sha256", "sha512"])
@pytest.mark.parametrize("kind", ["manifest-digest", "manifest-tag", "config"])
def test_content_edited_on_disk_fails_its_digest(
    kind: str, algorithm: str, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body, digest = _content('{"schemaVersion":2,"layers":[]}', algorithm)
    if kind == "manifest-tag":
        key = CacheKey.manifest(REG, "my/app", "v1")
    elif kind == "manifest-digest":
        key = CacheKey.manifest(REG, "my/app", digest)
    else:
        key = CacheKey.config(REG, "my/app", digest)
    data = (
        {"body": body} if kind == "config" else {"digest": digest, "media_type": "m", "body": body}
    )
    Cache(root).put(key, data)
    good = Cache(root).get(key)
    assert good is not None and good.data == data  # a faithful copy reads back
    (path,) = entry_files(root)
    # Still valid JSON and the right key: only the content no longer hashes to its digest.
    path.write_bytes(path.read_bytes().replace(b"layers", b"Layers"))
    caplog.set_level(logging.WARNING)
    assert Cache(root).get(key) is None
    assert not path.exists()
    (message,) = warnings_of(caplog)
    assert str(path) in message and "does not match its digest" in message


def test_a_digest_field_naming_other_content_is_refused(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body, digest = _content("{}")
    other, other_digest = _content("[]")
    key = CacheKey.manifest(REG, "my/app", digest)
    Cache(root).put(key, {"digest": digest, "media_type": "m", "body": body})
    (path,) = entry_files(root)
    # Body and digest field swapped together still fail: the key names the content.
    edited = path.read_text().replace(f'"digest":"{digest}"', f'"digest":"{other_digest}"')
    path.write_text(edited.replace('"body":"{}"', '"body":"[]"'))
    assert other in path.read_text()
    caplog.set_level(logging.WARNING)
    assert Cache(root).get(key) is None and not path.exists()
    (message,) = warnings_of(caplog)
    assert f"names digest '{other_digest}'" in message


def test_entries_that_are_not_content_are_left_to_their_reader(root: Path) -> None:
    # The cache stores any JSON; only manifest/config bodies have a digest to check.
    Cache(root).put(KEYS["manifest-digest"], {"anything": 1})
    found = Cache(root).get(KEYS["manifest-digest"])
    assert found is not None and found.data == {"anything": 1}


def test_deeply_nested_metadata_is_ignored(root: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = Cache(root)
    cache.put(KEYS["tags"], {})
    (root / "metadata.json").write_text("[" * 100_000)
    assert cache.stats().hits == 0
    assert any("metadata" in m for m in warnings_of(caplog))


def test_damaged_metadata_is_ignored(root: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = Cache(root)
    cache.put(KEYS["tags"], {})
    (root / "metadata.json").write_text("{oops")
    assert cache.stats().hits == 0
    cache.get(KEYS["tags"])
    cache.flush()
    assert json.loads((root / "metadata.json").read_text())["hits"] == 1
    assert any("metadata" in m for m in warnings_of(caplog))


# -- an unusable directory ---------------------------------------------------------------


def test_unwritable_directory_degrades_to_memory_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # chmod does not stop root, so the cache lives "under" a regular file instead.
    (tmp_path / "file").write_text("not a directory")
    cache = Cache(tmp_path / "file" / "cache")
    caplog.set_level(logging.WARNING)
    for n in range(3):
        cache.put(CacheKey.tags(REG, f"r{n}"), {"n": n})
    cache.delete(KEYS["catalog"])
    cache.flush()
    assert cache.degraded
    messages = warnings_of(caplog)
    assert len(messages) == 1 and "memory only" in messages[0]
    entry = cache.get(CacheKey.tags(REG, "r1"))
    assert entry is not None and entry.data == {"n": 1}
    assert cache.stats().memory_entries == 3
    assert cache.cleanup_if_due() is None
    assert cache.clear().entries == 3  # nothing on disk to clear: no error


def test_lock_held_elsewhere_queues_the_write_without_degrading(
    root: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(cache_disk, "LOCK_WAIT", 0.05)
    cache = Cache(root)
    cache.put(KEYS["catalog"], {})
    with _held_lock(root):
        cache.put(KEYS["tags"], {"tags": []})  # returns at once: queued, not waited on
        cache.delete(KEYS["catalog"])
        with pytest.raises(CacheError):
            cache.clear()
        assert cache.get(KEYS["tags"]) is not None  # memory still has it
        assert Cache(root).get(KEYS["tags"]) is None  # not on disk yet
        assert Cache(root).get(KEYS["catalog"]) is not None
    assert not cache.degraded
    assert warnings_of(caplog) == []
    cache.flush()  # the lock is free again: what was queued is written
    assert Cache(root).get(KEYS["tags"]) is not None
    assert Cache(root).get(KEYS["catalog"]) is None


@contextmanager
def _held_lock(root: Path) -> Iterator[None]:
    """Hold ROOT/.lock as another process would."""
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def test_clear_that_cannot_delete_raises_cache_error(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = Cache(root)
    cache.put(KEYS["tags"], {})
    real_unlink = os.unlink

    def refuse(path: Any, *args: Any, **kwargs: Any) -> None:
        if str(path).startswith(str(root)):
            raise PermissionError(13, "Permission denied", str(path))
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", refuse)
    with pytest.raises(CacheError) as raised:
        cache.clear()
    assert exit_code(raised.value) == 7 and "tags.json" in str(raised.value)


# -- credentials and non-JSON ------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"password": "hunter2"},
        {"outer": [{"Authorization": "Bearer x"}]},
        {"access_token": "x"},
        {"auths": {"r": {"auth": "dXNlcjpwYXNz"}}},
        [{"identity-token": "x"}],
    ],
)
def test_credentials_are_never_stored(
    data: Any, root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = Cache(root)
    entry = cache.put(KEYS["tags"], data)
    assert entry.size == 0
    assert cache.get(KEYS["tags"]) is None and entry_files(root) == []
    assert any(
        r.levelno == logging.ERROR and "credentials" in r.getMessage() for r in caplog.records
    )


def test_innocent_neighbours_of_secret_names_are_stored(root: Path) -> None:
    cache = Cache(root)
    cache.put(KEYS["config"], {"author": "me", "tokens_used": 3, "Labels": {"x.auth.mode": "oidc"}})
    assert Cache(root).get(KEYS["config"]) is not None


def test_non_json_data_is_not_stored(root: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = Cache(root)
    assert cache.put(KEYS["tags"], {"tags": {1, 2}}).size == 0
    assert cache.put(KEYS["tags"], {"n": float("nan")}).size == 0
    assert cache.get(KEYS["tags"]) is None and entry_files(root) == []
    assert sum(r.levelno == logging.ERROR for r in caplog.records) == 2


# -- stats and clear ---------------------------------------------------------------------


def _populate(cache: Cache) -> None:
    for key in KEYS.values():
        cache.put(key, {"k": str(key)})
    cache.put(CacheKey.catalog(OTHER), {"repositories": []})
    cache.put(CacheKey.tags(OTHER, "lib/x"), {"tags": ["1"]})


def test_stats_by_tier_type_and_registry(root: Path, clock: FakeClock) -> None:
    cache = Cache(root, clock=clock)
    _populate(cache)
    cache.get(KEYS["tags"])
    cache.get(CacheKey.tags(REG, "missing"))
    cache.get(CacheKey.catalog(OTHER))
    whole = cache.stats()
    assert (whole.total_entries, whole.memory_entries, whole.disk_entries) == (7, 7, 7)
    assert whole.total_size == whole.disk_size == sum(p.stat().st_size for p in entry_files(root))
    assert whole.by_type["manifests"][0] == 2 and whole.by_type["catalogs"][0] == 2
    assert (whole.hits, whole.misses) == (2, 1) and whole.hit_rate == pytest.approx(2 / 3)
    mine = cache.stats(REG)
    assert (mine.total_entries, mine.hits, mine.misses) == (5, 1, 1)
    assert mine.by_type == {
        "catalogs": (1, mine.by_type["catalogs"][1]),
        "tags": (1, mine.by_type["tags"][1]),
        "manifests": (2, mine.by_type["manifests"][1]),
        "configs": (1, mine.by_type["configs"][1]),
        "storage": (0, 0),
    }
    as_json = mine.to_dict()
    assert list(as_json) == [
        "registry",
        "total_entries",
        "total_size",
        "memory_entries",
        "memory_size",
        "disk_entries",
        "disk_size",
        "hit_rate",
        "last_cleanup",
        "by_type",
        "cache_path",
    ]
    assert as_json["by_type"]["manifests"] == {"entries": 2, "size": mine.by_type["manifests"][1]}
    assert as_json["cache_path"] == str(root) and as_json["last_cleanup"] is None
    json.dumps(as_json)


def test_flushed_counts_reach_other_processes(root: Path, clock: FakeClock) -> None:
    first = Cache(root, clock=clock)
    first.put(KEYS["tags"], {})
    first.get(KEYS["tags"])
    first.get(KEYS["catalog"])
    first.flush()
    second = Cache(root, clock=clock)
    second.get(KEYS["tags"])
    second.flush()
    meta = json.loads((root / "metadata.json").read_text())
    assert (meta["version"], meta["hits"], meta["misses"], meta["last_cleanup"]) == (1, 2, 1, None)
    assert meta["registries"][h16(REG)] == {"registry": REG, "hits": 2, "misses": 1}
    stats = Cache(root).stats(REG)
    assert (stats.hits, stats.misses) == (2, 1)
    assert Cache(root).stats(OTHER).hit_rate == 0.0


def test_clear_by_registry_and_by_kind(root: Path, clock: FakeClock) -> None:
    cache = Cache(root, clock=clock)
    _populate(cache)
    size = sum(p.stat().st_size for p in (root / "manifests").rglob("*.json"))
    report = cache.clear(REG, CacheKind.MANIFEST)
    assert (report.entries, report.disk_entries, report.memory_entries) == (2, 2, 2)
    assert report.size == report.disk_size == size
    assert cache.get(KEYS["manifest-tag"]) is None and cache.get(KEYS["tags"]) is not None
    report = cache.clear(REG)
    assert report.entries == 3
    assert all(cache.get(k) is None for k in KEYS.values())
    assert cache.get(CacheKey.catalog(OTHER)) is not None
    assert not (root / "tags" / h16(REG)).exists()  # emptied directories go too
    assert cache.clear().entries == 2
    assert entry_files(root) == []


# -- prune -------------------------------------------------------------------------------


def test_prune_dry_run_lists_and_real_run_removes(root: Path, clock: FakeClock) -> None:
    cache = Cache(root, clock=clock)
    _populate(cache)
    clock.advance(301)  # catalogs and tag lists (and the tag-keyed manifest) expire
    dry = cache.prune(dry_run=True)
    assert dry.dry_run and dry.entries == dry.expired == 5
    assert dry.by_type["catalogs"][0] == 2 and dry.by_type["tags"][0] == 2
    assert dry.by_type["manifests"][0] == 1 and dry.by_type["configs"] == (0, 0)
    assert len(entry_files(root)) == 7 and cache.stats().memory_entries == 7
    assert dry.to_dict()["by_type"]["configs"] == {"entries": 0, "size": 0}
    real = cache.prune()
    assert (real.entries, real.size, real.by_type) == (dry.entries, dry.size, dry.by_type)
    assert (real.remaining_entries, len(entry_files(root))) == (2, 2)
    assert cache.get(KEYS["tags"]) is None and cache.get(KEYS["config"]) is not None
    meta = json.loads((root / "metadata.json").read_text())
    assert meta["last_cleanup"] == "2023-11-14T22:18:21.000000Z"


def test_prune_one_registry_leaves_the_others(root: Path, clock: FakeClock) -> None:
    cache = Cache(root, clock=clock)
    _populate(cache)
    clock.advance(301)
    assert cache.prune(OTHER).entries == 2
    assert cache.get(KEYS["tags"]) is not None
    assert not (root / "metadata.json").exists()  # only a whole-cache prune is a cleanup


def test_prune_removes_entries_unused_for_max_age(root: Path, clock: FakeClock) -> None:
    writer = Cache(root, config=config(max_age_days=30), clock=clock)
    for key in KEYS.values():
        writer.put(key, {}, ttl=float("inf"))
    clock.advance(20 * DAY)
    reader = Cache(root, clock=clock)
    assert reader.get(KEYS["tags"]) is not None  # a disk hit records the access
    clock.advance(11 * DAY)
    report = Cache(root, config=config(max_age_days=30), clock=clock).prune()
    assert (report.entries, report.unused, report.expired) == (4, 4, 0)
    assert entry_files(root) == [root / "tags" / h16(REG) / h16("my/app") / "tags.json"]


def test_memory_hits_count_as_accesses_after_flush(root: Path, clock: FakeClock) -> None:
    cache = Cache(root, config=config(max_age_days=1), clock=clock)
    cache.put(KEYS["tags"], {}, ttl=float("inf"))
    cache.put(KEYS["catalog"], {}, ttl=float("inf"))
    clock.advance(DAY)
    assert cache.get(KEYS["tags"]) is not None  # from memory
    cache.flush()
    clock.advance(HOUR)
    report = Cache(root, config=config(max_age_days=1), clock=clock).prune()
    assert report.unused == 1 and report.by_type["catalogs"] == (1, report.size)


def _put_at(cache: Cache, clock: FakeClock, when: float, key: CacheKey, size: int = 10) -> None:
    clock.now = when
    cache.put(key, {"blob": "x" * size}, ttl=float("inf"))


def test_over_limit_eviction_order(root: Path, clock: FakeClock) -> None:
    writer = Cache(root, clock=clock)
    mutable_old = CacheKey.manifest(REG, "a", "latest")
    immutable_old = CacheKey.manifest(REG, "a", DIGEST)
    mutable_mid = CacheKey.tags(REG, "b")
    immutable_mid = CacheKey.config(REG, "b", DIGEST2)
    newest = CacheKey.catalog(REG)
    _put_at(writer, clock, T0, immutable_old)
    _put_at(writer, clock, T0 + 60, mutable_old)  # more recent, but the same hour
    _put_at(writer, clock, T0 + 2 * HOUR, mutable_mid)
    _put_at(writer, clock, T0 + 2 * HOUR, immutable_mid)
    _put_at(writer, clock, T0 + 4 * HOUR, newest)
    clock.now = T0 + 5 * HOUR

    # Within the oldest hour the mutable entry goes first although it was used later.
    report = Cache(root, config=config(disk_entries=4), clock=clock).prune(dry_run=True)
    assert report.over_limit == 1 and report.by_type["manifests"] == (1, report.size)
    Cache(root, config=config(disk_entries=4), clock=clock).prune()
    assert str(mutable_old) not in remaining_keys(root)
    # Then the rest of the oldest hour, then the next hour's mutable entry.
    report = Cache(root, config=config(disk_entries=2), clock=clock).prune()
    assert report.over_limit == 2 and report.remaining_entries == 2
    assert remaining_keys(root) == {str(immutable_mid), str(newest)}


def test_over_size_eviction_keeps_the_newest(root: Path, clock: FakeClock) -> None:
    writer = Cache(root, clock=clock)
    keys = [CacheKey.tags(REG, f"r{i}") for i in range(4)]
    for n, key in enumerate(keys):
        _put_at(writer, clock, T0 + n * HOUR, key, size=400_000)
    clock.now = T0 + 5 * HOUR
    report = Cache(root, config=config(disk_size_mb=1), clock=clock).prune()
    assert report.over_limit == 2 and report.remaining_size <= 1024 * 1024
    assert remaining_keys(root) == {str(k) for k in keys[2:]}


def test_prune_removes_old_temp_files_and_corrupt_entries(root: Path, clock: FakeClock) -> None:
    cache = Cache(root, clock=clock)
    cache.put(KEYS["tags"], {})
    directory = root / "tags" / h16(REG) / h16("my/app")
    old, fresh, meta_tmp = directory / ".old.tmp", directory / ".fresh.tmp", root / ".meta.tmp"
    for path, when in ((old, T0 - 2 * HOUR), (fresh, T0 - 60), (meta_tmp, T0 - 2 * HOUR)):
        path.write_text("partial")
        os.utime(path, (when, when))
    bad = root / "configs" / h16(REG) / h16("my/app") / f"sha256-{'cd' * 32}.json"
    bad.parent.mkdir(parents=True)
    bad.write_text("{trunc")
    report = cache.prune()
    assert (report.temp_files, report.corrupt, report.entries) == (2, 1, 1)
    assert fresh.exists() and not old.exists() and not meta_tmp.exists() and not bad.exists()
    assert cache.get(KEYS["tags"]) is not None


def test_cleanup_runs_at_most_daily_and_keeps_stale_entries(root: Path, clock: FakeClock) -> None:
    cache = Cache(root, clock=clock)
    cache.put(KEYS["tags"], {})
    clock.advance(301)
    first = cache.cleanup_if_due()  # never cleaned before
    assert first is not None and first.expired == 0
    assert cache.get(KEYS["tags"]) is not None  # stale, but worth showing while refreshing
    clock.advance(23 * HOUR)
    assert cache.cleanup_if_due() is None
    clock.advance(2 * HOUR)
    second = Cache(root, clock=clock).cleanup_if_due()
    assert second is not None and second.entries == 0
    stats = cache.stats()
    assert stats.last_cleanup is not None and stats.last_cleanup.timestamp() == clock()
    clock.advance(31 * 24 * HOUR)  # not read for longer than max_age_days
    third = Cache(root, clock=clock).cleanup_if_due()
    assert third is not None and third.unused == 1
    assert Cache(root, clock=clock).get(KEYS["tags"]) is None


def test_cleanup_of_a_cache_not_yet_written_is_free(root: Path) -> None:
    cache = Cache(root)
    assert cache.cleanup_if_due() is None
    assert not root.exists()


def test_writes_leave_no_temp_files_and_survive_a_removed_root(root: Path) -> None:
    cache = Cache(root)
    cache.put(KEYS["tags"], {"tags": ["a"]})
    cache.put(KEYS["tags"], {"tags": ["b"]})  # over an existing file
    files = sorted(p.name for p in root.rglob("*") if p.is_file())
    assert files == [".lock", "tags.json"]
    for path in sorted(root.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    root.rmdir()
    cache.put(KEYS["tags"], {"tags": ["c"]})  # the root is made again
    assert not cache.degraded
    assert Cache(root).get(KEYS["tags"]).data == {"tags": ["c"]}  # type: ignore[union-attr]


def test_explicit_prune_removes_expired_entries(root: Path, clock: FakeClock) -> None:
    cache = Cache(root, clock=clock)
    cache.put(KEYS["tags"], {})
    clock.advance(301)
    assert cache.prune().expired == 1
    assert cache.get(KEYS["tags"]) is None


# -- many processes at once ----------------------------------------------------------------

WORKER = r"""
import hashlib, json, random, sys, time
from pathlib import Path
from engine.cache.store import Cache, CacheKey
from engine.config.model import CacheConfig, CacheLimits

root, worker, ops = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
# No memory tier: every get reads the files the other processes are replacing.
cache = Cache(root, config=CacheConfig(limits=CacheLimits(memory_entries=0)))
keys = [CacheKey.tags("127.0.0.1:5000", f"repo{i}") for i in range(5)]
keys += [CacheKey.manifest("127.0.0.1:5000", "app", f"v{i}") for i in range(3)]

def checksum(key, writer, seq, payload):
    return hashlib.sha256(f"{key}|{writer}|{seq}|{payload}".encode()).hexdigest()

print("ready", flush=True)
while not (root.parent / "go").exists():
    time.sleep(0.002)
rng = random.Random(worker)
written, seen, bad, gets = [], [], [], 0
for seq in range(ops):
    key = rng.choice(keys)
    roll = rng.random()
    if roll < 0.45:
        payload = rng.choice("abcdef") * rng.randint(1, 30_000)
        data = {"writer": worker, "seq": seq, "key": str(key), "payload": payload,
                "sum": checksum(key, worker, seq, payload)}
        cache.put(key, data)
        written.append([str(key), worker, seq])
    elif roll < 0.5:
        cache.delete(key)
    else:
        gets += 1
        entry = cache.get(key)
        if entry is None:
            continue
        d = entry.data
        if d["key"] != str(key) or d["sum"] != checksum(key, d["writer"], d["seq"], d["payload"]):
            bad.append(str(key))
        seen.append([d["key"], d["writer"], d["seq"]])
    if seq % 10 == 9:
        cache.flush()  # often, so that read-modify-writes of metadata.json overlap
cache.flush()
print(json.dumps({"written": written, "seen": seen, "bad": bad, "gets": gets}))
"""


@pytest.fixture
def worker_script(tmp_path: Path) -> Iterator[Path]:
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    yield script


def test_eight_processes_share_one_cache_directory(tmp_path: Path, worker_script: Path) -> None:
    root = tmp_path / "cache"
    workers = [
        subprocess.Popen(
            [sys.executable, str(worker_script), str(root), str(n), "300"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        (tmp_path / "go").touch()  # all start together
        outputs = [worker.communicate(timeout=60) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    results: list[dict[str, Any]] = []
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        assert err == ""  # no warning: nothing corrupt, nothing degraded, no lock timeout
        results.append(json.loads(out))
    written = {tuple(w) for r in results for w in r["written"]}
    assert all(r["bad"] == [] for r in results)
    assert all(tuple(s) in written for r in results for s in r["seen"])
    assert sum(len(r["seen"]) for r in results) > 100  # the gets did find entries

    assert not list(root.rglob("*.tmp"))
    files = entry_files(root)
    assert files
    reader = Cache(root)
    for path in files:
        document = json.loads(path.read_bytes())  # every file parses
        data = document["data"]
        assert (data["key"], data["writer"], data["seq"]) in written
        assert document["key"] == data["key"]
    keys = [CacheKey.tags(REG, f"repo{i}") for i in range(5)]
    keys += [CacheKey.manifest(REG, "app", f"v{i}") for i in range(3)]
    assert sum(reader.get(k) is not None for k in keys) == len(files)
    meta = json.loads((root / "metadata.json").read_text())
    assert meta["hits"] + meta["misses"] == sum(r["gets"] for r in results)


def test_entry_to_dict_reports_are_json(root: Path) -> None:
    cache = Cache(root)
    _populate(cache)
    json.dumps(cache.clear(OTHER).to_dict())
    json.dumps(cache.prune(dry_run=True).to_dict())


@pytest.mark.parametrize("where", ["root", "kind", "registry"])
def test_clear_and_prune_that_cannot_read_a_directory_raise(where: str, root: Path) -> None:
    # Root reads through chmod 000, so a file stands where a directory should be.
    Cache(root).put(KEYS["catalog"], {"repositories": []})
    if where == "root":
        for path in sorted(root.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        root.rmdir()
        root.write_text("not a directory")
    elif where == "kind":
        (root / "tags").write_text("not a directory")
    else:
        (root / "tags").mkdir()
        (root / "tags" / h16(REG)).write_text("not a directory")
    cache = Cache(root)
    with pytest.raises(CacheError, match=r"(?i)not a directory"):
        cache.clear(REG)
    if where != "registry":  # prune lists every registry's directory, and skips files
        with pytest.raises(CacheError, match=r"(?i)not a directory"):
            cache.prune(REG, dry_run=True)
    if where != "root":
        assert Cache(root).get(KEYS["catalog"]) is not None  # nothing was cleared
