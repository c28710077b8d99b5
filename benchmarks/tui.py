"""The real `rex-tui` in a pseudo-terminal: first paint, keystroke latency and memory.

It starts its own Distribution registry on 127.0.0.1 holding 100,000
repositories (the names of benchmarks/filter.py) plus `bench/thousand-tags`,
one image tagged 1,000 times, then runs the installed `rex-tui` console script
in a 120x40 pty whose output feeds a pyte VT emulator, and reads the screen as
a user would see it.

Filling the registry: `bench/thousand-tags` is pushed over HTTP (one image, then
1,000 manifest PUTs by tag). The 100,000 others are written straight into the
filesystem driver's layout, as Distribution 2.8 keeps a repository whose tags
were all deleted: `<name>/_layers/` (what the catalog walk looks for) and an
empty `<name>/_manifests/tags/` (so their tag list is `null`, not an error).
Pushing 100,000 repositories would take the better part of an hour; this takes
seconds, and the catalog the TUI reads is the registry's own answer (checked
with GET /v2/_catalog before anything is timed).

The warm cache is written with the engine's own Cache API from that catalog
answer (what rex-tui itself would store), with `[cache.ttl] catalog` raised so
that it stays fresh for the whole run. rex-tui's cold load is not timed: it
reads the catalog 1,000 names a page, and Distribution 2.8 walks its storage
from the start for every page, so 100 pages take minutes of registry time.

Figures, all from the pty, in milliseconds:
  first paint      process start to a screen full of repository names, the
                   cache warm (median of --runs runs)
  echo             a key written to the pty until the filter line shows it
  filter           the same key until the list shows the filter's top matches and
                   the status bar its match count (both checked against
                   engine.search.matcher run here on the same names)
  rss              VmRSS / VmHWM of rex-tui once 100,000 names and the 1,000
                   tags (with digests, sizes and dates) are on screen

Keys are typed one at a time: each goes after the previous key's filtered list
has shown and the screen has been quiet for a moment, so each figure is the
latency of one keystroke, not a queue. The last line is a JSON object with
first_paint_ms_warm, keystroke_echo_ms_p95, keystroke_filter_ms_p95 and rss_mb
(targets <= 400, <= 16, <= 50 and <= 150).
"""

from __future__ import annotations

import argparse
import compileall
import errno
import fcntl
import json
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pyte

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.filter import generate  # noqa: E402
from engine.search.matcher import IncrementalFilter  # noqa: E402
from engine.testing.images import Layer, build_image, make_config  # noqa: E402
from engine.testing.pusher import Pusher  # noqa: E402
from engine.testing.registry import RegistryProcess  # noqa: E402

REX_TUI = Path(sys.executable).with_name("rex-tui")
COLS, ROWS = 120, 40
REPOSITORIES = 100_000
_DATE = re.compile(r" 20\d\d-\d\d-\d\d ")
THOUSAND = "web/thousand-tags"  # sorts late: not the repository focused at start
TAGS = 1_000
QUERIES = ("paymnts-wrk", "team-4/api", "billing-cron")
LIMIT = 2000  # what the TUI's RowTable asks the filter for
TARGETS = {
    "first_paint_ms_warm": 400.0,
    "keystroke_echo_ms_p95": 16.0,
    "keystroke_filter_ms_p95": 50.0,
    "rss_mb": 150.0,
}


# -- the registry -------------------------------------------------------------------------


def write_stub_repositories(registry: RegistryProcess, names: Iterable[str]) -> int:
    """Repositories with no tags left, in the filesystem driver's layout; returns the count."""
    root = registry.storage_dir / "docker/registry/v2/repositories"
    parents: set[str] = set()
    count = 0
    for name in names:
        parent = name.rpartition("/")[0]
        if parent and parent not in parents:
            (root / parent).mkdir(parents=True, exist_ok=True)
            parents.add(parent)
        base = f"{root}/{name}"
        for path in (base, f"{base}/_layers", f"{base}/_manifests", f"{base}/_manifests/tags"):
            os.mkdir(path)
        count += 1
    return count


def push_thousand_tags(url: str) -> str:
    """One small image under `TAGS` tags, pushed over HTTP (4 connections); its digest."""
    layer = Layer.from_files({"bin/app": b"\x7fELF" + bytes(4096), "etc/os-release": b"ID=b\n"})
    image = build_image([layer], make_config(diff_ids=[layer.diff_id], cmd=["/bin/app"]))
    with Pusher(url, mount=False) as pusher:
        pusher.push(THOUSAND, "v0", image)
    tags = [f"v{n}" for n in range(1, TAGS)]

    def tag_some(chunk: list[str]) -> None:
        with Pusher(url, mount=False) as pusher:
            pusher.tag(THOUSAND, chunk, image)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(tag_some, [tags[k::4] for k in range(4)]))
    return image.digest


def catalog(url: str) -> list[str]:
    """Every name GET /v2/_catalog lists, following Link headers."""
    names: list[str] = []
    with httpx.Client(base_url=url, timeout=120, verify=False) as client:
        next_url: str | None = f"/v2/_catalog?n={REPOSITORIES + 10}"
        while next_url:
            response = client.get(next_url)
            response.raise_for_status()
            names += response.json()["repositories"]
            link = response.links.get("next")
            next_url = link["url"] if link else None
    return names


# -- the terminal -------------------------------------------------------------------------


class Pty:
    """`rex-tui` on a pseudo-terminal, its output fed to a pyte screen as it arrives."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.fd = master
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        os.set_blocking(master, False)
        self.closed = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def lines(self) -> list[str]:
        return self.screen.display

    def pump(self, timeout: float) -> bool:
        """Read and emulate whatever arrives within `timeout` s; False when nothing did."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        got = False
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                return got
            except OSError as exc:  # EIO: the child closed the terminal
                if exc.errno != errno.EIO:
                    raise
                self.closed = True
                return got
            if not chunk:
                self.closed = True
                return got
            self.stream.feed(chunk)
            got = True

    def wait_for(self, done: Callable[[list[str]], bool], timeout: float = 30.0) -> float:
        """perf_counter() when `done(screen lines)` first held after a read."""
        deadline = time.perf_counter() + timeout
        if done(self.lines()):
            return time.perf_counter()
        while time.perf_counter() < deadline and not self.closed:
            if self.pump(0.005) and done(self.lines()):
                return time.perf_counter()
        raise TimeoutError("the screen never got there:\n" + "\n".join(self.lines()))

    def settle(self, quiet: float = 0.05, limit: float = 2.0) -> None:
        """Read until nothing has arrived for `quiet` s."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline and self.pump(quiet):
            pass

    def send(self, keys: str) -> float:
        os.write(self.fd, keys.encode())
        return time.perf_counter()

    def memory_mb(self) -> dict[str, float]:
        """VmRSS and VmHWM of the process, in MiB."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}

    def quit(self) -> int:
        self.send("q")
        deadline = time.perf_counter() + 10
        while self.process.poll() is None and time.perf_counter() < deadline:
            self.pump(0.05)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=10)
        os.close(self.fd)
        return code


class Sandbox:
    """A private config, cache, state and HOME for rex-tui, pointed at one registry."""

    def __init__(self, root: Path, url: str) -> None:
        self.config = root / "config.toml"
        self.cache_dir = root / "cache" / "rex"
        self.config.write_text(
            f'[cache]\ndir = "{self.cache_dir}"\n\n[cache.ttl]\ncatalog = 7200\n\n'
            f'[registries]\ncurrent = "bench"\n\n'
            f'[[registries.list]]\nname = "bench"\nurl = "{url}"\n'
        )
        leaky = ("REX_", "NO_COLOR", "XDG_", "DOCKER_CONFIG", "REGISTRY_AUTH_FILE")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(leaky)}
        self.env.update(
            HOME=str(root / "home"),
            XDG_CACHE_HOME=str(root / "cache"),
            XDG_STATE_HOME=str(root / "state"),
            XDG_CONFIG_HOME=str(root / "cfg"),
            TERM="xterm-256color",
            LANG="C.UTF-8",
        )
        (root / "home").mkdir()

    def warm_catalog(self, host: str, names: list[str]) -> None:
        """Store `names` as `host`'s catalog, as rex-tui does after reading it."""
        from engine.cache.keys import CacheKey
        from engine.cache.store import Cache
        from engine.config.settings import load
        from engine.reads.plan import list_data

        config = load(self.config, env=self.env).config
        cache = Cache(self.cache_dir, config=config.cache)
        cache.put(CacheKey.catalog(host), list_data("repositories", names))
        cache.flush()

    def start(self) -> Pty:
        # Every start is measured as a first start: a remembered selection from the run
        # before would scroll the list to it.
        (Path(self.env["XDG_STATE_HOME"]) / "rex" / "tui-state.json").unlink(missing_ok=True)
        return Pty([str(REX_TUI), "--config", str(self.config)], self.env)


# -- reading the screen -------------------------------------------------------------------


class ListArea:
    """Where the repositories pane draws its rows: top line, left column and width."""

    def __init__(self, lines: list[str], first: str) -> None:
        found = [(row, line) for row, line in enumerate(lines) if "│" + first[:12] in line]
        if not found:
            raise LookupError(f"{first!r} is not on screen")
        self.row, line = found[0]  # a row, not a pane's title
        self.col = line.find("│" + first[:12]) + 1
        end = line.find("│", self.col)
        self.width = (end if end > 0 else len(line)) - self.col
        # Down to the pane's bottom border (the footer and status bar follow it).
        edges = [below[self.col - 1 : self.col] for below in lines[self.row :]]
        self.height = next((k for k, edge in enumerate(edges) if edge != "│"), len(edges))

    def name_at(self, lines: list[str], k: int) -> str:
        """The name cell of the k-th row: up to the blanks before the next column."""
        return lines[self.row + k][self.col : self.col + self.width].split("  ")[0].rstrip()

    def shows(self, lines: list[str], names: list[str]) -> bool:
        """Whether the rows from the top are `names` (or them cut short), in order."""
        for k, name in enumerate(names):
            shown = self.name_at(lines, k)
            if "…" in shown:  # cut in the middle: the head and the tail are the name's
                head, tail = shown.split("…", 1)
                if not (name.startswith(head) and name.endswith(tail) and len(name) > len(shown)):
                    return False
            elif shown != name:
                return False
        return True


def filter_line(lines: list[str], text: str) -> bool:
    """Whether the filter input line (the footer) reads exactly `text`."""
    return any(line.rstrip() == text for line in lines[-4:])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


# -- the measurements ---------------------------------------------------------------------


def first_paint(sandbox: Sandbox, names: list[str]) -> tuple[float, ListArea]:
    """Process start to the first screenful of repository names; the pane's geometry."""
    term = sandbox.start()
    title = f"Repositories ({len(names):,})"

    def full(lines: list[str]) -> bool:
        if not any(title in line for line in lines):
            return False
        try:
            area = ListArea(lines, names[0])
        except LookupError:
            return False
        return area.shows(lines, names[: area.height])

    at = term.wait_for(full, timeout=60)
    area = ListArea(term.lines(), names[0])
    if term.quit() != 0:
        raise SystemExit("rex-tui did not exit with 0")
    return (at - term.started) * 1000, area


def type_queries(
    term: Pty, area: ListArea, names: list[str]
) -> tuple[list[float], list[float], list[str]]:
    """Echo and filtered-list latencies (ms) for each typed key of QUERIES."""
    box = IncrementalFilter(names)
    echo: list[float] = []
    shown: list[float] = []
    log: list[str] = []
    for query in QUERIES:
        term.send("/")
        term.wait_for(lambda lines: filter_line(lines, "/"))
        term.settle()
        for k in range(1, len(query) + 1):
            typed = query[:k]
            result = box.update(typed, limit=LIMIT)
            top = [m.text for m in result.matches[: min(5, area.height)]]
            counts = f"{result.total:,} of {len(names):,}"

            def echoed(lines: list[str], typed: str = typed) -> bool:
                return filter_line(lines, "/" + typed)

            def filtered(lines: list[str], top: list[str] = top, counts: str = counts) -> bool:
                return area.shows(lines, top) and any(counts in line for line in lines[-3:])

            sent = term.send(query[k - 1])
            echo_at = term.wait_for(echoed)
            list_at = term.wait_for(filtered)
            echo.append((echo_at - sent) * 1000)
            shown.append((list_at - sent) * 1000)
            log.append(f"  /{typed:<14} {result.total:>7,} matches  echo {echo[-1]:6.1f} ms"
                       f"  list {shown[-1]:6.1f} ms")  # fmt: skip
            term.settle()
        term.send("\x1b")  # Esc: the filter is cleared, every name is back
        term.wait_for(lambda lines: area.shows(lines, names[:5]))
        term.settle(0.1)
    return echo, shown, log


def open_thousand_tags(term: Pty, area: ListArea, digest: str) -> float:
    """Filter to THOUSAND, keep the filter, and wait for its tags' digests; ms taken."""
    started = term.send("/")
    term.wait_for(lambda lines: filter_line(lines, "/"))
    term.send('"' + THOUSAND + '"')  # the exact form: one match
    term.wait_for(lambda lines: area.shows(lines, [THOUSAND]))
    term.send("\r")
    # A narrow tags pane cuts its title in the middle: "Tags: web/thousand…".
    term.wait_for(lambda lines: any("Tags: web/thousand" in line for line in lines), timeout=60)
    # The rows get their digests and dates once every tag's manifest has been read (a
    # narrow tags pane shows the dates: DIGEST is the first column to give way).
    short = digest.removeprefix("sha256:")[:12]

    def read(lines: list[str]) -> bool:
        return sum(short in line or bool(_DATE.search(line)) for line in lines) >= 10

    term.wait_for(read, timeout=120)
    term.settle(0.3)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="warm first-paint runs")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if not REX_TUI.exists():
        raise SystemExit(f"{REX_TUI} is missing: pip install -e . first")
    # As a wheel install would have them: no first run compiling ~60 modules.
    compileall.compile_dir(REPO / "engine", quiet=1)
    compileall.compile_dir(REPO / "rex_tui", quiet=1)
    print(f"interpreter: {sys.executable}")

    tmp = Path(tempfile.mkdtemp(prefix="rex-bench-tui-"))
    registry = RegistryProcess(
        "anonymous", workdir=tmp / "registry", catalog_max_entries=REPOSITORIES + 10
    )
    try:
        registry.start()
        started = time.perf_counter()
        digest = push_thousand_tags(registry.url)
        pushed = time.perf_counter()
        stubs = write_stub_repositories(registry, generate(REPOSITORIES))
        made = time.perf_counter()
        # Distribution lists nested repositories before their dashed siblings (it walks
        # directories); rex-tui shows names in lexical order, so that is what is expected.
        names = sorted(catalog(registry.url))
        listed = time.perf_counter()
        if len(names) != stubs + 1 or THOUSAND not in names:
            raise SystemExit(f"the catalog lists {len(names)} repositories, not {stubs + 1}")
        print(f"registry: {TAGS:,} tags pushed in {pushed - started:.1f} s, {stubs:,} "
              f"repositories written in {made - pushed:.1f} s, "
              f"catalog of {len(names):,} read in {listed - made:.1f} s")  # fmt: skip

        sandbox = Sandbox(tmp, registry.url)
        sandbox.warm_catalog(registry.host, names)
        _, area = first_paint(sandbox, names)  # the disk cache's files now in the page cache
        paints = [first_paint(sandbox, names)[0] for _ in range(args.runs)]
        print("first paint, warm cache: "
              + " ".join(f"{p:.0f}" for p in paints) + " ms")  # fmt: skip

        term = sandbox.start()
        term.wait_for(lambda lines: area.shows(lines, names[: area.height]), timeout=60)
        term.settle(0.3)
        echo, shown, log = type_queries(term, area, names)
        print("\n".join(log))
        open_ms = open_thousand_tags(term, area, digest)
        memory = term.memory_mb()
        print(f"{THOUSAND}: 1,000 tags with details in {open_ms:.0f} ms; "
              f"VmRSS {memory['VmRSS']:.1f} MiB, VmHWM {memory['VmHWM']:.1f} MiB")  # fmt: skip
        if term.quit() != 0:
            raise SystemExit("rex-tui did not exit with 0")
    finally:
        registry.close()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    result = {
        "first_paint_ms_warm": round(statistics.median(paints), 1),
        "keystroke_echo_ms_p95": round(percentile(echo, 0.95), 1),
        "keystroke_filter_ms_p95": round(percentile(shown, 0.95), 1),
        "rss_mb": round(memory["VmHWM"], 1),
        "keystroke_echo_ms_p50": round(statistics.median(echo), 1),
        "keystroke_filter_ms_p50": round(statistics.median(shown), 1),
        "rss_now_mb": round(memory["VmRSS"], 1),
        "keystrokes": len(echo),
        "interpreter": sys.executable,
    }
    for key, target in TARGETS.items():
        verdict = "ok" if result[key] <= target else "MISSED"  # type: ignore[operator]
        print(f"{key:<26} {result[key]:8.1f}  target <= {target:g}  {verdict}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
