"""The status bar's text at a fixed width, and its error line."""

from __future__ import annotations

import pytest

from engine.errors import NetworkError
from rex_tui.tui.statusbar import StatusBar, describe_age


def lines(bar: StatusBar, cols: int = 80) -> list[str]:
    return [line.decode().rstrip() for line in bar.render((cols,)).text]


@pytest.mark.parametrize(
    ("age", "refreshing", "text"),
    [
        (None, False, "fresh"),
        (2, False, "fresh"),
        (42, False, "42 s old"),
        (180, True, "3 min old, refreshing"),
        (7300, False, "2 h old"),
        (200000, False, "2 d old"),
    ],
)
def test_describe_age(age: float | None, refreshing: bool, text: str) -> None:
    assert describe_age(age, refreshing) == text


def test_state_line() -> None:
    bar = StatusBar()
    bar.state.registry = "local (http://127.0.0.1:5000)"
    bar.state.counts = "1,204 repos"
    bar.state.filter = "app"
    bar.state.age = 180
    bar.state.refreshing = True
    bar.update()
    assert lines(bar) == [
        "local (http://127.0.0.1:5000) │ 1,204 repos │ /app │ 3 min old, refreshing"
    ]


def test_spinner_and_error_line() -> None:
    bar = StatusBar()
    bar.state.busy = 1
    bar.state.busy_label = "tags"
    bar.update()
    first = lines(bar)[0]
    bar.tick()
    assert lines(bar)[0] != first and lines(bar)[0].endswith(" tags")
    bar.state.error = NetworkError("connection refused", hint="Is the registry running?")
    bar.update()
    shown = lines(bar, 100)
    assert len(shown) == 2
    assert shown[1] == "✗ connection refused  Is the registry running?"
    bar.state.error = None
    bar.update()
    assert len(lines(bar)) == 1


def test_error_line_is_styled() -> None:
    bar = StatusBar()
    bar.state.error = NetworkError("down")
    bar.update()
    canvas = bar.render((40,))
    attrs = {str(attr) for row in canvas.content() for attr, _, _ in row}
    assert any("status.error" in attr for attr in attrs)
