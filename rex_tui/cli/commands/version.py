"""`rex version [--verbose]`: the seeds' build information, with Python in place of rustc."""

from __future__ import annotations

import argparse
import json
import sys
import sysconfig
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import __version__
from rex_tui.cli.context import Context
from rex_tui.cli.output.color import Palette
from rex_tui.cli.parser import COMMANDS, RexParser, add_command

if TYPE_CHECKING:
    from importlib.metadata import Distribution

__all__ = ["build_info", "register"]

_PACKAGE_DIR = Path(__file__).resolve().parents[3]
"""The directory holding `rex_tui/`: a git checkout for a source or editable install."""
_GIT_TIMEOUT = 2.0


def register(subparsers: argparse._SubParsersAction[RexParser]) -> None:
    parser = add_command(subparsers, "version", help=COMMANDS["version"], short_verbose=False)
    parser.add_argument(
        "-v", "--verbose", dest="build_details", action="store_true", help="show build details"
    )
    parser.set_defaults(handler=run, loads_config=False)


def _git(*args: str) -> str | None:
    """Output of a git command in the source tree, or None when it is not a checkout."""
    import subprocess

    if not (_PACKAGE_DIR / ".git").exists():
        return None
    try:
        done = subprocess.run(
            ["git", "-C", str(_PACKAGE_DIR), *args],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def _distribution() -> Distribution | None:
    # importlib.metadata alone costs ~10 ms of start-up: only `version` pays it.
    from importlib import metadata

    try:
        return metadata.distribution("rex-tui")
    except metadata.PackageNotFoundError:
        return None


def _built(dist: Distribution | None) -> str | None:
    """When this copy was built or installed: its metadata file's time (no build step exists)."""
    if dist is None:
        return None
    located = getattr(dist, "_path", None)  # PathDistribution's dist-info directory
    if not isinstance(located, Path):
        return None
    from datetime import UTC, datetime

    try:
        stamp = (located / "METADATA").stat().st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _profile(dist: Distribution | None) -> str:
    """How this copy was installed: "editable" (`pip install -e`) or "release"."""
    if dist is None:
        return "source"
    try:
        text = dist.read_text("direct_url.json")
        editable = bool(json.loads(text or "{}").get("dir_info", {}).get("editable"))
    except (ValueError, AttributeError):
        editable = False
    return "editable" if editable else "release"


def _features() -> list[str]:
    """Optional capabilities this installation has."""
    found = ["print"]
    for feature, module in (("tui", "urwid"), ("keyring", "keyring"), ("yaml", "yaml")):
        if find_spec(module) is not None:
            found.append(feature)
    return found


def build_info() -> dict[str, Any]:
    """The seed's version document; `python` replaces `rustc`."""
    import platform

    dist = _distribution()
    commit = _git("rev-parse", "HEAD") or "unknown"
    return {
        "version": __version__,
        "commit": commit,
        "commit_short": commit[:8] if commit != "unknown" else "unknown",
        "branch": _git("rev-parse", "--abbrev-ref", "HEAD") or "unknown",
        "built": _built(dist) or "unknown",
        "python": platform.python_version(),
        "target": f"{sysconfig.get_platform()}-{sys.implementation.name}",
        "features": _features(),
        "profile": _profile(dist),
    }


def run(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.printer.pretty and not args.build_details:
        # The common case needs no git call.
        ctx.printer.emit({}, lambda _: f"rex {__version__}")
        return 0
    info = build_info()

    def pretty(palette: Palette) -> str:
        lines = [f"rex {info['version']}"]
        built = info["built"].replace("T", " ").replace("Z", " UTC")
        lines += [
            f"commit: {info['commit_short']}",
            f"branch: {info['branch']}",
            f"built: {built}",
            f"python: {info['python']}",
            f"target: {info['target']}",
            f"features: {', '.join(info['features'])}",
            f"profile: {info['profile']}",
        ]
        return "\n".join(lines)

    ctx.printer.emit(info, pretty)
    return 0
