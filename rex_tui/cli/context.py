"""What every command runs with: the loaded settings, the printer, the cache and the engine.

Heavy things are built on first use, so a command pays only for what it touches:
`version` never loads the cache, a warm `image NAME:TAG` never imports the
network stack (`engine.rex`, httpx, trio), and only login/logout/remove reach
the keyring (through `engine.transport.credentials`, which imports it lazily).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from engine import (
    Config,
    ConfigurationError,
    Endpoint,
    LoadedConfig,
    RegistryConfig,
    default_config_path,
    flag_overrides,
    is_loopback,
    relative_time,
)
from engine import load_config as load
from rex_tui.cli.output.color import Palette, color_wanted
from rex_tui.cli.output.printer import Printer
from rex_tui.cli.progress import Progress

if TYPE_CHECKING:
    from engine import Answer, Cache, CredentialStore, Plan, Rex

    Progressed = Callable[[int, int], None]

__all__ = ["Context", "pin_given_registry", "registry_for"]

_T = TypeVar("_T")

_NO_CACHE_ORIGINS = ("flag", "env:REX_NO_CACHE")


def registry_for(config: Config, wanted: str | None) -> RegistryConfig:
    """The registry a name, URL or host (None: the current one) means, without the network.

    Mirrors `Rex.registry_config`, which lives beside httpx; the warm cache path
    and the cache commands must not import that.
    """
    wanted = wanted or config.current
    if wanted is None:
        return RegistryConfig(name=config.default_registry, url=config.default_registry)
    found = config.find_registry(wanted)
    if found is not None:
        return found
    host = Endpoint.parse(wanted, insecure=True).host
    return _configured_at(config, host) or RegistryConfig(name=host, url=wanted)


def pin_given_registry(config: Config) -> Config:
    """`config` where a current registry given as a URL (-r, REX_REGISTRY) answers for its host.

    The engine finds a reference's registry by host, and an unconfigured host gets
    the default scheme (plain HTTP on loopback, HTTPS elsewhere). Listing the given
    URL first, under its own text as name, makes every command (catalog, tags, one
    image, search) reach the scheme the user wrote; settings of a configured
    registry at that host (ca_file, skip_verify, insecure) carry over. An explicit
    `http://` is the user's consent to plain HTTP, as `registry init --insecure` is.
    """
    wanted = config.current
    if wanted is None or "://" not in wanted or config.find_registry(wanted) is not None:
        return config
    endpoint = Endpoint.parse(wanted, insecure=True)
    configured = _configured_at(config, endpoint.host)
    plain = endpoint.scheme == "http"
    given = (
        RegistryConfig(name=wanted, url=str(endpoint), insecure=plain)
        if configured is None
        else replace(
            configured, name=wanted, url=str(endpoint), insecure=configured.insecure or plain
        )
    )
    return replace(config, registries=(given, *config.registries))


def _configured_at(config: Config, host: str) -> RegistryConfig | None:
    """The first registry of the config file at `host[:port]`, if any."""
    return next(
        (rc for rc in config.registries if Endpoint.parse(rc.url, insecure=True).host == host),
        None,
    )


def plain_http_warning(config: Config) -> str | None:
    """The warning an explicit `http://` registry off this machine deserves, if any.

    None for loopback, HTTPS, and a registry the config file already marks insecure
    (a standing decision, like verify_tls in the file).
    """
    wanted = config.current
    if wanted is None or not wanted.lower().startswith("http://"):
        return None
    host = Endpoint.parse(wanted, insecure=True).host
    configured = _configured_at(config, host)
    if is_loopback(host) or (configured is not None and configured.insecure):
        return None
    return (
        f"plain HTTP to {host}: the connection is not encrypted, so anyone on the "
        "network path can read or change it."
    )


def host_of(registry: RegistryConfig) -> str:
    """`host[:port]` of a registry, as cache keys and credential stores name it."""
    return Endpoint.parse(registry.url, insecure=True).host


def url_of(registry: RegistryConfig) -> str:
    """A registry's URL as people read it: scheme and host."""
    return str(Endpoint.parse(registry.url, insecure=True))


def _load(args: argparse.Namespace, env: Mapping[str, str], *, tolerant: bool) -> LoadedConfig:
    overrides = flag_overrides(
        registry=args.registry,
        output_format=args.format,
        color=args.color,
        quiet=args.quiet,
        timeout=args.timeout,
        no_verify_tls=args.no_verify_tls,
        no_cache=args.no_cache,
        cache_dir=args.cache_dir,
    )
    path = Path(args.config).expanduser() if args.config else None
    try:
        return load(path, env=env, overrides=overrides)
    except Exception as exc:
        if not tolerant or not isinstance(exc, ConfigurationError):
            raise
        # `config edit` exists to fix a broken file and `version` should always answer:
        # they run on defaults + environment + flags when the file does not load.
        return load(Path(os.devnull), env=env, overrides=overrides)


class Context:
    """One command's settings and services; `close()` saves cache statistics."""

    def __init__(self, args: argparse.Namespace, env: Mapping[str, str]) -> None:
        self.args = args
        self.env = env
        self.loaded = _load(args, env, tolerant=not getattr(args, "loads_config", True))
        config = self.loaded.config
        fmt = config.output.format
        # The seeds' default: pretty for a person, YAML for a program reading a pipe.
        if self.loaded.origin("output.format") == "default" and not _isatty(sys.stdout):
            fmt = "yaml"
        self.format_chosen = self.loaded.origin("output.format") != "default"
        quiet = config.output.quiet
        self.printer = Printer(
            fmt,
            Palette(color_wanted(config.output.color, sys.stdout)),
            quiet=quiet,
            stdout=sys.stdout,
            stderr=sys.stderr,
            err_palette=Palette(color_wanted(config.output.color, sys.stderr)),
        )
        self.progress = Progress(sys.stderr, enabled=not quiet and _isatty(sys.stderr))
        self._cache: Cache | None = None
        self._browsing: Config | None = None
        self.offline = bool(getattr(args, "offline", False))
        # --no-cache / REX_NO_CACHE: nothing read from the cache, every answer written to
        # it, unless the cache was off before the flag (then it stays off).
        self.write_through = (
            self.loaded.origin("cache.enabled") in _NO_CACHE_ORIGINS
            and not self.offline
            and self._cache_was_enabled()
        )

    @property
    def config(self) -> Config:
        return self.loaded.config

    @property
    def browsing(self) -> Config:
        """The config the engine runs with: `config` plus the registry -r gave as a URL."""
        if self._browsing is None:
            config = pin_given_registry(self.config)
            if self.offline or self.write_through:  # the engine reads at this level
                cache = config.cache
                behavior = replace(cache.behavior, consistency=self.consistency)
                config = replace(config, cache=replace(cache, behavior=behavior))
            self._browsing = config
        return self._browsing

    @property
    def config_path(self) -> Path:
        """The config file commands edit: --config, else REX_CONFIG, else the default path."""
        if self.args.config:
            return Path(self.args.config).expanduser()

        return default_config_path(self.env)

    def _cache_was_enabled(self) -> bool:
        """cache.enabled as the file and defaults have it, before --no-cache."""
        return _file_cache_enabled(self.loaded)

    @property
    def consistency(self) -> str:
        """The read level: offline, fresh (--no-cache), else cache.behavior.consistency."""
        if self.offline:
            return "offline"
        if self.write_through:
            return "fresh"
        return self.config.cache.behavior.consistency

    @property
    def cache_enabled(self) -> bool:
        """Whether answers are read from or written to the disk cache."""
        return self.config.cache.enabled or self.write_through

    def answer(
        self,
        plan_for: Callable[[str, float, Progressed | None], Plan[Answer[_T]]],
        label: str | None = None,
    ) -> Answer[_T]:
        """Run a read plan: on the cache alone when it can answer, else with the registry.

        `plan_for(consistency, now, progress)` builds the plan. The cache-only try
        imports neither trio nor httpx; a plan that needs a request is run again
        from the start with the network (the cache it read is warm by then).
        """
        from engine import NeedsNetwork, OfflineMiss, run_cached

        level = self.consistency
        if level != "fresh":
            cache = self.cache()
            try:
                return run_cached(plan_for(level, cache.now(), None), cache)
            except NeedsNetwork:
                if self.offline:
                    raise OfflineMiss("offline, and the answer needs the registry") from None

        async def online(rex: Rex) -> Answer[_T]:
            now = self.cache().now()
            if label is None:
                return await rex.read(plan_for(level, now, None))
            with self.progress.labelled(label) as progress:
                return await rex.read(plan_for(level, now, progress))

        return self.run(online)

    def say_age(self, answer: Answer[object]) -> None:
        """Offline, a note on stderr of how old the answer is."""
        if not self.offline:
            return
        from datetime import UTC, datetime, timedelta

        if answer.age is None:
            self.printer.note("offline: answer from the cache")
            return
        when = datetime.now(UTC) - timedelta(seconds=answer.age)
        self.printer.note(f"offline: answer from the cache, fetched {relative_time(when)}")

    def registry(self, wanted: str | None = None) -> RegistryConfig:
        """The registry a name, URL or host (None: the current one) means, as the engine sees it."""
        return registry_for(self.browsing, wanted)

    def cache_root(self) -> Path:
        if self.config.cache.dir:
            return Path(self.config.cache.dir).expanduser()
        import platformdirs

        return Path(platformdirs.user_cache_dir("rex", appauthor=False))

    def cache(self) -> Cache:
        """The response cache (memory only with --no-cache), cleaned up once a day on a
        thread of its own, so the cleanup never delays the answer."""
        if self._cache is None:
            from engine import Cache

            root = self.cache_root() if self.cache_enabled else None
            config = self.config.cache
            if self.write_through:
                config = replace(config, enabled=True)
            self._cache = Cache(root, config=config)
            self._cache.start_cleanup()
        return self._cache

    def managed_cache(self) -> Cache:
        """The cache on disk whatever cache.enabled says: the cache commands manage files."""
        from engine import Cache

        return Cache(self.cache_root(), config=self.config.cache)

    def credentials(self) -> CredentialStore:
        from engine import CredentialStore

        return CredentialStore(env=self.env)

    def rex(self, config: Config | None = None) -> Rex:
        _skip_httpx_cli()
        from engine import Rex

        return Rex(config or self.browsing, credentials=self.credentials(), cache=self.cache())

    def run(self, work: Callable[[Rex], Awaitable[_T]], config: Config | None = None) -> _T:
        """Run `work(rex)` on trio; Ctrl+C surfaces as KeyboardInterrupt to the caller."""
        import trio

        async def main() -> _T:
            async with self.rex(config) as rex:
                return await work(rex)

        return trio.run(main)

    def close(self) -> None:
        if self._cache is not None:
            self._cache.flush()


def _file_cache_enabled(loaded: LoadedConfig) -> bool:
    """cache.enabled without the --no-cache override: the file's value, else the default."""
    if loaded.origin("cache.enabled") not in _NO_CACHE_ORIGINS or not loaded.file_exists:
        return True
    try:
        from engine import load_config

        return load_config(loaded.path, env={}).config.cache.enabled
    except Exception:  # the file already loaded once; whatever fails now, do not write
        return False


def _skip_httpx_cli() -> None:
    """Keep httpx from importing its command-line tool, which rex never runs.

    httpx's `__init__` imports `httpx._main` (click, rich and pygments) whenever those
    happen to be installed: ~17 ms of start-up and a pygments import print mode must
    not pay. A None entry in sys.modules makes that import fail, and httpx then
    defines a stub `httpx.main` instead, as it does when they are not installed.
    """
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False
