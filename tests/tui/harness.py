"""The app in-process: press keys, read the screen text at a fixed size, check attributes.

`running_app` builds the real `App` on a real `Rex` (a real registry, a cache dir
and config file under tmp_path) inside the test's trio nursery. Keys go through
the same input filter urwid calls; the screen is the frame rendered to a canvas,
so what a test reads is what a terminal would show (minus colours, which
`style_of` looks up).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import trio

from engine.cache.store import Cache
from engine.config.settings import load
from engine.rex import Rex
from engine.transport.credentials import CredentialStore
from rex_tui.keymap import load_keymap
from rex_tui.palette import load_theme
from rex_tui.tui.app import App, AppOptions


class Harness:
    """One running app at a fixed terminal size."""

    def __init__(self, app: App, cols: int, rows: int) -> None:
        self.app = app
        self.size = (cols, rows)
        app._size = self.size

    def press(self, *keys: str) -> None:
        """Keys by urwid name, one per argument: "j", "enter", "ctrl d", "shift tab"."""
        for key in keys:
            self.app._input_filter([key], [])

    def type(self, text: str) -> None:
        """Type `text`, a character at a time."""
        self.press(*text)

    def canvas_rows(self) -> list[str]:
        canvas = self.app.frame.render(self.size, focus=True)
        return [row.decode("utf-8") for row in canvas.text]

    def screen(self) -> str:
        return "\n".join(self.canvas_rows())

    def style_of(self, text: str) -> str | None:
        """The display attribute of the first character of `text` on screen."""
        canvas = self.app.frame.render(self.size, focus=True)
        for row in canvas.content():
            line = b""
            spans: list[tuple[int, object]] = []
            for attr, _cs, chunk in row:
                spans.append((len(line), attr))
                line += chunk
            at = line.decode("utf-8").find(text)
            if at < 0:
                continue
            offset = len(line.decode("utf-8")[:at].encode())
            found = [attr for start, attr in spans if start <= offset]
            return str(found[-1]) if found else None
        return None

    async def wait_for(self, *texts: str, timeout: float = 15.0) -> str:
        """Let the workers run until every one of `texts` is on screen."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if all(t in shown for t in texts):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{texts!r} never appeared; the screen:\n{shown}")
            await trio.sleep(0.02)

    async def wait_until(self, check: object, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not callable(check) or not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition never held; the screen:\n{self.screen()}")
            await trio.sleep(0.02)


def write_config(path: Path, registries: Sequence[tuple[str, str]], extra: str = "") -> Path:
    """A config file listing `registries` (name, url), the first one current."""
    text = f'[registries]\ncurrent = "{registries[0][0]}"\n'
    for name, url in registries:
        text += f'\n[[registries.list]]\nname = "{name}"\nurl = "{url}"\n'
    path.write_text(text + extra)
    return path


@asynccontextmanager
async def running_app(
    tmp_path: Path,
    registries: Sequence[tuple[str, str]],
    *,
    cols: int = 160,
    rows: int = 40,
    keymap: str = "vim",
    extra_config: str = "",
    home: Path | None = None,
    state_dir: Path | None = None,
    welcome: bool = False,
    cli_registry: str | None = None,
) -> AsyncIterator[Harness]:
    config_path = write_config(tmp_path / "config.toml", registries, extra_config)
    config = load(config_path, env={}).config
    credentials = CredentialStore(env={"HOME": str(home or tmp_path)}, home=home or tmp_path)
    options = AppOptions(
        registry_names=[name for name, _ in registries],
        current=registries[0][0],
        config_path=config_path,
        theme_dir=tmp_path / "themes",
        credentials=credentials,
        state_dir=state_dir,
        welcome=welcome,
        cli_registry=cli_registry,
    )
    cache = Cache(tmp_path / "cache", config=config.cache)
    async with (
        Rex(config, credentials=credentials, cache=cache) as rex,
        trio.open_nursery() as nursery,
    ):
        app = App(rex, load_keymap(keymap).keymap, load_theme("dark").theme, options)
        app.start(nursery)
        yield Harness(app, cols, rows)
        nursery.cancel_scope.cancel()
