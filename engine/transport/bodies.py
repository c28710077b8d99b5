"""Response bodies read within a limit: a registry decides how much it sends, not how much we keep.

Content-Length is only a claim (a chunked body has none), so every body is
counted as it is read and reading stops at the limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx

from engine.errors import ContentError

__all__ = [
    "MAX_ERROR_BYTES",
    "MAX_LIST_PAGE_BYTES",
    "MAX_TOKEN_BYTES",
    "cap_redirect",
    "cap_stream",
    "read_capped",
    "read_within",
]

MAX_LIST_PAGE_BYTES = 8 * 1024 * 1024
"""A catalog or tag page: 10,000 names of 256 characters would be 2.6 MB of JSON."""
MAX_TOKEN_BYTES = 1024 * 1024
"""A token service's answer: a JWT of a few kilobytes and its lifetime."""
MAX_ERROR_BYTES = 64 * 1024
"""An error body: only its first `errors[]` entries are shown."""
_DEFLATE_MAX_RATIO = 1032
_BUFFERED_READS = 64
"""More than the chunks one 64 KiB network read can leave in the HTTP parser."""


async def read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """Up to `limit` bytes of the decoded body, and whether more followed (unread)."""
    chunks: list[bytes] = []
    size = 0
    iterator = response.aiter_bytes()
    async for chunk in iterator:
        room = limit - size
        if len(chunk) > room:
            chunks.append(chunk[:room])
            await _stop(iterator, response.aclose)
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


async def read_within(
    response: httpx.Response, limit: int, *, what: str, registry: str
) -> httpx.Response:
    """The response with its whole body in memory; a ContentError past `limit` bytes."""

    def too_big() -> ContentError:
        return ContentError(
            f"{what} from {registry} is over the {limit:,}-byte limit; stopped reading there",
            registry=registry,
        )

    if "content-encoding" not in response.headers:
        # Bytes on the wire are the body's bytes: count them under httpx's own read, which
        # keeps this response (a copy of it cost more than the rest of our code a request).
        cap_stream(response, limit, too_big)
        await response.aread()
        return response
    body, more = await read_capped(response, limit)
    if more:
        raise too_big()
    return with_body(response, body)


def with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """A read copy of a streamed `response` holding `body` (already decoded)."""
    encoded = "content-encoding" in response.headers
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if not (encoded and k.lower() in ("content-encoding", "content-length"))
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
    )


class _CappedStream(httpx.AsyncByteStream):
    """A response stream that ends, or raises `too_big()`, past `limit` bytes."""

    def __init__(
        self, stream: httpx.AsyncByteStream, limit: int, too_big: Callable[[], Exception] | None
    ) -> None:
        self._stream = stream
        self._limit = limit
        self._too_big = too_big

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = 0
        inner = self._stream.__aiter__()
        async for chunk in inner:
            room = self._limit - size
            if len(chunk) > room:
                await _stop(inner, self._stream.aclose)
                if self._too_big is not None:
                    raise self._too_big()
                if room:
                    yield chunk[:room]
                return
            size += len(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()


def cap_stream(
    response: httpx.Response, limit: int, too_big: Callable[[], Exception] | None = None
) -> None:
    """Bound what httpx itself reads of `response` (every answer an auth flow replies to,
    every redirect it follows): the body ends at `limit` bytes, or raises `too_big()`.

    The count is of bytes on the wire; httpx decompresses above this stream, so a
    compressed body gets `limit / 1032` (deflate's best ratio) and still decodes to
    at most about `limit`."""
    stream = response.stream
    if response.headers.get("content-encoding", "identity").strip().lower() != "identity":
        limit //= _DEFLATE_MAX_RATIO
    if isinstance(stream, httpx.AsyncByteStream):
        response.stream = _CappedStream(stream, limit, too_big)


def cap_redirect(response: httpx.Response) -> None:
    """An httpx response hook: a redirect's body, which httpx reads whole, is capped."""
    if response.has_redirect_location:
        cap_stream(response, MAX_ERROR_BYTES)


async def _stop(iterator: AsyncIterator[bytes], close: Callable[[], Awaitable[None]]) -> None:
    """Stop reading mid-body without abandoning httpx's stream generators (httpx#3686):
    once the connection is closed, what the parser still buffered is read (a chunk or
    two), then a read fails through every generator and ends them."""
    await close()
    for _ in range(_BUFFERED_READS):
        try:
            await iterator.__anext__()
        except Exception:  # StopAsyncIteration, or the read of a closed stream: expected
            return
