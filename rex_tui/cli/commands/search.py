"""`rex search image QUERY [--tag T]` and `rex search tags QUERY [--image NAME]`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from rex_tui.cli.commands.common import limit_arg, names_only
from rex_tui.cli.context import Context
from rex_tui.cli.errors import UsageError
from rex_tui.cli.output.color import Palette
from rex_tui.cli.parser import COMMANDS, RexParser, add_command

if TYPE_CHECKING:
    from engine import RepoInfo, Rex, TagMatch

__all__ = ["register"]

DEFAULT_LIMIT = 50


def register(subparsers: argparse._SubParsersAction[RexParser]) -> None:
    parser = add_command(subparsers, "search", help=COMMANDS["search"])
    parser.set_defaults(group_parser=parser)
    kinds = parser.add_subparsers(dest="search_type", metavar="WHAT", parser_class=RexParser)

    images = add_command(kinds, "image", help="search repository names")
    images.add_argument("query", metavar="QUERY", help='fuzzy text, "exact", glob* or /regex/')
    images.add_argument("--tag", metavar="TAG", help="only images that have this exact tag")
    images.add_argument("--exact", action="store_true", help="exact name match, not fuzzy")
    images.add_argument("--limit", type=limit_arg, default=DEFAULT_LIMIT, metavar="N")
    images.set_defaults(handler=search_images)

    tags = add_command(kinds, "tags", help="search tags across images, or within one")
    tags.add_argument("query", metavar="QUERY", help='fuzzy text, "exact", glob* or /regex/')
    tags.add_argument("--image", metavar="NAME", help="search the tags of this image only")
    tags.add_argument("--exact", action="store_true", help="exact tag match, not fuzzy")
    tags.add_argument("--limit", type=limit_arg, default=DEFAULT_LIMIT, metavar="N")
    tags.set_defaults(handler=search_tags)


def _lines(ctx: Context, names: list[str], what: str) -> Callable[[Palette], str]:
    def pretty(palette: Palette) -> str:
        if not names:
            ctx.printer.note(f"no {what} match")
        return "\n".join(palette.name(n) for n in names)

    return pretty


def _check_blanks(what: str, args: argparse.Namespace, option: str, value: str | None) -> None:
    """An empty or blank query or option value is a mistake, never "match everything"."""
    if not args.query.strip():
        raise UsageError(
            f"search {what}: the query is empty",
            hint='Give text to match; "exact", glob* and /regex/ work too.',
        )
    if value is not None and not value.strip():
        raise UsageError(f"search {what}: {option} is empty", hint=f"Give {option} a value.")


def search_images(ctx: Context, args: argparse.Namespace) -> int:
    _check_blanks("image", args, "--tag", args.tag)

    async def fetch(rex: Rex) -> list[RepoInfo]:
        with ctx.progress.labelled("Searching") as progress:
            return await rex.search_images(
                args.query, tag=args.tag, exact=args.exact, limit=args.limit, progress=progress
            )

    found = ctx.run(fetch)
    names = [r.name for r in found]
    if names_only(ctx):
        ctx.printer.names(names)
        return 0
    results = []
    for repo in found:
        entry = repo.to_dict()
        if args.tag is not None:
            entry["matching_tag"] = args.tag
        results.append(entry)
    document = {
        "query": args.query,
        "search_type": "image",
        "tag_filter": args.tag,
        "total_results": len(results),
        "results": results,
    }
    ctx.printer.emit(document, _lines(ctx, names, "images"))
    return 0


def search_tags(ctx: Context, args: argparse.Namespace) -> int:
    _check_blanks("tags", args, "--image", args.image)

    async def fetch(rex: Rex) -> list[TagMatch]:
        with ctx.progress.labelled("Searching") as progress:
            return await rex.search_tags(
                args.query, image=args.image, exact=args.exact, limit=args.limit, progress=progress
            )

    found = ctx.run(fetch)
    scoped = args.image is not None
    # Within one image the seeds print bare tags; across images, image:tag references.
    names = [m.tag if scoped else m.reference for m in found]
    if names_only(ctx):
        ctx.printer.names(names)
        return 0
    document = {
        "query": args.query,
        "search_type": "tags",
        "image_scope": args.image,
        "total_results": len(found),
        "results": [m.to_dict(scoped=scoped) for m in found],
    }
    ctx.printer.emit(document, _lines(ctx, names, "tags"))
    return 0
