"""The async driver: runs a read plan on trio, with the registry clients and the cache.

`Rex` builds one and reads everything through it (the TUI and the CLI commands that
need the network). Cache reads that miss memory run on a worker thread, never on
trio's; registry fetches of the same thing share one request (`Refresher.run`).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import trio

from engine.cache.store import Cache, CacheEntry, CacheKey, CacheKind
from engine.errors import RexError, primary
from engine.reads.plan import (
    Forget,
    Gather,
    GetBlob,
    GetManifest,
    HeadManifest,
    ListRepositories,
    ListTags,
    Lookup,
    Plan,
    Referrers,
    Step,
    Store,
    Walk,
)
from engine.reads.refresh import Refresher

if TYPE_CHECKING:
    from engine.transport.registry import RegistryClient

__all__ = ["AsyncDriver"]

T = TypeVar("T")


class AsyncDriver:
    """Answers a plan's steps: `clients(host)` for requests, `catalog(registry)` for one."""

    def __init__(
        self,
        cache: Cache | None,
        clients: Callable[[str], Awaitable[RegistryClient]],
        catalog: Callable[[str | None], Awaitable[list[str]]],
        refresher: Refresher,
    ) -> None:
        self._cache = cache
        self._clients = clients
        self._catalog = catalog
        self._refresher = refresher

    async def run(self, plan: Plan[T]) -> T:
        walk = Walk(plan)
        try:
            step = walk.next()
            while step is not None:
                try:
                    answer = await self._answer(step)
                except RexError as exc:
                    step = walk.next(error=exc)
                else:
                    step = walk.next(answer)
        finally:
            walk.close()
        return walk.value  # type: ignore[return-value]  # set when the plan returned

    async def _answer(self, step: Step) -> Any:
        cache = self._cache
        match step:
            case Lookup(key):
                return await self._lookup(key)
            case Store(key, data):
                if cache is not None:
                    store = functools.partial(cache.put, background=True)
                    if key.kind in (CacheKind.CATALOG, CacheKind.TAGS):
                        # Encoding 100,000 names takes tens of ms: not on trio's thread.
                        await trio.to_thread.run_sync(store, key, data)
                    else:
                        store(key, data)
                return None
            case Forget(key):
                if cache is not None:
                    cache.delete(key, background=True)
                return None
            case Gather():
                return await self._gather(step)
            case HeadManifest(registry, repository, reference):
                client = await self._clients(registry)
                return (await client.head_manifest(repository, reference)).digest
            case GetManifest(registry, repository, reference):
                client = await self._clients(registry)
                return await self._refresher.run(
                    ("manifest", registry, repository, reference),
                    lambda: client.get_manifest(repository, reference),
                )
            case GetBlob(registry, repository, digest, max_bytes):
                client = await self._clients(registry)
                return await self._refresher.run(
                    ("blob", registry, repository, digest),
                    lambda: client.get_blob(repository, digest, max_bytes=max_bytes),
                )
            case ListTags(registry, repository):
                client = await self._clients(registry)
                return await self._refresher.run(
                    ("tags", registry, repository), lambda: client.tags(repository)
                )
            case ListRepositories(registry, host):
                return await self._refresher.run(("catalog", host), lambda: self._catalog(registry))
            case Referrers(registry, repository, digest, artifact_type):
                client = await self._clients(registry)
                return await client.referrers(repository, digest, artifact_type=artifact_type)
        raise AssertionError(f"unknown read step {step!r}")

    async def _lookup(self, key: CacheKey) -> CacheEntry | None:
        """`key`'s cache entry; a disk read runs on a worker thread, never on trio's."""
        cache = self._cache
        if cache is None:
            return None
        entry = cache.get_from_memory(key)
        if entry is not None:
            return entry
        if not cache.reads_disk:
            return cache.get(key)  # counts the miss; memory only, nothing to wait on
        return await trio.to_thread.run_sync(cache.get, key)

    async def _gather(self, step: Gather) -> list[Any]:
        plans = step.plans
        results: dict[int, Any] = {}
        done = 0

        async def one(i: int, sub: Plan[Any]) -> None:
            nonlocal done
            try:
                results[i] = await self.run(sub)
            except RexError as exc:
                if not isinstance(exc, step.tolerate):
                    raise
                results[i] = exc
            done += 1
            if step.progress is not None:
                step.progress(done, len(plans))

        try:
            async with trio.open_nursery() as nursery:
                for i, sub in enumerate(plans):
                    nursery.start_soon(one, i, sub)
        except BaseExceptionGroup as group:
            # One failed item is one readable error, not a trio ExceptionGroup.
            first = primary(group, RexError)
            if not isinstance(first, RexError):
                raise
            raise first from None
        finally:
            for sub in plans:
                sub.close()
        return [results[i] for i in range(len(plans))]
