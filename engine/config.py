"""Settings the engine runs with: network behaviour and the configured registries.

This module holds plain typed values only; reading and writing the TOML file
lives with the configuration file support, so the engine can be embedded with
settings built in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Config", "NetworkConfig", "RegistryConfig"]


@dataclass(frozen=True, slots=True)
class RegistryConfig:
    """One configured registry, as `[[registries.list]]` in the config file."""

    name: str
    url: str
    insecure: bool = False
    """Allow plain HTTP (loopback addresses allow it without this)."""
    skip_verify: bool = False
    ca_file: str | None = None
    repositories: tuple[str, ...] = ()
    """Repositories to browse when the registry's catalog is closed."""


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    timeout: float = 30.0
    retry_attempts: int = 3
    """Retries after the first try, for transient failures only."""
    verify_tls: bool = True
    concurrency: int = 16
    """Requests in flight at once, per registry."""
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    max_retry_after: float = 60.0
    """A longer Retry-After fails at once with a rate-limit error instead of waiting."""
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    network: NetworkConfig = field(default_factory=NetworkConfig)
    registries: tuple[RegistryConfig, ...] = ()
    current: str | None = None
    """Name of the registry used when a reference names none."""
    default_registry: str = "localhost:5000"

    def find_registry(self, name: str) -> RegistryConfig | None:
        return next((r for r in self.registries if r.name == name), None)
