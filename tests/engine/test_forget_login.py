"""`Rex.forget_login`: a long-running session picks up a login made after it started."""

from __future__ import annotations

import pytest
import trio

from engine import Config, Credentials, RegistryConfig, Rex
from engine.errors import AuthenticationError
from engine.testing.registry import USERS
from tests.support.seed import SeededRegistry


class Store:
    """A credential source whose answer changes, as the keyring's does after a login."""

    def __init__(self) -> None:
        self.credentials: Credentials | None = None

    def get(self, registry: str) -> Credentials | None:
        return self.credentials


@pytest.mark.parametrize("flavour", ["basic_registry", "token_registry"])
async def test_login_after_start_is_used_once_forgotten(
    flavour: str, request: pytest.FixtureRequest
) -> None:
    seeded: SeededRegistry = request.getfixturevalue(flavour)
    store = Store()
    config = Config(registries=(RegistryConfig("test", seeded.url),), current="test")
    async with Rex(config, credentials=store) as rex:
        with pytest.raises(AuthenticationError):
            await rex.list_tags("oci/single")
        store.credentials = Credentials("alice", USERS["alice"])
        rex.forget_login()
        assert "latest" in await rex.list_tags("oci/single")
        # And a logout is noticed the same way.
        store.credentials = None
        rex.forget_login()
        with pytest.raises(AuthenticationError):
            await rex.list_tags("oci/single")


async def test_concurrent_first_requests_all_authenticate(basic_registry: SeededRegistry) -> None:
    """Several requests meet the first 401 together; each retries with the loaded login."""
    store = Store()
    store.credentials = Credentials("alice", USERS["alice"])
    config = Config(registries=(RegistryConfig("test", basic_registry.url),), current="test")
    results: list[object] = []
    async with Rex(config, credentials=store) as rex:

        async def run(coro_fn: object) -> None:
            results.append(await coro_fn())  # type: ignore[operator]

        async with trio.open_nursery() as nursery:
            nursery.start_soon(run, rex.ping)
            nursery.start_soon(run, rex.list_repositories)
            nursery.start_soon(run, lambda: rex.list_tags("oci/single"))
    assert len(results) == 3
    assert any(isinstance(r, list) and "oci/single" in r for r in results)
