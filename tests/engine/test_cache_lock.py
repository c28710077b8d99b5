"""Issue 12 section 3: another process holding the cache lock never makes rex wait on it.

The holder is a real second process (engine.testing.lockholder). No test times
anything: benchmarks/lock.py measures what the held lock costs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import trio

from engine.cache import disk as cache_disk
from engine.cache import store as cache_store
from engine.cache.behind import WriteBehind
from engine.cache.store import Cache, CacheKey
from engine.errors import CacheError
from engine.testing.lockholder import LockHolder
from tests.engine.helpers import make_rex
from tests.support.seed import SeededRegistry

REG = "127.0.0.1:5000"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


async def test_reads_finish_and_their_writes_land_once_the_lock_frees(
    registry: SeededRegistry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "cache"
    cache = Cache(root)
    tags_key = CacheKey.tags(registry.host, "oci/single")
    with LockHolder(root) as holder:
        async with make_rex(registry.url, cache=cache) as rex:
            info = await rex.inspect("oci/multi:latest")
            assert info.digest == registry.digest("oci/multi:latest")
            assert "1.0" in await rex.list_tags("oci/single")
            assert cache.get(tags_key) is not None  # memory has it at once
            assert Cache(root).get(tags_key) is None  # the disk write waits in the queue
            # A second session, in this process, reads what the first one queued.
            again = await rex.inspect("oci/multi:latest")
            assert again.digest == info.digest
            holder.release()
        # Closing the session wrote the queue out, now that the lock is free.
    assert Cache(root).get(tags_key) is not None
    key = CacheKey.manifest(registry.host, "oci/multi", "latest")
    entry = Cache(root).get(key)
    assert entry is not None and entry.data["digest"] == info.digest
    assert not cache.degraded
    assert warnings_of(caplog) == []


async def test_a_session_that_closes_with_the_lock_still_held_skips_its_writes(
    registry: SeededRegistry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "cache"
    with LockHolder(root):
        async with make_rex(registry.url, cache=Cache(root)) as rex:
            await rex.list_tags("oci/single")
        # aclose gave up on the lock instead of waiting for it: nothing written, no warning.
        assert Cache(root).get(CacheKey.tags(registry.host, "oci/single")) is None
    assert warnings_of(caplog) == []
    # The next session simply fetches again and writes.
    async with make_rex(registry.url, cache=Cache(root)) as rex:
        await rex.list_tags("oci/single")
    assert Cache(root).get(CacheKey.tags(registry.host, "oci/single")) is not None


async def test_a_cancelled_session_still_saves_what_it_fetched(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    root = tmp_path / "cache"
    with trio.CancelScope() as scope:
        async with make_rex(registry.url, cache=Cache(root)) as rex:
            await rex.list_tags("oci/single")
            scope.cancel()
            await trio.sleep_forever()
    assert Cache(root).get(CacheKey.tags(registry.host, "oci/single")) is not None


def test_daily_cleanup_with_the_lock_held_is_left_for_later(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="engine.cache.store")
    root = tmp_path / "cache"
    Cache(root).put(CacheKey.tags(REG, "app"), {"tags": []})
    with LockHolder(root):
        cache = Cache(root)
        assert cache.cleanup_if_due() is None  # did not wait, did not clean
        cache.start_cleanup()  # the same on a thread; returns at once
        cache.flush()
        assert cache.stats().last_cleanup is None
    assert any("cleanup skipped" in r.getMessage() for r in caplog.records)
    assert warnings_of(caplog) == []
    later = Cache(root)
    later.start_cleanup()
    wait_until(lambda: Cache(root).stats().last_cleanup is not None)


def wait_until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition never held"
        threading.Event().wait(0.02)


def test_explicit_clear_and_prune_wait_briefly_then_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_disk, "LOCK_WAIT", 0.05)
    root = tmp_path / "cache"
    cache = Cache(root)
    cache.put(CacheKey.tags(REG, "app"), {"tags": []})
    with LockHolder(root):
        with pytest.raises(CacheError, match="cannot clear the cache: another process held"):
            cache.clear()
        with pytest.raises(CacheError, match="cannot prune the cache: another process held"):
            cache.prune()
    assert Cache(root).get(CacheKey.tags(REG, "app")) is not None  # nothing half-cleared
    assert cache.clear().entries == 1


def test_a_second_flush_of_the_same_unsaved_state_does_not_wait_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A CLI command flushes twice at its end (the session's close, then its own):
    # with the lock held, only the first one may wait.
    monkeypatch.setattr(cache_store, "CLOSE_WAIT", 0.05)
    waits: list[float] = []
    write = WriteBehind.write

    def recorded(self: WriteBehind, timeout: float, then: Callable[[], None] | None = None) -> bool:
        waits.append(timeout)
        return write(self, timeout, then)

    monkeypatch.setattr(WriteBehind, "write", recorded)
    root = tmp_path / "cache"
    cache = Cache(root)
    with LockHolder(root):
        cache.get(CacheKey.tags(REG, "app"))
        cache.flush()
        cache.flush()  # nothing new since: no second wait
        cache.get(CacheKey.tags(REG, "app"))
        cache.flush()  # something new: worth waiting for again
    cache.flush()  # the same state again, so no wait, but the lock is free now
    assert waits == [0.05, 0.0, 0.05, 0.0]
    assert Cache(root).stats().misses == 2  # the counts were kept until the lock freed
