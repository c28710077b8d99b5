"""Usage errors and how every failure is reported on stderr (never with a traceback)."""

from __future__ import annotations

from typing import TextIO

from engine import RexError
from rex_tui.untrusted import visible

__all__ = ["INTERRUPTED", "UsageError", "report"]

INTERRUPTED = 130
"""Exit code after Ctrl+C: 128 + SIGINT, the shell convention."""


class UsageError(RexError):
    """Bad command-line input: exit 2, with a hint pointing at --help."""

    exit_code = 2
    default_hint = "Run 'rex --help' (or 'rex COMMAND --help') for usage."


def report(exc: RexError, stderr: TextIO, *, color: bool = False) -> int:
    """Print `rex: error: ...` and its hint; return the exit code to use.

    The message may quote a registry (its errors[] text, a challenge, a redirect
    URL): it is escaped, as is the hint, so neither can drive the terminal.
    """
    label = "\x1b[31merror\x1b[0m" if color else "error"
    message = visible(str(exc).replace("\n", " "))
    stderr.write(f"rex: {label}: {message}\n")
    if exc.hint:
        stderr.write(f"  hint: {visible(exc.hint)}\n")
    return exc.exit_code
