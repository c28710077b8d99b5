"""`rex image copy SRC DST`: an image between registries, or to and from `oci:DIR[:NAME]`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from rex_tui.cli.commands.transfer import jobs_arg, run_transfer
from rex_tui.cli.context import Context
from rex_tui.cli.errors import UsageError
from rex_tui.cli.parser import IMAGE_VERBS, RexParser, add_command

if TYPE_CHECKING:
    from engine import Rex, TransferResult, TransferWatcher

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[RexParser]) -> None:
    parser = add_command(
        subparsers,
        "image-copy",
        help=IMAGE_VERBS["copy"],
        epilog="A reference without a host is on the current registry (-r); "
        "HOST[:PORT]/NAME:TAG names another, with its own credentials. "
        "Digests are kept: manifests are copied byte for byte.",
    )
    parser.add_argument("source", metavar="SRC", help="NAME:TAG, HOST/NAME:TAG or oci:DIR[:NAME]")
    parser.add_argument(
        "destination",
        metavar="DST",
        help="NAME[:TAG], HOST/NAME[:TAG] or oci:DIR[:NAME] (the tag defaults to SRC's)",
    )
    platforms = parser.add_mutually_exclusive_group()
    platforms.add_argument(
        "--platform", metavar="OS/ARCH[/VARIANT]", help="one platform of an index"
    )
    platforms.add_argument(
        "--all-platforms", action="store_true", help="every platform of an index, and the index"
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=jobs_arg,
        default=4,
        metavar="N",
        help="blobs copied at once (default 4)",
    )
    parser.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    for name in ("source", "destination"):
        if not getattr(args, name).strip():
            raise UsageError(f"image copy: {name.upper()[:3]} is empty")

    async def copy(rex: Rex, watcher: TransferWatcher) -> TransferResult:
        return await rex.copy(
            args.source,
            args.destination,
            platform=args.platform,
            all_platforms=args.all_platforms,
            jobs=args.jobs,
            watcher=watcher,
        )

    return run_transfer(ctx, args.source, "copied", copy)
