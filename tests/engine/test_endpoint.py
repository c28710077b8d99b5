"""Registry endpoints: scheme rules, Docker Hub's API host, loopback detection, log redaction."""

from __future__ import annotations

import pytest

from engine.errors import ConfigurationError, ValidationError
from engine.transport.client import redact_url
from engine.transport.endpoint import Endpoint, is_loopback
from rex_tui.cli.errors import hint


@pytest.mark.parametrize(
    ("url", "insecure", "expected", "api"),
    [
        ("localhost:5000", False, "http://localhost:5000", "http://localhost:5000"),
        ("127.0.0.1:41000", False, "http://127.0.0.1:41000", "http://127.0.0.1:41000"),
        ("127.8.9.10", False, "http://127.8.9.10", "http://127.8.9.10"),
        ("[::1]:5000", False, "http://[::1]:5000", "http://[::1]:5000"),
        ("http://127.0.0.1:5000/", False, "http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("https://localhost:5000", False, "https://localhost:5000", "https://localhost:5000"),
        ("ghcr.io", False, "https://ghcr.io", "https://ghcr.io"),
        (
            "Registry.Example.COM:443/v2/",
            False,
            "https://registry.example.com:443",
            "https://registry.example.com:443",
        ),
        ("dev.registry.local", True, "http://dev.registry.local", "http://dev.registry.local"),
        ("https://docker.io", False, "https://docker.io", "https://registry-1.docker.io"),
        ("index.docker.io", False, "https://docker.io", "https://registry-1.docker.io"),
    ],
)
def test_parse(url: str, insecure: bool, expected: str, api: str) -> None:
    endpoint = Endpoint.parse(url, insecure=insecure)
    assert str(endpoint) == expected
    assert endpoint.base_url == api


def test_plain_http_to_a_remote_host_needs_insecure() -> None:
    with pytest.raises(ConfigurationError, match="plain HTTP") as info:
        Endpoint.parse("http://registry.example.com")
    assert "--insecure" in hint(info.value)
    assert Endpoint.parse("http://registry.example.com", insecure=True).scheme == "http"


@pytest.mark.parametrize("url", ["", "ftp://x", "a/b", "http://", "host:port", "-bad.example"])
def test_invalid_urls(url: str) -> None:
    with pytest.raises(ValidationError):
        Endpoint.parse(url)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("localhost:5000", True),
        ("127.0.0.1", True),
        ("127.1.2.3:80", True),
        ("[::1]:5000", True),
        ("::1", True),
        ("10.0.0.1", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_redact_url() -> None:
    assert redact_url("http://user:pw@proxy:8080/x") == "http://proxy:8080/x"
    redacted = redact_url("https://auth.example.com/token?service=s&access_token=abc&scope=x")
    assert "abc" not in redacted and "service=s" in redacted and "scope=x" in redacted
