"""Logging in TUI mode: a rotating file and an in-memory ring for the log panel.

Nothing may write to the terminal while urwid owns it, so the root logger gets
exactly these two handlers: the log file `rex_tui.logfile` sets up under the
platformdirs state dir (10 MB x 5, as seed 000 section 1.12 asks; the CLI
writes the same file) and a `RingHandler` the log panel reads. A record's
text may quote a registry: the panel shows it escaped (`LogLine.text`).

The panel (`LogPanel`) takes the focus with Tab like a pane, scrolls, and
wraps long lines; an HTTP request's line leads with its status code, so the
code is never what a narrow terminal cuts off.
"""

from __future__ import annotations

import collections
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urwid

from rex_tui.keynames import SCROLL_KEYS
from rex_tui.logfile import BACKUPS, MAX_BYTES, log_file_handler, log_level, log_path
from rex_tui.untrusted import visible

__all__ = [
    "BACKUPS",
    "MAX_BYTES",
    "LogLine",
    "LogPanel",
    "RingHandler",
    "install_tui_logging",
    "log_path",
]

_HTTP = re.compile(r'HTTP Request: (\S+) (\S+) "HTTP/[\d.]+ (\d{3}) ?([^"]*)"\Z')
"""httpx's line per request: `HTTP Request: GET URL "HTTP/1.1 200 OK"`."""
PANEL_LINES = 500


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
        message = self.message
        http = _HTTP.match(message)
        if http is not None:
            method, url, code, reason = http.groups()
            message = f"{code} {reason} {method} {url}".replace("  ", " ")
        return f"{stamp} {logging.getLevelName(self.level):<7} {visible(message)}"


class LogPanel(urwid.WidgetWrap[urwid.AttrMap[urwid.LineBox[urwid.ListBox[Any]]]]):
    """The log panel under the panes: the newest records, wrapped; focusable and scrollable.

    It follows new records while its last line is selected (or it is not focused);
    scrolled up, it stays where the reader is.
    """

    context = "log"

    def __init__(self, capacity: int = PANEL_LINES) -> None:
        self.capacity = capacity
        self.walker: urwid.SimpleFocusListWalker[urwid.Text] = urwid.SimpleFocusListWalker([])
        self.listbox = urwid.ListBox(self.walker)
        self._map = urwid.AttrMap(
            urwid.LineBox(self.listbox, title="Log", title_align="left"), "pane.border.unfocused"
        )
        self.focused = False
        self._rows = 8
        super().__init__(self._map)

    def height(self, screen_rows: int) -> int:
        """Its share of the screen: a quarter, at least 5 rows (3 lines of log)."""
        self._rows = max(5, screen_rows // 4)
        return self._rows

    def set_focused(self, focused: bool) -> None:
        self.focused = focused
        self._map.set_attr_map({None: "pane.border" if focused else "pane.border.unfocused"})

    def _following(self) -> bool:
        return not self.focused or self.walker.focus in (None, len(self.walker) - 1)

    def append(self, line: LogLine) -> None:
        follow = self._following()
        self.walker.append(urwid.Text((line.style, line.text()), wrap="any"))
        del self.walker[: -self.capacity]
        if follow and self.walker:
            self.walker.set_focus(len(self.walker) - 1)

    def text(self) -> list[str]:
        return [str(t.text) for t in self.walker]

    def act(self, action: str, size: tuple[int, int]) -> bool:
        keys = SCROLL_KEYS
        if not self.walker:
            return action in keys or action in ("top", "bottom")
        if action in ("top", "bottom"):
            self.walker.set_focus(0 if action == "top" else len(self.walker) - 1)
            return True
        if action in keys:
            self.listbox.keypress((max(1, size[0] - 2), max(1, self._rows - 2)), keys[action])
            return True
        return False


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
