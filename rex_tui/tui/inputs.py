"""The `/` filter line and the `:` command line, as views on the view stack.

Both are a `LineEdit` (readline keys) with a `History` kept under the state dir;
Up/Down recall it. The filter line filters the list it was opened on as you type
(`FilterRunner`, off the UI path); the command line runs its text through the
command registry (`App.run_command`) and Tab completes it.
"""

from __future__ import annotations

import urwid

from rex_tui.tui.commands import complete
from rex_tui.tui.filtering import FilterRunner
from rex_tui.tui.host import Host
from rex_tui.tui.lineedit import History, LineEdit
from rex_tui.tui.panes import ListPane
from rex_tui.tui.views import View

__all__ = ["CommandView", "FilterView", "LineView"]


class LineView(View):
    """An input line above the status bar; keys type into it unless the keymap binds them."""

    placement = "line"
    modal = False

    def __init__(self, app: Host, prompt: str, history: History) -> None:
        self.app = app
        self.edit = LineEdit(("cmdline.prompt", prompt))
        self.widget = urwid.AttrMap(self.edit, "cmdline")
        self.history = history
        history.reset()

    def handle(self, key: str) -> list[str]:
        action = self.app.keymap.lookup(self.context, key)
        if key == "esc" or action in ("cancel", "filter_clear"):
            self.cancel()
        elif key == "enter" or action in ("command_submit", "filter_accept"):
            text = self.edit.edit_text
            self.history.add(text)
            self.app.views.remove(self)
            self.submit(text)
        elif action in ("history_prev", "history_next"):
            self.recall(-1 if action == "history_prev" else 1)
        elif not self.act(action, key):
            self.type_key(key)
        return []

    def cancel(self) -> None:
        self.app.views.remove(self)

    def submit(self, text: str) -> None:
        """Enter: the line is closed (and kept in the history); act on `text`."""

    def act(self, action: str | None, key: str) -> bool:
        """A key the line itself does not type; False types it."""
        return False

    def type_key(self, key: str) -> None:
        self.edit.keypress((self.app._size[0],), key)

    def recall(self, step: int) -> None:
        text = self.history.recall(step, self.edit.edit_text)
        if text is not None:
            self.edit.set_text_at_end(text)


class FilterView(LineView):
    context = "filter"

    def __init__(self, app: Host, pane: ListPane, history: History) -> None:
        super().__init__(app, "/", history)
        self.pane = pane
        browser = app.browser
        browser.typing = True
        browser.filter_typed(pane)  # background work waits until typing pauses
        assert app.workers is not None
        self.runner = FilterRunner(
            app.workers.nursery,
            pane.table,
            self._filtered,
            redraw=app._draw,
            on_invalid=self._invalid,
        )
        self._query_changed = False
        self.edit.set_text_at_end(pane.table.query)
        urwid.connect_signal(self.edit, "change", self._changed)

    def _changed(self, _edit: urwid.Edit, text: str) -> None:
        self._query_changed = True
        self.runner.request(text)

    def _filtered(self) -> None:
        if self._query_changed:  # a new query: the selection is its top match, Enter opens it
            self._query_changed = False
            self.pane.walker.focus = 0
        self.app._filtered(self.pane)

    def _invalid(self, reason: str | None) -> None:
        """A query that does not parse (yet): the filter line says so, the list stays."""
        prompt = ("cmdline.prompt", "/")
        if reason is None:
            self.edit.set_caption(prompt)
        else:
            why = reason.split("': ", 1)[-1] if reason.startswith("invalid regular") else reason
            self.edit.set_caption([("status.error", f"invalid regex: {why} "), prompt])

    def cancel(self) -> None:
        self.edit.set_edit_text("")
        self.pane.table.set_query("")
        self.pane.walker.changed()
        super().cancel()

    def act(self, action: str | None, key: str) -> bool:
        if action in ("move_down", "move_up", "page_down", "page_up"):
            self.pane.act(action, self.app._size)
            return True
        return False

    def type_key(self, key: str) -> None:
        # Straight into the edit, in order with the keys around it in this batch,
        # and on screen now rather than after the background work queued behind it.
        self.app.browser.filter_typed(self.pane)
        super().type_key(key)
        self.app._draw()

    def closed(self) -> None:
        app = self.app
        app._filtered(self.pane)
        app.browser.typing = False
        browser = app.browser
        if browser.repository is not None and not browser.tag_info():
            browser.load_tags(browser.repository)  # the pause is over: load now


class CommandView(LineView):
    context = "command"

    def __init__(self, app: Host, history: History) -> None:
        super().__init__(app, ":", history)
        self._completions: list[str] = []
        self._index = -1

    def submit(self, text: str) -> None:
        self.app.run_command(text)

    def act(self, action: str | None, key: str) -> bool:
        if action in ("command_complete", "command_complete_prev") or key == "tab":
            self._complete(-1 if action == "command_complete_prev" else 1)
            return True
        self._completions, self._index = [], -1
        return False

    def _complete(self, step: int) -> None:
        status = self.app.status
        if not self._completions:
            self._completions = complete(self.edit.edit_text, self.app.choices)
            self._index = -1 if step > 0 else 0
        if not self._completions:
            status.say("no completion")
            return
        self._index = (self._index + step) % len(self._completions)
        self.edit.set_text_at_end(self._completions[self._index])
        status.say("  ".join(self._completions[:8]))
