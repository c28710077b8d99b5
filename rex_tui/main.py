"""The `rex-tui` console script: the TUI, or with `--print` one headless `rex` command."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from engine import RexError, __version__, leaves


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rex-tui",
        description="Browse OCI / Docker container registries from the terminal.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"rex-tui {__version__}")
    parser.add_argument(
        "-r", "--registry", help="registry to open: a configured name, a URL or host[:port]"
    )
    parser.add_argument("--config", type=Path, help="configuration file to use")
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
        from rex_tui.cli.main import exit_now, run

        at = args.index("--print")
        code = run(args[:at] + args[at + 1 :])
        # As the process's entry point, end as `rex` does: without interpreter teardown.
        return code if argv is not None else exit_now(code)
    options = build_parser().parse_args(args)
    gc.disable()  # until the first screen is drawn: see launch()
    try:
        from rex_tui.cli.errors import report
        from rex_tui.tui.launch import launch

        return launch(registry=options.registry, config_path=options.config)
    except RexError as exc:  # bad configuration or registry: said once, no traceback
        return report(exc, sys.stderr, color=False)
    except KeyboardInterrupt:
        return 130
    except BaseExceptionGroup as group:  # from inside trio's nurseries: said once, no traceback
        if all(isinstance(leaf, KeyboardInterrupt) for leaf in leaves(group)):
            return 130
        raise
    finally:
        gc.enable()


if __name__ == "__main__":
    sys.exit(main())
