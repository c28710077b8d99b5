"""`rex storage [NAMESPACE|REPO]`: what each repository and namespace stores, shared blobs once."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine import STORAGE_SORTS, human_size
from rex_tui.cli.commands.common import limit_arg
from rex_tui.cli.context import Context
from rex_tui.cli.errors import UsageError
from rex_tui.cli.output.table import Column, render_table
from rex_tui.cli.parser import COMMANDS, RexParser, add_command

if TYPE_CHECKING:
    from engine import Rex, StorageReport
    from rex_tui.cli.output.color import Palette

__all__ = ["register"]

LARGEST = 10
"""Largest images listed when --top is not given."""
TOP_LEVEL = "(top level)"
"""How the namespace of repositories without a `/` is shown."""
_SCOPE = re.compile(r"[a-z0-9]+(?:[._/-]+[a-z0-9]+)*/?")


def register(subparsers: argparse._SubParsersAction[RexParser]) -> None:
    parser = add_command(
        subparsers,
        "storage",
        help=COMMANDS["storage"],
        description="Storage per repository and namespace of the registry, shared blobs "
        "counted once. A crawl of every repository: cached, resumable, and continued by "
        "the next run when cut short.",
    )
    parser.add_argument(
        "scope", nargs="?", metavar="NAMESPACE|REPO", help="only this repository or namespace"
    )
    parser.add_argument("--top", type=limit_arg, metavar="N", help="at most N rows per list")
    parser.add_argument(
        "--sort", choices=STORAGE_SORTS, default="size", help="row order (default: size)"
    )
    parser.add_argument(
        "--refresh", action="store_true", help="check every tag again instead of recent scans"
    )
    parser.add_argument(
        "--max-requests",
        type=limit_arg,
        metavar="N",
        help="stop after about N registry requests (the report then says complete: false)",
    )
    parser.set_defaults(handler=run)


def _check_scope(scope: str | None) -> str | None:
    if scope is None:
        return None
    if not scope.strip():
        raise UsageError(
            "storage: the namespace or repository is empty",
            hint="Give a repository name or a namespace, or nothing for the whole registry.",
        )
    if not _SCOPE.fullmatch(scope):
        raise UsageError(
            f"storage: {scope!r} is not a repository or namespace name",
            hint="Give a name such as team/app or team (no tag, digest or upper case).",
        )
    return scope.rstrip("/")


def run(ctx: Context, args: argparse.Namespace) -> int:
    scope = _check_scope(args.scope)

    async def crawl(rex: Rex) -> StorageReport:
        with ctx.progress.labelled("Scanning repositories") as progress:
            return await rex.storage(
                scope=scope,
                sort=args.sort,
                refresh=args.refresh,
                max_requests=args.max_requests,
                progress=progress,
            )

    report = ctx.run(crawl)
    top = args.top
    document = report.to_dict(top)
    if top is None:
        document["largest"] = document["largest"][:LARGEST]
    if not report.complete:
        why = (
            f"{len(report.skipped)} repositories could not be read"
            if report.skipped
            else "the request budget ran out"
        )
        ctx.printer.note(f"incomplete: {why}; run the command again to continue")
    ctx.printer.emit(document, lambda palette: _pretty(document, palette))
    return 0


Cell = Callable[[dict[str, Any]], str]


def _size(key: str) -> Cell:
    return lambda row: human_size(row[key])


def _count(key: str) -> Cell:
    return lambda row: str(row[key])


NAMESPACES: list[tuple[str, Cell]] = [
    ("NAMESPACE", lambda row: row["name"] or TOP_LEVEL),
    ("SIZE", _size("bytes")),
    ("UNIQUE", _size("unique_bytes")),
    ("REPOSITORIES", _count("repositories")),
]
REPOSITORIES: list[tuple[str, Cell]] = [
    ("REPOSITORY", lambda row: row["name"]),
    ("SIZE", _size("bytes")),
    ("UNIQUE", _size("unique_bytes")),
    ("SHARED", _size("shared_bytes")),
    ("TAGS", _count("tags")),
    ("MANIFESTS", _count("manifests")),
]
LARGEST_IMAGES: list[tuple[str, Cell]] = [
    ("LARGEST IMAGE", lambda row: row["reference"]),
    ("PLATFORM", lambda row: row["platform"] or "-"),
    ("SIZE", _size("bytes")),
]


def _table(spec: list[tuple[str, Cell]], rows: list[dict[str, Any]], palette: Palette) -> str:
    """The first column names things (coloured); numbers and sizes align right."""
    columns = [Column(spec[0][0], palette.name)]
    columns += [Column(title, align_right=title != "PLATFORM") for title, _ in spec[1:]]
    return render_table(columns, [[cell(row) for _, cell in spec] for row in rows], palette)


def _pretty(document: dict[str, Any], palette: Palette) -> str:
    state = "" if document["complete"] else palette.warn(" (incomplete)")
    head = (
        f"{palette.header(document['registry'])}: {human_size(document['total_bytes'])} in "
        f"{document['blobs']} blobs, manifests {human_size(document['manifest_bytes'])}, "
        f"scanned {document['scanned_at']}{state}"
    )
    parts = [head]
    for spec, key in (
        (NAMESPACES, "namespaces"),
        (REPOSITORIES, "repositories"),
        (LARGEST_IMAGES, "largest"),
    ):
        if document[key]:
            parts += ["", _table(spec, document[key], palette)]
    return "\n".join(parts)
