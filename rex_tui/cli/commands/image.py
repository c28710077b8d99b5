"""`rex image`: repositories, one repository's tags, one image's summary, `image inspect`.

rex image                     repositories, tag counts, last updated
rex image NAME                tags of NAME with digest, size, created, platforms
rex image NAME:TAG|NAME@DIG   one image's summary
rex image inspect REF         everything, or --raw-manifest / --raw-config bytes
rex image referrers REF       signatures, SBOMs and attestations that point at REF
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from engine import Reference, shown_tags
from rex_tui.cli.commands.common import filtered, limit_arg, names_only, natural_key
from rex_tui.cli.context import Context, host_of
from rex_tui.cli.errors import UsageError
from rex_tui.cli.output.image_views import inspect_document, inspect_text, summary_text
from rex_tui.cli.parser import COMMANDS, IMAGE_VERBS, RexParser, add_command

if TYPE_CHECKING:
    from engine import Descriptor, ImageInfo, RepoInfo, Rex, TagInfo
    from rex_tui.cli.output.color import Palette

__all__ = ["register"]

SORTS = ("name", "date", "size")
GROUPS = ("digest",)
ACTIONS = ("inspect", "referrers")
"""Words that, first, make `image` act on one REF rather than list or summarise."""


def register(subparsers: argparse._SubParsersAction[RexParser]) -> None:
    parser = add_command(
        subparsers,
        "image",
        help=COMMANDS["image"],
        description=(
            "rex image [NAME | NAME:TAG | NAME@DIGEST] | rex image inspect REF"
            " | rex image referrers REF"
            + "".join(f" | rex image {verb} ..." for verb in IMAGE_VERBS)
        ),
        epilog="".join(
            f"rex image {verb}: {summary}. " for verb, summary in IMAGE_VERBS.items()
        ).strip()
        or None,
    )
    parser.add_argument(
        "words",
        nargs="*",
        metavar="REF",
        help="NAME, NAME:TAG or NAME@DIGEST; or 'inspect REF'; or 'referrers REF'"
        " (signatures, SBOMs, attestations)",
    )
    parser.add_argument("--filter", metavar="PATTERN", help="fuzzy filter on names or tags")
    parser.add_argument("--sort", choices=SORTS, help="tag order: name, date or size")
    parser.add_argument("--limit", type=limit_arg, metavar="N", help="at most N rows")
    parser.add_argument("--platform", metavar="OS/ARCH", help="platform of a multi-arch image")
    raw = parser.add_mutually_exclusive_group()
    raw.add_argument("--raw-manifest", action="store_true", help="inspect: the manifest bytes")
    raw.add_argument("--raw-config", action="store_true", help="inspect: the config bytes")
    parser.add_argument(
        "--group-by", choices=GROUPS, help="tags: one row per digest, its tags joined"
    )
    signed = parser.add_mutually_exclusive_group()
    signed.add_argument(
        "--signed", action="store_true", help="tags: only images a signature refers to"
    )
    signed.add_argument(
        "--unsigned", action="store_true", help="tags: only images no signature refers to"
    )
    parser.add_argument(
        "--all-tags", action="store_true", help="tags: show the sha256-… artifact tags too"
    )
    parser.add_argument(
        "--aliases",
        action="store_true",
        help="one image: look up its other tags, signatures and SBOMs (reads the tag list)",
    )
    parser.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    words: list[str] = args.words
    action = words[0] if words and words[0] in ACTIONS else None
    if action is not None:
        if len(words) != 2:
            raise UsageError(
                f"image {action}: expected one REF (NAME:TAG or NAME@DIGEST)",
                hint=f"For example: rex image {action} alpine:latest",
            )
        target = words[1]
    elif len(words) > 1:
        raise UsageError(f"image: unexpected argument {words[1]!r}", hint="Give one REF.")
    else:
        target = words[0] if words else ""
    if words and not target.strip():
        # Blank is never "no reference": `image inspect ""` must not list the catalog.
        command = f"image {action}" if action else "image"
        raise UsageError(
            f"{command}: the reference is empty",
            hint="Give NAME, NAME:TAG or NAME@DIGEST; 'rex image' alone lists repositories.",
        )
    ref = Reference.parse(target, default_registry=host_of(ctx.registry())) if target else None
    inspecting = action == "inspect"
    single = action is not None or (ref is not None and (ref.tag or ref.digest) is not None)
    _check_options(args, target, single=single, inspecting=inspecting)
    if action == "referrers":
        if args.platform is not None:
            raise UsageError("--platform does not apply to 'rex image referrers'")
        assert ref is not None
        return list_referrers(ctx, ref)
    if ref is None:
        return list_repositories(ctx, args)
    if not single:
        return list_tags(ctx, args, target)
    info = _image(ctx, target, args.platform, look_up=args.aliases)
    if args.raw_manifest or args.raw_config:
        # With --platform the shown platform's own manifest, else what the reference names.
        body = (
            info.raw_config
            if args.raw_config
            else (info.image.body if args.platform else info.manifest.body)
        )
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return 0
    if inspecting:
        ctx.printer.emit(inspect_document(info), lambda p: inspect_text(info, p))
    else:
        ctx.printer.emit(info.to_dict(), lambda p: summary_text(info, p))
    return 0


def list_referrers(ctx: Context, ref: Reference) -> int:
    """The manifests whose subject is REF's image, from the registry (never cached)."""

    async def fetch(rex: Rex) -> tuple[str, list[Descriptor]]:
        digest = await rex.resolve(ref)
        return digest, await rex.referrers(ref.with_digest(digest))

    digest, found = ctx.run(fetch)
    if names_only(ctx):
        ctx.printer.names([d.digest for d in found])
        return 0
    shown = _display(ref, host_of(ctx.registry()))
    from rex_tui.cli.output.referrers import referrers_document, referrers_text

    if not found and ctx.printer.pretty:
        ctx.printer.note(f"no signatures, SBOMs or attestations point at {shown}")
        return 0
    ctx.printer.emit(
        referrers_document(shown, digest, found),
        lambda p: referrers_text(shown, digest, found, p),
    )
    return 0


def _check_options(
    args: argparse.Namespace, target: str, *, single: bool, inspecting: bool
) -> None:
    """Options that belong to another form of `image` are usage errors, named."""
    listing_only = [("--filter", args.filter), ("--sort", args.sort), ("--limit", args.limit)]
    tags_only = [
        ("--group-by", args.group_by),
        ("--signed", args.signed or None),
        ("--unsigned", args.unsigned or None),
        ("--all-tags", args.all_tags or None),
    ]
    if single:
        for option, value in listing_only + tags_only:
            if value is not None:
                raise UsageError(f"{option} applies to listings, not to one image ({target})")
    elif args.platform is not None:
        raise UsageError("--platform applies to one image: give NAME:TAG or NAME@DIGEST")
    elif args.aliases:
        raise UsageError("--aliases applies to one image: give NAME:TAG or NAME@DIGEST")
    if not target:
        for option, value in tags_only:
            if value is not None:
                raise UsageError(f"{option} applies to the tags of one repository: rex image NAME")
    if (args.raw_manifest or args.raw_config) and not inspecting:
        option = "--raw-manifest" if args.raw_manifest else "--raw-config"
        raise UsageError(f"{option} applies to 'rex image inspect REF' only")
    if args.sort and not target:
        raise UsageError("--sort applies to the tags of one image: rex image NAME --sort date")


def _image(ctx: Context, target: str, platform: str | None, *, look_up: bool) -> ImageInfo:
    """The image from the disk cache when fresh enough, else from the registry.

    Its aliases and signed/SBOM marks are looked up when the tag list is cached
    (then they cost cache reads and at most a referrers request), or with
    `look_up` (--aliases), which reads the tag list too; else they stay unknown.
    """
    tags_cached = False
    if _warm(ctx) and not look_up:
        # The warm path: engine.reads.cached reads JSON files and imports no network code,
        # which is what lets a cached answer print in tens of milliseconds.
        from engine import image_from_cache
        from rex_tui.cli import warm

        host = host_of(ctx.registry())
        ref = Reference.parse(target, default_registry=host)
        listed = warm.tags(ctx.cache(), ref.registry, ref.repository)
        tags_cached = listed is not None and len(shown_tags(listed)) <= warm.ALIAS_TAGS_MAX
        cached = image_from_cache(ctx.cache(), host, target, platform, display=_display(ref, host))
        if cached is not None:
            known = warm.image_facts(ctx.cache(), cached)
            if known.aliases is not None or not tags_cached:
                return known

    async def fetch(rex: Rex) -> ImageInfo:
        info = await rex.inspect(target, platform=platform)
        return await rex.image_facts(info) if look_up or tags_cached else info

    return ctx.run(fetch)


def _display(ref: Reference, default_host: str) -> str:
    """A reference as the user would type it: no registry when it is the current one."""
    if ref.registry != default_host:
        return ref.familiar()
    text = ref.repository + (f":{ref.tag}" if ref.tag else "")
    return text + (f"@{ref.digest}" if ref.digest else "")


def _warm(ctx: Context) -> bool:
    """Whether listings may be answered from fresh cache entries without the registry."""
    return ctx.config.cache.enabled and ctx.consistency != "strong"


def _repository_names(names: list[str], args: argparse.Namespace) -> list[str]:
    if args.filter:
        names = filtered(args.filter, names)
    return names[: args.limit] if args.limit is not None else names


def list_repositories(ctx: Context, args: argparse.Namespace) -> int:
    bare = names_only(ctx)
    found = _warm_repositories(ctx, args, bare) if _warm(ctx) else None
    if found is None:

        async def fetch(rex: Rex) -> tuple[list[str], list[RepoInfo]]:
            names = _repository_names(await rex.list_repositories(), args)
            if bare:
                return names, []
            with ctx.progress.labelled("Reading repositories") as progress:
                return names, await rex.repo_infos(names, progress=progress)

        found = ctx.run(fetch)
    names, repos = found
    if bare:
        ctx.printer.names(names)
        return 0
    ctx.printer.emit({"images": [r.to_dict() for r in repos]}, lambda p: _repo_table(repos, p))
    return 0


def _repo_table(repos: list[RepoInfo], palette: Palette) -> str:
    # The table modules are imported for pretty output only: json and yaml skip them.
    from rex_tui.cli.output.listings import repo_table

    return repo_table(repos, palette)


def _tag_table(infos: list[TagInfo], palette: Palette) -> str:
    from rex_tui.cli.output.listings import tag_table

    return tag_table(infos, palette)


def _warm_repositories(
    ctx: Context, args: argparse.Namespace, bare: bool
) -> tuple[list[str], list[RepoInfo]] | None:
    from rex_tui.cli import warm

    cache, host = ctx.cache(), host_of(ctx.registry())
    names = warm.repositories(cache, host)
    if names is None:
        return None
    names = _repository_names(names, args)
    if bare:
        return names, []
    repos = warm.repo_infos(cache, host, names)
    return None if repos is None else (names, repos)


def _sorted(infos: list[TagInfo], sort: str | None) -> list[TagInfo]:
    if sort == "date":  # newest first; unknown dates last
        return sorted(
            infos, key=lambda t: (t.created is None, -(t.created.timestamp() if t.created else 0))
        )
    if sort == "size":  # largest first
        return sorted(infos, key=lambda t: -t.size)
    if sort == "name":
        return sorted(infos, key=lambda t: natural_key(t.tag))
    return infos


class _TagPlan:
    """Which tags to fetch and how to order and cut the rows, for `rex image NAME`."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.filter: str | None = args.filter
        self.limit: int | None = args.limit
        # Without --filter, tags come in natural name order; with it, best match first.
        self.sort: str | None = args.sort or (None if args.filter else "name")
        self.signed: bool | None = True if args.signed else False if args.unsigned else None
        self.all_tags: bool = args.all_tags
        self.group_by: str | None = args.group_by

    @property
    def by_name(self) -> bool:
        """Whether the rows to show are known from the names alone (no details needed)."""
        return self.sort in (None, "name") and self.signed is None and self.group_by is None

    def wanted(self, listed: list[str]) -> list[str]:
        """The tags whose details are needed, in display order when that is by name."""
        tags = shown_tags(listed, all_tags=self.all_tags)
        tags = filtered(self.filter, tags) if self.filter else tags
        if self.sort == "name":
            tags = sorted(tags, key=natural_key)
        if self.by_name:
            # Name order needs no config fetches: cut before fetching, not after.
            tags = tags[: self.limit] if self.limit is not None else tags
        return tags

    def rows(self, infos: list[TagInfo]) -> list[TagInfo]:
        if self.signed is not None:
            infos = [info for info in infos if info.signed == self.signed]
        infos = _sorted(infos, self.sort)
        return infos[: self.limit] if self.limit is not None and not self.group_by else infos


def list_tags(ctx: Context, args: argparse.Namespace, name: str) -> int:
    bare = names_only(ctx)
    plan = _TagPlan(args)
    found = _warm_tags(ctx, name, plan, bare) if _warm(ctx) else None
    if found is None:

        async def fetch(rex: Rex) -> tuple[list[str], list[TagInfo]]:
            ref = rex.reference(name)
            listed = await rex.list_tags(name)
            tags = plan.wanted(listed)
            if bare and plan.by_name:
                return tags, []
            with ctx.progress.labelled(f"Reading tags of {ref.repository}") as progress:
                infos = await rex.tag_infos(
                    ref.repository, tags, registry=ref.registry, progress=progress, listed=listed
                )
            infos = plan.rows(infos)
            return [t.tag for t in infos], infos

        found = ctx.run(fetch)
    tags, infos = found
    if plan.group_by:
        return _show_groups(ctx, args, name, infos, bare)
    if bare:
        ctx.printer.names(tags)
        return 0
    if not infos and ctx.printer.pretty:
        ctx.printer.note(f"{name} has no tags" + _matching(args))
        return 0
    ctx.printer.emit(
        {"name": name, "tags": [t.to_dict() for t in infos]}, lambda p: _tag_table(infos, p)
    )
    return 0


def _matching(args: argparse.Namespace) -> str:
    if args.signed or args.unsigned:
        return (
            " that are "
            + ("signed" if args.signed else "unsigned")
            + (" and match the filter" if args.filter else "")
        )
    return " matching the filter" if args.filter else ""


def _show_groups(
    ctx: Context, args: argparse.Namespace, name: str, infos: list[TagInfo], bare: bool
) -> int:
    """--group-by digest: one row per digest, its tags joined; -q prints the digests."""
    from engine import group_by_digest

    groups = group_by_digest(infos)
    if args.limit is not None:
        groups = groups[: args.limit]
    if bare:
        ctx.printer.names([g.info.digest for g in groups])
        return 0
    if not groups and ctx.printer.pretty:
        ctx.printer.note(f"{name} has no tags" + _matching(args))
        return 0

    def table(palette: Palette) -> str:
        from rex_tui.cli.output.listings import digest_table

        return digest_table(groups, palette)

    ctx.printer.emit({"name": name, "digests": [g.to_dict() for g in groups]}, table)
    return 0


def _warm_tags(
    ctx: Context, name: str, plan: _TagPlan, bare: bool
) -> tuple[list[str], list[TagInfo]] | None:
    from rex_tui.cli import warm

    ref = Reference.parse(name, default_registry=host_of(ctx.registry()))
    cache = ctx.cache()
    listed = warm.tags(cache, ref.registry, ref.repository)
    if listed is None:
        return None
    tags = plan.wanted(listed)
    if bare and plan.by_name:
        return tags, []
    infos = warm.tag_infos(cache, ref.registry, ref.repository, tags, listed)
    if infos is None:
        return None
    infos = plan.rows(infos)
    return [t.tag for t in infos], infos
