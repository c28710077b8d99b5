"""The schema of the config file: every settable dotted key, its type, default and meaning.

`KEYS` is the single source for validation, `rex config get/set`, the origin
report of `rex config` and the generated configuration reference. Defaults are
read from the `engine.config.model` dataclasses, so the two cannot drift apart.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from typing import Literal, TypeGuard

from engine.config.model import Config
from engine.config.secret_url import mask_url, redis_url_problem
from engine.errors import Remedy, ValidationError, shown
from engine.frozen import Frozen

__all__ = [
    "ALIASES",
    "KEYS",
    "SECTIONS",
    "Key",
    "SchemaMismatch",
    "default_of",
    "describe",
    "lookup",
    "value_of",
]

Kind = Literal["bool", "int", "seconds", "choice", "name", "text", "path", "redis_url"]

SECTIONS = ("output", "network", "cache", "tui", "registries")
"""Section order of the seeds' `rex config` listing."""

_MAX_INT = 2**63 - 1
"""TOML's integer range, so whatever `set` accepts can be written back."""
_MAX_SECONDS = 86400
_NAME_RE = re.compile(r"[a-z0-9_-]+")


@functools.cache
def _control_re() -> re.Pattern[str]:
    # Control characters break headers and terminals; lone surrogates (undecodable
    # bytes from argv or the environment) cannot be written to a UTF-8 file.
    # Compiled on first need: the surrogate range makes it ~0.7 ms of start-up.
    return re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def _has_control(value: str) -> bool:
    # A printable string has neither (both are non-printable), so most values
    # never need the pattern.
    return not value.isprintable() and _control_re().search(value) is not None


class SchemaMismatch(ValueError):
    """A value that does not fit its key; callers add where it came from."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Key(Frozen):
    """One settable dotted key of the config file."""

    name: str
    kind: Kind
    description: str
    choices: tuple[str, ...] = ()
    minimum: int = 0
    """Smallest value an "int" key accepts."""
    optional: bool = False
    """None (unset) is allowed; an empty string given to `set` unsets the key."""
    env: tuple[str, ...] = ()
    flag: str | None = None
    aliases: tuple[str, ...] = ()
    """Other dotted names of the key (the seeds' spelling), accepted by the file and `set`."""

    @property
    def default(self) -> object:
        return default_of(self.name)

    def expected(self) -> str:
        """What a valid value looks like, for error messages and docs."""
        text = {
            "bool": "true or false",
            "int": f"a whole number >= {self.minimum}",
            "seconds": "a number of seconds > 0 (at most a day)",
            "choice": "one of " + ", ".join(self.choices),
            "name": "a name of lowercase letters, digits, '-' and '_'",
            "text": "text without control characters",
            "path": "a path",
            "redis_url": "a redis:// or rediss:// URL (a password in it is never shown)",
        }[self.kind]
        return f"{text}, or empty to unset" if self.optional else text

    def check(self, value: object) -> object:
        """`value` as stored in `Config` if it fits this key, else SchemaMismatch."""
        if self.optional and (value is None or value == ""):
            return None
        if self.kind == "bool" and isinstance(value, bool):
            return value
        if self.kind == "int" and _is_int(value) and self.minimum <= value <= _MAX_INT:
            return value
        # Comparing first keeps NaN, infinities and huge integers away from float().
        if self.kind == "seconds" and _is_number(value) and 0 < value <= _MAX_SECONDS:
            return float(value)
        if isinstance(value, str) and not _has_control(value):
            if self.kind == "choice" and value in self.choices:
                return value
            if self.kind == "name" and _NAME_RE.fullmatch(value):
                return value
            if self.kind == "text" and value:
                return value
            if self.kind == "path" and value:
                # A config file is written by hand, and "~/..." is what people write.
                return os.path.expanduser(value)
            if self.kind == "redis_url":
                problem = redis_url_problem(value)
                if problem is None:
                    return value
                raise SchemaMismatch(f"{shown(mask_url(value))} is not usable: {problem}")
        raise SchemaMismatch(f"expected {self.expected()}, got {self.shown(value)}")

    def shown(self, value: object) -> str:
        """`value` for a message: as `describe` renders it, with any password masked."""
        if self.kind == "redis_url" and isinstance(value, str):
            return shown(mask_url(value))
        return describe(value)

    def display(self, value: object) -> object:
        """`value` as `rex config` may show it: a URL's password masked, the rest as is."""
        if self.kind == "redis_url" and isinstance(value, str):
            return mask_url(value)
        return value

    def parse(self, raw: str) -> object:
        """Parse `raw` text (from `set`, an env var or a flag) by this key's type."""
        text = raw.strip()
        if not text and self.optional:
            return None
        if self.kind == "bool":
            word = text.lower()
            if word in ("true", "yes", "on", "1"):
                return True
            if word in ("false", "no", "off", "0"):
                return False
            raise SchemaMismatch(f"expected true or false, got {shown(raw)}")
        if self.kind in ("int", "seconds"):
            try:
                number: int | float = int(text) if self.kind == "int" else float(text)
            except ValueError:
                raise SchemaMismatch(f"expected {self.expected()}, got {shown(raw)}") from None
            return self.check(number)
        return self.check(text)


def _is_int(value: object) -> TypeGuard[int]:
    # TOML booleans are Python ints; `retry_attempts = true` is a mistake, not 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[int | float]:
    return _is_int(value) or isinstance(value, float)


def describe(value: object) -> str:
    """A short, TOML-flavoured rendering of a wrong value for an error message."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return shown(repr(value), 30).strip("'")
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"


def value_of(config: Config, name: str) -> object:
    """The value of dotted key `name` in `config`."""
    node: object = config
    # The file's [registries] current is `Config.current`; the rest map one to one.
    for part in ["current"] if name == "registries.current" else name.split("."):
        node = getattr(node, part)
    return node


def default_of(name: str) -> object:
    """The built-in default of dotted key `name`, read from `Config()`."""
    return value_of(Config(), name)


_SCHEMA = (
    Key(
        "output.format",
        "choice",
        "Output format of printed results.",
        choices=("pretty", "json", "yaml"),
        env=("REX_OUTPUT_FORMAT",),
        flag="--format",
    ),
    Key(
        "output.color",
        "choice",
        "When to color output.",
        choices=("auto", "always", "never"),
        env=("REX_COLOR", "NO_COLOR"),
        flag="--color",
    ),
    Key("output.quiet", "bool", "Suppress progress and status messages.", flag="--quiet"),
    Key(
        "network.timeout",
        "seconds",
        "Request timeout in seconds.",
        env=("REX_TIMEOUT",),
        flag="--timeout",
    ),
    Key("network.retry_attempts", "int", "Retries of a request that failed transiently."),
    Key(
        "network.verify_tls",
        "bool",
        "Verify registries' TLS certificates.",
        env=("REX_NO_VERIFY_TLS",),
        flag="--no-verify-tls",
    ),
    Key("network.concurrency", "int", "Requests in flight at once per registry.", minimum=1),
    Key(
        "network.max_list_names",
        "int",
        "Most names a repository or tag listing may have before it is refused.",
        minimum=1,
    ),
    Key(
        "network.user_agent",
        "text",
        "User-Agent header sent to registries (unset: rex's own).",
        optional=True,
    ),
    Key(
        "cache.enabled",
        "bool",
        "Cache registry responses in memory and on disk.",
        env=("REX_NO_CACHE",),
        flag="--no-cache",
    ),
    Key(
        "cache.dir",
        "path",
        "Cache directory (unset: the platform's user cache directory). "
        "`cache.location` is the seeds' name for it; a file sets one or the other.",
        optional=True,
        env=("REX_CACHE_DIR",),
        flag="--cache-dir",
        aliases=("cache.location",),
    ),
    Key(
        "cache.backend",
        "choice",
        "Where answers are cached beyond memory: disk, or redis (disk plus a Redis shared "
        "by a team, at cache.redis_url).",
        choices=("disk", "redis"),
    ),
    Key(
        "cache.redis_url",
        "redis_url",
        "The shared Redis of cache.backend = redis, e.g. redis://:PASSWORD@host:6379/0 "
        "(rediss:// for TLS). Shown with the password masked.",
        optional=True,
        env=("REX_REDIS_URL",),
    ),
    Key("cache.ttl.catalog", "int", "Seconds a repository list stays fresh."),
    Key("cache.ttl.tags", "int", "Seconds a tag list stays fresh."),
    Key("cache.ttl.manifest", "int", "Seconds a manifest fetched by tag stays fresh."),
    Key("cache.ttl.config", "int", "Seconds an image config stays fresh."),
    Key("cache.limits.memory_entries", "int", "Most entries kept in memory.", minimum=1),
    Key("cache.limits.memory_size_mb", "int", "Most megabytes kept in memory.", minimum=1),
    Key("cache.limits.disk_entries", "int", "Most entries kept on disk.", minimum=1),
    Key("cache.limits.disk_size_mb", "int", "Most megabytes kept on disk.", minimum=1),
    Key("cache.limits.max_age_days", "int", "Days after which disk entries are pruned."),
    Key(
        "cache.behavior.consistency",
        "choice",
        "weak: serve fresh cache; strong: always revalidate; eventual: serve stale too.",
        choices=("weak", "strong", "eventual"),
        env=("REX_NO_CACHE",),
        flag="--no-cache",
    ),
    Key(
        "cache.behavior.serve_stale",
        "bool",
        "Show stale data at once while refreshing it in the background.",
    ),
    Key("tui.theme", "name", "Color theme: dark, light or one added in the config dir."),
    Key("tui.vim_bindings", "bool", "Use vim key bindings in the TUI."),
    Key(
        "tui.layout",
        "choice",
        "Pane layout: auto (by terminal width), columns or stacked.",
        choices=("auto", "columns", "stacked"),
    ),
    Key(
        "registries.current",
        "text",
        "Registry used when a reference names none (a [[registries.list]] name).",
        optional=True,
        env=("REX_REGISTRY",),
        flag="--registry",
    ),
)
KEYS: dict[str, Key] = {key.name: key for key in _SCHEMA}
ALIASES: dict[str, Key] = {alias: key for key in _SCHEMA for alias in key.aliases}
"""Another name -> its key, e.g. "cache.location" -> cache.dir."""


def lookup(name: str) -> Key:
    """The key called `name` (or an alias of it), or a ValidationError suggesting the closest."""
    key = KEYS.get(name) or ALIASES.get(name)
    if key is not None:
        return key
    import difflib

    close = difflib.get_close_matches(name, KEYS, n=1)
    problem = f"unknown configuration key {shown(name)}"
    if close:
        raise ValidationError(problem, hint=f"Did you mean {close[0]}?", setting=name)
    raise ValidationError(
        problem, hint="Every key is documented.", remedy=Remedy.LIST_SETTINGS, setting=name
    )
