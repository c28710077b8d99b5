"""Logging to stderr for -v/-vv/-vvv, as text or (REX_LOG_FORMAT=json) one JSON object a line.

    (none)  warnings and errors, as "rex: warning: ..."
    -v      + info from rex
    -vv     + debug from rex (requests, cache decisions)
    -vvv    + debug from every library (httpx, httpcore, trio): the seeds' TRACE

Exception details are reduced to one line: nothing rex prints is a traceback.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import TextIO

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
            "message": record.getMessage(),
        }
        error = _one_line(record)
        if error:
            entry["error"] = error
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(verbosity: int, stream: TextIO, env: Mapping[str, str]) -> None:
    """Send log records to `stream` at the level -v.. asks for, in the REX_LOG_FORMAT format."""
    handler = logging.StreamHandler(stream)
    as_json = env.get("REX_LOG_FORMAT", "").strip().lower() == "json"
    handler.setFormatter(_JsonFormatter() if as_json else _TextFormatter(verbosity > 0))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    if verbosity >= 3:
        root.setLevel(logging.DEBUG)
        return
    root.setLevel(logging.WARNING)
    ours = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    for name in _OURS:
        logging.getLogger(name).setLevel(ours)
    # Python's "last resort" handler would print bare messages; ours covers everything.
    logging.lastResort = None
