"""Every error the engine raises, and nothing else escapes it.

An error is a kind (its class) and facts (its attributes). It knows no exit
code, no command-line flag and no key: the front ends decide those
(`rex_tui.cli.errors` maps kinds to the seeds' exit codes and CLI hints, the
TUI maps them to key hints)::

    RexError                      anything without a better home
    ├── NetworkError              connection refused, DNS, TLS, reset, timeout
    │   ├── RequestTimeout        the registry did not answer in time
    │   └── RateLimitError        429 after every retry; try again later
    ├── AuthenticationError       401: missing or wrong credentials, bad token
    │   └── PermissionDeniedError 403 or insufficient_scope
    ├── NotFoundError             404: repository, tag, manifest, blob, platform
    ├── ServerError               5xx after every retry, or an unexpected status
    ├── ContentError              the registry sent something we refuse:
    │                             digest mismatch, bad JSON, oversize manifest
    ├── ValidationError           input that does not parse: reference, digest,
    │                             platform, header, URL, setting
    ├── ConfigurationError        invalid configuration or credential store
    └── CacheError                a cache failure that cannot be worked around

The facts a front end needs for its own hint: `hint` (neutral advice, never a
flag or a command), `remedy` (what the person can do about it, named once,
so each front end words it its own way: a flag, a command or a key), and
`registry`, `repository`, `reference`, `platform`, `available_platforms`,
`setting` (a configuration key), `path`, `status`, `limit` and `details`
where they apply.

Messages never contain a secret: callers pass the registry's host, never a
URL with credentials, and authentication errors never quote a header.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from engine.frozen import Frozen

__all__ = [
    "AuthenticationError",
    "CacheError",
    "ConfigurationError",
    "ContentError",
    "NetworkError",
    "NotFoundError",
    "OfflineMiss",
    "PermissionDeniedError",
    "RateLimitError",
    "RegistryErrorDetail",
    "Remedy",
    "RequestTimeout",
    "RexError",
    "ServerError",
    "ValidationError",
    "leaves",
    "primary",
    "shown",
]


def leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside trio's (nested) exception groups, in order; `[exc]` otherwise."""
    if not isinstance(exc, BaseExceptionGroup):
        return [exc]
    found: list[BaseException] = []
    for inner in exc.exceptions:
        found.extend(leaves(inner))
    return found or [exc]


def primary(exc: BaseException, *preferred: type[BaseException]) -> BaseException:
    """The one exception to act on: the first leaf of the first `preferred` kind, else the first.

    One failed tag inside a nursery arrives as an ExceptionGroup; a person should
    see that tag's error, not "Exceptions from Trio nursery".
    """
    found = leaves(exc)
    for kind in preferred:
        for leaf in found:
            if isinstance(leaf, kind):
                return leaf
    return found[0]


def shown(value: str, limit: int = 80) -> str:
    """`value` quoted for an error message, cut to `limit` characters."""
    return repr(value if len(value) <= limit else value[: limit - 3] + "...")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RegistryErrorDetail(Frozen):
    """One entry of the registry's `{"errors": [...]}` response body."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


class Remedy(StrEnum):
    """What a person can do about an error, for a front end to word as a flag, command or key."""

    LOGIN = "login"
    """Log in to `registry` (store credentials for it)."""
    LOGOUT = "logout"
    """Remove the stored credentials of `registry`."""
    CHOOSE_CONFIG = "choose-config"
    """Point at another configuration file than `path`."""
    CREATE_CONFIG = "create-config"
    """Create the configuration file `path` by setting a value."""
    SET_SETTING = "set-setting"
    """Give the configuration key `setting` a valid value."""
    LIST_SETTINGS = "list-settings"
    """See every configuration key and its value."""
    EDIT_CONFIG = "edit-config"
    """Edit the configuration file by hand."""
    ADD_REGISTRY = "add-registry"
    """Add a registry to the configuration."""
    REMOVE_REGISTRY = "remove-registry"
    """Remove the registry `registry` from the configuration first."""
    LIST_REGISTRIES = "list-registries"
    """See the configured registries and the repositories listed for them."""
    LIST_REPOSITORIES = "list-repositories"
    """See the repositories the registry holds, to check a name."""
    PICK_PLATFORM = "pick-platform"
    """Ask for one of `available_platforms`."""
    DROP_PLATFORM = "drop-platform"
    """Ask for no platform (or for `available_platforms`), not `platform`."""
    SKIP_TLS_VERIFY = "skip-tls-verify"
    """Turn TLS verification off for `registry`, if the network is trusted."""
    ALLOW_PLAIN_HTTP = "allow-plain-http"
    """Mark `registry` insecure, so plain HTTP is allowed."""
    RAISE_TIMEOUT = "raise-timeout"
    """Allow the registry more time (the `setting` network.timeout)."""
    BYPASS_CACHE = "bypass-cache"
    """Run without the cache."""
    SHOW_DEBUG_LOG = "show-debug-log"
    """See the registry's requests and answers in the debug log."""
    GO_ONLINE = "go-online"
    """Ask the registry: what is wanted is not in the cache, and only the cache was read."""


class RexError(Exception):
    """Base of every engine error: a one-line message, a neutral hint and the facts."""

    default_hint: ClassVar[str] = "The debug log shows the registry's requests and answers."
    """Neutral advice when the raise site has none; front ends may word their own."""
    default_remedy: ClassVar[Remedy | None] = Remedy.SHOW_DEBUG_LOG
    """What to do when the raise site says nothing more specific."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        remedy: Remedy | None = None,
        status: int | None = None,
        registry: str | None = None,
        repository: str | None = None,
        reference: str | None = None,
        platform: str | None = None,
        available_platforms: tuple[str, ...] = (),
        setting: str | None = None,
        path: str | None = None,
        limit: int | None = None,
        details: tuple[RegistryErrorDetail, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        """Neutral advice: never a flag, a command or a key."""
        self.specific = hint is not None or remedy is not None
        """The raise site said what to do (`hint` or `remedy`): the kind's defaults do not apply."""
        self.remedy = remedy if remedy is not None or hint is not None else self.default_remedy
        self.status = status
        self.registry = registry
        self.repository = repository
        self.reference = reference
        self.platform = platform
        self.available_platforms = available_platforms
        self.setting = setting
        self.path = path
        self.limit = limit
        self.details = details

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return f"{self.message} ({'; '.join(str(d) for d in self.details)})"


class NetworkError(RexError):
    default_hint = "Is the registry running and reachable? Check the URL, proxy and TLS settings."
    default_remedy: ClassVar[Remedy | None] = None


class RequestTimeout(NetworkError):
    default_hint = "The registry is slow or unreachable; raise network.timeout or try again later."
    default_remedy: ClassVar[Remedy | None] = Remedy.RAISE_TIMEOUT


class RateLimitError(NetworkError):
    default_hint = "The registry is rate-limiting this client; wait a while and try again."

    retry_after: float | None = None
    """Seconds the registry asked us to wait, when it said."""


class AuthenticationError(RexError):
    default_hint = "Log in to the registry or check the stored credentials."
    default_remedy: ClassVar[Remedy | None] = Remedy.LOGIN


class PermissionDeniedError(AuthenticationError):
    default_hint = "These credentials lack access; ask the registry's admin for pull rights."
    default_remedy: ClassVar[Remedy | None] = None


class NotFoundError(RexError):
    default_hint = "Check the name against the registry's repositories."
    default_remedy: ClassVar[Remedy | None] = Remedy.LIST_REPOSITORIES


class ServerError(RexError):
    default_hint = "The registry failed to answer; try again later or check its logs."
    default_remedy: ClassVar[Remedy | None] = None


class ContentError(RexError):
    default_hint = "The registry served invalid or corrupted content; report it to its admin."
    default_remedy: ClassVar[Remedy | None] = None


class ValidationError(RexError):
    default_hint = "Check the value's spelling against the documented format."
    default_remedy: ClassVar[Remedy | None] = None


class ConfigurationError(RexError):
    default_hint = "Fix the configuration file."
    default_remedy: ClassVar[Remedy | None] = Remedy.LIST_SETTINGS


class CacheError(RexError):
    default_hint = "Check the cache directory's permissions, or bypass the cache."
    default_remedy: ClassVar[Remedy | None] = Remedy.BYPASS_CACHE


class OfflineMiss(CacheError):
    """Offline, and the cache lacks what the answer needs."""

    default_hint = "The cache does not hold it; ask the registry."
    default_remedy = Remedy.GO_ONLINE
