"""`rex image pull REF --output DIR|FILE`: an image to an OCI layout or a docker archive.

--format takes a layout (oci, docker-archive) or an output format (pretty, json, yaml):
the two sets share no word, so one option serves both, and `-f docker-archive
-f json` sets each.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine import TRANSFER_LAYOUTS
from rex_tui.cli.commands.transfer import jobs_arg, run_transfer
from rex_tui.cli.context import Context
from rex_tui.cli.errors import UsageError
from rex_tui.cli.output.printer import FORMATS
from rex_tui.cli.parser import IMAGE_VERBS, RexParser, add_command

if TYPE_CHECKING:
    from engine import Rex, TransferResult, TransferWatcher

__all__ = ["LAYOUTS", "register"]

LAYOUTS: tuple[str, ...] = TRANSFER_LAYOUTS
"""The layouts --format accepts besides the output formats."""


class _FormatOrLayout(argparse.Action):
    """--format: a layout goes to `layout`, an output format to `format`."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, "layout" if values in LAYOUTS else "format", values)


def register(subparsers: argparse._SubParsersAction[RexParser]) -> None:
    parser = add_command(
        subparsers,
        "image-pull",
        help=IMAGE_VERBS["pull"],
        short_format=False,
        epilog="Blobs already in the layout (verified) are not fetched again, so an "
        "interrupted pull resumes.",
    )
    parser.add_argument("reference", metavar="REF", help="NAME:TAG or NAME@DIGEST")
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        required=True,
        help="directory of the OCI layout, or the docker archive file",
    )
    # Replaces the global --format on this command only (see the module's docstring).
    layout = parser.add_argument_group("layout", conflict_handler="resolve")
    layout.add_argument(
        "-f",
        "--format",
        action=_FormatOrLayout,
        choices=(*LAYOUTS, *FORMATS),
        default=argparse.SUPPRESS,
        metavar="FORMAT",
        help="oci (default) or docker-archive; or the summary's output format: "
        "pretty, json or yaml (give --format twice for both)",
    )
    platforms = parser.add_mutually_exclusive_group()
    platforms.add_argument(
        "--platform", metavar="OS/ARCH[/VARIANT]", help="one platform of an index"
    )
    platforms.add_argument(
        "--all-platforms", action="store_true", help="every platform of an index (oci only)"
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=jobs_arg,
        default=4,
        metavar="N",
        help="blobs downloaded at once (default 4)",
    )
    parser.set_defaults(handler=run, layout="oci")


def run(ctx: Context, args: argparse.Namespace) -> int:
    if not args.reference.strip():
        raise UsageError("image pull: the reference is empty", hint="Give NAME:TAG or NAME@DIGEST.")
    if args.layout == "docker-archive" and args.all_platforms:
        raise UsageError(
            "--all-platforms does not apply to a docker archive, which holds one platform",
            hint="Name one with --platform, or write an OCI layout (--format oci).",
        )

    async def pull(rex: Rex, watcher: TransferWatcher) -> TransferResult:
        return await rex.pull(
            args.reference,
            args.output,
            layout=args.layout,
            platform=args.platform,
            all_platforms=args.all_platforms,
            jobs=args.jobs,
            watcher=watcher,
        )

    return run_transfer(ctx, args.reference, "pulled", pull)
