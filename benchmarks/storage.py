"""Storage accounting on a generated registry, side by side with skopeo reading the same manifests.

It starts its own Distribution registry on 127.0.0.1 and pushes 1,000 repositories
x 5 tags (`--repos`, `--tags`) whose images share three base layers (the
generation time is not a figure). Then, each in a process of its own (so peak
RSS is the crawl's alone), it runs the engine's storage crawl with its own cache:

  cold     empty cache: catalog, every tag list, every manifest
  warm     again at once: every repository scan is fresh in the cache
  refresh  after pushing one new tag (an index of two platforms): the crawl checks
           every tag with a HEAD and fetches only the new tag's manifest tree (3 GETs)

and reports wall time, requests (counted by the transport, per method) and peak RSS.

The reference is skopeo, as no regctl or crane is installed: `skopeo list-tags`
plus `skopeo inspect --raw` of every tag, over the first `--sample` (50)
repositories, one process after another, extrapolated to the whole registry.
skopeo reads each index but not its children, so it does less than the crawl.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.testing.images import BuiltImage, Layer, build_image, build_index, make_config
from engine.testing.pusher import Pusher
from engine.testing.registry import RegistryProcess

BASES = 3


def image(layers: list[Layer], arch: str = "amd64") -> BuiltImage:
    return build_image(layers, make_config(diff_ids=[x.diff_id for x in layers], architecture=arch))


def seed(url: str, repos: int, tags: int) -> None:
    """`repos` x `tags` images: a shared base layer (one of three) and one layer of their own."""
    bases = [Layer.from_files({"base.txt": f"base {b}\n".encode() * 2000}) for b in range(BASES)]

    def push_repo(r: int) -> None:
        repo = f"team-{r % 40:02d}/service-{r:04d}"
        with Pusher(url, mount=False, check_existing=False) as pusher:
            for t in range(tags):
                own = Layer.from_files({"app.txt": f"{repo} {t}\n".encode()})
                pusher.push(repo, f"v{t}", image([bases[r % BASES], own]))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(push_repo, range(repos)))


def child(url: str, cache_dir: str, refresh: bool) -> None:
    """One crawl in this process; prints {"seconds", "requests", "by_method", "total"}."""
    import httpx
    import trio

    from engine import Cache, Config, RegistryConfig, Rex
    from engine.config.model import CacheConfig, CacheLimits

    counts: dict[str, int] = {}

    class Counting(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            path = request.url.path
            kinds = ("manifests", "blobs", "list", "_catalog")
            kind = next((k for k in kinds if f"/{k}" in path), path)
            key = f"{request.method} {kind}"
            counts[key] = counts.get(key, 0) + 1
            return await super().handle_async_request(request)

    limits = CacheLimits(memory_entries=50_000, disk_entries=200_000, disk_size_mb=4096)
    cache_config = CacheConfig(limits=limits, dir=cache_dir)
    config = Config(registries=(RegistryConfig("b", url),), current="b", cache=cache_config)

    async def crawl() -> dict[str, Any]:
        cache = Cache(Path(cache_dir), config=cache_config)
        async with Rex(config, cache=cache, transport=Counting()) as rex:
            started = time.perf_counter()
            report = await rex.storage(refresh=refresh)
            seconds = time.perf_counter() - started
        cache.flush()
        return {
            "seconds": seconds,
            "requests": sum(counts.values()),
            "by_method": counts,
            "total_bytes": report.total_bytes,
            "repositories": len(report.repositories),
            "complete": report.complete,
        }

    print(json.dumps(trio.run(crawl)))


def run_child(url: str, cache_dir: str, refresh: bool = False) -> dict[str, Any]:
    args = [sys.executable, __file__, "--child", url, "--cache-dir", cache_dir]
    proc = subprocess.Popen([*args, *(["--refresh"] if refresh else [])], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"crawl failed ({status})")
    result: dict[str, Any] = json.loads(out)
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    result["cpu_s"] = usage.ru_utime + usage.ru_stime
    return result


def skopeo_sample(url: str, repos: list[str]) -> tuple[float, int]:
    """list-tags and inspect --raw of every tag of `repos`, sequentially: (seconds, requests)."""
    host = url.split("://", 1)[-1]
    started = time.perf_counter()
    reads = 0
    for repo in repos:
        listed = subprocess.run(
            ["skopeo", "list-tags", "--tls-verify=false", f"docker://{host}/{repo}"],
            capture_output=True,
            text=True,
            check=True,
        )
        reads += 1
        for tag in json.loads(listed.stdout)["Tags"]:
            subprocess.run(
                [
                    "skopeo",
                    "inspect",
                    "--raw",
                    "--tls-verify=false",
                    f"docker://{host}/{repo}:{tag}",
                ],
                capture_output=True,
                check=True,
            )
            reads += 1
    return time.perf_counter() - started, reads


def line(name: str, r: dict[str, Any]) -> str:
    rate = r["requests"] / r["seconds"] if r["seconds"] else 0.0
    methods = ", ".join(f"{k} {v}" for k, v in sorted(r["by_method"].items()))
    return (
        f"{name:8} {r['seconds']:7.2f} s  {r['requests']:6} requests ({rate:5.0f}/s)  "
        f"CPU {r['cpu_s']:6.2f} s  peak RSS {r['peak_rss_mb']:6.1f} MB   [{methods}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--tags", type=int, default=5)
    parser.add_argument("--sample", type=int, default=50, help="repositories skopeo reads")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    parser.add_argument("--refresh", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.cache_dir, args.refresh)
        return

    workdir = Path(tempfile.mkdtemp(prefix="rex-storage-"))
    try:
        results = measure(args, workdir)
    finally:  # ~0.5 GB of registry storage and cache for 1,000 x 5
        shutil.rmtree(workdir, ignore_errors=True)
    report(args, *results)


def measure(
    args: argparse.Namespace, workdir: Path
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], float, int, int]:
    """Seed, crawl cold, warm and after one new tag, then skopeo over the sample."""
    with RegistryProcess("anonymous", workdir=workdir / "registry").start() as process:
        url = process.url
        started = time.perf_counter()
        seed(url, args.repos, args.tags)
        print(
            f"seeded {url}: {args.repos} x {args.tags} tags "
            f"in {time.perf_counter() - started:.1f} s"
        )
        cache_dir = str(workdir / "cache")
        cold = run_child(url, cache_dir)
        warm = run_child(url, cache_dir)
        with Pusher(url) as pusher:
            new_base = Layer.from_files({"base.txt": b"base 0\n" * 2000})
            amd = image([new_base, Layer.from_files({"new.txt": b"new\n"})])
            arm = image([Layer.from_files({"arm.txt": b"arm\n"})], "arm64")
            pusher.push("team-00/service-0000", "v-new", build_index([amd, arm]))
        refreshed = run_child(url, cache_dir, refresh=True)
        names = [f"team-{r % 40:02d}/service-{r:04d}" for r in range(min(args.sample, args.repos))]
        seconds, reads = skopeo_sample(url, names)
    return cold, warm, refreshed, seconds, reads, len(names)


def report(
    args: argparse.Namespace,
    cold: dict[str, Any],
    warm: dict[str, Any],
    refreshed: dict[str, Any],
    seconds: float,
    reads: int,
    sampled: int,
) -> None:
    scale = args.repos / sampled
    skopeo_whole = seconds * scale
    print(line("cold", cold))
    print(line("warm", warm))
    print(line("refresh", refreshed))
    print(
        f"skopeo   {seconds:7.2f} s for {sampled} repositories ({reads} reads, "
        f"{reads / seconds:5.0f}/s); x{scale:g} = {skopeo_whole:7.2f} s for {args.repos}"
    )
    new_gets = refreshed["by_method"].get("GET manifests", 0)
    print(f"new manifest GETs after one new tag (an index + 2 platforms): {new_gets}")
    per_repo = cold["requests"] / args.repos
    rate = cold["requests"] / cold["seconds"]
    print(
        f"cold crawl vs skopeo extrapolated: {skopeo_whole / cold['seconds']:.1f}x faster; "
        f"{per_repo:.1f} requests a repository at {rate:.0f} requests/s: 100,000 repositories "
        f"= {per_repo * 100_000:,.0f} requests, ~{per_repo * 100_000 / rate / 60:.0f} min"
    )
    print(
        json.dumps(
            {
                "cold_s": round(cold["seconds"], 2),
                "warm_s": round(warm["seconds"], 2),
                "refresh_s": round(refreshed["seconds"], 2),
                "cold_requests": cold["requests"],
                "warm_requests": warm["requests"],
                "refresh_requests": refreshed["requests"],
                "refresh_new_manifest_gets": new_gets,
                "cold_peak_rss_mb": round(cold["peak_rss_mb"], 1),
                "cold_cpu_s": round(cold["cpu_s"], 2),
                "skopeo_extrapolated_s": round(skopeo_whole, 2),
                "speedup_vs_skopeo": round(skopeo_whole / cold["seconds"], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
