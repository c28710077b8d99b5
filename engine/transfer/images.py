"""`pull_image` and `copy_image`: the two transfers, wired from their ends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from engine.errors import ValidationError
from engine.oci.reference import Reference
from engine.transfer.archive import staging_dir, write_archive
from engine.transfer.ends import (
    Destination,
    LayoutDestination,
    LayoutSource,
    RegistryDestination,
    RegistrySource,
    Source,
    layout_at,
)
from engine.transfer.layout import OciLayout
from engine.transfer.result import LAYOUTS, TransferResult
from engine.transfer.run import plan_for, transfer
from engine.transfer.watch import TransferWatcher, quiet
from engine.transport.registry import RegistryClient

__all__ = ["copy_image", "pull_image"]

Clients = Callable[[str], Awaitable[RegistryClient]]
"""The (pooled, authenticated) client of a registry host."""
Parse = Callable[[str], Reference]


async def pull_image(
    ref: Reference,
    output: Path,
    clients: Clients,
    *,
    layout: str = "oci",
    platform: str | None = None,
    all_platforms: bool = False,
    jobs: int = 4,
    watcher: TransferWatcher = quiet,
    repo_tag: str | None = None,
) -> TransferResult:
    """`ref` into an OCI layout at `output` (under its tag's name), or a docker archive file."""
    if layout not in LAYOUTS:
        raise ValidationError(f"unknown layout {layout!r}: choose {' or '.join(LAYOUTS)}")
    source = RegistrySource(await clients(ref.registry), ref)
    if layout == "oci":
        destination = LayoutDestination(OciLayout(output), ref.tag)
        plan = await plan_for(source, platform=platform, all_platforms=all_platforms)
        return await transfer(source, destination, plan, jobs=jobs, watcher=watcher)
    if all_platforms:
        raise ValidationError(
            "a docker archive holds one platform; pick one, or write an OCI layout",
            hint="Name one platform, or write an OCI image layout for all of them.",
        )
    plan = await plan_for(source, platform=platform)
    staging = OciLayout(staging_dir(output))
    result = await transfer(
        source, LayoutDestination(staging, None), plan, jobs=jobs, watcher=watcher
    )
    tags = (repo_tag,) if repo_tag else ()
    await write_archive(output, staging, plan.root, tags)
    return _moved(result, str(output))


def _moved(result: TransferResult, destination: str) -> TransferResult:
    from dataclasses import replace

    return replace(result, destination=destination)


async def copy_image(
    source_text: str,
    destination_text: str,
    clients: Clients,
    parse: Parse,
    *,
    platform: str | None = None,
    all_platforms: bool = False,
    jobs: int = 4,
    concurrency: int = 16,
    watcher: TransferWatcher = quiet,
) -> TransferResult:
    """Copy between registries, or between a registry and `oci:DIR[:NAME]`, digests kept."""
    source: Source
    destination: Destination
    src_ref: Reference | None = None
    found = layout_at(source_text)
    if found is not None:
        source = LayoutSource(OciLayout(found[0]), found[1])
    else:
        src_ref = parse(source_text)
        source = RegistrySource(await clients(src_ref.registry), src_ref)
    found = layout_at(destination_text)
    if found is not None:
        name = found[1] if found[1] is not None else (src_ref.tag if src_ref else None)
        destination = LayoutDestination(OciLayout(found[0]), name)
    else:
        dst_ref = parse(destination_text)
        if dst_ref.tag is None and dst_ref.digest is None:
            tag = src_ref.tag if src_ref is not None else None
            if tag is None and isinstance(source, LayoutSource):
                tag = source.name
            dst_ref = dst_ref.with_tag(tag or "latest")
        destination = RegistryDestination(await clients(dst_ref.registry), dst_ref)
        # A copy on one registry holds two requests per blob (download and upload).
        jobs = min(jobs, max(1, concurrency // 2))
    plan = await plan_for(source, platform=platform, all_platforms=all_platforms)
    return await transfer(source, destination, plan, jobs=jobs, watcher=watcher)
