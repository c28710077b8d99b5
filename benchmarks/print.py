"""`rex` (print mode) against skopeo, side by side on one local registry.

It starts its own Distribution registry on 127.0.0.1, pushes `bench/app:1.0`
(one two-layer image) and `bench/fifty` (50 tags, 50 distinct images), then
times whole processes, as a user or a script would run them:

  image    `rex image bench/app:1.0`  vs  `skopeo inspect --no-tags`
           cold: rex's disk cache emptied before every run (the network path);
           warm: the cache already holds the image; weak consistency confirms the
           tag with one manifest HEAD (so the network code is imported);
           offline: `--offline`, the cache alone (no request, no network code).
  tags     `rex image bench/fifty` (tag, digest, size, created, platforms of all
           50 tags)  vs  a shell loop: `skopeo list-tags` then `skopeo inspect`
           per tag, which is how one gets the same table without rex.

skopeo has no cache, so its cold and warm runs are the same command. Each
figure is the median of --runs (single image) or --tag-runs (50 tags) runs.
Python's own start-up (`python -c pass` with this interpreter's site-packages)
is printed too, and `python -c 'import re'`, since the console script pip writes
imports re before rex starts: that is the floor under every rex run, and in
some environments (a sitecustomize or .pth hook that
imports things) it is most of the warm figure. The interpreter timed is the one
running this script (its `rex` console script sits beside it): run it with the
project's virtual environment, `.venv/bin/python benchmarks/print.py`, not with a
system or pyenv interpreter whose site-packages may import extra modules at start.

Before timing, the engine and rex_tui are compiled to bytecode, as a wheel
install does; without that (PYTHONDONTWRITEBYTECODE and an editable install)
every run would compile ~40 modules first.

Last line: a JSON object with `warm_image_vs_skopeo`, `offline_image_vs_skopeo`
and `cold_image_vs_skopeo` (time ratios rex/skopeo: lower is better; issue 12's
targets <= 1.5 warm with its HEAD, <= 3.0 cold) and `cold_tags_speedup` and
`warm_tags_speedup` (skopeo loop time / rex time: higher is better, target >= 6
cold with `--tags 120`), plus the medians in milliseconds.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.testing.images import BuiltImage, Layer, build_image, make_config  # noqa: E402
from engine.testing.pusher import Pusher  # noqa: E402
from engine.testing.registry import RegistryProcess  # noqa: E402

APP = "bench/app"
FIFTY = "bench/fifty"
REX = Path(sys.executable).parent / "rex"


def seed(url: str, tags: int) -> None:
    """One realistic image under bench/app:1.0 and `tags` distinct images in bench/fifty."""
    base = Layer.from_files({"bin/app": os.urandom(256 * 1024), "etc/os-release": b"ID=bench\n"})
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    def image(n: int) -> BuiltImage:
        layer = Layer.from_files({"app/version": f"{n}\n".encode()})
        config = make_config(
            diff_ids=[base.diff_id, layer.diff_id],
            created=start + dt.timedelta(hours=n),
            entrypoint=["/bin/app"],
            labels={"bench.n": str(n)},
        )
        return build_image([base, layer], config)

    with Pusher(url, mount=False) as pusher:
        pusher.push(APP, "1.0", image(0))
        for n in range(tags):
            pusher.push(FIFTY, f"v1.{n}.0", image(n + 1))


def median_ms(
    run: Callable[[], None], runs: int, before: Callable[[], None] | None = None
) -> float:
    samples: list[float] = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class Sandbox:
    """A private HOME, config and cache for the rex runs."""

    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.cache = root / "cache"
        self.config = root / "config.toml"
        self.config.write_text("")
        self.url = url
        home = root / "home"
        home.mkdir()
        leaky = ("REX_", "NO_COLOR", "XDG_", "DOCKER_CONFIG", "REGISTRY_AUTH_FILE")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(leaky)}
        self.env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))

    def rex(self, *args: str) -> None:
        command = [str(REX), "--config", str(self.config), "--cache-dir", str(self.cache)]
        command += ["-r", self.url, "-f", "json", *args]
        done = subprocess.run(command, env=self.env, capture_output=True, timeout=120)
        if done.returncode != 0:
            raise SystemExit(f"rex {' '.join(args)} failed: {done.stderr.decode()}")

    def empty_cache(self) -> None:
        shutil.rmtree(self.cache, ignore_errors=True)


def _site_kind() -> str:
    """Whether the timed interpreter is a virtual environment, and its start-up hooks."""
    kind = "venv" if sys.prefix != sys.base_prefix else "system interpreter"
    hooks = sorted(
        path.name
        for folder in {Path(p) for p in sys.path if p.endswith("site-packages")}
        if folder.is_dir()
        for path in folder.glob("*.pth")
        if any(line.startswith("import") for line in path.read_text(errors="replace").splitlines())
    )
    return f"{kind}; .pth files that import: {', '.join(hooks) or 'none'}"


def run_quiet(command: Sequence[str]) -> None:
    done = subprocess.run(command, capture_output=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {done.stderr.decode(errors='replace')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per single-image figure")
    parser.add_argument("--tag-runs", type=int, default=5, help="runs per 50-tag figure")
    parser.add_argument("--tags", type=int, default=50)
    args = parser.parse_args()
    if shutil.which("skopeo") is None:
        raise SystemExit("skopeo is not installed")
    if not REX.exists():
        raise SystemExit(f"{REX} is missing: pip install -e . first")
    compileall.compile_dir(REPO / "engine", quiet=1)
    compileall.compile_dir(REPO / "rex_tui", quiet=1)

    with tempfile.TemporaryDirectory(prefix="rex-bench-") as tmp:
        root = Path(tmp)
        registry = RegistryProcess("anonymous", workdir=root / "registry").start()
        try:
            seed(registry.url, args.tags)
            sandbox = Sandbox(root, registry.url)
            host = registry.host
            skopeo_image = ["skopeo", "inspect", "--no-tags", "--tls-verify=false"]
            skopeo_image.append(f"docker://{host}/{APP}:1.0")
            loop = (
                f"for t in $(skopeo list-tags --tls-verify=false docker://{host}/{FIFTY}"
                " | jq -r '.Tags[]'); do skopeo inspect --no-tags --tls-verify=false"
                f' "docker://{host}/{FIFTY}:$t" >/dev/null || exit 1; done'
            )
            python = median_ms(lambda: run_quiet([sys.executable, "-c", "pass"]), args.runs)
            # pip's console script imports re before calling rex: the floor of any `rex` run.
            script = median_ms(lambda: run_quiet([sys.executable, "-c", "import re"]), args.runs)

            skopeo_ms = median_ms(lambda: run_quiet(skopeo_image), args.runs)
            cold_ms = median_ms(
                lambda: sandbox.rex("image", f"{APP}:1.0"), args.runs, sandbox.empty_cache
            )
            sandbox.rex("image", f"{APP}:1.0")
            warm_ms = median_ms(lambda: sandbox.rex("image", f"{APP}:1.0"), args.runs)
            offline_ms = median_ms(
                lambda: sandbox.rex("--offline", "image", f"{APP}:1.0"), args.runs
            )

            loop_ms = median_ms(lambda: run_quiet(["bash", "-c", loop]), args.tag_runs)
            cold_tags_ms = median_ms(
                lambda: sandbox.rex("image", FIFTY), args.tag_runs, sandbox.empty_cache
            )
            sandbox.rex("image", FIFTY)
            warm_tags_ms = median_ms(lambda: sandbox.rex("image", FIFTY), args.tag_runs)
        finally:
            registry.close()

    rows = [
        ("python -c pass (start-up floor)", python),
        ("python -c 'import re' (console-script floor)", script),
        ("skopeo inspect", skopeo_ms),
        ("rex image NAME:TAG, cold cache", cold_ms),
        ("rex image NAME:TAG, warm cache (one HEAD)", warm_ms),
        ("rex image NAME:TAG --offline, warm cache", offline_ms),
        (f"skopeo list-tags + {args.tags} x inspect", loop_ms),
        (f"rex image NAME ({args.tags} tags), cold cache", cold_tags_ms),
        (f"rex image NAME ({args.tags} tags), warm cache", warm_tags_ms),
    ]
    print(f"interpreter: {sys.executable} (Python {platform.python_version()}, {_site_kind()})")
    for label, ms in rows:
        print(f"{label:<46} {ms:9.1f} ms")
    result = {
        "python": sys.executable,
        "warm_image_vs_skopeo": round(warm_ms / skopeo_ms, 2),
        "offline_image_vs_skopeo": round(offline_ms / skopeo_ms, 2),
        "cold_image_vs_skopeo": round(cold_ms / skopeo_ms, 2),
        "cold_tags_speedup": round(loop_ms / cold_tags_ms, 1),
        "warm_tags_speedup": round(loop_ms / warm_tags_ms, 1),
        "python_startup_ms": round(python, 1),
        "script_floor_ms": round(script, 1),
        "skopeo_image_ms": round(skopeo_ms, 1),
        "rex_cold_image_ms": round(cold_ms, 1),
        "rex_warm_image_ms": round(warm_ms, 1),
        "rex_offline_image_ms": round(offline_ms, 1),
        "skopeo_tags_loop_ms": round(loop_ms, 1),
        "rex_cold_tags_ms": round(cold_tags_ms, 1),
        "rex_warm_tags_ms": round(warm_tags_ms, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
