"""How fast 50 KB manifests come back from a team's Redis, beside the disk tier, and what a
dead Redis costs a read.

Run `python benchmarks/redis_cache.py` (needs Debian's redis-server); the last line is JSON:
  l2_disk_hit_ms     a Cache reading entries from its own disk (median of READS distinct keys)
  l3_redis_hit_ms    a Cache with an empty disk reading them from Redis: fetched, verified,
                     decoded and copied to its disk (the whole cost of a teammate's entry)
  ratio              l3 / l2
  l3_connect_ms      the first Redis read of a process, which connects (median over
                     CONNECTS fresh Caches)
  dead_first_ms      the first read after Redis died (connection refused, the breaker trips)
  dead_next_us       each later read while the breaker keeps Redis off
A loaded machine moves all of them: compare within one run.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.cache import TARGET_BYTES, manifest_like
from engine.cache.store import Cache, CacheKey
from engine.config.model import CacheConfig
from engine.testing.redis_server import RedisServer

READS = 300
CONNECTS = 30
DEAD_READS = 2000


def keys(count: int) -> list[CacheKey]:
    return [
        CacheKey.manifest("127.0.0.1:5000", "bench/app", f"sha256:{n:064x}") for n in range(count)
    ]


def median_read_ms(cache: Cache, wanted: list[CacheKey]) -> float:
    """Median milliseconds per `cache.get` of each key (each a hit)."""
    timings: list[float] = []
    for key in wanted:
        started = time.perf_counter_ns()
        entry = cache.get(key)
        timings.append((time.perf_counter_ns() - started) / 1e6)
        assert entry is not None
    return statistics.median(timings)


def connect_ms(base: Path, config: CacheConfig, key: CacheKey) -> float:
    """Median milliseconds of a fresh Cache's first read, which connects to Redis."""
    timings: list[float] = []
    for n in range(CONNECTS):
        cache = Cache(base / f"connect-{n}", config=config)
        started = time.perf_counter_ns()
        assert cache.get(key) is not None
        timings.append((time.perf_counter_ns() - started) / 1e6)
    return statistics.median(timings)


def dead_costs(base: Path, config: CacheConfig, key: CacheKey) -> tuple[float, float]:
    """(ms of the first read after Redis died, median us of each later one)."""
    cache = Cache(base / "dead", config=config)
    started = time.perf_counter_ns()
    assert cache.get(key) is None
    first = (time.perf_counter_ns() - started) / 1e6
    timings: list[float] = []
    for _ in range(DEAD_READS):
        started = time.perf_counter_ns()
        cache.get(key)
        timings.append((time.perf_counter_ns() - started) / 1e3)
    return first, statistics.median(timings)


def main() -> None:
    data = manifest_like(TARGET_BYTES)
    wanted = keys(READS)
    with tempfile.TemporaryDirectory(prefix="rex-redis-bench-") as tmp, RedisServer() as server:
        base = Path(tmp)
        config = CacheConfig(backend="redis", redis_url=server.url)
        writer = Cache(base / "writer", config=config)
        for key in wanted:
            size = writer.put(key, data).size
        writer.flush()
        l2 = median_read_ms(Cache(base / "writer", config=CacheConfig()), wanted)
        teammate = Cache(base / "teammate", config=config)
        teammate.get(wanted[0])  # connected: what follows is the steady cost
        l3 = median_read_ms(teammate, wanted[1:])
        connect = connect_ms(base, config, wanted[0])
        server.kill()
        first, later = dead_costs(base, config, wanted[0])
    print(f"entries: {READS} of {size} bytes serialised")
    print(f"L2 disk hit:   median {l2:.3f} ms a read")
    print(f"L3 Redis hit:  median {l3:.3f} ms a read (verified and copied to disk)")
    print(f"ratio L3/L2:   {l3 / l2:.2f}")
    print(f"first L3 read: median {connect:.2f} ms (connects) over {CONNECTS} fresh caches")
    print(f"Redis dead:    first read {first:.2f} ms, then median {later:.2f} us a read")
    print(
        json.dumps(
            {
                "l2_disk_hit_ms": round(l2, 3),
                "l3_redis_hit_ms": round(l3, 3),
                "ratio": round(l3 / l2, 2),
                "l3_connect_ms": round(connect, 2),
                "dead_first_ms": round(first, 2),
                "dead_next_us": round(later, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
