"""Parsers for the HTTP headers a registry answers with.

`WWW-Authenticate` (RFC 9110 challenges), `Link` (RFC 8288, for pagination)
and `Retry-After`. Each takes untrusted text and raises only
`ValidationError`.

Rate limits (`parse_rate_limit`) are advisory, so their parser never raises:
a header it cannot read, or a number out of any sane range, is ignored.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from engine.errors import ValidationError, shown
from engine.frozen import Frozen

__all__ = [
    "Challenge",
    "RateLimit",
    "parse_link_next",
    "parse_rate_limit",
    "parse_retry_after",
    "parse_www_authenticate",
]

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_TOKEN_RE = re.compile(_TOKEN)
_TOKEN68_RE = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_WS = " \t"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Challenge(Frozen):
    """One authentication challenge: a scheme (lowercased) and its parameters."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.params.get(name)


class _Scanner:
    """A cursor over header text; every method returns None instead of failing."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WS:
            self.pos += 1

    def skip_commas(self) -> None:
        while True:
            self.skip_ws()
            if self.peek() != ",":
                return
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def match(self, pattern: re.Pattern[str]) -> str | None:
        m = pattern.match(self.text, self.pos)
        if not m:
            return None
        self.pos = m.end()
        return m.group(0)

    def quoted(self) -> str | None:
        if self.peek() != '"':
            return None
        out: list[str] = []
        i = self.pos + 1
        while i < len(self.text):
            ch = self.text[i]
            if ch == "\\" and i + 1 < len(self.text):
                out.append(self.text[i + 1])
                i += 2
                continue
            if ch == '"':
                self.pos = i + 1
                return "".join(out)
            out.append(ch)
            i += 1
        return None


def _bad(what: str, text: str) -> ValidationError:
    return ValidationError(f"malformed {what} header: {shown(text)}")


def _parse_params(scan: _Scanner, header: str) -> dict[str, str] | None:
    """auth-params after a scheme; None when what follows is the next challenge."""
    params: dict[str, str] = {}
    while True:
        scan.skip_commas()
        if scan.at_end():
            return params
        start = scan.pos
        name = scan.match(_TOKEN_RE)
        if name is None:
            raise _bad("WWW-Authenticate", header)
        scan.skip_ws()
        if scan.peek() != "=":
            # A bare token starts the next challenge.
            scan.pos = start
            return params
        scan.pos += 1
        scan.skip_ws()
        value = scan.quoted() if scan.peek() == '"' else scan.match(_TOKEN_RE)
        if value is None:
            raise _bad("WWW-Authenticate", header)
        params[name.lower()] = value


def parse_www_authenticate(headers: str | Iterable[str]) -> list[Challenge]:
    """All challenges in one or more WWW-Authenticate header values."""
    values = [headers] if isinstance(headers, str) else list(headers)
    challenges: list[Challenge] = []
    for header in values:
        scan = _Scanner(header)
        while True:
            scan.skip_commas()
            if scan.at_end():
                break
            scheme = scan.match(_TOKEN_RE)
            if scheme is None:
                raise _bad("WWW-Authenticate", header)
            if not scan.at_end() and scan.peek() not in _WS + ",":
                raise _bad("WWW-Authenticate", header)
            scan.skip_ws()
            token68_start = scan.pos
            token68 = scan.match(_TOKEN68_RE)
            if token68 is not None:
                scan.skip_ws()
                if scan.at_end() or scan.peek() == ",":
                    challenges.append(Challenge(scheme.lower(), {"": token68}))
                    continue
                scan.pos = token68_start
            params = _parse_params(scan, header)
            challenges.append(Challenge(scheme.lower(), params or {}))
    return challenges


_LINK_RE = re.compile(r"\s*<([^>]*)>\s*((?:;[^,;]*)*)")


def parse_link_next(header: str | None) -> str | None:
    """The target of the `rel="next"` link in a Link header, or None."""
    if not header:
        return None
    pos = 0
    while pos < len(header):
        m = _LINK_RE.match(header, pos)
        if not m:
            raise _bad("Link", header)
        target, params = m.group(1), m.group(2)
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "rel":
                rels = value.strip().strip('"').lower().split()
                if "next" in rels:
                    return target
        pos = m.end()
        while pos < len(header) and header[pos] in _WS:
            pos += 1
        if pos < len(header):
            if header[pos] != ",":
                raise _bad("Link", header)
            pos += 1
    return None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    text = value.strip()
    if re.fullmatch(r"[0-9]{1,12}", text):
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise _bad("Retry-After", value) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


# -- rate limits ------------------------------------------------------------------

_MAX_RATE_HEADER = 256
"""Longer rate-limit header values are not read at all (no registry needs more)."""
_MAX_COUNT = 10**12
_MAX_SECONDS = 366 * 86400.0
"""A window or a reset further away than a year is not a rate limit anyone can use."""
_EPOCH_FLOOR = 10**9
"""A reset this large is an epoch time (GitHub's X-RateLimit-Reset), not a delay."""
_NUMBER = re.compile(r"[0-9]{1,13}")
_THROTTLE_GUESS = 60.0
"""How long a 429 without Retry-After or a stated window is taken to last (seconds)."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RateLimit(Frozen):
    """A registry's request quota as one of its answers stated it."""

    limit: int | None
    """Requests allowed per window (`ratelimit-limit: 100;w=21600` -> 100)."""
    remaining: int | None
    window: float | None
    """Seconds of the quota window (`w=`), when stated."""
    resets_at: float | None
    """Epoch seconds when the quota refills (RateLimit-Reset, Retry-After), when stated."""
    observed_at: float
    """Epoch seconds of the answer that said so."""
    throttled: bool = False
    """The answer was a 429: the registry is refusing requests now."""

    def reset_in(self, now: float) -> float | None:
        """Seconds until the quota refills, when known (never negative)."""
        return None if self.resets_at is None else max(0.0, self.resets_at - now)

    def exhausted(self, now: float) -> bool:
        """Whether requests are being refused (a 429) or none are left, as of `now`."""
        if not self.throttled and self.remaining != 0:
            return False
        until = self.resets_at
        if until is None:
            until = self.observed_at + (self.window or _THROTTLE_GUESS)
        return now < until


def _first_item(value: str | None) -> tuple[str, dict[str, str]] | None:
    """`100;w=21600` (the first of a list) as ("100", {"w": "21600"}); None if unusable."""
    if value is None or len(value) > _MAX_RATE_HEADER:
        return None
    head, *params = value.split(",", 1)[0].split(";")
    found: dict[str, str] = {}
    for param in params:
        name, sep, raw = param.partition("=")
        if sep:
            found[name.strip().lower()] = raw.strip().strip('"')
    return head.strip().strip('"'), found


def _count(text: str | None) -> int | None:
    if text is None or not _NUMBER.fullmatch(text):
        return None
    number = int(text)
    return number if number <= _MAX_COUNT else None


def _seconds(text: str | None) -> float | None:
    number = _count(text)
    return float(number) if number is not None and number <= _MAX_SECONDS else None


def _header(headers: Mapping[str, str], *names: str) -> str | None:
    return next((v for n in names if (v := headers.get(n)) is not None), None)


def parse_rate_limit(
    headers: Mapping[str, str], *, status: int = 200, now: float
) -> RateLimit | None:
    """The quota an answer states, or None when it states none (or only garbage).

    Reads Docker Hub's `ratelimit-limit: 100;w=21600` and `ratelimit-remaining:
    76;w=21600`, the IETF draft's `RateLimit-Limit`/`-Remaining`/`-Reset` (delay
    seconds) and its later `RateLimit: "p";r=76;t=30` with `RateLimit-Policy:
    "p";q=100;w=21600`, and `X-RateLimit-*` (a reset that large is an epoch time).
    A 429 is a limit reached: its Retry-After says when it lifts.
    """
    now = float(now)
    limit_item = _first_item(_header(headers, "ratelimit-limit", "x-ratelimit-limit"))
    remaining_item = _first_item(_header(headers, "ratelimit-remaining", "x-ratelimit-remaining"))
    reset_item = _first_item(_header(headers, "ratelimit-reset", "x-ratelimit-reset"))
    combined = _first_item(headers.get("ratelimit"))
    policy = _first_item(headers.get("ratelimit-policy"))
    limit = _count(limit_item[0]) if limit_item else None
    remaining = _count(remaining_item[0]) if remaining_item else None
    window = None
    for item in (limit_item, remaining_item, policy):
        if window is None and item is not None:
            window = _seconds(item[1].get("w"))
    if combined is not None:
        remaining = remaining if remaining is not None else _count(combined[1].get("r"))
    if policy is not None and limit is None:
        limit = _count(policy[1].get("q"))
    resets_at = None
    reset_text = reset_item[0] if reset_item else combined[1].get("t") if combined else None
    reset = _count(reset_text)
    if reset is not None and reset >= _EPOCH_FLOOR:
        resets_at = float(reset) if abs(reset - now) <= _MAX_SECONDS else None
    elif reset is not None and reset <= _MAX_SECONDS:
        resets_at = now + reset
    throttled = status == 429
    if throttled:
        try:
            when = datetime.fromtimestamp(now, UTC)
            wait = parse_retry_after(headers.get("retry-after"), now=when)
        except ValidationError:
            wait = None
        if wait is not None and wait <= _MAX_SECONDS:
            resets_at = now + wait
        remaining = 0 if remaining is None else remaining
    if limit is not None and remaining is not None and remaining > limit:
        remaining = None  # not a count of this limit: one of the two is wrong
    if not throttled and limit is None and remaining is None:
        return None
    return RateLimit(limit, remaining, window, resets_at, now, throttled)
