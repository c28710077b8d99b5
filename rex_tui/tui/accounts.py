"""Login, logout, adding and removing registries: dialogs first, then engine and config.

Each flow opens a dialog, checks what the user typed against the registry in a
worker (a login is verified before it is stored, a new registry answers `/v2/`
before it is saved), and reports into the dialog until it succeeds. Secrets
stay in the dialog's field and the engine's credential store: never in the
status bar, the log or the config.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import trio

from engine import (
    Credentials,
    CredentialStore,
    RegistryConfig,
    Rex,
    RexError,
    add_registry,
    remove_registry,
)
from rex_tui.tui.browse import Browser
from rex_tui.tui.dialogs import Dialog, Field, confirm_dialog
from rex_tui.tui.statusbar import StatusBar

__all__ = ["Accounts"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


def _problem(error: RexError) -> str:
    return f"✗ {error}" + (f"\n  {error.hint}" if error.hint else "")


class Accounts:
    """The dialog flows of the registries pane and the `:login` / `:logout` commands."""

    def __init__(
        self,
        rex: Rex,
        browser: Browser,
        status: StatusBar,
        credentials: CredentialStore,
        config_path: Callable[[], Path],
        show_dialog: Callable[[Dialog | None], None],
    ) -> None:
        self.rex = rex
        self.browser = browser
        self.status = status
        self.credentials = credentials
        self.config_path = config_path
        self.show_dialog = show_dialog
        self.cli_registry: str | None = None
        """The registry given with -r: shown, but not in the config."""

    def _attempt(
        self,
        dialog: Dialog,
        slot: str,
        work: Callable[[], Awaitable[_T]],
        done: Callable[[_T], None],
    ) -> None:
        """Run `work`; on success close `dialog` and call `done`, else show the error in it."""

        async def guarded() -> _T | RexError:
            try:
                return await work()
            except RexError as exc:
                return exc

        def finished(result: _T | RexError) -> None:
            if isinstance(result, RexError):
                dialog.fail(_problem(result))
                return
            self.show_dialog(None)
            done(result)

        if self.browser.workers is not None:
            self.browser.workers.run(slot, guarded, finished)

    # -- login and logout ------------------------------------------------------------

    def login(self, registry: str) -> None:
        host = self.rex.default_host(registry)

        def submit(dialog: Dialog) -> None:
            username, password = dialog.value("username"), dialog.value("password")
            if not username:
                dialog.focus_field("username")
                dialog.fail("Type a username.")
                return
            if not password:
                dialog.focus_field("password")
                dialog.fail("Type the password (or an access token).")
                return
            credentials = Credentials(username=username, password=password)
            dialog.working(f"Checking the login with {host}…")

            async def work() -> str:
                await self.rex.check_credentials(registry, credentials)
                where = await trio.to_thread.run_sync(self.credentials.store, host, credentials)
                self.rex.forget_login(registry)
                return where

            def done(where: str) -> None:
                self.status.say(f"logged in to {host} as {username}; stored in {where}")
                self.browser.registry_status.pop(registry, None)
                self.browser.load_registries()

            self._attempt(dialog, "login", work, done)

        self.show_dialog(
            Dialog(
                f" Log in to {host} ",
                "The login is checked with the registry, then kept in your credential "
                "helper or keyring, else in docker's config.json as docker login does "
                "(never in rex's config).",
                (Field("username", "Username"), Field("password", "Password", secret=True)),
                submit,
            )
        )

    def logout(self, registry: str) -> None:
        """Ask to remove the stored login, or say there is none (looked up off the UI path)."""
        host = self.rex.default_host(registry)
        workers = self.browser.workers
        if workers is None:
            self._confirm_logout(registry, host)
            return

        async def stored() -> bool:
            return await trio.to_thread.run_sync(self.credentials.get, host) is not None

        def answer(found: bool) -> None:
            if found:
                self._confirm_logout(registry, host)
            else:
                self.status.say(f"no stored login for {host}: nothing to log out of")

        workers.run("logout-check", stored, answer)

    def _confirm_logout(self, registry: str, host: str) -> None:

        def yes(dialog: Dialog) -> None:
            dialog.working(f"Removing the login of {host}…")

            async def work() -> list[str]:
                removed = await trio.to_thread.run_sync(self.credentials.erase, host)
                self.rex.forget_login(registry)
                return removed

            def done(removed: list[str]) -> None:
                where = ", ".join(removed)
                self.status.say(
                    f"logged out of {host} (removed from {where})"
                    if removed
                    else f"no stored login for {host}; nothing to do"
                )
                self.browser.registry_status.pop(registry, None)
                self.browser.load_registries()

            self._attempt(dialog, "logout", work, done)

        self.show_dialog(
            confirm_dialog(
                " Log out ",
                f"Remove the stored login of {host} from every credential store?",
                yes,
            )
        )

    # -- adding and removing registries --------------------------------------------

    def add_registry(self) -> None:
        def submit(dialog: Dialog) -> None:
            name, url = dialog.value("name").strip(), dialog.value("url").strip()
            if not name or not url:
                dialog.focus_field("name" if not name else "url")
                dialog.fail("A registry needs a name and a URL.")
                return
            if name in self.browser.registry_names:
                dialog.focus_field("name")
                dialog.fail(f"A registry called {name!r} already exists; pick another name.")
                return
            registry = RegistryConfig(name, url, insecure=dialog.value("insecure") == "true")
            dialog.working(f"Connecting to {url}…")
            before = self.rex.config

            async def work() -> str:
                path = self.config_path()
                self.rex.config = replace(before, registries=(*before.registries, registry))
                try:
                    status = (await self.rex.ping(name)).status
                    await trio.to_thread.run_sync(_save_registry, path, registry)
                except BaseException:
                    self.rex.config = before
                    raise
                return status

            def done(status: str) -> None:
                self.browser.registry_names.append(name)
                self.browser.registry_status[name] = status
                self.status.say(f"added registry {name}; Enter on it browses it")
                self.browser.show_registries()

            self._attempt(dialog, "add-registry", work, done)

        self.show_dialog(
            Dialog(
                " Add a registry ",
                "rex checks that the registry answers, then saves it to the config.",
                (
                    Field("name", "Name"),
                    Field("url", "URL", default="https://"),
                    Field("insecure", "Allow plain HTTP (insecure)", checkbox=True),
                ),
                submit,
            )
        )

    def remove_registry(self, name: str) -> None:
        if name not in {r.name for r in self.rex.config.registries}:
            self.status.say(
                f"{name} came from the command line (-r), not the config: nothing to remove"
                if name == self.cli_registry
                else f"{name} is the default registry, not in the config: nothing to remove"
            )
            return
        rc = self.rex.registry_config(name)

        def yes(dialog: Dialog) -> None:
            dialog.working(f"Removing {name}…")

            async def work() -> None:
                path = self.config_path()
                await trio.to_thread.run_sync(_drop_registry, path, name)
                await trio.to_thread.run_sync(self.credentials.erase, self.rex.default_host(name))
                self.rex.config = replace(
                    self.rex.config,
                    registries=tuple(r for r in self.rex.config.registries if r.name != name),
                )

            def done(_: None) -> None:
                self.browser.registry_names.remove(name)
                self.status.say(f"removed registry {name} and its stored login")
                if self.browser.registry == name and self.browser.registry_names:
                    self.browser.use_registry(self.browser.registry_names[0])
                self.browser.show_registries()

            self._attempt(dialog, "remove-registry", work, done)

        self.show_dialog(
            confirm_dialog(
                " Remove a registry ",
                f"Remove {name} ({rc.url}) from the config, with its stored login?",
                yes,
            )
        )


def _save_registry(path: Path, registry: RegistryConfig) -> None:
    add_registry(path, registry)


def _drop_registry(path: Path, name: str) -> None:
    remove_registry(path, name)
