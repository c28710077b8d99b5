"""What a failure means on the command line: its exit code, its hint, and how it is shown.

The engine's errors are kinds and facts; the seeds' exit codes and the hints that
name flags and `rex` commands are decided here, and only here::

    code  kinds (engine.errors, plus UsageError)
    0     success
    1     RexError (anything else), ServerError, ContentError
    2     UsageError, ValidationError
    3     NetworkError, RequestTimeout, RateLimitError
    4     AuthenticationError, PermissionDeniedError
    5     NotFoundError
    6     ConfigurationError
    7     CacheError, OfflineMiss (--offline, and the cache lacks the answer)
    130   interrupted (Ctrl+C)
    141   stdout closed early (`rex image | head`)

A hint is the raise site's `remedy` worded as a flag or command (with the error's
facts filled in), else the site's own neutral `hint`, else the kind's CLI hint.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple, TextIO

from engine import (
    AuthenticationError,
    CacheError,
    ConfigurationError,
    ContentError,
    NetworkError,
    NotFoundError,
    OfflineMiss,
    PermissionDeniedError,
    RateLimitError,
    Remedy,
    RequestTimeout,
    RexError,
    ServerError,
    ValidationError,
)
from rex_tui.untrusted import visible

__all__ = ["INTERRUPTED", "KINDS", "REMEDIES", "Kind", "UsageError", "exit_code", "hint", "report"]

INTERRUPTED = 130
"""Exit code after Ctrl+C: 128 + SIGINT, the shell convention."""


class UsageError(RexError):
    """Bad command-line input: exit 2, with a hint pointing at --help."""

    default_hint = "Run 'rex --help' (or 'rex COMMAND --help') for usage."
    default_remedy: ClassVar[Remedy | None] = None


class Kind(NamedTuple):
    """What the CLI makes of one kind of error."""

    code: int
    hint: str
    """Shown when the raise site said nothing more specific."""


KINDS: dict[type[RexError], Kind] = {
    RexError: Kind(1, "Run again with -vv to see the registry's requests and answers."),
    NetworkError: Kind(
        3, "Is the registry running and reachable? Check the URL, proxy and TLS settings."
    ),
    RequestTimeout: Kind(
        3, "The registry is slow or unreachable; raise --timeout or try again later."
    ),
    RateLimitError: Kind(
        3, "The registry is rate-limiting this client; wait a while and try again."
    ),
    AuthenticationError: Kind(
        4, "Log in with 'rex registry login' or check the stored credentials."
    ),
    PermissionDeniedError: Kind(
        4, "These credentials lack access; ask the registry's admin for pull rights."
    ),
    NotFoundError: Kind(5, "Check the name; 'rex image' lists the registry's repositories."),
    ServerError: Kind(1, "The registry failed to answer; try again later or check its logs."),
    ContentError: Kind(
        1, "The registry served invalid or corrupted content; report it to its admin."
    ),
    ValidationError: Kind(2, "Check the value's spelling against the documented format."),
    UsageError: Kind(2, UsageError.default_hint),
    ConfigurationError: Kind(
        6, "Fix the configuration file, or run 'rex config' to see every value."
    ),
    CacheError: Kind(7, "Check the cache directory's permissions, or run with --no-cache."),
    OfflineMiss: Kind(7, "Run again without --offline to ask the registry."),
}
"""Every kind of error, by class (a test checks each engine class has its own row)."""

REMEDIES: dict[Remedy, str] = {
    Remedy.LOGIN: "{hint} Log in with 'rex registry login'.",
    Remedy.LOGOUT: "Log in again, or remove it with 'rex registry logout {registry}'.",
    Remedy.CHOOSE_CONFIG: "Point --config / REX_CONFIG at a TOML file.",
    Remedy.CREATE_CONFIG: (
        "Check --config / REX_CONFIG, or create it with 'rex config set KEY VALUE'."
    ),
    Remedy.SET_SETTING: "Fix it in the file, or run 'rex config set {setting} VALUE'.",
    Remedy.LIST_SETTINGS: "Run 'rex config' to list every key.",
    Remedy.EDIT_CONFIG: "Make the change with 'rex config edit' instead.",
    Remedy.ADD_REGISTRY: "Add it with 'rex registry init NAME URL'.",
    Remedy.REMOVE_REGISTRY: "Pick another name, or remove it first with 'rex registry remove'.",
    Remedy.LIST_REGISTRIES: "See the registry's repositories with 'rex registry list'.",
    Remedy.LIST_REPOSITORIES: "Check the name; 'rex image' lists the registry's repositories.",
    Remedy.PICK_PLATFORM: "Pick one of the available platforms with --platform.",
    Remedy.DROP_PLATFORM: "Leave out --platform, or ask for {available}.",
    Remedy.SKIP_TLS_VERIFY: (
        "Set ca_file for this registry, or skip_verify / --no-verify-tls if you trust the network."
    ),
    Remedy.ALLOW_PLAIN_HTTP: (
        "Use https://, or mark the registry insecure (rex registry init --insecure)."
    ),
    Remedy.RAISE_TIMEOUT: KINDS[RequestTimeout].hint,
    Remedy.BYPASS_CACHE: KINDS[CacheError].hint,
    Remedy.SHOW_DEBUG_LOG: "{hint} Run again with -vv to see the registry's requests and answers.",
    Remedy.GO_ONLINE: "Run again without --offline to ask the registry.",
}
"""Each remedy as the CLI words it; `{hint}` is the site's neutral advice, the rest are facts."""


def _kind(exc: RexError) -> Kind:
    for cls in type(exc).__mro__:
        kind = KINDS.get(cls)
        if kind is not None:
            return kind
    return KINDS[RexError]  # pragma: no cover - every RexError has RexError in its MRO


def exit_code(exc: RexError) -> int:
    """The seeds' exit code for `exc`'s kind."""
    return _kind(exc).code


def hint(exc: RexError) -> str:
    """What to do about `exc`, in the CLI's words (flags and `rex` commands)."""
    if not exc.specific:
        return _kind(exc).hint
    if exc.remedy is None:
        return exc.hint
    return REMEDIES[exc.remedy].format(
        hint=exc.hint,
        registry=exc.registry or "NAME",
        setting=exc.setting or "KEY",
        available=" or ".join(exc.available_platforms) or "another platform",
    )


def report(exc: RexError, stderr: TextIO, *, color: bool = False) -> int:
    """Print `rex: error: ...` and its hint; return the exit code to use.

    The message may quote a registry (its errors[] text, a challenge, a redirect
    URL): it is escaped, as is the hint, so neither can drive the terminal.
    """
    label = "\x1b[31merror\x1b[0m" if color else "error"
    message = visible(str(exc).replace("\n", " "))
    stderr.write(f"rex: {label}: {message}\n")
    text = hint(exc)
    if text:
        stderr.write(f"  hint: {visible(text)}\n")
    return exit_code(exc)
