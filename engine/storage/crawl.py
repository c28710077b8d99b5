"""The storage crawl: catalog -> tags -> manifests (every platform) -> blob descriptors.

- Concurrent: `network.concurrency` repositories at once, their tags too; the HTTP
  client's per-registry limiter bounds what is actually in flight.
- Incremental: manifests come through the reader (`Rex`), so digest-addressed ones
  are read from the cache; a tag costs a HEAD when its cached manifest is due.
- Resumable: each repository's scan is cached as soon as it is done (kind
  `storage`, the tags TTL), and a run without `refresh` reuses fresh scans, so
  a run cut short continues where it stopped.
- Budgeted: `max_requests` bounds the registry reads it starts (listings and
  manifests; token exchanges and retries are not counted). When it runs out, the
  report says `complete: False` and covers what was scanned (older scans included).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import trio

from engine.cache.keys import CacheKey
from engine.errors import (
    AuthenticationError,
    ContentError,
    NotFoundError,
    PermissionDeniedError,
    RexError,
    primary,
    shown,
)
from engine.oci import manifests
from engine.storage.accounting import (
    MAX_DEPTH,
    ManifestNode,
    RepoScan,
    StorageReport,
    account,
    in_scope,
    sane_size,
)
from engine.storage.totals import total_data

if TYPE_CHECKING:
    from engine.cache.store import Cache
    from engine.config.model import Config
    from engine.oci.models import ImageInfo, Manifest
    from engine.oci.reference import Reference

__all__ = ["StorageReader", "crawl_storage"]

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called with (repositories done, repositories in all)."""

LARGEST_PLATFORMS = 10
"""How many of the largest single-platform images get their platform looked up (a config read)."""


class StorageReader(Protocol):
    """What the crawl reads through (`engine.Rex` is one)."""

    config: Config

    @property
    def cache(self) -> Cache | None: ...

    def default_host(self, registry: str | None = None) -> str: ...

    def reference(self, text: str, registry: str | None = None) -> Reference: ...

    async def list_repositories(
        self, registry: str | None = None, *, limit: int | None = None, consistency: Any = None
    ) -> list[str]: ...

    async def list_tags(
        self, repository: str, registry: str | None = None, *, consistency: Any = None
    ) -> list[str]: ...

    async def get_manifest(
        self, reference: Any, *, platform: Any = None, consistency: Any = None
    ) -> Manifest: ...

    async def inspect(
        self, reference: Any, *, platform: Any = None, consistency: Any = None
    ) -> ImageInfo: ...


class _BudgetSpent(Exception):
    """The request budget ran out before this repository was done."""


class _Budget:
    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.spent = 0

    @property
    def counting(self) -> bool:
        return self.limit is not None

    def take(self) -> None:
        if self.limit is not None:
            if self.spent >= self.limit:
                raise _BudgetSpent
            self.spent += 1


class _Crawl:
    def __init__(
        self,
        reader: StorageReader,
        registry: str | None,
        refresh: bool,
        budget: _Budget,
    ) -> None:
        self.reader = reader
        self.registry = registry
        self.host = reader.default_host(registry)
        self.refresh = refresh
        self.level = "strong" if refresh else "weak"
        self.budget = budget
        self.cache = reader.cache
        self.limiter = trio.CapacityLimiter(max(1, reader.config.network.concurrency))

    async def _cached(self, key: CacheKey) -> Any:
        cache = self.cache
        if cache is None:
            return None
        entry = cache.get_from_memory(key)
        if entry is None and cache.reads_disk:
            entry = await trio.to_thread.run_sync(cache.get, key)
        return entry

    async def _charge(self, key: CacheKey) -> None:
        """Take one request from the budget unless `key` will be answered by the cache."""
        if not self.budget.counting:
            return
        entry = await self._cached(key)
        if entry is not None and self.cache is not None:
            if key.immutable:
                return
            if not self.refresh and not entry.expired(self.cache.now()):
                return
        self.budget.take()

    async def repositories(self) -> list[str]:
        await self._charge(CacheKey.catalog(self.host))
        return await self.reader.list_repositories(self.registry, consistency=self.level)

    async def cached_scan(self, name: str, *, fresh: bool) -> tuple[RepoScan, float] | None:
        """A cached scan of `name` (only an unexpired one when `fresh`) and when it was made."""
        entry = await self._cached(CacheKey.storage(self.host, name))
        if entry is None or self.cache is None:
            return None
        scan = RepoScan.from_data(entry.data)
        if scan is None or scan.name != name or (fresh and entry.expired(self.cache.now())):
            return None
        return scan, entry.cached_at

    async def scan(self, name: str) -> RepoScan:
        await self._charge(CacheKey.tags(self.host, name))
        try:
            tags = await self.reader.list_tags(name, self.registry, consistency=self.level)
        except NotFoundError:
            tags = []  # deleted since the catalog was read
        resolved: dict[str, str] = {}
        nodes: dict[str, ManifestNode] = {}

        async def one(tag: str) -> None:
            ref = self.reader.reference(f"{name}:{tag}", self.registry)
            async with self.limiter:
                await self._charge(CacheKey.manifest(self.host, name, tag))
                try:
                    manifest = await self.reader.get_manifest(ref, consistency=self.level)
                except (NotFoundError, ContentError) as exc:
                    logger.warning("storage: %s:%s left out: %s", name, shown(tag), exc.message)
                    return
            resolved[tag] = manifest.digest
            await self.walk(name, manifest, None, 0, nodes)

        try:
            async with trio.open_nursery() as nursery:
                for tag in tags:
                    nursery.start_soon(one, tag)
        except BaseExceptionGroup as group:
            # One answer for the repository: the budget first, then the registry's word.
            leaf = primary(group, _BudgetSpent, AuthenticationError, PermissionDeniedError)
            if isinstance(leaf, _BudgetSpent | RexError):
                raise leaf from None
            raise
        scan = RepoScan(name, {t: resolved[t] for t in sorted(resolved)}, nodes)
        if self.cache is not None:
            self.cache.put(CacheKey.storage(self.host, name), scan.to_data(), background=True)
        return scan

    async def walk(
        self,
        name: str,
        manifest: Manifest,
        platform: str | None,
        depth: int,
        nodes: dict[str, ManifestNode],
    ) -> None:
        if manifest.digest in nodes:
            return
        parsed = manifest.parsed
        size = len(manifest.body)
        if isinstance(parsed, manifests.ImageIndex):
            children = tuple(d.digest for d in parsed.manifests)
            nodes[manifest.digest] = ManifestNode(manifest.digest, size, platform, children)
            if depth >= MAX_DEPTH:
                return
            for child in parsed.manifests:
                if child.digest in nodes:
                    continue
                ref = self.reader.reference(f"{name}@{child.digest}", self.registry)
                async with self.limiter:
                    await self._charge(CacheKey.manifest(self.host, name, child.digest))
                    try:
                        found = await self.reader.get_manifest(ref, consistency=self.level)
                    except (NotFoundError, ContentError) as exc:
                        logger.warning(
                            "storage: %s@%s left out: %s", name, child.digest, exc.message
                        )
                        continue
                inner = str(child.platform) if child.platform is not None else None
                await self.walk(name, found, inner, depth + 1, nodes)
            return
        described = (parsed.config, *parsed.layers)
        if any(sane_size(d.size) != d.size for d in described):
            logger.warning("storage: %s@%s claims a blob size past belief", name, manifest.digest)
        blobs = [(d.digest, sane_size(d.size)) for d in described]
        nodes[manifest.digest] = ManifestNode(manifest.digest, size, platform, (), tuple(blobs))

    async def platforms(self, report: StorageReport) -> StorageReport:
        """Name the platform of the largest single-platform images (their config says it)."""
        largest = list(report.largest)
        for i, image in enumerate(largest[:LARGEST_PLATFORMS]):
            if image.platform is not None or not image.digest:
                continue
            ref = self.reader.reference(f"{image.repository}@{image.digest}", self.registry)
            try:
                self.budget.take()
                info = await self.reader.inspect(ref, consistency="weak")
            except (_BudgetSpent, NotFoundError, ContentError):
                continue
            largest[i] = replace(image, platform=info.platform)
        return replace(report, largest=tuple(largest))


async def crawl_storage(
    reader: StorageReader,
    registry: str | None = None,
    *,
    scope: str | None = None,
    sort: str = "size",
    refresh: bool = False,
    max_requests: int | None = None,
    progress: Progress | None = None,
) -> StorageReport:
    """Walk every repository of `registry` and account for its storage (see the module)."""
    budget = _Budget(max_requests)
    crawl = _Crawl(reader, registry, refresh, budget)
    complete = True
    try:
        names = await crawl.repositories()
    except _BudgetSpent:
        names, complete = [], False
    if complete and scope is not None and not any(in_scope(n, scope) for n in names):
        raise NotFoundError(
            f"no repository or namespace {shown(scope)} in {crawl.host}",
            hint="Give a repository name or the start of some (a namespace).",
            registry=crawl.host,
        )
    scans: dict[str, RepoScan] = {}
    oldest: list[float] = []
    skipped: list[str] = []
    done = 0
    stopped = False
    send, receive = trio.open_memory_channel[str](math.inf)
    for name in names:
        send.send_nowait(name)
    send.close()

    async def one(name: str) -> None:
        """A fresh cached scan, else a new one; once the budget is spent, any cached one."""
        nonlocal stopped
        found = None if refresh and not stopped else await crawl.cached_scan(name, fresh=True)
        if found is None and not stopped:
            try:
                scans[name] = await crawl.scan(name)
                return
            except _BudgetSpent:
                stopped = True
            except (AuthenticationError, PermissionDeniedError) as exc:
                logger.warning("storage: %s left out: %s", name, exc.message)
                skipped.append(name)
                return
        if found is None:
            found = await crawl.cached_scan(name, fresh=False)
        if found is not None:
            scans[name], when = found
            oldest.append(when)

    async def worker(queue: trio.MemoryReceiveChannel[str]) -> None:
        nonlocal done
        async with queue:
            async for name in queue:
                await one(name)
                done += 1
                if progress is not None:
                    progress(done, len(names))

    if progress is not None:
        progress(0, len(names))
    workers = max(1, min(len(names), reader.config.network.concurrency))
    async with trio.open_nursery() as nursery:
        for _ in range(workers):
            nursery.start_soon(worker, receive.clone())
        await receive.aclose()
    if stopped:
        complete = False
    if skipped:
        complete = False
    cache = reader.cache
    now = cache.now() if cache is not None else datetime.now(UTC).timestamp()
    scanned_at = datetime.fromtimestamp(int(min([now, *oldest])), UTC)
    whole = account(
        scans.values(),
        registry=crawl.host,
        complete=complete,
        scanned_at=scanned_at,
        sort=sort,
        skipped=sorted(skipped),
    )
    if cache is not None:
        cache.put(CacheKey.storage(crawl.host), total_data(whole), background=True)
    report = whole
    if scope is not None:
        report = account(
            scans.values(),
            registry=crawl.host,
            complete=complete,
            scanned_at=scanned_at,
            scope=scope,
            sort=sort,
            skipped=sorted(skipped),
        )
    return await crawl.platforms(report)
