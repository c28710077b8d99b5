"""Which disk entries `Cache.prune` removes, and in what order (seed 1.9 "Eviction Priority").

1. unusable files (not JSON, another format version) and expired entries;
2. entries not accessed for `limits.max_age_days`;
3. while the whole disk tier is over `limits.disk_entries` or `limits.disk_size_mb`:
   the least recently accessed first, accesses within one RECENCY_BUCKET counting
   as equally recent; among those, mutable before immutable, then larger first.

Plus temp files of writers that died, once older than STRAY_TEMP_AGE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.cache.disk import DiskItem, DiskStore, hash16
from engine.cache.format import CorruptEntry, read_head
from engine.config.model import CacheLimits

__all__ = ["RECENCY_BUCKET", "STRAY_TEMP_AGE", "PrunePlan", "plan_prune"]

_DAY = 86400.0
_MB = 1024 * 1024
STRAY_TEMP_AGE = 3600.0
"""Seconds after which a temp file is a dead writer's, not one in flight."""
RECENCY_BUCKET = 3600.0
"""Seconds within which accesses count as equally recent, so that an hour's mutable
entries (which expire in minutes anyway) are evicted before its immutable ones."""


@dataclass(slots=True)
class PrunePlan:
    """The files prune removes, why, and what the pruned scope keeps."""

    doomed: dict[Path, tuple[DiskItem, str]] = field(default_factory=dict)
    """Entry file -> (item, reason): "corrupt", "expired", "unused" or "over_limit"."""
    temps: list[Path] = field(default_factory=list)
    remaining_entries: int = 0
    remaining_size: int = 0


def plan_prune(
    disk: DiskStore,
    registry: str | None,
    now: float,
    limits: CacheLimits,
    *,
    expired: bool = True,
) -> PrunePlan:
    """Decide what to remove; only `registry`'s entries are candidates, limits are global."""
    items = list(disk.scan(strict=True))  # a partial plan would misreport what is left
    scope = None if registry is None else hash16(registry)
    plan = PrunePlan()
    plan.temps = [
        i.path
        for i in items
        if i.temp and now - i.mtime > STRAY_TEMP_AGE and scope in (None, i.registry_hash)
    ]
    if scope is None:
        plan.temps += [p for p in disk.root_temp_files() if now - _mtime(p) > STRAY_TEMP_AGE]
    entries = [i for i in items if not i.temp]
    count, size = len(entries), sum(i.size for i in entries)
    candidates = [i for i in entries if scope in (None, i.registry_hash)]
    max_idle = limits.max_age_days * _DAY
    for item in candidates:
        reason = _reason(item, now, max_idle, expired)
        if reason is not None:
            plan.doomed[item.path] = (item, reason)
            count, size = count - 1, size - item.size
    survivors = [i for i in candidates if i.path not in plan.doomed]
    survivors.sort(key=lambda i: (i.mtime // RECENCY_BUCKET, i.immutable, -i.size, i.mtime))
    max_count, max_size = limits.disk_entries, limits.disk_size_mb * _MB
    evicted = 0
    for item in survivors:
        if count <= max_count and size <= max_size:
            break
        plan.doomed[item.path] = (item, "over_limit")
        count, size = count - 1, size - item.size
        evicted += 1
    kept = survivors[evicted:]
    plan.remaining_entries, plan.remaining_size = len(kept), sum(i.size for i in kept)
    return plan


def _reason(item: DiskItem, now: float, max_idle: float, expired: bool) -> str | None:
    try:
        cached_at, ttl = read_head(item.path)
    except CorruptEntry:
        return "corrupt"
    except OSError:
        return None  # deleted meanwhile, or unreadable: not ours to judge
    if expired and now >= cached_at + ttl:
        return "expired"
    if now - item.mtime > max_idle:
        return "unused"
    return None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")  # gone already: nothing to remove
