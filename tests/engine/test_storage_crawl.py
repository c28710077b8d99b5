"""The storage crawl against a real registry seeded with shared base layers.

Every expected figure is a sum of blob sizes worked out here from the images pushed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trio

from engine import Rex
from engine.cache.store import Cache
from engine.testing.images import (
    BuiltImage,
    BuiltIndex,
    Layer,
    build_image,
    build_index,
    make_config,
)
from engine.testing.pusher import Pusher
from engine.testing.registry import RegistryProcess
from tests.engine.helpers import make_rex
from tests.support.faultproxy import FaultProxy


def layer(text: str, size: int = 0) -> Layer:
    return Layer.from_files({f"{text}.txt": text.encode() * (size or 1)})


def image(layers: list[Layer], arch: str = "amd64") -> BuiltImage:
    return build_image(layers, make_config(diff_ids=[x.diff_id for x in layers], architecture=arch))


@dataclass
class Seeded:
    proxy: FaultProxy
    base: Layer
    a: BuiltImage
    b: BuiltImage
    multi: BuiltIndex
    pusher: Pusher


@pytest.fixture
def seeded(
    fresh_registry: RegistryProcess, fault_proxy_factory: Callable[..., FaultProxy]
) -> Iterator[Seeded]:
    """team/a and team/b share a base layer; alpine is an index (amd64 shares it too)."""
    base = layer("base", 5000)
    a = image([base, layer("a", 300)])
    b = image([base, layer("b", 700)])
    amd = image([base, layer("amd", 100)])
    arm = image([layer("arm", 200)], "arm64")
    multi = build_index([amd, arm])
    pusher = Pusher(fresh_registry.url)
    pusher.push("team/a", "1.0", a)
    pusher.tag("team/a", ["latest"], a)
    pusher.push("team/b", "1.0", b)
    pusher.push("alpine", "3", multi)
    with pusher:
        yield Seeded(fault_proxy_factory(fresh_registry.url), base, a, b, multi, pusher)


def sizes(*built: BuiltImage) -> int:
    """Distinct blobs (configs and layers) of images, each once."""
    return sum({blob.digest: blob.size for img in built for blob in img.blobs}.values())


def cache_at(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


def manifest_gets(proxy: FaultProxy) -> list[str]:
    return [r.path for r in proxy.requests if r.method == "GET" and "/manifests/" in r.path]


async def test_exact_figures_with_a_shared_base_layer(seeded: Seeded, tmp_path: Path) -> None:
    amd, arm = seeded.multi.children
    async with make_rex(seeded.proxy.url, cache=cache_at(tmp_path)) as rex:
        report = await rex.storage()
    rows = {r.name: r for r in report.repositories}
    base = seeded.base.size
    assert rows["team/a"].bytes == sizes(seeded.a)
    assert rows["team/a"].unique_bytes == sizes(seeded.a) - base
    assert rows["team/a"].shared_bytes == base
    assert (rows["team/a"].tags, rows["team/a"].manifests) == (2, 1)
    assert rows["team/b"].unique_bytes == sizes(seeded.b) - base
    assert rows["alpine"].bytes == sizes(amd, arm)
    assert rows["alpine"].unique_bytes == sizes(amd, arm) - base
    assert rows["alpine"].manifests == 3
    assert report.total_bytes == sizes(seeded.a, seeded.b, amd, arm)
    assert report.blobs == len({b.digest for i in (seeded.a, seeded.b, amd, arm) for b in i.blobs})
    manifests = seeded.a.size + seeded.b.size + seeded.multi.size + amd.size + arm.size
    assert report.manifest_bytes == manifests
    spaces = {n.name: n for n in report.namespaces}
    assert spaces["team"].bytes == sizes(seeded.a, seeded.b)
    assert spaces["team"].unique_bytes == sizes(seeded.a, seeded.b) - base
    assert (spaces[""].repositories, spaces["team"].repositories) == (1, 2)
    assert report.complete
    largest = {(i.reference, i.platform): i.bytes for i in report.largest}
    assert largest[("alpine:3", "linux/arm64")] == sizes(arm)
    assert largest[("team/a:1.0", "linux/amd64")] == sizes(seeded.a)


async def test_a_new_tag_costs_exactly_one_new_manifest_tree(
    seeded: Seeded, tmp_path: Path
) -> None:
    async with make_rex(seeded.proxy.url, cache=cache_at(tmp_path)) as rex:
        await rex.storage()
    new = build_index([image([seeded.base, layer("new", 50)]), image([layer("new-arm")], "arm64")])
    seeded.pusher.push("team/b", "2.0", new)
    seeded.proxy.clear_requests()
    async with make_rex(seeded.proxy.url, cache=cache_at(tmp_path)) as rex:
        report = await rex.storage(refresh=True)
    gets = manifest_gets(seeded.proxy)
    children = sorted(f"/v2/team/b/manifests/{c.digest}" for c in new.children)
    assert sorted(gets) == sorted(["/v2/team/b/manifests/2.0", *children])
    heads = [r.path for r in seeded.proxy.requests if r.method == "HEAD"]
    assert len(heads) == 4  # the tags seen before: confirmed, not fetched
    rows = {r.name: r for r in report.repositories}
    assert rows["team/b"].tags == 2 and rows["team/b"].manifests == 4


async def test_a_budget_stops_early_and_the_next_run_continues(
    seeded: Seeded, tmp_path: Path
) -> None:
    async with make_rex(seeded.proxy.url, cache=cache_at(tmp_path)) as rex:
        partial = await rex.storage(max_requests=3)
        assert not partial.complete
        assert rex.storage_total() is not None and not rex.storage_total().complete  # type: ignore[union-attr]
    first = list(seeded.proxy.requests)
    assert len([r for r in first if r.path != "/v2/"]) <= 3
    seeded.proxy.clear_requests()
    async with make_rex(seeded.proxy.url, cache=cache_at(tmp_path)) as rex:
        whole = await rex.storage()
    assert whole.complete and len(whole.repositories) == 3
    # Manifests read under the budget are not read again.
    again = set(manifest_gets(seeded.proxy)) & {r.path for r in first if r.method == "GET"}
    assert not again


async def test_an_interrupted_crawl_resumes_where_it_stopped(
    seeded: Seeded, tmp_path: Path
) -> None:
    done: list[int] = []
    async with make_rex(seeded.proxy.url, cache=cache_at(tmp_path), concurrency=1) as rex:
        with trio.CancelScope() as scope:

            def progress(finished: int, total: int) -> None:
                done.append(finished)
                if finished >= 1:
                    scope.cancel()

            await rex.storage(progress=progress)
    assert scope.cancelled_caught
    seeded.proxy.clear_requests()
    async with make_rex(seeded.proxy.url, cache=cache_at(tmp_path)) as rex:
        report = await rex.storage()
    listed = [r.path for r in seeded.proxy.requests if r.path.endswith("/tags/list")]
    assert len(listed) == 2  # one repository was finished before the interruption
    assert report.complete and len(report.repositories) == 3


async def test_a_fresh_rerun_asks_nothing_and_totals_are_cached(
    seeded: Seeded, tmp_path: Path
) -> None:
    async with make_rex(seeded.proxy.url, cache=cache_at(tmp_path)) as rex:
        assert rex.storage_total() is None
        first = await rex.storage()
    seeded.proxy.clear_requests()
    rex = make_rex(seeded.proxy.url, cache=cache_at(tmp_path))
    async with rex:
        total = rex.storage_total()
        second = await rex.storage(scope="team")
    assert total is not None and total.total_bytes == first.total_bytes and total.complete
    assert [r.path for r in seeded.proxy.requests if "/manifests/" in r.path] == []
    assert sorted(r.name for r in second.repositories) == ["team/a", "team/b"]
    assert second.total_bytes == sizes(seeded.a, seeded.b)


async def test_an_unknown_scope_is_not_found(seeded: Seeded, tmp_path: Path) -> None:
    from engine import NotFoundError

    rex: Rex = make_rex(seeded.proxy.url, cache=cache_at(tmp_path))
    async with rex:
        with pytest.raises(NotFoundError, match="nope"):
            await rex.storage(scope="nope")


async def test_retry_after_is_honoured(seeded: Seeded, tmp_path: Path) -> None:
    from tests.engine.helpers import SleepRecorder

    seeded.proxy.status(429, headers={"Retry-After": "7"}, path="/manifests/", times=2)
    sleep = SleepRecorder()
    async with make_rex(seeded.proxy.url, cache=cache_at(tmp_path), retries=3, sleep=sleep) as rex:
        report = await rex.storage()
    assert report.complete and len(report.repositories) == 3
    assert sleep.delays == [7.0, 7.0]
