"""The details' summary with image facts: aliases, signed/SBOM, total size, description."""

from __future__ import annotations

from engine import TagInfo
from engine.oci.manifests import Descriptor
from rex_tui.tui.details import Line, section_lines, with_known_facts
from tests.tui.test_details import image


def text(lines: list[Line]) -> list[str]:
    return ["".join(p if isinstance(p, str) else p[1] for p in line) for line in lines]


def test_summary_shows_aliases_marks_and_the_description() -> None:
    info = image("oci/single:1.0")
    row = TagInfo("1.0", info.digest, info.size, None, info.platforms, info.media_type,
                  aliases=("1.0.1", "latest"), sbom=True)  # fmt: skip
    sbom = Descriptor("application/vnd.oci.image.manifest.v1+json", info.digest, 1,
                      artifact_type="application/vnd.dev.cosign.artifact.sig.v1+json")  # fmt: skip
    lines = text(section_lines("Summary", with_known_facts(info, row, [sbom])))
    assert "Aliases       1.0.1 = latest" in lines
    assert "Signed        yes" in lines and "SBOM          yes" in lines
    assert "About" in lines and "Title         single" in lines
    assert any(line.startswith("Source        https://example.com/rex/single") for line in lines)


def test_unknown_facts_show_as_pending_and_a_stale_row_is_ignored() -> None:
    info = image("oci/multi:latest")
    other = TagInfo("latest", "sha256:" + "0" * 64, 1, None, (), "m", aliases=("x",), signed=True)
    lines = text(section_lines("Summary", with_known_facts(info, other, None)))
    assert "Aliases       …" in lines and "Signed        …" in lines
    total = sum(info.platform_sizes.values())
    assert any(line.startswith("Total size") and "all 3 platforms" in line for line in lines)
    assert info.total_size == total


def test_a_hostile_description_is_escaped() -> None:
    from dataclasses import replace

    from engine.oci import manifests as oci
    from engine.oci.models import Manifest

    info = image("oci/single:1.0")
    body = info.image.body
    parsed = info.image_manifest
    evil = replace(parsed, annotations={"org.opencontainers.image.description": "a\x1b[2Jb"})
    shown = replace(info, image=Manifest(info.image.digest, info.image.media_type, body, evil))
    assert isinstance(shown.image.parsed, oci.ImageManifest)
    lines = text(section_lines("Summary", shown))
    assert "Description   a\\x1b[2Jb" in lines
