"""What a registry's answers said about it: how it authenticates, its rate limit, its
last failure. `HttpClient` notes every answer here; the dashboard reads it."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from engine.errors import RexError, ValidationError
from engine.transport.headers import RateLimit, parse_rate_limit, parse_www_authenticate

__all__ = ["AUTH_MODES", "Observed"]

AUTH_MODES = ("anonymous", "basic", "bearer")
"""How a registry authenticates: no challenge seen, a Basic one, a Bearer (token) one."""
_MAX_ERROR_TEXT = 300
"""An error kept for the dashboard is cut to this many characters."""


class Observed:
    """Facts gathered from one registry's answers (mutable, owned by its `HttpClient`)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.auth: str | None = None
        """One of AUTH_MODES once an answer showed it; None before."""
        self.rate_limit: RateLimit | None = None
        """The last quota the registry stated (answers that state none leave it)."""
        self.last_error: str | None = None
        self.last_error_at: float | None = None

    def note(self, response: httpx.Response) -> None:
        """Learn from an answer (and the 401s its auth flow answered on the way)."""
        for answer in (*response.history, response):
            if answer.status_code == 401:
                self._challenged(answer)
        if self.auth is None and response.status_code < 400:
            self.auth = "anonymous"
        # Only the final answer is the registry's: the history holds token services too.
        found = parse_rate_limit(response.headers, status=response.status_code, now=self._clock())
        if found is not None:
            self.rate_limit = found

    def failed(self, error: RexError) -> None:
        """A request failed (retried or not): the dashboard's last error."""
        text = str(error).strip()
        self.last_error = text.splitlines()[0][:_MAX_ERROR_TEXT] if text else type(error).__name__
        self.last_error_at = self._clock()

    def _challenged(self, answer: httpx.Response) -> None:
        try:
            schemes = {
                c.scheme
                for c in parse_www_authenticate(answer.headers.get_list("www-authenticate"))
            }
        except ValidationError:
            return
        if "bearer" in schemes:
            self.auth = "bearer"
        elif "basic" in schemes and self.auth != "bearer":
            self.auth = "basic"
