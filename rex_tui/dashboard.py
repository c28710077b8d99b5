"""The registry dashboard's cells as text: one wording for `rex registry list` and the TUI.

A cell is plain text, not yet escaped: the last error is the registry's own text,
so every boundary passes the cells through `rex_tui.untrusted.visible` (the CLI's
table and the TUI's rows both do).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine import RateLimit, RegistryStatus

__all__ = ["COLUMNS", "UNKNOWN", "cells", "duration", "latency", "rate_limit_text"]

UNKNOWN = "-"
COLUMNS = ("STATUS", "LATENCY", "AUTH", "REPOS", "STORAGE", "SYNCED", "RATE LIMIT", "LAST ERROR")
"""The dashboard's columns after the name, in display order (`cells` fills them)."""
_MAX_ERROR = 200
"""The last error is one line of at most this many characters."""


def duration(seconds: float) -> str:
    """A span in its two largest units: '45s', '3m 20s', '5h 12m', '2d 4h'."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m {secs}s" if secs else f"{minutes}m"
    return f"{secs}s"


def latency(ms: float | None) -> str:
    """'12 ms', '1.4 s', or '-' when there was no answer."""
    if ms is None or not math.isfinite(ms):
        return UNKNOWN
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def rate_limit_text(limit: RateLimit | None, now: float) -> str:
    """'76/100 (resets in 5h 12m)', '76/100 (per 6h)', 'exhausted (resets in 59m)', or ''."""
    if limit is None:
        return ""
    if limit.remaining is not None and limit.limit is not None:
        counts = f"{limit.remaining}/{limit.limit}"
    elif limit.remaining is not None:
        counts = "exhausted" if limit.throttled else f"{limit.remaining} left"
    elif limit.limit is not None:
        counts = f"?/{limit.limit}"
    else:
        counts = "exhausted"
    reset = limit.reset_in(now)
    if reset is not None:
        return f"{counts} (resets in {duration(reset)})"
    if limit.window:
        return f"{counts} (per {duration(limit.window)})"
    return counts


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    return "just now" if seconds < 60 else f"{duration(seconds)} ago"


def _one_line(text: str | None) -> str:
    if not text:
        return ""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= _MAX_ERROR else line[: _MAX_ERROR - 1] + "…"


def cells(status: RegistryStatus, now: float, shown_status: str | None = None) -> tuple[str, ...]:
    """The dashboard cells of one registry, in `COLUMNS` order (`shown_status`: the
    status a front end knows better, such as "catalog closed")."""
    from engine import group_digits, human_size

    count = status.repositories
    return (
        shown_status or status.status,
        latency(status.latency_ms),
        status.auth or UNKNOWN,
        UNKNOWN if count is None else group_digits(count),
        UNKNOWN if status.storage_bytes is None else human_size(status.storage_bytes),
        _age(status.sync_age(now)),
        rate_limit_text(status.rate_limit, now) or UNKNOWN,
        _one_line(status.last_error),
    )
