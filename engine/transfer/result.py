"""What a pull or copy did, for a front end to print."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.frozen import Frozen

__all__ = ["LAYOUTS", "TransferResult"]

LAYOUTS = ("oci", "docker-archive")
"""What a pull can write: an OCI image layout directory, or a docker archive file."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TransferResult(Frozen):
    source: str
    destination: str
    digest: str
    """The digest of the manifest the destination names (unchanged from the source)."""
    media_type: str
    platforms: tuple[str, ...]
    blobs: int
    fetched: int
    """Blobs whose bytes moved."""
    present: int
    """Blobs the destination had already."""
    mounted: int
    bytes_moved: int
    manifests: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "destination": self.destination,
            "digest": self.digest,
            "media_type": self.media_type,
            "platforms": [p for p in self.platforms if p],
            "blobs": self.blobs,
            "fetched": self.fetched,
            "present": self.present,
            "mounted": self.mounted,
            "bytes_moved": self.bytes_moved,
            "manifests": self.manifests,
        }
