"""A hostile registry against the transport: TLS and credentials per destination, digests,
redirects and invalid names in listings. Real registries behind the fault proxy."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from engine import Config, Credentials, NetworkConfig, RegistryConfig, Rex
from engine.errors import ContentError, NetworkError
from engine.testing.registry import ALICE, USERS, RegistryProcess
from engine.transport.client import HttpClient
from engine.transport.endpoint import Endpoint
from tests.print.conftest import rex as rex  # the CLI sandbox fixture
from tests.print.harness import Rex as RexCli
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry
from tests.support.tokenserver import SERVICE, TokenServer

ALICE_LOGIN = Credentials(ALICE, USERS[ALICE])


@pytest.fixture
def tls_token_server(tmp_path: Path) -> Iterator[TokenServer]:
    """A token realm over HTTPS with a self-signed certificate, on its own port."""
    with TokenServer(tls_dir=tmp_path / "realm-tls") as server:
        yield server


@pytest.fixture
def http_token_server() -> Iterator[TokenServer]:
    with TokenServer() as server:
        yield server


def engine_for(proxy: FaultProxy, *, ca_file: Path | None = None, **network: object) -> Rex:
    """A Rex logged in as alice on the proxy, a plain-HTTP loopback registry."""
    registry = RegistryConfig("hostile", proxy.url, ca_file=str(ca_file) if ca_file else None)
    config = Config(
        network=NetworkConfig(retry_attempts=0, **network),  # type: ignore[arg-type]
        registries=(registry,),
        current="hostile",
    )
    return Rex(config, credentials={proxy.host: ALICE_LOGIN})


def challenge_once(proxy: FaultProxy, realm: str) -> None:
    """The registry's /v2/ asks for a token from `realm` once, then answers anyone."""
    header = f'Bearer realm="{realm}",service="{SERVICE}"'
    proxy.status(401, headers={"WWW-Authenticate": header}, method="GET", path=r"^/v2/$")


# -- TLS and credentials, per destination ------------------------------------------------


async def test_basic_is_not_sent_to_a_self_signed_realm_of_an_http_registry(
    fault_proxy: FaultProxy, tls_token_server: TokenServer
) -> None:
    challenge_once(fault_proxy, tls_token_server.realm)
    async with engine_for(fault_proxy) as engine:
        with pytest.raises(NetworkError) as info:
            await engine.ping()
    assert "certificate verify failed" in info.value.message
    assert f"127.0.0.1:{tls_token_server.port}" in info.value.message  # the realm, named
    assert "ca_file" in info.value.hint
    assert tls_token_server.requests == []  # the handshake failed: no request, no password


async def test_basic_reaches_an_https_realm_verified_with_ca_file(
    fault_proxy: FaultProxy, tls_token_server: TokenServer
) -> None:
    challenge_once(fault_proxy, tls_token_server.realm)
    async with engine_for(fault_proxy, ca_file=tls_token_server.ca_file) as engine:
        assert (await engine.ping()).status == "online"
    [asked] = tls_token_server.requests
    assert (asked.username, asked.authorization_scheme, asked.status) == (ALICE, "Basic", 200)
    bearer = [r for r in fault_proxy.requests if (r.authorization or "").startswith("Bearer ")]
    assert bearer, "the token was used on the registry"


async def test_basic_reaches_a_plain_http_realm_on_the_registry_host(
    fault_proxy: FaultProxy, http_token_server: TokenServer
) -> None:
    challenge_once(fault_proxy, http_token_server.realm)  # 127.0.0.1, another port
    async with engine_for(fault_proxy) as engine:
        assert (await engine.ping()).status == "online"
    [asked] = http_token_server.requests
    assert (asked.username, asked.authorization_scheme) == (ALICE, "Basic")


async def test_basic_is_not_sent_to_a_plain_http_realm_on_another_host(
    fault_proxy: FaultProxy, http_token_server: TokenServer, caplog: pytest.LogCaptureFixture
) -> None:
    realm = http_token_server.realm.replace("127.0.0.1", "localhost")
    challenge_once(fault_proxy, realm)
    async with engine_for(fault_proxy) as engine:
        assert (await engine.ping()).status == "online"
    [asked] = http_token_server.requests
    assert (asked.username, asked.authorization_scheme) == (None, None)  # an anonymous token only
    assert "not sending credentials" in caplog.text


@pytest.mark.parametrize("how", ["skip_verify", "verify_tls = false"])
async def test_skipping_verification_covers_the_registry_origin_only(
    tls_registry: RegistryProcess, tls_token_server: TokenServer, how: str
) -> None:
    http = HttpClient(
        Endpoint.parse(tls_registry.url),
        network=NetworkConfig(retry_attempts=0, verify_tls=how != "verify_tls = false"),
        skip_verify=how == "skip_verify",
    )
    try:
        assert (await http.send("GET", "/v2/")).status_code == 200
        with pytest.raises(NetworkError) as info:
            await http.send("GET", tls_token_server.realm)  # same host, another port
        assert "certificate verify failed" in info.value.message
    finally:
        await http.aclose()
    assert tls_token_server.requests == []


async def test_authorization_does_not_follow_a_redirect_to_another_host(
    basic_registry: SeededRegistry,
    registry: SeededRegistry,
    fault_proxy_factory: Callable[..., FaultProxy],
) -> None:
    front = fault_proxy_factory(basic_registry.url)
    elsewhere = fault_proxy_factory(registry.url)  # the same blobs, anonymous
    other_host = elsewhere.url.replace("127.0.0.1", "localhost")
    front.redirect(other_host, method="GET", path=r"/blobs/")
    image = basic_registry.image("oci/single:1.0")
    async with engine_for(front) as engine:
        await engine.ping()  # Basic from now on, sent up front
        client = await engine.client()
        config = await client.get_blob("oci/single", image.config.digest, max_bytes=1 << 20)
    assert hashlib.sha256(config).hexdigest() == image.config.digest.split(":")[1]
    assert any(r.authorization for r in front.requests), "the registry itself got Basic"
    [followed] = elsewhere.requests
    assert followed.path.endswith(image.config.digest)
    assert followed.authorization is None


# -- integrity -----------------------------------------------------------------------


def _sha512(body: bytes) -> str:
    return "sha512:" + hashlib.sha512(body).hexdigest()


async def test_a_wrong_sha512_docker_content_digest_is_refused(fault_proxy: FaultProxy) -> None:
    async with engine_for(fault_proxy) as engine:
        client = await engine.client()
        body = (await client.get_manifest("oci/single", "1.0")).body
        wrong = _sha512(body + b" ")
        fault_proxy.set_headers({"Docker-Content-Digest": wrong}, path=r"/manifests/1\.0$")
        with pytest.raises(ContentError) as info:
            await client.get_manifest("oci/single", "1.0")
    assert "digest mismatch" in info.value.message
    assert wrong in info.value.message


async def test_a_right_sha512_docker_content_digest_is_the_manifest_digest(
    fault_proxy: FaultProxy,
) -> None:
    async with engine_for(fault_proxy) as engine:
        client = await engine.client()
        body = (await client.get_manifest("oci/single", "1.0")).body
        fault_proxy.set_headers({"Docker-Content-Digest": _sha512(body)}, path=r"/manifests/")
        manifest = await client.get_manifest("oci/single", "1.0")
    assert manifest.digest == _sha512(body)


# -- invalid names in listings ---------------------------------------------------------

HOSTILE_NAMES = ["..", "evil\x1b]0;owned\x07", "Upper/Case", "bad\x00nul", "a/../b"]


async def test_a_catalog_skips_invalid_names_and_warns_once_each(
    fault_proxy: FaultProxy, caplog: pytest.LogCaptureFixture
) -> None:
    names = ["oci/single", *HOSTILE_NAMES, "public/hello", ".."]
    body = httpx.Response(200, json={"repositories": names}).content
    fault_proxy.replace_body(body, path=r"^/v2/_catalog$")
    caplog.set_level(logging.WARNING, logger="engine.transport.registry")
    async with engine_for(fault_proxy) as engine:
        assert await (await engine.client()).catalog() == ["oci/single", "public/hello"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == len(HOSTILE_NAMES)  # ".." twice, warned once
    for name in HOSTILE_NAMES:
        assert sum(repr(name) in w for w in warnings) == 1


async def test_a_tag_list_keeps_uppercase_tags_and_skips_invalid_ones(
    fault_proxy: FaultProxy, caplog: pytest.LogCaptureFixture
) -> None:
    tags = ["V1.0", "latest", "..", "-dash", "tab\tbed", "x" * 129]
    body = httpx.Response(200, json={"name": "oci/single", "tags": tags}).content
    fault_proxy.replace_body(body, path=r"/tags/list$")
    async with engine_for(fault_proxy) as engine:
        assert await (await engine.client()).tags("oci/single") == ["V1.0", "latest"]
    assert caplog.text.count("skipping invalid tag") == 4


def test_the_cli_lists_the_valid_names_and_exits_0(
    rex: RexCli,
    fault_proxy: FaultProxy,
) -> None:
    names = ["public/hello", "..", "Upper/Case"]
    body = httpx.Response(200, json={"repositories": names}).content
    fault_proxy.replace_body(body, path=r"^/v2/_catalog$", times=None)
    result = rex("-r", fault_proxy.url, "-f", "json", "image")
    assert result.returncode == 0, result
    listed = [entry["name"] for entry in result.json()["images"]]
    assert listed == ["public/hello"]
    assert "'..'" in result.stderr and "Upper/Case" in result.stderr
