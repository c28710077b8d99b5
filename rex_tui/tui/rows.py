"""Lists that stay fast at 100,000 rows: a lazy walker over a filtered table of rows.

`RowTable` holds the rows of one pane (a name to filter on plus the cells to
show) and the current filter result; `LazyWalker` hands urwid only the row
widgets it asks for, building each on demand and keeping a small cache, so a
list of 100,000 repositories costs what fits on the screen.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, cast, overload

import trio
import urwid
from urwid import str_util, util
from urwid.widget.widget import AbstractFlowWidget

from rex_tui.untrusted import visible

if TYPE_CHECKING:
    from engine import FilterResult, IncrementalFilter, Match

__all__ = [
    "Column",
    "Filtered",
    "LazyRows",
    "LazyWalker",
    "Row",
    "RowTable",
    "RowWidget",
    "cut_middle",
    "highlight",
    "platforms_marker",
    "shown_name",
    "status_icon",
]

logger = logging.getLogger(__name__)

Markup = str | tuple[str, str] | list["Markup"]

_CACHE_ROWS = 512  # several screens' worth; rebuilt widgets are cheap but not free


@dataclass(frozen=True, slots=True)
class Column:
    """A cell after the name: header, width, alignment, and how it gives way when narrow.

    When a pane is too narrow for every column, columns give way in `keep` order
    (the lowest first; on a tie, the rightmost first): an elastic column (a
    `min_width`) is cut first, down to that width; then a column with a `short`
    form is drawn `short` columns wide, each cell through `shorten` (an icon, a
    marker), and stays; any other column is left out.
    """

    header: str
    width: int
    align: str = "left"
    keep: int = 0
    short: int = 0
    short_header: str = ""
    shorten: Callable[[str], str] | None = None
    min_width: int = 0
    narrow: bool = False
    """Drawn in its short form (set when fitted to a pane)."""
    cut: bool = False
    """Elastic and cut narrower than its cells (set when fitted): the short form leads them."""
    slot: int = -1
    """Which of a row's cells this column shows (set by `RowTable`)."""

    def shortened(self) -> Column:
        """This column in its short form."""
        return replace(self, width=self.short, header=self.short_header, narrow=True)

    def cell(self, cells: Sequence[str], index: int) -> str:
        """The text this column shows of a row's `cells` (the column at `index` shown)."""
        at = self.slot if self.slot >= 0 else index
        text = cells[at] if at < len(cells) else ""
        if self.shorten is None or not (self.narrow or self.cut):
            return text
        mark = self.shorten(text)
        return mark if self.narrow else f"{mark} {text}" if mark else text


def slotted(columns: Sequence[Column]) -> tuple[Column, ...]:
    """`columns` in display order, each knowing which cell of a row it shows."""
    return tuple(c if c.slot >= 0 else replace(c, slot=i) for i, c in enumerate(columns))


@dataclass(slots=True)
class Row:
    """One row: the name the filter matches, the other cells, and what it stands for."""

    name: str
    cells: tuple[str, ...] = ()
    key: object = None
    styles: tuple[str | None, ...] = field(default_factory=tuple)


def highlight(text: str, positions: Sequence[int], style: str = "list.match") -> list[Markup]:
    """`text` as urwid markup with the characters at `positions` in `style`."""
    if not positions:
        return [text]
    marks = set(positions)
    out: list[Markup] = []
    run: list[str] = []
    in_match = False
    for i, ch in enumerate(text):
        hit = i in marks
        if hit != in_match and run:
            out.append((style, "".join(run)) if in_match else "".join(run))
            run = []
        in_match = hit
        run.append(ch)
    if run:
        out.append((style, "".join(run)) if in_match else "".join(run))
    return out


def shown_name(name: str, positions: Sequence[int] = ()) -> tuple[str, Sequence[int]]:
    """`name` escaped for the screen, and where the matched `positions` moved to.

    A registry's name may hold controls or bidi overrides (shown as `\\x1b`,
    `\\u202e`); a match on one of them marks its whole escape.
    """
    if name.isascii() and name.isprintable():  # nearly every name: nothing to do
        return name, positions
    marks = set(positions)
    parts: list[str] = []
    moved: list[int] = []
    at = 0
    for i, char in enumerate(name):
        piece = visible(char)
        if i in marks:
            moved.extend(range(at, at + len(piece)))
        parts.append(piece)
        at += len(piece)
    return "".join(parts), moved


def cut_middle(text: str, width: int, positions: Sequence[int] = ()) -> tuple[str, list[int]]:
    """`text` cut to `width` characters in the middle, and where `positions` moved to.

    A path keeps its last segment whole when it fits (`deep/…/app-x`): that is
    what tells two long names apart. The cut characters' positions are dropped,
    so a match highlight never lands on the `…`.
    """
    if len(text) <= width:
        return text, list(positions)
    if width <= 1:
        return text[:width], [p for p in positions if p < width]
    slash = text.rfind("/")
    last = len(text) - slash if slash > 0 else 0  # "/app-x", with its slash
    tail = last if last > 0 and last + 2 <= width else width // 2
    head = width - 1 - tail
    start = len(text) - tail
    moved = [p if p < head else p - start + head + 1 for p in positions if p < head or p >= start]
    return text[:head] + "…" + text[start:], moved


def _fit(text: str, width: int, align: str) -> str:
    if len(text) > width:
        return text[: max(0, width - 1)] + "…" if width > 1 else text[:width]
    return text.rjust(width) if align == "right" else text.ljust(width)


# Short forms of cells, for columns that stay when their pane is narrow.

_STATUS_ICONS = {
    "online": "✓",
    "auth required": "?",
    "auth failed": "!",
    "offline": "✗",
    "catalog closed": "◌",
    "rate-limited": "⧖",
}


def status_icon(status: str) -> str:
    """A registry's status as one character: ✓ online, ? auth required, ! auth failed,
    ✗ offline, ◌ catalog closed, ⧖ rate-limited, … not known yet."""
    return _STATUS_ICONS.get(status, status[:1])


def platforms_marker(platforms: str) -> str:
    """`×3` for an image of three platforms; nothing for a single-platform image."""
    count = len(platforms.split(",")) if platforms.strip() not in ("", "-", "…") else 0
    return f"×{count}" if count > 1 else ""


class LazyRows(Sequence[Row]):
    """Rows made from their names only when shown or asked for.

    A list of 100,000 names costs one list, not 100,000 `Row`s (~0.15 s to
    build before the first paint). `make(name)` builds a name's row, whose key
    must be the name; a made row is kept, so cells changed on it in place stay.
    """

    def __init__(self, names: Sequence[str], make: Callable[[str], Row]) -> None:
        # A tuple of str: the garbage collector stops tracking it once it has seen it.
        self.names = tuple(names)
        self._make = make
        self._made: dict[str, Row] = {}

    def __len__(self) -> int:
        return len(self.names)

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self.names)))]
        name = self.names[index]
        row = self._made.get(name)
        if row is None:
            row = self._made[name] = self._make(name)
        return row

    def made(self, name: str) -> Row | None:
        """The row of `name` if it has been made (to update its cells in place)."""
        return self._made.get(name)

    def position(self, key: object) -> int | None:
        """The position of the row whose key (its name) is `key`; the first of duplicates.

        A scan in C (~1 ms for 100,000 names) costs less than a dict of every
        name's position (~30 ms, on the UI thread) for the few lookups a list
        makes: on refresh, sort and filter changes, to keep the selection.
        """
        try:
            return self.names.index(key)
        except ValueError:
            return None


def _prepare_soon(table: RowTable) -> None:
    """Build `table`'s filter index in a worker thread once the UI has drawn the rows.

    Outside a trio run (scripts, headless tests) the index is built on first use.
    """
    try:
        trio.lowlevel.current_trio_token()
    except RuntimeError:
        return
    rows = table.rows

    async def prepare() -> None:
        await trio.sleep(0)  # the next idle pass draws the screen before this starts
        if table.rows is rows:
            try:
                await trio.to_thread.run_sync(table.prepare, abandon_on_cancel=True)
            except Exception:  # a system task must not raise; the next query retries
                logger.exception("building the filter index failed")

    trio.lowlevel.spawn_system_task(prepare)


class Filtered:
    """One query's result over one list of rows: the rows it indexes into travel with it."""

    __slots__ = ("query", "result", "rows")

    def __init__(self, query: str, result: FilterResult, rows: Sequence[Row]) -> None:
        self.query = query
        self.result = result
        self.rows = rows


class RowTable:
    """The rows of one list and the filter over their names.

    The filter's index over the names (~0.1 s for 100,000) is built off the UI
    path: in the background once the rows have been drawn, or on the first query
    in the filter's worker thread. A query ranks only the first screens of
    matches; scrolling further ranks more, up to `SHOWN_MAX`.
    """

    SHOWN_MAX = 2000
    """A filtered list shows at most this many matches (the status bar counts all)."""
    FIRST_RANKED = 256
    """How many matches a query ranks at first: several screens, and ~5x cheaper."""
    BACKGROUND_INDEX_ROWS = 5000
    """Lists this long get their filter index built in the background after set_rows."""

    def __init__(self, columns: Sequence[Column] = (), name_width: int | None = None) -> None:
        self.columns = slotted(columns)
        self.name_width = name_width
        self._rows: Sequence[Row] = []
        self._filter: IncrementalFilter | None = None
        self._indexed: Sequence[Row] | None = None  # the rows the filter's index was built over
        self._compute_lock = threading.Lock()
        self._query = ""
        self._filtered: Filtered | None = None
        self._positions: dict[object, int] | None = None
        self.marks: dict[str, str] = {}
        """A marker per header ("NAME": "▲"): the sort order."""

    # -- content --------------------------------------------------------------

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Replace the rows (a refresh); the current query is re-applied on next use."""
        self._rows = rows if isinstance(rows, LazyRows) else list(rows)
        self._filtered = None
        self._positions = None
        if len(self._rows) >= self.BACKGROUND_INDEX_ROWS:
            _prepare_soon(self)

    @property
    def rows(self) -> Sequence[Row]:
        return self._rows

    # -- filtering ------------------------------------------------------------

    @property
    def query(self) -> str:
        return self._query

    def set_query(self, query: str) -> None:
        """Filter by `query` ("" shows every row in order), computing on first use."""
        self._query = query
        self._filtered = None

    def prepare(self) -> None:
        """Build the filter's index for the current rows now; safe from a worker thread."""
        with self._compute_lock:
            self._index(self._rows)

    def _index(self, rows: Sequence[Row]) -> IncrementalFilter:
        """The filter over `rows` (the compute lock held)."""
        if self._filter is None or self._indexed is not rows:
            from engine import IncrementalFilter  # rapidfuzz: not needed to paint

            names = rows.names if isinstance(rows, LazyRows) else [r.name for r in rows]
            if self._filter is None:
                self._filter = IncrementalFilter(names)
            else:
                self._filter.set_names(names)
            self._indexed = rows
        return self._filter

    def compute(
        self,
        query: str,
        limit: int | None = None,
        superseded: Callable[[], bool] | None = None,
    ) -> Filtered | None:
        """The first `limit` matches of `query` over the current rows; thread-safe.

        The incremental filter is not thread-safe; one lock keeps an abandoned,
        still-running computation and the next one apart. None for no query, or
        when `superseded()` says a newer query made this one moot, asked before
        ranking: the query's survivors are found anyway, since the next query
        narrows from them.
        """
        if not query:
            return None
        rows = self._rows
        with self._compute_lock:
            search = self._index(rows)
            from engine import Superseded  # loaded by _index

            try:
                found = search.update(
                    query, limit=limit or self.FIRST_RANKED, superseded=superseded
                )
            except Superseded:
                return None
        return Filtered(query, found, rows)

    def show(self, query: str, filtered: Filtered | None) -> None:
        """Display what `compute` produced (on the UI thread)."""
        self._query = query
        self._filtered = filtered if filtered is None or filtered.rows is self._rows else None

    def _current(self) -> Filtered | None:
        if not self._query:
            return None
        if self._filtered is None:
            self._filtered = self.compute(self._query)
        return self._filtered

    def _ranked(self, index: int) -> Filtered:
        """The current result, ranked at least down to display position `index`."""
        filtered = self._current()
        assert filtered is not None
        if index >= len(filtered.result.matches) and index < len(self):
            want = min(self.SHOWN_MAX, max(2 * len(filtered.result.matches), index + 1))
            self._filtered = filtered = self.compute(self._query, want) or filtered
        return filtered

    @property
    def total(self) -> int:
        """How many rows match (all of them without a filter)."""
        filtered = self._current()
        return len(self._rows) if filtered is None else filtered.result.total

    def __len__(self) -> int:
        filtered = self._current()
        if filtered is None:
            return len(self._rows)
        return min(filtered.result.total, self.SHOWN_MAX)

    def match(self, index: int) -> tuple[Row, Match | None]:
        """The row shown at display position `index`, and its match when filtered."""
        if not self._query:
            return self._rows[index], None
        filtered = self._ranked(index)
        found = filtered.result.matches[index]
        return filtered.rows[found.index], found

    def index_of(self, key: object) -> int | None:
        """The display position of the row whose key is `key`, if shown (and ranked)."""
        filtered = self._current()
        if filtered is None:
            if isinstance(self._rows, LazyRows):
                return self._rows.position(key)
            if self._positions is None:
                self._positions = {}
                for i, row in enumerate(self._rows):
                    try:
                        self._positions.setdefault(row.key, i)
                    except TypeError:  # an unhashable key: look for it the slow way
                        self._positions = None
                        return next((i for i, r in enumerate(self._rows) if r.key == key), None)
            try:
                return self._positions.get(key)
            except TypeError:
                return None
        rows = filtered.rows
        matches = filtered.result.matches
        return next((i for i, m in enumerate(matches) if rows[m.index].key == key), None)

    # -- rendering ------------------------------------------------------------

    def header(self) -> list[Markup]:
        name = _fit(self._marked("NAME", self._name_width()), self._name_width(), "left")
        cells = [
            " " + _fit(self._marked(c.header, c.width), c.width, c.align) for c in self.columns
        ]
        return [("list.header", name + "".join(cells))]

    def _marked(self, header: str, width: int) -> str:
        mark = self.marks.get(header)
        if mark is None:
            return header
        return f"{header} {mark}" if len(header) + 2 <= width else f"{mark}{header}"

    def _name_width(self) -> int:
        if self.name_width is not None:
            return self.name_width
        rows = self._rows
        names = rows.names[:2000] if isinstance(rows, LazyRows) else [r.name for r in rows[:2000]]
        return max([4, *map(len, names)])

    def markup(self, index: int) -> list[Markup]:
        row, found = self.match(index)
        width = self._name_width()
        shown, positions = shown_name(row.name, found.positions if found else ())
        name, moved = cut_middle(shown, width, positions)
        parts: list[Markup] = highlight(name.ljust(width), moved)
        for i, column in enumerate(self.columns):
            at = column.slot if column.slot >= 0 else i
            style = row.styles[at] if at < len(row.styles) else None
            text = " " + _fit(visible(column.cell(row.cells, i)), column.width, column.align)
            parts.append((style, text) if style else text)
        return parts


class RowWidget(urwid.Widget):
    """One list row, drawn straight onto a canvas: what `AttrMap(Text(markup,
    wrap="clip"), attr, focus_map)` shows for a line, without text layout
    (~3x cheaper: a filter keystroke redraws every row on screen).

    Selectable, so that a click selects it; keys pass through to the app.
    """

    _sizing = frozenset([urwid.Sizing.FLOW])
    _selectable = True

    def __init__(
        self, markup: Sequence[Markup], attr: str, focus_map: Mapping[str | None, str]
    ) -> None:
        super().__init__()
        self._segments: list[tuple[str | None, str]] = []
        for part in markup:
            if isinstance(part, str):
                self._segments.append((None, part))
            elif isinstance(part, tuple):
                self._segments.append(part)
            else:
                raise TypeError(f"a row's markup is flat: {part!r}")
        self._attr_map: dict[Hashable, Hashable] = {None: attr}
        self._focus_map: dict[Hashable, Hashable] = {k: v for k, v in focus_map.items()}

    def rows(self, size: tuple[int], focus: bool = False) -> int:
        return 1

    def keypress(self, size: tuple[()] | tuple[int] | tuple[int, int], key: str) -> str:
        return key

    def render(self, size: tuple[int], focus: bool = False) -> urwid.CompositeCanvas:  # type: ignore[override]
        (maxcol,) = size
        room = maxcol
        data: list[bytes] = []
        attrs: list[tuple[Hashable, int]] = []
        charsets: list[tuple[Literal["0", "U"] | None, int]] = []

        def add(style: str | None, text: str) -> None:
            encoded, sets = util.apply_target_encoding(text)
            if attrs and attrs[-1][0] == style:
                attrs[-1] = (style, attrs[-1][1] + len(encoded))
            else:
                attrs.append((style, len(encoded)))
            data.append(encoded)
            charsets.extend(sets)

        for style, text in self._segments:
            width = len(text) if text.isascii() else str_util.calc_width(text, 0, len(text))
            if width > room:  # clipped: the rest of the line is cut off
                end, width = str_util.calc_text_pos(text, 0, len(text), room)
                # A wide character's half left over is a blank in the cut run's style
                # (unless the line is empty), as urwid's Text draws it.
                add(style if end or any(data) else None, text[:end] + " " * (room - width))
                room = 0
                break
            add(style, text)
            room -= width
        if room > 0:
            add(None, " " * room)
        line = urwid.TextCanvas(
            [b"".join(data)], [attrs], [charsets], maxcol=maxcol, check_width=False
        )
        canvas = urwid.CompositeCanvas(line)
        canvas.fill_attr_apply(self._focus_map if focus else self._attr_map)  # as AttrMap does
        return canvas


class LazyWalker(urwid.ListWalker[int, AbstractFlowWidget]):
    """Builds row widgets only when urwid asks for them."""

    def __init__(
        self,
        table: RowTable,
        *,
        focus_map: dict[str | None, str] | None = None,
    ) -> None:
        self.table = table
        self.focus = 0
        self._focus_map = focus_map or {
            None: "list.selected",
            "list.match": "list.match.selected",
        }
        self._widgets: OrderedDict[int, urwid.Widget] = OrderedDict()

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, position: int) -> AbstractFlowWidget:
        if not 0 <= position < len(self.table):
            raise IndexError(position)
        widget = self._widgets.get(position)
        if widget is None:
            widget = RowWidget(self.table.markup(position), "list", self._focus_map)
            self._widgets[position] = widget
            if len(self._widgets) > _CACHE_ROWS:
                self._widgets.popitem(last=False)
        else:
            self._widgets.move_to_end(position)
        return cast(AbstractFlowWidget, widget)  # an AttrMap of a Text: a flow widget

    def next_position(self, position: int) -> int:
        if position + 1 >= len(self.table):
            raise IndexError(position)
        return position + 1

    def prev_position(self, position: int) -> int:
        if position <= 0:
            raise IndexError(position)
        return position - 1

    def set_focus(self, position: int) -> None:
        self.focus = max(0, min(position, len(self.table) - 1))
        self._modified()

    def positions(self, reverse: bool = False) -> range:
        n = len(self.table)
        return range(n - 1, -1, -1) if reverse else range(n)

    def changed(self, keep: object = None) -> None:
        """The table changed: drop built rows, keep focus on `keep`'s row when still shown."""
        self._widgets.clear()
        position = self.table.index_of(keep) if keep is not None else None
        self.focus = position if position is not None else min(self.focus, max(0, len(self) - 1))
        self._modified()

    @property
    def focused_row(self) -> Row | None:
        if not len(self.table):
            return None
        return self.table.match(self.focus)[0]
