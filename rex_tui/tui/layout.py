"""Side-by-side panes when the terminal is wide, one pane at a time (drill-down) when narrow."""

from __future__ import annotations

from collections.abc import Sequence

import urwid

from rex_tui.tui.panes import Pane

__all__ = ["WIDE_COLUMNS", "PaneLayout"]

WIDE_COLUMNS = 120
"""At this width and above all four panes fit side by side."""

_WEIGHTS = (3, 4, 6, 5)


class PaneLayout(urwid.Widget):
    """Shows all panes in columns, or only the focused one, depending on the width."""

    _sizing = frozenset([urwid.Sizing.BOX])
    _selectable = True

    def __init__(self, panes: Sequence[Pane]) -> None:
        super().__init__()
        self.panes = list(panes)
        self.focus_index = 0
        self._columns = urwid.Columns(
            [("weight", w, p) for w, p in zip(_WEIGHTS, self.panes, strict=False)],
            dividechars=0,
        )
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

    def _current(self, size: tuple[int, int]) -> urwid.Widget:
        self.wide = size[0] >= WIDE_COLUMNS
        return self._columns if self.wide else self.focused

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
