"""The parts of the guide without a registry: the view stack, line editing, history,
footer hints and the log panel's lines."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import urwid

from rex_tui.keymap import load_keymap
from rex_tui.tui.footer import Footer, hints
from rex_tui.tui.lineedit import History, LineEdit
from rex_tui.tui.logs import LogLine, LogPanel
from rex_tui.tui.views import View, ViewStack


def test_the_view_stack_pushes_pops_and_removes_one_view() -> None:
    changes: list[int] = []
    stack = ViewStack(lambda: changes.append(len(stack)))
    closed: list[str] = []

    class Named(View):
        def __init__(self, name: str, modal: bool) -> None:
            self.name, self.modal = name, modal

        def closed(self) -> None:
            closed.append(self.name)

    line, dialog = Named("line", False), Named("dialog", True)
    assert stack.top is None and not stack.modal
    stack.push(line)
    assert not stack.modal
    stack.push(dialog)
    assert stack.top is dialog and stack.modal and stack.find(Named) is dialog
    assert stack.remove(line) is line  # from the middle: the dialog stays on top
    assert stack.top is dialog and closed == ["line"]
    assert stack.remove(line) is None
    assert stack.pop() is dialog and stack.top is None and stack.pop() is None
    assert changes == [1, 2, 1, 0]


def edit(text: str, pos: int | None = None) -> LineEdit:
    widget = LineEdit("/", text)
    widget.set_edit_pos(len(text) if pos is None else pos)
    return widget


@pytest.mark.parametrize(
    ("key", "text", "pos", "after", "after_pos"),
    [
        ("ctrl a", "sort name", None, "sort name", 0),
        ("ctrl e", "sort name", 0, "sort name", 9),
        ("ctrl u", "sort name", 5, "name", 0),
        ("ctrl k", "sort name", 4, "sort", 4),
        ("ctrl w", "sort name", None, "sort ", 5),
        ("ctrl w", "registry  prod  ", None, "registry  ", 10),
        ("ctrl w", "deep/nested/app", None, "", 0),
        ("meta backspace", "deep/nested/app", None, "deep/nested/", 12),
        ("meta b", "sort name", None, "sort name", 5),
        ("meta b", "sort name", 5, "sort name", 0),
        ("meta f", "sort name", 0, "sort name", 4),
        ("meta f", "sort name", 4, "sort name", 9),
        ("x", "sort name", 0, "xsort name", 1),
    ],
)
def test_readline_keys(key: str, text: str, pos: int | None, after: str, after_pos: int) -> None:
    widget = edit(text, pos)
    assert widget.keypress((40,), key) is None
    assert (widget.edit_text, widget.edit_pos) == (after, after_pos)


def test_history_recalls_up_and_down_and_keeps_the_draft(tmp_path: Path) -> None:
    path = tmp_path / "history" / "command"
    history = History(path)
    for line in ("theme light", "sort name", "theme light", "  "):
        history.add(line)
    assert history.entries == ["sort name", "theme light"]  # once each, newest last
    history.reset()
    assert history.recall(-1, "reg") == "theme light"
    assert history.recall(-1, "theme light") == "sort name"
    assert history.recall(-1, "sort name") is None  # the oldest: stays
    assert history.recall(1, "sort name") == "theme light"
    assert history.recall(1, "theme light") == "reg"  # past the newest: the draft again
    assert path.read_text() == "sort name\ntheme light\n"
    assert History(path).entries == ["sort name", "theme light"]


def test_history_keeps_the_newest_entries_only(tmp_path: Path) -> None:
    history = History(tmp_path / "h", size=3)
    for i in range(5):
        history.add(f"line {i}")
    assert History(tmp_path / "h", size=3).entries == ["line 2", "line 3", "line 4"]


@pytest.mark.parametrize("keymap_name", ["vim", "default"])
def test_every_context_has_hints_from_its_keymap(keymap_name: str) -> None:
    keymap = load_keymap(keymap_name).keymap
    for context in ("registries", "repositories", "tags", "details", "log", "help", "filter",
                    "command", "dialog", "welcome"):  # fmt: skip
        assert hints(keymap, context), context
    assert ("?" if keymap_name == "vim" else "f1", "help") in hints(keymap, "tags")


def test_the_footer_leaves_out_whole_hints_that_do_not_fit() -> None:
    footer = Footer(load_keymap("vim").keymap)
    footer.show("repositories")
    wide = footer.render((200,)).text[0].decode().rstrip()
    narrow = footer.render((30,)).text[0].decode().rstrip()
    assert wide.startswith(narrow) and len(narrow) <= 30
    assert not narrow.endswith(("│", " "))
    assert "q quit" in wide


def test_an_http_log_line_leads_with_its_status_code() -> None:
    request = 'HTTP Request: GET http://h/v2/a/tags/list "HTTP/1.1 401 Unauthorized"'
    line = LogLine(0.0, logging.INFO, "httpx", request)
    assert line.text().split(" ", 2)[2].strip() == "401 Unauthorized GET http://h/v2/a/tags/list"
    other = LogLine(0.0, logging.INFO, "engine", "HTTP Request: not one of httpx's")
    assert other.text().endswith("HTTP Request: not one of httpx's")
    hostile_request = 'HTTP Request: GET http://h/v2/\x1b[31m "HTTP/1.1 200 OK"'
    hostile = LogLine(0.0, logging.INFO, "httpx", hostile_request)
    assert "\x1b" not in hostile.text()


def test_the_log_panel_wraps_and_keeps_its_capacity() -> None:
    panel = LogPanel(capacity=3)
    for i in range(5):
        panel.append(LogLine(0.0, logging.INFO, "x", f"record {i} " + "word " * 30))
    assert len(panel.walker) == 3
    canvas = panel.render((40, 12))
    text = b"\n".join(canvas.text).decode()
    assert "record 4" in text and "record 1" not in text
    assert text.count("word") > 10  # wrapped onto more lines, not clipped
    assert isinstance(panel.walker[0], urwid.Text)
