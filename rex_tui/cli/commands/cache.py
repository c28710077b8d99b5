"""`rex registry cache stats|clear|prune`: look at and trim the disk cache."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from engine import human_size, relative_time
from rex_tui.cli.commands.common import resolve
from rex_tui.cli.context import Context, host_of, url_of
from rex_tui.cli.errors import UsageError
from rex_tui.cli.output.color import Palette
from rex_tui.cli.parser import RexParser, add_command
from rex_tui.cli.prompts import confirm

__all__ = ["register"]

TYPES = ("catalog", "tags", "manifest", "config", "storage")
_TYPE_LABELS = (
    ("catalogs", "Catalogs"),
    ("tags", "Tags"),
    ("manifests", "Manifests"),
    ("configs", "Configs"),
)
_SINGULAR = {"catalogs": "catalog", "tags": "tag", "manifests": "manifest", "configs": "config"}


def register(actions: argparse._SubParsersAction[RexParser]) -> None:
    parser = add_command(actions, "cache", help="cache statistics, clearing and pruning")
    parser.set_defaults(group_parser=parser)
    verbs = parser.add_subparsers(dest="cache_action", metavar="ACTION", parser_class=RexParser)

    stats = add_command(verbs, "stats", help="entries, sizes and hit rate")
    stats.add_argument("name", metavar="NAME", nargs="?", help="registry (default: current)")
    stats.set_defaults(handler=show_stats)

    clear = add_command(verbs, "clear", help="delete cached entries", short_format=False)
    clear.add_argument("name", metavar="NAME", nargs="?", help="registry (default: current)")
    clear.add_argument("--all", action="store_true", help="every registry's entries")
    clear.add_argument("--type", choices=TYPES, help="only this kind of entry")
    clear.add_argument("-f", "--force", action="store_true", help="do not ask for confirmation")
    clear.set_defaults(handler=clear_cache)

    prune = add_command(verbs, "prune", help="delete expired and over-limit entries")
    prune.add_argument("name", metavar="NAME", nargs="?", help="registry (default: current)")
    prune.add_argument("--all", action="store_true", help="every registry's entries")
    prune.add_argument("--dry-run", action="store_true", help="only say what would go")
    prune.set_defaults(handler=prune_cache)


def _scope(ctx: Context, args: argparse.Namespace) -> tuple[str | None, str | None, str | None]:
    """(host or None for all, registry name, URL) the command applies to."""
    if getattr(args, "all", False):
        if args.name is not None:
            raise UsageError("give a registry NAME or --all, not both")
        return None, None, None
    rc = resolve(ctx, args.name)
    return host_of(rc), rc.name, url_of(rc)


def _scoped(document: Mapping[str, Any], name: str | None, url: str | None) -> dict[str, Any]:
    # The seeds put the registry's name and URL first.
    head: dict[str, Any] = {"registry": name, "url": url}
    return head | {k: v for k, v in document.items() if k not in head}


def show_stats(ctx: Context, args: argparse.Namespace) -> int:
    host, name, url = _scope(ctx, args)
    stats = ctx.managed_cache().stats(host)
    document = _scoped(stats.to_dict(), name, url)

    def pretty(palette: Palette) -> str:
        cleanup = relative_time(stats.last_cleanup) if stats.last_cleanup else "never"
        lines = [
            palette.header(f"Cache Statistics for '{name}' ({url})"),
            "",
            "Overview:",
            f"  Total Entries: {stats.total_entries}",
            f"  Total Size: {human_size(stats.total_size)}",
            f"  Memory Cache: {stats.memory_entries} entries ({human_size(stats.memory_size)})",
            f"  Disk Cache: {stats.disk_entries} entries ({human_size(stats.disk_size)})",
            f"  Hit Rate: {stats.hit_rate * 100:.1f}%",
            f"  Last Cleanup: {cleanup}",
            "",
            "By Type:",
        ]
        for key, label in _TYPE_LABELS:
            entries, size = stats.by_type.get(key, (0, 0))
            lines.append(f"  {label + ':':<11}{entries} entries, {human_size(size)}")
        lines += ["", f"Cache Location: {stats.cache_path or '(memory only)'}"]
        return "\n".join(lines)

    ctx.printer.emit(document, pretty)
    return 0


def clear_cache(ctx: Context, args: argparse.Namespace) -> int:
    from engine import CacheKind

    host, name, url = _scope(ctx, args)
    what = "the whole cache (every registry)" if host is None else f"cache for '{name}' ({url})"
    if args.type:
        what = f"{args.type} entries of the {what.removeprefix('the ')}"
    if not args.force and not confirm(f"Clear {what}?"):
        ctx.printer.warning("nothing cleared")
        return 1
    report = ctx.managed_cache().clear(host, CacheKind(args.type) if args.type else None)
    document = _scoped(report.to_dict(), name, url)
    document.update(all=host is None, type=args.type)
    ctx.printer.emit(document)
    ctx.printer.done(f"Cleared {report.entries} entries ({human_size(report.size)})")
    ctx.printer.done("Cache cleared successfully")
    return 0


def _reasons(counts: Mapping[str, int]) -> str:
    labels = (
        ("expired", "expired"),
        ("unused", "unused for long"),
        ("over_limit", "over the size limits"),
        ("corrupt", "unreadable"),
    )
    parts = [f"{counts[key]} {label}" for key, label in labels if counts.get(key)]
    return ", ".join(parts)


def prune_cache(ctx: Context, args: argparse.Namespace) -> int:
    host, name, url = _scope(ctx, args)
    if host is not None:
        ctx.printer.line(f"Pruning cache for '{name}' ({url})...")
    else:
        ctx.printer.line("Pruning the whole cache...")
    report = ctx.managed_cache().prune(host, dry_run=args.dry_run)
    document = _scoped(report.to_dict(), name, url)
    counts = report.to_dict()
    why = _reasons(counts)

    def pretty(palette: Palette) -> str:
        if args.dry_run:
            lines = [f"Would remove {report.entries} entries ({human_size(report.size)}):"]
            for key, _ in _TYPE_LABELS:
                entries = report.by_type.get(key, (0, 0))[0]
                lines.append(f"  - {entries} {_SINGULAR[key]} entries")
            if why:
                lines.append(f"  ({why})")
            return "\n".join(lines)
        mark = palette.ok("✓")
        removed = f"{mark} Removed {report.entries} entries ({human_size(report.size)})"
        return "\n".join(
            [
                removed + (f": {why}" if why else ""),
                f"{mark} Freed {human_size(report.size)} of disk space",
                f"Remaining: {report.remaining_entries} entries "
                f"({human_size(report.remaining_size)})",
            ]
        )

    ctx.printer.emit(document, pretty)
    return 0
