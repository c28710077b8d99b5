"""A repository that shows every image fact: aliases, sizes, descriptions, signed and SBOM.

`push_facts(url)` pushes `facts/app` to an empty registry (the `fresh_registry`
fixture), so no test that counts the standard seed's repositories or tags changes:

    latest = 1.4.2 = 1.4   a two-platform OCI index: description on the index,
                           title on each child manifest, OCI labels in the config;
                           cosign tags `sha256-<hex>.sig` and `.sbom` sign it
    1.3                    one platform, label-schema labels only; a notation-style
                           signature and an SPDX SBOM through the OCI 1.1 fallback tag
    edge                   one platform, no labels, nothing refers to it
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from engine.testing.images import (
    Blob,
    BuiltImage,
    BuiltIndex,
    Layer,
    build_artifact,
    build_image,
    build_index,
    build_referrers_index,
    make_config,
    referrers_tag,
)
from engine.testing.pusher import Pusher

__all__ = ["REPO", "FactsRepo", "push_facts"]

REPO = "facts/app"
COSIGN_SIG = "application/vnd.dev.cosign.artifact.sig.v1+json"
COSIGN_SBOM = "application/vnd.dev.cosign.artifact.sbom.v1+json"
NOTATION = "application/vnd.cncf.notary.signature"
SPDX = "application/spdx+json"
HOSTILE = "evil\x1b]0;pwned\x07 text"


@dataclass(frozen=True)
class FactsRepo:
    latest: BuiltIndex
    old: BuiltImage
    edge: BuiltImage

    def sizes(self) -> dict[str, int]:
        return {str(c.platform): c.layers_size for c in self.latest.images}


def _image(arch: str, text: str, labels: dict[str, str], day: int) -> BuiltImage:
    layer = Layer.from_files({f"app/{text}": f"{text} for {arch}\n".encode() * (day * 50)})
    config = make_config(
        diff_ids=[layer.diff_id],
        architecture=arch,
        created=dt.datetime(2025, 1, day, tzinfo=dt.UTC),
        labels=labels,
    )
    title = {"org.opencontainers.image.title": f"app for {arch}"} if text == "latest" else {}
    return build_image([layer], config, annotations=title)


def _signature(subject: BuiltImage | BuiltIndex, kind: str, text: bytes) -> BuiltImage:
    return build_artifact(subject, kind, Blob(kind, text))


def push_facts(url: str) -> FactsRepo:
    """Push `facts/app` (see the module docstring) and return what was pushed."""
    oci_labels = {
        "org.opencontainers.image.description": "label description (loses to the index)",
        "org.opencontainers.image.licenses": "Apache-2.0",
        "org.opencontainers.image.vendor": "Rex Tests",
    }
    children = [_image(arch, "latest", oci_labels, 10) for arch in ("amd64", "arm64")]
    latest = build_index(
        children,
        annotations={
            "org.opencontainers.image.description": f"The app, {HOSTILE}",
            "org.opencontainers.image.source": "https://example.com/app",
            "org.opencontainers.image.url": "https://app.example.com",
            "org.opencontainers.image.version": "1.4.2",
        },
    )
    old = _image(
        "amd64",
        "old",
        {
            "org.label-schema.name": "app",
            "org.label-schema.description": "the old app",
            "org.label-schema.vcs-url": "https://example.com/old-app",
            "org.label-schema.license": "MIT",
            "org.label-schema.build-date": "2024-12-01T00:00:00Z",
        },
        5,
    )
    edge = _image("amd64", "edge", {}, 20)
    signature = _signature(old, NOTATION, b"notation signature")
    sbom = _signature(old, SPDX, b'{"spdxVersion":"SPDX-2.3"}')
    with Pusher(url) as pusher:
        pusher.push(REPO, "latest", latest)
        pusher.tag(REPO, ["1.4.2", "1.4"], latest)
        pusher.push(REPO, "1.3", old)
        pusher.push(REPO, "edge", edge)
        hex_tag = referrers_tag(latest.digest)
        pusher.push(REPO, f"{hex_tag}.sig", _signature(latest, COSIGN_SIG, b"cosign sig"))
        pusher.push(REPO, f"{hex_tag}.sbom", _signature(latest, COSIGN_SBOM, b"cosign sbom"))
        pusher.push(REPO, None, signature)
        pusher.push(REPO, None, sbom)
        pusher.push(REPO, referrers_tag(old.digest), build_referrers_index([signature, sbom]))
    return FactsRepo(latest, old, edge)
