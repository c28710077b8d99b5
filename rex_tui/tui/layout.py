"""The panes side by side, sharing the width by what each shows, or one at a time.

`tui.layout` picks: `columns` (side by side), `stacked` (one pane at a time,
full width: Enter goes deeper, Esc back) or `auto` (columns from
`WIDE_COLUMNS` wide, stacked below). `zoom` shows the focused pane alone, full
width, in either, until it is toggled again.

Side by side, each pane starts at its narrowest (`min_width`), then the panes
take turns (`share`): in round n each pane grows to its n-th tier (its whole
names, then one more column each round, in the order its columns are kept), as
far as the room left allows and as far as it can fill. The registries pane
never takes more than its own content; what is left goes to the details pane.
A pane's width depends only on its own content and that of the panes to its
left (`share_steadily`): scrolling through repositories reflows the tags and
details panes, never the list being scrolled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import urwid

from rex_tui.tui.panes import Pane

__all__ = ["LAYOUTS", "WIDE_COLUMNS", "PaneLayout", "Sharing", "Steady", "share", "share_steadily"]

WIDE_COLUMNS = 120
"""In the auto layout, the panes are side by side at this width and above."""
LAYOUTS = ("auto", "columns", "stacked")
_TINY = 8
"""Below this many columns a pane has no room: a side-by-side layout shows only the focused one."""


class Sharing(Protocol):
    """What a pane says about the width it wants."""

    def min_width(self) -> int: ...
    def tiers(self) -> list[int]: ...
    def usable(self, width: int) -> int: ...


class Steady(Protocol):
    """A pane that can also say what it wants whatever it shows (its columns' widest)."""

    def min_width(self) -> int: ...
    def tiers(self) -> list[int]: ...
    def usable(self, width: int) -> int: ...
    def steady_tiers(self) -> list[int]: ...


class _Fixed:
    """A pane whose width is settled."""

    def __init__(self, width: int) -> None:
        self.width = width

    def min_width(self) -> int:
        return self.width

    def tiers(self) -> list[int]:
        return []

    def usable(self, width: int) -> int:
        return self.width


class _AsSteady:
    """A pane as wide as it would want whatever it shows."""

    def __init__(self, pane: Steady) -> None:
        self.pane = pane

    def min_width(self) -> int:
        return self.pane.min_width()

    def tiers(self) -> list[int]:
        return self.pane.steady_tiers()

    def usable(self, width: int) -> int:
        return width


def share_steadily(width: int, panes: Sequence[Steady]) -> list[int]:
    """Like `share`, but a pane's width depends only on what it and the panes left of it
    show: moving through the repositories changes the tags pane, and that must not move
    the list being browsed. The last pane takes the rest."""
    widths: list[int] = []
    for i, pane in enumerate(panes[:-1]):
        view: list[Sharing] = [_Fixed(w) for w in widths]
        view += [pane, *(_AsSteady(p) for p in panes[i + 1 :])]
        widths.append(share(width, view)[i])
    rest = width - sum(widths)
    if rest < panes[-1].min_width() if panes else False:
        return share(width, panes)
    return [*widths, rest]


def share(width: int, panes: Sequence[Sharing]) -> list[int]:
    """The widths of `panes` side by side in `width` columns; the last pane takes the rest."""
    widths = [p.min_width() for p in panes]
    if sum(widths) >= width:  # even their narrowest do not fit: in proportion to it
        total = sum(widths) or 1
        shares = [max(1, w * width // total) for w in widths[:-1]]
        return [*shares, max(1, width - sum(shares))]
    room = width - sum(widths)
    tiers = [p.tiers() for p in panes]
    for round_ in range(max(map(len, tiers), default=0)):
        for i, pane in enumerate(panes):
            if room <= 0 or round_ >= len(tiers[i]) or tiers[i][round_] <= widths[i]:
                continue
            wanted = min(tiers[i][round_], widths[i] + room)
            got = max(widths[i], pane.usable(wanted))
            room -= got - widths[i]
            widths[i] = got
    widths[-1] += room
    return widths


class PaneLayout(urwid.Widget):
    """Shows all panes in columns, or only the focused one, by the layout and the width."""

    _sizing = frozenset([urwid.Sizing.BOX])
    _selectable = True

    def __init__(self, panes: Sequence[Pane], layout: str = "auto") -> None:
        super().__init__()
        self.panes = list(panes)
        self.focus_index = 0
        self.layout = layout if layout in LAYOUTS else "auto"
        self.zoomed = False
        self._columns = urwid.Columns([(10, p) for p in self.panes], dividechars=0)
        self._widths: list[int] = []
        self.wide = True

    @property
    def focused(self) -> Pane:
        return self.panes[self.focus_index]

    def focus_pane(self, index: int) -> None:
        self.focus_index = max(0, min(index, len(self.panes) - 1))
        self._columns.focus_position = self.focus_index
        for i, pane in enumerate(self.panes):
            pane.set_focused(i == self.focus_index)
        self._invalidate()

    def toggle_zoom(self) -> bool:
        """Show the focused pane alone (or all again); whether it is zoomed now."""
        self.zoomed = not self.zoomed
        self._invalidate()
        return self.zoomed

    def side_by_side(self, cols: int) -> bool:
        """Whether the panes are shown side by side at `cols` columns."""
        if self.zoomed or cols < _TINY * len(self.panes):
            return False
        if self.layout == "auto":
            return cols >= WIDE_COLUMNS
        return self.layout == "columns"

    def widths(self, cols: int) -> list[int]:
        """Each pane's width side by side in `cols` columns."""
        return share_steadily(cols, self.panes)

    def _current(self, size: tuple[int, int]) -> urwid.Widget:
        self.wide = self.side_by_side(size[0])
        if not self.wide:
            return self.focused
        widths = self.widths(size[0])
        if widths != self._widths:
            self._widths = widths
            self._columns.contents = [
                (pane, self._columns.options("given", width))
                for pane, width in zip(self.panes, widths, strict=True)
            ]
            self._columns.focus_position = self.focus_index
        return self._columns

    def render(
        self, size: tuple[()] | tuple[int] | tuple[int, int], focus: bool = False
    ) -> urwid.Canvas:
        box = self._box(size)
        return self._current(box).render(box, focus)

    def keypress(self, size: tuple[()] | tuple[int] | tuple[int, int], key: str) -> str | None:
        box = self._box(size)
        result: str | None = self._current(box).keypress(box, key)
        return result

    @staticmethod
    def _box(size: tuple[()] | tuple[int] | tuple[int, int]) -> tuple[int, int]:
        assert len(size) == 2, "PaneLayout is a box widget"
        return size

    def mouse_event(
        self,
        size: tuple[()] | tuple[int] | tuple[int, int],
        event: str,
        button: int,
        col: int,
        row: int,
        focus: bool,
    ) -> bool | None:
        box = self._box(size)
        widget = self._current(box)
        handled: bool | None = widget.mouse_event(box, event, button, col, row, focus)
        if self.wide and event == "mouse press" and button == 1:
            # A click in a pane focuses it, as in any windowed app.
            self.focus_pane(self._columns.focus_position)
        return handled
