"""The demo (scripts/demo.py) still seeds a registry the engine can browse.

The same data set as `bash scripts/demo.sh`, with every layer shrunk (scale) so it pushes
in about a second.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from engine import Config, RegistryConfig, Rex
from engine.testing.registry import RegistryProcess

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


@pytest.fixture(scope="module")
def demo_modules() -> tuple[ModuleType, ModuleType]:
    sys.path.insert(0, str(SCRIPTS))
    try:
        return importlib.import_module("demo"), importlib.import_module("demo_images")
    finally:
        sys.path.remove(str(SCRIPTS))


@pytest.fixture(scope="module")
def seeded(
    demo_modules: tuple[ModuleType, ModuleType], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, object]]:
    demo, demo_images = demo_modules
    demo_set = demo_images.build_demo_set(scale=0.001)
    with RegistryProcess("anonymous", workdir=tmp_path_factory.mktemp("demo")) as registry:
        demo.seed(registry.url, demo_set)
        yield registry.url, demo_set


def test_the_demo_set_looks_like_a_real_registry(
    demo_modules: tuple[ModuleType, ModuleType],
) -> None:
    demo_set = demo_modules[1].build_demo_set(scale=0.001)
    assert 25 <= len(demo_set.repositories) <= 40
    assert {"library/alpine", "library/nginx", "acme/api", "tools/kubectl"} <= set(demo_set.tags)
    semver = [t for t in demo_set.tags["acme/api"] if t.count(".") == 2]
    assert len(semver) >= 55


async def test_the_engine_browses_the_seeded_demo(seeded: tuple[str, object]) -> None:
    url, demo_set = seeded
    tags: dict[str, list[str]] = demo_set.tags  # type: ignore[attr-defined]
    config = Config(registries=(RegistryConfig("demo", url),), current="demo")
    async with Rex(config) as rex:
        assert sorted(await rex.list_repositories()) == sorted(tags)
        assert sorted(await rex.list_tags("acme/api")) == sorted(tags["acme/api"])
        assert await rex.list_tags("sandbox/old-experiment") == []
        alpine = await rex.inspect("library/alpine:latest")
        assert alpine.platforms == ("linux/amd64", "linux/arm64/v8", "linux/arm/v7")
        postgres = await rex.inspect("library/postgres:17")
        assert postgres.config.config.exposed_ports == ("5432/tcp",)
        assert postgres.config.config.volumes == ("/var/lib/postgresql/data",)
        assert len(await rex.referrers("acme/api:latest")) == 2
