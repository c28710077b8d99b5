"""Response bodies read within a limit: a registry decides how much it sends, not how much we keep.

Content-Length is only a claim (a chunked body has none), so every body is
counted as it is read and reading stops at the limit.
"""

from __future__ import annotations

import httpx

from engine.errors import ContentError

__all__ = [
    "MAX_ERROR_BYTES",
    "MAX_LIST_PAGE_BYTES",
    "MAX_TOKEN_BYTES",
    "read_capped",
    "read_within",
]

MAX_LIST_PAGE_BYTES = 8 * 1024 * 1024
"""A catalog or tag page: 10,000 names of 256 characters would be 2.6 MB of JSON."""
MAX_TOKEN_BYTES = 1024 * 1024
"""A token service's answer: a JWT of a few kilobytes and its lifetime."""
MAX_ERROR_BYTES = 64 * 1024
"""An error body: only its first `errors[]` entries are shown."""


async def read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """Up to `limit` bytes of the decoded body, and whether more followed (unread)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        room = limit - size
        if len(chunk) > room:
            chunks.append(chunk[:room])
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


async def read_within(
    response: httpx.Response, limit: int, *, what: str, registry: str
) -> httpx.Response:
    """The response with its whole body in memory; a ContentError past `limit` bytes."""
    body, more = await read_capped(response, limit)
    if more:
        raise ContentError(
            f"{what} from {registry} is over the {limit:,}-byte limit; stopped reading there",
            registry=registry,
        )
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
