"""A team's Redis shared by separate homes, through the real `rex` against a real registry.

Each home has its own config file and cache directory; they share one redis-server.
What one home fetched, the other reads from Redis (verified by digest), so it makes
no manifest GETs; a dead, killed or tampered Redis never breaks a command.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest
import redis

from engine.cache.keys import CacheKey
from engine.cache.redis_tier import redis_key
from engine.testing.redis_server import RedisServer
from tests.print.harness import Rex
from tests.redis.conftest import HomeFactory
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry

DEADLINE = 60.0


def manifest_gets(proxy: FaultProxy) -> list[str]:
    return [r.path for r in proxy.requests if r.method == "GET" and "/manifests/" in r.path]


def blob_gets(proxy: FaultProxy) -> list[str]:
    return [r.path for r in proxy.requests if r.method == "GET" and "/blobs/" in r.path]


def redis_warnings(stderr: str) -> list[str]:
    return [
        line for line in stderr.splitlines() if line.startswith("rex: warning:") and "redis" in line
    ]


def run_ok(home: Rex, *args: str) -> dict[str, object]:
    result = home("-f", "json", *args, timeout=DEADLINE)
    assert result.returncode == 0, result
    assert not redis_warnings(result.stderr), result
    document: dict[str, object] = result.json()
    return document


@pytest.mark.parametrize("ref", ["oci/single", "oci/single:1.0", "oci/multi:latest"])
def test_a_second_home_makes_no_manifest_gets(
    ref: str, redis_server: RedisServer, fault_proxy: FaultProxy, team: tuple[Rex, Rex]
) -> None:
    alice, bob = team
    first = run_ok(alice, "image", ref)
    assert manifest_gets(fault_proxy), "the first home fetched nothing"
    fault_proxy.clear_requests()

    second = run_ok(bob, "image", ref)
    assert second == first
    assert manifest_gets(fault_proxy) == []
    assert blob_gets(fault_proxy) == []  # the configs came from Redis too
    # Bob's disk now holds what Redis gave him: a third run needs neither.
    redis_server.kill()
    fault_proxy.clear_requests()
    third = bob("-f", "json", "image", ref, timeout=DEADLINE)
    assert third.returncode == 0 and third.json() == first, third
    assert manifest_gets(fault_proxy) == []


def wait_for(condition: object, what: str, deadline: float = DEADLINE) -> None:
    assert callable(condition)
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_a_redis_killed_mid_run_leaves_the_command_working(
    redis_server: RedisServer,
    fault_proxy: FaultProxy,
    registry: SeededRegistry,
    home_factory: HomeFactory,
) -> None:
    reference = home_factory("reference", registry.url, redis_server.url)
    expected = run_ok(reference, "image", "oci/single")
    redis_server.call("FLUSHALL")
    alice = home_factory("alice", fault_proxy.url, redis_server.url)
    # Blob GETs are held back until Redis is killed: rex has read from Redis
    # (misses) by then, and writes to it, and reads more, after.
    held = fault_proxy.delay(DEADLINE, method="GET", path="/blobs/", times=None)
    process = subprocess.Popen(
        alice.command(["-f", "json", "image", "oci/single"]),
        env=alice.environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def kill_when_held() -> None:
        wait_for(lambda: held.fired, "the held request")
        redis_server.kill()

    killer = threading.Thread(target=kill_when_held)
    killer.start()
    try:
        killer.join(DEADLINE)
        assert not redis_server.running
        assert not any("/blobs/" in r.path for r in fault_proxy.requests)  # still held
        held.release()
        stdout, stderr = process.communicate(timeout=DEADLINE)
    finally:
        held.release()
        if process.poll() is None:
            process.kill()
            process.wait(DEADLINE)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()  # a failed assertion above must not leak them into later tests
    assert process.returncode == 0, stderr
    assert json.loads(stdout) == expected
    (warning,) = redis_warnings(stderr)
    assert warning.startswith(
        f"rex: warning: redis cache at redis://{redis_server.host} unreachable ("
    )
    assert warning.endswith("); using the disk cache")
    # The disk cache has it all: the next run answers from it, Redis still dead.
    fault_proxy.clear_requests()
    again = alice("-f", "json", "image", "oci/single", timeout=DEADLINE)
    assert again.returncode == 0 and again.json() == expected, again
    assert manifest_gets(fault_proxy) == []


@pytest.fixture(params=["basic_registry", "token_registry"])
def secured(request: pytest.FixtureRequest) -> SeededRegistry:
    value: SeededRegistry = request.getfixturevalue(request.param)
    return value


def all_of_redis(server: RedisServer) -> bytes:
    """Every key and value in the server, concatenated (the tests' keys are strings)."""
    client = redis.Redis.from_url(server.url)
    try:
        parts: list[bytes] = []
        for name in client.scan_iter(count=1000):
            value = client.get(name)
            parts += [name, value if isinstance(value, bytes) else b""]
        return b"\n".join(parts)
    finally:
        client.close()


def test_no_credential_or_token_ever_reaches_redis(
    secured: SeededRegistry,
    redis_server: RedisServer,
    fault_proxy_factory: object,
    home_factory: HomeFactory,
) -> None:
    import base64

    assert callable(fault_proxy_factory) and secured.credentials is not None
    user, password = secured.credentials
    proxy: FaultProxy = fault_proxy_factory(secured.url)
    alice = home_factory("alice", proxy.url, redis_server.url)
    login = alice("registry", "login", "local", "-u", user, "--password-stdin", input=password)
    assert login.returncode == 0, login
    for args in (["image"], ["image", "oci/single"], ["image", "oci/multi:latest"]):
        run_ok(alice, *args)
    stored = all_of_redis(redis_server)
    assert b"rex:v1:" in stored and b"oci/multi" in stored  # it did share the answers
    secrets = {password, base64.b64encode(f"{user}:{password}".encode()).decode()}
    for request in proxy.requests:
        credential = (request.authorization or "").partition(" ")[2]
        if credential:
            secrets.add(credential)
    if secured.flavour == "token":
        assert any(
            r.authorization and r.authorization.startswith("Bearer ") for r in proxy.requests
        )
    for secret in secrets:
        assert secret.encode() not in stored
    # Nor does any entry carry a field that names a credential.
    for key in ("password", "token", "authorization", "access_token"):
        assert f'"{key}"'.encode() not in stored.lower()


def test_a_tampered_redis_value_is_refused_by_digest_and_fetched_again(
    redis_server: RedisServer,
    fault_proxy: FaultProxy,
    registry: SeededRegistry,
    team: tuple[Rex, Rex],
) -> None:
    alice, bob = team
    first = run_ok(alice, "image", "oci/single:1.0")
    digest = registry.digest("oci/single:1.0")
    # The manifest is in Redis twice: under its tag and under its digest.
    names = [
        redis_key(CacheKey.manifest(fault_proxy.host, "oci/single", name))
        for name in ("1.0", digest)
    ]
    client = redis.Redis.from_url(redis_server.url)
    try:
        for name in names:
            document = json.loads(client.get(name) or b"{}")
            body = document["data"]["body"]
            document["data"]["body"] = body.replace('"size":', '"size": ', 1)
            assert document["data"]["body"] != body
            client.set(name, json.dumps(document, separators=(",", ":")))
        fault_proxy.clear_requests()

        again = bob("-f", "json", "image", "oci/single:1.0", timeout=DEADLINE)
        assert again.returncode == 0, again
        assert again.json() == first  # the registry's content, not the tampered one
        assert manifest_gets(fault_proxy) == ["/v2/oci/single/manifests/1.0"]
        refused = [line for line in again.stderr.splitlines() if "refusing" in line]
        assert refused and all(
            line.startswith("rex: warning: refusing the redis cache entry of ")
            and "does not match its digest" in line
            for line in refused
        ), again.stderr
        # The good copy is back in Redis for the rest of the team.
        for name in names:
            assert json.loads(client.get(name) or b"{}")["data"]["body"] == body
    finally:
        client.close()
