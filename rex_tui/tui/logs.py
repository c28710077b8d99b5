"""Logging in TUI mode: a rotating file and an in-memory ring for the log panel.

Nothing may write to the terminal while urwid owns it, so the root logger gets
exactly these two handlers: the log file `rex_tui.logfile` sets up under the
platformdirs state dir (10 MB x 5, as seed 000 section 1.12 asks; the CLI
writes the same file) and a `RingHandler` the log panel reads. A record's
text may quote a registry: the panel shows it escaped (`LogLine.text`).
"""

from __future__ import annotations

import collections
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rex_tui.logfile import BACKUPS, MAX_BYTES, log_file_handler, log_level, log_path
from rex_tui.untrusted import visible

__all__ = ["BACKUPS", "MAX_BYTES", "LogLine", "RingHandler", "install_tui_logging", "log_path"]


@dataclass(frozen=True, slots=True)
class LogLine:
    """One record as the log panel shows it."""

    created: float
    level: int
    name: str
    message: str

    @property
    def style(self) -> str:
        if self.level >= logging.ERROR:
            return "log.error"
        if self.level >= logging.WARNING:
            return "log.warning"
        if self.level >= logging.INFO:
            return "log.info"
        return "log.debug"

    def text(self) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(self.created))
        return f"{stamp} {logging.getLevelName(self.level):<7} {visible(self.message)}"


class RingHandler(logging.Handler):
    """Keeps the last `capacity` records and tells a listener about each new one."""

    def __init__(self, capacity: int = 1000, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.lines: collections.deque[LogLine] = collections.deque(maxlen=capacity)
        self.listener: Callable[[LogLine], None] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = LogLine(record.created, record.levelno, record.name, record.getMessage())
        except Exception:  # a bad format string in someone's log call
            self.handleError(record)
            return
        self.lines.append(line)
        if self.listener is not None:
            self.listener(line)


def install_tui_logging(
    state_dir: Path | None, level: int = logging.INFO, env: Mapping[str, str] | None = None
) -> RingHandler:
    """Route every record to the ring and the file (at REX_LOG's level), none to the terminal."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    ring = RingHandler(level=level)
    root.addHandler(ring)
    file_level, problem = log_level(os.environ if env is None else env, level)
    root.setLevel(min(level, file_level))
    if state_dir is not None:
        try:
            root.addHandler(log_file_handler(state_dir, file_level))
        except OSError as exc:
            logging.getLogger(__name__).warning("cannot write the log file: %s", exc)
    if problem:
        logging.getLogger(__name__).warning("%s", problem)
    # Our loggers follow the root (a CLI run in the same process may have set them);
    # httpcore traces every socket event at DEBUG: far too much for a panel.
    for name in ("engine", "rex_tui"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    logging.getLogger("httpcore").setLevel(logging.INFO)
    return ring
