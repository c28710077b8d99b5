"""The status bar's text at a fixed width, and its error line."""

from __future__ import annotations

import pytest

from engine.errors import NetworkError
from rex_tui.tui.statusbar import NOTICE_SECONDS, PaneFacts, StatusBar, describe_age


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
    bar.key_for = lambda action: {"refresh": "r", "toggle_log": "L"}.get(action, action)
    bar.state.error = NetworkError("connection refused", hint="Is the registry running?")
    bar.update()
    shown = lines(bar, 100)
    assert len(shown) == 2
    # The engine's hint, then what a key does about it (the TUI names keys, not flags).
    assert shown[1] == "✗ connection refused  Is the registry running? r retries; L shows the log."
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


def test_the_age_ticks_from_when_the_data_landed() -> None:
    bar = StatusBar()
    landed = 1000.0
    bar.pane_facts = lambda: PaneFacts("30 tags", "", 40.0, landed, refreshing=False)
    bar.clock(now=landed)
    assert lines(bar) == ["30 tags │ 40 s old"]
    bar.clock(now=landed + 15)
    assert lines(bar) == ["30 tags │ 55 s old"]
    bar.clock(now=landed + 200)
    assert lines(bar) == ["30 tags │ 4 min old"]


def test_the_focused_pane_speaks_and_refreshing_ends_with_it() -> None:
    bar = StatusBar()
    facts = PaneFacts("3 of 19 repos", "app", None, 10.0, refreshing=True)
    bar.pane_facts = lambda: facts
    bar.clock(now=10.0)
    assert lines(bar) == ["3 of 19 repos │ /app │ fresh, refreshing"]
    facts = PaneFacts("30 tags", "", None, 10.0, refreshing=False)
    bar.clock(now=11.0)
    assert lines(bar) == ["30 tags │ fresh"]


def test_a_notice_fades() -> None:
    bar = StatusBar()
    bar.state.notice = "theme: light"  # set on the state, as the app does
    bar.update(now=100.0)
    assert "theme: light" in lines(bar)[0]
    bar.clock(now=100.0 + NOTICE_SECONDS - 0.5)
    assert "theme: light" in lines(bar)[0]
    bar.clock(now=100.0 + NOTICE_SECONDS)
    assert "theme: light" not in lines(bar)[0]
