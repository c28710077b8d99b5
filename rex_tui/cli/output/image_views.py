"""Pretty text for `rex image NAME:TAG` (summary) and `rex image inspect` (everything),
and the JSON/YAML document of inspect, which the seeds leave to us."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Mapping
from typing import Any

from engine import ImageInfo, group_digits, human_size, isoformat
from rex_tui.cli.output.color import Palette
from rex_tui.untrusted import visible

__all__ = ["inspect_document", "inspect_text", "short_digest", "summary_text"]


def short_digest(digest: str, hex_chars: int = 12) -> str:
    """A digest cut to 12 hex digits and "...", as the seeds abbreviate them in listings."""
    algorithm, _, hex_part = digest.partition(":")
    if not hex_part or len(hex_part) <= hex_chars:
        return digest
    return f"{algorithm}:{hex_part[:hex_chars]}..."


def _type_line(info: ImageInfo) -> str:
    return info.manifest_type + (" (multi-platform)" if info.is_multi_platform else "")


def _size_line(info: ImageInfo, palette: Palette, title: str) -> str:
    """The pull size (compressed layers), with the config and manifest bytes apart."""
    apart = f"config {human_size(info.config_size)}, manifest {human_size(info.manifest_size)}"
    return f"{palette.header(title)} {human_size(info.size)} (compressed layers; {apart})"


def _total_line(info: ImageInfo, palette: Palette) -> list[str]:
    """Every platform's pull size added up, for a multi-platform image."""
    if not info.is_multi_platform:
        return []
    count = len(info.platform_sizes)
    return [f"{palette.header('Total:')} {human_size(info.total_size)} (all {count} platforms)"]


def _known(flag: bool | None) -> str:
    return "unknown (--aliases looks it up)" if flag is None else "yes" if flag else "no"


def _facts_lines(info: ImageInfo, palette: Palette) -> list[str]:
    """Aliases and signed/SBOM, then what the image says about itself (escaped)."""
    h = palette.header
    aliases = (
        _known(None)
        if info.aliases is None
        else ", ".join(visible(a) for a in info.aliases) or "(none)"
    )
    lines = [
        f"{h('Aliases:')} {aliases}",
        f"{h('Signed:')} {_known(info.signed)}",
        f"{h('SBOM:')} {_known(info.sbom)}",
    ]
    about = info.description.known()
    if about:
        lines += ["", h("Description:")]
        width = max(len(name) for name, _ in about)
        # One line per fact: a newline in a registry's value must not forge the next line.
        lines += [f"  {name.capitalize():<{width}}  {visible(value)}" for name, value in about]
    return lines


def _platform_size(info: ImageInfo, platform: str) -> str:
    size = info.platform_sizes.get(platform)
    return "unknown" if size is None else human_size(size)


def _words(values: Iterable[str] | None) -> str:
    # shlex.join quotes what a shell would need quoted, so the line can be pasted.
    return shlex.join(values) if values else "(empty)"


def _block(lines: list[str], key: str, values: Iterable[str], indent: str) -> None:
    """`key: first` with further values aligned beneath it."""
    items = [visible(value) for value in values]
    if not items:
        return
    lines.append(f"{indent}{key}: {items[0]}")
    pad = " " * (len(indent) + len(key) + 2)
    lines.extend(pad + item for item in items[1:])


def _mapping(lines: list[str], palette: Palette, title: str, values: Mapping[str, str]) -> None:
    lines += ["", palette.header(f"{title}:")]
    if not values:
        lines.append("  (none)")
    # One line per entry: a newline in a registry's value must not forge the next line.
    lines.extend(f"  {palette.name(visible(k))}: {visible(v)}" for k, v in values.items())


def summary_text(info: ImageInfo, palette: Palette) -> str:
    """The seeds' `rex image NAME:TAG` pretty output."""
    cfg = info.config.config
    lines = [
        f"{palette.header('Image:')} {palette.name(info.reference)}",
        f"{palette.header('Digest:')} {info.digest}",
        f"{palette.header('Type:')} {_type_line(info)}",
        _size_line(info, palette, "Size:"),
        *_total_line(info, palette),
        *_facts_lines(info, palette),
    ]
    if info.is_multi_platform:
        lines += ["", palette.header("Platforms:")]
        width = max(map(len, info.platforms), default=0)
        for platform in info.platforms:
            marker = palette.muted("  (shown below)") if platform == info.platform else ""
            lines.append(f"  {platform:<{width}}  {_platform_size(info, platform)}{marker}")
    lines += ["", palette.header("Configuration:")]
    if cfg.entrypoint:
        lines.append(f"  Entrypoint: {_words(cfg.entrypoint)}")
    if cfg.cmd:
        lines.append(f"  Cmd: {_words(cfg.cmd)}")
    _block(lines, "Env", cfg.env, "  ")
    lines.append(f"  WorkingDir: {cfg.working_dir or '(empty)'}")
    lines.append(f"  User: {cfg.user or '(empty)'}")
    if cfg.exposed_ports:
        lines.append(f"  ExposedPorts: {', '.join(cfg.exposed_ports)}")
    if cfg.volumes:
        lines.append(f"  Volumes: {', '.join(cfg.volumes)}")
    lines += ["", palette.header(f"Layers: {len(info.layers)}")]
    lines.extend(
        f"  {palette.muted(short_digest(layer.digest))} ({human_size(layer.size)})"
        for layer in info.layers
    )
    _mapping(lines, palette, "Labels", info.labels)
    lines += ["", f"{palette.header('Created:')} {isoformat(info.created) or 'unknown'}"]
    return "\n".join(lines)


def _history_sizes(info: ImageInfo) -> list[int | None]:
    """Each history entry's layer size: entries that made a layer take them in order."""
    layers = iter(info.layers)
    sizes: list[int | None] = []
    for entry in info.config.history:
        layer = None if entry.empty_layer else next(layers, None)
        sizes.append(None if layer is None else layer.size)
    return sizes


def inspect_text(info: ImageInfo, palette: Palette) -> str:
    """Everything about an image, sectioned like the seeds' `rex image inspect`."""
    h = palette.header
    image = info.image_manifest
    config = info.config
    cfg = config.config
    lines = [
        f"{h('Image:')} {palette.name(info.reference)}",
        f"{h('Digest:')} {info.digest}",
        f"{h('Registry:')} {info.registry}",
        f"{h('Type:')} {_type_line(info)}",
        f"{h('Media Type:')} {info.media_type}",
        _size_line(info, palette, "Total Size:"),
        *_total_line(info, palette),
        *_facts_lines(info, palette),
        "",
        f"{h('Manifest Digest:')} {info.image.digest}",
        f"{h('Config Digest:')} {info.config_digest}",
    ]
    if info.platform_manifests:
        lines += ["", h("Platforms Available:")]
        for number, entry in enumerate(info.platform_manifests, 1):
            lines += [
                f"  {number}. {entry.platform}",
                f"     Digest: {entry.digest}",
                f"     Size: {_platform_size(info, entry.platform)}",
                f"     Media Type: {entry.media_type}",
                "",
            ]
        lines.pop()
    shown = f" ({info.platform})" if info.platform else ""
    lines += ["", h(f"Configuration{shown}:")]
    lines.append(f"  Architecture: {config.architecture or 'unknown'}")
    lines.append(f"  OS: {config.os or 'unknown'}")
    if config.variant:
        lines.append(f"  Variant: {config.variant}")
    lines.append(f"  Created: {isoformat(config.created) or 'unknown'}")
    if config.author:
        lines.append(f"  Author: {config.author}")
    lines += ["", "  Config:", f"    User: {cfg.user or '(empty)'}"]
    for title, values in (
        ("Env", cfg.env),
        ("Entrypoint", cfg.entrypoint or ()),
        ("Cmd", cfg.cmd or ()),
        ("ExposedPorts", cfg.exposed_ports),
        ("Volumes", cfg.volumes),
    ):
        if values:
            lines.append(f"    {title}:")
            lines.extend(f"      - {visible(value)}" for value in values)
    lines.append(f"    WorkingDir: {cfg.working_dir or '(empty)'}")
    if cfg.stop_signal:
        lines.append(f"    StopSignal: {cfg.stop_signal}")
    lines += ["", "  Labels:"]
    labels = cfg.labels.items()
    lines += [f"    {palette.name(visible(k))}: {visible(v)}" for k, v in labels] or ["    (none)"]
    if image.annotations:
        lines += ["", h("Annotations:")]
        lines += [
            f"  {palette.name(visible(k))}: {visible(v)}" for k, v in image.annotations.items()
        ]
    lines += ["", h(f"Layers ({len(image.layers)}):")]
    for number, layer in enumerate(image.layers, 1):
        lines += [
            f"  {number}. {layer.digest}",
            f"     Size: {human_size(layer.size)} ({group_digits(layer.size)} bytes)",
            f"     Media Type: {layer.media_type}",
        ]
    lines += ["", h(f"History ({len(config.history)} entries):")]
    sizes = _history_sizes(info)
    for number, (step, size) in enumerate(zip(config.history, sizes, strict=True), 1):
        lines.append(f"  {number}. Created: {isoformat(step.created) or 'unknown'}")
        if step.created_by:
            lines.append(f"     Created By: {visible(step.created_by)}")
        if step.comment:
            lines.append(f"     Comment: {visible(step.comment)}")
        lines.append(f"     Size: {'0 B (no layer)' if size is None else human_size(size)}")
    lines += ["", h("RootFS:"), f"  Type: {config.rootfs.type or 'unknown'}", "  DiffIDs:"]
    lines += [f"    - {diff_id}" for diff_id in config.rootfs.diff_ids]
    return "\n".join(lines)


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def inspect_document(info: ImageInfo) -> dict[str, Any]:
    """The whole image for `-f json|yaml`: the summary's keys, then raw manifest and config."""
    image = info.image_manifest
    config = info.config
    document = info.to_dict()
    document.update(
        registry=info.registry,
        repository=info.repository,
        tag=info.tag,
        media_type=info.media_type,
        platform=info.platform,
        platform_manifests=[
            {"platform": p.platform, "digest": p.digest, "size": p.size, "media_type": p.media_type}
            for p in info.platform_manifests
        ],
        manifest_digest=info.image.digest,
        config_digest=info.config_digest,
        architecture=config.architecture,
        os=config.os,
        variant=config.variant,
        author=config.author,
        layers=[
            {
                "digest": layer.digest,
                "size": layer.size,
                "media_type": layer.media_type,
                "annotations": dict(layer.annotations),
            }
            for layer in image.layers
        ],
        annotations=dict(image.annotations),
        history=[
            {
                "created": isoformat(entry.created),
                "created_by": entry.created_by,
                "author": entry.author,
                "comment": entry.comment,
                "empty_layer": entry.empty_layer,
            }
            for entry in config.history
        ],
        rootfs={"type": config.rootfs.type, "diff_ids": list(config.rootfs.diff_ids)},
        index=_json_or_none(info.manifest.body) if info.is_multi_platform else None,
        manifest=_json_or_none(info.image.body),
        image_config=_json_or_none(info.raw_config),
    )
    return document
