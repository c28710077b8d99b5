"""Write-behind for the disk tier: queued writes and one worker thread per cache.

A write that finds the cross-process lock busy is queued, never waited on: the
worker retries it with a backoff while the caller goes on (memory already holds
the entry). Queued writes are coalesced per key, newest last, and bounded; the
last flush of a process writes what is left, waiting at most CLOSE_WAIT, and
skips it with a debug line if the lock is still held. Threads only: print mode
loads this module, so it must not import trio.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from engine.cache.disk import DiskStore, LockTimeout
from engine.cache.keys import CacheEntry, CacheKey

__all__ = ["MAX_QUEUED", "Write", "WriteBehind"]

logger = logging.getLogger(__name__)

MAX_QUEUED = 1000
"""Writes kept while the lock is busy; beyond that the oldest are dropped (a later miss)."""
_RETRY_FIRST, _RETRY_MAX = 0.05, 1.0
"""Seconds between the worker's tries while another process holds the lock."""

Write = tuple[CacheEntry, bytes] | None
"""A queued change of one key: the entry and its encoded file, or None to delete it."""


class WriteBehind:
    """Disk changes not yet made, and the thread that makes them."""

    def __init__(self, disk: DiskStore, on_error: Callable[[OSError], None]) -> None:
        self._disk = disk
        self._on_error = on_error  # the cache gives its disk tier up
        self._queued: dict[CacheKey, Write] = {}
        self._changed = threading.Condition()
        self._writing = False  # one writer at a time, whichever thread it is on
        self._worker: threading.Thread | None = None

    def __len__(self) -> int:
        with self._changed:
            return len(self._queued)

    def queued(self, key: CacheKey) -> tuple[bool, CacheEntry | None]:
        """Whether a change of `key` waits to be written, and the entry it will write."""
        with self._changed:
            if key not in self._queued:
                return False, None
            change = self._queued[key]
        return True, None if change is None else change[0]

    def add(self, key: CacheKey, change: Write, *, now: bool) -> None:
        """Queue a change; with `now`, try to write it (and any queued) on this thread first.

        Never waits for the lock: a busy lock leaves the change to the worker.
        """
        with self._changed:
            self._queued.pop(key, None)  # re-added last: the newest change of a key wins
            self._queued[key] = change
            if len(self._queued) > MAX_QUEUED:
                oldest = next(iter(self._queued))
                del self._queued[oldest]
                logger.debug("cache write queue full: %s dropped", oldest)
        if now and self.write(0.0):
            return
        self._wake()

    def discard(self, matches: Callable[[CacheKey], bool]) -> None:
        """Forget queued changes of the keys `matches` (a clear), waiting out a write under way."""
        with self._changed:
            while self._writing:
                self._changed.wait()
            for key in [k for k in self._queued if matches(k)]:
                del self._queued[key]

    def write(self, timeout: float, then: Callable[[], None] | None = None) -> bool:
        """Write every queued change (and run `then`) under the lock, waiting up to `timeout`.

        False when the lock stayed busy: the changes stay queued. An OSError gives
        the disk tier up (the changes are dropped) and counts as done.
        """
        with self._changed:
            while self._writing:
                self._changed.wait()
            batch, self._queued = self._queued, {}
            if not batch and then is None:
                return True
            self._writing = True
        done = True
        try:
            with self._disk.locked(timeout):
                for key, change in batch.items():
                    path = self._disk.path_for(key)
                    if change is None:
                        self._disk.remove(path)
                    else:
                        self._disk.write(path, change[1], change[0].cached_at)
                if then is not None:
                    then()
        except LockTimeout:
            done = False
        except OSError as exc:
            self._on_error(exc)
        finally:
            with self._changed:
                if not done:  # changes queued meanwhile are newer: they win
                    self._queued = batch | self._queued
                self._writing = False
                self._changed.notify_all()
        return done

    def _wake(self) -> None:
        with self._changed:
            if self._worker is None:
                # A daemon: a process that exits without a flush loses queued writes, which
                # is what a cache may do, rather than hanging on a lock at exit.
                self._worker = threading.Thread(
                    target=self._run, name="rex-cache-writer", daemon=True
                )
                self._worker.start()
            self._changed.notify_all()

    def _run(self) -> None:
        delay = 0.0
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._queued) and not self._writing)
                if delay:
                    # The full backoff, however many writes arrive meanwhile.
                    self._changed.wait_for(lambda: not self._queued, timeout=delay)
            if self.write(0.0):
                delay = 0.0
                continue
            if not delay:
                logger.debug("cache lock busy; %d writes queued", len(self))
            delay = min(max(delay * 2, _RETRY_FIRST), _RETRY_MAX)
