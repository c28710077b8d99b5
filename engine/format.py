"""Numbers and times for people: byte sizes, absolute and relative timestamps (seed 000 §1.10).

Sizes come in two flavours. `human_size` defaults to binary (1024-based) steps
labelled ``B, KB, MB, GB, TB, PB``, as the seeds' tables do: they print
7,651,328 bytes as "7.3 MB" (it is 7.65 decimal megabytes), and the same label
convention is what docker and most registries' UIs show. `decimal=True` gives
SI steps of 1000 labelled ``B, kB, MB, GB, TB, PB``. Every unit above bytes
keeps `precision` decimals (default one), so a column of sizes lines up.

Relative times follow the seed: under a minute "just now", then minutes,
hours, days and weeks ago, and from 30 days on the absolute date, because
"7 months ago" is less useful than the day itself. A time more than a minute
in the future (a skewed build clock) also shows as a date: "in 3 hours"
would only confuse a listing of pushed images.

Nothing here raises on odd input: negative or huge sizes, naive datetimes and
unparseable timestamp text all produce something printable.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = [
    "absolute_date",
    "absolute_time",
    "group_digits",
    "human_size",
    "parse_time",
    "relative_time",
]

_BINARY_UNITS = ("B", "KB", "MB", "GB", "TB", "PB", "EB")
_DECIMAL_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB")

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WEEK = 7 * _DAY
MONTH_SECONDS = 30 * _DAY
"""From this age on, `relative_time` shows the date instead of "N weeks ago"."""
_FUTURE_SLACK = _MINUTE
"""Clock skew up to this much ahead of us still reads "just now"."""

# RFC 3339 with up to nanosecond fractions (Go writes 9 digits; Python reads 6).
# A pattern, compiled (and cached) by `re` on first use: start-up rarely needs it.
_RFC3339 = r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*([Zz]|[+-]\d{2}:?\d{2})?$"


def human_size(size: int | float, *, decimal: bool = False, precision: int = 1) -> str:
    """`size` bytes as "7.3 MB": binary steps by default, SI steps with `decimal`."""
    step = 1000.0 if decimal else 1024.0
    units = _DECIMAL_UNITS if decimal else _BINARY_UNITS
    value = float(size)
    if value != value:  # NaN: nothing sensible to scale
        return "? B"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value < step:
        return f"{sign}{int(value)} B"
    unit = 0
    # Rounding can carry into the next unit ("1024.0 KB"): compare the rounded value.
    while unit < len(units) - 1 and round(value, precision) >= step:
        value /= step
        unit += 1
    return f"{sign}{value:.{max(0, precision)}f} {units[unit]}"


def group_digits(number: int) -> str:
    """`number` with thousands separators, as in "7,651,328 bytes"."""
    return f"{number:,}"


def parse_time(text: object) -> datetime | None:
    """An RFC 3339 / ISO 8601 timestamp as an aware UTC datetime; None if it is not one."""
    if isinstance(text, datetime):
        return _utc(text)
    if not isinstance(text, str):
        return None
    found = re.match(_RFC3339, text.strip())
    if found is None:
        return None
    day, clock, fraction, zone = found.groups()
    micro = (fraction or "").ljust(6, "0")[:6]
    offset = "+00:00" if zone in (None, "Z", "z") else zone
    if len(offset) == 5:  # +0100 -> +01:00
        offset = offset[:3] + ":" + offset[3:]
    try:
        return _utc(datetime.fromisoformat(f"{day}T{clock}.{micro}{offset}"))
    except ValueError:
        return None


def _utc(when: datetime) -> datetime:
    # Registries and configs that omit the zone mean UTC.
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def absolute_time(when: datetime) -> str:
    """The UTC time as "2024-01-15 14:30:00 UTC"."""
    return _utc(when).strftime("%Y-%m-%d %H:%M:%S UTC")


def absolute_date(when: datetime) -> str:
    """The UTC date as "2024-01-15"."""
    return _utc(when).strftime("%Y-%m-%d")


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'} ago"


def relative_time(when: datetime, now: datetime | None = None) -> str:
    """How long ago, as "just now", "5 minutes ago", ... "2 weeks ago"; older: the date."""
    when = _utc(when)
    now = _utc(now) if now is not None else datetime.now(UTC)
    try:
        age = (now - when).total_seconds()
    except OverflowError:
        return absolute_date(when)
    if age < -_FUTURE_SLACK or age >= MONTH_SECONDS:
        return absolute_date(when)
    if age < _MINUTE:
        return "just now"
    if age < _HOUR:
        return _plural(int(age // _MINUTE), "minute")
    if age < _DAY:
        return _plural(int(age // _HOUR), "hour")
    if age < _WEEK:
        return _plural(int(age // _DAY), "day")
    return _plural(int(age // _WEEK), "week")
