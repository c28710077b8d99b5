"""engine.format: sizes and times for people."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.format import (
    absolute_date,
    absolute_time,
    group_digits,
    human_size,
    parse_time,
    relative_time,
)

NOW = datetime(2024, 1, 15, 12, 0, 0, tzinfo=UTC)
_UNITS = {"B": 0, "KB": 1, "kB": 1, "MB": 2, "GB": 3, "TB": 4, "PB": 5, "EB": 6}


@pytest.mark.parametrize(
    ("size", "binary", "decimal"),
    [
        (0, "0 B", "0 B"),
        (1023, "1023 B", "1.0 kB"),
        (1024, "1.0 KB", "1.0 kB"),
        (1048576, "1.0 MB", "1.0 MB"),
        (5368709120, "5.0 GB", "5.4 GB"),
        # The seeds' tables: 7,651,328 bytes read "7.3 MB", so tables are binary.
        (7651328, "7.3 MB", "7.7 MB"),
        (12898304, "12.3 MB", "12.9 MB"),
        # Rounding would show "1024.0 KB"; it moves to the next unit instead.
        (1048575, "1.0 MB", "1.0 MB"),
    ],
)
def test_human_size(size: int, binary: str, decimal: str) -> None:
    assert human_size(size) == binary
    assert human_size(size, decimal=True) == decimal


def test_human_size_precision_and_odd_input() -> None:
    assert human_size(1536, precision=2) == "1.50 KB"
    assert human_size(1536, precision=0) == "2 KB"
    assert human_size(-2048) == "-2.0 KB"
    assert human_size(float("nan")) == "? B"
    assert human_size(10**30).endswith(" EB")


def _size_value(text: str) -> float:
    number, unit = text.split()
    return float(number) * float(1024 ** _UNITS[unit])


@given(st.integers(min_value=0, max_value=2**70))
def test_human_size_never_raises_and_stays_close(size: int) -> None:
    text = human_size(size)
    assert re.fullmatch(r"\d+(\.\d)? (B|KB|MB|GB|TB|PB|EB)", text)
    # One decimal of the unit: within 5 % of the truth (or exact for bytes).
    assert abs(_size_value(text) - size) <= max(0.05 * size, 1)


@given(st.integers(min_value=0, max_value=2**60), st.integers(min_value=0, max_value=2**60))
def test_human_size_is_monotonic(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert _size_value(human_size(low)) <= _size_value(human_size(high))


def test_group_digits() -> None:
    assert group_digits(7651328) == "7,651,328"
    assert group_digits(12) == "12"


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (timedelta(0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (timedelta(hours=2), "2 hours ago"),
        (timedelta(days=1), "1 day ago"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(weeks=1), "1 week ago"),
        (timedelta(days=29), "4 weeks ago"),
        # From a month on, the seed shows the absolute date.
        (timedelta(days=30), "2023-12-16"),
        (timedelta(days=400), "2022-12-11"),
        # A skewed clock a few seconds ahead is still "just now"; far ahead is a date.
        (timedelta(seconds=-30), "just now"),
        (timedelta(hours=-5), "2024-01-15"),
    ],
)
def test_relative_time(age: timedelta, text: str) -> None:
    assert relative_time(NOW - age, NOW) == text


def test_naive_times_are_utc() -> None:
    assert relative_time(datetime(2024, 1, 15, 10, 0), NOW) == "2 hours ago"


_RANK = {"just now": 0, "minute": 1, "hour": 2, "day": 3, "week": 4}


def _order(text: str) -> tuple[int, float]:
    """Sort key: older texts sort higher (dates: older date = higher)."""
    if text == "just now":
        return (0, 0)
    found = re.fullmatch(r"(\d+) (minute|hour|day|week)s? ago", text)
    if found:
        return (_RANK[found[2]], int(found[1]))
    day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    return (5, -day.timestamp())


ages = st.integers(min_value=0, max_value=10 * 365 * 86400)


@given(ages)
def test_relative_time_never_raises(seconds: int) -> None:
    text = relative_time(NOW - timedelta(seconds=seconds), NOW)
    assert text and _order(text) >= (0, 0)


@given(ages, ages)
def test_relative_time_is_monotonic(a: int, b: int) -> None:
    younger, older = sorted((a, b))
    first = relative_time(NOW - timedelta(seconds=younger), NOW)
    second = relative_time(NOW - timedelta(seconds=older), NOW)
    assert _order(first) <= _order(second)


@given(st.datetimes(timezones=st.just(UTC)), st.datetimes(timezones=st.just(UTC)))
def test_relative_time_extremes_never_raise(when: datetime, now: datetime) -> None:
    assert relative_time(when, now)


def test_absolute_formats() -> None:
    when = datetime(2024, 1, 15, 14, 30, tzinfo=UTC)
    assert absolute_time(when) == "2024-01-15 14:30:00 UTC"
    assert absolute_date(when) == "2024-01-15"
    ahead = datetime(2024, 1, 15, 23, 30, tzinfo=UTC).astimezone(timezone(timedelta(hours=2)))
    assert absolute_time(ahead) == "2024-01-15 23:30:00 UTC"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-15T10:30:00Z", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        # Go writes nanoseconds; Python keeps microseconds.
        ("2024-05-14T09:30:00.123456789Z", datetime(2024, 5, 14, 9, 30, 0, 123456, tzinfo=UTC)),
        ("2024-01-15T10:30:00+01:00", datetime(2024, 1, 15, 9, 30, tzinfo=UTC)),
        ("2024-01-15T10:30:00+0100", datetime(2024, 1, 15, 9, 30, tzinfo=UTC)),
        ("2024-01-15 10:30:00", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("yesterday", None),
        ("2024-13-45T99:00:00Z", None),
        (None, None),
        (17, None),
    ],
)
def test_parse_time(text: object, expected: datetime | None) -> None:
    assert parse_time(text) == expected


@given(st.text())
def test_parse_time_never_raises(text: str) -> None:
    parsed = parse_time(text)
    assert parsed is None or parsed.tzinfo is not None
