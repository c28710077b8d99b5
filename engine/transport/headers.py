"""Parsers for the HTTP headers a registry answers with.

`WWW-Authenticate` (RFC 9110 challenges), `Link` (RFC 8288, for pagination)
and `Retry-After`. Each takes untrusted text and raises only
`ValidationError`.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from engine.errors import ValidationError, shown
from engine.frozen import Frozen

__all__ = ["Challenge", "parse_link_next", "parse_retry_after", "parse_www_authenticate"]

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
