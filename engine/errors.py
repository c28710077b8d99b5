"""Every error the engine raises, and nothing else escapes it.

Each error carries the exit code of the seeds' CLI (section 2.8) and a
remediation hint a person can act on::

    RexError                      1  anything without a better home
    ├── NetworkError              3  connection refused, DNS, TLS, reset, timeout
    │   ├── RequestTimeout        3  the registry did not answer in time
    │   └── RateLimitError        3  429 after every retry; try again later
    ├── AuthenticationError       4  401: missing or wrong credentials, bad token
    │   └── PermissionDeniedError 4  403 or insufficient_scope
    ├── NotFoundError             5  404: repository, tag, manifest or blob
    ├── ServerError               1  5xx after every retry, or an unexpected status
    ├── ContentError              1  the registry sent something we refuse:
    │                                digest mismatch, bad JSON, oversize manifest
    ├── ValidationError           2  input that does not parse: reference, digest,
    │                                platform, header, URL
    ├── ConfigurationError        6  invalid configuration or credential store
    └── CacheError                7  a cache failure that cannot be worked around

Messages never contain a secret: callers pass the registry's host, never a
URL with credentials, and authentication errors never quote a header.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.frozen import Frozen

__all__ = [
    "AuthenticationError",
    "CacheError",
    "ConfigurationError",
    "ContentError",
    "NetworkError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RegistryErrorDetail",
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


class RexError(Exception):
    """Base of every engine error: a one-line message, an exit code and a hint."""

    exit_code: int = 1
    default_hint: str = "Run again with -vv to see the registry's requests and answers."

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        registry: str | None = None,
        details: tuple[RegistryErrorDetail, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        self.status = status
        self.registry = registry
        self.details = details

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return f"{self.message} ({'; '.join(str(d) for d in self.details)})"


class NetworkError(RexError):
    exit_code = 3
    default_hint = "Is the registry running and reachable? Check the URL, proxy and TLS settings."


class RequestTimeout(NetworkError):
    default_hint = "The registry is slow or unreachable; raise --timeout or try again later."


class RateLimitError(NetworkError):
    default_hint = "The registry is rate-limiting this client; wait a while and try again."

    retry_after: float | None = None
    """Seconds the registry asked us to wait, when it said."""


class AuthenticationError(RexError):
    exit_code = 4
    default_hint = "Log in with 'rex registry login' or check the stored credentials."


class PermissionDeniedError(AuthenticationError):
    default_hint = "These credentials lack access; ask the registry's admin for pull rights."


class NotFoundError(RexError):
    exit_code = 5
    default_hint = "Check the name; 'rex image' lists the registry's repositories."


class ServerError(RexError):
    exit_code = 1
    default_hint = "The registry failed to answer; try again later or check its logs."


class ContentError(RexError):
    exit_code = 1
    default_hint = "The registry served invalid or corrupted content; report it to its admin."


class ValidationError(RexError):
    exit_code = 2
    default_hint = "Check the value's spelling against the documented format."


class ConfigurationError(RexError):
    exit_code = 6
    default_hint = "Fix the configuration file, or run 'rex config' to see every value."


class CacheError(RexError):
    exit_code = 7
    default_hint = "Check the cache directory's permissions, or run with --no-cache."
