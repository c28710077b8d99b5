"""One transfer from a source to a destination: plan, blobs in parallel, then manifests in order."""

from __future__ import annotations

from engine.errors import ContentError
from engine.oci.manifests import Descriptor
from engine.transfer.ends import Destination, Source
from engine.transfer.plan import TransferPlan, plan_transfer
from engine.transfer.pool import each_blob
from engine.transfer.result import TransferResult
from engine.transfer.watch import Outcome, TransferWatcher, quiet

__all__ = ["plan_for", "transfer"]


async def plan_for(
    source: Source, *, platform: str | None = None, all_platforms: bool = False
) -> TransferPlan:
    return await plan_transfer(
        await source.top(), source.child, platform=platform, all_platforms=all_platforms
    )


async def transfer(
    source: Source,
    destination: Destination,
    plan: TransferPlan,
    *,
    jobs: int = 4,
    watcher: TransferWatcher = quiet,
) -> TransferResult:
    """Move `plan` from `source` to `destination`; cancel the calling scope to stop it.

    Blobs first (so a manifest never names a blob the destination lacks), then the
    platform manifests, then the root, all byte for byte so every digest is kept.
    """
    await destination.prepare()
    watcher.planned(plan.blobs)
    outcomes: dict[str, Outcome] = {}
    moved = 0

    async def one(blob: Descriptor) -> None:
        nonlocal moved
        done = 0

        async def count(chunk: bytes) -> None:
            nonlocal done, moved
            done += len(chunk)
            moved += len(chunk)
            if done > blob.size:
                # Checked as bytes arrive: a blob that never ends must not fill the disk.
                raise ContentError(
                    f"blob {blob.digest} is larger than the {blob.size:,} bytes its "
                    "manifest says; stopped reading"
                )
            watcher.advanced(blob.digest, done)

        outcome = await destination.receive(blob, source, count)
        outcomes[blob.digest] = outcome
        watcher.finished(blob.digest, outcome)

    await each_blob(plan.blobs, jobs, one)
    for manifest in plan.manifests:
        await destination.put_manifest(manifest, root=manifest is plan.root)
    await destination.finish(plan.root)
    counts = list(outcomes.values())
    return TransferResult(
        source=source.describe(),
        destination=destination.describe(),
        digest=plan.root.digest,
        media_type=plan.root.media_type,
        platforms=plan.platforms,
        blobs=len(plan.blobs),
        fetched=counts.count(Outcome.FETCHED),
        present=counts.count(Outcome.PRESENT),
        mounted=counts.count(Outcome.MOUNTED),
        bytes_moved=moved,
        manifests=len(plan.manifests),
    )
