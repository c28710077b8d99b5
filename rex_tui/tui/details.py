"""What the details pane says about an image, section by section, as urwid markup.

Pure functions from an `ImageInfo` (and referrers) to lines of markup, so the
pane only lays them out and tests can check the text without a terminal.
Raw JSON is pretty-printed and highlighted with pygments. Nearly all of it is
the registry's text: `section_lines` escapes every piece of every line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from engine import (
    Descriptor,
    ImageInfo,
    TagInfo,
    absolute_time,
    human_size,
    marks_of_referrers,
    relative_time,
)
from rex_tui.styles import json_lines
from rex_tui.untrusted import visible

__all__ = [
    "LABEL_WIDTH",
    "SECTIONS",
    "Line",
    "highlight_json",
    "section_lines",
    "split_label",
    "with_known_facts",
]

Markup = str | tuple[str, str]
Line = list[Markup]

SECTIONS = (
    "Summary",
    "Platforms",
    "Layers",
    "Config",
    "History",
    "Referrers",
    "Files",
    "Raw manifest",
    "Raw config",
)


LABEL_WIDTH = 14
"""The width of a labelled line's label: its value is drawn (and wrapped) beside it."""


def _field(label: str, value: str, style: str = "details.value") -> Line:
    return [("details.label", f"{label:<{LABEL_WIDTH}}"), (style, value)]


def split_label(line: Line) -> tuple[tuple[str, str] | None, Line]:
    """A labelled line's label and value, to wrap the value under itself; (None, line)
    for any other line."""
    first = line[0] if line else None
    if (
        isinstance(first, tuple)
        and first[0] == "details.label"
        and len(first[1]) == LABEL_WIDTH
        and len(line) > 1
    ):
        return first, line[1:]
    return None, line


def _when(when: datetime | None) -> str:
    if when is None:
        return "(unknown)"
    return f"{absolute_time(when)} ({relative_time(when)})"


def with_known_facts(
    info: ImageInfo, row: TagInfo | None, referrers: Sequence[Descriptor] | None
) -> ImageInfo:
    """`info` with the aliases and signed/SBOM marks its tag row (same digest) and its
    referrers (once fetched) know."""
    if row is not None and row.digest == info.digest:
        info = replace(
            info, aliases=row.aliases, signed=row.signed, sbom=row.sbom, attested=row.attested
        )
    if referrers is not None:
        marks = marks_of_referrers(referrers)
        info = replace(
            info,
            signed=bool(info.signed) or marks.signed,
            sbom=bool(info.sbom) or marks.sbom,
            attested=bool(info.attested) or marks.attested,
        )
    return info


def _yes(flag: bool | None) -> str:
    return "…" if flag is None else "yes" if flag else "no"


def _about(info: ImageInfo) -> list[Line]:
    """What the image says about itself (annotations, labels): the repository's summary."""
    return [_field(name.capitalize(), value) for name, value in info.description.known()]


def _summary(info: ImageInfo) -> list[Line]:
    total = f"{human_size(info.total_size)} (all {len(info.platform_sizes)} platforms)"
    aliases = "…" if info.aliases is None else " = ".join(info.aliases) or "(none)"
    lines = [
        _field("Image", info.reference),
        _field("Digest", info.digest, "details.digest"),
        _field("Type", info.manifest_type + (" (multi-platform)" if info.platforms[1:] else "")),
        _field("Media type", info.media_type),
        _field("Pull size", f"{human_size(info.size)} ({info.size:,} bytes)", "details.size"),
        _field("Config size", human_size(info.config_size), "details.size"),
        _field("Manifest size", human_size(info.manifest_size), "details.size"),
        _field("Platform", info.platform or "(unknown)", "details.platform"),
        _field("Created", _when(info.created), "details.date"),
        _field("Config", info.config_digest, "details.digest"),
        _field("Layers", str(len(info.layers))),
    ]
    if info.is_multi_platform:
        lines.insert(7, _field("Platforms", ", ".join(info.platforms), "details.platform"))
        lines.insert(5, _field("Total size", total, "details.size"))
    if info.config.author:
        lines.append(_field("Author", info.config.author))
    lines.insert(1, _field("Aliases", aliases))
    lines.insert(4, _field("Signed", _yes(info.signed)))
    lines.insert(5, _field("SBOM", _yes(info.sbom)))
    about = _about(info)
    if about:
        lines += [[], [("details.heading", "About")], *about]
    return lines


def _platforms(info: ImageInfo) -> list[Line]:
    if not info.platform_manifests:
        return [[f"single-platform image: {info.platform or '(unknown)'}"]]
    lines: list[Line] = []
    for entry in info.platform_manifests:
        marker = "▶ " if entry.digest == info.image.digest else "  "
        size = info.platform_sizes.get(entry.platform)
        lines.append(
            [
                marker,
                ("details.platform", f"{entry.platform:<18}"),
                ("details.digest", f"{entry.digest[:19]} "),
                ("details.label", "pull size "),
                ("details.size", "unknown" if size is None else human_size(size)),
            ]
        )
    return lines


def _layers(info: ImageInfo) -> list[Line]:
    commands = [h.created_by or "" for h in info.config.history if not h.empty_layer]
    lines: list[Line] = []
    for i, layer in enumerate(info.layers):
        lines.append(
            [
                f"{i + 1:>3}. ",
                ("details.digest", layer.digest[:19]),
                " ",
                ("details.size", f"{human_size(layer.size):>9}"),
                f"  {layer.media_type.rsplit('.', 1)[-1]}",
            ]
        )
        if i < len(commands) and commands[i]:
            lines.append([("details.label", "     "), commands[i][:200]])
    return lines or [["(no layers)"]]


def _list(values: Sequence[str] | None) -> str:
    return " ".join(json.dumps(v) for v in values) if values else "(none)"


def _config(info: ImageInfo) -> list[Line]:
    cfg = info.config.config
    lines = [
        _field("Entrypoint", _list(cfg.entrypoint)),
        _field("Cmd", _list(cfg.cmd)),
        _field("WorkingDir", cfg.working_dir or "(empty)"),
        _field("User", cfg.user or "(empty)"),
        _field("Ports", ", ".join(cfg.exposed_ports) or "(none)"),
        _field("Volumes", ", ".join(cfg.volumes) or "(none)"),
    ]
    if cfg.stop_signal:
        lines.append(_field("StopSignal", cfg.stop_signal))
    lines.append([("details.heading", "Env")])
    lines.extend([["  ", ("details.value", env)] for env in cfg.env] or [["  (none)"]])
    lines.append([("details.heading", "Labels")])
    labels = sorted(cfg.labels.items())
    lines.extend(
        [["  ", ("details.label", f"{k}: "), ("details.value", v)] for k, v in labels]
        or [["  (none)"]]
    )
    return lines


def _history(info: ImageInfo) -> list[Line]:
    lines: list[Line] = []
    for i, entry in enumerate(info.config.history):
        when = absolute_time(entry.created) if entry.created else "(unknown)"
        empty = "  (empty layer)" if entry.empty_layer else ""
        lines.append([f"{i + 1:>3}. ", ("details.date", when), ("details.label", empty)])
        if entry.created_by:
            lines.append(["     ", entry.created_by[:300]])
        if entry.comment:
            lines.append(["     ", ("details.label", entry.comment)])
    return lines or [["(no history)"]]


def _referrers(referrers: Sequence[Descriptor] | None) -> list[Line]:
    if referrers is None:
        return [["loading…"]]
    if not referrers:
        return [["(none: no signatures, SBOMs or attestations point at this image)"]]
    return [
        [
            ("details.value", f"{(d.artifact_type or d.media_type):<44} "),
            ("details.digest", d.digest[:19]),
            " ",
            ("details.size", human_size(d.size)),
        ]
        for d in referrers
    ]


def _files(info: ImageInfo) -> list[Line]:
    """The Files section: what Enter (or F) opens, the browser of rex_tui.tui.files."""
    count = len(info.layers)
    return [
        ["Press Enter (or f) to browse this image's files: a tree with sizes, each"],
        ["layer's own files, and the bytes later layers overwrote or deleted."],
        [],
        [
            ("details.label", f"{count} layer{'s' if count != 1 else ''}, "),
            ("details.size", f"{human_size(info.size)} to stream"),
            ("details.label", " (listings are cached by layer digest)"),
        ],
    ]


def highlight_json(raw: bytes) -> list[Line]:
    """Pretty-printed, pygments-highlighted JSON (or the raw text if it is not JSON)."""
    from pygments.lexers.data import JsonLexer  # only when a raw section is shown

    try:
        text = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (ValueError, UnicodeDecodeError):
        return [[line] for line in raw.decode("utf-8", "replace").splitlines()]
    tokens = ((tuple(token), value) for token, value in JsonLexer().get_tokens(text))
    return [list(line) for line in json_lines(tokens)]


def _escaped(line: Line) -> Line:
    return [
        visible(part) if isinstance(part, str) else (part[0], visible(part[1])) for part in line
    ]


def section_lines(
    section: str, info: ImageInfo, referrers: Sequence[Descriptor] | None = None
) -> list[Line]:
    """The lines of one section of SECTIONS, every piece escaped for the screen."""
    return [_escaped(line) for line in _section(section, info, referrers)]


def _section(section: str, info: ImageInfo, referrers: Sequence[Descriptor] | None) -> list[Line]:
    if section == "Summary":
        return _summary(info)
    if section == "Platforms":
        return _platforms(info)
    if section == "Layers":
        return _layers(info)
    if section == "Config":
        return _config(info)
    if section == "History":
        return _history(info)
    if section == "Referrers":
        return _referrers(referrers)
    if section == "Files":
        return _files(info)
    if section == "Raw manifest":
        lines = highlight_json(info.manifest.body)
        if info.image.digest != info.manifest.digest:
            lines.append([])
            lines.append([("details.heading", f"{info.platform} manifest {info.image.digest}")])
            lines.extend(highlight_json(info.image.body))
        return lines
    if section == "Raw config":
        return highlight_json(info.raw_config)
    raise ValueError(f"unknown section {section!r}")
