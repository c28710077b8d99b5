"""Where a registry lives: scheme, host and port, and whether plain HTTP is allowed."""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass

from engine.errors import ConfigurationError, Remedy, ValidationError
from engine.frozen import Frozen

__all__ = ["Endpoint", "is_loopback"]

_HOST_RE = re.compile(
    r"^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)(?::[0-9]{1,5})?$"
)
_DOCKER_HUB_NAMES = {"docker.io", "index.docker.io", "registry-1.docker.io"}


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1, with or without a port."""
    name = _hostname(host).lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Endpoint(Frozen):
    """A registry's API root, e.g. `http://127.0.0.1:5000`."""

    scheme: str
    host: str
    """host[:port] as the user wrote it, lowercased; `docker.io` for Docker Hub."""

    @classmethod
    def parse(cls, url: str, *, insecure: bool = False) -> Endpoint:
        """Parse `[http://|https://]host[:port]`; plain HTTP needs `insecure` or loopback."""
        if cls is Endpoint:  # a pure function of its text, asked again for every request
            return _parse_cached(url, insecure)
        return cls._parse(url, insecure=insecure)

    @classmethod
    def _parse(cls, url: str, *, insecure: bool = False) -> Endpoint:
        text = url.strip()
        scheme: str | None = None
        if "://" in text:
            scheme, _, text = text.partition("://")
            scheme = scheme.lower()
            if scheme not in ("http", "https"):
                raise ValidationError(
                    f"invalid registry URL {url!r}: the scheme must be http or https",
                    hint="Write the registry as [http://|https://]host[:port].",
                )
        text = text.rstrip("/")
        if text.endswith("/v2"):
            text = text[: -len("/v2")]
        if not text or "/" in text or not _HOST_RE.match(text):
            raise ValidationError(
                f"invalid registry URL {url!r}: expected [http://|https://]host[:port]",
                hint="For example: https://registry.example.com or http://localhost:5000.",
            )
        host = text.lower()
        if host in _DOCKER_HUB_NAMES:
            host = "docker.io"
        plain_ok = insecure or is_loopback(host)
        if scheme is None:
            scheme = "http" if plain_ok else "https"
        elif scheme == "http" and not plain_ok:
            raise ConfigurationError(
                f"plain HTTP to {host} is not allowed",
                hint="Use https://, or mark the registry insecure.",
                remedy=Remedy.ALLOW_PLAIN_HTTP,
                registry=host,
            )
        return cls(scheme, host)

    @property
    def api_host(self) -> str:
        """The host that serves the API (Docker Hub's differs from its name)."""
        return "registry-1.docker.io" if self.host == "docker.io" else self.host

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.api_host}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}"


@functools.lru_cache(maxsize=256)
def _parse_cached(url: str, insecure: bool) -> Endpoint:
    return Endpoint._parse(url, insecure=insecure)
