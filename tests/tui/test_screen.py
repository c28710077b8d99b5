"""DiffScreen against urwid's own raw screen: the same frames must leave a VT
emulator (pyte) showing the same cells, in fewer bytes."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pyte
import urwid
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rex_tui.tui.screen import DiffScreen

WIDTH, HEIGHT = 24, 6
PALETTE = [
    ("a", "light red", "black"),
    ("b", "yellow", "dark blue"),
    ("c", "white,bold", "dark green"),
]
# ASCII, a box line, a wide character, a combining mark, control characters (C0 and C1).
ALPHABET = "abc  -│…世e\u0301\x07\x1b\x85"

Frame = list[list[tuple[str | None, str]]]


@contextmanager
def terminal(
    kind: type[urwid.display.raw.Screen],
) -> Iterator[tuple[urwid.display.raw.Screen, io.StringIO]]:
    """A started screen of `kind` writing to a string, its input a pty nobody types in."""
    master, slave = os.openpty()
    output = io.StringIO()
    with os.fdopen(slave, "rb", buffering=0) as keyboard:
        screen = kind(input=keyboard, output=output)
        screen.set_terminal_properties(colors=256)
        screen.register_palette(PALETTE)
        screen.start()
        try:
            yield screen, output
        finally:
            screen.stop()
            os.close(master)


def canvas(frame: Frame, cursor: int | None = None) -> urwid.Canvas:
    rows: list[urwid.Widget] = [
        urwid.Text([(a, t) if a else t for a, t in line] or "", wrap="clip") for line in frame
    ]
    if cursor is not None:
        edit = urwid.Edit("> ", "typed")
        edit.set_edit_pos(cursor)
        rows.append(edit)
    pile = urwid.Pile(rows, focus_item=len(rows) - 1 if cursor is not None else None)
    return urwid.Filler(pile, "top").render((WIDTH, HEIGHT), focus=True)


def shown(screen: pyte.Screen) -> list[list[tuple[str, str, str, bool]]]:
    return [
        [(c.data, c.fg, c.bg, c.bold) for c in (screen.buffer[y][x] for x in range(WIDTH))]
        for y in range(HEIGHT)
    ]


def emulate(output: str) -> pyte.Screen:
    screen = pyte.Screen(WIDTH, HEIGHT)
    pyte.Stream(screen).feed(output)
    return screen


def draw_both(frames: list[tuple[Frame, int | None]]) -> tuple[list[int], list[int]]:
    """Draw `frames` on both screens, checking after each that they show the same;
    the bytes each wrote per frame."""
    sizes: tuple[list[int], list[int]] = ([], [])
    with (
        terminal(urwid.display.raw.Screen) as (plain, plain_out),
        terminal(DiffScreen) as (
            diff,
            diff_out,
        ),
    ):
        for k, (frame, cursor) in enumerate(frames):
            for screen, out, size in ((plain, plain_out, sizes[0]), (diff, diff_out, sizes[1])):
                before = len(out.getvalue())
                screen.draw_screen((WIDTH, HEIGHT), canvas(frame, cursor))
                size.append(len(out.getvalue()) - before)
            want, got = emulate(plain_out.getvalue()), emulate(diff_out.getvalue())
            assert shown(got) == shown(want), f"frame {k} differs"
            assert got.cursor.hidden == want.cursor.hidden
            if not want.cursor.hidden:
                assert (got.cursor.x, got.cursor.y) == (want.cursor.x, want.cursor.y)
    return sizes


segments = st.lists(
    st.tuples(st.sampled_from([None, "a", "b", "c"]), st.text(ALPHABET, max_size=12)),
    max_size=4,
)
frames = st.lists(
    st.tuples(
        st.lists(segments, min_size=1, max_size=HEIGHT),
        st.one_of(st.none(), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(frames)
def test_any_frames_look_the_same_as_urwids(sequence: list[tuple[Frame, int | None]]) -> None:
    # A line starting with a combining mark puts it on the line above, where urwid
    # leaves it or not depending on what it redraws; DiffScreen repaints all then.
    rows = (row for frame, cursor in sequence for row in canvas(frame, cursor).text)
    assume(not any(row.decode().startswith("\u0301") for row in rows))
    draw_both(sequence)


def edit(frame: Frame, y: int, segment: int, text: str) -> Frame:
    changed = [list(line) for line in frame]
    attr, _ = changed[y][segment]
    changed[y][segment] = (attr, text)
    return changed


def test_one_changed_word_is_written_alone() -> None:
    base: Frame = [
        [("a", "│"), (None, f"name-{y} "), ("b", "status"), ("a", "│")] for y in range(5)
    ]
    changed = edit(base, 2, 2, "stopus")
    plain, diff = draw_both([(base, None), (changed, None)])
    assert diff[0] == plain[0]  # the first frame is urwid's
    assert diff[1] < 40 < plain[1]


def test_typing_at_the_end_of_a_line() -> None:
    frame: Frame = [[("c", "/"), (None, "bi")], [(None, "status")]]
    typed = edit(frame, 0, 1, "bil")
    plain, diff = draw_both([(frame, 3), (typed, 4)])
    assert diff[1] <= plain[1]


def test_a_status_line_changes_in_place() -> None:
    """The bottom row, one attribute, not all ASCII: what changed is written, from
    the first change to the last, and the rest of the screen is left alone."""
    blank: list[tuple[str | None, str]] = []
    frame: Frame = [[("a", "top")], *[blank] * (HEIGHT - 2), [("b", "bench │ 19 of 99 │ /p")]]
    typed = edit(frame, HEIGHT - 1, 0, "bench │ 10 of 99 │ /pa")
    plain, diff = draw_both([(frame, None), (typed, None)])
    assert diff[1] < 40 < plain[1]


def test_a_changed_bottom_right_cell_is_left_to_urwid() -> None:
    full: Frame = [[("a", "x" * WIDTH)] for _ in range(HEIGHT)]
    changed = edit(full, HEIGHT - 1, 0, "x" * (WIDTH - 1) + "y")
    draw_both([(full, None), (changed, None)])


def test_clear_and_a_restart_repaint_everything() -> None:
    frame: Frame = [[("a", "left"), ("b", "right")]]

    def restart() -> None:
        screen.stop()
        screen.start()

    with terminal(DiffScreen) as (screen, out):
        for start_over in (screen.clear, restart):
            screen.draw_screen((WIDTH, HEIGHT), canvas(frame))
            start_over()
            before = len(out.getvalue())
            screen.draw_screen((WIDTH, HEIGHT), canvas(frame))
            assert "left" in out.getvalue()[before:]


def test_a_line_starting_with_a_mark_repaints_the_screen() -> None:
    frame: Frame = [[(None, "top")], [(None, "\u0301a")]]
    with terminal(DiffScreen) as (screen, out):
        screen.draw_screen((WIDTH, HEIGHT), canvas(frame))
        before = len(out.getvalue())
        screen.draw_screen((WIDTH, HEIGHT), canvas(edit(frame, 0, 0, "toq")))
        assert "top"[:2] + "q" in out.getvalue()[before:]  # urwid's whole rows, not one cell


def test_this_urwid_has_what_diffing_reads() -> None:
    """Otherwise every frame goes to urwid, and the tests above compare urwid with itself."""
    with terminal(DiffScreen) as (screen, _):
        assert isinstance(screen, DiffScreen) and screen._diffing
