"""Blob transfers in parallel, at most `jobs` at once; the first failure cancels the rest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import trio

from engine.oci.manifests import Descriptor

__all__ = ["each_blob"]


async def each_blob(
    blobs: Sequence[Descriptor], jobs: int, work: Callable[[Descriptor], Awaitable[None]]
) -> None:
    """`work(blob)` for every blob, `jobs` at a time, largest first (the long pole starts early)."""
    limiter = trio.CapacityLimiter(max(1, jobs))

    async def one(blob: Descriptor) -> None:
        async with limiter:
            await work(blob)

    async with trio.open_nursery() as nursery:
        for blob in sorted(blobs, key=lambda b: -b.size):
            nursery.start_soon(one, blob)
