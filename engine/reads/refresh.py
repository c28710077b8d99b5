"""Stale-while-revalidate plumbing: a read's answer with its age, and shared refreshes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import trio

from engine.errors import RexError

__all__ = ["Fetched", "Refresh", "Refresher"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class RefreshCancelled(RexError):
    """The fetch was cancelled before it ended (its caller went away); not a failure."""

    def __init__(self) -> None:
        super().__init__("the refresh was cancelled")


class Refresh(Generic[T]):
    """A fetch in flight; any number of readers can await its result."""

    def __init__(self) -> None:
        self._done = trio.Event()
        self._value: T | None = None
        self._error: RexError | None = None

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def _finish(self, value: T | None, error: RexError | None) -> None:
        self._value, self._error = value, error
        self._done.set()

    async def wait(self) -> T:
        """The fresh value, or the engine error the fetch ended with."""
        await self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # set together with _done


@dataclass(frozen=True, slots=True)
class Fetched(Generic[T]):
    """A read's answer: the value, how old it is, and the refresh under way, if any."""

    value: T
    age: float | None = None
    """Seconds since it came from the registry; None when it just did."""
    stale: bool = False
    """Past its TTL (only eventual reads return stale values)."""
    refresh: Refresh[T] | None = None
    """Awaitable fresh value when a background refresh was started."""


class Refresher:
    """Runs each key's fetch once at a time; later askers share the one in flight."""

    def __init__(self) -> None:
        self._inflight: dict[Hashable, Refresh[Any]] = {}
        self._nursery: trio.Nursery | None = None

    def attach(self, nursery: trio.Nursery | None) -> None:
        """Where background refreshes run; None turns them off."""
        self._nursery = nursery

    @property
    def can_refresh(self) -> bool:
        return self._nursery is not None

    async def run(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> T:
        """Fetch now, or join the fetch of `key` already running.

        When the fetch joined is cancelled (its caller moved on), fetch afresh.
        """
        while (existing := self._inflight.get(key)) is not None:
            try:
                value: T = await existing.wait()
            except RefreshCancelled:
                continue
            return value
        refresh: Refresh[T] = Refresh()
        self._inflight[key] = refresh
        try:
            result = await fetch()
        except RexError as exc:
            refresh._finish(None, exc)
            raise
        except BaseException:
            refresh._finish(None, RefreshCancelled())
            raise
        finally:
            self._inflight.pop(key, None)
        refresh._finish(result, None)
        return result

    def start(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> Refresh[T] | None:
        """Fetch in the background (shared with any fetch of `key` under way)."""
        existing = self._inflight.get(key)
        if existing is not None:
            return existing
        if self._nursery is None:
            return None
        refresh: Refresh[T] = Refresh()

        async def background() -> None:
            try:
                value = await fetch()
            except RexError as exc:
                logger.warning("background refresh failed: %s", exc)
                refresh._finish(None, exc)
            except BaseException:
                refresh._finish(None, RefreshCancelled())
                raise
            else:
                refresh._finish(value, None)
            finally:
                if self._inflight.get(key) is refresh:
                    del self._inflight[key]

        # Registered before the task starts, so a second start() right away shares it.
        self._inflight[key] = refresh
        self._nursery.start_soon(background)
        return refresh
