"""`rex image files REF`: the files of an image's merged filesystem, one layer, or the waste.

rex image files REF [--layer N|DIGEST] [--path PREFIX] [--wasted] [--platform OS/ARCH]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rex_tui.cli.commands.common import names_only
from rex_tui.cli.context import Context
from rex_tui.cli.errors import UsageError
from rex_tui.cli.parser import IMAGE_VERBS, RexParser, add_command

if TYPE_CHECKING:
    from engine import ImageFiles, ImageInfo, LayerFiles, Rex

__all__ = ["byte_progress", "check_ref", "register"]

_MIB = 1 << 20


def register(subparsers: argparse._SubParsersAction[RexParser]) -> None:
    parser = add_command(
        subparsers,
        "image-files",
        help=IMAGE_VERBS["files"],
        description="List the files of an image (whiteouts and opaque directories applied), "
        "or of one layer, streaming the layers from the registry: no docker, nothing on disk.",
        epilog="Listings are cached by layer digest. Layers count from 1, the base layer.",
    )
    parser.add_argument("ref", metavar="REF", help="NAME:TAG or NAME@DIGEST")
    parser.add_argument(
        "--layer", metavar="N|DIGEST", help="one layer's own entries (whiteouts included)"
    )
    parser.add_argument("--path", metavar="PREFIX", help="only this directory or file")
    parser.add_argument(
        "--wasted",
        action="store_true",
        help="the bytes later layers overwrote or deleted, per path (dive's wasted space)",
    )
    parser.add_argument("--platform", metavar="OS/ARCH", help="platform of a multi-arch image")
    parser.set_defaults(handler=run)


def check_ref(text: str, command: str) -> str:
    if not text.strip():
        raise UsageError(
            f"image {command}: the reference is empty", hint="Give NAME:TAG or NAME@DIGEST."
        )
    return text


@contextmanager
def byte_progress(ctx: Context, label: str) -> Iterator[Callable[[int, int], None]]:
    """A `progress(bytes_done, bytes_total)` drawn in MiB on stderr (hidden when piped, -q)."""
    with ctx.progress.labelled(f"{label} (MiB)") as progress:

        def report(done: int, total: int) -> None:
            progress(-(-done // _MIB), max(1, -(-total // _MIB)))

        yield report


def run(ctx: Context, args: argparse.Namespace) -> int:
    ref = check_ref(args.ref, "files")
    if args.wasted and args.layer is not None:
        raise UsageError(
            "--wasted applies to the merged filesystem, not to one layer",
            hint="Drop --layer, or drop --wasted to list the layer's entries.",
        )
    if args.layer is not None:
        return _one_layer(ctx, args, ref)

    async def fetch(rex: Rex) -> ImageFiles:
        with byte_progress(ctx, f"Reading the layers of {ref}") as progress:
            return await rex.image_files(ref, platform=args.platform, progress=progress)

    files = ctx.run(fetch)
    from rex_tui.cli.output import files_views as views

    if args.wasted:
        wasted = [w for w in files.merged.wasted if views.in_prefix(w.path, args.path)]
        if names_only(ctx):
            ctx.printer.names([w.path for w in wasted])
            return 0
        ctx.printer.emit(
            views.wasted_document(files, wasted), lambda p: views.wasted_text(wasted, p)
        )
        return 0
    entries = views.under(files.merged.entries, args.path)
    if names_only(ctx):
        ctx.printer.names([e.path for e in entries])
        return 0
    waste = files.merged.wasted_bytes
    footer = f"; {_human(waste)} wasted (see --wasted)" if waste else ""
    ctx.printer.emit(
        views.files_document(files, entries),
        lambda p: views.files_table(entries, p, footer=footer),
    )
    return 0


def _one_layer(ctx: Context, args: argparse.Namespace, ref: str) -> int:
    async def fetch(rex: Rex) -> tuple[ImageInfo, LayerFiles]:
        with byte_progress(ctx, f"Reading layer {args.layer} of {ref}") as progress:
            return await rex.layer_files(ref, args.layer, platform=args.platform, progress=progress)

    info, layer = ctx.run(fetch)
    from rex_tui.cli.output import files_views as views

    entries = views.under(layer.entries, args.path)
    if names_only(ctx):
        ctx.printer.names([e.path for e in entries])
        return 0
    ctx.printer.emit(
        views.layer_document(info, layer, entries), lambda p: views.files_table(entries, p)
    )
    return 0


def _human(size: int) -> str:
    from engine import human_size

    return human_size(size)
