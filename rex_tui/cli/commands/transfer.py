"""What `image pull` and `image copy` share: --jobs, the bars, and the summary."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from engine import human_size
from rex_tui.cli.commands.common import limit_arg
from rex_tui.cli.context import Context
from rex_tui.cli.transfer_progress import TransferBars

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from engine import Rex, TransferResult, TransferWatcher

__all__ = ["jobs_arg", "run_transfer"]

MAX_JOBS = 64


def jobs_arg(text: str) -> int:
    """--jobs N: 1 to 64."""
    value = limit_arg(text)
    if value > MAX_JOBS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_JOBS}, got {value}")
    return value


def run_transfer(
    ctx: Context,
    label: str,
    verb: str,
    start: Callable[[Rex, TransferWatcher], Awaitable[TransferResult]],
) -> int:
    """Run `start` (a pull or a copy) with bars on stderr, then print what it did."""
    bars = TransferBars(sys.stderr, enabled=ctx.progress.enabled, label=label)

    async def transfer(rex: Rex) -> TransferResult:
        with bars:
            return await start(rex, bars)

    _show_result(ctx, verb, ctx.run(transfer))
    return 0


def _show_result(ctx: Context, verb: str, result: TransferResult) -> None:
    def pretty(_palette: object) -> str:
        parts = [f"{result.blobs} blobs", f"{human_size(result.bytes_moved)} moved"]
        if result.present:
            parts.append(f"{result.present} already there")
        if result.mounted:
            parts.append(f"{result.mounted} mounted")
        platforms = [p for p in result.platforms if p]
        if platforms:
            parts.append(f"platforms {', '.join(platforms)}")
        return (
            f"{verb} {result.source} -> {result.destination}\n"
            f"  digest {result.digest}\n  {'; '.join(parts)}"
        )

    ctx.printer.emit(result.to_dict(), pretty)
