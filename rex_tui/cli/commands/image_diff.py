"""`rex image diff A B`: what changes from image A to image B.

Config (env, entrypoint, cmd, user, ports, workdir, labels), layers added and removed,
history, pull size per platform, and files added, removed or changed (type, size, mode,
link) across the merged filesystems. Exit 0 whatever the difference.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from rex_tui.cli.commands.image_files import byte_progress, check_ref
from rex_tui.cli.context import Context
from rex_tui.cli.parser import IMAGE_VERBS, RexParser, add_command

if TYPE_CHECKING:
    from engine import ImageDiff, Rex

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[RexParser]) -> None:
    parser = add_command(
        subparsers,
        "image-diff",
        help=IMAGE_VERBS["diff"],
        description="Compare two images: config, layers, history, size per platform and "
        "the files of their merged filesystems (layers streamed, listings cached).",
        epilog="A is the old side, B the new one: '+' is only in B, '-' only in A.",
    )
    parser.add_argument("a", metavar="A", help="NAME:TAG or NAME@DIGEST (the old side)")
    parser.add_argument("b", metavar="B", help="NAME:TAG or NAME@DIGEST (the new side)")
    parser.add_argument("--platform", metavar="OS/ARCH", help="platform of multi-arch images")
    parser.add_argument(
        "--no-files",
        dest="files",
        action="store_false",
        help="skip the files (no layer is downloaded)",
    )
    parser.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    a, b = check_ref(args.a, "diff"), check_ref(args.b, "diff")

    async def fetch(rex: Rex) -> ImageDiff:
        with byte_progress(ctx, "Reading the layers of both images") as progress:
            return await rex.diff_images(
                a, b, platform=args.platform, files=args.files, progress=progress
            )

    diff = ctx.run(fetch)
    from rex_tui.cli.output.files_views import diff_document, diff_text

    ctx.printer.emit(diff_document(diff), lambda p: diff_text(diff, p))
    return 0
