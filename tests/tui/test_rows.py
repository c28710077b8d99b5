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
    cut_middle,
    highlight,
    platforms_marker,
    status_icon,
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


# -- cutting names, short forms of cells ---------------------------------------------


def test_a_long_name_is_cut_in_the_middle_keeping_its_last_segment() -> None:
    name = "deep/nested/path.with_dots/app-x"
    assert cut_middle(name, 40) == (name, [])
    assert cut_middle(name, 12)[0] == "deep/…/app-x"
    assert cut_middle(name, 20)[0] == "deep/nested/p…/app-x"
    # A last segment too long to keep whole is cut in its middle, like any other name.
    assert cut_middle("team-0/alpine-3.19-minimal-build", 14)[0] == "team-0…l-build"
    assert cut_middle("v1.2.3-a-very-long-tag-name", 10)[0] == "v1.2…-name"
    assert cut_middle("abc", 1)[0] == "a"


@settings(max_examples=400, deadline=None)
@given(st.text("ab/-.", max_size=40), st.integers(1, 45), st.data())
def test_a_cut_name_keeps_every_shown_match_on_its_own_character(
    name: str, width: int, data: st.DataObject
) -> None:
    positions = data.draw(st.lists(st.integers(0, max(0, len(name) - 1)), unique=True))
    positions = [p for p in positions if p < len(name)]
    shown, moved = cut_middle(name, width, positions)
    assert len(shown) == min(len(name), width)
    assert all(shown[m] != "…" for m in moved)  # a highlight never lands on the cut
    for p in positions:
        one, at = cut_middle(name, width, [p])
        assert all(one[m] == name[p] for m in at)  # on the very character that matched


def test_the_match_highlight_skips_the_cut() -> None:
    t = RowTable(name_width=12)
    name = "deep/nested/path.with_dots/app-x"
    t.set_rows([Row(name, key=0)])
    t.set_query("nested")
    markup = t.markup(0)
    assert "".join(p if isinstance(p, str) else p[1] for p in markup) == "deep/…/app-x"  # type: ignore[misc]
    assert all(p[1] != "…" and "…" not in p[1] for p in markup if isinstance(p, tuple))


def test_short_forms_of_a_status_and_of_platforms() -> None:
    assert [status_icon(s) for s in ("online", "auth required", "offline", "…")] == [
        "✓",
        "?",
        "✗",
        "…",
    ]
    assert platforms_marker("linux/amd64, linux/arm64/v8, linux/arm/v7") == "×3"
    assert platforms_marker("linux/amd64") == "" and platforms_marker("-") == ""


def test_cells_follow_their_columns_when_a_middle_one_is_left_out() -> None:
    columns = (Column("A", 3), Column("B", 3), Column("C", 3))
    t = RowTable(columns, name_width=4)
    t.set_rows([Row("name", ("aaa", "bbb", "ccc"), key=0, styles=("s1", "s2", "s3"))])
    t.columns = (t.columns[0], t.columns[2])  # B gave way
    assert t.markup(0) == ["name", ("s1", " aaa"), ("s3", " ccc")]
    assert t.header() == [("list.header", "NAME A   C  ")]
