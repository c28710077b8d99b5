"""Logging to stderr for -v/-vv/-vvv, as text or (REX_LOG_FORMAT=json) one JSON object a line,
and to the log file the TUI writes too (`rex_tui.logfile`), warnings and up unless REX_LOG says.

    (none)  warnings and errors, as "rex: warning: ..." (with -q: errors only;
            the warnings still reach the file)
    -v      + info from rex
    -vv     + debug from rex (requests, cache decisions)
    -vvv    + debug from every library (httpx, httpcore, trio): the seeds' TRACE

Exception details are reduced to one line: nothing rex prints is a traceback.
A message may quote a registry (a skipped name, an error body): every line is
escaped (`rex_tui.untrusted`), the JSON ones with JSON's own escapes.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from rex_tui.logfile import log_file_handler, log_level, redact
from rex_tui.untrusted import escape_json, visible

__all__ = ["setup_logging"]

_OURS = ("engine", "rex_tui")


def _one_line(record: logging.LogRecord) -> str | None:
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        return f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return None


class _TextFormatter(logging.Formatter):
    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self._verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        error = _one_line(record)
        if error:
            message = f"{message} ({error})"
        message = visible(redact(message))
        if not self._verbose:
            return f"rex: {record.levelname.lower()}: {message}"
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        millis = int(record.msecs)
        return f"{stamp}.{millis:03d} {record.levelname:<7} {record.name}: {message}"


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        error = _one_line(record)
        if error:
            entry["error"] = redact(error)
        return escape_json(json.dumps(entry, ensure_ascii=False))


def setup_logging(
    verbosity: int,
    stream: TextIO,
    env: Mapping[str, str],
    *,
    quiet: bool = False,
    state_dir: Path | None = None,
) -> None:
    """Send log records to `stream` at the level -v.. asks for, in the REX_LOG_FORMAT format,
    and to the log file under `state_dir` at REX_LOG's level (warnings by default)."""
    handler = logging.StreamHandler(stream)
    as_json = env.get("REX_LOG_FORMAT", "").strip().lower() == "json"
    handler.setFormatter(_JsonFormatter() if as_json else _TextFormatter(verbosity > 0))
    if quiet and not verbosity:
        handler.setLevel(logging.ERROR)  # -q: warnings go to the file only
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()  # a log file of an earlier run in this process (tests)
    root.addHandler(handler)
    # Python's "last resort" handler would print bare messages; ours covers everything.
    logging.lastResort = None
    file_level, problem = log_level(env, logging.WARNING)
    if state_dir is not None:
        root.addHandler(log_file_handler(state_dir, file_level, lazy=True))
    if verbosity >= 3:
        root.setLevel(logging.DEBUG)
    else:
        root.setLevel(logging.WARNING)
        ours = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
        for name in _OURS:
            logging.getLogger(name).setLevel(min(ours, file_level))
        handler.setLevel(max(handler.level, ours))
    if problem:
        logging.getLogger(__name__).warning("%s", problem)
