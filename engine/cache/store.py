"""The response cache's storage: a thread-safe L1 memory tier over an L2 disk tier.

Seed section 1.9, storage half. Writes go through to both tiers; reads try memory,
then disk (promoting what they find). `get` returns expired entries too: whether
to serve, revalidate or refetch is the consistency policy's call, made in `Rex`,
so this layer keeps no policy beyond TTL bookkeeping.

Failures: a read never raises; an unusable entry file is deleted with a warning
and read as a miss. A write never raises; the first OSError (unwritable or full
disk, a path under a file) gives the disk tier up for this `Cache` with one
warning, and `degraded` turns True. `CacheError` (exit 7) is raised only by the
explicit `clear` and `prune` when the cache directory cannot be locked or a file
in it cannot be deleted, since a silent partial clear would mislead the user.

Concurrency: one lock guards memory and counters, so worker threads may share a
`Cache`; disk writers in every process serialise on `ROOT/.lock` (engine.cache.disk).
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

from engine.cache.disk import (
    KIND_DIRS,
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
_DEFAULT_CONFIG = CacheConfig()


def __getattr__(name: str) -> object:
    # `CacheStats`, `ClearReport` and `PruneReport` stay importable from here.
    if name in ("CacheStats", "ClearReport", "PruneReport"):
        from engine.cache import reports

        return getattr(reports, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

    def now(self) -> float:
        """The cache's clock (injectable), so callers judge age and expiry as it does."""
        return self._clock()

    def ttl_for(self, key: CacheKey) -> float:
        """The configured TTL of `key`'s kind.

        A manifest fetched by tag is a tag->digest resolution, which can change at any
        push, so it lives as long as a tag list; by digest it gets `ttl.manifest`.
        Digest-addressed content never changes, so its TTL only bounds how long it is
        trusted without a revalidation, and eviction still prefers to keep it.
        """
        ttl = self._config.ttl
        match key.kind:
            case CacheKind.CATALOG:
                return float(ttl.catalog)
            case CacheKind.TAGS:
                return float(ttl.tags)
            case CacheKind.MANIFEST:
                return float(ttl.manifest if key.immutable else ttl.tags)
            case _:
                return float(ttl.config)

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
        disk = self._live_disk
        found = disk.read(key) if disk is not None else None
        with self._lock:
            self._count(key.registry, found is not None and not found.expired(now))
            if found is not None and version == self._version:
                self._remember(found)
        if found is not None and disk is not None:
            disk.touch(disk.path_for(key), now)
        return found

    def put(self, key: CacheKey, data: Any, *, ttl: float | None = None) -> CacheEntry:
        """Store `data` in both tiers with `ttl` (default `ttl_for(key)`); never raises.

        Data that is not JSON or that holds a credential field is logged and not
        stored; the returned entry then has size 0.
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
        disk = self._live_disk
        if disk is not None:
            self._disk_write(disk, lambda: disk.write(disk.path_for(key), payload, now), key)
        return entry

    def delete(self, key: CacheKey) -> None:
        """Forget `key` in both tiers; never raises."""
        with self._lock:
            self._version += 1
            self._memory.pop(key, None)
            self._accessed.pop(key, None)
        disk = self._live_disk
        if disk is not None:
            self._disk_write(disk, lambda: disk.remove(disk.path_for(key)), key)

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
            with explicit_lock(disk, "clear"):
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
        self, registry: str | None = None, *, dry_run: bool = False, expired: bool = True
    ) -> PruneReport:
        """Remove expired, unusable, long-unused and over-limit entries (order: engine.cache.prune).

        With `registry`, only that host's entries are candidates, but the disk limits
        are still the whole cache's. A dry run reports the same without removing.
        Raises CacheError like `clear`.
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
                nullcontext() if dry_run else explicit_lock(disk, "prune")
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
        Unused and over-limit entries go as usual.
        """
        disk = self._live_disk
        if disk is None or not disk.root.is_dir():
            return None  # nothing written yet, so nothing to clean
        last = disk.read_metadata()["last_cleanup"]
        if last is not None and self._clock() - from_rfc3339(last) < CLEANUP_INTERVAL:
            return None
        try:
            return self.prune(expired=False)
        except CacheError as exc:
            logger.warning("automatic cache cleanup failed: %s", exc)
            return None

    def flush(self) -> None:
        """Merge this process's hit/miss counts into metadata.json and record accesses."""
        disk = self._live_disk
        if disk is None:
            return
        self._record_accesses()
        with self._lock:
            counts, self._counts = self._counts, {}
        if not counts:
            return
        try:
            with disk.locked():
                meta = disk.read_metadata()
                merge_counts(meta, counts)
                disk.write_metadata(meta)
        except LockTimeout as exc:
            logger.warning("cache statistics not saved: %s", exc)
            self._restore_counts(counts)
        except OSError as exc:
            self._restore_counts(counts)
            self._degrade(exc)

    # -- internals ---------------------------------------------------------------------

    def _count(self, registry: str, hit: bool) -> None:
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

    def _disk_write(self, disk: DiskStore, change: Callable[[], object], key: CacheKey) -> None:
        try:
            with disk.locked():
                change()
        except LockTimeout as exc:
            logger.warning("not writing %s to the disk cache: %s", key, exc)
        except OSError as exc:
            self._degrade(exc)

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
