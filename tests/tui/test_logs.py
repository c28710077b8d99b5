"""TUI logging goes to a rotating file and the panel's ring, never to the terminal."""

from __future__ import annotations

import logging
from pathlib import Path

from rex_tui.tui.logs import BACKUPS, MAX_BYTES, LogLine, install_tui_logging, log_path
from tests.support import logs as support_logs

restore_logging = support_logs.restore_logging  # a fixture


def test_records_reach_the_ring_and_the_file(tmp_path: Path, restore_logging: None) -> None:
    ring = install_tui_logging(tmp_path / "state")
    seen: list[LogLine] = []
    ring.listener = seen.append
    logging.getLogger("engine.transport.client").warning("retrying %s", "GET /v2/")
    logging.getLogger("engine.transport.client").debug("too chatty for the panel")
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


def test_rex_log_sets_the_file_level_and_a_bad_value_is_said_once(
    tmp_path: Path, restore_logging: None
) -> None:
    ring = install_tui_logging(tmp_path / "state", env={"REX_LOG": "debug"})
    logging.getLogger("engine.cache.store").debug("a cache decision")
    assert not ring.lines  # the panel stays at info
    ring = install_tui_logging(tmp_path / "state", env={"REX_LOG": "chatty"})
    logging.getLogger("engine.cache.store").debug("not in the file at the default level")
    assert [line.message for line in ring.lines] == [
        "REX_LOG=chatty is not a log level (debug, info, warn, error); using info"
    ]
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = log_path(tmp_path / "state").read_text()
    assert "a cache decision" in logged and "not in the file" not in logged


def test_the_panel_and_the_file_escape_registry_text(tmp_path: Path, restore_logging: None) -> None:
    ring = install_tui_logging(tmp_path / "state")
    logging.getLogger("engine.reads").warning("skipped %s", "tag\x1b]0;x\x07\u202e")
    assert ring.lines[0].text().endswith("skipped tag\\x1b]0;x\\x07\\u202e")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "skipped tag\\x1b]0;x\\x07\\u202e\n" in log_path(tmp_path / "state").read_text()
