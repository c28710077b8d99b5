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

Against `wrk` (issue 12 section 7): on loopback, the whole crawl (both jobs at once,
`--concurrency` requests in flight) is timed alternately with `wrk` driven by
crawl.lua over the same request mix (the catalog page, every tag list, the big
repository's manifest GETs with the full Accept list and its config blob GETs)
on as many connections. It prints both request rates, their ratio (target: the
engine >= 50 % of wrk) and the client's CPU time per request, keys `wrk_*`.
`--profile` also runs the crawl under cProfile and prints where the client's
time goes, grouped (httpx, httpcore, h11, trio, json, models, cache, logging...).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import datetime as dt
import json
import pstats
import re
import shutil
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
from engine.oci.manifests import MANIFEST_ACCEPT, ImageManifest
from engine.testing.images import BuiltImage, Layer, build_image, make_config
from engine.testing.pusher import Pusher
from engine.testing.registry import RegistryProcess

BIG_REPO = "bench/big"
WRK_LUA = Path(__file__).with_name("crawl.lua")


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


async def crawl(rex: Rex, repo: str) -> None:
    """Both jobs at once: what the engine's crawl keeps in flight, wrk keeps too."""
    async with trio.open_nursery() as nursery:
        nursery.start_soon(catalog_and_tags, rex, True)
        nursery.start_soon(inspect_tags, rex, repo, True)


async def request_mix(url: str, repo: str) -> list[tuple[str, str]]:
    """The requests `crawl` sends, as (path, Accept) pairs, for wrk to send too."""
    mix: list[tuple[str, str]] = [("/v2/_catalog?n=1000", "")]
    async with make_rex(url, 16) as rex:
        repos = await rex.list_repositories()
        mix += [(f"/v2/{name}/tags/list?n=1000", "") for name in repos]
        tags = await rex.list_tags(repo)
        if repo not in repos:
            mix.append((f"/v2/{repo}/tags/list?n=1000", ""))
        for tag in tags:
            info = await rex.inspect(f"{repo}:{tag}")
            mix.append((f"/v2/{repo}/manifests/{tag}", MANIFEST_ACCEPT))
            image = info.image.parsed
            assert isinstance(image, ImageManifest)  # inspect shows one platform's manifest
            mix.append((f"/v2/{repo}/blobs/{image.config.digest}", ""))
    return mix


async def engine_round(url: str, repo: str, concurrency: int) -> tuple[int, float, float]:
    """One crawl by a fresh client: (requests, wall seconds, client CPU seconds)."""
    async with make_rex(url, concurrency) as rex:
        cpu = time.process_time()
        started = time.perf_counter()
        await crawl(rex, repo)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        requests = (await rex.client()).http.requests_sent
    return requests, wall, cpu


def wrk_round(url: str, mix_file: Path, concurrency: int, seconds: float) -> float:
    """wrk's request rate over the same mix and connection count."""
    threads = max(1, min(2, concurrency))
    out = subprocess.run(
        [
            *("wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds:g}s"),
            *("-s", str(WRK_LUA), url, "--", str(mix_file)),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise SystemExit(f"wrk got {bad.group(1)} error answers: the mix is wrong\n{out}")
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if rate is None:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    return float(rate.group(1))


def versus_wrk(
    url: str, repo: str, concurrency: int, rounds: int, seconds: float
) -> dict[str, float]:
    """Engine and wrk rounds alternated (a busy neighbour slows both), medians compared."""
    mix = trio.run(request_mix, url, repo)
    with tempfile.NamedTemporaryFile("w", suffix=".mix", delete=False) as handle:
        handle.writelines(f"{path}\t{accept}\n" for path, accept in mix)
        mix_file = Path(handle.name)
    trio.run(engine_round, url, repo, concurrency)  # warm-up: imports, registry caches
    rates: list[float] = []
    wrk_rates: list[float] = []
    cpu_per_request: list[float] = []
    try:
        for _ in range(rounds):
            requests, wall, cpu = trio.run(engine_round, url, repo, concurrency)
            rates.append(requests / wall)
            cpu_per_request.append(cpu / requests * 1000)
            wrk_rates.append(wrk_round(url, mix_file, concurrency, seconds))
    finally:
        mix_file.unlink()
    rate, wrk_rate = statistics.median(rates), statistics.median(wrk_rates)
    cpu_ms = statistics.median(cpu_per_request)
    print(
        f"crawl vs wrk  ({len(mix)} requests a crawl, {concurrency} in flight, "
        f"median of {rounds} alternated rounds)\n"
        f"  engine {rate:7.0f} req/s   wrk {wrk_rate:7.0f} req/s   "
        f"ratio {rate / wrk_rate:5.1%} (target >= 50 %)   client CPU {cpu_ms:.2f} ms/request"
    )
    return {
        "wrk_engine_req_per_s": round(rate, 1),
        "wrk_req_per_s": round(wrk_rate, 1),
        "wrk_ratio": round(rate / wrk_rate, 3),
        "wrk_engine_cpu_ms_per_request": round(cpu_ms, 3),
    }


# Where the client's time goes: the first group whose pattern a function's file
# (or, for C functions, its name) matches.
_GROUPS: list[tuple[str, str]] = [
    ("httpx", r"/httpx/"),
    ("httpcore", r"/httpcore/"),
    ("h11", r"/h11/"),
    ("trio", r"/(trio|outcome|sniffio|anyio)/|attrs generated methods (trio|outcome)"),
    ("json", r"/json/|msgspec|orjson"),
    ("cache writes", r"/engine/cache/"),
    ("models (engine/oci)", r"/engine/oci/|/engine/frozen\.py"),
    ("reads (engine/reads, rex.py)", r"/engine/reads/|/engine/rex\.py"),
    ("transport (engine/transport)", r"/engine/transport/"),
    ("logging", r"/logging/"),
    ("socket and poll (kernel)", r"'_socket\.socket'|'select\.|<built-in method _socket"),
    ("ssl", r"/ssl\.py|_ssl\."),
]


def _group(filename: str, function: str) -> str:
    where = f"{filename} {function}"
    for name, pattern in _GROUPS:
        if re.search(pattern, where):
            return name
    if filename == "~":
        return "other C functions (isinstance, dict, str...)"
    return "other Python (stdlib, contextlib, urllib...)"


def profile(url: str, repo: str, concurrency: int, rounds: int) -> None:
    """Print the crawl's time (cProfile: own time per function) grouped by package."""
    trio.run(engine_round, url, repo, concurrency)  # imports and first connections
    profiler = cProfile.Profile(time.process_time)  # CPU: the client's cost, not waits
    requests = 0
    for _ in range(rounds):
        profiler.enable()
        sent = trio.run(engine_round, url, repo, concurrency)[0]
        profiler.disable()
        requests += sent
    stats = pstats.Stats(profiler)
    own: collections.defaultdict[str, float] = collections.defaultdict(float)
    entries: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    entries = stats.stats  # type: ignore[attr-defined]
    for (filename, _, function), (_, _, tottime, _, _) in entries.items():
        own[_group(filename, function)] += tottime
    total = sum(own.values())
    print(
        f"profile: {requests} requests, {total / requests * 1000:.2f} ms profiled CPU a "
        "request (cProfile inflates Python calls)"
    )
    for name, seconds in sorted(own.items(), key=lambda item: -item[1]):
        print(f"  {name:46} {seconds / total:6.1%}  {seconds / requests * 1e6:7.0f} us/request")


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
    parser.add_argument(
        "--rtt-ms", type=float, default=20.0, help="emulated round trip (0: skip that run)"
    )
    parser.add_argument("--wrk-rounds", type=int, default=5, help="alternated rounds vs wrk")
    parser.add_argument("--wrk-seconds", type=float, default=2.0, help="length of a wrk round")
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package wrk)")

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
        versus = versus_wrk(url, args.repo, args.concurrency, args.wrk_rounds, args.wrk_seconds)
        if args.profile:
            profile(url, args.repo, args.concurrency, args.runs)
        loopback = trio.run(run, url, args.repo, args.concurrency, args.runs)
        results: dict[str, float] = {}
        if args.rtt_ms > 0:
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
    results.update(versus)
    results["rtt_ms"] = args.rtt_ms
    results["concurrency"] = args.concurrency
    results.update({f"loopback_{k}": v for k, v in loopback.items()})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
