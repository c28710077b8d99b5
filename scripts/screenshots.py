"""Screenshots of the real rex-tui, driven through tmux, written as SVG to screenshots/.

    .venv/bin/python scripts/screenshots.py [--only NAME ...] [--out DIR]

Starts the demo registry (scripts/demo.py), runs the installed `rex-tui` in a private
tmux server at fixed sizes, presses keys, waits for the text each step expects (never a
fixed sleep), captures the screen with its colours and renders it with rich. Needs tmux
and docker-registry (`bash scripts/demo.sh --no-launch` installs the latter) and rich
(in the test extras).
"""

from __future__ import annotations

import argparse
import io
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.terminal_theme import DEFAULT_TERMINAL_THEME, MONOKAI, TerminalTheme
from rich.text import Text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo import Demo, rex_command, run_demo

ROOT = Path(__file__).resolve().parent.parent
SOCKET = "rex-screenshots"
WAIT_SECONDS = 20.0
#: The screen must stay the same this long to count as settled (spinners, late data).
SETTLE_SECONDS = 0.6


class ScreenshotError(RuntimeError):
    """A step's expected text never showed up (the message holds the last screen)."""


class Terminal:
    """rex-tui in one tmux session of a fixed size."""

    def __init__(self, demo: Demo, name: str, cols: int, rows: int) -> None:
        self.name = name
        self.cols = cols
        self.rows = rows
        # tmux sets TERM=screen in its panes: ask for 256 colours explicitly (rex-tui picks
        # its colour depth from TERM/COLORTERM), the same in every run.
        command = shlex.join(["env", "-u", "COLORTERM", "TERM=xterm-256color", *rex_command(demo)])
        self._tmux(
            "new-session", "-d", "-s", name, "-x", str(cols), "-y", str(rows), command,
            env=demo.env,
        )  # fmt: skip
        self._tmux("set-option", "-t", name, "status", "off")
        self._tmux("set-option", "-t", name, "remain-on-exit", "on")

    @staticmethod
    def _tmux(*args: str, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            ["tmux", "-L", SOCKET, "-f", "/dev/null", "-u", *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            raise ScreenshotError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def text(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.name)

    def ansi(self) -> str:
        return self._tmux("capture-pane", "-p", "-e", "-N", "-t", self.name)

    def press(self, *keys: str) -> None:
        """Press tmux-named keys ("j", "Enter", "Escape") and let the screen settle."""
        before = self.text()
        for key in keys:
            self._tmux("send-keys", "-t", self.name, key)
        self._settle(before)

    def type_text(self, text: str) -> None:
        """Type one character at a time, as a person does (each one re-filters)."""
        for char in text:
            before = self.text()
            self._tmux("send-keys", "-t", self.name, "-l", char)
            self._settle(before, quiet=0.1)

    def wait_for(self, *needles: str, absent: Sequence[str] = ()) -> str:
        """Wait until every needle is on screen, none of `absent` is, and it settled."""
        deadline = time.monotonic() + WAIT_SECONDS
        last, since = "", time.monotonic()
        while True:
            screen = self.ansi()
            plain = self.text()
            ready = all(n in plain for n in needles) and not any(a in plain for a in absent)
            now = time.monotonic()
            if screen != last:
                last, since = screen, now
            elif ready and now - since >= SETTLE_SECONDS:
                return plain
            if now > deadline:
                raise ScreenshotError(
                    f"{self.name}: waited {WAIT_SECONDS:.0f} s for {needles!r}"
                    f" (absent {list(absent)!r}); the screen:\n{plain}"
                )
            time.sleep(0.05)

    def press_until(self, key: str, needle: str, limit: int = 60) -> None:
        """Press `key` until `needle` is on screen (walks a list to a named row)."""
        for _ in range(limit):
            before = self.text()
            if needle in before:
                return
            self.press(key)
        self.wait_for(needle)

    def _settle(self, before: str, quiet: float = 0.3) -> None:
        """After a key: wait for the redraw, then for follow-ups (titles, details) to land."""
        deadline = time.monotonic() + 2.0
        last, since = before, time.monotonic()
        while time.monotonic() < deadline:
            screen = self.text()
            now = time.monotonic()
            if screen != last:
                last, since = screen, now
            elif screen != before and now - since >= quiet:
                return
            time.sleep(0.02)

    def close(self) -> None:
        subprocess.run(
            ["tmux", "-L", SOCKET, "kill-session", "-t", self.name],
            capture_output=True,
            check=False,
        )


def to_svg(ansi: str, cols: int, rows: int, title: str, theme: TerminalTheme) -> str:
    """The captured screen as an SVG terminal window (rich draws it)."""
    console = Console(
        record=True,
        width=cols,
        height=rows,
        file=io.StringIO(),
        force_terminal=True,
        color_system="256",
        legacy_windows=False,
    )
    lines = ansi.rstrip("\n").split("\n")[:rows]
    for line in lines:
        console.print(Text.from_ansi(line, no_wrap=True, end=""), crop=True, overflow="crop")
    svg = console.export_svg(title=title, theme=theme)
    # rich writes spaces as &#160;, which librsvg (image viewers, rsvg-convert) squeezes;
    # plain spaces under xml:space="preserve" look the same everywhere.
    return svg.replace("&#160;", " ").replace("<svg ", '<svg xml:space="preserve" ', 1)


@dataclass
class Shot:
    """One screenshot: its size, theme and the steps that bring the screen there."""

    name: str
    title: str
    cols: int
    rows: int
    steps: Callable[[Terminal], None]
    theme: str = "dark"


def _open_repository(term: Terminal, repo: str) -> None:
    """Walk the repository list down to `repo` (the tags pane follows the selection)."""
    term.wait_for("Repositories (", "● demo")  # "online", or its icon when narrow
    term.press_until("j", f"Tags: {repo} ")


def _browse(repo: str, tag: str) -> Callable[[Terminal], None]:
    def steps(term: Terminal) -> None:
        _open_repository(term, repo)
        term.press("l", "g", "g")
        term.press_until("j", f"{repo}:{tag} ")
        term.press("l")
        term.wait_for(f"{repo}:{tag} ", "Digest")

    return steps


def _narrow(term: Terminal) -> None:
    """80x24 drills down one pane at a time: filter to nginx, open its tags."""
    term.wait_for("Repositories (")
    term.press("/")
    term.type_text("nginx")
    term.press("Enter")
    term.press("Enter")
    term.wait_for("Tags: library/nginx", "linux/arm64")


def _section(
    repo: str, tag: str, section_key_presses: int, needle: str
) -> Callable[[Terminal], None]:
    def steps(term: Terminal) -> None:
        _browse(repo, tag)(term)
        for _ in range(section_key_presses):
            term.press("]")
        term.wait_for(needle)

    return steps


def _filter(term: Terminal) -> None:
    term.wait_for("Repositories (", "● demo")
    term.press("/")
    term.type_text("acme")
    term.wait_for("acme/worker", absent=("library/alpine",))


def _storage(term: Terminal) -> None:
    """`u` on the registries pane: the storage view once the crawl has its totals."""
    term.wait_for("Repositories (", "● demo")
    term.press("h", "u")
    term.wait_for("NAMESPACE", "blobs, manifests")
    term.press("Enter")  # the biggest namespace's repositories
    term.wait_for("REPOSITORY")


def _dashboard(term: Terminal) -> None:
    """The registries pane zoomed: every dashboard column."""
    term.wait_for("Repositories (", "● demo")
    term.press("h", "z")
    term.wait_for("LATENCY", "AUTH")


def _files(term: Terminal) -> None:
    """The Files browser on an image: the merged tree, one directory open."""
    _browse("acme/api", "latest")(term)
    term.press("f")
    term.wait_for("Files: acme/api:latest", "▸ ")
    term.press_until("j", "▸ etc/")
    term.press("Enter")
    term.wait_for("▾ etc/")


def _diff(term: Terminal) -> None:
    """Two tags of one repository compared: mark one, diff it with the next."""
    _open_repository(term, "library/postgres")
    term.press("l", "g", "g")
    term.press_until("j", "library/postgres:16.6 ")
    term.press("m")
    term.wait_for("marked library/postgres:16.6")
    term.press("j", "j", "D")
    term.wait_for(" Diff library/postgres:16.6 -> ", "Layers")


def _help(term: Terminal) -> None:
    _browse("acme/api", "latest")(term)
    term.press("?")
    term.wait_for("help")


SHOTS = (
    Shot("browse-dark", "rex-tui: repositories, tags and details", 160, 45,
         _browse("library/postgres", "17.2")),
    Shot("browse-light", "rex-tui: the light theme", 160, 45, _browse("acme/api", "latest"),
         theme="light"),
    Shot("browse-120x40", "rex-tui at 120x40", 120, 40, _browse("library/postgres", "17.2")),
    Shot("browse-220x60", "rex-tui at 220x60", 220, 60, _browse("library/postgres", "17.2")),
    Shot("narrow-80x24", "rex-tui at 80x24", 80, 24, _narrow),
    Shot("details-config", "rex-tui: an image's config", 160, 45,
         _section("library/postgres", "17.2", 3, "5432/tcp")),
    Shot("details-raw-manifest", "rex-tui: the raw manifest, highlighted", 160, 45,
         _section("library/alpine", "latest", 7, '"schemaVersion"')),
    Shot("details-referrers", "rex-tui: signature and SBOM referrers", 160, 45,
         _section("acme/api", "latest", 5, "spdx")),
    Shot("filter", "rex-tui: fuzzy filter while typing", 160, 45, _filter),
    Shot("help", "rex-tui: help from the active keymap", 160, 45, _help),
    Shot("facts", "rex-tui: aliases, total sizes and signed/SBOM badges", 220, 60,
         _browse("acme/api", "latest")),
    Shot("storage", "rex-tui: where the storage goes", 160, 45, _storage),
    Shot("dashboard", "rex-tui: the registries dashboard", 160, 45, _dashboard),
    Shot("files", "rex-tui: files inside an image", 160, 45, _files),
    Shot("diff", "rex-tui: two tags compared", 160, 45, _diff),
)  # fmt: skip


def take(shot: Shot, demo: Demo, out: Path) -> Path:
    term = Terminal(demo, shot.name, shot.cols, shot.rows)
    try:
        if shot.theme == "light":
            term.wait_for("Repositories (")
            term.press("t")
        shot.steps(term)
        ansi = term.ansi()
    finally:
        term.close()
    theme = DEFAULT_TERMINAL_THEME if shot.theme == "light" else MONOKAI
    svg = to_svg(ansi, shot.cols, shot.rows, shot.title, theme)
    path = out / f"{shot.name}.svg"
    path.write_text(svg)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="take only these shots")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    options = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is missing: apt-get install tmux")
    wanted = [s for s in SHOTS if not options.only or s.name in options.only]
    options.out.mkdir(parents=True, exist_ok=True)
    with run_demo() as demo:
        print(f"demo registry ready in {demo.seconds:.1f} s", flush=True)
        for shot in wanted:
            started = time.perf_counter()
            path = take(shot, demo, options.out)
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            seconds = time.perf_counter() - started
            print(f"{shown}  {shot.cols}x{shot.rows} {shot.theme}  {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
