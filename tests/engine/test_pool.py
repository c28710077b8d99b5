"""The transport's own connection pool: reuse, no reuse of a half-read connection, bounds."""

from __future__ import annotations

import httpx
import trio

from engine import NetworkConfig
from engine.transport.client import HttpClient, _verifying_context
from engine.transport.endpoint import Endpoint
from engine.transport.pool import PooledTransport, _Pool
from tests.support.seed import SeededRegistry


def pool_of(transport: PooledTransport) -> _Pool:
    pool = transport._pool
    assert isinstance(pool, _Pool)
    return pool


def pooled(limit: int = 4) -> PooledTransport:
    limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit)
    return PooledTransport(verify=_verifying_context(None), limits=limits)


async def test_requests_one_after_another_share_one_connection(
    registry: SeededRegistry,
) -> None:
    transport = pooled()
    async with httpx.AsyncClient(base_url=registry.url, transport=transport) as client:
        for _ in range(5):
            assert (await client.get("/v2/_catalog")).status_code == 200
        assert len(pool_of(transport)._open) == 1
    assert not pool_of(transport)._open


async def test_a_body_left_unread_closes_its_connection(registry: SeededRegistry) -> None:
    transport = pooled()
    async with httpx.AsyncClient(base_url=registry.url, transport=transport) as client:
        async with client.stream("GET", "/v2/_catalog") as response:
            assert response.status_code == 200  # closed without reading the body
        assert not pool_of(transport)._open
        assert (await client.get("/v2/_catalog")).json()["repositories"]
        assert len(pool_of(transport)._open) == 1


async def test_concurrent_requests_stay_within_the_client_limit(
    registry: SeededRegistry,
) -> None:
    network = NetworkConfig(concurrency=3, retry_attempts=0)
    client = HttpClient(Endpoint.parse(registry.url), network=network)
    statuses: list[int] = []
    try:

        async def get() -> None:
            statuses.append((await client.send("GET", "/v2/_catalog")).status_code)

        async with trio.open_nursery() as nursery:
            for _ in range(12):
                nursery.start_soon(get)
        transport = client._client._transport
        assert isinstance(transport, PooledTransport)
        assert 1 <= len(pool_of(transport)._open) <= 3
    finally:
        await client.aclose()
    assert statuses == [200] * 12
    assert not pool_of(transport)._open
