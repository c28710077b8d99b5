"""Refresher.run: readers of one key share a fetch; a cancelled owner does not fail them."""

from __future__ import annotations

import trio

from engine.reads.refresh import Refresher


async def test_a_joiner_fetches_afresh_when_the_owner_is_cancelled() -> None:
    refresher = Refresher()
    calls: list[str] = []

    async def fetch(who: str) -> str:
        calls.append(who)
        await trio.sleep(0.05)
        return f"value from {who}"

    results: list[str] = []
    async with trio.open_nursery() as nursery:
        owner = trio.CancelScope()

        async def first() -> None:
            with owner:
                await refresher.run("key", lambda: fetch("owner"))

        async def second() -> None:
            results.append(await refresher.run("key", lambda: fetch("joiner")))

        nursery.start_soon(first)
        await trio.sleep(0.01)
        nursery.start_soon(second)
        await trio.sleep(0.01)
        owner.cancel()
    assert calls == ["owner", "joiner"]
    assert results == ["value from joiner"]


async def test_readers_share_one_fetch() -> None:
    refresher = Refresher()
    calls: list[int] = []

    async def fetch() -> int:
        calls.append(1)
        await trio.sleep(0.02)
        return 42

    results: list[int] = []

    async def read() -> None:
        results.append(await refresher.run("key", fetch))

    async with trio.open_nursery() as nursery:
        for _ in range(5):
            nursery.start_soon(read)
    assert results == [42] * 5 and calls == [1]
