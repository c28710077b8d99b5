"""The argument parser: global options, accepted before or after the subcommand.

Global options are added twice: on the root parser with real defaults, and on
every subcommand with `SUPPRESS` defaults, so `rex -f json image` and
`rex image -f json` both work and a subcommand never resets what was given
before it. Three seed commands reuse a global short option for their own
meaning (`registry remove -f` and `registry cache clear -f` are --force,
`version -v` is --verbose); after those subcommands the global is accepted in
its long form only (--format), or not at all (-v: give it before `version`).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import re
import sys
from typing import Any, NoReturn

from engine import __version__
from rex_tui.cli.errors import UsageError
from rex_tui.cli.output.printer import FORMATS

__all__ = ["IMAGE_VERBS", "RexParser", "add_command", "build_parser", "route"]

COLORS = ("auto", "always", "never")
_INVALID_CHOICE = r"invalid choice: '([^']*)' \(choose from (.*)\)"
"""Only a usage error needs it: `re` compiles it then, not at every start-up."""


@functools.cache
def _columns() -> int:
    """shutil.get_terminal_size's width (COLUMNS, the terminal, else 80), without shutil.

    argparse asks shutil for every option it adds; shutil's import (bz2, lzma, zlib,
    fnmatch) is ~2 ms of each run, while only --help ever uses the width.
    """
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        width = _columns() - 2 if width is None else width
        super().__init__(prog, indent_increment, max_help_position, width)


class RexParser(argparse.ArgumentParser):
    """argparse that raises UsageError (one line, exit 2) instead of printing usage."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        hint = f"Run '{self.prog} --help' for usage."
        typo = re.search(_INVALID_CHOICE, message)
        if typo:
            import difflib

            choices = re.findall(r"'([^']*)'", typo.group(2))
            close = difflib.get_close_matches(typo.group(1), choices, n=1)
            if close:
                hint = f"Did you mean {close[0]!r}? {hint}"
        raise UsageError(message, hint=hint)


def add_globals(
    parser: argparse.ArgumentParser,
    *,
    after: bool,
    short_format: bool = True,
    short_verbose: bool = True,
) -> None:
    """Add the global options; `after` means on a subcommand (defaults suppressed)."""
    group = parser.add_argument_group("global options")

    def default(value: object) -> object:
        return argparse.SUPPRESS if after else value

    group.add_argument(
        "-r",
        "--registry",
        metavar="URL",
        default=default(None),
        help="registry to use: a configured name or [http://|https://]host[:port]",
    )
    format_flags = ["-f", "--format"] if short_format else ["--format"]
    group.add_argument(
        *format_flags,
        choices=FORMATS,
        default=default(None),
        help="output format (default: pretty on a terminal, yaml when piped)",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default(False),
        help="no progress or status messages; lists print names only",
    )
    group.add_argument(
        "--color", choices=COLORS, metavar="WHEN", default=default(None), help="auto|always|never"
    )
    group.add_argument(
        "--no-color",
        dest="color",
        action="store_const",
        const="never",
        default=argparse.SUPPRESS,
        help="same as --color never",
    )
    if short_verbose:
        group.add_argument(
            "-v",
            "--verbose",
            # A count after the subcommand would restart at zero and hide earlier -v's.
            dest="verbose_after" if after else "verbose",
            action="count",
            default=default(0),
            help="more logging on stderr (-v info, -vv debug, -vvv everything)",
        )
    group.add_argument(
        "--timeout", metavar="SECONDS", default=default(None), help="request timeout (default 30)"
    )
    group.add_argument(
        "--no-verify-tls",
        action="store_true",
        default=default(False),
        help="skip TLS certificate verification (insecure)",
    )
    group.add_argument(
        "--no-cache",
        action="store_true",
        default=default(False),
        help="ask the registry for everything, and store the answers in the cache",
    )
    group.add_argument(
        "--offline",
        action="store_true",
        default=default(False),
        help="answer from the cache alone, never the network (says how old the answer is)",
    )
    group.add_argument("--cache-dir", metavar="PATH", default=default(None), help="cache directory")
    group.add_argument("--config", metavar="PATH", default=default(None), help="configuration file")


def add_command(
    subparsers: argparse._SubParsersAction[RexParser],
    name: str,
    *,
    help: str,
    aliases: tuple[str, ...] = (),
    short_format: bool = True,
    short_verbose: bool = True,
    description: str | None = None,
    epilog: str | None = None,
) -> RexParser:
    """A subcommand parser that also accepts the global options.

    An image verb (`image-pull`, see `route`) is left out of `rex --help`'s
    list, which names `image` once, and its messages say `rex image pull`.
    """
    verb = name.removeprefix("image-") if name.startswith("image-") else None
    if verb is not None:
        parser = subparsers.add_parser(
            name, prog=f"rex image {verb}", description=description or help, epilog=epilog
        )
    else:
        parser = subparsers.add_parser(
            name,
            help=help,
            aliases=list(aliases),
            description=description or help,
            epilog=epilog,
        )
    add_globals(parser, after=True, short_format=short_format, short_verbose=short_verbose)
    return parser


COMMANDS = {
    "image": "list repositories and tags, show one image or its referrers",
    "search": "fuzzy-search images or tags",
    "storage": "storage per repository and namespace, shared layers counted once",
    "registry": "manage configured registries",
    "config": "show and change the configuration",
    "version": "show version and build information",
}
"""Top-level commands and their one-line help; each is `rex_tui.cli.commands.<name>`."""

IMAGE_VERBS: dict[str, str] = {
    "pull": "write an image to an OCI layout or a docker archive",
    "copy": "copy an image between registries or OCI layouts, digests kept",
    "files": "list the files inside an image or one of its layers, without docker",
    "cat": "print one file from inside an image",
    "diff": "compare two images: config, layers, history, sizes and files",
}
"""`rex image VERB ...` commands with options of their own: verb -> one-line help.

Each is the command `image-VERB`, in `rex_tui.cli.commands.image_VERB`; `route`
turns `image VERB` into it before argparse sees the line. `inspect` and
`referrers` share `image`'s options and stay words of `image` itself.
"""

_VALUED_GLOBALS = frozenset(
    {"-r", "--registry", "-f", "--format", "--color", "--timeout", "--cache-dir", "--config"}
)
"""Global options before the command that take a value: their value is not the command."""


def route(argv: list[str]) -> list[str]:
    """`argv` with `image VERB` (an IMAGE_VERBS verb) made the one word `image-VERB`.

    `rex image NAME` takes any name as its first word, so argparse cannot tell a
    verb from a repository; the words right after `image` (options skipped) can.
    """
    position = 0
    command: int | None = None
    while position < len(argv):
        word = argv[position]
        if word == "--":
            return argv
        if word.startswith("-"):
            position += 2 if word in _VALUED_GLOBALS else 1
            continue
        if command is not None:
            if word in IMAGE_VERBS:
                return [
                    *argv[:command],
                    f"image-{word}",
                    *argv[command + 1 : position],
                    *argv[position + 1 :],
                ]
            return argv
        if word != "image":
            return argv
        command = position
        position += 1
    return argv


def build_parser(argv: list[str] | None = None) -> RexParser:
    """The parser; with `argv`, only commands named in it are built in full.

    The others get a stub (name and help, for `rex --help`): building all twenty
    subparsers with their global options costs ~10 ms a run, and a command's
    module is imported only when it may run.
    """
    parser = RexParser(
        prog="rex",
        description="Explore OCI/Docker container registries.",
        epilog="Run 'rex COMMAND --help' for a command's options.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"rex {__version__}")
    add_globals(parser, after=False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=RexParser)
    # Any argument equal to a command's name counts (`rex -r image image` included),
    # so whichever one argparse picks as the command is complete.
    named = set(COMMANDS) if argv is None else set(argv) & set(COMMANDS)
    for name, summary in COMMANDS.items():
        if name in named:
            importlib.import_module(f"rex_tui.cli.commands.{name}").register(subparsers)
        else:
            subparsers.add_parser(name, help=summary, add_help=False)
    for verb in IMAGE_VERBS:
        if argv is None or f"image-{verb}" in argv:
            importlib.import_module(f"rex_tui.cli.commands.image_{verb}").register(subparsers)
    return parser
