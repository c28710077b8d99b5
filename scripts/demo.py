"""Start a local registry full of demo images and open rex-tui on it.

    bash scripts/demo.sh [OPTIONS]     installs what is missing, then runs this file
    python scripts/demo.py [OPTIONS]   with rex-tui and Debian's docker-registry installed

Everything lives in one temporary directory removed at the end: the registry's storage,
a config.toml naming the demo registry (and an offline one), rex's cache, state and log.
The user's own rex configuration, cache and credentials are never read or written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo_images import DemoSet, build_demo_set  # noqa: E402

from engine.testing.images import Built, BuiltIndex  # noqa: E402
from engine.testing.pusher import Pusher  # noqa: E402
from engine.testing.registry import BINARY, RegistryProcess, free_port  # noqa: E402

__all__ = ["Demo", "rex_command", "run_demo", "seed"]

#: Spare room /dev/shm must have before the registry's storage goes there.
_SHM_NEEDED = 1024 * 1024 * 1024
_NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]

Push = tuple[str, str | None, Built]


class _LanePusher(Pusher):
    """A Pusher whose small requests are not held back by Nagle's algorithm.

    Without TCP_NODELAY a PUT's body waits for the ACK of its headers, which the
    registry delays by up to 40 ms: most of the seeding time.
    """

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url, mount=True, check_existing=False)
        self.client.close()
        self.client = httpx.Client(
            base_url=self.base_url,
            auth=self.auth,
            timeout=30.0,
            transport=httpx.HTTPTransport(verify=False, socket_options=_NODELAY),
        )


def _lanes(demo: DemoSet, count: int) -> list[list[Push]]:
    """Repositories split over `count` lanes of about the same number of bytes, in order."""
    weights: dict[str, int] = {}
    for repo, _, built in demo.pushes:
        images = built.children if isinstance(built, BuiltIndex) else (built,)
        weights[repo] = weights.get(repo, 0) + sum(b.size for i in images for b in i.blobs)
    loads = [0] * count
    lane_of: dict[str, int] = {}
    for repo in sorted(weights, key=lambda r: -weights[r]):
        lane = loads.index(min(loads))
        lane_of[repo] = lane
        loads[lane] += weights[repo]
    lanes: list[list[Push]] = [[] for _ in range(count)]
    for push in demo.pushes:
        lanes[lane_of[push[0]]].append(push)
    return lanes


def seed(url: str, demo: DemoSet, *, lanes: int = 3) -> None:
    """Push the demo set: a few repositories at once, each lane mounting blobs it pushed."""

    def push_lane(items: list[Push]) -> None:
        with _LanePusher(url) as pusher:
            for repo, tag, built in items:
                pusher.push(repo, tag, built)

    with ThreadPoolExecutor(max_workers=lanes) as pool:
        for future in [pool.submit(push_lane, lane) for lane in _lanes(demo, lanes) if lane]:
            future.result()
    with Pusher(url) as pusher:
        for repo, digest in demo.deletes:
            pusher.delete_manifest(repo, digest)


def _scratch_parent() -> str | None:
    """/dev/shm when it has room (the registry writes ~3x faster there), else the default."""
    try:
        stat = os.statvfs("/dev/shm")
    except OSError:
        return None
    roomy = stat.f_bavail * stat.f_frsize > _SHM_NEEDED
    return "/dev/shm" if roomy and os.access("/dev/shm", os.W_OK) else None


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Demo:
    """A running demo registry and everything rex-tui needs to open it."""

    url: str
    home: Path
    config_path: Path
    env: dict[str, str]
    repositories: int
    tags: int
    seconds: float


def _write_config(home: Path, url: str, theme: str) -> Path:
    offline = f"http://127.0.0.1:{free_port()}"
    path = home / "config" / "rex" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# The rex-tui demo's configuration: written by scripts/demo.py, removed after.\n"
        f"[cache]\ndir = {_toml_string(str(home / 'cache' / 'rex'))}\n\n"
        f"[tui]\ntheme = {_toml_string(theme)}\n\n"
        '[registries]\ncurrent = "demo"\n\n'
        f'[[registries.list]]\nname = "demo"\nurl = {_toml_string(url)}\n\n'
        "# Nothing listens here: shows how an unreachable registry looks.\n"
        f'[[registries.list]]\nname = "staging"\nurl = {_toml_string(offline)}\n'
    )
    return path


def _isolated_env(home: Path, config_path: Path) -> dict[str, str]:
    """The user's environment, with every place rex reads or writes moved into `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REX_")}
    for variable in ("CONFIG", "CACHE", "STATE", "DATA"):
        path = home / variable.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{variable}_HOME"] = str(path)
    env["REX_CONFIG"] = str(config_path)
    env["DOCKER_CONFIG"] = str(home / "docker")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env.setdefault("TERM", "xterm-256color")
    return env


@contextmanager
def run_demo(*, theme: str = "dark", port: int | None = None) -> Iterator[Demo]:
    """A seeded registry on 127.0.0.1 and an isolated rex home; all removed afterwards."""
    if not Path(BINARY).exists():
        raise SystemExit(f"{BINARY} is missing: run 'bash scripts/demo.sh' (it installs it)")
    started = time.perf_counter()
    home = Path(tempfile.mkdtemp(prefix="rex-demo-", dir=_scratch_parent()))
    registry = RegistryProcess("anonymous", workdir=home / "registry")
    if port is not None:
        registry.port = port
    try:
        # Ignored SIGINT is inherited: Ctrl+C in the terminal must reach rex-tui (or this
        # script, which then cleans up), not kill the registry under them.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            registry.launch()
        finally:
            signal.signal(signal.SIGINT, previous)
        demo_set = build_demo_set()
        registry.wait_ready()
        seed(registry.url, demo_set)
        config_path = _write_config(home, registry.url, theme)
        yield Demo(
            url=registry.url,
            home=home,
            config_path=config_path,
            env=_isolated_env(home, config_path),
            repositories=len(demo_set.repositories),
            tags=sum(len(tags) for tags in demo_set.tags.values()),
            seconds=time.perf_counter() - started,
        )
    finally:
        registry.stop()
        shutil.rmtree(home, ignore_errors=True)


def rex_command(demo: Demo) -> list[str]:
    """The installed rex-tui next to this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "rex-tui"
    program = str(beside) if beside.exists() else shutil.which("rex-tui")
    if program is None:
        return [sys.executable, "-m", "rex_tui.main", "--config", str(demo.config_path)]
    return [program, "--config", str(demo.config_path)]


def _raise_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-launch",
        action="store_true",
        help="seed the registry, print how to open it, and keep it running until Ctrl+C",
    )
    parser.add_argument("--port", type=int, help="registry port (default: a free one)")
    parser.add_argument("--theme", default="dark", help="rex-tui theme: dark or light")
    options = parser.parse_args(argv)
    # A closed terminal or a kill still removes the registry and the temporary directory.
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.signal(signal.SIGHUP, _raise_exit)
    print("starting a local registry and pushing the demo images…", flush=True)
    try:
        with run_demo(theme=options.theme, port=options.port) as demo:
            command = rex_command(demo)
            print(
                f"{demo.url}: {demo.repositories} repositories, {demo.tags} tags "
                f"(ready in {demo.seconds:.1f} s)",
                flush=True,
            )
            if options.no_launch:
                shown = " ".join(command)
                print(f"open it with:\n  REX_CONFIG={demo.config_path} {shown}")
                print("Ctrl+C stops the registry and removes everything.", flush=True)
                while True:
                    time.sleep(3600)
            # rex-tui owns the terminal now; this process only waits to clean up.
            signal.signal(signal.SIGINT, lambda signum, frame: None)
            return subprocess.run(command, env=demo.env, check=False).returncode
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
