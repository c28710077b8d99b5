"""What another process holding rex's cache lock costs a `rex` command (issue 12 section 3).

It starts its own Distribution registry on 127.0.0.1, pushes `bench/app:1.0`,
and times whole `rex image bench/app:1.0` processes, with and without a second
process (engine.testing.lockholder) holding ROOT/.lock, side by side:

  cold  the disk cache emptied before every run: the command fetches and writes
        (with the lock held, its writes are queued and skipped at exit);
  warm  the cache already holds the image: answered from disk, then the hit
        counts are flushed to metadata.json (with the lock held: skipped).

Target: the held lock makes a command at most about 1 s slower (before issue 12,
`Cache.put` waited up to 10 s per write: a CLI command took ~60 s).

Run `.venv/bin/python benchmarks/lock.py`; the last line is JSON with the
medians in milliseconds and `cold_extra_ms` / `warm_extra_ms` (held - free).
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.print import APP, REX, Sandbox, seed  # noqa: E402
from engine.testing.lockholder import LockHolder  # noqa: E402
from engine.testing.registry import RegistryProcess  # noqa: E402


def median_ms(
    run: Callable[[], None], runs: int, root: Path, *, held: bool, before: Callable[[], None]
) -> float:
    """Median wall time of `run`, with `root`'s lock held by another process or free."""
    samples: list[float] = []
    for _ in range(runs):
        before()  # untimed, and before the holder, which needs the directory
        with LockHolder(root) if held else contextlib.nullcontext():
            started = time.perf_counter()
            run()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per figure")
    args = parser.parse_args()
    if not REX.exists():
        raise SystemExit(f"{REX} is missing: pip install -e . first")
    compileall.compile_dir(REPO / "engine", quiet=1)
    compileall.compile_dir(REPO / "rex_tui", quiet=1)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="rex-lock-bench-") as tmp:
        root = Path(tmp)
        registry = RegistryProcess("anonymous", workdir=root / "registry").start()
        try:
            seed(registry.url, 0)
            sandbox = Sandbox(root, registry.url)

            def image() -> None:
                sandbox.rex("image", f"{APP}:1.0")

            def warm_up() -> None:
                sandbox.empty_cache()
                image()  # with the lock free, so the cache holds the image

            for kind, before in (("cold", sandbox.empty_cache), ("warm", warm_up)):
                for held in (False, True):
                    figures[f"{kind}_{'held' if held else 'free'}_ms"] = median_ms(
                        image, args.runs, sandbox.cache, held=held, before=before
                    )
        finally:
            registry.close()

    print(f"rex image {APP}:1.0, median of {args.runs} runs:")
    print(f"{'':<6}{'lock free':>12}{'lock held':>14}{'extra':>14}")
    for kind in ("cold", "warm"):
        free, held_ms = figures[f"{kind}_free_ms"], figures[f"{kind}_held_ms"]
        print(f"{kind:<6}{free:>9.1f} ms{held_ms:>11.1f} ms{held_ms - free:>11.1f} ms")
    result = {key: round(value, 1) for key, value in figures.items()}
    result["cold_extra_ms"] = round(figures["cold_held_ms"] - figures["cold_free_ms"], 1)
    result["warm_extra_ms"] = round(figures["warm_held_ms"] - figures["warm_free_ms"], 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
