"""TUI logging goes to a rotating file and the panel's ring, never to the terminal."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from rex_tui.tui.logs import BACKUPS, MAX_BYTES, LogLine, install_tui_logging, log_path


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_records_reach_the_ring_and_the_file(tmp_path: Path, restore_logging: None) -> None:
    ring = install_tui_logging(tmp_path / "state")
    seen: list[LogLine] = []
    ring.listener = seen.append
    logging.getLogger("engine.client").warning("retrying %s", "GET /v2/")
    logging.getLogger("engine.client").debug("too chatty for the panel")
    assert [line.message for line in ring.lines] == ["retrying GET /v2/"]
    assert seen[0].style == "log.warning"
    assert "WARNING" in seen[0].text()
    file_handler = next(
        h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)
    )
    file_handler.flush()
    assert "retrying GET /v2/" in log_path(tmp_path / "state").read_text()
    assert file_handler.maxBytes == MAX_BYTES and file_handler.backupCount == BACKUPS  # type: ignore[attr-defined]
    assert not any(type(h) is logging.StreamHandler for h in logging.getLogger().handlers)


def test_an_unwritable_state_dir_still_logs_to_the_ring(
    tmp_path: Path, restore_logging: None
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    ring = install_tui_logging(blocker / "state")
    assert any("cannot write the log file" in line.message for line in ring.lines)
