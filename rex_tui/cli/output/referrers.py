"""`rex image referrers REF`: the signatures, SBOMs and attestations that point at an image."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine import Descriptor, human_size
from rex_tui.cli.output.color import Palette
from rex_tui.cli.output.image_views import short_digest
from rex_tui.cli.output.table import Column, render_table

__all__ = ["referrers_document", "referrers_text"]


def kind_of(referrer: Descriptor) -> str:
    """What a referrer is: its artifactType, else (older tools) its media type."""
    return referrer.artifact_type or referrer.media_type


def referrers_document(reference: str, digest: str, found: Sequence[Descriptor]) -> dict[str, Any]:
    """The JSON/YAML document: the subject, then one entry per referrer with full digests."""
    return {
        "reference": reference,
        "digest": digest,
        "total_referrers": len(found),
        "referrers": [
            {
                "artifact_type": d.artifact_type,
                "media_type": d.media_type,
                "digest": d.digest,
                "size": d.size,
                "annotations": dict(d.annotations),
            }
            for d in found
        ],
    }


def referrers_text(
    reference: str, digest: str, found: Sequence[Descriptor], palette: Palette
) -> str:
    """A heading naming the subject, then a table as `rex image NAME` draws its tags."""
    heading = f"{palette.header('Referrers of')} {palette.name(reference)} ({short_digest(digest)})"
    columns = [
        Column("ARTIFACT TYPE", palette.name),
        Column("DIGEST", palette.muted),
        Column("SIZE"),
    ]
    rows = [[kind_of(d), short_digest(d.digest), human_size(d.size)] for d in found]
    return heading + "\n" + render_table(columns, rows, palette)
