"""UI workers: results come back, newer work cancels older, failures become messages."""

from __future__ import annotations

import trio
import trio.testing

from engine.errors import NetworkError, RexError
from rex_tui.tui.workers import Workers


async def test_result_and_busy_count(nursery: trio.Nursery) -> None:
    results: list[int] = []
    busy: list[int] = []
    workers = Workers(nursery, on_error=lambda s, e: None, on_busy=busy.append)

    async def work() -> int:
        await trio.sleep(0)
        return 7

    workers.run("tags", work, results.append)
    await trio.testing.wait_all_tasks_blocked()
    assert results == [7]
    assert busy == [1, 0]


async def test_a_newer_request_cancels_the_older(nursery: trio.Nursery) -> None:
    results: list[str] = []
    workers = Workers(nursery, on_error=lambda s, e: None)
    release = trio.Event()

    async def slow() -> str:
        await release.wait()
        return "old"

    async def fast() -> str:
        return "new"

    workers.run("details", slow, results.append)
    await trio.testing.wait_all_tasks_blocked()
    workers.run("details", fast, results.append)
    release.set()
    await trio.testing.wait_all_tasks_blocked()
    assert results == ["new"]
    assert workers.busy == 0


async def test_failures_become_messages_not_crashes(nursery: trio.Nursery) -> None:
    errors: list[tuple[str, RexError]] = []
    workers = Workers(nursery, on_error=lambda s, e: errors.append((s, e)))

    async def refused() -> None:
        raise NetworkError("connection refused")

    async def buggy() -> None:
        raise ValueError("oops")

    workers.run("repos", refused, lambda _: None)
    workers.run("tags", buggy, lambda _: None)
    await trio.testing.wait_all_tasks_blocked()
    assert sorted((s, str(e)) for s, e in errors) == [
        ("repos", "connection refused"),
        ("tags", "internal error: ValueError: oops"),
    ]


async def test_a_nursery_of_failures_becomes_one_readable_message(
    nursery: trio.Nursery,
) -> None:
    errors: list[tuple[str, str]] = []
    workers = Workers(nursery, on_error=lambda s, e: errors.append((s, str(e))))

    async def fails(exc: Exception) -> None:
        raise exc

    async def one_tag_fails() -> None:
        async with trio.open_nursery() as inner:
            inner.start_soon(trio.sleep, 0)
            inner.start_soon(fails, NetworkError("tag 1.2 timed out"))

    async def nested_bug() -> None:
        raise ExceptionGroup("outer", [ExceptionGroup("inner", [KeyError("k")])])

    workers.run("tags", one_tag_fails, lambda _: None)
    workers.run("details", nested_bug, lambda _: None)
    await trio.testing.wait_all_tasks_blocked()
    assert sorted(errors) == [
        ("details", "internal error: KeyError: 'k'"),
        ("tags", "tag 1.2 timed out"),
    ]


async def test_a_failing_result_callback_is_a_message(nursery: trio.Nursery) -> None:
    errors: list[str] = []
    workers = Workers(nursery, on_error=lambda s, e: errors.append(str(e)))

    async def work() -> int:
        return 1

    def on_result(value: int) -> None:
        raise IndexError("row 7")

    workers.run("tags", work, on_result)
    await trio.testing.wait_all_tasks_blocked()
    assert errors == ["internal error: IndexError: row 7"]
    assert workers.busy == 0


async def test_a_delayed_slot_is_not_busy_while_it_waits(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    results: list[str] = []
    busy: list[int] = []
    workers = Workers(nursery, on_error=lambda s, e: None, on_busy=busy.append)

    async def work(name: str) -> str:
        return name

    workers.run("tags", lambda: work("first"), results.append, delay=1.0)
    await trio.sleep(0.5)
    assert busy == [] and results == []  # waiting out its delay: no spinner
    workers.run("tags", lambda: work("second"), results.append, delay=1.0)  # restarts the wait
    await trio.sleep(0.9)
    assert results == []
    await trio.sleep(0.2)
    assert results == ["second"] and busy == [1, 0]


async def test_a_run_with_its_own_error_handler_reports_there(nursery: trio.Nursery) -> None:
    app_errors: list[str] = []
    own: list[str] = []
    workers = Workers(nursery, on_error=lambda s, e: app_errors.append(str(e)))

    async def fails() -> None:
        raise NetworkError("gone")

    def broken_handler(error: RexError) -> None:
        own.append(str(error))
        raise ValueError("a bug in the handler")  # logged; the UI lives on

    workers.run("tags", fails, lambda _: None, on_error=broken_handler)
    await trio.testing.wait_all_tasks_blocked()
    assert own == ["gone"] and app_errors == []
    assert workers.busy == 0
