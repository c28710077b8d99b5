"""The command registry: every `:` command, the key action it runs, and Tab completion.

One table (`COMMANDS`) names what the app can be told to do by typing; each
command that a key can also do names that key's action (`Command.action`, an
action of `rex_tui.actions`), so the `:` line, the keymap and the help screen
speak of the same commands and run the same code (`App.do`). Pure functions
over text, so completion and parsing are tested without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["ALIASES", "COMMANDS", "Command", "CommandError", "complete", "parse"]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    argument: str | None
    """What the argument is ("registry", "theme", ...), or None for no argument."""
    help: str
    action: str | None = None
    """The key action this command runs (so help shows its keys), if a key can run it."""


COMMANDS: Mapping[str, Command] = {
    c.name: c
    for c in (
        Command("registry", "registry", "Switch to a configured registry"),
        Command(
            "add-repo", "repository", "Browse a repository of a registry with a closed catalog"
        ),
        Command("theme", "theme", "Switch the colour theme", "toggle_theme"),
        Command("sort", "sort", "Sort tags by name, date or size (s sorts the focused list)"),
        Command("platform", "platform", "Show this platform of multi-platform images"),
        Command("login", None, "Log in to the current registry (checked, then stored)", "login"),
        Command("logout", None, "Remove the stored login of the current registry", "logout"),
        Command("add-registry", None, "Add a registry to the config (a dialog)", "add_registry"),
        Command("remove-registry", "registry", "Remove a registry from the config"),
        Command(
            "storage",
            None,
            "Storage per namespace, repository and tag (shared layers once)",
            "storage",
        ),
        Command("refresh", None, "Ask the registry again for what is shown", "refresh"),
        Command("log", None, "Show or hide the log panel", "toggle_log"),
        Command("help", None, "Show the keys and commands", "help"),
        Command("quit", None, "Quit rex-tui, remembering where you were", "quit"),
        Command("quit!", None, "Quit rex-tui without saving the remembered state"),
    )
}


ALIASES: Mapping[str, str] = {"q": "quit", "q!": "quit!", "h": "help"}
"""Short names, as in vi: `:q` quits, `:q!` quits without saving the state."""


class CommandError(ValueError):
    """A command line that cannot run; the message says why and what would."""


Choices = Callable[[str], Sequence[str]]
"""Given an argument kind ("registry", "theme"...), the values it may take."""


def parse(text: str) -> tuple[Command, str | None]:
    """`registry prod` -> (the registry command, "prod"); CommandError when wrong."""
    words = text.strip().removeprefix(":").split()
    if not words:
        raise CommandError("type a command, e.g. :registry NAME (Tab completes)")
    name, args = words[0], words[1:]
    name = ALIASES.get(name, name)
    command = COMMANDS.get(name)
    if command is None:
        near = [c for c in COMMANDS if c.startswith(name[:2])]
        also = f"; did you mean :{near[0]}?" if near else ""
        raise CommandError(f"unknown command :{name}{also}")
    if command.argument is None:
        if args:
            raise CommandError(f":{name} takes no argument")
        return command, None
    if len(args) != 1:
        raise CommandError(f":{name} needs one {command.argument}")
    return command, args[0]


def complete(text: str, choices: Choices) -> list[str]:
    """Every completion of the whole line `text`, in order (Tab cycles through them)."""
    stripped = text.lstrip().removeprefix(":")
    if " " not in stripped:
        return [name for name in COMMANDS if name.startswith(stripped)]
    name, _, partial = stripped.partition(" ")
    command = COMMANDS.get(name)
    if command is None or command.argument is None:
        return []
    partial = partial.strip()
    return [f"{name} {v}" for v in choices(command.argument) if v.startswith(partial)]
