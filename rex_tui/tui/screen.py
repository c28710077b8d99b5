"""A terminal screen that rewrites only the part of a row that changed.

urwid's raw screen skips the rows that did not change and rewrites the others
whole: with the panes side by side, one pane's new rows cost the full width of
the terminal, escapes for every pane included. While a filter is typed that is
~10 KB a keystroke at 120x40, which a slow link or a slow terminal pays for.

`DiffScreen` compares each row with what it drew last, run by run (a run is
text in one attribute), skips the runs that are the same at both ends and,
within the first and last of the others, the characters that are the same at
both ends, and writes the rest at its column: while a filter is typed, a
quarter of the bytes or less.

It draws only the common case: UTF-8, the alternate screen, no hyperlinks, a
screen whose size and content it knows. Anything else (the first frame, a
resize, `clear()`, a changed bottom-right cell, which some terminals scroll
on) goes to urwid's own `draw_screen`, which repaints the whole screen. So
does every frame on an urwid without the screen internals this reads (those
of urwid 5; 2.6 lacks some).
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import urwid
from urwid import str_util, util
from urwid.display import escape

__all__ = ["DiffScreen"]

Charset = Literal["0", "U"] | None
# A drawn run: its attribute's escape sequence, its charset flag and its bytes.
Run = tuple[str, Charset, bytes]
# What to write: an escape sequence and the text after it.
Piece = tuple[str, str]

# What urwid writes in place of control characters ("U" runs are raw, left alone).
_C0 = bytes.maketrans(bytes(range(32)), b"?" * 32)
_C1 = str.maketrans(dict.fromkeys(range(0x80, 0xA0), "?"))


def _text(run: Run) -> str:
    """What the terminal is sent for `run`'s bytes."""
    _, charset, data = run
    if charset != "U":
        data = data.translate(_C0)
    text = data.decode("utf-8", "replace")
    return text if charset == "U" or text.isascii() else text.translate(_C1)


def _columns(text: str) -> int:
    """The columns `text` takes."""
    return len(text) if text.isascii() else str_util.calc_width(text, 0, len(text))


@functools.lru_cache(maxsize=4096)
def _wide_width(run: Run) -> int:
    return _columns(_text(run))


def _width(run: Run) -> int:
    """The columns `run` takes."""
    return len(run[2]) if run[2].isascii() else _wide_width(run)


@functools.lru_cache(maxsize=4096)
def _marked(run: Run) -> bool:
    """Whether `run` holds a character of no width (a combining mark, say), which
    joins the character before it, or raw bytes."""
    return run[1] == "U" or any(str_util.calc_width(char, 0, 1) == 0 for char in _text(run))


def _has_marks(row: Sequence[Run]) -> bool:
    return any(not data.isascii() and _marked(run) for run in row if (data := run[2]))


@functools.lru_cache(maxsize=4096)
def _starts_marked(run: Run) -> bool:
    return str_util.calc_width(_text(run), 0, 1) == 0


def _leads_mark(row: Sequence[Run]) -> bool:
    """Whether `row` starts with a character of no width: terminals put it on the row above."""
    first = next((run for run in row if run[2]), None)
    return first is not None and not first[2][:1].isascii() and _starts_marked(first)


def _common_head(a: str, b: str) -> int:
    """How many leading characters `a` and `b` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _change(old: Sequence[Run], new: Sequence[Run]) -> tuple[int, list[Piece], int]:
    """What to write to turn row `old` into row `new` (both as wide as the screen):
    the column to start at, the pieces to write there and how many columns after
    them are left as they are."""
    if _has_marks(old) or _has_marks(new):
        # A mark joins the cell before it, raw bytes may hold escapes that act on
        # what follows: write such rows whole, as urwid does.
        return 0, [(run[0], _text(run)) for run in new], 0
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0  # equal runs at the end, not overlapping the equal ones at the start
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    x = sum(map(_width, new[:head]))
    kept = sum(map(_width, new[len(new) - tail :]))
    runs, was = new[head : len(new) - tail], old[head : len(old) - tail]
    pieces = [(run[0], _text(run)) for run in runs]
    if not pieces:  # nothing of any width changed
        return 0, [(run[0], _text(run)) for run in new], 0
    # Within the first and the last run that changed, the characters both rows
    # share at that end are in the same columns (no marks: same characters, same
    # widths), so they are left as they are.
    if was and runs[0][:2] == was[0][:2]:
        old_text, text = _text(was[0]), pieces[0][1]
        skip = _common_head(old_text, text)
        x += _columns(text[:skip])
        pieces[0] = (pieces[0][0], text[skip:])
        if len(was) == 1:
            was = [(*was[0][:2], old_text[skip:].encode())]
    if was and runs[-1][:2] == was[-1][:2]:
        old_text, text = _text(was[-1]), pieces[-1][1]
        cut = _common_head(old_text[::-1], text[::-1])
        kept += _columns(text[len(text) - cut :])
        pieces[-1] = (pieces[-1][0], text[: len(text) - cut])
    return x, pieces, kept


_INTERNALS = ("_attr_to_escape", "_started", "_resized", "_rows_used", "_cy", "screen_buf")


class DiffScreen(urwid.display.raw.Screen):
    """urwid's raw screen, writing only the changed cells of each changed row."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._diffing = all(hasattr(self, name) for name in _INTERNALS)
        self._shown: list[list[Run]] | None = None  # what the terminal shows, row by row
        self._shown_size: tuple[int, int] | None = None
        self._shown_canvas: urwid.Canvas | None = None

    def clear(self) -> None:  # urwid calls it on start() too
        super().clear()
        self._shown = None

    def draw_screen(self, size: tuple[int, int], canvas: urwid.Canvas) -> None:
        if not self._diffing:
            super().draw_screen(size, canvas)
            return
        if canvas is self._shown_canvas and self.screen_buf is not None:
            return
        rows = [
            [(self._attr_to_escape(a), cs, run) for a, cs, run in row] for row in canvas.content()
        ]
        output = self._changes(size, rows, canvas.cursor) if self._drawable(size) else None
        if output is None:
            self._repaint(size, canvas, rows)
            return
        if getattr(getattr(self, "modes", None), "synchronized_output", False):
            mode = escape.PrivateMode.SYNCHRONIZED_OUTPUT
            output = f"{mode.enable_seq}{output}{mode.disable_seq}"
        self.write(output)
        self.flush()
        self._shown, self._shown_canvas = rows, canvas
        if canvas.cursor is not None:
            self._cy = canvas.cursor[1]

    def _drawable(self, size: tuple[int, int]) -> bool:
        """Whether this frame can be drawn as changes to the last one."""
        return (
            self._shown is not None
            and self._shown_size == size
            and self.screen_buf is not None  # None after clear() and resizes
            and self._started
            and not self._resized
            and self._rows_used is None  # the alternate screen, not a partial one
            and not getattr(self, "hyperlinks", False)
            and util.get_encoding() == "utf-8"
        )

    def _repaint(self, size: tuple[int, int], canvas: urwid.Canvas, rows: list[list[Run]]) -> None:
        """urwid draws the whole screen; the next frame is drawn as changes to it."""
        self.screen_buf = None  # it may hold rows from before frames drawn here
        super().draw_screen(size, canvas)
        drawn = self.screen_buf is not None  # urwid skips a frame while a resize is pending
        self._shown = rows if drawn else None
        self._shown_size, self._shown_canvas = size, canvas if drawn else None

    def _changes(
        self, size: tuple[int, int], rows: list[list[Run]], cursor: tuple[int, int] | None
    ) -> str | None:
        """The output that turns the shown rows into `rows`; None to repaint instead."""
        assert self._shown is not None
        output = [escape.HIDE_CURSOR]
        last: Hashable = None
        bottom = size[1] - 1
        for y, (old, new) in enumerate(zip(self._shown, rows, strict=True)):
            if _leads_mark(new) or _leads_mark(old):
                return None  # it changes the row above: let urwid rewrite them all
            if old == new:
                continue
            x, pieces, kept = _change(old, new)
            if not any(text for _, text in pieces):
                continue
            if y == bottom and kept == 0:
                return None  # the bottom-right cell changes: let urwid place it
            output.append(escape.set_cursor_position(x, y))
            for attr, text in pieces:
                if not text:
                    continue
                if attr != last:
                    output.append(attr)
                    last = attr
                output.append(text)
        if cursor is not None:
            output += [escape.set_cursor_position(*cursor), escape.SHOW_CURSOR]
        return "".join(output)
