"""The demo registry's content: ~30 repositories that look like a real company registry.

Built in code from the test suite's image builders (engine/testing/images.py), so it needs
nothing but the standard library and httpx. Layers hold random bytes (stored, not
compressed, so building them is cheap) to give realistic sizes; every date is relative to
now, so the demo always looks recently used. What it holds:

  library/*   alpine (OCI index: 3 platforms + BuildKit attestations), nginx (Docker
              manifest list), debian (OCI index), busybox and redis (Docker v2), postgres,
              python, node, golang, ubuntu, traefik, registry (OCI), with env, entrypoint,
              cmd, workdir, user, ports, volumes, labels and Dockerfile history
  acme/api    61 semver tags over 14 months; the newest has a signature and an SBOM
              attached through `subject` (plus the OCI 1.1 referrers fallback tag)
  acme/*      services (OCI and Docker v2, one multi-platform), a Helm chart artifact
  tools/*, ci/*, sandbox/*   small images; sandbox/old-experiment's only tag was deleted
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import random
import tarfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

from engine.testing.images import (
    LAYER_MTIME,
    OCI_LAYER,
    OCI_MANIFEST,
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
    manifest_json,
    referrers_tag,
    rfc3339,
)

__all__ = ["DemoSet", "build_demo_set"]

MB = 1024 * 1024
AMD64 = Platform("linux", "amd64")
ARM64 = Platform("linux", "arm64", "v8")
ARMV7 = Platform("linux", "arm", "v7")
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BUILDKIT = "buildkit.dockerfile.v0"

SIGNATURE_TYPE = "application/vnd.dev.cosign.artifact.sig.v1+json"
SBOM_TYPE = "application/spdx+json"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"


# -- the set -------------------------------------------------------------------------------


@dataclass
class DemoSet:
    """What to push, in order, and the tags each repository should then list."""

    pushes: list[tuple[str, str | None, Built]] = field(default_factory=list)
    tags: dict[str, list[str]] = field(default_factory=dict)
    deletes: list[tuple[str, str]] = field(default_factory=list)

    def add(self, repo: str, tags: str | Iterable[str] | None, built: Built) -> None:
        """Push `built` under each tag (None: by digest only, as referrers are)."""
        names = [tags] if isinstance(tags, str) else list(tags or [])
        known = self.tags.setdefault(repo, [])
        if not names:
            self.pushes.append((repo, None, built))
        for tag in names:
            self.pushes.append((repo, tag, built))
            known.append(tag)

    def delete(self, repo: str, built: Built) -> None:
        """Delete a manifest after pushing (its tags go with it)."""
        self.deletes.append((repo, built.digest))
        self.tags[repo] = []

    @property
    def repositories(self) -> list[str]:
        return sorted(self.tags)

    @property
    def upload_bytes(self) -> int:
        """Bytes of distinct blobs and manifests (what a mounting pusher sends)."""
        seen: dict[str, int] = {}
        for _, _, built in self.pushes:
            for image in built.children if isinstance(built, BuiltIndex) else (built,):
                for blob in image.blobs:
                    seen[blob.digest] = blob.size
                seen[image.digest] = image.size
            seen[built.digest] = built.size
        return sum(seen.values())


# -- layers, steps and images --------------------------------------------------------------


def _noise(seed: str, size: int) -> bytes:
    """`size` bytes that differ per seed: one random block, repeated (cheap to make)."""
    block = random.Random(seed).randbytes(min(size, 64 * 1024))
    return (block * (size // len(block) + 1))[:size] if block else b""


@cache
def noise_layer(path: str, size: int, seed: str = "") -> Layer:
    """A layer of `size` bytes at `path`: a realistic size, built in milliseconds.

    The gzip stream is stored (level 0), so the layer's size is what was asked for and
    making it costs no deflating.
    """
    data = _noise(seed or path, size)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(path)
        info.size = size
        info.mode = 0o755
        info.mtime = LAYER_MTIME
        tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    return Layer(
        media_type=OCI_LAYER,
        data=gzip.compress(raw, compresslevel=0, mtime=0),
        diff_id="sha256:" + hashlib.sha256(raw).hexdigest(),
        files=(path,),
        uncompressed_size=len(raw),
    )


def text_layer(files: Mapping[str, str]) -> Layer:
    return Layer.from_files({path: text.encode() for path, text in files.items()})


@dataclass(frozen=True)
class Step:
    """One build instruction: its history line, and the layer it made (None: metadata)."""

    created_by: str
    layer: Layer | None = None
    when: dt.datetime | None = None  # None: when the image itself was built


def assemble(
    steps: Sequence[Step],
    *,
    platform: Platform,
    created: dt.datetime,
    docker: bool = False,
    annotations: Mapping[str, str] | None = None,
    **config: Any,
) -> BuiltImage:
    """An image from its steps: the layers, the history and the config all agree."""
    layers = [s.layer for s in steps if s.layer is not None]
    history = [
        HistoryEntry(
            s.created_by,
            s.when or created,
            comment=None if s.when else BUILDKIT,
            empty_layer=s.layer is None,
        )
        for s in steps
    ]
    document = make_config(
        diff_ids=[layer.diff_id for layer in layers],
        architecture=platform.architecture,
        os=platform.os,
        variant=platform.variant,
        created=created,
        history=history,
        **config,
    )
    return build_image(layers, document, docker=docker, annotations=annotations)


def multi(
    build: Callable[[Platform], BuiltImage],
    platforms: Sequence[Platform],
    *,
    docker: bool = False,
    attest: bool = False,
) -> BuiltIndex:
    """An index (or Docker manifest list) of one image per platform, optionally attested."""
    images = [build(p) for p in platforms]
    children = list(images)
    if attest:
        for image in images:
            statement = {
                "_type": "https://in-toto.io/Statement/v0.1",
                "predicateType": "https://slsa.dev/provenance/v0.2",
                "subject": [{"name": "image", "digest": {"sha256": image.digest[7:]}}],
                "predicate": {"builder": {"id": "https://github.com/moby/buildkit"}},
            }
            children.append(build_attestation(image, json.dumps(statement).encode()))
    return build_index(children, docker=docker)


def _arch_name(platform: Platform) -> str:
    return {"amd64": "x86_64", "arm64": "aarch64", "arm": "armv7"}.get(
        platform.architecture, platform.architecture
    )


def _revision(*parts: str) -> str:
    return hashlib.sha1("/".join(parts).encode()).hexdigest()


class Plan:
    """When "now" is and how big a megabyte is: the knobs every builder below shares.

    Dates are relative to one moment (so a run's digests are stable while it lasts);
    `scale` shrinks every layer (tests push the same set with tiny layers).
    """

    def __init__(self, now: dt.datetime, scale: float = 1.0) -> None:
        self.now = now.replace(minute=0, second=0, microsecond=0)
        self.scale = scale

    def ago(self, days: float, hours: float = 0) -> dt.datetime:
        return self.now - dt.timedelta(days=days, hours=hours)

    def bytes(self, megabytes: float) -> int:
        return max(1, int(megabytes * MB * self.scale))


# -- base images -----------------------------------------------------------------------------

ALPINE_SIZES = {"amd64": 3.4, "arm64": 3.9, "arm": 3.1}
ALPINE_RELEASES = {"3.18.9": 190, "3.19.4": 120, "3.20.3": 75, "3.21.0": 12, "edge": 2}


def alpine_steps(version: str, platform: Platform, plan: Plan) -> list[Step]:
    when = plan.ago(ALPINE_RELEASES[version], 6)
    size = plan.bytes(ALPINE_SIZES[platform.architecture]) + len(version) * 7919
    rootfs = noise_layer("lib/apk/db/rootfs.img", size, f"alpine-{version}-{platform}")
    arch = _arch_name(platform)
    return [
        Step(f"ADD alpine-minirootfs-{version}-{arch}.tar.gz / # buildkit", rootfs, when),
        Step('CMD ["/bin/sh"]', None, when),
    ]


def debian_steps(release: str, platform: Platform, plan: Plan, *, days: float = 20) -> list[Step]:
    when = plan.ago(days, 3)
    size = plan.bytes(6.1 if platform.architecture == "amd64" else 5.8) + len(release) * 7919
    rootfs = noise_layer("var/lib/dpkg/rootfs.img", size, f"debian-{release}-{platform}")
    arch = platform.architecture
    return [
        Step(
            f"# debian.sh --arch '{arch}' out/ '{release}' '@{int(when.timestamp())}'", rootfs, when
        )
    ]


def alpine(plan: Plan, version: str) -> Built:
    """Recent releases for three platforms (with attestations), old ones for amd64 only."""

    def build(platform: Platform) -> BuiltImage:
        return assemble(
            alpine_steps(version, platform, plan),
            platform=platform,
            created=plan.ago(ALPINE_RELEASES[version], 6),
            cmd=["/bin/sh"],
        )

    if version in ("3.18.9", "3.19.4"):
        return build(AMD64)
    platforms = [AMD64, ARM64] if version == "3.20.3" else [AMD64, ARM64, ARMV7]
    return multi(build, platforms, attest=version != "3.20.3")


def debian(plan: Plan, release: str, days: float) -> Built:
    def build(platform: Platform) -> BuiltImage:
        return assemble(
            [*debian_steps(release, platform, plan, days=days), Step('CMD ["bash"]', None)],
            platform=platform,
            created=plan.ago(days, 3),
            cmd=["bash"],
        )

    return multi(build, [AMD64, ARM64]) if release == "bookworm" else build(AMD64)


# -- library ---------------------------------------------------------------------------------


def nginx(plan: Plan, version: str, days: float) -> BuiltIndex:
    def build(platform: Platform) -> BuiltImage:
        steps = [
            *alpine_steps("3.20.3", platform, plan),
            Step('LABEL maintainer="NGINX Docker Maintainers <docker-maint@nginx.com>"'),
            Step(f"ENV NGINX_VERSION={version}"),
            Step(
                "RUN /bin/sh -c set -x && addgroup -g 101 -S nginx && adduser -S -D -H "
                "-u 101 -h /var/cache/nginx -s /sbin/nologin -G nginx nginx && apk add "
                "--no-cache nginx # buildkit",
                noise_layer("usr/lib/nginx/modules.img", plan.bytes(4.2), f"nginx-{platform}"),
            ),
            Step(
                f"RUN /bin/sh -c apk add --no-cache nginx={version}-r1 # buildkit",
                noise_layer(
                    "usr/sbin/nginx", plan.bytes(0.3) + len(version) * 1000, f"nginx-{version}"
                ),
            ),
            Step(
                "COPY docker-entrypoint.sh / # buildkit",
                text_layer({"docker-entrypoint.sh": '#!/bin/sh\nset -e\nexec "$@"\n'}),
            ),
            Step('ENTRYPOINT ["/docker-entrypoint.sh"]'),
            Step("EXPOSE map[80/tcp:{}]"),
            Step("STOPSIGNAL SIGQUIT"),
            Step('CMD ["nginx" "-g" "daemon off;"]'),
        ]
        return assemble(
            steps,
            platform=platform,
            created=plan.ago(days),
            docker=True,
            env=[PATH_ENV, f"NGINX_VERSION={version}", "NJS_VERSION=0.8.7", "PKG_RELEASE=1"],
            entrypoint=["/docker-entrypoint.sh"],
            cmd=["nginx", "-g", "daemon off;"],
            exposed_ports=["80/tcp"],
            stop_signal="SIGQUIT",
            labels={"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"},
        )

    return multi(build, [AMD64, ARM64], docker=True)


def _debian_service(
    plan: Plan,
    *,
    name: str,
    version: str,
    days: float,
    size_mb: float,
    install: str,
    env: Sequence[str],
    extra_steps: Sequence[Step] = (),
    **config: Any,
) -> BuiltImage:
    """An official-style image on Debian: one big install layer, then metadata."""
    version_size = plan.bytes(size_mb / 12) + sum(map(ord, version)) * 500
    steps = [
        *debian_steps("bookworm", AMD64, plan),
        Step('CMD ["bash"]', None, plan.ago(20, 3)),
        Step(
            f"RUN /bin/sh -c set -eux; {install} # buildkit",
            noise_layer(f"usr/local/{name}/{name}.img", plan.bytes(size_mb), name),
        ),
        Step(
            f"RUN /bin/sh -c set -eux; install-{name} {version} # buildkit",
            noise_layer(f"usr/local/lib/{name}-{version}.img", version_size, version),
        ),
        *(Step(f"ENV {e}") for e in env),
        *extra_steps,
    ]
    return assemble(steps, platform=AMD64, created=plan.ago(days), env=[PATH_ENV, *env], **config)


def postgres(plan: Plan, version: str, days: float) -> BuiltImage:
    major = version.split(".")[0]
    return _debian_service(
        plan,
        name="postgres",
        version=version,
        days=days,
        size_mb=6.9,
        install=f"apt-get install -y postgresql-common postgresql-{major}",
        env=[
            "GOSU_VERSION=1.17",
            "LANG=en_US.utf8",
            f"PG_MAJOR={major}",
            f"PG_VERSION={version}-1.pgdg120+1",
            "PGDATA=/var/lib/postgresql/data",
        ],
        extra_steps=[
            Step("VOLUME [/var/lib/postgresql/data]"),
            Step(
                "COPY docker-entrypoint.sh docker-ensure-initdb.sh /usr/local/bin/ # buildkit",
                text_layer({"usr/local/bin/docker-entrypoint.sh": "#!/usr/bin/env bash\n"}),
            ),
            Step('ENTRYPOINT ["docker-entrypoint.sh"]'),
            Step("STOPSIGNAL SIGINT"),
            Step("EXPOSE map[5432/tcp:{}]"),
            Step('CMD ["postgres"]'),
        ],
        entrypoint=["docker-entrypoint.sh"],
        cmd=["postgres"],
        exposed_ports=["5432/tcp"],
        volumes=["/var/lib/postgresql/data"],
        stop_signal="SIGINT",
    )


@dataclass(frozen=True)
class Runtime:
    """A language runtime image on Debian; "{version}" in its texts is the release."""

    name: str
    size_mb: float
    install: str
    env: Sequence[str]
    releases: Sequence[tuple[str, float, Sequence[str]]]  # (version, days ago, tags)
    entrypoint: Sequence[str] | None = None
    cmd: Sequence[str] | None = None
    working_dir: str | None = None


RUNTIMES = {
    "library/python": Runtime(
        "python", 7.6,
        "wget -O python.tar.xz https://www.python.org/ftp/python/{version}/; make install",
        ["LANG=C.UTF-8", "PYTHON_VERSION={version}"],
        [("3.11.11", 44, ["3.11.11", "3.11"]), ("3.12.8", 27, ["3.12.8", "3.12"]),
         ("3.13.1", 26, ["3.13.1", "3.13", "3", "latest"])],
        cmd=["python3"],
    ),
    "library/node": Runtime(
        "node", 8.4,
        "curl -fsSLO https://nodejs.org/dist/v{version}/node-v{version}-linux-x64.tar.xz",
        ["NODE_VERSION={version}", "YARN_VERSION=1.22.22"],
        [("20.18.1", 50, ["20.18.1", "20", "iron"]),
         ("22.12.0", 24, ["22.12.0", "22", "lts", "latest"]),
         ("23.4.0", 22, ["23.4.0", "current"])],
        entrypoint=["docker-entrypoint.sh"], cmd=["node"],
    ),
    "library/golang": Runtime(
        "go", 11.5,
        "wget https://dl.google.com/go/go{version}.linux-amd64.tar.gz",
        ["GOLANG_VERSION={version}", "GOTOOLCHAIN=local", "GOPATH=/go"],
        [("1.22.10", 29, ["1.22.10", "1.22"]), ("1.23.4", 29, ["1.23.4", "1.23", "latest"])],
        working_dir="/go",
    ),
}  # fmt: skip


def runtime(plan: Plan, spec: Runtime, version: str, days: float) -> BuiltImage:
    steps = []
    if spec.working_dir:
        steps.append(Step(f"WORKDIR {spec.working_dir}"))
    if spec.entrypoint:
        steps.append(Step(f"ENTRYPOINT {json.dumps(spec.entrypoint)}"))
    if spec.cmd:
        steps.append(Step(f"CMD {json.dumps(spec.cmd)}"))
    return _debian_service(
        plan,
        name=spec.name,
        version=version,
        days=days,
        size_mb=spec.size_mb,
        install=spec.install.format(version=version),
        env=[e.format(version=version) for e in spec.env],
        extra_steps=steps,
        entrypoint=spec.entrypoint,
        cmd=spec.cmd,
        working_dir=spec.working_dir,
    )


def ubuntu(plan: Plan, version: str, codename: str, days: float) -> BuiltImage:
    when = plan.ago(days)
    rootfs = noise_layer("var/lib/dpkg/ubuntu.img", plan.bytes(5.2) + len(codename) * 7919, version)
    return assemble(
        [
            Step("ARG RELEASE", None, when),
            Step("ARG LAUNCHPAD_BUILD_ARCH", None, when),
            Step("LABEL org.opencontainers.image.ref.name=ubuntu", None, when),
            Step(f"LABEL org.opencontainers.image.version={version}", None, when),
            Step(f"ADD file:ubuntu-{codename}-oci-amd64-root.tar.gz in / ", rootfs, when),
            Step('CMD ["/bin/bash"]', None, when),
        ],
        platform=AMD64,
        created=when,
        cmd=["/bin/bash"],
        labels={
            "org.opencontainers.image.ref.name": "ubuntu",
            "org.opencontainers.image.version": version,
        },
    )


def _alpine_app(
    plan: Plan,
    *,
    binary: str,
    size_mb: float,
    seed: str,
    days: float,
    deps_mb: float = 0.0,
    platform: Platform = AMD64,
    docker: bool = False,
    base: str = "3.21.0",
    run: str | None = None,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    **config: Any,
) -> BuiltImage:
    """A Go-style binary on Alpine, as most tools and services ship."""
    steps = [
        *alpine_steps(base, platform, plan),
        Step(
            run or "RUN /bin/sh -c apk add --no-cache ca-certificates tzdata # buildkit",
            noise_layer("etc/ssl/certs/ca-certificates.crt", plan.bytes(0.23), "ca-certificates"),
        ),
    ]
    if deps_mb:
        steps.append(
            Step(
                f"COPY --from=deps /out/lib/ /usr/local/lib/{binary}/ # buildkit",
                noise_layer(f"usr/local/lib/{binary}/deps.img", plan.bytes(deps_mb), binary),
            )
        )
    steps.append(
        Step(
            f"COPY {binary} /usr/local/bin/ # buildkit",
            noise_layer(f"usr/local/bin/{binary}", plan.bytes(size_mb), seed),
        )
    )
    for key, value in config.items():
        if value:
            instruction = {"entrypoint": "ENTRYPOINT", "cmd": "CMD", "working_dir": "WORKDIR"}
            if key in instruction:
                steps.append(Step(f"{instruction[key]} {json.dumps(value)}"))
            elif key == "user":
                steps.append(Step(f"USER {value}"))
            elif key == "exposed_ports":
                steps.append(Step("EXPOSE " + " ".join(value)))
            elif key == "volumes":
                steps.append(Step(f"VOLUME {json.dumps(list(value))}"))
    for name, value in (labels or {}).items():
        steps.append(Step(f'LABEL {name}="{value}"'))
    env = config.pop("env", [])
    return assemble(
        steps,
        platform=platform,
        created=plan.ago(days),
        docker=docker,
        annotations=annotations,
        labels=labels,
        env=[PATH_ENV, *env],
        **config,
    )


def oci_labels(
    *, title: str, description: str, version: str, created: dt.datetime, source: str
) -> dict[str, str]:
    return {
        "org.opencontainers.image.title": title,
        "org.opencontainers.image.description": description,
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.revision": _revision(title, version),
        "org.opencontainers.image.created": rfc3339(created),
        "org.opencontainers.image.source": source,
        "org.opencontainers.image.vendor": "Acme Corp",
        "org.opencontainers.image.licenses": "Apache-2.0",
    }


# -- acme ------------------------------------------------------------------------------------

#: acme/api's releases (minor line -> patch count), oldest first: 57 versions.
API_RELEASES = (
    (1, 0, 6), (1, 1, 5), (1, 2, 8), (1, 3, 4),
    (2, 0, 10), (2, 1, 7), (2, 2, 5), (2, 3, 9), (2, 4, 3),
)  # fmt: skip


def api_versions() -> list[str]:
    return [f"v{ma}.{mi}.{p}" for ma, mi, count in API_RELEASES for p in range(count)]


def acme_api(plan: Plan, version: str, days: float) -> BuiltImage:
    created = plan.ago(days, 2)
    major, minor, _ = (int(part) for part in version.lstrip("v").split("."))
    return _alpine_app(
        plan,
        binary="api",
        size_mb=0.12 + minor * 0.04 + major * 0.2,
        deps_mb=1.9 + major * 0.45,
        seed=f"api-{major}.{minor}",  # a patch release changes only the config
        days=days + 2 / 24,
        base="3.20.3" if version < "v2.3" else "3.21.0",
        env=["APP_ENV=production", "PORT=8080", "LOG_FORMAT=json", "OTEL_SERVICE_NAME=api"],
        entrypoint=["/usr/local/bin/api"],
        cmd=["serve", "--addr=:8080", "--metrics-addr=:9090"],
        working_dir="/srv/api",
        user="10001:10001",
        exposed_ports=["8080/tcp", "9090/tcp"],
        volumes=["/srv/api/data"],
        labels=oci_labels(
            title="api",
            description="Acme public REST API",
            version=version.lstrip("v"),
            created=created,
            source="https://git.acme.example/platform/api",
        ),
        annotations={"org.opencontainers.image.version": version.lstrip("v")},
        stop_signal="SIGTERM",
        author="Acme Platform Team <platform@acme.example>",
    )


def _signature(subject: BuiltImage, created: dt.datetime) -> BuiltImage:
    payload = {
        "critical": {
            "identity": {"docker-reference": "registry.acme.example/acme/api"},
            "image": {"docker-manifest-digest": subject.digest},
            "type": "cosign container image signature",
        },
        "optional": {"signed-by": "platform-ci"},
    }
    blob = Blob(
        "application/vnd.dev.cosign.simplesigning.v1+json",
        json.dumps(payload).encode(),
        {"dev.cosignproject.cosign/signature": "MEUCIQDx3Rk+demo+signature+bytes=="},
    )
    created_at = {"org.opencontainers.image.created": rfc3339(created)}
    return build_artifact(subject, SIGNATURE_TYPE, blob, annotations=created_at)


def _sbom(subject: BuiltImage, created: dt.datetime, version: str) -> BuiltImage:
    components = [
        ("alpine-baselayout", "3.6.8-r1"),
        ("busybox", "1.37.0-r8"),
        ("musl", "1.2.5-r8"),
        ("ca-certificates", "20241121-r1"),
        ("golang.org/x/net", "v0.33.0"),
        ("github.com/acme/api", version),
    ]
    packages = [
        {"name": name, "versionInfo": v, "SPDXID": f"SPDXRef-Package-{i}"}
        for i, (name, v) in enumerate(components)
    ]
    document = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "name": f"acme/api:{version}",
        "creationInfo": {"created": rfc3339(created), "creators": ["Tool: syft-1.18.1"]},
        "packages": packages,
    }
    blob = Blob(SBOM_TYPE, json.dumps(document, indent=2).encode())
    created_at = {"org.opencontainers.image.created": rfc3339(created)}
    return build_artifact(subject, SBOM_TYPE, blob, annotations=created_at)


def helm_chart(plan: Plan, version: str, days: float) -> BuiltImage:
    """A Helm chart pushed with `helm push`: not an image, an OCI artifact."""
    config = Blob(
        HELM_CONFIG,
        json.dumps(
            {
                "name": "api",
                "version": version,
                "description": "Acme public REST API",
                "apiVersion": "v2",
                "appVersion": "2.4.2",
                "type": "application",
            }
        ).encode(),
    )
    chart = Blob(HELM_CHART, gzip.compress(_noise(f"chart-{version}", 9_000), mtime=0))
    created = {"org.opencontainers.image.created": rfc3339(plan.ago(days))}
    value = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config.descriptor(),
        "layers": [chart.descriptor()],
        "annotations": {
            **created,
            "org.opencontainers.image.title": "api",
            "org.opencontainers.image.version": version,
        },
    }
    return BuiltImage(
        media_type=OCI_MANIFEST,
        manifest=manifest_json(value),
        config=config,
        layers=(chart,),
    )


@dataclass(frozen=True)
class Service:
    """A small acme service or tool: a few releases of one binary on Alpine."""

    repo: str
    description: str
    size_mb: float
    releases: Sequence[tuple[str, float]]  # (tag, days ago), oldest first
    ports: Sequence[str] = ()
    docker: bool = False
    extra_tags: Sequence[str] = ("latest",)
    entrypoint: Sequence[str] | None = None
    cmd: Sequence[str] | None = None


SERVICES = (
    Service("acme/auth", "Sign-in and tokens", 2.3, [("v0.9.2", 240), ("v1.0.0", 150),
            ("v1.0.1", 64), ("v1.1.0", 9)], ["8443/tcp"]),
    Service("acme/billing", "Invoices and payments", 3.1, [("2024.10.1", 200),
            ("2024.12.0", 140), ("2025.02.3", 30)], ["8080/tcp"], docker=True),
    Service("acme/gateway", "Edge gateway", 5.2, [("v3.1.0", 100), ("v3.2.0", 45),
            ("v3.2.1", 6)], ["80/tcp", "443/tcp"], extra_tags=("latest", "stable")),
    Service("acme/notifications", "E-mail and push notifications", 1.7,
            [("v1.4.0", 80), ("v1.5.0", 21)], docker=True),
    Service("acme/search", "Search indexer", 4.4, [("v0.3.0", 33), ("v0.4.0", 4)],
            ["9200/tcp"], extra_tags=("latest", "canary")),
    Service("tools/curl", "curl", 2.6, [("8.11.1", 35)], entrypoint=["curl"], cmd=["--help"]),
    Service("tools/jq", "jq", 0.9, [("1.7.1", 300)], entrypoint=["jq"]),
    Service("tools/kubectl", "kubectl", 7.3, [("v1.30.8", 60), ("v1.31.4", 33),
            ("v1.32.0", 14)], entrypoint=["kubectl"]),
    Service("tools/helm", "Helm", 6.1, [("3.16.4", 28)], entrypoint=["helm"]),
    Service("tools/terraform", "Terraform", 8.2, [("1.9.8", 90), ("1.10.3", 25)],
            entrypoint=["terraform"]),
    Service("tools/trivy", "Trivy vulnerability scanner", 6.8, [("0.57.1", 40),
            ("0.58.1", 11)], entrypoint=["trivy"]),
    Service("tools/cosign", "cosign", 4.9, [("v2.4.1", 70)], entrypoint=["cosign"],
            docker=True),
    Service("ci/runner", "CI job runner", 5.5, [("17.6.0", 55), ("17.7.0", 18)],
            entrypoint=["/usr/bin/dumb-init", "/entrypoint"], cmd=["run"]),
)  # fmt: skip


def service(plan: Plan, spec: Service, tag: str, days: float) -> BuiltImage:
    name = spec.repo.rsplit("/", 1)[1]
    created = plan.ago(days, 1)
    return _alpine_app(
        plan,
        binary=name,
        size_mb=spec.size_mb * (0.15 + 0.02 * (len(tag) % 3)),
        deps_mb=spec.size_mb * 0.8,
        seed=f"{spec.repo}-{tag}",
        days=days + 1 / 24,
        docker=spec.docker,
        env=[f"{name.upper()}_VERSION={tag.lstrip('v')}"],
        entrypoint=spec.entrypoint or [f"/usr/local/bin/{name}"],
        cmd=spec.cmd,
        user="65532:65532",
        exposed_ports=spec.ports,
        labels=oci_labels(
            title=name,
            description=spec.description,
            version=tag.lstrip("v"),
            created=created,
            source=f"https://git.acme.example/{spec.repo}",
        ),
    )


# -- everything --------------------------------------------------------------------------------


def _add_alpine(demo: DemoSet, plan: Plan) -> None:
    """library/alpine: releases over months, the recent ones multi-platform."""
    for version in ALPINE_RELEASES:
        tags = [version]
        if version == "3.21.0":
            tags += ["3.21", "3", "latest"]
        elif version != "edge":
            tags.append(version.rsplit(".", 1)[0])
        demo.add("library/alpine", tags, alpine(plan, version))


def _add_library(demo: DemoSet, plan: Plan) -> None:
    """The other official-style images: nginx, debian, busybox, postgres, runtimes."""
    days: float
    demo.add("library/nginx", ["1.25.5"], nginx(plan, "1.25.5", 210))
    demo.add("library/nginx", ["1.26.2", "stable"], nginx(plan, "1.26.2", 96))
    demo.add("library/nginx", ["1.27.3", "mainline", "latest"], nginx(plan, "1.27.3", 17))

    demo.add("library/debian", ["bullseye", "11.11"], debian(plan, "bullseye", 200))
    demo.add("library/debian", ["bookworm", "12.8", "latest"], debian(plan, "bookworm", 20))
    demo.add("library/debian", ["trixie"], debian(plan, "trixie", 5))

    busybox_layer = noise_layer("bin/busybox", plan.bytes(2.1), "busybox")
    for version, days, tags in (("1.36.1", 300, ["1.36.1"]), ("1.37.0", 40, ["1.37.0", "latest"])):
        when = plan.ago(days)
        demo.add(
            "library/busybox",
            tags,
            assemble(
                [
                    Step(f"ADD busybox-{version}.tar.xz / # buildkit", busybox_layer, when),
                    Step('CMD ["sh"]', None, when),
                ],
                platform=AMD64,
                created=when,
                docker=True,
                cmd=["sh"],
            ),
        )

    for version, days, tags in (
        ("15.10", 38, ["15.10", "15"]),
        ("16.6", 38, ["16.6", "16"]),
        ("17.2", 38, ["17.2", "17", "latest"]),
    ):
        demo.add("library/postgres", tags, postgres(plan, version, days))
    for repo, spec in RUNTIMES.items():
        for version, days, runtime_tags in spec.releases:
            demo.add(repo, runtime_tags, runtime(plan, spec, version, days))
    demo.add("library/ubuntu", ["22.04", "jammy"], ubuntu(plan, "22.04", "jammy", 62))
    demo.add("library/ubuntu", ["24.04", "noble", "latest"], ubuntu(plan, "24.04", "noble", 16))


def _add_library_apps(demo: DemoSet, plan: Plan) -> None:
    """redis, traefik and registry: one binary on Alpine each."""
    days: float
    for version, days, tags in (
        ("7.2.6", 70, ["7.2.6", "7.2"]),
        ("7.4.1", 36, ["7.4.1", "7.4", "latest"]),
    ):
        demo.add(
            "library/redis",
            tags,
            _alpine_app(
                plan,
                binary="redis-server",
                size_mb=0.45,
                deps_mb=2.5,
                seed=f"redis-{version}",
                days=days,
                docker=True,
                base="3.20.3",
                run="RUN /bin/sh -c addgroup -S -g 1000 redis && adduser -S -G redis -u 999 redis",
                env=[f"REDIS_VERSION={version}"],
                entrypoint=["docker-entrypoint.sh"],
                cmd=["redis-server"],
                working_dir="/data",
                exposed_ports=["6379/tcp"],
                volumes=["/data"],
            ),
        )
    for version, days, tags in (
        ("v2.11.16", 58, ["v2.11.16", "v2.11"]),
        ("v3.2.3", 19, ["v3.2.3", "v3.2", "latest"]),
    ):
        demo.add(
            "library/traefik",
            tags,
            _alpine_app(
                plan,
                binary="traefik",
                size_mb=1.1,
                deps_mb=4.5,
                seed=f"traefik-{version}",
                days=days,
                entrypoint=["/entrypoint.sh"],
                cmd=["traefik"],
                exposed_ports=["80/tcp"],
                labels={
                    "org.opencontainers.image.title": "Traefik",
                    "org.opencontainers.image.description": "A modern reverse-proxy",
                    "org.opencontainers.image.url": "https://traefik.io",
                    "org.opencontainers.image.version": version,
                    "org.opencontainers.image.vendor": "Traefik Labs",
                    "org.opencontainers.image.documentation": "https://docs.traefik.io",
                },
            ),
        )
    demo.add(
        "library/registry",
        ["2.8.3", "2.8", "2", "latest"],
        _alpine_app(
            plan,
            binary="registry",
            size_mb=4.2,
            seed="registry-2.8.3",
            days=130,
            base="3.18.9",
            entrypoint=["/entrypoint.sh"],
            cmd=["/etc/docker/registry/config.yml"],
            exposed_ports=["5000/tcp"],
            volumes=["/var/lib/registry"],
        ),
    )


def _add_acme_api(demo: DemoSet, plan: Plan) -> None:
    """acme/api: 57 releases, the newest signed and with an SBOM (referrers)."""
    versions = api_versions()
    api_images: list[BuiltImage] = []
    for i, version in enumerate(versions):
        # 57 releases over ~14 months, faster lately: day 425 down to day 1.
        days = 1 + 424 * (1 - i / (len(versions) - 1)) ** 1.3
        image = acme_api(plan, version, days)
        api_images.append(image)
        tags = [version]
        if version == versions[-1]:
            tags += ["v2.4", "v2", "latest"]
        elif version == "v2.3.8":
            tags += ["v2.3", "stable"]
        demo.add("acme/api", tags, image)
    newest = api_images[-1]
    signed_at = plan.ago(1)
    referrers = [_signature(newest, signed_at), _sbom(newest, signed_at, versions[-1])]
    for artifact in referrers:
        demo.add("acme/api", None, artifact)
    demo.add("acme/api", referrers_tag(newest.digest), build_referrers_index(referrers))


def _add_acme(demo: DemoSet, plan: Plan) -> None:
    """acme's other services, the Helm chart, and the tools."""
    days: float

    def web(platform: Platform, *, version: str, days: float) -> BuiltImage:
        return _alpine_app(
            plan,
            binary="web",
            size_mb=0.3,
            deps_mb=1.1,
            seed=f"web-{version}-{platform}",
            days=days,
            platform=platform,
            base="3.21.0",
            run="COPY dist/ /usr/share/nginx/html/ # buildkit",
            env=["NODE_ENV=production"],
            cmd=["nginx", "-g", "daemon off;"],
            exposed_ports=["8080/tcp"],
            user="101:101",
            labels=oci_labels(
                title="web",
                description="Acme web front end",
                version=version,
                created=plan.ago(days),
                source="https://git.acme.example/acme/web",
            ),
        )

    for version, days, tags in (
        ("3.8.0", 66, ["v3.8.0"]),
        ("3.9.0", 15, ["v3.9.0"]),
        ("3.9.1", 3, ["v3.9.1", "latest"]),
        ("3.10.0-dev", 0.2, ["main", "sha-4f1c2a9"]),
    ):
        index = multi(partial(web, version=version, days=days), [AMD64, ARM64])
        demo.add("acme/web", tags, index)

    for version, days in (("1.12.0", 90), ("1.13.0", 34), ("1.13.1", 8)):
        image = _debian_service(
            plan,
            name="worker",
            version=version,
            days=days,
            size_mb=1.2,
            install="pip install --no-cache-dir -r requirements.txt",
            env=["PYTHONUNBUFFERED=1", "CELERY_BROKER_URL=redis://redis:6379/0"],
            extra_steps=[Step("WORKDIR /app"), Step("USER worker")],
            working_dir="/app",
            user="worker",
            entrypoint=["celery", "-A", "worker"],
            cmd=["worker", "--loglevel=INFO"],
        )
        worker_tags = [f"v{version}"] + (["latest"] if version == "1.13.1" else [])
        demo.add("acme/worker", worker_tags, image)

    for version, days in (("0.9.0", 120), ("1.0.0", 45), ("1.1.0", 2)):
        demo.add("acme/charts/api", version, helm_chart(plan, version, days))

    for service_spec in SERVICES:
        for n, (tag, days) in enumerate(service_spec.releases):
            newest_release = n == len(service_spec.releases) - 1
            tags = [tag, *(service_spec.extra_tags if newest_release else ())]
            demo.add(service_spec.repo, tags, service(plan, service_spec, tag, days))


def _add_sandbox(demo: DemoSet, plan: Plan) -> None:
    """A tiny image and a repository whose only tag was deleted."""
    when = plan.ago(400)
    hello = assemble(
        [
            Step("COPY hello / # buildkit", text_layer({"hello": "Hello from Docker!\n"}), when),
            Step('CMD ["/hello"]', None, when),
        ],
        platform=AMD64,
        created=when,
        docker=True,
        cmd=["/hello"],
    )
    demo.add("sandbox/hello-world", ["latest", "linux"], hello)
    old = assemble(
        [Step("COPY junk / # buildkit", text_layer({"junk": "old experiment\n"}), when)],
        platform=AMD64,
        created=when,
    )
    demo.add("sandbox/old-experiment", ["v0.0.1"], old)
    demo.delete("sandbox/old-experiment", old)


def build_demo_set(now: dt.datetime | None = None, *, scale: float = 1.0) -> DemoSet:
    """The whole demo content; `scale` multiplies every layer's size."""
    plan = Plan(now or dt.datetime.now(dt.UTC), scale)
    demo = DemoSet()
    for add in (_add_alpine, _add_library, _add_library_apps, _add_acme_api, _add_acme):
        add(demo, plan)
    _add_sandbox(demo, plan)
    return demo
