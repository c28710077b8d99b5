"""Loading the configuration (defaults < file < environment < flags) and editing the file.

The file is TOML at `default_config_path()`; its keys are `engine.config.schema.KEYS`.
Environment variables (seeds section 2.9), where "set" means non-empty:

    REX_CONFIG          the config file instead of the default path
    REX_REGISTRY        registries.current: a configured name, or a registry URL/host
    REX_OUTPUT_FORMAT   output.format
    REX_COLOR           output.color; wins over NO_COLOR
    NO_COLOR            when set, output.color = never (no-color.org)
    REX_TIMEOUT         network.timeout, a positive number of seconds
    REX_NO_VERIFY_TLS   when set, network.verify_tls = false
    REX_NO_CACHE        when set, cache.enabled = false and consistency = strong
    REX_CACHE_DIR       cache.dir
    REX_REDIS_URL       cache.redis_url (keeps a Redis password out of the config file)

Decisions where the seeds leave room:

- REX_REGISTRY overrides the file's `current`, like every other variable; one
  line of the seeds says the reverse, but the precedence order they and the
  design state everywhere else wins. `Config.current` then holds what was given,
  which may be a URL or host rather than a name; `Rex.registry_config` accepts
  either, and a configured registry at that host keeps its settings.
- `--no-cache` / REX_NO_CACHE "bypass the cache and force strong consistency":
  both `cache.enabled = false` (nothing read or written) and
  `cache.behavior.consistency = strong` are set (`NO_CACHE`), so code that
  looks at either behaves the same.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from engine.config.model import Config, RegistryConfig
from engine.config.schema import KEYS, Key, SchemaMismatch, lookup, value_of
from engine.errors import ConfigurationError, Remedy, ValidationError, shown
from engine.frozen import Frozen
from engine.transport.endpoint import Endpoint

# Start-up: reading, checking and writing the file (tomllib, tomlkit, the line
# scanner) is imported only when a file exists or is edited; see `load`.
if TYPE_CHECKING:
    from engine.config.file import Document

_T = TypeVar("_T")

__all__ = [
    "KEYS",
    "NO_CACHE",
    "LoadedConfig",
    "add_registry",
    "add_repository",
    "default_config_path",
    "flag_overrides",
    "get_value",
    "load",
    "remove_registry",
    "remove_repository",
    "set_current_registry",
    "set_value",
]

NO_CACHE: Mapping[str, object] = {"cache.enabled": False, "cache.behavior.consistency": "strong"}
"""What --no-cache and REX_NO_CACHE set."""


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """REX_CONFIG, else `$XDG_CONFIG_HOME/rex/config.toml`, else the platform's config dir."""
    env = os.environ if env is None else env
    if env.get("REX_CONFIG"):
        return Path(env["REX_CONFIG"]).expanduser()
    # platformdirs reads os.environ only; honouring the given mapping keeps tests hermetic.
    xdg = env.get("XDG_CONFIG_HOME", "").strip()
    if xdg:
        return Path(xdg).expanduser() / "rex" / "config.toml"
    import platformdirs

    return platformdirs.user_config_path("rex", appauthor=False) / "config.toml"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class LoadedConfig(Frozen):
    """A `Config` with the file it came from and the origin of every value."""

    config: Config
    path: Path
    origins: Mapping[str, str]
    """Dotted key -> "file", "env:VAR" or "flag"; keys left at their default are absent."""
    file_exists: bool = False

    def origin(self, key: str) -> str:
        """One of "default", "file", "env:REX_..." or "flag"."""
        return self.origins.get(lookup(key).name, "default")

    def items(self) -> list[tuple[str, object, str]]:
        """(key, value, origin) for every key, sections in the seeds' order."""
        return [(name, get_value(self, name), self.origin(name)) for name in KEYS]


def load(
    path: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> LoadedConfig:
    """Build the configuration: defaults < file < environment < `overrides` (the flags).

    `path` is --config; None means REX_CONFIG or the default path, and only a
    missing file at the default path is fine. `overrides` maps dotted keys to
    values, typed or as text; a None value means the flag was not given.
    """
    env = os.environ if env is None else env
    explicit = path is not None or bool(env.get("REX_CONFIG"))
    path = path if path is not None else default_config_path(env)
    registries: tuple[RegistryConfig, ...] = ()
    values: dict[str, object] = {}
    # No file at the default path is the common case: defaults, without importing
    # the TOML reader and validator. Anything else (even an unreadable path) goes
    # through read_document, which reports it.
    if explicit or not _missing(path):
        from engine.config.file import read_document, validate_document

        doc, text = read_document(path, required=explicit)
        found = validate_document(doc, text, path)
        registries, values = found.registries, dict(found.values)
    origins = dict.fromkeys(values, "file")
    names = [r.name for r in registries]
    for name, (value, origin) in _from_env(env, names).items():
        values[name], origins[name] = value, origin
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = _flag_value(lookup(name), value, names)
            origins[name] = "flag"
    config = replace(_fill(Config(), "", values), registries=registries)
    return LoadedConfig(config, path, origins, file_exists=path.is_file())


def _missing(path: Path) -> bool:
    """Whether `path` does not exist, exactly as `read_document` sees it (FileNotFoundError)."""
    try:
        path.stat()
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False
    return False


def _edit(path: Path, change: Callable[[Document], _T]) -> _T:
    from engine.config.edit import edit_document

    return edit_document(path, change)


def _fill(section: Any, prefix: str, values: Mapping[str, object]) -> Any:
    # Walks the dataclass tree so a key added to engine.config.model needs no code here.
    changes: dict[str, object] = {}
    for item in fields(section):
        name = "registries.current" if prefix + item.name == "current" else prefix + item.name
        current = getattr(section, item.name)
        if is_dataclass(current):
            changes[item.name] = _fill(current, name + ".", values)
        elif name in values:
            changes[item.name] = values[name]
    return replace(section, **changes)


def _from_env(env: Mapping[str, str], names: list[str]) -> dict[str, tuple[object, str]]:
    found: dict[str, tuple[object, str]] = {}

    def parse(var: str, name: str) -> None:
        raw = env.get(var, "")
        if raw.strip():
            key = KEYS[name]
            try:
                found[name] = (key.parse(raw), f"env:{var}")
            except SchemaMismatch as exc:
                hint = f"Unset {var} or give it {key.expected()}."
                raise ValidationError(f"{var}: {exc}", hint=hint, setting=name) from None

    if env.get("NO_COLOR"):
        found["output.color"] = ("never", "env:NO_COLOR")
    parse("REX_COLOR", "output.color")
    parse("REX_OUTPUT_FORMAT", "output.format")
    parse("REX_TIMEOUT", "network.timeout")
    parse("REX_CACHE_DIR", "cache.dir")
    parse("REX_REDIS_URL", "cache.redis_url")
    if env.get("REX_NO_VERIFY_TLS"):
        found["network.verify_tls"] = (False, "env:REX_NO_VERIFY_TLS")
    if env.get("REX_NO_CACHE"):
        found.update({name: (value, "env:REX_NO_CACHE") for name, value in NO_CACHE.items()})
    registry = env.get("REX_REGISTRY", "").strip()
    if registry:
        found["registries.current"] = (
            _registry_choice(registry, names, "REX_REGISTRY"),
            "env:REX_REGISTRY",
        )
    return found


def _flag_value(key: Key, value: object, names: list[str]) -> object:
    source = key.flag or key.name
    if key.name == "registries.current":
        if not isinstance(value, str):
            raise ValidationError(f"{source}: expected a registry name or URL")
        return _registry_choice(value.strip(), names, source)
    try:
        return key.parse(value) if isinstance(value, str) else key.check(value)
    except SchemaMismatch as exc:
        raise ValidationError(f"{source}: {exc}", hint=key.description, setting=key.name) from None


def _registry_choice(value: str, names: list[str], source: str) -> str:
    """`value` if it names a configured registry or looks like a registry's address."""
    if value in names:
        return value
    if "@" in value:
        raise ValidationError(
            f"{source}: the registry holds credentials", hint=_LOGIN, remedy=Remedy.LOGIN
        )
    # Docker's rule for "is this a host": a dot, a port, or localhost. Anything
    # else is a registry name, most likely a typo of a configured one.
    if "." in value or ":" in value or value.lower() == "localhost":
        try:
            Endpoint.parse(value, insecure=True)
            return value
        except (ValidationError, ConfigurationError) as exc:
            raise ValidationError(
                f"{source}: {exc.message}", hint=exc.hint, remedy=exc.remedy, registry=exc.registry
            ) from None
    hint, remedy = _did_you_mean(value, names)
    raise ValidationError(f"{source}: no registry called {shown(value)}", hint=hint, remedy=remedy)


_LOGIN = "Give the registry without credentials."


def _did_you_mean(value: str, names: list[str]) -> tuple[str, Remedy | None]:
    """The hint after "no registry called VALUE", and the remedy when it is to add one."""
    import difflib

    close = difflib.get_close_matches(value, names, n=1)
    if close:
        return f"Did you mean {close[0]}?", None
    if names:
        return "Configured registries: " + ", ".join(names) + ".", None
    return "Add it to the configuration, or give a URL.", Remedy.ADD_REGISTRY


def flag_overrides(
    *,
    registry: str | None = None,
    output_format: str | None = None,
    color: str | None = None,
    quiet: bool = False,
    timeout: float | str | None = None,
    no_verify_tls: bool = False,
    no_cache: bool = False,
    cache_dir: str | None = None,
) -> dict[str, object]:
    """`load`'s overrides from the global command-line options; --no-color is color="never"."""
    given: dict[str, object] = {
        "registries.current": registry,
        "output.format": output_format,
        "output.color": color,
        "output.quiet": True if quiet else None,
        "network.timeout": timeout,
        "network.verify_tls": False if no_verify_tls else None,
        "cache.dir": cache_dir,
    }
    if no_cache:
        given.update(NO_CACHE)
    return {name: value for name, value in given.items() if value is not None}


def get_value(loaded: LoadedConfig, key: str) -> object:
    """The effective value of dotted `key` as it may be shown (a URL's password masked).

    An unknown key is a ValidationError. Code that needs the real value reads `Config`.
    """
    spec = lookup(key)
    return spec.display(value_of(loaded.config, spec.name))


def set_value(path: Path, key: str, raw: str) -> object:
    """Parse `raw` by `key`'s type, store it in the file at `path` and return it as shown.

    An empty `raw` unsets an optional key. The change is made under the file's
    writer lock, keeping every other key, comment and the order (engine.config.edit).
    """
    spec = lookup(key)
    try:
        value = spec.parse(raw)
    except SchemaMismatch as exc:
        raise ValidationError(
            f"{spec.name}: {exc}", hint=spec.description, setting=spec.name
        ) from None
    if spec.name == "registries.current":
        set_current_registry(path, value if isinstance(value, str) else None)
        return value
    # Whole seconds stay integers in the file, as people write them.
    stored = int(value) if isinstance(value, float) and value.is_integer() else value
    *parents, leaf = spec.name.split(".")
    # Every spelling of the key in its table (cache.dir, cache.location): the file
    # keeps the one it has, else the one typed, and never two.
    spellings = [
        name.rpartition(".")[2]
        for name in dict.fromkeys((key, spec.name, *spec.aliases))
        if name.rpartition(".")[0] == ".".join(parents)
    ]

    def change(doc: Document) -> None:
        table = doc
        for depth, part in enumerate(parents, 1):
            child = table.setdefault(part, {})
            if not isinstance(child, dict):
                dotted = ".".join(parents[:depth])
                raise ConfigurationError(
                    f"{path}: {dotted} is not a table", hint=f"Make it a [{dotted}] section."
                )
            table = child
        present = [name for name in spellings if name in table]
        for name in present[1:]:
            del table[name]
        if stored is None:
            table.pop(present[0] if present else leaf, None)
        else:
            table[present[0] if present else spellings[0]] = stored

    _edit(path, change)
    return spec.display(value)


def _registries(doc: Document, path: Path) -> tuple[Document, list[Document]]:
    """The [registries] table and its list, created when missing."""
    table = doc.setdefault("registries", {})
    entries = table.setdefault("list", []) if isinstance(table, dict) else None
    if not isinstance(table, dict) or not isinstance(entries, list):
        raise ConfigurationError(
            f"{path}: registries is not a [registries] table with [[registries.list]] entries",
            hint="Fix the [registries] section of the file.",
        )
    return table, entries


def _entry(entries: list[Document], name: str) -> Document:
    for entry in entries:
        if isinstance(entry, dict) and entry.get("name") == name:
            return entry
    names = [str(e.get("name")) for e in entries if isinstance(e, dict)]
    hint, remedy = _did_you_mean(name, names)
    raise ValidationError(f"no registry called {shown(name)}", hint=hint, remedy=remedy)


def _tidy(doc: Document, table: Document, entries: list[Document]) -> None:
    # Leave no empty [registries] behind when the last registry goes.
    if not entries:
        table.pop("list", None)
    if not table:
        doc.pop("registries", None)


def add_registry(path: Path, registry: RegistryConfig, *, set_current: bool = False) -> None:
    """Add `registry` to the file (never with credentials); a taken name is a ValidationError."""
    from engine.config.file import REGISTRY_NAME, REGISTRY_NAME_HINT, registry_entry, registry_url
    from engine.oci.reference import validate_repository

    if not REGISTRY_NAME.fullmatch(registry.name):
        raise ValidationError(
            f"invalid registry name {shown(registry.name)}",
            hint=REGISTRY_NAME_HINT,
        )
    try:
        url = registry_url(registry.url, insecure=registry.insecure)
    except ConfigurationError as exc:
        raise ValidationError(
            exc.message, hint=exc.hint, remedy=exc.remedy, registry=exc.registry
        ) from None
    for repo in registry.repositories:
        validate_repository(repo)
    entry = registry_entry(replace(registry, url=url))

    def change(doc: Document) -> None:
        table, entries = _registries(doc, path)
        if any(isinstance(e, dict) and e.get("name") == registry.name for e in entries):
            raise ValidationError(
                f"a registry called {registry.name!r} already exists",
                hint="Pick another name, or remove that registry first.",
                remedy=Remedy.REMOVE_REGISTRY,
                registry=registry.name,
            )
        entries.append(entry)
        if set_current:
            table["current"] = registry.name

    _edit(path, change)


def remove_registry(path: Path, name: str) -> RegistryConfig:
    """Remove the registry called `name` and return it; if it was current, none is."""
    from engine.config.file import validate_document

    def change(doc: Document) -> RegistryConfig:
        table, entries = _registries(doc, path)
        entry = _entry(entries, name)
        alone = validate_document({"registries": {"list": [entry]}}, "", path)
        entries.remove(entry)
        if table.get("current") == name:
            del table["current"]
        _tidy(doc, table, entries)
        return alone.registries[0]

    return _edit(path, change)


def set_current_registry(path: Path, name: str | None) -> None:
    """Make the registry called `name` current; None leaves none current."""

    def change(doc: Document) -> None:
        table, entries = _registries(doc, path)
        if name is None:
            table.pop("current", None)
        else:
            table["current"] = _entry(entries, name)["name"]
        _tidy(doc, table, entries)

    _edit(path, change)


def add_repository(path: Path, registry_name: str, repo: str) -> None:
    """List `repo` under a registry whose catalog is closed; listing it twice is an error."""
    from engine.oci.reference import validate_repository

    validate_repository(repo)

    def change(doc: Document) -> None:
        entry = _entry(_registries(doc, path)[1], registry_name)
        repos = entry.setdefault("repositories", [])
        if isinstance(repos, list) and repo in repos:
            raise ValidationError(
                f"{repo} is already listed for {registry_name}", hint="Nothing to do."
            )
        if isinstance(repos, list):
            repos.append(repo)

    _edit(path, change)


def remove_repository(path: Path, registry_name: str, repo: str) -> None:
    """Stop listing `repo` under the registry called `registry_name`."""

    def change(doc: Document) -> None:
        entry = _entry(_registries(doc, path)[1], registry_name)
        repos = entry.get("repositories")
        if not isinstance(repos, list) or repo not in repos:
            raise ValidationError(
                f"{shown(repo)} is not listed for {registry_name}",
                hint="The configuration lists each registry's repositories.",
                remedy=Remedy.LIST_REGISTRIES,
                registry=registry_name,
                repository=repo,
            )
        repos.remove(repo)
        if not repos:
            del entry["repositories"]

    _edit(path, change)
