"""`rex image files` on a 256 MiB layer vs `curl -s BLOB_URL | tar tz`, side by side.

Run `python benchmarks/files.py [--mib N] [--runs N]`. It builds an image whose one
layer is a gzipped tar holding 256 MiB of random bytes (poorly compressible) and
1,000 small files, pushes it to a local Distribution registry, then times, in the
same run, rex listing that layer (no cache: the layer streams, is gunzipped, untarred
and digest-verified) and curl piped into tar. The last line is JSON. Targets: wall
time <= 1.3x the reference, rex's peak RSS <= 80 MiB.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from engine.testing.images import LAYER_MTIME, Layer, build_image, make_config, sha256
from engine.testing.pusher import Pusher
from engine.testing.registry import RegistryProcess

REPO, TAG = "bench/files", "big"
REX = Path(sys.executable).with_name("rex")
_RSS_PROBE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


def big_layer(mib: int) -> Layer:
    """A gzipped tar: 1,000 small files, then one file of `mib` MiB of random bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for i in range(1000):
            info = tarfile.TarInfo(f"small/file-{i:04d}.txt")
            data = f"small file {i}\n".encode()
            info.size, info.mtime = len(data), LAYER_MTIME
            tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo("big/random.bin")
        info.size, info.mtime = mib << 20, LAYER_MTIME
        tar.addfile(info, io.BytesIO(os.urandom(mib << 20)))
    tar_bytes = buf.getvalue()
    del buf
    data = gzip.compress(tar_bytes, compresslevel=1, mtime=0)
    return Layer(data=data, diff_id=sha256(tar_bytes), uncompressed_size=len(tar_bytes))


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of `command`, measured from a probe process."""
    started = time.perf_counter()
    probe = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, *command],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    rss, code = probe.stdout.split()
    if code != "0":
        raise SystemExit(f"{command[0]} failed with exit code {code}")
    return seconds, int(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="size of the big file (MiB)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each (median shown)")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        RegistryProcess("anonymous", workdir=Path(tmp) / "registry") as registry,
    ):
        layer = big_layer(args.mib)
        image = build_image([layer], make_config(diff_ids=[layer.diff_id]))
        with Pusher(registry.url, timeout=300) as pusher:
            pusher.push(REPO, TAG, image)
        del image
        blob_url = f"{registry.url}/v2/{REPO}/blobs/{layer.digest}"
        env = {**os.environ, "HOME": tmp, "XDG_CONFIG_HOME": tmp, "XDG_CACHE_HOME": tmp}
        rex_command = [
            str(REX), "-r", registry.url, "--no-cache", "-q",
            "image", "files", f"{REPO}:{TAG}",
        ]  # fmt: skip
        reference = ["bash", "-c", f"curl -s {blob_url} | tar tz > /dev/null"]
        rex_times, rex_rss, ref_times = [], [], []
        for _ in range(args.runs):
            seconds, rss = timed(rex_command, env)
            rex_times.append(seconds)
            rex_rss.append(rss)
            ref_times.append(timed(reference, env)[0])
    rex_s, ref_s = statistics.median(rex_times), statistics.median(ref_times)
    rss_mib = max(rex_rss) / 1024
    size_mib = len(layer.data) / (1 << 20)
    print(f"layer: {size_mib:.1f} MiB gzipped, {args.runs} runs each, median wall time")
    print(f"  rex image files       {rex_s:6.2f} s   peak RSS {rss_mib:5.1f} MiB")
    print(f"  curl | tar tz         {ref_s:6.2f} s")
    print(f"  ratio                 {rex_s / ref_s:6.2f}x   (target <= 1.3x, RSS <= 80 MiB)")
    print(
        json.dumps(
            {
                "layer_mib": round(size_mib, 1),
                "rex_s": round(rex_s, 3),
                "reference_s": round(ref_s, 3),
                "ratio": round(rex_s / ref_s, 3),
                "rex_peak_rss_mib": round(rss_mib, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
