"""What `Cache.stats`, `clear` and `prune` report, in the seeds' JSON shapes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.frozen import Frozen

__all__ = [
    "TYPE_NAMES",
    "CacheStats",
    "ClearReport",
    "PruneReport",
    "by_type_dict",
    "empty_by_type",
]

TYPE_NAMES = ("catalogs", "tags", "manifests", "configs", "storage")
"""The `by_type` keys, which are also the cache's top-level directory names."""


def empty_by_type() -> dict[str, tuple[int, int]]:
    """(entries, bytes) of zero for every type name, to add to."""
    return dict.fromkeys(TYPE_NAMES, (0, 0))


def by_type_dict(by_type: Mapping[str, tuple[int, int]]) -> dict[str, dict[str, int]]:
    """`by_type` as the seeds print it: every type present, as {"entries", "size"}."""
    return {
        name: {"entries": by_type.get(name, (0, 0))[0], "size": by_type.get(name, (0, 0))[1]}
        for name in TYPE_NAMES
    }


def _utc_text(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CacheStats(Frozen):
    """Entry counts and sizes per tier and type, hit rate and last cleanup."""

    registry: str | None
    """The registry host the numbers are for; None for the whole cache."""
    total_entries: int
    total_size: int
    memory_entries: int
    memory_size: int
    disk_entries: int
    disk_size: int
    hits: int
    """Reads answered with a fresh entry, from metadata.json plus this process."""
    misses: int
    """Reads that found nothing, or only an expired entry."""
    last_cleanup: datetime | None
    by_type: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """(entries, bytes) for each name in TYPE_NAMES, memory and disk together."""
    cache_path: Path | None = None
    degraded: bool = False
    """The disk tier was given up this session; the disk numbers may be stale."""

    @property
    def hit_rate(self) -> float:
        """Hits over all counted reads; 0.0 before any read."""
        reads = self.hits + self.misses
        return self.hits / reads if reads else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The seed's `rex registry cache stats --format json` object (the app adds "url")."""
        return {
            "registry": self.registry,
            "total_entries": self.total_entries,
            "total_size": self.total_size,
            "memory_entries": self.memory_entries,
            "memory_size": self.memory_size,
            "disk_entries": self.disk_entries,
            "disk_size": self.disk_size,
            "hit_rate": round(self.hit_rate, 4),
            "last_cleanup": _utc_text(self.last_cleanup),
            "by_type": by_type_dict(self.by_type),
            "cache_path": None if self.cache_path is None else str(self.cache_path),
        }


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ClearReport(Frozen):
    """What `Cache.clear` removed; `entries` counts an entry held in both tiers once."""

    entries: int
    size: int
    memory_entries: int
    memory_size: int
    disk_entries: int
    disk_size: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping of every field."""
        return {
            "entries": self.entries,
            "size": self.size,
            "memory_entries": self.memory_entries,
            "memory_size": self.memory_size,
            "disk_entries": self.disk_entries,
            "disk_size": self.disk_size,
        }


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PruneReport(Frozen):
    """What `Cache.prune` removed, or with `dry_run` would remove, and why."""

    dry_run: bool
    entries: int
    size: int
    by_type: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """(entries, bytes) removed for each name in TYPE_NAMES."""
    expired: int = 0
    """Entries past their TTL."""
    unused: int = 0
    """Entries not read for `limits.max_age_days`."""
    over_limit: int = 0
    """Entries evicted to get under `limits.disk_entries` / `limits.disk_size_mb`."""
    corrupt: int = 0
    """Unusable entry files: not JSON, or another format version."""
    temp_files: int = 0
    """Temporary files left by writers that died, older than an hour."""
    remaining_entries: int = 0
    remaining_size: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping of every field, `by_type` in the seeds' shape."""
        return {
            "dry_run": self.dry_run,
            "entries": self.entries,
            "size": self.size,
            "by_type": by_type_dict(self.by_type),
            "expired": self.expired,
            "unused": self.unused,
            "over_limit": self.over_limit,
            "corrupt": self.corrupt,
            "temp_files": self.temp_files,
            "remaining_entries": self.remaining_entries,
            "remaining_size": self.remaining_size,
        }
