"""Fixtures for the shared Redis cache tier: a real `redis-server` and sandboxed homes.

redis_server     a fresh redis-server on 127.0.0.1 (own port and temp dir), no password
secure_redis     the same with `requirepass` (a password with ':' and '@' in it)
home_factory     make(name, registry_url, redis_url, in_file=True) -> a sandboxed `rex`
                 with its own HOME, config file and cache dir, cache.backend = "redis"
team             (alice, bob): two such homes on `fault_proxy` sharing `redis_server`
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.testing.redis_server import RedisServer
from tests.print.conftest import sandbox
from tests.print.harness import Rex
from tests.support.faultproxy import FaultProxy

REDIS_PASSWORD = "t3am:c4che@Pa55-word"
"""A password needing care in a URL: ':' and '@' (redis-py splits on the last '@')."""


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(workdir=tmp_path / "redis") as server:
        yield server


@pytest.fixture
def secure_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(workdir=tmp_path / "redis-secure", password=REDIS_PASSWORD) as server:
        yield server


def home_config(registry_url: str, redis_url: str | None) -> str:
    """A config file with one current registry, "local", and the redis backend."""
    cache = '[cache]\nbackend = "redis"\n'
    if redis_url is not None:
        cache += f"redis_url = {redis_url!r}\n".replace("'", '"')
    registry = (
        '[registries]\ncurrent = "local"\n\n'
        f'[[registries.list]]\nname = "local"\nurl = "{registry_url}"\n'
    )
    return f"{cache}\n{registry}"


HomeFactory = Callable[..., Rex]


@pytest.fixture
def home_factory(tmp_path: Path) -> HomeFactory:
    def make(name: str, registry_url: str, redis_url: str, *, in_file: bool = True) -> Rex:
        home = sandbox(tmp_path / name)
        if not in_file:
            home.env["REX_REDIS_URL"] = redis_url
        home.config.write_text(home_config(registry_url, redis_url if in_file else None))
        return home

    return make


@pytest.fixture
def team(
    home_factory: HomeFactory, fault_proxy: FaultProxy, redis_server: RedisServer
) -> tuple[Rex, Rex]:
    """Two homes, alice's and bob's, on the anonymous registry (through `fault_proxy`)."""
    return (
        home_factory("alice", fault_proxy.url, redis_server.url),
        home_factory("bob", fault_proxy.url, redis_server.url),
    )
