"""Rex over the two-tier cache: weak, strong and eventual consistency against a real registry."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trio

from engine.cache.disk import DiskStore
from engine.cache.store import Cache, CacheKey
from engine.config.model import CacheConfig
from engine.errors import CacheError, OfflineMiss
from engine.oci.manifests import Platform
from engine.oci.reference import Reference
from engine.reads.cacheonly import run_cached
from engine.reads.plan import Consistency, image_plan
from engine.testing.images import BuiltImage, Layer, build_image, make_config
from engine.testing.pusher import Pusher
from tests.engine.helpers import make_rex
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def tiny_image(n: int) -> BuiltImage:
    layer = Layer.from_files({"n.txt": f"{n}\n".encode()})
    created = dt.datetime(2025, 6, 1, tzinfo=dt.UTC) + dt.timedelta(days=n)
    return build_image([layer], make_config(diff_ids=[layer.diff_id], created=created))


def requests_to(proxy: FaultProxy, pattern: str) -> list[str]:
    return [f"{r.method} {r.path}" for r in proxy.requests if pattern in r.path]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(tmp_path: Path, clock: Clock) -> Cache:
    return Cache(tmp_path / "cache", config=CacheConfig(), clock=clock)


@pytest.fixture
def proxy(
    fresh_registry_seeded: SeededRegistry, fault_proxy_factory: Callable[..., FaultProxy]
) -> FaultProxy:
    """A proxy in front of a private registry copy, to count requests and change content."""
    return fault_proxy_factory(fresh_registry_seeded.url)


async def test_weak_reads_are_answered_from_the_cache(proxy: FaultProxy, cache: Cache) -> None:
    async with make_rex(proxy.url, cache=cache) as rex:
        cold = await rex.inspect("oci/multi:latest", platform="linux/arm/v7")
        tags = await rex.list_tags("oci/multi")
        repos = await rex.list_repositories()
    sent = len(proxy.requests)
    async with make_rex(proxy.url, cache=Cache(cache.root, clock=cache.now)) as rex:
        warm = await rex.inspect("oci/multi:latest", platform="linux/arm/v7")
        assert await rex.list_tags("oci/multi") == tags
        assert await rex.list_repositories() == repos
    # A new process, a fresh L1: all from disk, but for the one HEAD confirming the tag.
    assert [f"{r.method} {r.path}" for r in proxy.requests[sent:]] == [
        "HEAD /v2/oci/multi/manifests/latest"
    ]
    assert warm.to_dict() == cold.to_dict()
    assert warm.raw_config == cold.raw_config and warm.manifest.body == cold.manifest.body


def offline_image(cache: Cache, host: str, text: str, platform: str | None = None) -> Any:
    ref = Reference.parse(text, default_registry=host)
    wanted = Platform.parse(platform) if platform else None
    plan = image_plan(ref, text, wanted, Consistency.OFFLINE, cache.now())
    return run_cached(plan, cache)


async def test_offline_images_need_no_registry(proxy: FaultProxy, cache: Cache) -> None:
    async with make_rex(proxy.url, cache=cache) as rex:
        info = await rex.inspect("oci/multi:latest")
        arm = await rex.inspect("oci/multi:latest", platform="linux/arm64/v8")
    sent = len(proxy.requests)
    found = offline_image(cache, proxy.host, "oci/multi:latest")
    assert found.value.to_dict() == info.to_dict() and found.age is not None
    found_arm = offline_image(cache, proxy.host, "oci/multi:latest", "linux/arm64/v8")
    assert found_arm.value.image.digest == arm.image.digest
    with pytest.raises(OfflineMiss) as missing:
        offline_image(cache, proxy.host, "oci/multi:latest", "linux/arm/v7")
    assert isinstance(missing.value, CacheError) and "the config" in missing.value.message
    with pytest.raises(OfflineMiss, match=r"oci/single:1\.0"):
        offline_image(cache, proxy.host, "oci/single:1.0")
    assert len(proxy.requests) == sent


async def test_expired_tag_is_revalidated_with_one_head(
    proxy: FaultProxy, cache: Cache, clock: Clock
) -> None:
    async with make_rex(proxy.url, cache=cache) as rex:
        await rex.inspect("oci/single:1.0")
        proxy.clear_requests()
        clock.now += 301  # past the tags TTL; the manifest by digest never expires
        await rex.inspect("oci/single:1.0")
    assert requests_to(proxy, "/v2/oci/single/") == ["HEAD /v2/oci/single/manifests/1.0"]


async def test_weak_and_strong_consistency_see_a_moved_tag_at_once(
    proxy: FaultProxy, cache: Cache, fresh_registry_seeded: SeededRegistry
) -> None:
    moved = tiny_image(1)
    async with make_rex(proxy.url, cache=cache) as rex:
        before = await rex.inspect("oci/single:latest")
        with Pusher(fresh_registry_seeded.url) as pusher:
            pusher.push("oci/single", "latest", moved)
        weak = await rex.inspect("oci/single:latest", consistency="weak")
        strong = await rex.inspect("oci/single:latest", consistency="strong")
        after = await rex.inspect("oci/single:latest", consistency="weak")
    assert before.digest != moved.digest
    assert weak.digest == moved.digest  # its HEAD saw the tag move, within the TTL
    assert strong.digest == moved.digest
    assert after.digest == moved.digest


async def test_eventual_serves_stale_then_refreshes_in_the_background(
    proxy: FaultProxy,
    cache: Cache,
    clock: Clock,
    fresh_registry_seeded: SeededRegistry,
    nursery: trio.Nursery,
) -> None:
    async with make_rex(proxy.url, cache=cache) as rex:
        rex.start_background(nursery)
        cold = await rex.fetch_tags("oci/single", consistency="eventual")
        assert cold.age is None and cold.refresh is None
        with Pusher(fresh_registry_seeded.url) as pusher:
            pusher.push("oci/single", "3.0", tiny_image(3))
        clock.now += 10
        warm = await rex.fetch_tags("oci/single", consistency="eventual")
        assert warm.age == 10 and not warm.stale and warm.refresh is None
        assert "3.0" not in warm.value

        clock.now += 300
        proxy.clear_requests()
        stale = await rex.fetch_tags("oci/single", consistency="eventual")
        again = await rex.fetch_tags("oci/single", consistency="eventual")
        assert stale.stale and "3.0" not in stale.value  # at once, before any request
        assert stale.refresh is not None and again.refresh is stale.refresh  # one shared fetch
        fresh = await stale.refresh.wait()
        assert "3.0" in fresh
        assert requests_to(proxy, "/tags/list") == ["GET /v2/oci/single/tags/list"]

        now = await rex.fetch_tags("oci/single", consistency="eventual")
        assert "3.0" in now.value and now.age == 0 and not now.stale
    entry = cache.get(CacheKey.tags(proxy.host, "oci/single"))
    assert entry is not None and "3.0" in entry.data["tags"]


async def test_eventual_image_refresh_follows_a_moved_tag(
    proxy: FaultProxy,
    cache: Cache,
    clock: Clock,
    fresh_registry_seeded: SeededRegistry,
    nursery: trio.Nursery,
) -> None:
    moved = tiny_image(2)
    async with make_rex(proxy.url, cache=cache) as rex:
        rex.start_background(nursery)
        first = await rex.fetch_image("oci/single:latest", consistency="eventual")
        with Pusher(fresh_registry_seeded.url) as pusher:
            pusher.push("oci/single", "latest", moved)
        clock.now += 400
        stale = await rex.fetch_image("oci/single:latest", consistency="eventual")
        assert stale.stale and stale.value.digest == first.value.digest
        assert stale.refresh is not None
        fresh = await stale.refresh.wait()
        assert fresh.digest == moved.digest


async def test_eventual_answers_from_the_cache_and_revalidates_a_fresh_tag(
    proxy: FaultProxy,
    cache: Cache,
    clock: Clock,
    fresh_registry_seeded: SeededRegistry,
    nursery: trio.Nursery,
) -> None:
    """Within the TTL too: the cached image at once, then one HEAD finds the tag moved."""
    moved = tiny_image(4)
    async with make_rex(proxy.url, cache=cache) as rex:
        rex.start_background(nursery)
        first = await rex.fetch_image("oci/single:latest", consistency="eventual")
        assert first.age is None and first.refresh is None  # it came from the registry
        with Pusher(fresh_registry_seeded.url) as pusher:
            pusher.push("oci/single", "latest", moved)
        clock.now += 5
        proxy.clear_requests()
        cached = await rex.fetch_image("oci/single:latest", consistency="eventual")
        assert cached.value.digest == first.value.digest and cached.age == 5
        assert not cached.stale and cached.refresh is not None
        fresh = await cached.refresh.wait()
        assert fresh.digest == moved.digest
        assert requests_to(proxy, "/manifests/")[0] == "HEAD /v2/oci/single/manifests/latest"


async def test_eventual_refresh_failure_keeps_the_stale_value(
    proxy: FaultProxy, cache: Cache, clock: Clock, nursery: trio.Nursery
) -> None:
    async with make_rex(proxy.url, cache=cache) as rex:
        rex.start_background(nursery)
        first = await rex.fetch_tags("oci/single", consistency="eventual")
        clock.now += 600
        proxy.status(503, times=None)
        stale = await rex.fetch_tags("oci/single", consistency="eventual")
        assert stale.value == first.value and stale.refresh is not None
        with pytest.raises(Exception, match="503"):
            await stale.refresh.wait()
        still = await rex.fetch_tags("oci/single", consistency="eventual")
        assert still.value == first.value
        if still.refresh is not None:  # ended before the session closes its connections
            with pytest.raises(Exception, match="503"):
                await still.refresh.wait()


async def test_a_corrupted_entry_is_refetched_with_a_warning(
    proxy: FaultProxy, cache: Cache, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_rex(proxy.url, cache=cache) as rex:
        info = await rex.inspect("oci/single:1.0")
    assert cache.root is not None
    for path in (cache.root / "configs").rglob("*.json"):
        path.write_text('{"version": 1, "data": {"bo')
    proxy.clear_requests()
    with caplog.at_level(logging.WARNING):
        async with make_rex(proxy.url, cache=Cache(cache.root, clock=cache.now)) as rex:
            again = await rex.inspect("oci/single:1.0")
    assert again.raw_config == info.raw_config
    assert requests_to(proxy, "/blobs/") == [f"GET /v2/oci/single/blobs/{info.config_digest}"]
    assert any("corrupt" in r.getMessage() or "unusable" in r.getMessage() for r in caplog.records)


async def test_an_unwritable_cache_dir_degrades_to_memory(
    proxy: FaultProxy, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = Cache(blocker / "cache")
    async with make_rex(proxy.url, cache=cache) as rex:
        info = await rex.inspect("oci/single:1.0")
        proxy.clear_requests()
        again = await rex.inspect("oci/single:1.0")
    assert cache.degraded
    assert again.digest == info.digest
    # Served from memory, but for the HEAD confirming the tag (weak consistency).
    assert requests_to(proxy, "/v2/oci/") == ["HEAD /v2/oci/single/manifests/1.0"]


async def test_no_credentials_or_tokens_reach_the_cache(
    token_registry: SeededRegistry, tmp_path: Path
) -> None:
    from engine import Credentials

    username, password = token_registry.credentials or ("", "")
    cache = Cache(tmp_path / "cache")
    async with make_rex(
        token_registry.url, credentials=Credentials(username, password), cache=cache
    ) as rex:
        await rex.inspect("oci/multi:latest")
        await rex.list_repositories()
        tokens = [t.value for t in rex._tokens._tokens.values()]
    assert tokens and cache.root is not None
    text = "".join(p.read_text() for p in cache.root.rglob("*.json"))
    assert password not in text
    assert not any(token in text for token in tokens)


def tamper_with_body(path: Path) -> None:
    """Change an entry's content but keep it valid JSON, under its own key: only the digest
    can tell."""
    document = json.loads(path.read_bytes())
    document["data"]["body"] = document["data"]["body"].replace("{", "{ ", 1)
    path.write_text(json.dumps(document, separators=(",", ":")))


@pytest.mark.parametrize("kind", ["manifests", "configs"])
async def test_content_tampered_with_on_disk_is_refetched_with_one_warning(
    kind: str, proxy: FaultProxy, cache: Cache, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_rex(proxy.url, cache=cache) as rex:
        info = await rex.inspect("oci/single:1.0")
    ref = f"oci/single@{info.digest}"
    digest = info.digest if kind == "manifests" else info.config_digest
    assert cache.root is not None
    (path,) = (cache.root / kind).rglob(f"{digest.replace(':', '-')}.json")
    tamper_with_body(path)
    proxy.clear_requests()
    with caplog.at_level(logging.WARNING):
        async with make_rex(proxy.url, cache=Cache(cache.root, clock=cache.now)) as rex:
            again = await rex.inspect(ref)
    what = "manifests" if kind == "manifests" else "blobs"
    assert requests_to(proxy, "/v2/oci/single/") == [f"GET /v2/oci/single/{what}/{digest}"]
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and str(path) in warned[0] and "digest" in warned[0]
    assert again.raw_config == info.raw_config and again.manifest.body == info.manifest.body
    assert json.loads(path.read_bytes())["data"]["body"].encode() in (
        info.manifest.body,
        info.raw_config,
    )  # the good copy is back on disk


async def test_no_cache_file_is_touched_on_the_trio_thread(
    registry: SeededRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: disk reads, writes and the lock happen on worker threads, never on trio's."""
    on_trio: list[str] = []
    trio_thread = threading.current_thread()

    def watched(name: str) -> None:
        original = getattr(DiskStore, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is trio_thread:
                on_trio.append(name)
            return original(*args, **kwargs)

        static = isinstance(inspect.getattr_static(DiskStore, name), staticmethod)
        monkeypatch.setattr(DiskStore, name, staticmethod(wrapper) if static else wrapper)

    for name in ("read", "write", "remove", "touch", "locked", "read_metadata"):
        watched(name)
    root = tmp_path / "cache"
    for _ in range(2):  # cold (fetch and write), then warm from disk (a new memory tier)
        async with make_rex(registry.url, cache=Cache(root)) as rex:
            await rex.inspect("oci/multi:latest")
            await rex.list_tags("oci/single")
            async with trio.open_nursery() as nursery:
                rex.start_background(nursery)
                await rex.fetch_image("oci/single:1.0", consistency="eventual")
                await rex.fetch_tags("oci/single", consistency="eventual")
                rex.start_background(None)
    assert on_trio == []
    assert Cache(root).get(CacheKey.tags(registry.host, "oci/single")) is not None
