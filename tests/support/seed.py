"""The standard data set every seeded test registry holds, and the handle tests get.

Repositories (all flavours hold the same bytes, so the same digests):

  oci/single      1.0 = 1.0.1 = latest (OCI manifest, 2 layers, rich config), 2.0 (another
                  image), an SBOM artifact whose subject is 1.0 (pushed by digest) and the
                  OCI 1.1 referrers fallback tag `sha256-<hex of 1.0>` (an index of it)
  oci/multi       latest: OCI index of linux/amd64, linux/arm64/v8, linux/arm/v7 and a
                  BuildKit attestation manifest (unknown/unknown) for the amd64 image
  docker/single   v2: Docker v2 schema 2
  docker/multi    latest: Docker manifest list of linux/amd64 and linux/arm64/v8
  public/hello    latest (the only repository bob may pull on the token registry)
  paged/repo-000 .. paged/repo-011   latest each (same tiny image), for catalog paging
  tags/many       30 tags v1.0.0..v1.0.9, v1.1.0..v1.1.9, v2.0.0..v2.0.9 pushed in a shuffled
                  order; each run of three consecutive tags shares one digest (10 digests)
  deleted/gone    had one tag whose manifest was deleted: the tag list says `"tags": null`
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from engine.testing.images import (
    DEFAULT_PATH,
    Blob,
    Built,
    BuiltImage,
    BuiltIndex,
    HistoryEntry,
    Layer,
    Platform,
    build_artifact,
    build_attestation,
    build_image,
    build_index,
    build_referrers_index,
    make_config,
    referrers_tag,
)
from engine.testing.pusher import Pusher, push_all
from engine.testing.registry import ALICE, Flavour, RegistryProcess
from tests.support.tokenserver import TokenServer

SBOM_TYPE = "application/vnd.example.sbom.v1+json"
PAGED_REPOS = tuple(f"paged/repo-{i:03d}" for i in range(12))
MANY_TAGS = tuple(
    f"v{major}.{minor}.{patch}" for major, minor in ((1, 0), (1, 1), (2, 0)) for patch in range(10)
)


@dataclass
class SeedSet:
    """What gets pushed, in order, and what a test should then expect to read."""

    images: dict[str, Built] = field(default_factory=dict)
    pushes: list[tuple[str, str | None, Built]] = field(default_factory=list)
    deletes: list[tuple[str, str]] = field(default_factory=list)
    tags: dict[str, list[str]] = field(default_factory=dict)

    def add(self, repo: str, tag: str | None, built: Built) -> None:
        self.pushes.append((repo, tag, built))
        tags = self.tags.setdefault(repo, [])
        if tag is None:
            self.images[f"{repo}@{built.digest}"] = built
        else:
            self.images[f"{repo}:{tag}"] = built
            tags.append(tag)

    @property
    def repositories(self) -> list[str]:
        return sorted(self.tags)


def _noise(seed: int, size: int) -> bytes:
    """Incompressible but reproducible bytes, so layer sizes are realistic."""
    return random.Random(seed).randbytes(size)


BASE_LAYER = Layer.from_files(
    {
        "etc/os-release": b'NAME="Rex Test Linux"\nID=rextest\nVERSION_ID=1.0\n',
        "bin/sh": b"#!/bin/true\n" + _noise(0, 4096),
        "etc/passwd": b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n",
    }
)


def _single(version: str, seed: int, created: str | dt.datetime) -> BuiltImage:
    app = Layer.from_files(
        {
            "app/hello": _noise(seed, 64 * 1024),
            "app/config.yaml": f"greeting: hello\nversion: {version}\n".encode(),
        }
    )
    config = make_config(
        diff_ids=[BASE_LAYER.diff_id, app.diff_id],
        architecture="amd64",
        os="linux",
        created=created,
        author="Rex Tests <tests@example.com>",
        env=[DEFAULT_PATH, "APP_ENV=production", "GREETING=hello world"],
        entrypoint=["/app/hello"],
        cmd=["--serve", "--port=8080"],
        working_dir="/app",
        user="1000:1000",
        exposed_ports=["8080/tcp", "9090/udp"],
        volumes=["/data"],
        labels={
            "org.opencontainers.image.title": "single",
            "org.opencontainers.image.version": version,
            "org.opencontainers.image.source": "https://example.com/rex/single",
            "maintainer": "tests@example.com",
        },
        stop_signal="SIGTERM",
        history=[
            HistoryEntry("ADD rootfs.tar.gz / # buildkit", "2024-01-01T00:00:00Z"),
            HistoryEntry(
                'ENV APP_ENV=production GREETING="hello world"',
                created,
                comment="buildkit.dockerfile.v0",
                empty_layer=True,
            ),
            HistoryEntry("COPY app/ /app/ # buildkit", created, comment="buildkit.dockerfile.v0"),
            HistoryEntry(
                'ENTRYPOINT ["/app/hello"]',
                created,
                comment="buildkit.dockerfile.v0",
                empty_layer=True,
            ),
            HistoryEntry(
                'CMD ["--serve", "--port=8080"]',
                created,
                comment="buildkit.dockerfile.v0",
                empty_layer=True,
            ),
        ],
    )
    return build_image(
        [BASE_LAYER, app],
        config,
        annotations={"org.opencontainers.image.version": version},
    )


def _platform_image(platform: Platform, *, docker: bool, name: str) -> BuiltImage:
    arch_layer = Layer.from_files(
        {
            f"app/{name}": f"{name} built for {platform}\n".encode()
            + _noise(len(str(platform)), 2048)
        }
    )
    config = make_config(
        diff_ids=[BASE_LAYER.diff_id, arch_layer.diff_id],
        architecture=platform.architecture,
        os=platform.os,
        variant=platform.variant,
        created=dt.datetime(2024, 3, 3, 12, 0, 0, tzinfo=dt.UTC),
        cmd=[f"/app/{name}"],
        labels={"org.opencontainers.image.title": name},
    )
    return build_image([BASE_LAYER, arch_layer], config, docker=docker)


def _tiny(text: str, created: dt.datetime) -> BuiltImage:
    layer = Layer.from_files({"hello.txt": text.encode()})
    config = make_config(diff_ids=[layer.diff_id], created=created, cmd=["cat", "/hello.txt"])
    return build_image([layer], config)


@cache
def standard_seed() -> SeedSet:
    """The standard data set (built once per process; the bytes never change)."""
    seed = SeedSet()
    single = _single("1.0", 1, "2024-05-14T09:30:00.123456789Z")
    seed.add("oci/single", "1.0", single)
    seed.add("oci/single", "1.0.1", single)
    seed.add("oci/single", "latest", single)
    seed.add("oci/single", "2.0", _single("2.0", 2, dt.datetime(2024, 9, 1, 8, 0, tzinfo=dt.UTC)))
    sbom = Blob(SBOM_TYPE, b'{"spdxVersion":"SPDX-2.3","name":"oci/single:1.0","packages":[]}')
    artifact = build_artifact(
        single,
        SBOM_TYPE,
        sbom,
        annotations={"org.opencontainers.image.created": "2024-05-14T10:00:00Z"},
    )
    seed.add("oci/single", None, artifact)
    seed.add("oci/single", referrers_tag(single.digest), build_referrers_index([artifact]))

    platforms = [Platform.parse(p) for p in ("linux/amd64", "linux/arm64/v8", "linux/arm/v7")]
    multi = [_platform_image(p, docker=False, name="multi") for p in platforms]
    attestation = build_attestation(
        multi[0], b'{"_type":"https://in-toto.io/Statement/v0.1","predicate":{}}'
    )
    seed.add("oci/multi", "latest", build_index([*multi, attestation]))

    docker_layer = Layer.from_files({"srv/index.html": b"<h1>docker v2</h1>\n"})
    docker_config = make_config(
        diff_ids=[BASE_LAYER.diff_id, docker_layer.diff_id],
        created=dt.datetime(2023, 11, 20, 16, 45, 0, tzinfo=dt.UTC),
        cmd=["httpd", "-f", "-p", "80"],
        exposed_ports=["80/tcp"],
        labels={"org.opencontainers.image.title": "docker-single"},
    )
    seed.add(
        "docker/single", "v2", build_image([BASE_LAYER, docker_layer], docker_config, docker=True)
    )
    docker_children = [_platform_image(p, docker=True, name="dmulti") for p in platforms[:2]]
    seed.add("docker/multi", "latest", build_index(docker_children, docker=True))

    created = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
    seed.add("public/hello", "latest", _tiny("hello from public\n", created))
    paged = _tiny("paged\n", created)
    for repo in PAGED_REPOS:
        seed.add(repo, "latest", paged)

    versions = [
        _tiny(f"many {n}\n", created + dt.timedelta(days=n)) for n in range(len(MANY_TAGS) // 3)
    ]
    order = list(range(len(MANY_TAGS)))
    random.Random(30).shuffle(order)
    for i in order:
        seed.add("tags/many", MANY_TAGS[i], versions[i // 3])

    gone = _tiny("deleted\n", created)
    seed.add("deleted/gone", "old", gone)
    seed.deletes.append(("deleted/gone", gone.digest))
    del seed.images["deleted/gone:old"]
    seed.tags["deleted/gone"] = []
    return seed


def push_seed(
    base_url: str,
    seed: SeedSet,
    credentials: tuple[str, str] | None = None,
    *,
    workers: int = 4,
) -> None:
    """Push a seed set (repositories in parallel), then apply its deletes."""
    push_all(base_url, seed.pushes, credentials, workers=workers)
    with Pusher(base_url, credentials) as pusher:
        for repo, digest in seed.deletes:
            pusher.delete_manifest(repo, digest)


@dataclass
class SeededRegistry:
    """A running registry holding the standard data set; what the session fixtures yield."""

    process: RegistryProcess
    images: dict[str, Built]
    repositories: list[str]
    tags: dict[str, list[str]]
    token_server: TokenServer | None = None
    seconds_to_start: float = 0.0

    @property
    def flavour(self) -> Flavour:
        return self.process.flavour

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def host(self) -> str:
        return self.process.host

    @property
    def users(self) -> dict[str, str]:
        return self.process.users

    @property
    def credentials(self) -> tuple[str, str] | None:
        """alice's (username, password): full access; None on the anonymous registry."""
        return (ALICE, self.users[ALICE]) if self.users else None

    def digest(self, ref: str) -> str:
        return self.images[ref].digest

    def image(self, ref: str) -> BuiltImage:
        built = self.images[ref]
        assert isinstance(built, BuiltImage), f"{ref} is an index"
        return built

    def index(self, ref: str) -> BuiltIndex:
        built = self.images[ref]
        assert isinstance(built, BuiltIndex), f"{ref} is not an index"
        return built

    @property
    def artifact(self) -> BuiltImage:
        """The SBOM artifact whose subject is oci/single:1.0."""
        return next(
            b
            for ref, b in self.images.items()
            if ref.startswith("oci/single@") and isinstance(b, BuiltImage)
        )

    @property
    def referrers_ref(self) -> str:
        """`oci/single:sha256-<hex>`: the referrers fallback tag for oci/single:1.0."""
        return f"oci/single:{referrers_tag(self.digest('oci/single:1.0'))}"

    def blob_path(self, digest: str) -> Path:
        return self.process.blob_path(digest)


def make_template(workdir: Path, seed: SeedSet | None = None) -> Path:
    """Push the data set once into a throwaway registry; return its storage directory.

    The filesystem driver's layout is the same whatever the auth flavour, so every seeded
    registry starts from a copy of this directory instead of pushing ~230 requests again.
    """
    process = RegistryProcess("anonymous", workdir=workdir).start()
    try:
        push_seed(process.url, seed or standard_seed())
    finally:
        process.stop()
    return process.storage_dir


def start_seeded(
    flavour: Flavour,
    workdir: Path,
    *,
    template: Path | None = None,
    seed: SeedSet | None = None,
) -> SeededRegistry:
    """A running registry of `flavour` in `workdir` holding the standard data set.

    With `template` (from make_template) the storage is copied; otherwise the set is
    pushed through the registry's own auth as alice.
    """
    seed = seed or standard_seed()
    token_server = TokenServer() if flavour == "token" else None
    process = RegistryProcess(flavour, workdir=workdir, token_server=token_server)
    started = time.perf_counter()
    try:
        if template is not None:
            shutil.copytree(template, process.storage_dir)
            process.start()
        else:
            process.start()
            credentials = None if flavour == "anonymous" else (ALICE, process.users[ALICE])
            push_seed(process.url, seed, credentials)
    except BaseException:
        process.close()
        raise
    return SeededRegistry(
        process=process,
        images=dict(seed.images),
        repositories=seed.repositories,
        tags={repo: sorted(tags) for repo, tags in seed.tags.items()},
        token_server=token_server,
        seconds_to_start=time.perf_counter() - started,
    )
