"""`rex` / `rex-tui --print`: run one command and turn every outcome into an exit code.

    0 success · 1 general · 2 usage · 3 network · 4 auth · 5 not found
    6 configuration · 7 cache · 130 interrupted (Ctrl+C) · 141 stdout closed early

Engine errors get their code and hint from rex_tui.cli.errors (the table of
kinds); argparse errors become UsageError; Ctrl+C, a reader that hangs up
(`rex image | head`) and unexpected exceptions are handled here, so no
traceback ever reaches the terminal.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from engine import RexError, primary
from rex_tui.cli.errors import INTERRUPTED, KINDS, UsageError, exit_code, report
from rex_tui.untrusted import visible

__all__ = ["main", "run"]

logger = logging.getLogger("rex_tui.cli")

BROKEN_PIPE = 141
"""128 + SIGPIPE: what git, grep and friends report when the reader stops early."""

_NETWORK_COMMANDS = frozenset({"image", "search", "registry"})


def main() -> None:
    """Console-script entry point of `rex`."""
    exit_now(run(sys.argv[1:]))


def exit_now(code: int) -> NoReturn:
    """End the process with `code`, skipping the interpreter's teardown.

    Freeing every module and object at exit costs 10-20 ms once the engine is
    loaded (more with trio and httpx), a sixth of a warm `rex image NAME:TAG`.
    Nothing rex runs needs it: the cache is flushed by then, output is flushed
    here, and rex starts no non-daemon threads or atexit handlers. Tools that
    need atexit (coverage) get a normal exit. Only for a process's entry point:
    never call it from code that runs in-process (tests use `run`).
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            _silence(stream)
            code = code or BROKEN_PIPE
        except (OSError, ValueError, AttributeError):
            pass
    if "coverage" in sys.modules:
        sys.exit(code)
    os._exit(code)


def run(argv: Sequence[str]) -> int:
    """Run one command line; returns its exit code and never raises."""
    try:
        try:
            code = _run(list(argv))
            sys.stdout.flush()
            return code
        except BaseException as exc:
            raise _unwrap(exc) from None
    except KeyboardInterrupt:
        _safe_write("\nrex: interrupted\n")
        return INTERRUPTED
    except BrokenPipeError:
        _silence(sys.stdout)
        return BROKEN_PIPE
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except RexError as exc:
        return _report(exc)
    except Exception as exc:
        return _internal_error(exc)


def _run(argv: list[str]) -> int:
    from rex_tui.cli.context import Context, plain_http_warning
    from rex_tui.cli.logs import setup_logging
    from rex_tui.cli.parser import build_parser, route
    from rex_tui.logfile import default_state_dir

    argv = route(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    setup_logging(
        args.verbose + getattr(args, "verbose_after", 0),
        sys.stderr,
        os.environ,
        quiet=bool(getattr(args, "quiet", False)),
        state_dir=default_state_dir(os.environ),
    )
    handler = getattr(args, "handler", None)
    if handler is None:
        # The seeds' "without subcommand: display help": on stderr with the usage code,
        # since a script that calls bare `rex` (or `rex registry`) has a bug.
        target = getattr(args, "group_parser", parser)
        target.print_help(sys.stderr)
        return KINDS[UsageError].code
    ctx = Context(args, os.environ)
    try:
        # Said whenever a flag or variable turns it off; a config file setting is a
        # standing decision and would only add noise to every command.
        insecure = not ctx.config.network.verify_tls
        explicit = ctx.loaded.origin("network.verify_tls") != "file"
        network = args.command.partition("-")[0] in _NETWORK_COMMANDS
        if insecure and explicit and network:
            ctx.printer.warning(
                "TLS certificate verification is off: anyone on the network path "
                "can impersonate the registry."
            )
        plain = plain_http_warning(ctx.config)
        if plain is not None and network:
            ctx.printer.warning(plain)
        code: int = handler(ctx, args)
        return code
    finally:
        ctx.close()


def _unwrap(exc: BaseException) -> BaseException:
    """The one exception to act on inside trio's exception groups: Ctrl+C first, then ours."""
    return primary(exc, KeyboardInterrupt, BrokenPipeError, RexError)


def _report(exc: RexError) -> int:
    """The error on stderr and its exit code; the code alone when stderr is gone too.

    `rex image NAME 2>&1 | head -1` sends both streams to a reader that may have
    left: the script behind it still gets the error's own code, not a traceback's 1.
    """
    try:
        return report(exc, sys.stderr, color=_stderr_color())
    except BrokenPipeError:
        _silence(sys.stderr)
        return exit_code(exc)


def _internal_error(exc: BaseException) -> int:
    summary = visible(f"{type(exc).__name__}: {exc}".replace("\n", " "))
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        logger.debug("raised at %s:%d", tb.tb_frame.f_code.co_filename, tb.tb_lineno)
    _safe_write(
        f"rex: internal error: {summary}\n"
        "  please report this to the rex-tui maintainers with the command you ran "
        "(add -vv for details)\n"
    )
    return 1


def _stderr_color() -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("REX_COLOR") == "never":
        return False
    try:
        return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


def _safe_write(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # stderr itself is gone: the exit code still tells


def _silence(stream: TextIO) -> None:
    # Python flushes the stream again at exit and would print "Exception ignored ...
    # BrokenPipeError"; pointing the descriptor at /dev/null makes that flush a no-op.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
