"""The registry dashboard's rows against real registries, some behind a misbehaving proxy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine import Cache, Config, Credentials, NetworkConfig, RegistryConfig, Rex
from tests.engine.helpers import make_rex
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry

DOCKER_HUB = {"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "76;w=21600"}


async def test_anonymous_registry_is_online_with_latency(registry: SeededRegistry) -> None:
    async with make_rex(registry.url) as rex:
        status = await rex.registry_status()
    assert status.status == "online"
    assert status.auth == "anonymous"
    assert status.latency_ms is not None and status.latency_ms > 0
    assert status.api_version == "registry/2.0"
    assert status.last_error is None and status.rate_limit is None
    assert status.repositories is None and status.synced_at is None  # never listed
    assert status.storage_bytes is None


async def test_auth_modes(basic_registry: SeededRegistry, token_registry: SeededRegistry) -> None:
    async with make_rex(basic_registry.url) as rex:
        basic = await rex.registry_status()
    assert (basic.status, basic.auth) == ("auth required", "basic")
    user, password = basic_registry.credentials or ("", "")
    async with make_rex(basic_registry.url, credentials=Credentials(user, "wrong")) as rex:
        refused = await rex.registry_status()
    assert (refused.status, refused.auth) == ("auth failed", "basic")
    assert refused.last_error is not None and "invalid username or password" in refused.last_error
    user, password = token_registry.credentials or ("", "")
    async with make_rex(token_registry.url, credentials=Credentials(user, password)) as rex:
        bearer = await rex.registry_status()
    assert (bearer.status, bearer.auth) == ("online", "bearer")


async def test_repository_count_and_last_sync_come_from_the_catalog_cache(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "cache")
    async with make_rex(registry.url, cache=cache) as rex:
        names = await rex.list_repositories()
        before = cache.now()
        status = await rex.registry_status()
    assert status.repositories == len(names) == len(registry.repositories)
    assert status.synced_at is not None and status.synced_at <= before
    assert status.sync_age(before) is not None
    # A later session reads the same from disk, without listing anything.
    async with make_rex(registry.url, cache=Cache(cache.root)) as rex:
        again = await rex.registry_status()
    assert again.repositories == len(names) and again.synced_at == pytest.approx(
        status.synced_at, abs=0.01
    )


async def test_rate_limit_headers_are_recorded(fault_proxy: FaultProxy) -> None:
    fault_proxy.add_headers(DOCKER_HUB, path="/manifests/")
    async with make_rex(fault_proxy.url) as rex:
        assert rex.rate_limit() is None
        await rex.list_tags("oci/single")
        assert rex.rate_limit() is None  # only manifests state it, as on Docker Hub
        await rex.get_manifest("oci/single:latest")
        limit = rex.rate_limit()
        assert limit is not None and (limit.limit, limit.remaining) == (100, 76)
        assert limit.window == 21600
        status = await rex.registry_status()
    assert status.status == "online" and status.rate_limit == limit


async def test_a_429_with_retry_after_makes_it_rate_limited(fault_proxy: FaultProxy) -> None:
    fault_proxy.status(429, headers={"Retry-After": "3600"}, path="^/v2/$", times=None)
    async with make_rex(fault_proxy.url, retries=2) as rex:
        status = await rex.registry_status()
    assert status.status == "rate-limited"
    assert status.rate_limit is not None and status.rate_limit.throttled
    assert status.rate_limit.reset_in(status.rate_limit.observed_at) == 3600
    assert status.last_error is not None and "429" in status.last_error


async def test_one_failure_never_blocks_or_hides_the_others(
    registry: SeededRegistry,
    stopped_registry_url: str,
    fault_proxy_factory: Callable[..., FaultProxy],
) -> None:
    slow = fault_proxy_factory(registry.url)
    slow.delay(60, path="^/v2/$", times=None)
    config = Config(
        network=NetworkConfig(retry_attempts=0),
        registries=(
            RegistryConfig("good", registry.url),
            RegistryConfig("gone", stopped_registry_url),
            RegistryConfig("slow", slow.url),
        ),
        current="good",
    )
    async with Rex(config) as rex:
        # The slow one would hold its ping for a minute: the deadline ends it.
        rows = await rex.registry_statuses(["gone", "slow", "good"], timeout=1.5)
    assert [r.name for r in rows] == ["gone", "slow", "good"]
    by_name = {r.name: r for r in rows}
    assert by_name["good"].status == "online" and by_name["good"].latency_ms is not None
    assert by_name["gone"].status == "offline"
    assert "connection refused" in (by_name["gone"].last_error or "")
    assert by_name["slow"].status == "offline"
    assert "did not answer within 1.5 s" in (by_name["slow"].last_error or "")
