"""A registry's last storage totals: one small cache entry, read without the network stack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from engine.cache.keys import CacheKey
from engine.errors import RexError
from engine.frozen import Frozen

if TYPE_CHECKING:
    from engine.cache.store import Cache
    from engine.storage.accounting import StorageReport

__all__ = ["StorageTotal", "cached_total", "total_data"]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class StorageTotal(Frozen):
    """A registry's last storage totals, as cached (cheap: one small cache entry)."""

    registry: str
    total_bytes: int
    manifest_bytes: int
    blobs: int
    repositories: int
    complete: bool
    scanned_at: datetime
    age: float
    """Seconds since the totals were worked out."""


def total_data(report: StorageReport) -> dict[str, Any]:
    return {
        "total_bytes": report.total_bytes,
        "manifest_bytes": report.manifest_bytes,
        "blobs": report.blobs,
        "repositories": len(report.repositories),
        "complete": report.complete,
        "scanned_at": report.scanned_at.timestamp(),
    }


def cached_total(cache: Cache | None, registry: str) -> StorageTotal | None:
    """`registry`'s last storage totals if a crawl left them in the cache (any age), else None.

    Synchronous and cheap (one small entry, memory first): for a dashboard.
    """
    if cache is None:
        return None
    try:
        entry = cache.get(CacheKey.storage(registry))
    except RexError:
        return None
    if entry is None or not isinstance(entry.data, dict):
        return None
    data = entry.data
    numbers = [data.get(k) for k in ("total_bytes", "manifest_bytes", "blobs", "repositories")]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers):
        return None
    when, complete = data.get("scanned_at"), data.get("complete")
    if (
        not isinstance(when, int | float)
        or isinstance(when, bool)
        or not isinstance(complete, bool)
    ):
        return None
    total, manifest_bytes, blobs, repositories = numbers
    assert isinstance(total, int) and isinstance(manifest_bytes, int)
    assert isinstance(blobs, int) and isinstance(repositories, int)
    return StorageTotal(
        registry=registry,
        total_bytes=total,
        manifest_bytes=manifest_bytes,
        blobs=blobs,
        repositories=repositories,
        complete=complete,
        scanned_at=datetime.fromtimestamp(when, UTC),
        age=entry.age(cache.now()),
    )
