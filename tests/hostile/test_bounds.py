"""A hostile registry against rex's bounds: endless bodies, drips, deep JSON, endless pages.

Memory is judged by bytes: the fault proxy counts what it managed to send before the
client hung up, and an endless body always has more to send.
"""

from __future__ import annotations

import pytest
import trio

from engine import Config, NetworkConfig, RegistryConfig, Rex
from engine.errors import ContentError, NotFoundError, RequestTimeout
from engine.oci import manifests
from engine.transport.bodies import MAX_ERROR_BYTES, MAX_LIST_PAGE_BYTES, MAX_TOKEN_BYTES
from engine.transport.registry import RegistryClient
from rex_tui.cli.errors import exit_code
from tests.print.conftest import rex as rex  # the CLI sandbox fixture
from tests.print.harness import Rex as RexCli
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry
from tests.support.tokenserver import SERVICE

GENEROUS = 60.0
"""A deadline only so that a regression fails instead of hanging the suite."""
SOCKET_SLACK = 48 * 1024 * 1024
"""Loopback socket buffers (both ends) may hold this much beyond what was read."""
DEEP = b"[" * 200_000


def engine_for(proxy: FaultProxy, **network: object) -> Rex:
    registry = RegistryConfig("hostile", proxy.url)
    settings = NetworkConfig(retry_attempts=0, **network)  # type: ignore[arg-type]
    return Rex(Config(network=settings, registries=(registry,), current="hostile"))


async def client_of(engine: Rex) -> RegistryClient:
    return await engine.client()


# -- bodies are capped by what is read -----------------------------------------------------


async def _endless_refused(proxy: FaultProxy, path: str, limit: int, read: object) -> None:
    fault = proxy.endless(prefix=b'{"x": "', path=path)
    with trio.fail_after(GENEROUS), pytest.raises(ContentError) as info:
        await read  # type: ignore[misc]
    assert f"{limit:,}-byte limit" in info.value.message
    assert exit_code(info.value) == 1
    assert limit <= fault.sent < limit + SOCKET_SLACK


async def test_an_endless_manifest_stops_at_4_mib(fault_proxy: FaultProxy) -> None:
    async with engine_for(fault_proxy) as engine:
        client = await client_of(engine)
        read = client.get_manifest("oci/single", "1.0")
        await _endless_refused(fault_proxy, r"/manifests/", manifests.MAX_MANIFEST_BYTES, read)


async def test_an_endless_catalog_page_stops_at_its_limit(fault_proxy: FaultProxy) -> None:
    async with engine_for(fault_proxy) as engine:
        client = await client_of(engine)
        read = client.catalog()
        await _endless_refused(fault_proxy, r"^/v2/_catalog$", MAX_LIST_PAGE_BYTES, read)


async def test_an_endless_tag_page_stops_at_its_limit(fault_proxy: FaultProxy) -> None:
    async with engine_for(fault_proxy) as engine:
        client = await client_of(engine)
        read = client.tags("oci/single")
        await _endless_refused(fault_proxy, r"/tags/list$", MAX_LIST_PAGE_BYTES, read)


async def test_an_endless_config_stops_at_its_limit(
    fault_proxy: FaultProxy, registry: SeededRegistry
) -> None:
    digest = registry.image("oci/single:1.0").config.digest
    async with engine_for(fault_proxy) as engine:
        client = await client_of(engine)
        read = client.get_blob("oci/single", digest, max_bytes=manifests.MAX_CONFIG_BYTES)
        await _endless_refused(fault_proxy, r"/blobs/", manifests.MAX_CONFIG_BYTES, read)


async def test_an_endless_error_body_is_cut_and_the_error_kept(fault_proxy: FaultProxy) -> None:
    fault = fault_proxy.endless(status=404, path=r"/manifests/")
    async with engine_for(fault_proxy) as engine:
        client = await client_of(engine)
        with trio.fail_after(GENEROUS), pytest.raises(NotFoundError):
            await client.get_manifest("oci/single", "1.0")
    assert MAX_ERROR_BYTES <= fault.sent < MAX_ERROR_BYTES + SOCKET_SLACK


async def test_an_endless_token_answer_stops_at_its_limit(fault_proxy: FaultProxy) -> None:
    realm = f"{fault_proxy.url}/token"
    header = f'Bearer realm="{realm}",service="{SERVICE}"'
    fault_proxy.status(401, headers={"WWW-Authenticate": header}, path=r"^/v2/$")
    fault = fault_proxy.endless(prefix=b'{"token": "', path=r"^/token$")
    async with engine_for(fault_proxy) as engine:
        with trio.fail_after(GENEROUS), pytest.raises(ContentError) as info:
            await engine.ping()
    assert f"{MAX_TOKEN_BYTES:,}-byte limit" in info.value.message
    assert MAX_TOKEN_BYTES <= fault.sent < MAX_TOKEN_BYTES + SOCKET_SLACK


async def test_an_endless_401_body_is_cut(fault_proxy: FaultProxy) -> None:
    """httpx reads a challenge's body itself before the token request: capped too."""
    realm = f"{fault_proxy.url}/token"
    header = f'Bearer realm="{realm}",service="{SERVICE}"'
    fault = fault_proxy.endless(status=401, headers={"WWW-Authenticate": header}, path="^/v2/$")
    fault_proxy.status(200, body=b'{"token": "t", "expires_in": 60}', path=r"^/token$")
    async with engine_for(fault_proxy) as engine:
        with trio.fail_after(GENEROUS):
            assert (await engine.ping()).status == "online"
    assert MAX_ERROR_BYTES <= fault.sent < MAX_ERROR_BYTES + SOCKET_SLACK


async def test_an_endless_redirect_body_is_cut_and_the_redirect_followed(
    fault_proxy: FaultProxy,
) -> None:
    """httpx reads a redirect's body itself before following it: capped too."""
    target = f"{fault_proxy.url}/v2/oci/single/manifests/1.0"
    fault = fault_proxy.endless(status=307, headers={"Location": target}, path=r"/manifests/")
    async with engine_for(fault_proxy) as engine:
        client = await client_of(engine)
        with trio.fail_after(GENEROUS):
            manifest = await client.get_manifest("oci/single", "1.0")
    assert manifest.digest.startswith("sha256:")
    assert MAX_ERROR_BYTES <= fault.sent < MAX_ERROR_BYTES + SOCKET_SLACK


# -- one deadline per request, body included ------------------------------------------------


async def test_a_dripping_body_ends_at_the_timeout(fault_proxy: FaultProxy) -> None:
    fault = fault_proxy.drip(0.2, path=r"/manifests/")
    async with engine_for(fault_proxy, timeout=1.0) as engine:
        client = await client_of(engine)
        with trio.fail_after(GENEROUS), pytest.raises(RequestTimeout) as info:
            await client.get_manifest("oci/single", "1.0")
    assert exit_code(info.value) == 3
    assert fault.fired == 1 and fault.sent >= 1  # it was reading, a byte at a time


def test_the_cli_timeout_bounds_a_dripping_catalog(rex: RexCli, fault_proxy: FaultProxy) -> None:
    fault_proxy.drip(0.2, path=r"^/v2/_catalog$", times=None)
    result = rex("-r", fault_proxy.url, "--timeout", "1", "image", timeout=GENEROUS)
    assert result.returncode == 3, result
    assert "within 1 s" in result.stderr


# -- JSON nested too deep for the parser ----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "call"),
    [
        (r"/manifests/", "manifest"),
        (r"^/v2/_catalog$", "catalog"),
        (r"/tags/list$", "tags"),
    ],
)
async def test_deep_json_is_a_content_error(fault_proxy: FaultProxy, path: str, call: str) -> None:
    # No Docker-Content-Digest: the body must get as far as the parser.
    fault_proxy.replace_body(DEEP, headers={"Docker-Content-Digest": ""}, path=path)
    async with engine_for(fault_proxy) as engine:
        client = await client_of(engine)
        with pytest.raises(ContentError) as info:
            if call == "manifest":
                await client.get_manifest("oci/single", "1.0")
            elif call == "catalog":
                await client.catalog()
            else:
                await client.tags("oci/single")
    assert "nested too deeply" in info.value.message


async def test_a_deep_token_answer_is_a_content_error(fault_proxy: FaultProxy) -> None:
    header = f'Bearer realm="{fault_proxy.url}/token",service="{SERVICE}"'
    fault_proxy.status(401, headers={"WWW-Authenticate": header}, path=r"^/v2/$")
    fault_proxy.status(200, body=DEEP, path=r"^/token$")
    async with engine_for(fault_proxy) as engine:
        with pytest.raises(ContentError) as info:
            await engine.ping()
    assert "nested too deeply" in info.value.message


async def test_a_deep_error_body_keeps_the_status_error(fault_proxy: FaultProxy) -> None:
    fault_proxy.status(404, body=DEEP, path=r"/manifests/")
    async with engine_for(fault_proxy) as engine:
        with pytest.raises(NotFoundError):
            await (await client_of(engine)).get_manifest("oci/single", "1.0")


def test_a_deep_config_is_a_content_error() -> None:
    with pytest.raises(ContentError, match="nested too deeply"):
        manifests.parse_config(DEEP)


# -- pagination ends ------------------------------------------------------------------------


@pytest.mark.parametrize("back_to", ["the second name", "the first page"])
async def test_a_page_repeating_a_last_already_read_is_an_error(
    fault_proxy: FaultProxy, back_to: str
) -> None:
    async with engine_for(fault_proxy) as engine:
        client = await client_of(engine)
        first = (await client.catalog())[0]
        query = f"n=2&last={first}" if back_to == "the second name" else "n=2"
        link = f'</v2/_catalog?{query}>; rel="next"'
        fault_proxy.set_headers({"Link": link}, path=r"^/v2/_catalog$", times=None)
        with trio.fail_after(GENEROUS), pytest.raises(ContentError) as info:
            async for _ in client.iter_catalog(page_size=2):
                pass
    assert "already read" in info.value.message
    assert len(fault_proxy.requests) <= 4


@pytest.mark.parametrize(
    ("path", "key"), [(r"^/v2/_catalog$", "repositories"), (r"/tags/list$", "tags")]
)
async def test_a_listing_that_never_ends_stops_at_max_list_names(
    fault_proxy: FaultProxy, path: str, key: str
) -> None:
    fault_proxy.endless_pages(key, path=path, page_size=100)
    async with engine_for(fault_proxy, max_list_names=1000) as engine:
        client = await client_of(engine)
        with trio.fail_after(GENEROUS), pytest.raises(ContentError) as info:
            if key == "tags":
                await client.tags("oci/single")
            else:
                await client.catalog()
    assert "more than 1,000 names" in info.value.message
    assert "network.max_list_names" in info.value.hint
    assert len(fault_proxy.requests) == 11
