"""Tag and repository summaries, searches across a registry, and closed catalogs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine import AuthenticationError, Config, NetworkConfig, RegistryConfig, Rex
from engine.cache.store import Cache
from engine.testing.images import Layer, build_image, make_config
from engine.testing.pusher import Pusher
from engine.testing.registry import RegistryProcess
from tests.engine.helpers import make_rex
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry

# The seed's search examples (seed 001 section 2.6), as a registry.
SEARCH_SET: dict[str, list[str]] = {
    "alpine": ["3.19", "3.18", "latest", "edge"],
    "alpine-base": ["3.19", "latest"],
    "myapp-alpine": ["v1"],
    "alpaca-tools": ["1.0"],
    "myapp": ["v1.0.0", "v1.0.1", "v1.1.0", "v1.2.0", "alpine-v1", "latest", "v2.0.0"],
    "nginx": ["alpine", "1.24-alpine", "latest"],
    "node": ["20-alpine3.19"],
    "postgres": ["16-alpine"],
}
BASE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def search_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    process = RegistryProcess("anonymous", workdir=tmp_path_factory.mktemp("search")).start()
    n = 0
    with Pusher(process.url) as pusher:
        for repo, tags in SEARCH_SET.items():
            for tag in tags:
                n += 1
                layer = Layer.from_files({"id": f"{repo}:{tag}".encode()})
                config = make_config(diff_ids=[layer.diff_id], created=BASE + dt.timedelta(days=n))
                pusher.push(repo, tag, build_image([layer], config))
    try:
        yield process
    finally:
        process.close()


async def test_tag_infos(registry: SeededRegistry) -> None:
    done: list[tuple[int, int]] = []
    async with make_rex(registry.url) as rex:
        rows = await rex.tag_infos("oci/single", progress=lambda d, t: done.append((d, t)))
        multi = await rex.tag_infos("oci/multi")
    by_tag = {row.tag: row for row in rows}
    single = registry.image("oci/single:1.0")
    assert by_tag["1.0"].digest == single.digest
    assert by_tag["1.0"].size == single.layers_size  # what a pull downloads
    assert by_tag["1.0"].platforms == ("linux/amd64",)
    assert by_tag["1.0"].created is not None and by_tag["1.0"].created.year == 2024
    assert by_tag["1.0"].to_dict()["created"].startswith("2024-05-14T09:30:00")
    # The referrers tag holds an index of artifacts: listed, with nothing to size.
    referrers_tag = registry.referrers_ref.split(":", 1)[1]
    assert by_tag[referrers_tag].size == 0 and by_tag[referrers_tag].platforms == ()
    assert sorted(by_tag) == sorted(registry.tags["oci/single"])
    assert done[-1] == (len(rows), len(rows))
    assert multi[0].platforms == ("linux/amd64", "linux/arm64/v8", "linux/arm/v7")


async def test_repo_infos(registry: SeededRegistry) -> None:
    async with make_rex(registry.url) as rex:
        rows = await rex.repo_infos(["oci/single", "tags/many", "deleted/gone", "no/such"])
        quick = await rex.repo_infos(["tags/many"], last_updated=False)
    info = {row.name: row for row in rows}
    # The referrers fallback tag (sha256-…) is an artifact, not counted among the tags.
    assert info["oci/single"].tags == len(registry.tags["oci/single"]) - 1
    assert info["oci/single"].last_updated == dt.datetime(2024, 9, 1, 8, 0, tzinfo=dt.UTC)
    assert info["tags/many"].tags == 30
    assert info["deleted/gone"].tags == 0 and info["deleted/gone"].last_updated is None
    assert info["no/such"].tags == 0
    assert quick[0].tags == 30 and quick[0].last_updated is None


async def test_search_images_orders_as_the_seed(search_registry: RegistryProcess) -> None:
    async with make_rex(search_registry.url) as rex:
        found = await rex.search_images("alpine")
        with_tag = await rex.search_images("alpine", tag="3.19")
        exact = await rex.search_images("alpine", exact=True)
        limited = await rex.search_images("alpine", limit=2, last_updated=False)
    assert [r.name for r in found][:3] == ["alpine", "alpine-base", "myapp-alpine"]
    assert [r.name for r in with_tag] == ["alpine", "alpine-base"]
    assert [r.name for r in exact] == ["alpine"]
    assert [r.name for r in limited] == ["alpine", "alpine-base"]
    assert found[0].tags == 4 and found[0].last_updated is not None


async def test_search_tags_in_one_image_orders_as_the_seed(
    search_registry: RegistryProcess,
) -> None:
    async with make_rex(search_registry.url) as rex:
        found = await rex.search_tags("v1", image="myapp")
    assert [m.tag for m in found] == ["v1.0.0", "v1.0.1", "v1.1.0", "v1.2.0", "alpine-v1"]
    assert all(m.image == "myapp" and m.digest.startswith("sha256:") for m in found)
    assert found[0].to_dict(scoped=True)["reference"] == "myapp:v1.0.0"


async def test_search_tags_across_images(search_registry: RegistryProcess) -> None:
    async with make_rex(search_registry.url) as rex:
        found = await rex.search_tags("alpine")
        exact = await rex.search_tags("latest", exact=True)
    refs = [m.reference for m in found]
    assert refs[0] == "nginx:alpine"
    assert set(refs) == {
        "nginx:alpine", "nginx:1.24-alpine", "myapp:alpine-v1",
        "node:20-alpine3.19", "postgres:16-alpine",
    }  # fmt: skip
    assert {m.reference for m in exact} == {
        "alpine:latest", "alpine-base:latest", "myapp:latest", "nginx:latest"
    }  # fmt: skip


async def test_searches_are_answered_from_the_cache_the_second_time(
    search_registry: RegistryProcess,
    fault_proxy_factory: Callable[..., FaultProxy],
    tmp_path: Path,
) -> None:
    proxy = fault_proxy_factory(search_registry.url)
    cache = Cache(tmp_path / "cache")
    async with make_rex(proxy.url, cache=cache) as rex:
        first = await rex.search_tags("alpine")
        proxy.clear_requests()
        second = await rex.search_tags("alpine")
    assert second == first
    assert proxy.requests == []


async def test_a_closed_catalog_browses_the_configured_repositories(
    registry: SeededRegistry, fault_proxy_factory: Callable[..., FaultProxy]
) -> None:
    proxy = fault_proxy_factory(registry.url)
    proxy.status(401, path="/v2/_catalog", times=None)
    listed = RegistryConfig("hub", proxy.url, repositories=("oci/single", "tags/many"))
    config = Config(network=NetworkConfig(retry_attempts=0), registries=(listed,), current="hub")
    async with Rex(config) as rex:
        assert await rex.list_repositories() == ["oci/single", "tags/many"]
    bare = Config(
        network=NetworkConfig(retry_attempts=0),
        registries=(RegistryConfig("hub", proxy.url),),
        current="hub",
    )
    async with Rex(bare) as rex:
        with pytest.raises(AuthenticationError, match=r"catalog .* is closed") as info:
            await rex.list_repositories()
    assert "repositories" in info.value.hint
