"""The panes: framed lists of registries, repositories and tags, and the details pane.

Each pane has a `context` (for the keymap), a `title`, and knows how to show
itself focused or not; list panes share `ListPane`, which moves through a
`LazyWalker` by named action rather than by key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import urwid
from urwid.widget.widget import AbstractFlowWidget

from rex_tui.keynames import SCROLL_KEYS
from rex_tui.tui.details import SECTIONS, Line, split_label
from rex_tui.tui.rows import Column, LazyRows, LazyWalker, Row, RowTable, slotted
from rex_tui.untrusted import visible, visible_lines

__all__ = ["DETAILS_MIN", "DetailsPane", "Fit", "ListPane", "Pane", "fit_columns"]

_MOVES = {
    "move_down": 1,
    "move_up": -1,
}
_WHEEL = {4: "move_up", 5: "move_down"}
_SAMPLE = 2000
"""Rows measured to size the name column and the cells (longer names are cut with '…')."""
_NAME_MIN = 14
"""Columns give way before a name is cut; then names are cut down to this, and the
columns that are always visible (an icon, a marker) stay."""
_WHEEL_STEP = 3
DETAILS_MIN = 30
"""The narrowest the details pane gets when the panes share the width."""
_DETAILS_TIERS = (DETAILS_MIN, 36, 44)
_TITLE_WIDTH = 26
"""A title asks for up to this width ("Repositories (100,000)"); longer ones are cut."""
_MESSAGE_WIDTH = 40
"""An empty list's message ("loading…", why there is nothing) asks for up to this width."""


@dataclass(frozen=True, slots=True)
class Fit:
    """How a list's row is laid out in a given width: the name's width, the columns shown."""

    name: int
    columns: tuple[Column, ...]

    @property
    def width(self) -> int:
        return self.name + sum(c.width + 1 for c in self.columns)


def fit_columns(columns: Sequence[Column], longest: int, width: int) -> Fit:
    """Lay out a name `longest` characters long and `columns` in `width` characters.

    The name is whole if it can be: first the columns give way (see `Column`),
    then the name is cut, down to 14 characters, then further; the columns that
    have a short form are always shown.
    """
    shown: list[Column | None] = list(columns)

    def total(name: int) -> int:
        return name + sum(c.width + 1 for c in shown if c is not None)

    for i in sorted(range(len(columns)), key=lambda i: (columns[i].keep, -i)):
        over = total(longest) - width
        if over <= 0:
            break
        column = columns[i]
        if column.min_width and column.width - over >= column.min_width:
            shown[i] = replace(column, width=column.width - over, cut=True)
            break
        shown[i] = column.shortened() if column.short else None
    name = longest
    if total(name) > width:
        name = max(min(longest, _NAME_MIN), name - (total(name) - width))
    if total(name) > width:
        name = max(1, name - (total(name) - width))
    return Fit(name, tuple(c for c in shown if c is not None))


def _tiers(columns: Sequence[Column], name: int) -> list[int]:
    """The widths of a list pane (borders included) showing names `name` wide with each
    column whole in turn, in the order they are kept (see `ListPane.tiers`)."""
    order = sorted(range(len(columns)), key=lambda i: (-columns[i].keep, i))
    widths: list[int] = []
    for n in range(len(order) + 1):
        whole = set(order[:n])
        used = name + sum(
            (c.width if i in whole else c.short) + 1
            for i, c in enumerate(columns)
            if i in whole or c.short
        )
        widths.append(2 + used)
    return widths


def _natural(columns: Sequence[Column], rows: Sequence[Row]) -> tuple[Column, ...]:
    """`columns` as wide as their header and the widest of the sampled cells, at most their
    width (a lazy list's cells are not made to measure them: full widths)."""
    if isinstance(rows, LazyRows) or not rows:
        return tuple(columns)
    sample = rows[:_SAMPLE]
    natural = []
    for i, column in enumerate(columns):
        at = column.slot if column.slot >= 0 else i
        widest = max((len(r.cells[at]) for r in sample if at < len(r.cells)), default=0)
        natural.append(replace(column, width=min(column.width, max(len(column.header), widest))))
    return tuple(natural)


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

    # How it shares the width with the others (see layout.share).
    def min_width(self) -> int:
        return DETAILS_MIN

    def tiers(self) -> list[int]:
        return []

    def steady_tiers(self) -> list[int]:
        """`tiers` whatever the pane shows (a list: its columns at their widest)."""
        return self.tiers()

    def usable(self, width: int) -> int:
        return width

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
    ) -> None:
        self.context = context
        self._name_cap = name_cap
        self._columns = slotted(columns)
        self._natural = self._columns
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
        self._message = 0
        """The length of the message shown in place of the header (0: none)."""
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
        self._natural = _natural(self._columns, rows)
        self.table.set_rows(rows)
        self._message = 0
        self._fit_names(self._width)
        self._header.set_wrap_mode("clip")
        if top:
            self.walker.focus = 0
        self.walker.changed(keep=wanted)

    # -- sharing the width ---------------------------------------------------------

    def _fit(self, width: int) -> Fit:
        return fit_columns(self._natural, min(self._longest, self._name_cap), width - 2)

    def min_width(self) -> int:
        """The narrowest this pane gets beside the others: a short name, its icons and markers."""
        title = min(len(visible(self.title)) + 4, 2 + _NAME_MIN)  # "┌ Registries ┐" whole
        if not self.table.rows:
            return 2 + _NAME_MIN
        shorts = sum(c.short + 1 for c in self._natural if c.short)
        return max(title, 2 + min(self._longest, _NAME_MIN) + shorts)

    def tiers(self) -> list[int]:
        """The widths at which this pane shows more: its whole names (with the columns
        that are always shown, short), then each column whole, in the order they are kept.
        """
        title = min(len(visible(self.title)) + 4, _TITLE_WIDTH)  # "┌ title ┐"
        if not self.table.rows:  # a message, or nothing yet: no columns to show
            return [max(title, 2 + min(self._message, _MESSAGE_WIDTH))]
        widths = _tiers(self._natural, min(self._longest, self._name_cap))
        return [max(title, width) for width in widths]

    def steady_tiers(self) -> list[int]:
        return _tiers(self._columns, self._name_cap)

    def usable(self, width: int) -> int:
        """The width this pane fills when given `width`: what its names and columns use."""
        if not self.table.rows:
            return width
        return min(width, 2 + self._fit(width).width)

    def _fit_names(self, width: int) -> None:
        """Fit the names and the columns to the pane (see `fit_columns`)."""
        self._width = width
        fit = self._fit(width)
        if fit.name != self.table.name_width or fit.columns != self.table.columns:
            self.table.name_width = fit.name
            self.table.columns = fit.columns
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
        shown = visible_lines(text)
        self._message = max(1, len(shown))
        self._header.set_text(("muted", shown))
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


def _wrapped(line: Line) -> AbstractFlowWidget:
    """A details line wrapped at word boundaries; a labelled value wraps under itself."""
    label, value = split_label(line)
    if label is None:
        return urwid.Text(line or "", wrap="space")
    text = urwid.Text(value, wrap="space")
    columns = urwid.Columns([(len(label[1]), urwid.Text(label, wrap="clip")), text])
    return cast(AbstractFlowWidget, columns)  # Columns of flow widgets: a flow widget


class DetailsPane(Pane):
    """Sections of one image's details; `next_section` / `prev_section` switch them."""

    context = "details"

    def __init__(self) -> None:
        self.section = 0
        self.came_from = 0
        """The section `toggle_raw` left, to return to."""
        self._tabs = urwid.Text("", wrap="space")
        self._lines: urwid.SimpleFocusListWalker[Any] = urwid.SimpleFocusListWalker([])
        self._plain: list[str] = []
        """The shown lines as plain text, for `/` (a wrapped line is Columns, not Text)."""
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

    def tiers(self) -> list[int]:
        """Widths it takes while the lists still want room; the rest comes to it at the end."""
        return list(_DETAILS_TIERS)

    def set_message(self, text: str) -> None:
        self._render = None
        self._plain = [visible_lines(text)]
        self._lines[:] = [urwid.Text(("muted", self._plain[0]))]

    def set_content(self, render: Callable[[str], list[Line]]) -> None:
        """`render(section)` gives a section's lines; kept to re-render on switching."""
        self._render = render
        self._refill()

    def _refill(self) -> None:
        if self._render is None:
            return
        lines = self._render(SECTIONS[self.section])
        self._plain = ["".join(p if isinstance(p, str) else p[1] for p in line) for line in lines]
        texts = [_wrapped(line) for line in lines]
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
        return list(self._plain)

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
