"""Bearer tokens by (registry, scope): kept apart from `auth` so that holding a
token cache does not import httpx (the TUI draws its first screen before any request)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["TokenCache"]

logger = logging.getLogger("engine.transport.auth")

_EXPIRY_MARGIN = 5.0


@dataclass(slots=True)
class _Token:
    value: str
    expires_at: float


class TokenCache:
    """Bearer tokens keyed by (registry, scope), kept until just before they expire."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[tuple[str, str], _Token] = {}

    def get(self, registry: str, scope: str) -> str | None:
        token = self._tokens.get((registry, scope))
        if token is None:
            return None
        if token.expires_at <= self._clock():
            del self._tokens[(registry, scope)]
            logger.debug("token for %s %s expired, refreshing", registry, scope or "(no scope)")
            return None
        return token.value

    def put(self, registry: str, scope: str, value: str, lifetime: float) -> None:
        expires_at = self._clock() + max(0.0, lifetime - _EXPIRY_MARGIN)
        self._tokens[(registry, scope)] = _Token(value, expires_at)

    def drop(self, registry: str, scope: str) -> None:
        self._tokens.pop((registry, scope), None)

    def drop_registry(self, registry: str) -> None:
        """Forget every token of `registry` (its login changed)."""
        for key in [k for k in self._tokens if k[0] == registry]:
            del self._tokens[key]

    def __len__(self) -> int:
        return len(self._tokens)
