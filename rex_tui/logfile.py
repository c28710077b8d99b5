"""The log file both `rex` and the TUI write: `$XDG_STATE_HOME/rex/rex.log`, rotated and safe.

One record a line, at the level REX_LOG names (debug, info, warn, error), in a
`RotatingFileHandler` capped at 10 MB x 5 (seed 000 section 1.12). Each line is
escaped (`rex_tui.untrusted.visible`: a registry's text cannot forge lines or
carry escapes to whoever runs `tail -f`), and what looks like a secret is
masked, in case a message ever quotes a header or a URL with credentials.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from rex_tui.untrusted import visible, visible_lines

__all__ = [
    "BACKUPS",
    "MAX_BYTES",
    "EscapingFormatter",
    "default_state_dir",
    "log_file_handler",
    "log_level",
    "log_path",
    "redact",
]

MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}

_SECRETS = re.compile(
    r"(?i)(?P<key>\bauthorization\s*[:=]\s*(?:(?:bearer|basic)\s+)?"
    r"|\b(?:password|passwd|secret|token|access_token|refresh_token)=)(?P<value>[^\s&\"',;]+)"
    # A bare "Bearer X" / "Basic X" only when X looks like a token, not a word.
    r"|(?P<scheme_word>\b(?:bearer|basic)\s+)(?P<token>[A-Za-z0-9._~+/=-]{16,})"
    r"|(?P<scheme>\b[a-z][a-z0-9+.-]*://)(?P<userinfo>[^/\s@]+)@"
)


def _mask(match: re.Match[str]) -> str:
    if match.group("scheme"):
        return f"{match.group('scheme')}***@"
    return f"{match.group('key') or match.group('scheme_word')}***"


def redact(text: str) -> str:
    """`text` with credentials masked: Authorization values, bearer/basic tokens,
    password= and token= values, and the user info of URLs."""
    return _SECRETS.sub(_mask, text)


class EscapingFormatter(logging.Formatter):
    """Records as escaped lines with secrets masked; a traceback keeps its own lines."""

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        line = visible(redact(self.formatMessage(record)))
        if record.exc_info:
            # For whoever debugs from the file: where it happened, escaped line by line.
            line += "\n" + visible_lines(redact(self.formatException(record.exc_info)))
        return line


def log_path(state_dir: Path) -> Path:
    return state_dir / "rex.log"


def default_state_dir(env: Mapping[str, str]) -> Path:
    """`$XDG_STATE_HOME/rex`, as platformdirs has it, without its import on Linux (~5 ms)."""
    xdg = env.get("XDG_STATE_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "rex"
    if sys.platform.startswith("linux"):
        return Path.home() / ".local" / "state" / "rex"
    import platformdirs

    return Path(platformdirs.user_state_dir("rex", appauthor=False))


def log_level(env: Mapping[str, str], default: int) -> tuple[int, str | None]:
    """The file's level from REX_LOG, and a problem to report when its value is not one."""
    value = env.get("REX_LOG", "").strip()
    if not value:
        return default, None
    level = _LEVELS.get(value.lower())
    if level is None:
        shown = logging.getLevelName(default).lower()
        return default, (
            f"REX_LOG={visible(value)!s} is not a log level (debug, info, warn, error); "
            f"using {shown}"
        )
    return level, None


def _rotating(state_dir: Path, level: int) -> logging.Handler:
    import logging.handlers  # ~10 ms (socket, pickle): only once a record is written

    class LogFile(logging.handlers.RotatingFileHandler):
        def handleError(self, record: logging.LogRecord) -> None:
            # A log file that stops being writable (disk full, permissions) must not
            # print a traceback for every record: it is given up, quietly.
            self.setLevel(logging.CRITICAL + 1)

    state_dir.mkdir(parents=True, exist_ok=True)
    handler = LogFile(
        log_path(state_dir), maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
    )
    handler.setLevel(level)
    handler.setFormatter(EscapingFormatter(_FORMAT))
    return handler


class _OpenedOnFirstRecord(logging.Handler):
    """The log file for a one-shot command: made (directory, handler, file) by its first record.

    Most `rex` runs log nothing; they should not pay for the file, nor create it.
    """

    def __init__(self, state_dir: Path, level: int) -> None:
        super().__init__(level)
        self._state_dir = state_dir
        self._file: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._file is None:
            try:
                self._file = _rotating(self._state_dir, self.level)
            except OSError:  # a read-only home: the command itself still works
                self.setLevel(logging.CRITICAL + 1)
                return
        self._file.handle(record)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def log_file_handler(state_dir: Path, level: int, *, lazy: bool = False) -> logging.Handler:
    """The rotating handler for `state_dir`/rex.log, at `level`.

    Made now (OSError when it cannot be), the file itself opened on the first
    record; or with `lazy`, all of it on the first record, failures ignored.
    """
    if lazy:
        return _OpenedOnFirstRecord(state_dir, level)
    return _rotating(state_dir, level)
