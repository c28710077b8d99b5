"""The filter runs off the input path and only the newest query's result is shown."""

from __future__ import annotations

import trio
import trio.testing

from rex_tui.tui.filtering import FilterRunner
from rex_tui.tui.rows import Row, RowTable


def names_table(n: int) -> RowTable:
    table = RowTable()
    table.set_rows([Row(f"team-{i % 40}/payments-api-{i}") for i in range(n)])
    return table


async def test_typing_shows_the_last_query_only(nursery: trio.Nursery) -> None:
    table = names_table(20_000)
    shown: list[str] = []
    runner = FilterRunner(nursery, table, lambda: shown.append(table.query))
    for prefix in ("p", "pa", "pay", "paym", "payments-api-1999"):
        runner.request(prefix)
    while not shown:
        await trio.sleep(0.01)
    await trio.sleep(0.05)
    assert shown == ["payments-api-1999"]
    first, _ = table.match(0)
    assert first.name.endswith("payments-api-1999")


async def test_clearing_the_query_shows_everything(nursery: trio.Nursery) -> None:
    table = names_table(100)
    shown: list[int] = []
    runner = FilterRunner(nursery, table, lambda: shown.append(len(table)))
    runner.request("api-5")
    while not shown:
        await trio.sleep(0.01)
    runner.request("")
    while len(shown) < 2:
        await trio.sleep(0.01)
    assert shown[-1] == 100 and shown[0] < 100


async def test_a_shown_result_is_drawn_at_once(nursery: trio.Nursery) -> None:
    table = names_table(1000)
    events: list[str] = []
    runner = FilterRunner(
        nursery, table, lambda: events.append("shown"), redraw=lambda: events.append("drawn")
    )
    runner.request("api-9")
    while not events:
        await trio.sleep(0.01)
    await trio.sleep(0.02)
    assert events == ["shown", "drawn"]


async def test_a_long_list_gets_its_index_in_the_background() -> None:
    table = names_table(RowTable.BACKGROUND_INDEX_ROWS)
    assert table._indexed is None  # set_rows returned without building it
    with trio.fail_after(10):
        while table._indexed is not table.rows:
            await trio.sleep(0.01)


def test_a_superseded_computation_gives_up() -> None:
    table = names_table(2000)
    assert table.compute("pay", superseded=lambda: True) is None
    found = table.compute("paym", superseded=lambda: False)
    assert found is not None and found.result.total > 0


async def test_a_regex_typed_key_by_key_never_raises(nursery: trio.Nursery) -> None:
    """`^team-[1]` typed one key at a time: `^team-[` does not parse, and says so."""
    table = names_table(200)
    shown: list[str] = []
    reasons: list[str | None] = []
    runner = FilterRunner(
        nursery, table, lambda: shown.append(table.query), on_invalid=reasons.append
    )
    query = ""
    for key in "^team-[1]":
        query += key
        runner.request(query)
        await trio.testing.wait_all_tasks_blocked()
        with trio.fail_after(10):
            while table.query != query and repr(query) not in (runner.invalid or ""):
                await trio.sleep(0.01)
        if query == "^team-[" or query == "^team-[1":
            assert runner.invalid is not None and "unterminated" in runner.invalid
            assert table.query == "^team-"  # the list as it was
    assert [r is None for r in reasons] == [False, False, True]  # each change, then cleared
    assert table.query == "^team-[1]"
    assert all(table.match(i)[0].name.startswith("team-1") for i in range(len(table)))
