"""Time the list filter the way the TUI uses it: one keystroke at a time.

For 10,000 and 100,000 generated repository names (``team-17/payments-api-
worker`` and the like, fixed seed) it types each query below into one
`IncrementalFilter` a character at a time with ``limit=200`` (a screenful and
then some), deletes it again character by character, and reports per-keystroke
latency: all keystrokes, typed ones only, and each query's first keystroke
(a one-character query, the most matches and so the worst case). Beside it,
``fzf --filter QUERY`` runs on the same 100,000 names for each full query,
process start included, next to one `search()` call that builds its index
from scratch.

The last line of output is one JSON object; the targets are
p50_ms_100k <= 16, p95_ms_100k <= 33 and p95_ms_10k <= 8.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.search.matcher import IncrementalFilter, search

# "paymnts-wrk" drops letters the way a hurried typist does.
QUERIES = ("paymnts-wrk", "team-4/api", "billing-cron")
LIMIT = 200


def words(text: str) -> list[str]:
    """The blank-separated words of `text`: keeps the vocabulary below compact."""
    return text.split()


TEAMS = [f"team-{k}" for k in range(1, 60)]
TEAMS += words("platform data infra ml sre core web mobile security growth")
SERVICES = words(
    "payments billing orders users auth search catalog inventory shipping notifications "
    "checkout ledger analytics reports gateway identity profile pricing recommendations "
    "media email sms fraud risk accounts session cart review ads metrics"
)
SUFFIXES = words(
    "api worker service web cron consumer producer db-migrate proxy sidecar admin "
    "scheduler exporter gateway frontend backend indexer sync ingest cache"
)


def generate(count: int, seed: int = 17) -> list[str]:
    """`count` distinct names of 2-3 path segments, ~20-40 characters, in random order."""
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < count:
        team, service, suffix = rng.choice(TEAMS), rng.choice(SERVICES), rng.choice(SUFFIXES)
        shape = rng.random()
        if shape < 0.3:
            name = f"{team}/{service}-{suffix}"
        elif shape < 0.6:
            name = f"{team}/{service}-{suffix}-{rng.choice(SUFFIXES)}"
        elif shape < 0.85:
            name = f"{team}/{service}/{suffix}-{rng.choice(SUFFIXES)}"
        else:
            name = f"{team}/{service}-{rng.choice(SERVICES)}_{suffix}-v{rng.randint(1, 9)}"
        if 18 <= len(name) <= 42:
            names.add(name)
    ordered = sorted(names)
    rng.shuffle(ordered)
    return ordered


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def type_and_delete(names: list[str]) -> dict[str, float]:
    """Type and delete every query against one filter; latency statistics in ms."""
    started = time.perf_counter()
    box = IncrementalFilter(names)
    setup_ms = (time.perf_counter() - started) * 1000
    typed: list[float] = []
    deleted: list[float] = []
    first: list[float] = []
    totals: dict[str, int] = {}
    stats: dict[str, float] = {}
    for query in QUERIES:
        keystrokes = [query[:k] for k in range(1, len(query) + 1)]
        keystrokes += [query[:k] for k in range(len(query) - 1, -1, -1)]
        for step, text in enumerate(keystrokes):
            started = time.perf_counter()
            result = box.update(text, limit=LIMIT)
            elapsed = (time.perf_counter() - started) * 1000
            (typed if step < len(query) else deleted).append(elapsed)
            if step == 0:
                first.append(elapsed)
                stats[f"first_key[{query[0]}]_ms"] = elapsed
            if step == len(query) - 1:
                totals[query] = result.total
                shown = [m.text for m in result.matches]
                assert shown == [m.text for m in search(text, names, limit=LIMIT)]
    every = typed + deleted
    return {
        "setup_ms": setup_ms,
        "p50_ms": statistics.median(every),
        "p95_ms": percentile(every, 0.95),
        "max_ms": max(every),
        "typed_p50_ms": statistics.median(typed),
        "typed_p95_ms": percentile(typed, 0.95),
        "deleted_p50_ms": statistics.median(deleted),
        "first_key_ms": max(first),
        **stats,
        "keystrokes": len(every),
        **{f"matches[{q}]": float(n) for q, n in totals.items()},
    }


def time_fzf(names: list[str]) -> dict[str, float]:
    """Wall time of `fzf --filter` per full query on `names`, process start included."""
    fzf = shutil.which("fzf")
    if fzf is None:
        return {}
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "names.txt"
        path.write_text("\n".join(names) + "\n")
        for query in QUERIES:
            runs = []
            for _ in range(3):
                with path.open("rb") as stdin:
                    started = time.perf_counter()
                    subprocess.run(
                        [fzf, "--filter", query], stdin=stdin, capture_output=True, check=False
                    )
                    runs.append((time.perf_counter() - started) * 1000)
            timings[query] = statistics.median(runs)
    return timings


def main() -> None:
    """Run the benchmark and print a report ending in one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=3, help="repeat each size; keep the median run"
    )
    args = parser.parse_args()
    summary: dict[str, float] = {}
    for count, label in ((10_000, "10k"), (100_000, "100k")):
        names = generate(count)
        runs = sorted(
            (type_and_delete(names) for _ in range(args.rounds)), key=lambda r: r["p95_ms"]
        )
        stats = runs[len(runs) // 2]
        sizes = [len(name) for name in names]
        print(
            f"{count:,} names, {min(sizes)}-{max(sizes)} chars, mean {statistics.mean(sizes):.1f}"
        )
        for key, value in stats.items():
            print(f"  {key:<28} {value:9.2f}")
        for key in (
            "p50_ms",
            "p95_ms",
            "max_ms",
            "typed_p50_ms",
            "typed_p95_ms",
            "first_key_ms",
            "setup_ms",
        ):
            summary[f"{key.removesuffix('_ms')}_ms_{label}"] = round(stats[key], 2)
    names = generate(100_000)
    once = {}
    for query in QUERIES:  # no filter kept: the sorted index is built every time
        started = time.perf_counter()
        search(query, names, limit=LIMIT)
        once[query] = (time.perf_counter() - started) * 1000
    fzf = time_fzf(names)
    for query in QUERIES:
        print(f"  search({query!r}) once {once[query]:9.2f} ms on 100,000 names", end="")
        print(f"; fzf --filter {fzf[query]:.2f} ms" if query in fzf else "")
    summary["search_once_ms_100k"] = round(statistics.median(once.values()), 2)
    if fzf:
        summary["fzf_ms_100k"] = round(statistics.median(fzf.values()), 2)
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
