"""How fast a cached 50 KB manifest comes back from memory (L1) and from disk (L2).

Run `python benchmarks/cache.py`; the last line is JSON with `l1_hit_us` and
`l2_hit_ms` (medians). Targets: L1 <= 5 us, L2 <= 2 ms.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from engine.cache.store import Cache, CacheKey

L1_BATCHES = 200
L1_BATCH_SIZE = 500
L2_READS = 300
TARGET_BYTES = 50 * 1024


def manifest_like(target_bytes: int) -> dict[str, Any]:
    """An image index with enough platform manifests to serialise to `target_bytes`."""
    manifests: list[dict[str, Any]] = []
    index: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    }
    n = 0
    while len(json.dumps(index, separators=(",", ":"))) < target_bytes:
        manifests.append(
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": f"sha256:{n:064x}",
                "size": 1000 + n,
                "platform": {"architecture": f"arch{n}", "os": "linux", "variant": "v8"},
                "annotations": {"org.opencontainers.image.ref.name": f"build-{n}"},
            }
        )
        n += 1
    return index


def l1_hit_us(cache: Cache, key: CacheKey) -> float:
    """Median microseconds per memory hit, timed in batches to drown timer overhead."""
    per_get: list[float] = []
    for _ in range(L1_BATCHES):
        started = time.perf_counter_ns()
        for _ in range(L1_BATCH_SIZE):
            cache.get(key)
        per_get.append((time.perf_counter_ns() - started) / L1_BATCH_SIZE / 1000)
    return statistics.median(per_get)


def l2_hit_ms(root: Path, key: CacheKey) -> float:
    """Median milliseconds per disk hit: a fresh Cache each time, so memory is empty."""
    timings: list[float] = []
    for _ in range(L2_READS):
        cache = Cache(root)
        started = time.perf_counter_ns()
        entry = cache.get(key)
        timings.append((time.perf_counter_ns() - started) / 1e6)
        assert entry is not None
    return statistics.median(timings)


def main() -> None:
    """Measure both tiers and print the details, then one JSON line."""
    data = manifest_like(TARGET_BYTES)
    key = CacheKey.manifest("127.0.0.1:5000", "bench/app", f"sha256:{'ab' * 32}")
    with tempfile.TemporaryDirectory(prefix="rex-cache-bench-") as tmp:
        root = Path(tmp)
        cache = Cache(root)
        entry = cache.put(key, data)
        assert cache.get(key) is not None and not cache.degraded
        l1 = l1_hit_us(cache, key)
        l2 = l2_hit_ms(root, key)
    print(f"entry: {entry.size} bytes serialised ({len(data['manifests'])} descriptors)")
    print(f"L1 hit: median {l1:.3f} us over {L1_BATCHES} batches of {L1_BATCH_SIZE} gets")
    print(f"L2 hit: median {l2:.3f} ms over {L2_READS} reads by a fresh Cache")
    print(json.dumps({"l1_hit_us": round(l1, 3), "l2_hit_ms": round(l2, 3)}))


if __name__ == "__main__":
    main()
