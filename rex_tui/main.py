"""The `rex-tui` console script: the TUI, or with `--print` one headless `rex` command."""

from __future__ import annotations

import argparse
import sys

from engine import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rex-tui",
        description="Browse OCI / Docker container registries from the terminal.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"rex-tui {__version__}")
    parser.add_argument(
        "--print",
        dest="print_args",
        nargs=argparse.REMAINDER,
        metavar="COMMAND ...",
        help="run one command headless, as the 'rex' CLI does (try: --print --help)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--print" in args:
        # Dispatched before argparse so that everything after --print, options
        # included, belongs to the rex command line; only its module is imported.
        from rex_tui.cli.main import run

        at = args.index("--print")
        return run(args[:at] + args[at + 1 :])
    build_parser().parse_args(args)
    print(f"rex-tui {__version__}: the TUI is not built yet; try --print --help.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
