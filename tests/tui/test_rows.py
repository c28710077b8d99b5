"""The lazy, filterable row list: rendering, highlighting, focus across refreshes."""

from __future__ import annotations

from collections.abc import Sequence

import urwid
from hypothesis import given, settings
from hypothesis import strategies as st

from rex_tui.tui.rows import (
    Column,
    LazyRows,
    LazyWalker,
    Markup,
    Row,
    RowTable,
    RowWidget,
    highlight,
)


def screen(widget: urwid.Widget, cols: int, rows: int) -> list[str]:
    canvas = widget.render((cols, rows), focus=True)
    return [line.decode().rstrip() for line in canvas.text]


def table(n: int) -> RowTable:
    t = RowTable([Column("TAGS", 4, "right")])
    t.set_rows([Row(f"team-{i % 10}/service-{i}", (str(i % 7),), key=i) for i in range(n)])
    return t


def test_highlight_splits_runs() -> None:
    assert highlight("alpine", [0, 1, 4]) == [("list.match", "al"), "pi", ("list.match", "n"), "e"]
    assert highlight("abc", []) == ["abc"]


def test_renders_only_what_fits_from_a_huge_list() -> None:
    t = table(100_000)
    walker = LazyWalker(t)
    lines = screen(urwid.ListBox(walker), 40, 3)
    width = len("team-9/service-1999")  # the longest of the first 2,000 names
    assert lines == [f"{f'team-{i}/service-{i}':<{width}}    {i}" for i in range(3)]
    assert len(walker._widgets) <= 10  # built three rows, not 100,000


def test_filter_shows_best_matches_with_highlights() -> None:
    t = table(1000)
    walker = LazyWalker(t)
    t.set_query("service-99")
    walker.changed()
    box = urwid.ListBox(walker)
    lines = screen(box, 40, 2)
    assert lines[0].startswith("team-9/service-99 ")
    assert t.total >= 11  # service-99 and service-990..999 first, then scattered matches
    canvas = box.render((40, 2), focus=True)
    first = next(iter(canvas.content()))
    matched = [text for attr, _, text in first if "match" in str(attr)]
    assert b"".join(matched) == b"service-99"


def test_focus_follows_the_same_row_across_a_refresh() -> None:
    t = table(50)
    walker = LazyWalker(t)
    walker.set_focus(30)
    assert walker.focused_row is not None and walker.focused_row.key == 30
    rows = list(reversed(t.rows))  # fresh data in another order
    t.set_rows(rows)
    walker.changed(keep=30)
    assert walker.focused_row is not None and walker.focused_row.key == 30
    assert walker.focus == 19


def test_empty_and_clamped() -> None:
    t = table(0)
    walker = LazyWalker(t)
    assert walker.focused_row is None
    assert screen(urwid.ListBox(walker), 20, 2) == ["", ""]
    t.set_rows([Row("only")])
    walker.changed()
    walker.set_focus(99)
    assert walker.focus == 0


def test_a_filter_ranks_the_first_screens_then_more_as_the_list_scrolls() -> None:
    t = table(20_000)
    t.set_query("service-1")
    assert t.total > RowTable.SHOWN_MAX  # service-1, service-10.., 100.., 1000..
    assert len(t) == RowTable.SHOWN_MAX
    first = t.compute("service-1")
    assert first is not None and len(first.result.matches) == RowTable.FIRST_RANKED
    far = RowTable.FIRST_RANKED + 40
    row, found = t.match(far)  # ranks further on demand
    whole = t.compute("service-1", RowTable.SHOWN_MAX)
    assert whole is not None and found == whole.result.matches[far]
    assert row is t.rows[whole.result.matches[far].index]


def test_a_result_over_replaced_rows_is_not_shown() -> None:
    t = table(100)
    stale = t.compute("service-5")
    t.set_rows([Row(f"other-{i}", key=i) for i in range(10)])
    t.show("service-5", stale)
    assert t.total == 0  # recomputed over the rows now held, which hold no service-5
    assert len(t) == 0


def test_index_of_unfiltered_and_filtered() -> None:
    t = table(1000)
    assert t.index_of(700) == 700
    assert t.index_of("missing") is None
    assert t.index_of(["unhashable"]) is None
    t.set_query("service-70")
    shown = t.index_of(700)
    assert shown is not None and t.match(shown)[0].key == 700


def test_no_filter_index_until_a_query_outside_trio() -> None:
    t = table(RowTable.BACKGROUND_INDEX_ROWS + 1)
    assert t._indexed is None  # set_rows outside a trio run builds nothing
    t.set_query("service-1")
    assert len(t) > 0 and t._indexed is t.rows


def test_lazy_rows_are_made_when_shown_and_filter_by_name() -> None:
    made: list[str] = []

    def make(name: str) -> Row:
        made.append(name)
        return Row(name, (str(len(name)),), key=name)

    names = [f"team-{i % 10}/service-{i}" for i in range(50_000)]
    t = RowTable([Column("LEN", 3, "right")])
    t.set_rows(LazyRows(names, make))
    walker = LazyWalker(t)
    lines = screen(urwid.ListBox(walker), 40, 2)
    assert lines[0].startswith("team-0/service-0 ") and lines[0].endswith("16")
    assert len(made) < 10  # the rows on screen, not 50,000
    assert t.index_of("team-3/service-40003") == 40003
    t.set_query("service-49999")
    walker.changed()
    assert walker.focused_row is not None and walker.focused_row.name == names[-1]
    rows = t.rows
    assert isinstance(rows, LazyRows) and rows.made(names[-1]) is walker.focused_row
    assert rows.made(names[-2]) is None


def test_lazy_rows_find_a_key_without_a_table_of_every_position() -> None:
    rows = LazyRows(["a", "b", "a", "c"], lambda name: Row(name, (), key=name))
    assert [rows.position(k) for k in ("a", "c", "zz", 3)] == [0, 3, None, None]
    t = RowTable()
    t.set_rows(rows)
    assert t.index_of("c") == 3 and t.index_of("missing") is None


_STYLES = st.sampled_from([None, "list.match", "status.ok"])
_TEXT = st.text("ab -…世", max_size=10)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_STYLES, _TEXT), max_size=5), st.integers(1, 30), st.booleans())
def test_a_row_widget_draws_what_a_clipped_text_does(
    segments: list[tuple[str | None, str]], width: int, focus: bool
) -> None:
    markup: list[Markup] = [text if style is None else (style, text) for style, text in segments]
    focus_map: dict[str | None, str] = {None: "list.selected", "list.match": "list.match.selected"}
    text = urwid.AttrMap(urwid.Text(markup or "", wrap="clip"), "list", focus_map)
    want = list(text.render((width,), focus=focus).content())
    got = list(RowWidget(markup, "list", focus_map).render((width,), focus=focus).content())

    def cells(rows: Sequence[Sequence[tuple[object, object, bytes]]]) -> list[tuple[object, str]]:
        return [(attr, char) for row in rows for attr, _, run in row for char in run.decode()]

    assert cells(got) == cells(want)
