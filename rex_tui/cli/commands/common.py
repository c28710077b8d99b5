"""Argument types and small helpers several command modules share."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from engine import NotFoundError, RegistryConfig
from rex_tui.cli.context import Context

__all__ = ["filtered", "limit_arg", "names_only", "natural_key"]

_DIGITS = re.compile(r"(\d+)")


def limit_arg(text: str) -> int:
    """--limit N: a whole number >= 1 (argparse names the option in the error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts v1.9 before v1.10, as people read version tags."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _DIGITS.split(name) if p)


def filtered(pattern: str, names: Sequence[str]) -> list[str]:
    """`names` matching --filter PATTERN (fuzzy, "exact", glob* or /regex/), best first."""
    from engine import search_names as search  # rapidfuzz: only when a filter is given

    return [match.text for match in search(pattern, names)]


def names_only(ctx: Context) -> bool:
    """-q lists print bare names, unless json/yaml was asked for by flag, env or config.

    The pipe default (yaml) does not count: `rex -q image | xargs ...` wants names.
    """
    return ctx.printer.quiet and (ctx.printer.pretty or not ctx.format_chosen)


def _looks_like_host(text: str) -> bool:
    # docker's rule: a dot, a port, or localhost; anything else is a name.
    return "." in text or ":" in text or text.split(":")[0].lower() == "localhost"


def registry_hint(ctx: Context, name: str) -> str:
    """What to say after "no registry called NAME": the closest name, or what there is."""
    import difflib

    names = [r.name for r in ctx.config.registries]
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f"Did you mean {close[0]}?"
    if names:
        return "Configured registries: " + ", ".join(names) + "."
    return "Add it with 'rex registry init NAME URL'."


def resolve(ctx: Context, name: str | None) -> RegistryConfig:
    """A configured registry by name, a registry by URL/host, or (None) the current one."""
    if name is None or ctx.config.find_registry(name) is not None or _looks_like_host(name):
        return ctx.registry(name)
    raise NotFoundError(f"no registry called {name!r}", hint=registry_hint(ctx, name))
