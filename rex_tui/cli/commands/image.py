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
    from collections.abc import Callable

    from engine import Answer, Descriptor, ImageInfo, Plan, RepoInfo, Rex, TagInfo

    Progressed = Callable[[int, int], None]
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

    from engine import Consistency, referrers_plan

    if ctx.offline:  # never cached: say so without loading the network stack
        from engine import run_cached

        run_cached(referrers_plan(ref, None, Consistency.OFFLINE), ctx.cache())

    async def fetch(rex: Rex) -> tuple[str, list[Descriptor]]:
        return await rex.read(referrers_plan(ref, None, Consistency(ctx.consistency)))

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
    """The image under the read plan's rules: a tag confirmed with one HEAD (weak).

    Its aliases and signed/SBOM marks come when the tag list is cached (then they
    cost cache reads), or with `look_up` (--aliases), which reads the tag list
    and asks for the referrers; else they stay unknown.
    """
    from engine import Answer, Consistency, Platform, image_facts_plan, image_plan

    ref = Reference.parse(target, default_registry=host_of(ctx.registry()))
    shown = _display(ref, host_of(ctx.registry()))
    wanted = Platform.parse(platform) if platform else None

    def plan(level: str, now: float, progress: Progressed | None) -> Plan[Answer[ImageInfo]]:
        consistency = Consistency(level)
        image = yield from image_plan(ref, shown, wanted, consistency, now)
        known = yield from image_facts_plan(image.value, consistency, now, look_up=look_up)
        ages = [a for a in (image.age, known.age) if a is not None]
        return Answer(known.value, max(ages, default=None), image.stale or known.stale)

    answer = ctx.answer(plan)
    ctx.say_age(answer)
    return answer.value


def _display(ref: Reference, default_host: str) -> str:
    """A reference as the user would type it: no registry when it is the current one."""
    if ref.registry != default_host:
        return ref.familiar()
    text = ref.repository + (f":{ref.tag}" if ref.tag else "")
    return text + (f"@{ref.digest}" if ref.digest else "")


def _repository_names(names: list[str], args: argparse.Namespace) -> list[str]:
    if args.filter:
        names = filtered(args.filter, names)
    return names[: args.limit] if args.limit is not None else names


def list_repositories(ctx: Context, args: argparse.Namespace) -> int:
    from engine import Answer, Consistency, repo_rows_plan, repositories_plan

    bare = names_only(ctx)
    host = host_of(ctx.registry())

    def plan(
        level: str, now: float, progress: Progressed | None
    ) -> Plan[Answer[tuple[list[str], list[RepoInfo]]]]:
        consistency = Consistency(level)
        listed = yield from repositories_plan(None, host, consistency, now)
        names = _repository_names(listed.value, args)
        if bare:
            return Answer((names, []), listed.age, listed.stale)
        rows = yield from repo_rows_plan(host, names, True, consistency, now, progress)
        age = max((a for a in (listed.age, rows.age) if a is not None), default=None)
        return Answer((names, rows.value), age, listed.stale or rows.stale)

    answer = ctx.answer(plan, None if bare else "Reading repositories")
    ctx.say_age(answer)
    names, repos = answer.value
    if bare:
        ctx.printer.names(names)
        return 0
    document: dict[str, object] = {"images": [r.to_dict() for r in repos]}
    _with_age(ctx, document, answer)
    ctx.printer.emit(document, lambda p: _repo_table(repos, p))
    return 0


def _with_age(ctx: Context, document: dict[str, object], answer: Answer[object]) -> None:
    """Offline, a document also says how old its answer is (seconds since fetched)."""
    if ctx.offline:
        document["age"] = round(answer.age) if answer.age is not None else None


def _repo_table(repos: list[RepoInfo], palette: Palette) -> str:
    # The table modules are imported for pretty output only: json and yaml skip them.
    from rex_tui.cli.output.listings import repo_table

    return repo_table(repos, palette)


def _tag_table(infos: list[TagInfo], palette: Palette) -> str:
    from rex_tui.cli.output.listings import tag_table

    return tag_table(infos, palette)


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
    from engine import Answer, Consistency, tag_rows_plan, tags_plan

    bare = names_only(ctx)
    wanted = _TagPlan(args)
    ref = Reference.parse(name, default_registry=host_of(ctx.registry()))

    def plan(
        level: str, now: float, progress: Progressed | None
    ) -> Plan[Answer[tuple[list[str], list[TagInfo]]]]:
        consistency = Consistency(level)
        listed = yield from tags_plan(ref.registry, ref.repository, consistency, now)
        tags = wanted.wanted(listed.value)
        if bare and wanted.by_name:
            return Answer((tags, []), listed.age, listed.stale)
        rows = yield from tag_rows_plan(
            ref.registry, ref.repository, tags, consistency, now, progress, listed=listed.value
        )
        infos = wanted.rows(rows.value)
        age = max((a for a in (listed.age, rows.age) if a is not None), default=None)
        return Answer(([t.tag for t in infos], infos), age, listed.stale or rows.stale)

    answer = ctx.answer(plan, f"Reading tags of {ref.repository}")
    ctx.say_age(answer)
    tags, infos = answer.value
    if wanted.group_by:
        return _show_groups(ctx, args, name, infos, bare)
    if bare:
        ctx.printer.names(tags)
        return 0
    if not infos and ctx.printer.pretty:
        ctx.printer.note(f"{name} has no tags" + _matching(args))
        return 0
    document: dict[str, object] = {"name": name, "tags": [t.to_dict() for t in infos]}
    _with_age(ctx, document, answer)
    ctx.printer.emit(document, lambda p: _tag_table(infos, p))
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
