"""Blob transfers in parallel, at most `jobs` at once; the first failure cancels the rest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import trio

from engine.errors import RexError, leaves
from engine.oci.manifests import Descriptor

__all__ = ["each_blob"]


async def each_blob(
    blobs: Sequence[Descriptor], jobs: int, work: Callable[[Descriptor], Awaitable[None]]
) -> None:
    """`work(blob)` for every blob, `jobs` at a time, largest first (the long pole starts early)."""
    # `jobs` workers share one queue, so blobs start in this order (trio runs tasks
    # started together in no fixed order).
    queue = iter(sorted(blobs, key=lambda b: -b.size))

    async def worker() -> None:
        for blob in queue:
            await work(blob)

    try:
        async with trio.open_nursery() as nursery:
            for _ in range(max(1, min(jobs, len(blobs)))):
                nursery.start_soon(worker)
    except BaseExceptionGroup as group:
        # One blob's failure is the transfer's: raise it, not a group around it.
        found = leaves(group)
        if all(isinstance(leaf, RexError) for leaf in found):
            raise found[0] from None
        raise
