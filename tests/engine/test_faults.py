"""Transient and hostile failures, injected by a proxy in front of the real registry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from engine import ContentError, NetworkError, RateLimitError, RequestTimeout, Rex, RexError
from rex_tui.cli.errors import exit_code
from tests.engine.helpers import SleepRecorder, make_rex
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry

MANIFEST = r"/v2/oci/single/manifests/1\.0$"


async def test_429_with_retry_after_is_honoured(
    fault_proxy: FaultProxy, registry: SeededRegistry
) -> None:
    fault_proxy.status(429, headers={"Retry-After": "3"}, path=MANIFEST, times=2)
    sleeps = SleepRecorder()
    async with make_rex(fault_proxy.url, retries=3, sleep=sleeps) as rex:
        info = await rex.inspect("oci/single:1.0")
    assert info.digest == registry.digest("oci/single:1.0")
    assert sleeps.delays == [3.0, 3.0]


async def test_429_asking_for_too_long_a_wait_fails_at_once(fault_proxy: FaultProxy) -> None:
    fault_proxy.status(429, headers={"Retry-After": "3600"}, path=MANIFEST)
    sleeps = SleepRecorder()
    async with make_rex(fault_proxy.url, retries=3, sleep=sleeps) as rex:
        with pytest.raises(RateLimitError) as info:
            await rex.inspect("oci/single:1.0")
    assert sleeps.delays == []
    assert info.value.retry_after == 3600.0
    assert exit_code(info.value) == 3


async def test_429_after_every_retry_is_a_rate_limit_error(fault_proxy: FaultProxy) -> None:
    fault_proxy.status(429, path=MANIFEST, times=None)
    sleeps = SleepRecorder()
    async with make_rex(fault_proxy.url, retries=2, sleep=sleeps) as rex:
        with pytest.raises(RateLimitError, match="rate-limiting"):
            await rex.inspect("oci/single:1.0")
    assert len(sleeps.delays) == 2  # backoff with jitter: no Retry-After given
    assert all(0 <= d <= 1.0 for d in sleeps.delays)


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_then_success_are_retried(
    fault_proxy: FaultProxy, registry: SeededRegistry, status: int
) -> None:
    fault_proxy.status(status, path=MANIFEST)
    sleeps = SleepRecorder()
    async with make_rex(fault_proxy.url, retries=3, sleep=sleeps) as rex:
        info = await rex.inspect("oci/single:1.0")
    assert info.digest == registry.digest("oci/single:1.0")
    assert len(sleeps.delays) == 1
    statuses = [r.status for r in fault_proxy.requests if r.path.endswith("/manifests/1.0")]
    assert statuses == [status, 200]


async def test_500_is_not_retried(fault_proxy: FaultProxy) -> None:
    fault_proxy.status(500, path=MANIFEST)
    sleeps = SleepRecorder()
    async with make_rex(fault_proxy.url, retries=3, sleep=sleeps) as rex:
        with pytest.raises(RexError) as info:
            await rex.inspect("oci/single:1.0")
    assert "HTTP 500" in str(info.value)
    assert "injected by FaultProxy" in str(info.value)  # the registry's own errors[] message
    assert sleeps.delays == []


async def test_a_reset_connection_is_retried(
    fault_proxy: FaultProxy, registry: SeededRegistry
) -> None:
    fault_proxy.reset(path=MANIFEST)
    sleeps = SleepRecorder()
    async with make_rex(fault_proxy.url, retries=2, sleep=sleeps) as rex:
        info = await rex.inspect("oci/single:1.0")
    assert info.digest == registry.digest("oci/single:1.0")
    assert len(sleeps.delays) == 1


async def test_resets_on_every_try_are_a_network_error(fault_proxy: FaultProxy) -> None:
    fault_proxy.reset(path=MANIFEST, times=None)
    async with make_rex(fault_proxy.url, retries=2) as rex:
        with pytest.raises(NetworkError) as info:
            await rex.inspect("oci/single:1.0")
    assert exit_code(info.value) == 3


async def test_a_truncated_body_is_retried_never_returned(
    fault_proxy: FaultProxy, registry: SeededRegistry
) -> None:
    fault_proxy.truncate(40, path=MANIFEST)
    async with make_rex(fault_proxy.url, retries=1) as rex:
        info = await rex.inspect("oci/single:1.0")
    assert info.digest == registry.digest("oci/single:1.0")


async def test_a_body_truncated_every_time_is_an_error(fault_proxy: FaultProxy) -> None:
    fault_proxy.truncate(40, path=MANIFEST, times=None)
    async with make_rex(fault_proxy.url, retries=1) as rex:
        with pytest.raises(NetworkError, match="broke while reading"):
            await rex.inspect("oci/single:1.0")


async def test_a_truncated_blob_stream_is_an_error(
    fault_proxy: FaultProxy, registry: SeededRegistry
) -> None:
    layer = registry.image("oci/single:1.0").layers[0]
    fault_proxy.truncate(100, path=f"/blobs/{layer.digest}$", times=None)
    received = bytearray()

    async def sink(chunk: bytes) -> None:
        received.extend(chunk)

    async with make_rex(fault_proxy.url) as rex:
        client = await rex.client()
        with pytest.raises(NetworkError):
            await client.copy_blob("oci/single", layer.digest, sink)
    assert len(received) <= 100


async def test_a_corrupted_manifest_by_digest_is_rejected(
    fault_proxy: FaultProxy, registry: SeededRegistry
) -> None:
    digest = registry.digest("oci/single:1.0")
    fault_proxy.corrupt(path=f"/manifests/{digest}$", times=None)
    async with make_rex(fault_proxy.url) as rex:
        with pytest.raises(ContentError, match="digest mismatch"):
            await rex.get_manifest(f"oci/single@{digest}")


async def test_a_manifest_whose_body_disagrees_with_its_digest_header_is_rejected(
    fault_proxy: FaultProxy,
) -> None:
    fault_proxy.replace_body(b'{"schemaVersion": 2, "manifests": []}', path=MANIFEST)
    async with make_rex(fault_proxy.url) as rex:
        with pytest.raises(ContentError, match="digest mismatch"):
            await rex.inspect("oci/single:1.0")


async def test_an_oversized_manifest_is_refused(fault_proxy: FaultProxy) -> None:
    fault_proxy.replace_body(b" " * (4 * 1024 * 1024 + 1), path=MANIFEST)
    async with make_rex(fault_proxy.url) as rex:
        with pytest.raises(ContentError, match="limit"):
            await rex.inspect("oci/single:1.0")


async def test_slow_responses_hit_the_timeout(fault_proxy: FaultProxy) -> None:
    fault_proxy.delay(3.0, path=MANIFEST, times=None)
    sleeps = SleepRecorder()
    async with make_rex(fault_proxy.url, retries=1, sleep=sleeps, timeout=0.3) as rex:
        with pytest.raises(RequestTimeout) as info:
            await rex.inspect("oci/single:1.0")
    assert exit_code(info.value) == 3
    assert "timeout" in info.value.hint
    assert len(sleeps.delays) == 1


async def test_tags_paginated_with_link_headers(
    fault_proxy: FaultProxy, registry: SeededRegistry
) -> None:
    fault_proxy.page_tags(7)
    async with make_rex(fault_proxy.url) as rex:
        client = await rex.client()
        pages = [page async for page in client.iter_tags("tags/many", page_size=7)]
        everything = await rex.list_tags("tags/many")
    expected = sorted(registry.tags["tags/many"])
    assert len(expected) == 30
    assert [len(p) for p in pages] == [7, 7, 7, 7, 2]
    assert [t for p in pages for t in p] == expected
    assert everything == expected
    lists = [r for r in fault_proxy.requests if r.path == "/v2/tags/many/tags/list"]
    assert lists[1].params["last"] == [expected[6]]


Operation = Callable[[Rex], Awaitable[object]]
OPERATIONS: dict[str, Operation] = {
    "catalog": lambda rex: rex.list_repositories(),
    "tags": lambda rex: rex.list_tags("oci/single"),
    "inspect": lambda rex: rex.inspect("oci/multi:latest", platform="linux/arm/v7"),
    "resolve": lambda rex: rex.resolve("oci/single:1.0"),
    "referrers": lambda rex: rex.referrers("oci/single:1.0"),
}
FAULTS: dict[str, Callable[[FaultProxy], object]] = {
    "429": lambda p: p.status(429, headers={"Retry-After": "1"}, times=None),
    "404": lambda p: p.status(404, times=None),
    "418": lambda p: p.status(418, body=b"not json at all", times=None),
    "reset": lambda p: p.reset(times=None),
    "truncate": lambda p: p.truncate(5, times=None),
    "corrupt": lambda p: p.corrupt(times=None),
    "garbage": lambda p: p.replace_body(b"\xff\xfe{[garbage", times=None),
    "empty": lambda p: p.replace_body(b"", times=None),
    "html": lambda p: p.replace_body(b"<html>proxy error</html>", times=None),
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_only_engine_errors_escape(fault_proxy: FaultProxy, fault: str) -> None:
    FAULTS[fault](fault_proxy)
    async with make_rex(fault_proxy.url, retries=1) as rex:
        for name, operation in OPERATIONS.items():
            try:
                await operation(rex)
            except RexError as exc:
                assert exc.hint, name
                assert "\n" not in str(exc), name
