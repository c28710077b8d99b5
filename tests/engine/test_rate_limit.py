"""Rate-limit headers: Docker Hub's, the IETF drafts', X-RateLimit-*, a 429, and garbage."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.transport.headers import RateLimit, parse_rate_limit

NOW = 1_800_000_000.0


def parse(headers: dict[str, str], status: int = 200) -> RateLimit | None:
    # httpx's headers, as the transport hands them over: names are case-insensitive.
    return parse_rate_limit(httpx.Headers(headers), status=status, now=NOW)


def test_docker_hub() -> None:
    found = parse({"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "76;w=21600"})
    assert found == RateLimit(100, 76, 21600.0, None, NOW)
    assert not found.exhausted(NOW)
    assert found.reset_in(NOW) is None


def test_ietf_draft_with_reset_seconds() -> None:
    found = parse({"RateLimit-Limit": "10, 10;w=1, 50;w=60", "RateLimit-Remaining": "0",
                   "RateLimit-Reset": "50"})  # fmt: skip
    assert found is not None
    assert (found.limit, found.remaining, found.resets_at) == (10, 0, NOW + 50)
    assert found.exhausted(NOW) and found.exhausted(NOW + 49)
    assert not found.exhausted(NOW + 50)
    assert found.reset_in(NOW + 20) == 30


def test_structured_draft() -> None:
    found = parse({"RateLimit": '"default";r=5;t=30', "RateLimit-Policy": '"default";q=100;w=60'})
    assert found == RateLimit(100, 5, 60.0, NOW + 30, NOW)


def test_x_ratelimit_reset_is_an_epoch_time() -> None:
    found = parse(
        {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999",
         "X-RateLimit-Reset": str(int(NOW) + 3600)}
    )  # fmt: skip
    assert found is not None and found.resets_at == NOW + 3600


def test_429_with_retry_after() -> None:
    found = parse({"Retry-After": "120"}, status=429)
    assert found is not None
    assert found.throttled and found.remaining == 0 and found.resets_at == NOW + 120
    assert found.exhausted(NOW + 119) and not found.exhausted(NOW + 121)


def test_429_without_retry_after_lasts_the_window_or_a_minute() -> None:
    found = parse({}, status=429)
    assert found is not None and found.exhausted(NOW + 59) and not found.exhausted(NOW + 61)
    windowed = parse({"ratelimit-limit": "100;w=21600"}, status=429)
    assert windowed is not None and windowed.exhausted(NOW + 3600)


def test_no_headers_no_limit() -> None:
    assert parse({"content-type": "application/json"}) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"ratelimit-limit": "lots", "ratelimit-remaining": "-1"},
        {"ratelimit-limit": "1" * 40},
        {"ratelimit-limit": "100;w=21600" + " " * 300},
        {"ratelimit-remaining": "1e9"},
        {"ratelimit": '"x";r=abc'},
    ],
)
def test_garbage_is_ignored(headers: dict[str, str]) -> None:
    assert parse(headers) is None


def test_nonsense_parts_are_dropped_and_the_rest_kept() -> None:
    # More remaining than the limit: one of them is wrong, so the count is not shown.
    found = parse({"ratelimit-limit": "100", "ratelimit-remaining": "500",
                   "ratelimit-reset": "99999999999"})  # fmt: skip
    assert found == RateLimit(100, None, None, None, NOW)
    assert parse({"ratelimit-limit": "100;w=999999999999"}) == RateLimit(100, None, None, None, NOW)
    # A garbage Retry-After on a 429 still means throttled, for an unknown while.
    found = parse({"Retry-After": "soon"}, status=429)
    assert found is not None and found.throttled and found.resets_at is None


@given(st.dictionaries(
    st.sampled_from(["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit",
                     "ratelimit-policy", "x-ratelimit-reset", "retry-after"]),
    st.text(st.sampled_from("0123456789;=,\" wqrt-x.e"), max_size=300),
), st.sampled_from([200, 429]))  # fmt: skip
def test_never_raises(headers: dict[str, str], status: int) -> None:
    found = parse(headers, status)
    if found is not None:
        assert found.limit is None or 0 <= found.limit <= 10**12
        assert found.remaining is None or found.limit is None or found.remaining <= found.limit
        assert found.resets_at is None or abs(found.resets_at - NOW) <= 366 * 86400
