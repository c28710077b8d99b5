"""A connection pool that costs O(1) a request, for the registry's own (unproxied) origins.

httpcore's `AsyncConnectionPool` re-plans every connection on every request and
every response close: it scans all connections for each queued request, counts
idle ones once per idle one (quadratic), and polls each idle socket for a
server hang-up. With 16 connections that was a fifth of the client's CPU time
per request (benchmarks/crawl.py --profile). The requests in flight are already
bounded by `HttpClient`'s limiter, so the pool only has to hand out idle
connections: a list per origin, popped and pushed.

A connection is taken idle and unexpired (checked once, as httpcore does), or
made new; it goes back when its response is closed with the exchange complete,
and is closed otherwise (a body left unread, an error, a cancellation), as the
connection itself decides. Connection, HTTP/1.1 parsing and TLS stay httpcore's.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import httpcore
import httpx
import trio

__all__ = ["PooledTransport"]

_Key = tuple[bytes, bytes, int]
"""An origin as a dict key (httpcore's `Origin` is not hashable)."""


def _key(origin: httpcore.Origin) -> _Key:
    return (origin.scheme, origin.host, origin.port)


class _Pool:
    """Idle HTTP/1.1 connections per origin, at most `max_idle` of them kept."""

    def __init__(
        self, ssl_context: ssl.SSLContext | None, max_idle: int, keepalive_expiry: float | None
    ) -> None:
        self._ssl_context = ssl_context
        self._max_idle = max_idle
        self._keepalive_expiry = keepalive_expiry
        self._idle: dict[_Key, list[httpcore.AsyncHTTPConnection]] = {}
        self._open: set[httpcore.AsyncHTTPConnection] = set()
        self._idle_count = 0
        self._closed = False
        self._discard: list[httpcore.AsyncHTTPConnection] = []

    def _take(self, origin: httpcore.Origin) -> tuple[httpcore.AsyncHTTPConnection, bool]:
        """An idle connection to `origin` that is still good, else a new one; and which."""
        idle = self._idle.get(_key(origin))
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if connection.is_idle() and not connection.has_expired():
                return connection, True
            self._open.discard(connection)
            # An expired or hung-up connection holds no request: closing it is local.
            self._discard.append(connection)
        connection = httpcore.AsyncHTTPConnection(
            origin=origin, ssl_context=self._ssl_context, keepalive_expiry=self._keepalive_expiry
        )
        self._open.add(connection)
        return connection, False

    async def _close_discarded(self) -> None:
        while self._discard:
            await _close(self._discard.pop())

    async def give_back(
        self, connection: httpcore.AsyncHTTPConnection, origin: httpcore.Origin
    ) -> None:
        """Keep a connection whose exchange completed; close any other at once."""
        if self._closed or not connection.is_idle() or self._idle_count >= self._max_idle:
            self._open.discard(connection)
            await _close(connection)
            return
        self._idle.setdefault(_key(origin), []).append(connection)
        self._idle_count += 1

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        await self._close_discarded()
        origin = request.url.origin
        while True:
            connection, reused = self._take(origin)
            await self._close_discarded()
            try:
                response = await connection.handle_async_request(request)
            except httpcore.ConnectionNotAvailable:
                self._open.discard(connection)
                if reused:
                    continue  # it went away between the check and the request: another
                raise
            except BaseException:
                self._open.discard(connection)
                await _close(connection)  # a cancelled or failed exchange: never reused
                raise
            stream = _ReturningStream(response.stream, connection, origin, self)
            return httpcore.Response(
                status=response.status,
                headers=response.headers,
                content=stream,
                extensions=response.extensions,
            )

    async def aclose(self) -> None:
        self._closed = True
        connections = [*self._open, *(c for idle in self._idle.values() for c in idle)]
        self._idle.clear()
        self._open.clear()
        self._idle_count = 0
        self._discard.extend(connections)
        await self._close_discarded()

    async def __aenter__(self) -> _Pool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _close(connection: httpcore.AsyncHTTPConnection) -> None:
    """Close whatever cancellation is under way, as httpcore's own pool does: a socket
    left to the garbage collector is a leak (and a ResourceWarning)."""
    with trio.CancelScope(shield=True):
        await connection.aclose()


class _ReturningStream:
    """A response body that gives its connection back to the pool when closed."""

    def __init__(
        self,
        stream: object,
        connection: httpcore.AsyncHTTPConnection,
        origin: httpcore.Origin,
        pool: _Pool,
    ) -> None:
        self._stream = stream
        self._connection = connection
        self._origin = origin
        self._pool = pool

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:  # type: ignore[attr-defined]
            yield chunk

    async def aclose(self) -> None:
        try:
            if hasattr(self._stream, "aclose"):
                await self._stream.aclose()
        finally:
            await self._pool.give_back(self._connection, self._origin)


class PooledTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over `_Pool` instead of httpcore's pool (no proxy, HTTP/1.1)."""

    def __init__(self, *, verify: ssl.SSLContext, limits: httpx.Limits) -> None:
        super().__init__(verify=verify, limits=limits)
        if isinstance(self._pool, httpcore.AsyncConnectionPool):
            idle = limits.max_keepalive_connections or 0
            self._pool = _Pool(verify, idle, limits.keepalive_expiry)  # type: ignore[assignment]
