"""Rex (trio) over a cache with the Redis tier: a teammate's session reads what another fetched,
on worker threads, and a Redis killed between two reads of a session changes nothing but speed."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from engine.cache.store import Cache
from engine.config.model import CacheConfig
from engine.testing.redis_server import RedisServer
from tests.engine.helpers import make_rex
from tests.support.faultproxy import FaultProxy


def team_cache(root: Path, server: RedisServer) -> Cache:
    return Cache(root, config=CacheConfig(backend="redis", redis_url=server.url))


def gets(proxy: FaultProxy) -> list[str]:
    return [r.path for r in proxy.requests if r.method == "GET"]


async def test_a_teammates_session_reads_from_redis(
    tmp_path: Path, fault_proxy: FaultProxy, redis_server: RedisServer
) -> None:
    async with make_rex(fault_proxy.url, cache=team_cache(tmp_path / "a", redis_server)) as rex:
        cold = await rex.inspect("oci/multi:latest", platform="linux/arm/v7")
        tags = await rex.list_tags("oci/multi")
        repos = await rex.list_repositories()
    fault_proxy.clear_requests()
    async with make_rex(fault_proxy.url, cache=team_cache(tmp_path / "b", redis_server)) as rex:
        warm = await rex.inspect("oci/multi:latest", platform="linux/arm/v7")
        assert await rex.list_tags("oci/multi") == tags
        assert await rex.list_repositories() == repos
    assert gets(fault_proxy) == []
    assert warm.to_dict() == cold.to_dict() and warm.raw_config == cold.raw_config


async def test_a_redis_killed_within_a_session_is_one_warning(
    tmp_path: Path,
    fault_proxy: FaultProxy,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    async with make_rex(fault_proxy.url, cache=team_cache(tmp_path / "a", redis_server)) as rex:
        tags = await rex.list_tags("oci/single")
        redis_server.kill()
        infos = [await rex.inspect(f"oci/single:{tag}") for tag in tags[:3]]
        assert await rex.list_tags("oci/single") == tags
    assert all(info.digest.startswith("sha256:") for info in infos)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len([w for w in warnings if "redis" in w]) == 1, warnings
