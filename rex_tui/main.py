"""The `rex-tui` console script."""

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
    return parser


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(argv)
    print(f"rex-tui {__version__}: the TUI and --print mode are not built yet; see --help.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
