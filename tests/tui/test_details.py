"""The details pane's sections for real images built by the test suite (no registry)."""

from __future__ import annotations

import urwid

from engine.format import human_size
from engine.oci import manifests as oci
from engine.oci.models import ImageInfo, Manifest
from engine.oci.reference import Reference
from engine.reads.assemble import assemble_image, choose_child
from engine.testing.images import BuiltImage, BuiltIndex
from rex_tui.tui.details import SECTIONS, highlight_json, section_lines
from rex_tui.tui.panes import DetailsPane
from tests.support.seed import standard_seed


def manifest(built: BuiltImage | BuiltIndex) -> Manifest:
    return Manifest(
        built.digest, built.media_type, built.manifest, oci.parse_manifest(built.manifest)
    )


def image(ref: str, platform: str | None = None) -> ImageInfo:
    built = standard_seed().images[ref]
    top = manifest(built)
    chosen, shown = None, top
    children: dict[str, Manifest] = {}
    if isinstance(built, BuiltIndex):
        assert isinstance(top.parsed, oci.ImageIndex)
        chosen = choose_child(top.parsed, oci.Platform.parse(platform) if platform else None)
        children = {c.digest: manifest(c) for c in built.children}
        child = next(c for c in built.children if c.digest == chosen.digest)
        shown, config = manifest(child), child.config.data
    else:
        config = built.config.data
    parsed = Reference.parse(ref, default_registry="127.0.0.1:5000")
    return assemble_image(parsed, ref, top, shown, config, chosen, children=children)


def text(lines: list[list[object]]) -> list[str]:
    return ["".join(p if isinstance(p, str) else p[1] for p in line) for line in lines]  # type: ignore[index]


def test_every_section_renders_for_every_kind_of_image() -> None:
    for ref in ("oci/single:1.0", "oci/multi:latest", "docker/single:v2", "docker/multi:latest"):
        info = image(ref)
        for section in SECTIONS:
            lines = section_lines(section, info, referrers=[])
            assert lines, (ref, section)
            widget = urwid.Pile([urwid.Text(line or "") for line in lines])
            widget.render((80,))


def test_summary_of_a_multi_platform_image() -> None:
    info = image("oci/multi:latest", "linux/arm/v7")
    shown = text(section_lines("Summary", info))  # type: ignore[arg-type]
    assert shown[0] == f"{'Image':<14}oci/multi:latest"
    assert f"{'Type':<14}OCI Image Index (multi-platform)" in shown
    assert f"{'Platform':<14}linux/arm/v7" in shown
    assert any(line.startswith("Platforms") and "linux/arm64/v8" in line for line in shown)
    platforms = text(section_lines("Platforms", info))  # type: ignore[arg-type]
    assert [line[:2] for line in platforms] == ["  ", "  ", "▶ "]
    # Each platform's pull size (its layers), labelled; never its manifest's few hundred bytes.
    built = standard_seed().images["oci/multi:latest"]
    assert isinstance(built, BuiltIndex)
    for line, platform in zip(platforms, built.platforms, strict=True):
        assert line.endswith(f"pull size {human_size(built.child(platform).layers_size)}")
    child = built.child("linux/arm/v7")
    assert f"{'Pull size':<14}{human_size(child.layers_size)}" in " ".join(shown)
    assert f"{'Manifest size':<14}{human_size(len(child.manifest))}" in shown
    assert f"{'Config size':<14}{human_size(child.config.size)}" in shown


def test_config_and_history_sections() -> None:
    info = image("oci/single:1.0")
    config = text(section_lines("Config", info))  # type: ignore[arg-type]
    labels = info.config.config.labels
    assert any(k in line and v in line for line in config for k, v in labels.items())
    history = text(section_lines("History", info))  # type: ignore[arg-type]
    assert sum("(empty layer)" in line for line in history) == 3


def test_raw_json_is_highlighted() -> None:
    lines = highlight_json(b'{"schemaVersion": 2, "ok": true, "name": "x"}')
    styles = {part[0] for line in lines for part in line if isinstance(part, tuple)}
    assert {"json.key", "json.number", "json.literal", "json.string"} <= styles
    assert text(lines) == ["{", '  "schemaVersion": 2,', '  "ok": true,', '  "name": "x"', "}"]  # type: ignore[arg-type]
    assert text(highlight_json(b"not json")) == ["not json"]  # type: ignore[arg-type]


def test_values_wrap_at_word_boundaries_under_their_label() -> None:
    info = image("oci/multi:latest")
    pane = DetailsPane()
    pane.set_content(lambda section: section_lines(section, info))
    for cols in range(34, 70):
        lines = [line.decode() for line in pane.render((cols, 40)).text]
        body = "\n".join(lines)
        assert "(multi-platform)" in body, body  # never multi-platfo|rm
        for line in lines[4:]:
            inner = line.strip("│")
            # A wrapped value continues under the value, not under the label.
            if inner[:14].strip() == "" and inner.strip():
                assert not inner[14:].startswith(" ") or inner.strip().startswith("("), line
    sizes = [line for line in lines if "Manifest size" in line]
    assert sizes and sizes[0].rstrip("│ ").endswith(" B")  # "418 B", not 418| B
