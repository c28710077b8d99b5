"""Logging in TUI mode: a rotating file and an in-memory ring for the log panel.

Nothing may write to the terminal while urwid owns it, so the root logger gets
exactly these two handlers: a `RotatingFileHandler` under the platformdirs
state dir (10 MB x 5, as seed 000 section 1.12 asks) and a `RingHandler` the
log panel reads.
"""

from __future__ import annotations

import collections
import logging
import logging.handlers
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LogLine", "RingHandler", "install_tui_logging", "log_path"]

MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


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
        return f"{stamp} {logging.getLevelName(self.level):<7} {self.message}"


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


def log_path(state_dir: Path) -> Path:
    return state_dir / "rex.log"


def install_tui_logging(state_dir: Path | None, level: int = logging.INFO) -> RingHandler:
    """Route every log record to the file and the ring, and none to the terminal."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    ring = RingHandler(level=level)
    root.addHandler(ring)
    if state_dir is not None:
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            file_handler = logging.handlers.RotatingFileHandler(
                log_path(state_dir), maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
            )
        except OSError as exc:
            root.setLevel(level)
            logging.getLogger(__name__).warning("cannot write the log file: %s", exc)
        else:
            file_handler.setFormatter(logging.Formatter(_FORMAT))
            root.addHandler(file_handler)
    root.setLevel(min(level, logging.INFO))
    # httpcore traces every socket event at DEBUG: far too much for a panel.
    logging.getLogger("httpcore").setLevel(logging.INFO)
    return ring
