"""Turning fetched manifests and configs into an `ImageInfo`; no I/O, no network stack."""

from __future__ import annotations

import os
from collections.abc import Mapping

from engine.errors import NotFoundError, Remedy, RexError
from engine.oci import manifests
from engine.oci.models import ImageInfo, Manifest, PlatformManifest
from engine.oci.reference import Reference

__all__ = [
    "assemble_image",
    "check_platform",
    "choose_child",
    "host_default_platform",
    "platform_entries",
    "platform_sizes",
]

_MACHINE_ARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "arm",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
}


def host_default_platform() -> manifests.Platform:
    """The platform docker would pull on this machine (linux/<arch>)."""
    # os.uname is what platform.machine() reads on POSIX, without the ~2 ms import.
    machine = os.uname().machine.lower() if hasattr(os, "uname") else _platform_machine()
    arch = _MACHINE_ARCH.get(machine, machine or "amd64")
    return manifests.Platform("linux", arch, "v7" if machine == "armv7l" else None)


def _platform_machine() -> str:
    import platform

    return platform.machine().lower()


def platform_entries(index: manifests.ImageIndex) -> tuple[PlatformManifest, ...]:
    """The index's platform images, attestations left out."""
    return tuple(
        PlatformManifest(str(d.platform), d.digest, d.size, d.media_type)
        for d in index.manifests
        if d.platform is not None and not d.is_attestation
    )


def choose_child(
    index: manifests.ImageIndex, wanted: manifests.Platform | None
) -> manifests.Descriptor:
    """The wanted platform's manifest; by default the host's, else the first image."""
    if wanted is not None:
        return index.select(wanted)
    images = [d for d in index.manifests if d.platform is not None and not d.is_attestation]
    if not images:
        raise NotFoundError(
            "the index lists no platform images",
            hint="It may hold only attestations or artifacts; inspect its manifests by digest.",
        )
    try:
        return index.select(host_default_platform())
    except NotFoundError:
        return images[0]


def platform_sizes(
    entries: tuple[PlatformManifest, ...], children: Mapping[str, Manifest]
) -> dict[str, int]:
    """Each platform's pull size (its compressed layers) from its manifest in `children`.

    A platform whose manifest is not in `children` (or is no image manifest) is left out.
    """
    sizes: dict[str, int] = {}
    for entry in entries:
        child = children.get(entry.digest)
        if child is not None and isinstance(child.parsed, manifests.ImageManifest):
            sizes.setdefault(entry.platform, child.parsed.layers_size)
    return sizes


def check_platform(
    display: str, config: manifests.ImageConfig, wanted: manifests.Platform | None
) -> None:
    """NotFoundError when a single-platform image is not built for the `wanted` platform."""
    built = _config_platform(config)
    if wanted is None or built is None:
        return  # an artifact's config may name no platform: nothing to hold it against
    if wanted.matches(
        manifests.Platform(config.os or "", config.architecture or "", config.variant)
    ):
        return
    raise NotFoundError(
        f"{display} is a single-platform image for {built}, not {wanted}",
        hint=f"Ask for no platform, or for {built}.",
        remedy=Remedy.DROP_PLATFORM,
        platform=str(wanted),
        available_platforms=(built,),
    )


def assemble_image(
    ref: Reference,
    display: str,
    top: Manifest,
    image: Manifest,
    raw_config: bytes,
    chosen: manifests.Descriptor | None,
    *,
    wanted: manifests.Platform | None = None,
    children: Mapping[str, Manifest] | None = None,
) -> ImageInfo:
    """An ImageInfo from the top manifest, the shown image manifest and its config.

    `wanted` is the platform asked for (checked here for a single-platform image);
    `children` holds an index's platform manifests by digest, for `platform_sizes`.
    """
    if not isinstance(image.parsed, manifests.ImageManifest):
        raise RexError(
            f"{display} resolves to a nested index, which rex cannot show",
            hint="Inspect one of its child manifests by digest.",
        )
    config = manifests.parse_config(raw_config)
    entries = platform_entries(top.parsed) if isinstance(top.parsed, manifests.ImageIndex) else ()
    shown = str(chosen.platform) if chosen is not None and chosen.platform else None
    if not entries:
        check_platform(display, config, wanted)
    platform = shown or _config_platform(config)
    if entries:
        sizes = platform_sizes(entries, {image.digest: image, **(children or {})})
    else:
        sizes = {platform: image.parsed.layers_size} if platform else {}
    return ImageInfo(
        reference=display,
        registry=ref.registry,
        repository=ref.repository,
        tag=ref.tag,
        digest=top.digest,
        manifest=top,
        image=image,
        platform=platform,
        platform_manifests=entries,
        config=config,
        raw_config=raw_config,
        platform_sizes=sizes,
    )


def _config_platform(config: manifests.ImageConfig) -> str | None:
    if not config.os or not config.architecture:
        return None
    parts = [config.os, config.architecture] + ([config.variant] if config.variant else [])
    return "/".join(parts)
