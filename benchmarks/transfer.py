"""Moving a big image: `rex image pull` and `rex image copy` beside skopeo (issue 15).

It builds an image with one 256 MiB layer of random bytes (gzip'd once: poorly
compressible, cached under the temp directory), pushes it to a Distribution registry
it starts on 127.0.0.1, and runs each row side by side in one run:

  pull  `rex image pull REF -o DIR` vs `skopeo copy docker://REF oci:DIR`: wall time
        and peak RSS of the whole process (targets: RSS <= 80 MiB, wall <= 1.3x skopeo)
  copy  `rex image copy REF HOST2/...` vs `skopeo copy docker://REF docker://HOST2/...`
        to a second, empty registry started for each run (target: wall <= 1.3x skopeo)

Each row is a function of a `Bench` returning its figures, so another row (`files`)
drops in beside these. Run `.venv/bin/python benchmarks/transfer.py`; the last line is
JSON with the medians and the ratios rex / skopeo.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.testing.registry import RegistryProcess  # noqa: E402

REX = Path(sys.executable).parent / "rex"
SKOPEO = shutil.which("skopeo") or "skopeo"
LAYER_MIB = 256
IMAGE = "bench/big:1"
CACHE = Path(tempfile.gettempdir()) / "rex-bench-transfer"


@dataclass
class Run:
    wall_s: float
    peak_rss_mib: float


@dataclass
class Bench:
    """What every row needs: the source registry holding IMAGE, scratch space, run count."""

    registry: RegistryProcess
    scratch: Path
    runs: int

    def fresh(self, name: str) -> Path:
        path = self.scratch / name
        shutil.rmtree(path, ignore_errors=True)
        return path


def measure(command: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """Wall time and peak RSS of one process (its own rusage, from wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert process.stderr is not None
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    errors = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {errors}")
    return Run(wall, usage.ru_maxrss / 1024)


def median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.wall_s for r in runs), statistics.median(r.peak_rss_mib for r in runs)
    )


def side_by_side(
    bench: Bench, rex: Callable[[int], Sequence[str]], skopeo: Callable[[int], Sequence[str]]
) -> tuple[Run, Run]:
    """Alternate the two tools, so load on the machine falls on both alike."""
    env = {**os.environ, "HOME": str(bench.scratch / "home")}
    ours: list[Run] = []
    theirs: list[Run] = []
    for n in range(bench.runs):
        theirs.append(measure(skopeo(n), env))
        ours.append(measure(rex(n), env))
    return median(ours), median(theirs)


def figures(ours: Run, theirs: Run) -> dict[str, float]:
    return {
        "rex_wall_s": round(ours.wall_s, 2),
        "skopeo_wall_s": round(theirs.wall_s, 2),
        "wall_ratio": round(ours.wall_s / theirs.wall_s, 2),
        "rex_peak_rss_mib": round(ours.peak_rss_mib, 1),
        "skopeo_peak_rss_mib": round(theirs.peak_rss_mib, 1),
    }


# -- rows ------------------------------------------------------------------------


def pull_row(bench: Bench) -> dict[str, float]:
    host = bench.registry.host

    def rex(n: int) -> list[str]:
        out = bench.fresh(f"rex-pull-{n}")
        return [str(REX), "-q", "-r", bench.registry.url, "image", "pull", IMAGE, "-o", str(out)]

    def skopeo(n: int) -> list[str]:
        out = bench.fresh(f"skopeo-pull-{n}")
        return [
            SKOPEO,
            "--insecure-policy",
            "copy",
            "--src-tls-verify=false",
            f"docker://{host}/{IMAGE}",
            f"oci:{out}:1",
        ]

    return figures(*side_by_side(bench, rex, skopeo))


def copy_row(bench: Bench) -> dict[str, float]:
    targets: list[RegistryProcess] = []

    def target(name: str) -> RegistryProcess:
        # A new empty registry per run: neither tool finds the blob there already.
        for old in targets:
            old.close()
        targets.clear()
        process = RegistryProcess("anonymous", workdir=bench.fresh(name)).start()
        targets.append(process)
        return process

    def rex(n: int) -> list[str]:
        dest = target(f"rex-copy-{n}").host
        return [
            str(REX),
            "-q",
            "-r",
            bench.registry.url,
            "image",
            "copy",
            IMAGE,
            f"{dest}/copied/big:1",
        ]

    def skopeo(n: int) -> list[str]:
        dest = target(f"skopeo-copy-{n}").host
        return [
            SKOPEO,
            "--insecure-policy",
            "copy",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            f"docker://{bench.registry.host}/{IMAGE}",
            f"docker://{dest}/copied/big:1",
        ]

    try:
        return figures(*side_by_side(bench, rex, skopeo))
    finally:
        for process in targets:
            process.close()


ROWS: dict[str, Callable[[Bench], dict[str, float]]] = {"pull": pull_row, "copy": copy_row}


# -- the image ---------------------------------------------------------------------


class _Random:
    """A file of `size` random bytes, read once (tarfile copies it in chunks)."""

    def __init__(self, size: int) -> None:
        self.left = size

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return os.urandom(n)


def build_layout(root: Path) -> Path:
    """An OCI layout holding IMAGE (cached: the gzip of 256 MiB takes a while)."""
    layout = root / "layout"
    if (layout / "index.json").exists():
        return layout
    shutil.rmtree(layout, ignore_errors=True)
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    layer = root / "layer.tar.gz"
    size = LAYER_MIB << 20
    with tarfile.open(layer, "w:gz", compresslevel=1) as tar:
        info = tarfile.TarInfo("data/random.bin")
        info.size = size
        tar.addfile(info, _Random(size))
    layer_digest = _sha256_file(layer)
    diff_id = _diff_id(layer)
    os.replace(layer, blobs / layer_digest)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
            "config": {},
        }
    ).encode()
    config_digest = _put(blobs, config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": f"sha256:{config_digest}",
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": f"sha256:{layer_digest}",
                    "size": (blobs / layer_digest).stat().st_size,
                }
            ],
        }
    ).encode()
    manifest_digest = _put(blobs, manifest)
    (layout / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (layout / "index.json").write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "manifests": [
                    {
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": f"sha256:{manifest_digest}",
                        "size": len(manifest),
                        "annotations": {"org.opencontainers.image.ref.name": "1"},
                    }
                ],
            }
        )
    )
    return layout


def _diff_id(path: Path) -> str:
    """The digest of the layer's uncompressed tar, for the config's rootfs."""
    import gzip

    with gzip.open(path, "rb") as handle:
        return _sha256_stream(lambda: handle.read(1 << 20))


def _sha256_stream(read: Callable[[], bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := read():
        digest.update(chunk)
    return digest.hexdigest()


def _sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return _sha256_stream(lambda: handle.read(1 << 20))


def _put(blobs: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    (blobs / digest).write_bytes(data)
    return digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per tool and row")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"of {', '.join(ROWS)}")
    args = parser.parse_args()
    if not REX.exists():
        raise SystemExit(f"{REX} is missing: pip install -e . first")
    # Bytecode first, as an installed rex has it: compiling is no part of a transfer.
    for package in ("engine", "rex_tui"):
        compileall.compile_dir(REPO / package, quiet=1)
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    layout = build_layout(CACHE)
    print(f"image ready in {time.perf_counter() - started:.1f} s ({LAYER_MIB} MiB layer)")
    with tempfile.TemporaryDirectory(prefix="rex-bench-") as tmp:
        scratch = Path(tmp)
        (scratch / "home").mkdir()
        with RegistryProcess("anonymous", workdir=scratch / "source") as registry:
            subprocess.run(
                [
                    SKOPEO,
                    "--insecure-policy",
                    "copy",
                    "--dest-tls-verify=false",
                    f"oci:{layout}:1",
                    f"docker://{registry.host}/{IMAGE}",
                ],
                check=True,
                capture_output=True,
            )
            bench = Bench(registry, scratch, args.runs)
            results: dict[str, dict[str, float]] = {}
            for name in args.rows.split(","):
                results[name] = row = ROWS[name](bench)
                print(
                    f"{name:5} rex {row['rex_wall_s']:6.2f} s {row['rex_peak_rss_mib']:6.1f} MiB"
                    f" | skopeo {row['skopeo_wall_s']:6.2f} s"
                    f" {row['skopeo_peak_rss_mib']:6.1f} MiB | wall ratio {row['wall_ratio']:.2f}"
                )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
