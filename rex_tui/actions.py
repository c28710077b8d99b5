"""The fixed vocabulary of the key bindings: contexts (where a key is pressed) and actions.

Keymaps (`keymaps/*.toml`) bind keys to these action names; the application binds
action names to code and never looks at keys. Each action lists the contexts it makes
sense in, so that a keymap binding `confirm` in the tags pane is a load error rather
than a key that silently does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "ACTIONS",
    "CONTEXTS",
    "GLOBAL",
    "TEXT_ENTRY_CONTEXTS",
    "Action",
    "Context",
    "action_order",
    "context_order",
]

GLOBAL = "global"


@dataclass(frozen=True, slots=True)
class Context:
    """Where a key is pressed: the focused pane, input line or overlay."""

    name: str
    help: str
    text_entry: bool = False
    """Typed characters belong to an input line: global bindings do not apply here and
    a printable key may not be bound (it could no longer be typed)."""


@dataclass(frozen=True, slots=True)
class Action:
    """Something a key can do; `name` is the API the application binds to code."""

    name: str
    help: str
    contexts: frozenset[str]


_CONTEXTS = (
    Context(GLOBAL, "everywhere, unless the focused context binds the key itself"),
    Context("registries", "the Registries pane"),
    Context("repositories", "the Repositories pane"),
    Context("tags", "the Tags pane"),
    Context("details", "the Details pane of the selected tag"),
    Context("log", "the Log panel, when it has the focus"),
    Context("help", "the help screen"),
    Context("files", "the Files browser of an image (f on a tag)"),
    Context("filter", "the filter input line opened with the filter key", text_entry=True),
    Context("command", "the ':' command line", text_entry=True),
    Context("dialog", "login, add-registry and confirmation dialogs", text_entry=True),
)

CONTEXTS: Mapping[str, Context] = MappingProxyType({c.name: c for c in _CONTEXTS})
TEXT_ENTRY_CONTEXTS = frozenset(c.name for c in _CONTEXTS if c.text_entry)

# Context groups, to keep the table below readable.
_LISTS = frozenset({"registries", "repositories", "tags"})
_PANES = _LISTS | {"details", "log"}
_VIEWS = _PANES | {GLOBAL}
_SCROLLABLE = _VIEWS | {"help", "files"}
_TEXT = frozenset({"filter", "command"})


def _a(name: str, help: str, *contexts: Set[str] | str) -> Action:
    flat: set[str] = set()
    for c in contexts:
        flat |= {c} if isinstance(c, str) else c
    return Action(name, help, frozenset(flat))


_ACTIONS = (
    _a("quit", "Quit rex-tui", _SCROLLABLE),
    _a("help", "Show the keys of the focused pane", _SCROLLABLE),
    _a("back", "Go back: close the overlay, or return to the previous pane", _SCROLLABLE),
    _a("open", "Open the selected item", _VIEWS, "files"),
    _a("focus_next", "Focus the next pane (or dialog field)", _VIEWS, "dialog"),
    _a("focus_prev", "Focus the previous pane (or dialog field)", _VIEWS, "dialog"),
    _a("focus_left", "Focus the pane to the left", _VIEWS),
    _a("focus_right", "Focus the pane to the right", _VIEWS),
    _a("move_up", "Move up one line", _SCROLLABLE, "filter"),
    _a("move_down", "Move down one line", _SCROLLABLE, "filter"),
    _a("page_up", "Move up one page", _SCROLLABLE, "filter"),
    _a("page_down", "Move down one page", _SCROLLABLE, "filter"),
    _a("half_page_up", "Move up half a page", _SCROLLABLE),
    _a("half_page_down", "Move down half a page", _SCROLLABLE),
    _a("top", "Go to the first line", _SCROLLABLE),
    _a("bottom", "Go to the last line", _SCROLLABLE),
    _a("filter", "Filter the focused list (fuzzy, as you type)", _LISTS, GLOBAL),
    _a("filter_next", "Select the next match of the filter", _LISTS, GLOBAL),
    _a("filter_prev", "Select the previous match of the filter", _LISTS, GLOBAL),
    _a("filter_clear", "Clear the filter", _LISTS, GLOBAL, "filter"),
    _a("filter_accept", "Keep the filter and return to the list", "filter"),
    _a("command_line", "Open the ':' command line", _VIEWS),
    _a("command_complete", "Complete the command line (next candidate)", "command"),
    _a("command_complete_prev", "Complete the command line (previous candidate)", "command"),
    _a("command_submit", "Run the command line", "command"),
    _a("history_prev", "Recall the previous entry from history", _TEXT),
    _a("history_next", "Recall the next entry from history", _TEXT),
    _a("refresh", "Refresh the focused pane (cached data stays until new data lands)", _VIEWS),
    _a("hard_refresh", "Refresh from the registry, bypassing the cache", _VIEWS),
    _a(
        "copy_reference",
        "Copy the pull command (docker pull registry/repo:tag) to the clipboard",
        GLOBAL,
        {"repositories", "tags", "details"},
    ),
    _a(
        "copy_digest",
        "Copy the pinned reference (registry/repo@digest) to the clipboard",
        GLOBAL,
        {"tags", "details"},
    ),
    _a(
        "copy_menu",
        "Choose a pull command to copy: docker, podman, crane, skopeo, by tag or pinned",
        GLOBAL,
        {"repositories", "tags", "details"},
    ),
    _a("toggle_theme", "Switch between the dark and light themes", _SCROLLABLE),
    _a("toggle_log", "Show or hide the log panel", _SCROLLABLE),
    _a("zoom", "Show the focused pane alone, full width, or all panes again", _VIEWS),
    _a("redraw", "Redraw the screen", _SCROLLABLE),
    _a("login", "Log in to the selected registry", _VIEWS),
    _a("logout", "Remove the stored login of the selected registry", "registries"),
    _a("add_registry", "Add a registry", GLOBAL, "registries"),
    _a("remove_registry", "Remove the selected registry from the config", "registries"),
    _a(
        "storage",
        "Show storage per namespace, repository and tag of the selected registry",
        "registries",
        GLOBAL,
    ),
    _a("sort_cycle", "Sort the focused list by the next key (name, date, size)", _LISTS, GLOBAL),
    _a("sort_reverse", "Reverse the focused list's sort order", _LISTS, GLOBAL),
    _a(
        "toggle_referrer_tags",
        "Show or hide the sha256-… referrer tags (artifacts, hidden by default)",
        "tags",
        GLOBAL,
    ),
    _a("next_section", "Show the next section of the details", "details", "files", GLOBAL),
    _a("prev_section", "Show the previous section of the details", "details", "files", GLOBAL),
    _a("toggle_raw", "Show the raw JSON of the details, or the summary again", "details", GLOBAL),
    _a("pull_image", "Pull the selected tag to a directory (an OCI layout)", "tags", "details"),
    _a("copy_image", "Copy the selected tag to another repository or registry", "tags", "details"),
    _a("show_jobs", "Show the transfers (pull, copy): progress, and cancel", _VIEWS),
    _a("cancel_job", "Cancel the selected transfer (in the transfers panel)", "help"),
    _a(
        "files",
        "Browse the files inside the selected image (layers streamed, no docker)",
        {"tags", "details"},
        GLOBAL,
    ),
    _a("mark_tag", "Mark the selected tag, to diff another one against it", "tags", GLOBAL),
    _a("diff_marked", "Diff the marked tag with the selected one", "tags", GLOBAL),
    _a("confirm", "Confirm the dialog", "dialog"),
    _a("cancel", "Cancel and close", "dialog", "command"),
)

ACTIONS: Mapping[str, Action] = MappingProxyType({a.name: a for a in _ACTIONS})

_ACTION_ORDER = {name: i for i, name in enumerate(ACTIONS)}
_CONTEXT_ORDER = {name: i for i, name in enumerate(CONTEXTS)}


def action_order(name: str) -> int:
    """Position of an action in ACTIONS: help screens list related actions together."""
    return _ACTION_ORDER.get(name, len(_ACTION_ORDER))


def context_order(name: str) -> int:
    """Position of a context in CONTEXTS."""
    return _CONTEXT_ORDER.get(name, len(_CONTEXT_ORDER))
