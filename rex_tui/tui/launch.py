"""Starting the TUI: configuration, cache, logging, keymap and theme, then the app."""

from __future__ import annotations

import gc
import logging
import os
import signal
from pathlib import Path

import platformdirs
import trio

from engine import Cache, CredentialStore, Rex, default_config_path, flag_overrides
from engine import load_config as load
from rex_tui.keymap import load_keymap
from rex_tui.palette import load_theme, no_color_requested
from rex_tui.tui.app import App, AppOptions
from rex_tui.tui.logs import install_tui_logging
from rex_tui.tui.screen import DiffScreen

__all__ = ["launch"]

logger = logging.getLogger(__name__)


def launch(*, registry: str | None = None, config_path: Path | None = None) -> int:
    """Open the TUI on the configured (or given) registry; returns the exit code.

    Call it with the garbage collector off (see `rex_tui.main`): start-up makes
    ~60,000 objects that live as long as the app does, and collecting them
    costs ~40 ms of the first paint and finds nothing. Once the first screen is
    drawn they are frozen, so that no later collection walks them again (up to
    tens of milliseconds in the middle of a keystroke), and collection resumes.
    """
    try:
        return _launch(registry, config_path)
    finally:
        gc.enable()


def _started() -> None:
    gc.freeze()
    gc.enable()


def _launch(registry: str | None, config_path: Path | None) -> int:
    loaded = load(config_path, env=os.environ, overrides=flag_overrides(registry=registry))
    config = loaded.config
    config_dir = (config_path or default_config_path()).parent
    state_dir = Path(platformdirs.user_state_dir("rex", appauthor=False))
    ring = install_tui_logging(state_dir)
    cache_dir = Path(config.cache.dir or platformdirs.user_cache_dir("rex", appauthor=False))
    cache = Cache(cache_dir if config.cache.enabled else None, config=config.cache)
    keymap = load_keymap(
        "vim" if config.tui.vim_bindings else "default", user_dir=config_dir / "keymaps"
    )
    theme = load_theme(config.tui.theme, user_dir=config_dir / "themes")
    for problem in [*keymap.errors, *theme.errors]:
        logger.warning("%s", problem)
    names = [r.name for r in config.registries]
    current = config.current or (names[0] if names else config.default_registry)
    if current not in names:
        names.insert(0, current)
    options = AppOptions(
        registry_names=names,
        current=current,
        theme=theme.theme.name,
        monochrome=no_color_requested(),
        theme_dir=config_dir / "themes",
        config_path=config_path,
        state_dir=state_dir,
        cli_registry=registry,
        welcome=not config.registries and registry is None,
        layout=config.tui.layout,
    )

    async def main() -> None:
        # Ctrl-C quits as `q` does: the app's scope is cancelled, so every `with` unwinds
        # (the terminal is restored) and no KeyboardInterrupt crosses the nursery.
        with trio.open_signal_receiver(signal.SIGINT) as interrupts, trio.CancelScope() as scope:

            async def quit_on_interrupt() -> None:
                async for _ in interrupts:
                    logger.info("interrupted: quitting")
                    scope.cancel()
                    return

            async with trio.open_nursery() as nursery:
                nursery.start_soon(quit_on_interrupt)
                async with Rex(config, credentials=CredentialStore(), cache=cache) as rex:

                    def started() -> None:
                        _started()
                        cache.start_cleanup()  # the daily cleanup: on a thread, after the paint

                    await App(rex, keymap.keymap, theme.theme, options, ring).run(
                        DiffScreen(), started=started
                    )
                nursery.cancel_scope.cancel()

    trio.run(main)
    return 0
