"""A registry's health for the dashboard: a short ping plus what is already known.

`check_registry` pings within a short deadline and adds what costs no request:
the repository count and last sync from the catalog cache, the storage total
when one was computed, and what the transport saw of the registry's answers
(its auth scheme, its rate limit, its last failure). It never raises for the
registry's sake: a registry that fails is a status, so one registry's failure
never hides another's (`check_registries` checks them side by side).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import trio

from engine.cache.keys import CacheKey
from engine.errors import (
    AuthenticationError,
    ContentError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    RequestTimeout,
    RexError,
)
from engine.frozen import Frozen
from engine.oci.models import isoformat
from engine.reads.cached import list_from
from engine.transport.endpoint import Endpoint
from engine.transport.headers import RateLimit

if TYPE_CHECKING:
    from engine.cache.store import Cache
    from engine.config.model import RegistryConfig
    from engine.transport.observed import Observed
    from engine.transport.registry import RegistryClient

__all__ = ["STATUSES", "STATUS_TIMEOUT", "RegistryStatus", "check_registries", "check_registry"]

STATUS_TIMEOUT = 5.0
"""Seconds a dashboard ping waits at most (retries included): a dashboard is not a wait."""
STATUSES = (
    "online",
    "auth required",
    "auth failed",
    "rate-limited",
    "offline",
    "not a registry",
    "error",
)
"""What `RegistryStatus.status` can be, best first."""


class RegistryAccess(Protocol):
    """What the dashboard needs of `engine.rex.Rex` (which imports this module)."""

    @property
    def cache(self) -> Cache | None: ...

    def registry_config(self, registry: str | None = None) -> RegistryConfig: ...

    async def client(self, registry: str | None = None) -> RegistryClient: ...


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RegistryStatus(Frozen):
    """One row of the registry dashboard."""

    name: str
    url: str
    host: str
    status: str
    """One of STATUSES."""
    latency_ms: float | None
    """How long the ping took (None: it got no answer)."""
    auth: str | None
    """anonymous, basic or bearer, as the registry's answers showed; None: not known."""
    api_version: str | None
    repositories: int | None
    """The cached catalog's size; None: never listed (or not cached)."""
    storage_bytes: int | None
    """The registry's computed storage total, when one was computed."""
    synced_at: float | None
    """Epoch seconds when the catalog was last fetched; None: never."""
    last_error: str | None
    """The last failure (registry text: escape it before showing it)."""
    last_error_at: float | None
    rate_limit: RateLimit | None
    checked_at: float

    def sync_age(self, now: float) -> float | None:
        """Seconds since the last sync, or None."""
        return None if self.synced_at is None else max(0.0, now - self.synced_at)

    def to_dict(self, now: float) -> dict[str, Any]:
        """The JSON/YAML shape of a dashboard row (times as RFC 3339, ages in seconds)."""
        rate: dict[str, Any] | None = None
        if self.rate_limit is not None:
            rl = self.rate_limit
            reset = rl.reset_in(now)
            rate = {
                "limit": rl.limit,
                "remaining": rl.remaining,
                "window_seconds": rl.window,
                "resets_at": _iso(rl.resets_at),
                "resets_in_seconds": None if reset is None else round(reset),
                "limited": rl.exhausted(now),
            }
        age = self.sync_age(now)
        return {
            "status": self.status,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
            "auth": self.auth,
            "api_version": self.api_version,
            "repositories": self.repositories,
            "storage_bytes": self.storage_bytes,
            "last_sync": _iso(self.synced_at),
            "last_sync_age_seconds": None if age is None else round(age),
            "last_error": self.last_error,
            "last_error_at": _iso(self.last_error_at),
            "rate_limit": rate,
        }


def _iso(epoch: float | None) -> str | None:
    if epoch is None or not math.isfinite(epoch):
        return None
    return isoformat(datetime.fromtimestamp(epoch, UTC).replace(microsecond=0))


def _storage_total(rex: RegistryAccess, host: str) -> int | None:
    """The registry's last `rex storage` total in bytes, or None while none was worked
    out; a disk read: call on a thread."""
    from engine.storage.totals import cached_total

    total = cached_total(rex.cache, host) if rex.cache is not None else None
    return total.total_bytes if total is not None else None


def _catalog_facts(rex: RegistryAccess, host: str) -> tuple[int | None, float | None]:
    """(repository count, fetched at) of the cached catalog; a disk read: call on a thread."""
    cache = rex.cache
    entry = cache.get(CacheKey.catalog(host)) if cache is not None else None
    if entry is None:
        return None, None
    try:
        return len(list_from(entry.data, "repositories")), entry.cached_at
    except ContentError:
        return None, None


def _status_of(error: RexError, has_credentials: bool) -> str:
    if isinstance(error, RateLimitError):
        return "rate-limited"
    if isinstance(error, NetworkError):
        return "offline"
    if isinstance(error, AuthenticationError):
        return "auth failed" if has_credentials else "auth required"
    if isinstance(error, NotFoundError):
        return "not a registry"
    return "error"


async def check_registry(
    rex: RegistryAccess, registry: str | None = None, *, timeout: float = STATUS_TIMEOUT
) -> RegistryStatus:
    """`registry`'s dashboard row: a ping within `timeout` seconds, and what is known."""
    rc = rex.registry_config(registry)
    host = Endpoint.parse(rc.url, insecure=True).host
    status, latency, api_version = "error", None, None
    observed: Observed | None = None
    error: RexError | None = None
    try:
        client = await rex.client(registry)
        observed = client.http.observed
        started = time.time()  # the transport's clock
        with trio.move_on_after(timeout):
            result = await client.ping()
            status, latency, api_version = result.status, result.elapsed_ms, result.api_version
        if latency is None:
            status = "offline"
            if (observed.last_error_at or 0.0) < started:  # else the retried failure says why
                error = RequestTimeout(f"{host} did not answer within {timeout:g} s", registry=host)
                observed.failed(error)
    except RexError as exc:
        error = exc
        auth = client.http.auth if observed is not None else None
        status = _status_of(exc, auth is not None and auth.credentials is not None)
    now = time.time()
    rate = observed.rate_limit if observed is not None else None
    if rate is not None and rate.exhausted(now) and status in ("online", "offline"):
        status = "rate-limited"
    count, synced = await trio.to_thread.run_sync(functools.partial(_catalog_facts, rex, host))
    if observed is not None:
        last_error, last_error_at = observed.last_error, observed.last_error_at
    else:  # no client could be made (a bad CA file): the error is the whole story
        last_error, last_error_at = (str(error) if error else None), now
    return RegistryStatus(
        name=rc.name,
        url=rc.url,
        host=host,
        status=status,
        latency_ms=latency,
        auth=observed.auth if observed is not None else None,
        api_version=api_version,
        repositories=count,
        storage_bytes=await trio.to_thread.run_sync(functools.partial(_storage_total, rex, host)),
        synced_at=synced,
        last_error=last_error,
        last_error_at=last_error_at,
        rate_limit=rate,
        checked_at=now,
    )


async def check_registries(
    rex: RegistryAccess, registries: Sequence[str], *, timeout: float = STATUS_TIMEOUT
) -> list[RegistryStatus]:
    """Every registry's row, checked side by side, in the order asked."""
    found: dict[int, RegistryStatus] = {}

    async def one(index: int, name: str) -> None:
        found[index] = await check_registry(rex, name, timeout=timeout)

    async with trio.open_nursery() as nursery:
        for index, name in enumerate(registries):
            nursery.start_soon(one, index, name)
    return [found[i] for i in range(len(registries))]
