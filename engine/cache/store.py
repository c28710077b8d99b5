"""The response cache's storage: a thread-safe L1 memory tier over an L2 disk tier.

Seed section 1.9, storage half. Writes go through to both tiers; reads try memory,
then disk (promoting what they find). `get` returns expired entries too: whether
to serve, revalidate or refetch is the consistency policy's call, made in `Rex`,
so this layer keeps no policy beyond TTL bookkeeping.

Failures: a read never raises; an unusable entry file is deleted with a warning
and read as a miss. A write never raises; the first OSError (unwritable or full
disk, a path under a file) gives the disk tier up for this `Cache` with one
warning, and `degraded` turns True. `CacheError` (exit 7) is raised only by the
explicit `clear` and `prune` when the cache directory cannot be locked (within
LOCK_WAIT) or a file in it cannot be deleted, since a silent partial clear would
mislead the user.

Concurrency: one lock guards memory and counters, so worker threads may share a
`Cache`; disk writers in every process serialise on `ROOT/.lock` (engine.cache.disk),
and readers take no lock. No write waits for that lock: one that finds it busy is
queued and retried by a worker thread (engine.cache.behind), and `put(...,
background=True)` queues at once, so an async caller never touches the disk. The
daily cleanup runs on a thread of its own (`start_cleanup`).

With `cache.backend = "redis"` a team's Redis is a third tier (engine.cache.redis_tier):
reads try memory, disk, then Redis (also when the disk's copy of a mutable entry has
expired, as a teammate may have fetched a newer one); a Redis hit is verified like a
file, then copied to memory and disk. Writes go to disk and Redis, Redis's on a
writer thread of its own. When Redis cannot be reached, the disk cache works on
alone after one warning.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cachetools import Cache as _Mapping
from cachetools import LRUCache

from engine.cache.behind import WriteBehind
from engine.cache.disk import (
    CLOSE_WAIT,
    KIND_DIRS,
    LOCK_WAIT,
    DiskItem,
    DiskStore,
    LockTimeout,
    count_of,
    explicit_lock,
    hash16,
    merge_counts,
    remove_or_fail,
)
from engine.cache.format import encode, from_rfc3339, secret_field, to_rfc3339
from engine.cache.keys import CacheEntry, CacheKey, CacheKind
from engine.config.model import CacheConfig
from engine.errors import CacheError

# Only stats/clear/prune need these (and their dataclasses): imported on first use,
# so reading the cache costs no start-up for them.
if TYPE_CHECKING:
    from engine.cache.redis_tier import RedisTier
    from engine.cache.reports import CacheStats, ClearReport, PruneReport

__all__ = [
    "Cache",
    "CacheEntry",
    "CacheKey",
    "CacheKind",
    "CacheStats",
    "ClearReport",
    "PruneReport",
]

logger = logging.getLogger(__name__)

_MB = 1024 * 1024
_DAY = 86400.0
CLEANUP_INTERVAL = _DAY
"""`cleanup_if_due` prunes when the last cleanup is older than this (seconds)."""
REDIS_FLUSH_WAIT = 2.0
"""Seconds the last flush of a process waits for its writes to reach Redis."""
_DEFAULT_CONFIG = CacheConfig()


def __getattr__(name: str) -> object:
    # `CacheStats`, `ClearReport` and `PruneReport` stay importable from here.
    if name in ("CacheStats", "ClearReport", "PruneReport"):
        from engine.cache import reports

        return getattr(reports, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _redis_tier(config: CacheConfig) -> RedisTier | None:
    """The shared tier `config` asks for, or None (disk backend, or caching off)."""
    if not config.enabled or config.backend != "redis":
        return None
    if not config.redis_url:
        logger.warning(
            "cache.backend is redis but cache.redis_url is not set; using the disk cache"
        )
        return None
    from engine.cache.redis_tier import RedisTier

    return RedisTier(config.redis_url)


def _entry_size(entry: CacheEntry) -> int:
    return entry.size


def _add(totals: dict[str, tuple[int, int]], kind: CacheKind, size: int) -> None:
    name = KIND_DIRS[kind]
    entries, total = totals[name]
    totals[name] = (entries + 1, total + size)


class Cache:
    """Two-tier response cache under `root` (None: memory only); see the module docstring."""

    def __init__(
        self,
        root: Path | None,
        *,
        config: CacheConfig = _DEFAULT_CONFIG,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._root = root
        self._config = config
        self._clock = clock
        self._disk = DiskStore(root) if root is not None else None
        self._redis = _redis_tier(config)
        self._writes = WriteBehind(self._disk, self._degrade) if self._disk is not None else None
        self._cleanup: threading.Thread | None = None
        # The state (version, lookups) a flush last failed to save: a flush of the very
        # same state (a session's close and then the CLI's) does not wait again.
        self._lookups = 0
        self._unsaved: tuple[int, int] | None = None
        self._degraded = False
        self._lock = threading.Lock()
        limits = config.limits
        # LRUCache bounds the bytes; put() enforces the entry count on top.
        self._memory: LRUCache[CacheKey, CacheEntry] = LRUCache(
            maxsize=max(0, limits.memory_size_mb) * _MB, getsizeof=_entry_size
        )
        self._memory_limit = max(0, limits.memory_entries)
        # Bumped by every put/delete/clear, so a disk read that raced one of them
        # is not promoted over the newer state.
        self._version = 0
        self._counts: dict[str, list[int]] = {}  # registry -> [hits, misses] since flush
        self._accessed: dict[CacheKey, float] = {}  # memory hits not yet recorded on disk

    @property
    def root(self) -> Path | None:
        """The disk tier's directory, or None for a memory-only cache."""
        return self._root

    @property
    def config(self) -> CacheConfig:
        """The configuration the cache was built with."""
        return self._config

    @property
    def degraded(self) -> bool:
        """Whether the disk tier was given up after a write failed; memory still works."""
        return self._degraded

    @property
    def _live_disk(self) -> DiskStore | None:
        if self._degraded or not self._config.enabled:
            return None
        return self._disk

    @property
    def reads_disk(self) -> bool:
        """Whether a memory miss goes to the disk or Redis (so async callers read on a thread)."""
        return self._live_disk is not None or self._redis is not None

    @property
    def redis_endpoint(self) -> str | None:
        """scheme://host:port of the shared Redis tier (no password), or None without one."""
        return self._redis.endpoint if self._redis is not None else None

    def now(self) -> float:
        """The cache's clock (injectable), so callers judge age and expiry as it does."""
        return self._clock()

    def ttl_for(self, key: CacheKey) -> float:
        """The configured TTL of `key`'s kind.

        A manifest fetched by tag is a tag->digest resolution, which can change at any
        push, so it lives as long as a tag list; by digest it gets `ttl.manifest`.
        Digest-addressed content never changes, so its TTL only bounds how long it is
        trusted without a revalidation, and eviction still prefers to keep it.
        A storage scan holds tag->digest resolutions too, so it lives as long as a tag list.
        """
        ttl = self._config.ttl
        match key.kind:
            case CacheKind.CATALOG:
                return float(ttl.catalog)
            case CacheKind.TAGS | CacheKind.STORAGE:
                return float(ttl.tags)
            case CacheKind.MANIFEST:
                return float(ttl.manifest if key.immutable else ttl.tags)
            case _:
                return float(ttl.config)

    def get_from_memory(self, key: CacheKey) -> CacheEntry | None:
        """`key`'s entry if memory has it (counted as a hit), else None (not counted yet).

        For async callers: a hit costs no thread; on None they call `get` on one.
        """
        if not self._config.enabled:
            return None
        now = self._clock()
        with self._lock:
            entry = self._memory.get(key)
            if entry is not None:
                self._count(key.registry, now < entry.cached_at + entry.ttl)
                self._accessed[key] = now
        return entry

    def get(self, key: CacheKey) -> CacheEntry | None:
        """`key`'s entry from memory, else from disk, expired or not; None on a miss."""
        if not self._config.enabled:
            return None
        now = self._clock()
        with self._lock:
            try:
                entry = self._memory[key]
            except KeyError:
                version = self._version
            else:
                self._count(key.registry, now < entry.cached_at + entry.ttl)
                self._accessed[key] = now
                return entry
        if self._writes is not None:
            queued, change = self._writes.queued(key)
            if queued:  # newer than the file, which is what it will replace
                with self._lock:
                    self._count(key.registry, change is not None and not change.expired(now))
                return change
        disk = self._live_disk
        found = disk.read(key) if disk is not None else None
        shared = None
        if self._redis is not None and (found is None or found.expired(now)):
            shared = self._redis.read(key, now, self.ttl_for(key))
            if shared is not None and found is not None and shared[0].cached_at <= found.cached_at:
                shared = None  # no newer than the disk's copy
        if shared is not None:
            found = shared[0]
        with self._lock:
            self._count(key.registry, found is not None and not found.expired(now))
            if found is not None and version == self._version:
                self._remember(found)
        if shared is not None:
            if self._writes is not None and disk is not None:
                self._writes.add(key, shared, now=True)  # the team's copy, kept locally
        elif found is not None and disk is not None:
            disk.touch(disk.path_for(key), now)
        return found

    def put(
        self, key: CacheKey, data: Any, *, ttl: float | None = None, background: bool = False
    ) -> CacheEntry:
        """Store `data` in both tiers with `ttl` (default `ttl_for(key)`); never raises.

        The disk write happens now if the lock is free, else on the writer thread;
        with `background`, always there (for async callers). Data that is not JSON or
        that holds a credential field is logged and not stored; the returned entry
        then has size 0.
        """
        seconds = self.ttl_for(key) if ttl is None else float(ttl)
        now = self._clock()
        if not self._config.enabled:
            return CacheEntry(key, data, now, seconds, 0)
        try:
            payload = encode(key, data, now, seconds)
        except (TypeError, ValueError, RecursionError) as exc:
            logger.error("not caching %s: its data is not JSON (%s)", key, exc)
            return CacheEntry(key, data, now, seconds, 0)
        secret = secret_field(data)
        if secret is not None:
            logger.error(
                "not caching %s: it has a %r field, and credentials are never cached", key, secret
            )
            return CacheEntry(key, data, now, seconds, 0)
        entry = CacheEntry(key, data, now, seconds, len(payload))
        with self._lock:
            self._version += 1
            self._remember(entry)
        if self._writes is not None and self._live_disk is not None:
            self._writes.add(key, (entry, payload), now=not background)
        if self._redis is not None:
            self._redis.put(key, payload, seconds)
        return entry

    def delete(self, key: CacheKey, *, background: bool = False) -> None:
        """Forget `key` in both tiers (on disk as `put` writes); never raises."""
        with self._lock:
            self._version += 1
            self._memory.pop(key, None)
            self._accessed.pop(key, None)
        if self._writes is not None and self._live_disk is not None:
            self._writes.add(key, None, now=not background)
        if self._redis is not None:
            self._redis.delete(key)

    def stats(self, registry: str | None = None) -> CacheStats:
        """Entries and bytes per tier and type, hit rate and last cleanup; never raises."""
        from engine.cache.reports import CacheStats, empty_by_type

        with self._lock:
            memory = [e for e in self._peek_all() if registry is None or e.key.registry == registry]
            hits, misses = self._local_counts(registry)
        disk = self._disk
        items = [i for i in disk.scan(registry) if not i.temp] if disk is not None else []
        by_type = empty_by_type()
        for item in items:
            _add(by_type, item.kind, item.size)
        on_disk = {item.path for item in items}
        memory_only = [e for e in memory if disk is None or disk.path_for(e.key) not in on_disk]
        for entry in memory_only:
            _add(by_type, entry.key.kind, entry.size)
        last_cleanup = None
        if disk is not None:
            meta = disk.read_metadata()
            counts = meta if registry is None else meta["registries"].get(hash16(registry))
            counts = counts if isinstance(counts, dict) else {}
            hits += count_of(counts.get("hits"))
            misses += count_of(counts.get("misses"))
            if meta["last_cleanup"] is not None:
                last_cleanup = datetime.fromtimestamp(from_rfc3339(meta["last_cleanup"]), UTC)
        disk_size = sum(item.size for item in items)
        return CacheStats(
            registry=registry,
            total_entries=len(items) + len(memory_only),
            total_size=disk_size + sum(e.size for e in memory_only),
            memory_entries=len(memory),
            memory_size=sum(e.size for e in memory),
            disk_entries=len(items),
            disk_size=disk_size,
            hits=hits,
            misses=misses,
            last_cleanup=last_cleanup,
            by_type=by_type,
            cache_path=self._root,
            degraded=self._degraded,
        )

    def clear(self, registry: str | None = None, kind: CacheKind | None = None) -> ClearReport:
        """Remove every entry (of one registry host, of one kind) from both tiers.

        Raises CacheError when the directory cannot be locked or a file in it cannot
        be deleted; files already deleted stay deleted.
        """
        from engine.cache.reports import ClearReport

        removed: list[DiskItem] = []
        disk = self._disk
        if disk is not None and disk.existing_root("clear"):
            kinds = None if kind is None else (kind,)
            # Locked before memory is touched, so a clear that cannot run changes nothing.
            with explicit_lock(disk, "clear", LOCK_WAIT):
                if self._writes is not None:
                    self._writes.discard(
                        lambda k: registry in (None, k.registry) and kind in (None, k.kind)
                    )
                # Listed in full first, so a directory it cannot read stops it before
                # anything is deleted.
                found = list(disk.scan(registry, kinds, strict=True))
                doomed = self._forget(registry, kind)
                for item in found:
                    if not item.temp and remove_or_fail(disk, item.path):
                        removed.append(item)
                disk.remove_empty_dirs(item.path for item in removed)
        else:
            doomed = self._forget(registry, kind)
        gone = {item.path for item in removed}
        memory_only = [e for e in doomed if disk is None or disk.path_for(e.key) not in gone]
        disk_size = sum(item.size for item in removed)
        return ClearReport(
            entries=len(removed) + len(memory_only),
            size=disk_size + sum(e.size for e in memory_only),
            memory_entries=len(doomed),
            memory_size=sum(e.size for e in doomed),
            disk_entries=len(removed),
            disk_size=disk_size,
        )

    def prune(
        self,
        registry: str | None = None,
        *,
        dry_run: bool = False,
        expired: bool = True,
        lock_wait: float = LOCK_WAIT,
    ) -> PruneReport:
        """Remove expired, unusable, long-unused and over-limit entries (order: engine.cache.prune).

        With `registry`, only that host's entries are candidates, but the disk limits
        are still the whole cache's. A dry run reports the same without removing.
        Raises CacheError like `clear`, after waiting up to `lock_wait` for the lock.
        """
        from engine.cache.prune import PrunePlan, plan_prune
        from engine.cache.reports import PruneReport, empty_by_type

        now = self._clock()
        if not dry_run:
            self._record_accesses()
        disk = self._disk
        plan = PrunePlan()
        if disk is not None and disk.existing_root("prune"):
            lock: AbstractContextManager[None] = (
                nullcontext() if dry_run else explicit_lock(disk, "prune", lock_wait)
            )
            with lock:
                plan = plan_prune(disk, registry, now, self._config.limits, expired=expired)
                if not dry_run:
                    for path in [*plan.doomed, *plan.temps]:
                        remove_or_fail(disk, path)
                    disk.remove_empty_dirs(plan.doomed)
                    if registry is None:
                        self._write_cleanup_metadata(disk, now)
        with self._lock:
            if not dry_run:
                self._version += 1
            memory_only: list[CacheEntry] = []
            for entry in self._peek_all():
                if registry is not None and entry.key.registry != registry:
                    continue
                on_disk = disk.path_for(entry.key) if disk is not None else None
                if on_disk in plan.doomed or (expired and entry.expired(now)):
                    if on_disk not in plan.doomed:
                        memory_only.append(entry)
                    if not dry_run:
                        self._memory.pop(entry.key, None)
                        self._accessed.pop(entry.key, None)
        by_type = empty_by_type()
        reasons = {"expired": 0, "unused": 0, "over_limit": 0, "corrupt": 0}
        for item, reason in plan.doomed.values():
            _add(by_type, item.kind, item.size)
            reasons[reason] += 1
        for entry in memory_only:
            _add(by_type, entry.key.kind, entry.size)
            reasons["expired"] += 1
        return PruneReport(
            dry_run=dry_run,
            entries=len(plan.doomed) + len(memory_only),
            size=sum(i.size for i, _ in plan.doomed.values()) + sum(e.size for e in memory_only),
            by_type=by_type,
            temp_files=len(plan.temps),
            remaining_entries=plan.remaining_entries,
            remaining_size=plan.remaining_size,
            **reasons,
        )

    def cleanup_if_due(self) -> PruneReport | None:
        """Prune the whole cache when the last cleanup is over a day old; never raises.

        Unlike an explicit `prune`, it keeps entries that are merely expired: a stale
        tag list is still worth showing while a fresh one loads (eventual reads).
        Unused and over-limit entries go as usual. It does not wait for the lock:
        when another process holds it, the cleanup is left to a later run.
        """
        disk = self._live_disk
        if disk is None or not disk.root.is_dir():
            return None  # nothing written yet, so nothing to clean
        last = disk.read_metadata()["last_cleanup"]
        if last is not None and self._clock() - from_rfc3339(last) < CLEANUP_INTERVAL:
            return None
        try:
            return self.prune(expired=False, lock_wait=0.0)
        except CacheError as exc:
            if isinstance(exc.__cause__, LockTimeout):
                logger.debug("automatic cache cleanup skipped: %s", exc)
            else:
                logger.warning("automatic cache cleanup failed: %s", exc)
            return None

    def start_cleanup(self) -> None:
        """`cleanup_if_due` on a thread of its own; returns at once (once per `Cache`).

        Call it after the first paint (TUI) or before the work (CLI): it never
        delays an answer, and `flush` gives it up to CLOSE_WAIT to finish.
        """
        if self._cleanup is not None or self._live_disk is None:
            return
        self._cleanup = threading.Thread(
            target=self._cleanup_quietly, name="rex-cache-cleanup", daemon=True
        )
        self._cleanup.start()

    def flush(self) -> None:
        """Write what is queued, merge this process's hit/miss counts into metadata.json
        and record accesses; waits for the lock at most CLOSE_WAIT, then skips.

        Writes bound for Redis get up to REDIS_FLUSH_WAIT to reach it."""
        if self._redis is not None:
            self._redis.flush(REDIS_FLUSH_WAIT)
        disk = self._live_disk
        if disk is None or self._writes is None:
            return
        cleanup = self._cleanup
        if cleanup is not None and cleanup is not threading.current_thread():
            cleanup.join(CLOSE_WAIT)
        self._record_accesses()
        with self._lock:
            counts, self._counts = self._counts, {}

        def save_counts() -> None:
            if counts:
                meta = disk.read_metadata()
                merge_counts(meta, counts)
                disk.write_metadata(meta)

        state = (self._version, self._lookups)
        if self._writes.write(0.0 if state == self._unsaved else CLOSE_WAIT, save_counts):
            self._unsaved = None
        else:
            logger.debug(
                "cache lock busy: %d writes and the statistics not saved", len(self._writes)
            )
            self._restore_counts(counts)
            self._unsaved = state

    # -- internals ---------------------------------------------------------------------

    def _count(self, registry: str, hit: bool) -> None:
        self._lookups += 1
        counts = self._counts.get(registry)
        if counts is None:
            counts = self._counts[registry] = [0, 0]
        counts[0 if hit else 1] += 1

    def _local_counts(self, registry: str | None) -> tuple[int, int]:
        chosen = [c for r, c in self._counts.items() if registry is None or r == registry]
        return sum(c[0] for c in chosen), sum(c[1] for c in chosen)

    def _restore_counts(self, counts: dict[str, list[int]]) -> None:
        with self._lock:
            for registry, (hits, misses) in counts.items():
                mine = self._counts.setdefault(registry, [0, 0])
                mine[0] += hits
                mine[1] += misses

    def _forget(self, registry: str | None, kind: CacheKind | None) -> list[CacheEntry]:
        """Drop matching memory entries and return them."""
        with self._lock:
            self._version += 1
            doomed = [
                e
                for e in self._peek_all()
                if registry in (None, e.key.registry) and kind in (None, e.key.kind)
            ]
            for entry in doomed:
                self._memory.pop(entry.key, None)
                self._accessed.pop(entry.key, None)
        return doomed

    def _remember(self, entry: CacheEntry) -> None:
        """Insert into memory; the caller holds the lock."""
        try:
            self._memory[entry.key] = entry
        except ValueError:  # larger than the whole memory budget: disk only
            self._memory.pop(entry.key, None)
        while len(self._memory) > self._memory_limit:
            self._memory.popitem()

    def _peek_all(self) -> list[CacheEntry]:
        """Every memory entry without disturbing the LRU order; the caller holds the lock."""
        # LRUCache's own __getitem__ would count each look as a use.
        return [_Mapping.__getitem__(self._memory, key) for key in list(self._memory)]

    def _record_accesses(self) -> None:
        """Set the mtime of files whose entries were read from memory, for disk LRU."""
        disk = self._live_disk
        with self._lock:
            accessed, self._accessed = self._accessed, {}
        if disk is not None:
            for key, when in accessed.items():
                disk.touch(disk.path_for(key), when)

    def _cleanup_quietly(self) -> None:
        try:
            self.cleanup_if_due()
        except Exception:  # a thread's crash would print a traceback over the screen
            logger.warning("automatic cache cleanup failed", exc_info=True)

    def _degrade(self, exc: OSError) -> None:
        with self._lock:
            if self._degraded:
                return
            self._degraded = True
        logger.warning(
            "cannot write the cache at %s (%s); caching in memory only from now on",
            self._root,
            exc,
        )

    def _write_cleanup_metadata(self, disk: DiskStore, now: float) -> None:
        with self._lock:
            counts, self._counts = self._counts, {}
        meta = disk.read_metadata()
        merge_counts(meta, counts)
        meta["last_cleanup"] = to_rfc3339(now)
        try:
            disk.write_metadata(meta)
        except OSError as exc:
            self._restore_counts(counts)
            raise CacheError(f"cannot update {disk.metadata_path}: {exc}") from exc
