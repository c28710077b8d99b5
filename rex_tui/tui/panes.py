"""The panes: framed lists of registries, repositories and tags, and the details pane.

Each pane has a `context` (for the keymap), a `title`, and knows how to show
itself focused or not; list panes share `ListPane`, which moves through a
`LazyWalker` by named action rather than by key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import urwid

from rex_tui.keynames import SCROLL_KEYS
from rex_tui.tui.details import SECTIONS, Line
from rex_tui.tui.rows import Column, LazyRows, LazyWalker, Row, RowTable
from rex_tui.untrusted import visible, visible_lines

__all__ = ["DetailsPane", "ListPane", "Pane"]

_MOVES = {
    "move_down": 1,
    "move_up": -1,
}
_WHEEL = {4: "move_up", 5: "move_down"}
_SAMPLE = 2000
_NAME_MIN = 14
_LAST_CELL_MIN = 11
"""Rows measured to size the name column (longer names are cut with '…')."""
_WHEEL_STEP = 3


def _reserved(columns: Sequence[Column], last_min: int) -> int:
    """Room the cells after the name need: all of each, but the last may be cut."""
    if not columns:
        return 0
    return sum(c.width + 1 for c in columns[:-1]) + min(columns[-1].width, last_min) + 1


class Pane(urwid.WidgetWrap[urwid.AttrMap[urwid.LineBox[urwid.Widget]]]):
    """A titled frame whose border shows whether it has the focus.

    Titles name repositories and images, so they are shown escaped.
    """

    context = "global"

    def __init__(self, title: str, body: urwid.Widget) -> None:
        self._title = title
        self._box = urwid.LineBox(body, title=visible(title), title_align="left")
        self._map = urwid.AttrMap(self._box, "pane.border.unfocused")
        super().__init__(self._map)

    @property
    def title(self) -> str:
        return self._title

    def set_title(self, title: str) -> None:
        self._title = title
        self._box.set_title(visible(title))

    def set_focused(self, focused: bool) -> None:
        self._map.set_attr_map({None: "pane.border" if focused else "pane.border.unfocused"})

    def act(self, action: str, size: tuple[int, int]) -> bool:
        """Perform a movement action; False when the pane has no use for it."""
        return False

    def mouse_event(
        self,
        size: tuple[()] | tuple[int] | tuple[int, int],
        event: str,
        button: int,
        col: int,
        row: int,
        focus: bool,
    ) -> bool | None:
        """The wheel scrolls the selection; other events go to the body (clicks select)."""
        if event == "mouse press" and button in _WHEEL and len(size) == 2:
            for _ in range(_WHEEL_STEP):
                self.act(_WHEEL[button], size)
            return True
        handled: bool | None = super().mouse_event(size, event, button, col, row, focus)
        return handled


class ListPane(Pane):
    """A filterable list; tells `on_move` whenever its focused row changes."""

    def __init__(
        self,
        context: str,
        title: str,
        columns: Sequence[Column] = (),
        *,
        on_move: Callable[[Row | None], None] | None = None,
        name_cap: int = 48,
        last_cell_min: int = _LAST_CELL_MIN,
    ) -> None:
        self.context = context
        self._name_cap = name_cap
        self._last_min = last_cell_min
        self._columns = tuple(columns)
        self.table = RowTable(columns)
        self.walker = LazyWalker(self.table)
        self.listbox = urwid.ListBox(self.walker)
        self._header = urwid.Text(self.table.header(), wrap="clip")
        self._empty = urwid.Text(("muted", "loading…"))
        self._frame: urwid.Frame[urwid.ListBox[Any], urwid.Text, None] = urwid.Frame(
            self.listbox, header=self._header
        )
        self._on_move = on_move
        self._last_key: object = None
        self._longest = 0
        self._width = 80
        self._message = False
        urwid.connect_signal(self.walker, "modified", self._moved)
        super().__init__(title, self._frame)

    def _moved(self) -> None:
        row = self.walker.focused_row
        key = row.key if row is not None else None
        if key != self._last_key:
            self._last_key = key
            if self._on_move is not None:
                self._on_move(row)

    @property
    def focused_row(self) -> Row | None:
        return self.walker.focused_row

    def set_rows(self, rows: Sequence[Row], *, keep: object = None, top: bool = False) -> None:
        """New rows (fresh data): the same row keeps the focus when it is still there.

        `top` puts the focus on the first row instead (a new list, not a refresh).
        """
        wanted = None if top else keep if keep is not None else self._last_key
        names = (
            rows.names[:_SAMPLE] if isinstance(rows, LazyRows) else [r.name for r in rows[:_SAMPLE]]
        )
        self._longest = max([4, *map(len, names)])
        self.table.set_rows(rows)
        self._message = False
        self._fit_names(self._width)
        self._header.set_wrap_mode("clip")
        if top:
            self.walker.focus = 0
        self.walker.changed(keep=wanted)

    def _fit_names(self, width: int) -> None:
        """Fit the columns to the pane: names get what the cells leave (never under 14, or
        their longest); cells keep their widths, the last may be cut (to 11 by default);
        columns that do not fit at all are left out, from the last one, not shown as stubs."""
        self._width = width
        longest = min(self._longest, self._name_cap)
        columns = self._columns
        last = self._last_min
        while columns and width - 2 - _reserved(columns, last) < min(longest, _NAME_MIN):
            columns = columns[:-1]
        fitted = max(min(longest, _NAME_MIN), min(longest, width - 2 - _reserved(columns, last)))
        if fitted != self.table.name_width or columns != self.table.columns:
            self.table.name_width = fitted
            self.table.columns = columns
            self.walker.changed(keep=self._last_key)
        if not self._message:
            self._header.set_text(self.table.header())

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        if size[0] != self._width and self._longest:
            self._fit_names(size[0])
        return super().render(size, focus)

    def refresh_rows(self) -> None:
        """Rows changed in place (a cell learnt later): redraw them, keeping the focus."""
        self.walker.changed(keep=self._last_key)

    def set_message(self, text: str) -> None:
        """Show `text` in place of the header (empty list, errors: escaped)."""
        self._message = True
        self._header.set_text(("muted", visible_lines(text)))
        self._header.set_wrap_mode("space")

    def rows_shown(self) -> int:
        return len(self.table)

    def act(self, action: str, size: tuple[int, int]) -> bool:
        count = len(self.table)
        if not count:
            return action in _MOVES
        rows = max(1, size[1] - 3)
        focus = self.walker.focus
        target = {
            "move_down": focus + 1,
            "move_up": focus - 1,
            "page_down": focus + rows,
            "page_up": focus - rows,
            "half_page_down": focus + rows // 2,
            "half_page_up": focus - rows // 2,
            "top": 0,
            "bottom": count - 1,
        }.get(action)
        if target is None:
            return False
        target = max(0, min(count - 1, target))
        self.listbox.set_focus(target, "below" if target > focus else "above")
        return True


_PICKABLE = ("Platforms", "Referrers")
"""Sections whose lines are items that Enter opens: j / k select a line."""


class DetailsPane(Pane):
    """Sections of one image's details; `next_section` / `prev_section` switch them."""

    context = "details"

    def __init__(self) -> None:
        self.section = 0
        self.came_from = 0
        """The section `toggle_raw` left, to return to."""
        self._tabs = urwid.Text("", wrap="space")
        self._lines: urwid.SimpleFocusListWalker[Any] = urwid.SimpleFocusListWalker([])
        self._list = urwid.ListBox(self._lines)
        self._render: Callable[[str], list[Line]] | None = None
        super().__init__("Details", urwid.Frame(self._list, header=self._tabs))
        self._show_tabs()
        self.set_message("Select a tag to see its details.")

    def _show_tabs(self) -> None:
        markup: list[str | tuple[str, str]] = []
        for i, name in enumerate(SECTIONS):
            style = "details.tab.active" if i == self.section else "details.tab"
            label = name.replace(" ", "\u00a0")  # "Raw manifest" wraps as one tab
            markup += [(style, f" {label} "), " "]
        self._tabs.set_text(markup)

    def set_message(self, text: str) -> None:
        self._render = None
        self._lines[:] = [urwid.Text(("muted", visible_lines(text)))]

    def set_content(self, render: Callable[[str], list[Line]]) -> None:
        """`render(section)` gives a section's lines; kept to re-render on switching."""
        self._render = render
        self._refill()

    def _refill(self) -> None:
        if self._render is None:
            return
        lines = self._render(SECTIONS[self.section])
        texts = [urwid.Text(line or "", wrap="any") for line in lines]
        if SECTIONS[self.section] in _PICKABLE:  # a line per item: Enter acts on the selected
            self._lines[:] = [urwid.AttrMap(t, None, focus_map="list.selected") for t in texts]
        else:
            self._lines[:] = texts
        if self._lines:
            self._list.set_focus(0)

    @property
    def focused_line(self) -> int:
        return self._list.focus_position if self._lines else 0

    def focus_line(self, index: int) -> None:
        self._list.set_focus(index)

    def line_texts(self) -> list[str]:
        """The shown lines as plain text (what `/` searches)."""
        return [str(getattr(line, "base_widget", line).text) for line in self._lines]

    def mouse_event(
        self,
        size: tuple[()] | tuple[int] | tuple[int, int],
        event: str,
        button: int,
        col: int,
        row: int,
        focus: bool,
    ) -> bool | None:
        """A click on a section's tab opens it."""
        if event == "mouse press" and button == 1 and len(size) == 2:
            tab = self._tab_at(size[0] - 2, col - 1, row - 1)
            if tab is not None:
                self.show_section(tab)
                return True
        return super().mouse_event(size, event, button, col, row, focus)

    def _tab_at(self, width: int, col: int, row: int) -> int | None:
        """The section whose tab is drawn at (col, row) of the tab lines, if any."""
        x, y = 0, 0
        for i, name in enumerate(SECTIONS):
            label = len(name) + 3  # " name " and the space after it
            if x and x + label - 1 > width:
                x, y = 0, y + 1
            if y == row and x <= col < x + label - 1:
                return i
            x += label
        return None

    def show_section(self, index: int) -> None:
        self.section = index % len(SECTIONS)
        self._show_tabs()
        self._refill()

    def act(self, action: str, size: tuple[int, int]) -> bool:
        if action in ("next_section", "prev_section"):
            self.show_section(self.section + (1 if action == "next_section" else -1))
            return True
        if action == "toggle_raw":
            if SECTIONS[self.section].startswith("Raw"):
                self.show_section(self.came_from)
            else:
                self.came_from = self.section
                self.show_section(SECTIONS.index("Raw manifest"))
            return True
        keys = SCROLL_KEYS
        step = {"move_down": 1, "move_up": -1}.get(action)
        if step and SECTIONS[self.section] in _PICKABLE and self._render is not None:
            self.focus_line(max(0, min(len(self._lines) - 1, self.focused_line + step)))
            return True
        if action in keys and self._lines:
            self._list.keypress((size[0] - 2, max(1, size[1] - 3)), keys[action])
            return True
        if action in ("top", "bottom") and self._lines:
            self._list.set_focus(0 if action == "top" else len(self._lines) - 1)
            return True
        return False
