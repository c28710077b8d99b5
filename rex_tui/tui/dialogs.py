"""Modal dialogs: a form of fields (login, add registry), a menu, or a yes/no question.

A dialog only collects input and shows what happened; the flows in
`rex_tui.tui.accounts` decide what a submit does (often async work in a
worker) and call `fail()` or close the dialog. Keys reach a dialog through the
keymap's "dialog" context: `confirm`, `cancel`, `focus_next`, `focus_prev`;
every other key types into the focused field. What a dialog shows may quote a
registry (its URL, an error): titles, text and messages are shown escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import urwid

from rex_tui.tui.host import Host
from rex_tui.tui.views import View
from rex_tui.untrusted import visible, visible_lines

__all__ = ["Dialog", "DialogView", "Field", "MenuDialog", "confirm_dialog"]

_LABEL_WIDTH = 12


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a form: a text field, a masked one, or a checkbox."""

    name: str
    label: str
    default: str = ""
    secret: bool = False
    checkbox: bool = False


class Dialog(urwid.WidgetWrap[urwid.AttrMap[urwid.LineBox[urwid.Padding[urwid.Pile]]]]):
    """A titled box of fields with an error line and a key hint."""

    def __init__(
        self,
        title: str,
        text: str,
        fields: Sequence[Field],
        on_submit: Callable[[Dialog], None],
        *,
        hint: str = "Enter: OK   Esc: cancel   Tab: next field",
    ) -> None:
        self.title = title
        self.fields = tuple(fields)
        self.on_submit = on_submit
        self.busy = False
        self._inputs: dict[str, urwid.Edit | urwid.CheckBox] = {}
        rows: list[urwid.Widget] = [urwid.Text(visible_lines(text)), urwid.Divider()]
        for spec in self.fields:
            rows.append(self._row(spec))
        self._error = urwid.Text("")
        self._hint = urwid.Text(("dialog.title", hint))
        rows += [urwid.Divider(), urwid.AttrMap(self._error, "dialog.error"), self._hint]
        self._pile = urwid.Pile(rows)
        self._first_field = 2
        if self.fields:
            self._pile.focus_position = self._first_field
        box = urwid.LineBox(urwid.Padding(self._pile, left=1, right=1), title=visible(title))
        super().__init__(urwid.AttrMap(box, "dialog"))

    def _row(self, spec: Field) -> urwid.Widget:
        widget: urwid.Edit | urwid.CheckBox
        if spec.checkbox:
            widget = urwid.CheckBox(visible(spec.label), state=spec.default == "true")
            self._inputs[spec.name] = widget
            return urwid.AttrMap(widget, "dialog.input", "dialog.input.focused")
        widget = urwid.Edit("", spec.default, mask="•" if spec.secret else None)
        self._inputs[spec.name] = widget
        label = urwid.Text(visible(spec.label))
        field = urwid.AttrMap(widget, "dialog.input", "dialog.input.focused")
        return urwid.Columns([(_LABEL_WIDTH, label), field], dividechars=1)

    # -- what the flows use ------------------------------------------------------

    def value(self, name: str) -> str:
        widget = self._inputs[name]
        if isinstance(widget, urwid.CheckBox):
            return "true" if widget.get_state() else "false"
        return str(widget.edit_text)

    def set_value(self, name: str, value: str) -> None:
        widget = self._inputs[name]
        if isinstance(widget, urwid.CheckBox):
            widget.set_state(value == "true")
        else:
            widget.set_edit_text(value)
            widget.set_edit_pos(len(value))

    def focused_field(self) -> str | None:
        if not self.fields:
            return None
        return self.fields[self._pile.focus_position - self._first_field].name

    def focus_field(self, name: str) -> None:
        names = [f.name for f in self.fields]
        self._pile.focus_position = self._first_field + names.index(name)

    @property
    def error(self) -> str:
        return str(self._error.text)

    def fail(self, message: str) -> None:
        """Show what went wrong and let the user correct it."""
        self.busy = False
        self._error.set_text(visible_lines(message))

    def working(self, message: str) -> None:
        """Say what is being done; further submits wait until it ends."""
        self.busy = True
        self._error.set_text(("dialog.title", visible_lines(message)))

    # -- keys ----------------------------------------------------------------------

    def submit(self) -> None:
        if not self.busy:
            self.on_submit(self)

    def move(self, step: int) -> None:
        if not self.fields:
            return
        index = self._pile.focus_position - self._first_field
        self._pile.focus_position = self._first_field + (index + step) % len(self.fields)

    def type_key(self, size: tuple[int], key: str) -> None:
        """A key that is not an action: into the focused field."""
        if self.fields and not self.busy:
            self._pile.keypress(size, key)


class MenuDialog(Dialog):
    """A short list of choices: ↑/↓ (j/k, Tab) or a digit selects, Enter (or y) picks."""

    def __init__(
        self,
        title: str,
        text: str,
        choices: Sequence[tuple[str, str]],
        on_choose: Callable[[int], None],
    ) -> None:
        self.choices = tuple(choices)
        self.selected = 0
        hint = "↑↓ or 1-9: select   Enter: copy   Esc: cancel"
        super().__init__(title, text, (), lambda _: on_choose(self.selected), hint=hint)
        width = max((len(label) for label, _ in self.choices), default=0)
        self._lines = [urwid.Text("", wrap="ellipsis") for _ in self.choices]
        self._width = width
        for offset, line in enumerate(self._lines):
            self._pile.contents.insert(2 + offset, (line, self._pile.options("pack")))
        self._show()

    def _show(self) -> None:
        for i, ((label, text), line) in enumerate(zip(self.choices, self._lines, strict=True)):
            style = "dialog.input.focused" if i == self.selected else "dialog.input"
            line.set_text((style, f"{i + 1} {label:<{self._width}}  {visible(text)}"))

    def move(self, step: int) -> None:
        if self.choices:
            self.selected = (self.selected + step) % len(self.choices)
            self._show()

    def type_key(self, size: tuple[int], key: str) -> None:
        if key in ("down", "j"):
            self.move(1)
        elif key in ("up", "k"):
            self.move(-1)
        elif key.isdigit() and 1 <= int(key) <= len(self.choices):
            self.selected = int(key) - 1
            self._show()
            self.submit()


def confirm_dialog(title: str, question: str, on_yes: Callable[[Dialog], None]) -> Dialog:
    """A yes/no question: `y` or Enter says yes, `n` or Esc says no."""
    return Dialog(title, question, (), on_yes, hint="y / Enter: yes   n / Esc: no")


class DialogView(View):
    """A dialog (login, add a registry, a yes/no question) over the panes."""

    context = "dialog"
    width = ("relative", 60)
    height = "pack"

    def __init__(self, app: Host, dialog: Dialog) -> None:
        self.app = app
        self.dialog = dialog
        self.widget = dialog

    def handle(self, key: str) -> list[str]:
        dialog = self.dialog
        action = self.app.keymap.lookup("dialog", key)
        if not dialog.fields and key in ("y", "n"):
            action = "confirm" if key == "y" else "cancel"
        if action == "cancel" or key == "esc":
            self.app.show_dialog(None)
        elif action == "confirm" or key == "enter":
            dialog.submit()
        elif action in ("focus_next", "focus_prev"):
            dialog.move(1 if action == "focus_next" else -1)
        else:
            dialog.type_key((self.app._size[0],), key)
        return []

    def closed(self) -> None:
        if self.app.workers is not None:
            for slot in ("login", "logout", "add-registry", "remove-registry"):
                self.app.workers.cancel(slot)
