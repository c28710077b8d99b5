"""Crawl a registry concurrently and sequentially with the engine, and compare.

By default it starts its own Distribution registry on 127.0.0.1, seeds it with
200 repositories x 5 tags plus one 50-tag repository, then times:

  (a) the catalog plus every repository's tag list, and
  (b) `inspect` (manifest + config) of every tag of the big repository,

each done by the engine concurrently (one task per item, bounded by the
per-registry concurrency) and sequentially (one request after another).
With `--registry URL --repo NAME` it uses an existing registry instead.

It runs twice: straight to the registry on loopback, where there is no
latency and both sides compete for the same two cores (concurrency can only
overlap CPU work), and through `latency_proxy.py` adding `--rtt-ms` (default
20 ms) of round-trip time, which is what a registry on a network looks like
and what concurrency is for. The headline keys of the JSON object on the
last line (`catalog_tags_speedup`, `inspect_tags_speedup`, `req_per_s`) come
from the run with latency; the loopback figures carry a `loopback_` prefix.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import Config, NetworkConfig, RegistryConfig, Rex
from engine.testing.images import BuiltImage, Layer, build_image, make_config
from engine.testing.pusher import Pusher
from engine.testing.registry import RegistryProcess

BIG_REPO = "bench/big"


def seed(url: str, repos: int, tags: int, big_tags: int) -> None:
    """Push `repos` x `tags` small images and one `big_tags`-tag repository."""
    layer = Layer.from_files({"bench.txt": b"rex-tui crawl benchmark\n"})
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    def image(n: int) -> BuiltImage:
        config = make_config(
            diff_ids=[layer.diff_id],
            created=start + dt.timedelta(hours=n),
            labels={"bench.n": str(n)},
        )
        return build_image([layer], config)

    jobs = [(f"bench/team-{r % 20:02d}/service-{r:03d}", tags, r * 100) for r in range(repos)]
    jobs.append((BIG_REPO, big_tags, 10**6))

    def push_repo(job: tuple[str, int, int]) -> None:
        repo, count, base = job
        with Pusher(url, mount=False) as pusher:
            for t in range(count):
                pusher.push(repo, f"v1.{t}.0", image(base + t))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(push_repo, jobs))


def make_rex(url: str, concurrency: int) -> Rex:
    network = NetworkConfig(concurrency=concurrency, retry_attempts=0)
    return Rex(Config(network=network, registries=(RegistryConfig("b", url),), current="b"))


async def catalog_and_tags(rex: Rex, concurrent: bool) -> int:
    repos = await rex.list_repositories()
    if not concurrent:
        for repo in repos:
            await rex.list_tags(repo)
        return len(repos)
    async with trio.open_nursery() as nursery:
        for repo in repos:
            nursery.start_soon(rex.list_tags, repo)
    return len(repos)


async def inspect_tags(rex: Rex, repo: str, concurrent: bool) -> int:
    tags = await rex.list_tags(repo)
    refs = [f"{repo}:{tag}" for tag in tags]
    if not concurrent:
        for ref in refs:
            await rex.inspect(ref)
        return len(refs)
    async with trio.open_nursery() as nursery:
        for ref in refs:
            nursery.start_soon(rex.inspect, ref)
    return len(refs)


async def timed(
    url: str,
    concurrency: int,
    job: Callable[[Rex, bool], Awaitable[int]],
    concurrent: bool,
    runs: int,
) -> tuple[float, int]:
    """Median wall time of `runs` runs (a fresh client each: new connections) and requests."""
    times: list[float] = []
    requests = 0
    for _ in range(runs):
        async with make_rex(url, concurrency) as rex:
            started = time.perf_counter()
            await job(rex, concurrent)
            times.append(time.perf_counter() - started)
            requests = (await rex.client()).http.requests_sent
    return statistics.median(times), requests


async def run(url: str, repo: str, concurrency: int, runs: int) -> dict[str, float]:
    async with make_rex(url, concurrency) as rex:  # warm up the registry's own caches
        await catalog_and_tags(rex, True)
        await inspect_tags(rex, repo, True)

    results: dict[str, float] = {}
    total_requests = 0
    total_time = 0.0
    jobs: dict[str, Callable[[Rex, bool], Awaitable[int]]] = {
        "catalog_tags": catalog_and_tags,
        "inspect_tags": lambda rex, concurrent: inspect_tags(rex, repo, concurrent),
    }
    for name, job in jobs.items():
        seq, seq_requests = await timed(url, 1, job, False, runs)
        con, con_requests = await timed(url, concurrency, job, True, runs)
        results[f"{name}_sequential_s"] = round(seq, 3)
        results[f"{name}_concurrent_s"] = round(con, 3)
        results[f"{name}_speedup"] = round(seq / con, 2)
        print(
            f"{name:13} sequential {seq * 1000:8.1f} ms ({seq_requests} requests, "
            f"{seq_requests / seq:6.0f} req/s)   concurrent {con * 1000:8.1f} ms "
            f"({con_requests} requests, {con_requests / con:6.0f} req/s)   "
            f"speedup {seq / con:5.2f}x"
        )
        total_requests += con_requests
        total_time += con
    results["req_per_s"] = round(total_requests / total_time, 1)
    return results


def start_latency_proxy(url: str, rtt_ms: float) -> tuple[subprocess.Popen[str], str]:
    """Run latency_proxy.py in its own process (its CPU stays out of our GIL)."""
    script = Path(__file__).with_name("latency_proxy.py")
    upstream = url.split("://", 1)[-1]
    proc = subprocess.Popen(
        [sys.executable, str(script), "--upstream", upstream, "--rtt-ms", str(rtt_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"latency proxy failed to start: {line!r}")
    return proc, "http://" + line.removeprefix("listening on ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registry", help="use this registry URL instead of starting one")
    parser.add_argument("--repo", default=BIG_REPO, help="repository whose tags to inspect")
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--tags", type=int, default=5)
    parser.add_argument("--big-tags", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rtt-ms", type=float, default=20.0, help="emulated round trip")
    args = parser.parse_args()

    process: RegistryProcess | None = None
    url = args.registry
    try:
        if url is None:
            workdir = Path(tempfile.mkdtemp(prefix="rex-crawl-"))
            process = RegistryProcess("anonymous", workdir=workdir).start()
            url = process.url
            started = time.perf_counter()
            seed(url, args.repos, args.tags, args.big_tags)
            print(
                f"seeded {url}: {args.repos} repositories x {args.tags} tags + "
                f"{BIG_REPO} ({args.big_tags} tags) in {time.perf_counter() - started:.1f} s"
            )
        print(f"-- loopback, no added latency: {url}")
        loopback = trio.run(run, url, args.repo, args.concurrency, args.runs)
        proxy, proxied = start_latency_proxy(url, args.rtt_ms)
        try:
            print(f"-- {args.rtt_ms:g} ms round trip added by a proxy: {proxied}")
            results = trio.run(run, proxied, args.repo, args.concurrency, args.runs)
        finally:
            proxy.kill()
            proxy.wait()
    finally:
        if process is not None:
            process.close()
    results["rtt_ms"] = args.rtt_ms
    results["concurrency"] = args.concurrency
    results.update({f"loopback_{k}": v for k, v in loopback.items()})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
