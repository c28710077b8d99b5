"""Settings the engine and the app run with: output, network, cache, TUI and registries.

This module holds plain typed values only; reading and writing the TOML file
lives in `engine.config.settings`, so the engine can be embedded with settings built
in code. Every default here is the documented default of the config file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.frozen import Frozen

__all__ = [
    "CacheBehavior",
    "CacheConfig",
    "CacheLimits",
    "CacheTTL",
    "Config",
    "NetworkConfig",
    "OutputConfig",
    "RegistryConfig",
    "TuiConfig",
]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RegistryConfig(Frozen):
    """One configured registry, as `[[registries.list]]` in the config file."""

    name: str
    url: str
    insecure: bool = False
    """Allow plain HTTP (loopback addresses allow it without this)."""
    skip_verify: bool = False
    ca_file: str | None = None
    repositories: tuple[str, ...] = ()
    """Repositories to browse when the registry's catalog is closed."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class OutputConfig(Frozen):
    """How results are printed (`[output]`)."""

    format: str = "pretty"
    """pretty, json or yaml; the app may pick yaml for a pipe while this is a default."""
    color: str = "auto"
    """auto, always or never."""
    quiet: bool = False


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class NetworkConfig(Frozen):
    """How requests are made (`[network]`)."""

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
    max_list_names: int = 1_000_000
    """A catalog or tag listing longer than this is an error (a registry paging forever)."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CacheTTL(Frozen):
    """Seconds each kind of entry stays fresh (`[cache.ttl]`)."""

    catalog: int = 300
    tags: int = 300
    manifest: int = 86400
    config: int = 86400


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CacheLimits(Frozen):
    """Bounds that trigger eviction (`[cache.limits]`)."""

    memory_entries: int = 1000
    memory_size_mb: int = 100
    disk_entries: int = 10000
    disk_size_mb: int = 1024
    max_age_days: int = 30
    """Disk entries older than this are pruned whatever their kind."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CacheBehavior(Frozen):
    """What a read may return (`[cache.behavior]`)."""

    consistency: str = "weak"
    """weak, strong or eventual; strong never returns expired data."""
    serve_stale: bool = True
    """Show stale data at once and refresh it in the background."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CacheConfig(Frozen):
    """The response cache (`[cache]`)."""

    enabled: bool = True
    ttl: CacheTTL = field(default_factory=CacheTTL)
    limits: CacheLimits = field(default_factory=CacheLimits)
    behavior: CacheBehavior = field(default_factory=CacheBehavior)
    dir: str | None = None
    """None means the platform's user cache directory."""
    backend: str = "disk"
    """disk (memory and disk) or redis (memory, disk and a shared Redis as a further tier)."""
    redis_url: str | None = None
    """redis:// or rediss:// URL of the shared cache; may hold a password, so never show it
    unmasked (engine.config.schema.mask_url)."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TuiConfig(Frozen):
    """The full-screen interface (`[tui]`)."""

    theme: str = "dark"
    """A bundled theme or one the user added under the config directory."""
    vim_bindings: bool = True
    layout: str = "auto"
    """auto (by terminal width), columns (panes side by side) or stacked."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Config(Frozen):
    """Everything rex runs with; built in code or by `engine.settings.load`."""

    network: NetworkConfig = field(default_factory=NetworkConfig)
    registries: tuple[RegistryConfig, ...] = ()
    current: str | None = None
    """The registry used when a reference names none: a configured registry's name,
    or, when it comes from REX_REGISTRY or --registry, possibly a URL or host."""
    default_registry: str = "localhost:5000"
    """Used when nothing is current (the seeds' Zot default)."""
    output: OutputConfig = field(default_factory=OutputConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)
    tui: TuiConfig = field(default_factory=TuiConfig)

    def find_registry(self, name: str) -> RegistryConfig | None:
        """The configured registry called `name`, if any."""
        return next((r for r in self.registries if r.name == name), None)
