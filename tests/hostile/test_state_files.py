"""The remembered state and the line histories are conveniences: a broken file never stops
rex-tui, and what it says is only used where it names something that exists."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from rex_tui.tui.lineedit import History
from rex_tui.tui.state import SavedState, load_state, save_state


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b"null", b"\xff\xfe\x00", b'"a string"', b""],
)
def test_a_corrupt_state_file_is_ignored_with_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    path = tmp_path / "tui-state.json"
    path.write_bytes(content)
    with caplog.at_level(logging.INFO):
        assert load_state(path) == SavedState()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "ignoring the saved state" in warnings[0].getMessage()


def test_a_missing_state_file_is_a_first_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        assert load_state(tmp_path / "none.json") == SavedState()
    assert [r.levelno for r in caplog.records] == [logging.INFO]


def test_unknown_keys_and_wrong_types_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "tui-state.json"
    path.write_text(json.dumps({"registry": "prod", "tag": 3, "section": ["x"], "evil": "y"}))
    assert load_state(path) == SavedState(registry="prod")


def test_the_state_round_trips_and_an_unwritable_dir_only_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = SavedState("local", "team/app", "1.0", "Layers", "light", "stacked")
    save_state(tmp_path / "s" / "tui-state.json", state)
    assert load_state(tmp_path / "s" / "tui-state.json") == state
    blocker = tmp_path / "file"
    blocker.write_text("")
    save_state(blocker / "tui-state.json", state)  # its "dir" is a file
    assert any("cannot save the state" in r.getMessage() for r in caplog.records)


def test_an_unreadable_history_is_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "command"
    path.write_bytes(b"\xff\xfe bad utf-8\n")
    assert History(path).entries == []
    assert any("ignoring the history file" in r.getMessage() for r in caplog.records)
    directory = tmp_path / "dir"
    directory.mkdir()
    assert History(directory).entries == []


def test_history_never_stores_a_line_with_a_newline(tmp_path: Path) -> None:
    history = History(tmp_path / "h")
    history.add("registry prod\nquit")
    assert history.entries == []
