"""The shared Redis tier in-process: keys, expiry, verification, and a dead or silent server."""

from __future__ import annotations

import hashlib
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from engine.cache import redis_tier
from engine.cache.format import encode
from engine.cache.redis_tier import RedisTier, redis_key
from engine.cache.store import Cache, CacheKey, CacheKind
from engine.config.model import CacheConfig, CacheTTL
from engine.config.secret_url import endpoint_of, mask_url, redis_url_problem, secrets_of
from engine.testing.redis_server import RedisServer
from tests.engine.test_cache import FakeClock, h16

REG = "127.0.0.1:5000"
T0 = 1_700_000_000.0
BODY = '{"schemaVersion":2}'
DIGEST = "sha256:" + hashlib.sha256(BODY.encode()).hexdigest()


@pytest.fixture
def client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    made = redis.Redis.from_url(redis_server.url)
    yield made
    made.close()


def team_cache(root: Path, url: str, clock: FakeClock, **ttl: int) -> Cache:
    config = CacheConfig(backend="redis", redis_url=url, ttl=CacheTTL(**ttl))
    return Cache(root, config=config, clock=clock)


def redis_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "redis" in r.getMessage()
    ]


def test_every_kind_maps_to_a_namespaced_key() -> None:
    assert redis_key(CacheKey.catalog(REG)) == f"rex:v1:{h16(REG)}:catalog"
    assert redis_key(CacheKey.tags(REG, "a/b")) == f"rex:v1:{h16(REG)}:tags:{h16('a/b')}"
    assert (
        redis_key(CacheKey.manifest(REG, "a/b", "1.0"))
        == f"rex:v1:{h16(REG)}:manifest:{h16('a/b')}:1.0"
    )
    assert (
        redis_key(CacheKey.config(REG, "a/b", DIGEST))
        == f"rex:v1:{h16(REG)}:config:{h16('a/b')}:{DIGEST}"
    )
    # Whatever kinds there are, each key is its own and carries its kind's name.
    keys = {
        redis_key(CacheKey(kind, REG, None if kind is CacheKind.CATALOG else "r", name))
        for kind in CacheKind
        for name in (
            [None] if kind in (CacheKind.CATALOG, CacheKind.TAGS, CacheKind.STORAGE) else [DIGEST]
        )
    }
    assert len(keys) == len(CacheKind)


def test_a_second_cache_reads_what_the_first_wrote_with_its_ttl_as_expiry(
    tmp_path: Path, redis_server: RedisServer, client: redis.Redis
) -> None:
    clock = FakeClock(T0)
    first = team_cache(tmp_path / "a", redis_server.url, clock, tags=120)
    tags = CacheKey.tags(REG, "a/b")
    manifest = CacheKey.manifest(REG, "a/b", DIGEST)
    first.put(tags, {"tags": ["1.0"]})
    first.put(manifest, {"body": BODY, "digest": DIGEST})
    first.flush()
    assert 115 <= client.ttl(redis_key(tags)) <= 120
    assert client.ttl(redis_key(manifest)) > 86000  # ttl.manifest for a digest
    assert (
        client.get(redis_key(tags))
        == (tmp_path / "a").joinpath("tags", h16(REG), h16("a/b"), "tags.json").read_bytes()
    )  # the very bytes the disk tier keeps

    second = team_cache(tmp_path / "b", redis_server.url, clock)
    entry = second.get(tags)
    assert entry is not None and entry.data == {"tags": ["1.0"]} and entry.cached_at == T0
    second.flush()
    assert (tmp_path / "b" / "tags" / h16(REG) / h16("a/b") / "tags.json").is_file()


def test_an_expired_disk_entry_gives_way_to_a_newer_one_in_redis(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    clock = FakeClock(T0)
    key = CacheKey.tags(REG, "a/b")
    mine = team_cache(tmp_path / "a", redis_server.url, clock, tags=60)
    mine.put(key, {"tags": ["old"]})
    mine.flush()
    clock.advance(120)  # mine has expired; a teammate fetched again meanwhile
    theirs = team_cache(tmp_path / "b", redis_server.url, clock, tags=60)
    theirs.put(key, {"tags": ["new"]})
    theirs.flush()
    again = team_cache(tmp_path / "a", redis_server.url, clock, tags=60)
    entry = again.get(key)
    assert entry is not None and entry.data == {"tags": ["new"]} and not entry.expired(clock())


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["data"].update(body=BODY.replace("2", "3")),  # content not of its digest
        lambda d: d.update(key=f"{REG}/other/manifests/{DIGEST}"),  # another key's entry
        lambda d: d.update(version=2),
    ],
    ids=["body", "key", "version"],
)
def test_a_value_that_does_not_verify_is_refused_with_one_warning(
    change: object,
    tmp_path: Path,
    redis_server: RedisServer,
    client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert callable(change)
    key = CacheKey.manifest(REG, "a/b", DIGEST)
    document = json.loads(encode(key, {"body": BODY, "digest": DIGEST}, T0, 86400.0))
    change(document)
    client.set(redis_key(key), json.dumps(document))
    cache = team_cache(tmp_path, redis_server.url, FakeClock(T0))
    caplog.set_level(logging.WARNING)
    assert cache.get(key) is None and cache.get(key) is None
    (warning,) = redis_warnings(caplog)
    assert warning.startswith(f"refusing the redis cache entry of {key}: ")


def test_a_value_larger_than_the_bound_is_not_read(
    tmp_path: Path,
    redis_server: RedisServer,
    client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redis_tier, "MAX_VALUE_BYTES", 1000)
    key = CacheKey.catalog(REG)
    client.set(redis_key(key), encode(key, {"repositories": ["x" * 50] * 50}, T0, 300.0))
    cache = team_cache(tmp_path, redis_server.url, FakeClock(T0))
    caplog.set_level(logging.WARNING)
    assert cache.get(key) is None
    (warning,) = redis_warnings(caplog)
    assert "more than 1000" in warning


def test_credentials_never_reach_redis(
    tmp_path: Path, redis_server: RedisServer, client: redis.Redis
) -> None:
    cache = team_cache(tmp_path, redis_server.url, FakeClock(T0))
    cache.put(CacheKey.catalog(REG), {"repositories": [], "auth": {"token": "s3cret"}})
    cache.put(CacheKey.tags(REG, "a"), {"tags": ["1"]})
    cache.flush()
    assert client.keys("*") == [redis_key(CacheKey.tags(REG, "a")).encode()]


class Breaker:
    """A monotonic clock for the circuit breaker."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_dead_server_is_one_warning_then_left_alone_until_retry_after(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Breaker()
    tier = RedisTier(redis_server.url, clock=clock)
    key = CacheKey.catalog(REG)
    tier.put(key, encode(key, {"repositories": ["a"]}, T0, 300.0), 300)
    assert tier.flush(10) and tier.read(key, T0, 300) is not None
    redis_server.kill()
    caplog.set_level(logging.DEBUG, logger="engine.cache.redis_tier")
    assert tier.read(key, T0, 300) is None
    assert not tier.available
    connects = len(caplog.records)
    for _ in range(50):
        assert tier.read(key, T0, 300) is None
        tier.put(key, b"{}", 300)
    assert tier.flush(10)
    assert len(caplog.records) == connects  # no attempt, not even a debug line
    clock.now += redis_tier.RETRY_AFTER
    assert tier.available and tier.read(key, T0, 300) is None  # tried once more, quietly
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.getMessage().startswith(
        f"redis cache at redis://{redis_server.host} unreachable ("
    )
    assert warning.getMessage().endswith("); using the disk cache")


def test_a_silent_server_costs_one_timeout_not_one_per_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Accepts connections (the kernel's backlog) and never answers.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
        cache = team_cache(tmp_path, url, FakeClock(T0))
        caplog.set_level(logging.WARNING)
        key = CacheKey.catalog(REG)
        cache.put(key, {"repositories": ["a"]})
        for name in ("x", "y", "z"):
            assert cache.get(CacheKey.tags(REG, name)) is None
        assert cache.get(key) is not None  # memory and disk go on working
        cache.flush()
    (warning,) = redis_warnings(caplog)
    assert "unreachable" in warning and "imeout" in warning


def test_redis_is_off_unless_the_backend_says_redis(
    tmp_path: Path, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = redis_server.url
    assert Cache(tmp_path, config=CacheConfig(redis_url=url)).redis_endpoint is None
    off = CacheConfig(backend="redis", redis_url=url, enabled=False)
    assert Cache(tmp_path, config=off).redis_endpoint is None
    caplog.set_level(logging.WARNING)
    assert Cache(tmp_path, config=CacheConfig(backend="redis")).redis_endpoint is None
    assert redis_warnings(caplog) == [
        "cache.backend is redis but cache.redis_url is not set; using the disk cache"
    ]
    on = Cache(None, config=CacheConfig(backend="redis", redis_url=url))
    assert on.redis_endpoint == f"redis://{redis_server.host}" and on.reads_disk


@pytest.mark.parametrize(
    ("url", "masked", "endpoint"),
    [
        ("redis://:p4ss@h:6380/1", "redis://:***@h:6380/1", "redis://h:6380"),
        ("rediss://user:p:a@ss@h/0", "rediss://user:***@h/0", "rediss://h:6379"),
        ("redis://lonely@h", "redis://***@h", "redis://h:6379"),
        ("redis://h/0?password=p4ss&x=1", "redis://h/0?password=***&x=1", "redis://h:6379"),
        ("redis://h", "redis://h", "redis://h:6379"),
        ("redis://:a/b@h", "redis://:***@h", "redis://:***@h"),
    ],
)
def test_urls_are_shown_masked(url: str, masked: str, endpoint: str) -> None:
    assert mask_url(url) == masked
    assert endpoint_of(url) == endpoint
    for secret in secrets_of(url):
        assert secret not in mask_url(url) and secret not in endpoint_of(url)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis://h:6379/0", None),
        ("rediss://:pw@h", None),
        ("http://h", "it must start with redis:// or rediss://"),
        ("redis://:6379", "it names no host"),
        ("redis://h:99999", "its port is not a number from 1 to 65535"),
        ("redis://h/zero", "its path must be a database number, e.g. /0"),
    ],
)
def test_redis_urls_are_checked(url: str, problem: str | None) -> None:
    assert redis_url_problem(url) == problem


def test_rediss_shares_over_tls_and_an_untrusted_certificate_is_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with RedisServer(workdir=tmp_path / "tls-redis", tls=True) as server:
        assert server.url.startswith("rediss://")
        clock = FakeClock(T0)
        key = CacheKey.tags(REG, "a/b")
        first = team_cache(tmp_path / "a", server.url, clock)
        first.put(key, {"tags": ["1.0"]})
        first.flush()
        second = team_cache(tmp_path / "b", server.url, clock)
        entry = second.get(key)
        assert entry is not None and entry.data == {"tags": ["1.0"]}
        # Without the CA, the server's self-signed certificate is not trusted.
        caplog.set_level(logging.WARNING)
        untrusted = server.url.partition("?")[0]
        third = team_cache(tmp_path / "c", untrusted, clock)
        assert third.get(key) is None
        (warning,) = redis_warnings(caplog)
        assert warning.startswith(f"redis cache at rediss://{server.host} unreachable (")
        assert "certificate" in warning


def test_a_teammates_entry_is_fresh_only_as_long_as_our_ttl_allows(
    tmp_path: Path, redis_server: RedisServer, client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    key = CacheKey.manifest(REG, "a/b", "latest")
    data = {"body": BODY, "digest": DIGEST}
    client.set(redis_key(key), encode(key, data, T0, 86400.0 * 365))
    clock = FakeClock(T0 + 600)
    cache = team_cache(tmp_path / "a", redis_server.url, clock, tags=300)
    entry = cache.get(key)
    assert entry is not None and entry.ttl == 300 and entry.expired(clock())
    cache.flush()
    # The copy on disk says so too.
    again = Cache(tmp_path / "a", config=CacheConfig(ttl=CacheTTL(tags=300)), clock=clock)
    kept = again.get(key)
    assert kept is not None and kept.ttl == 300

    # An entry "fetched" an hour from now is refused outright.
    future = CacheKey.manifest(REG, "a/b", "next")
    client.set(redis_key(future), encode(future, data, T0 + 600 + 3600, 300.0))
    caplog.set_level(logging.WARNING)
    assert team_cache(tmp_path / "b", redis_server.url, clock).get(future) is None
    (warning,) = redis_warnings(caplog)
    assert warning.endswith("it was cached 3600 s in the future")
