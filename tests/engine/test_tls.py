"""TLS: verified by default, a custom CA file, or verification skipped when asked."""

from __future__ import annotations

import ssl

import pytest

from engine import Config, NetworkConfig, NetworkError, RegistryConfig, Rex
from engine.testing.registry import RegistryProcess
from engine.transport.client import _verifying_context
from rex_tui.cli.errors import exit_code


def rex_for(process: RegistryProcess, **settings: object) -> Rex:
    registry = RegistryConfig("tls", process.url, **settings)  # type: ignore[arg-type]
    return Rex(
        Config(network=NetworkConfig(retry_attempts=0), registries=(registry,), current="tls")
    )


async def test_an_unknown_certificate_is_refused(tls_registry: RegistryProcess) -> None:
    async with rex_for(tls_registry) as rex:
        with pytest.raises(NetworkError) as info:
            await rex.ping()
    assert "TLS" in str(info.value)
    assert "ca_file" in info.value.hint
    assert exit_code(info.value) == 3


async def test_a_custom_ca_file_is_trusted(tls_registry: RegistryProcess) -> None:
    async with rex_for(tls_registry, ca_file=str(tls_registry.ca_file)) as rex:
        assert (await rex.ping()).status == "online"
        assert await rex.list_repositories() == []


async def test_skip_verify_connects(tls_registry: RegistryProcess) -> None:
    async with rex_for(tls_registry, skip_verify=True) as rex:
        assert (await rex.ping()).status == "online"


async def test_global_verify_tls_off_connects(tls_registry: RegistryProcess) -> None:
    registry = RegistryConfig("tls", tls_registry.url)
    config = Config(
        network=NetworkConfig(retry_attempts=0, verify_tls=False),
        registries=(registry,),
        current="tls",
    )
    async with Rex(config) as rex:
        assert (await rex.ping()).status == "online"


def test_ca_file_is_trusted_besides_the_usual_roots_loaded_at_the_first_handshake(
    tls_registry: RegistryProcess,
) -> None:
    context = _verifying_context(str(tls_registry.ca_file))
    assert context.cert_store_stats()["x509_ca"] == 1  # a plain-HTTP client stops here
    context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com")
    assert context.cert_store_stats()["x509_ca"] > 1
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
