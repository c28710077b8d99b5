"""Cancelling a transfer (Ctrl+C, the TUI's x) leaves nothing half-written under a final name."""

from __future__ import annotations

from pathlib import Path

import trio

from tests.engine.helpers import make_rex
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry


async def test_a_cancelled_pull_leaves_no_partial_blob(
    registry: SeededRegistry, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    built = registry.image("oci/single:1.0")
    slow = max(built.layers, key=lambda layer: layer.size)
    fault_proxy.drip(0.05, method="GET", path=f"/blobs/{slow.digest}$", times=None)
    out = tmp_path / "out"
    async with make_rex(fault_proxy.url) as rex, trio.open_nursery() as nursery:

        async def pull() -> None:
            await rex.pull("oci/single:1.0", out, jobs=1)

        nursery.start_soon(pull)
        blobs = out / "blobs" / "sha256"
        with trio.fail_after(30):  # until the slow blob is being written
            while not (blobs.is_dir() and any(p.suffix == ".partial" for p in blobs.iterdir())):
                await trio.sleep(0.05)
        nursery.cancel_scope.cancel()
    left = list(blobs.iterdir())
    assert left == [], left  # the slow blob came first (largest first): nothing kept, no temp
    assert not (out / "index.json").exists()
