"""`rex registry init|use|list|login|logout|remove` (and `registry cache`, in cache.py)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from engine import (
    AuthenticationError,
    ConfigurationError,
    NetworkError,
    NotFoundError,
    RegistryConfig,
    RexError,
    ValidationError,
)
from rex_tui.cli.commands import cache
from rex_tui.cli.commands.common import registry_hint, resolve
from rex_tui.cli.context import Context, host_of, url_of
from rex_tui.cli.errors import UsageError, hint
from rex_tui.cli.output.color import Palette
from rex_tui.cli.output.table import Column, render_table
from rex_tui.cli.parser import COMMANDS, RexParser, add_command
from rex_tui.cli.prompts import ask, ask_secret, confirm

if TYPE_CHECKING:
    from engine import PingResult, RegistryStatus, Rex

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[RexParser]) -> None:
    parser = add_command(subparsers, "registry", help=COMMANDS["registry"])
    parser.set_defaults(group_parser=parser)
    actions = parser.add_subparsers(
        dest="registry_action", metavar="ACTION", parser_class=RexParser
    )

    init = add_command(actions, "init", help="add a registry after checking it answers")
    init.add_argument("name", metavar="NAME", help="a short name, e.g. local or prod")
    init.add_argument("url", metavar="URL", help="[http://|https://]host[:port]")
    init.add_argument("--set-current", action="store_true", help="make it the current registry")
    init.add_argument("--insecure", action="store_true", help="allow plain HTTP")
    init.add_argument("--skip-verify", action="store_true", help="skip TLS verification")
    init.set_defaults(handler=init_registry)

    use = add_command(actions, "use", help="make a configured registry the current one")
    use.add_argument("name", metavar="NAME")
    use.set_defaults(handler=use_registry)

    listing = add_command(actions, "list", aliases=("ls",), help="list registries and status")
    listing.set_defaults(handler=list_registries)

    login = add_command(actions, "login", help="check and store credentials")
    login.add_argument("name", metavar="NAME", nargs="?", help="registry (default: current)")
    login.add_argument("-u", "--username", metavar="USERNAME")
    login.add_argument("-p", "--password", metavar="PASSWORD", help="visible to other users!")
    login.add_argument("--password-stdin", action="store_true", help="read the password")
    login.set_defaults(handler=login_registry)

    logout = add_command(actions, "logout", help="remove stored credentials")
    logout.add_argument("name", metavar="NAME", nargs="?", help="registry (default: current)")
    logout.set_defaults(handler=logout_registry)

    remove = add_command(
        actions,
        "remove",
        aliases=("rm",),
        help="remove a registry and its credentials",
        short_format=False,
    )
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("-f", "--force", action="store_true", help="do not ask for confirmation")
    remove.set_defaults(handler=remove_registry)

    cache.register(actions)


def _configured(ctx: Context, name: str) -> RegistryConfig:
    """A registry of the config file, by name (the seeds' 5: registry not found)."""
    found = ctx.config.find_registry(name)
    if found is None:
        raise NotFoundError(f"no registry called {name!r}", hint=registry_hint(ctx, name))
    return found


def _target(ctx: Context, rc: RegistryConfig) -> str:
    """What to hand the engine: the configured name, else the URL."""
    return rc.name if ctx.config.find_registry(rc.name) is rc else rc.url


def init_registry(ctx: Context, args: argparse.Namespace) -> int:
    from engine import REGISTRY_NAME, REGISTRY_NAME_HINT, add_registry, registry_url

    name: str = args.name
    if not REGISTRY_NAME.fullmatch(name):
        raise UsageError(f"invalid registry name {name!r}", hint=REGISTRY_NAME_HINT)
    if ctx.config.find_registry(name) is not None:
        raise UsageError(
            f"a registry called {name!r} already exists",
            hint="Pick another name, or remove it first with 'rex registry remove'.",
        )
    try:
        url = registry_url(args.url, insecure=args.insecure)
    except (ConfigurationError, ValidationError) as exc:
        raise UsageError(exc.message, hint=hint(exc)) from None
    rc = RegistryConfig(name, url, insecure=args.insecure, skip_verify=args.skip_verify)
    trial = replace(ctx.config, registries=(*ctx.config.registries, rc))

    async def check(rex: Rex) -> PingResult:
        return await rex.ping(name)

    result = ctx.run(check, config=trial)
    add_registry(ctx.config_path, rc, set_current=args.set_current)
    shown = url_of(rc)
    ctx.printer.emit(
        {
            "name": name,
            "url": shown,
            "status": result.status,
            "api_version": result.api_version,
            "current": bool(args.set_current),
        }
    )
    if result.status == "online":
        ctx.printer.done(f"Connected to {shown}")
    else:
        ctx.printer.line(f"{ctx.printer.palette.warn('!')} {shown} requires authentication")
    ctx.printer.done(f"Registry '{name}' added successfully")
    if args.set_current:
        ctx.printer.done(f"Set '{name}' as current registry")
    if result.status != "online":
        ctx.printer.note(f"log in with: rex registry login {name}")
    return 0


def use_registry(ctx: Context, args: argparse.Namespace) -> int:
    from engine import set_current_registry

    rc = _configured(ctx, args.name)
    set_current_registry(ctx.config_path, rc.name)

    async def check(rex: Rex) -> PingResult:
        return await rex.ping(rc.name)

    try:
        status = ctx.run(check).status
    except RexError as exc:
        # The choice is saved either way: a registry that is down now may be up later.
        status = _status_of(exc)
        ctx.printer.note(f"{rc.name} does not answer right now: {exc}")
    ctx.printer.emit({"current": rc.name, "url": url_of(rc), "status": status})
    ctx.printer.done(f"Current registry set to '{rc.name}' ({url_of(rc)})")
    if ctx.loaded.origin("registries.current").startswith("env:"):
        ctx.printer.note("REX_REGISTRY is set and overrides the current registry in this shell")
    return 0


def _status_of(exc: RexError) -> str:
    if isinstance(exc, NetworkError):
        return "offline"
    if isinstance(exc, AuthenticationError):
        return "auth required"
    return "not a registry" if isinstance(exc, NotFoundError) else "error"


def list_registries(ctx: Context, args: argparse.Namespace) -> int:
    """Every registry's dashboard row: pinged side by side, each within a short deadline.

    A registry that is down, slow or refusing is a status, not a failure: the
    command lists them all and exits 0.
    """
    import time

    from rex_tui.dashboard import COLUMNS, cells

    registries = ctx.config.registries
    current = ctx.config.current
    if ctx.printer.quiet and (ctx.printer.pretty or not ctx.format_chosen):
        ctx.printer.names([r.name for r in registries])
        return 0

    async def check(rex: Rex) -> list[RegistryStatus]:
        return await rex.registry_statuses([rc.name for rc in registries])

    statuses = ctx.run(check) if registries else []
    now = time.time()
    rows = [
        {"name": rc.name, "url": url_of(rc), "current": rc.name == current, **st.to_dict(now)}
        for rc, st in zip(registries, statuses, strict=True)
    ]

    def pretty(palette: Palette) -> str:
        if not rows:
            return "No registries configured. Add one with: rex registry init NAME URL"
        paint = {"online": palette.ok, "auth required": palette.warn, "rate-limited": palette.warn}

        def status_style(text: str) -> str:
            return paint.get(text, palette.bad)(text)

        columns = [Column("CURRENT"), Column("NAME", palette.name), Column("URL")]
        columns += [
            Column(title, status_style)
            if title == "STATUS"
            else Column(title, align_right=title in _RIGHT_ALIGNED)
            for title in COLUMNS
        ]
        table = [
            ["*" if rc.name == current else "", rc.name, url_of(rc), *cells(st, now)]
            for rc, st in zip(registries, statuses, strict=True)
        ]
        return render_table(columns, table, palette)

    ctx.printer.emit({"current": current, "registries": rows}, pretty)
    return 0


_RIGHT_ALIGNED = frozenset({"LATENCY", "REPOS", "STORAGE"})


def _password(args: argparse.Namespace, ctx: Context) -> str:
    if args.password is not None and args.password_stdin:
        raise UsageError("--password and --password-stdin exclude each other")
    if args.password_stdin:
        # Docker's convention: the whole of stdin, minus the final line break.
        return sys.stdin.read().removesuffix("\n").removesuffix("\r")
    if args.password is not None:
        ctx.printer.warning(
            "--password is visible to other users of this machine; prefer --password-stdin"
        )
        return str(args.password)
    return ask_secret("Password", option="--password-stdin")


def login_registry(ctx: Context, args: argparse.Namespace) -> int:
    from engine import Credentials

    rc = resolve(ctx, args.name)
    host = host_of(rc)
    if args.password_stdin and not args.username:
        raise UsageError("--password-stdin needs --username (stdin carries the password)")
    username = args.username or ask("Username", option="--username")
    password = _password(args, ctx)
    if not username or not password:
        raise UsageError("the username and the password must not be empty")
    credentials = Credentials(username=username, password=password)

    async def check(rex: Rex) -> PingResult:
        return await rex.check_credentials(_target(ctx, rc), credentials)

    result = ctx.run(check)
    where = ctx.credentials().store(host, credentials)
    ctx.printer.emit(
        {"registry": host, "username": username, "status": result.status, "stored_in": where}
    )
    ctx.printer.done(f"Successfully authenticated with {host}")
    ctx.printer.done(f"Credentials stored in {where}")
    return 0


def logout_registry(ctx: Context, args: argparse.Namespace) -> int:
    rc = resolve(ctx, args.name)
    host = host_of(rc)
    removed = ctx.credentials().erase(host)
    cleared = _forget_cached(ctx, host)
    ctx.printer.emit({"registry": host, "removed_from": removed, "cache_entries_cleared": cleared})
    if removed:
        ctx.printer.done(f"Logged out from {host}")
        ctx.printer.done(f"Credentials removed from {', '.join(removed)}")
    else:
        ctx.printer.line(f"No stored credentials for {host}; nothing to do")
    if cleared:
        ctx.printer.done(f"Cleared {cleared} cached entries of {host}")
    return 0


def _forget_cached(ctx: Context, host: str) -> int:
    """Clear `host`'s cache entries, as the seeds' invalidation rules ask of a logout.

    What was read with the credentials must not outlive them. A cache that cannot be
    cleared only warns (exit 7 is for the cache commands): the logout itself is done.
    """
    from engine import CacheError

    try:
        return ctx.managed_cache().clear(host).entries
    except CacheError as exc:
        ctx.printer.warning(f"{exc.message}; retry with 'rex registry cache clear {host}'")
        return 0


def remove_registry(ctx: Context, args: argparse.Namespace) -> int:
    from engine import remove_registry as drop

    rc = _configured(ctx, args.name)
    url = url_of(rc)
    if not args.force and not confirm(f"Remove registry '{rc.name}' ({url})?"):
        ctx.printer.warning("not removed")
        return 1
    was_current = ctx.config.current == rc.name
    drop(ctx.config_path, rc.name)
    host = host_of(rc)
    # Credentials are per host: another entry for the same host still needs them.
    sharing = [r.name for r in ctx.config.registries if r is not rc and host_of(r) == host]
    removed = [] if sharing else ctx.credentials().erase(host)
    ctx.printer.emit(
        {
            "name": rc.name,
            "url": url,
            "removed": True,
            "was_current": was_current,
            "credentials_removed_from": removed,
        }
    )
    ctx.printer.done(f"Registry '{rc.name}' removed")
    if removed:
        ctx.printer.done("Credentials removed")
    if sharing:
        ctx.printer.note(f"kept the credentials for {host}: {', '.join(sharing)} use them too")
    if was_current:
        ctx.printer.note(f"no current registry now; commands use {ctx.config.default_registry}")
    return 0
