"""Questions for the person at the terminal; without one they are usage errors, never hangs."""

from __future__ import annotations

import getpass
import sys

from rex_tui.cli.errors import UsageError

__all__ = ["ask", "ask_secret", "confirm", "interactive"]


def interactive() -> bool:
    """Whether a person can answer: stdin is a terminal."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def confirm(question: str, *, force_option: str = "--force") -> bool:
    """Ask `question [y/N]`; only y/yes agrees. Without a terminal: UsageError (exit 2)."""
    if not interactive():
        raise UsageError(
            f"cannot ask for confirmation: stdin is not a terminal; pass {force_option}",
            hint=f"In scripts, add {force_option} to confirm in advance.",
        )
    # The prompt goes to stderr so stdout stays clean for whatever reads it.
    sys.stderr.write(f"{question} [y/N]: ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if not answer.endswith("\n"):  # end of input: the question was not answered
        sys.stderr.write("\n")
    return answer.strip().lower() in ("y", "yes")


def ask(label: str, *, option: str) -> str:
    """A line of input after `label: `; UsageError naming `option` without a terminal."""
    if not interactive():
        raise UsageError(f"{label.lower()} needed: pass {option} (stdin is not a terminal)")
    sys.stderr.write(f"{label}: ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if not answer:
        raise UsageError(f"no {label.lower()} given", hint=f"Pass {option}.")
    return answer.rstrip("\r\n")


def ask_secret(label: str, *, option: str) -> str:
    """A secret typed without echo (getpass); UsageError naming `option` without a terminal."""
    if not interactive():
        raise UsageError(
            f"{label.lower()} needed: pass {option} (stdin is not a terminal)",
            hint="For example: printf '%s' \"$PASSWORD\" | rex registry login NAME "
            "-u USER --password-stdin",
        )
    try:
        return getpass.getpass(f"{label}: ", stream=sys.stderr)
    except EOFError:
        raise UsageError(f"no {label.lower()} given", hint=f"Pass {option}.") from None
