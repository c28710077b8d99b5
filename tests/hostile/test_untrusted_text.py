"""A hostile registry's text never reaches a terminal raw (issue 11 section 1).

A real registry holds an image whose labels, env, history, author and
annotations carry every class of dangerous code point (ESC/CSI/OSC, BEL, C1,
DEL, bidi overrides and isolates, zero-width and other format characters,
U+2028); a FaultProxy in front of it answers the catalog and the tag list with
names carrying them too, and an error body quoting them. Then the real `rex`
runs every output path (pretty, -q, JSON, YAML, errors on stderr, -v logs and
the log file), and the TUI renders every widget that shows registry text. No
output may hold such a code point raw; the escaped form must be there.
"""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from engine.errors import NotFoundError
from engine.testing.images import HistoryEntry, Layer, build_image, make_config
from engine.testing.pusher import Pusher
from engine.testing.registry import RegistryProcess
from rex_tui.cli.logs import setup_logging
from rex_tui.cli.output.color import Palette
from rex_tui.cli.output.printer import Printer
from rex_tui.logfile import log_path
from rex_tui.tui.details import SECTIONS
from rex_tui.tui.dialogs import Dialog, Field
from rex_tui.tui.logs import LogLine
from rex_tui.tui.panes import DetailsPane, ListPane
from rex_tui.tui.rows import Column, Row
from rex_tui.tui.statusbar import StatusBar
from rex_tui.untrusted import escape_json, visible, visible_lines
from tests.print import conftest as print_fixtures
from tests.print.harness import Result, Rex
from tests.support import logs as support_logs
from tests.support.faultproxy import FaultProxy, registry_error
from tests.tui import test_e2e as e2e
from tests.tui.harness import running_app

restore_logging = support_logs.restore_logging  # a fixture

# Every class: OSC retitle (ended by BEL), CSI clear screen, C1 CSI, DEL, RLO, LRI,
# ZWSP, a tag character (format, beyond the BMP), a line separator and NEL (C1).
EVIL = "\x1b]0;pwned\x07\x1b[2J\x9b31m\x7f\u202e\u2066\u200b\U000e0041\u2028\x85"
ESCAPED = visible(EVIL)
REPO = "hostile/app"
EVIL_REPO = f"evil{EVIL}"
EVIL_TAG = f"t{EVIL}"

rex = print_fixtures.rex  # the sandboxed `rex` command of tests/print
open_tui = e2e.open_tui  # the installed rex-tui in tmux, from tests/tui/test_e2e.py


def raw_danger(text: str) -> list[str]:
    """The code points in `text` that must never reach a terminal raw (newline aside)."""
    found = []
    for char in text:
        code = ord(char)
        if (
            (code < 0x20 and char != "\n")
            or 0x7F <= code <= 0x9F
            or char in "\u2028\u2029"
            or unicodedata.category(char) in ("Cf", "Cs")
        ):
            found.append(f"U+{code:04X}")
    return found


def without_colours(text: str) -> str:
    """`text` without SGR codes (ours: the hostile text carries none, only other escapes)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def assert_clean(text: str, where: str) -> None:
    assert not raw_danger(text), f"{where}: raw {raw_danger(text)} in:\n{text!r}"


# -- the rule itself --------------------------------------------------------------------


def test_every_format_character_of_this_python_is_escaped() -> None:
    missed = [
        f"U+{code:04X}"
        for code in range(0x110000)
        if unicodedata.category(chr(code)) in ("Cc", "Cf", "Cs", "Zl", "Zp")
        and visible(chr(code)) == chr(code)
    ]
    assert missed == []


def test_printable_text_is_untouched_and_escaping_is_idempotent() -> None:
    for text in ("library/alpine", "镜像/仓库 😀", "naïve café", "a\\x1b literal", "tab\there"):
        assert visible(visible(text)) == visible(text)
    assert visible("镜像/仓库 😀 naïve") == "镜像/仓库 😀 naïve"
    assert visible(EVIL) == (
        "\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\x7f\\u202e\\u2066\\u200b\\U000e0041\\u2028\\x85"
    )
    assert visible("a\tb\nc") == "a\\tb\\nc"
    assert visible_lines("a\tb\nc\r") == "a\\tb\nc\\r"
    dumped = escape_json(json.dumps({"k": EVIL}, ensure_ascii=False))
    assert_clean(dumped, "escape_json")
    assert json.loads(dumped) == {"k": EVIL}


# -- a hostile registry -----------------------------------------------------------------


@dataclass
class Hostile:
    proxy: FaultProxy
    config: bytes

    @property
    def url(self) -> str:
        return self.proxy.url


@pytest.fixture
def hostile(
    fresh_registry: RegistryProcess, fault_proxy_factory: Callable[..., FaultProxy]
) -> Hostile:
    """A proxy in front of a registry holding a hostile image, answering hostile names."""
    layer = Layer.from_files({"etc/motd": b"hello\n"})
    config = make_config(
        diff_ids=[layer.diff_id],
        author=f"mallory{EVIL}",
        env=["PATH=/usr/bin", f"EVIL={EVIL}"],
        cmd=["sh", "-c", f"echo {EVIL}"],
        labels={f"label{EVIL}": f"value{EVIL}", "description": "line one\nrex: forged line"},
        history=[HistoryEntry(f"RUN {EVIL}", comment=f"comment{EVIL}")],
    )
    image = build_image([layer], config, annotations={"org.example.note": f"note{EVIL}"})
    with Pusher(fresh_registry.url) as pusher:
        pusher.push_image(REPO, "v1", image)
    proxy = fault_proxy_factory(fresh_registry.url)
    serve_hostile_names(proxy, [REPO, EVIL_REPO], ["v1", EVIL_TAG])
    body = registry_error(404, f"no such thing{EVIL}", "MANIFEST_UNKNOWN")
    proxy.status(404, body=body, path=r"^/v2/gone/", times=None)
    return Hostile(proxy, image.config.data)


def serve_hostile_names(proxy: FaultProxy, repositories: list[str], tags: list[str]) -> None:
    catalog = json.dumps({"repositories": repositories}).encode()
    proxy.replace_body(catalog, path=r"^/v2/_catalog$", times=None)
    listing = json.dumps({"name": REPO, "tags": tags}).encode()
    proxy.replace_body(listing, path=rf"^/v2/{REPO}/tags/list$", times=None)


def run_clean(rex: Rex, *args: str, env: dict[str, str] | None = None) -> Result:
    result = rex(*args, env=env)
    assert_clean(result.stdout, f"stdout of {result.args}")
    assert_clean(result.stderr, f"stderr of {result.args}")
    return result


def test_cli_escapes_every_path(rex: Rex, hostile: Hostile) -> None:
    r = ("-r", hostile.url)
    # Listings: the catalog and the tags, pretty and -q. A name no registry may send is
    # skipped with one warning (stderr, escaped); under -q the warning goes to the log file.
    state = rex.root / "home" / ".local" / "state"
    for args, listed in ((("image",), REPO), (("image", REPO), "v1")):
        pretty = run_clean(rex, *r, "--no-cache", "-f", "pretty", *args)
        assert pretty.returncode == 0 and listed in pretty.stdout, str(pretty)
        warnings = pretty.stderr.splitlines()
        assert ESCAPED in pretty.stderr and len(warnings) == len(set(warnings)), str(pretty)
        quiet = run_clean(rex, *r, "--no-cache", "-q", *args)
        assert quiet.returncode == 0 and quiet.stdout.split() == [listed], str(quiet)
        assert ESCAPED in log_path(state / "rex").read_text(encoding="utf-8")
    # One image, summary and inspect: every registry-controlled field.
    summary = run_clean(rex, *r, "-f", "pretty", "image", f"{REPO}:v1")
    assert summary.returncode == 0, str(summary)
    assert f"EVIL={ESCAPED}" in summary.stdout
    assert f"label{ESCAPED}: value{ESCAPED}" in summary.stdout
    assert "line one\\nrex: forged line" in summary.stdout  # one value, one line
    inspect = run_clean(rex, *r, "-f", "pretty", "image", "inspect", f"{REPO}:v1")
    assert inspect.returncode == 0, str(inspect)
    for field in (f"RUN {ESCAPED}", f"comment{ESCAPED}", f"note{ESCAPED}", f"mallory{ESCAPED}"):
        assert field in inspect.stdout, field
    # Colour on: our own colours are there, the registry's escapes still are not.
    coloured = rex(*r, "--color", "always", "-f", "pretty", "image", f"{REPO}:v1")
    assert "\x1b[1m" in coloured.stdout
    assert_clean(without_colours(coloured.stdout), "coloured")
    assert ESCAPED in coloured.stdout
    # JSON and YAML: escaped their own way, and lossless.
    for fmt, load in (("json", json.loads), ("yaml", yaml.safe_load)):
        document = load(run_clean(rex, *r, "-f", fmt, "image", "inspect", f"{REPO}:v1").stdout)
        assert document["labels"][f"label{EVIL}"] == f"value{EVIL}"
        assert document["history"][0]["created_by"] == f"RUN {EVIL}"
        assert document["annotations"]["org.example.note"] == f"note{EVIL}"
        for listing in (("image",), ("image", REPO)):
            run_clean(rex, *r, "-f", fmt, *listing)
    # --raw-config stays byte-exact, for jq and sha256sum.
    raw = rex(*r, "image", "inspect", f"{REPO}:v1", "--raw-config")
    assert raw.stdout.encode() == hostile.config
    # An error body on stderr, also with -vv logging and REX_LOG=debug to the file.
    error = run_clean(rex, *r, "image", "gone:latest")
    assert error.returncode == 5, str(error)
    assert f"no such thing{ESCAPED}" in error.stderr
    run_clean(rex, *r, "-vv", "image", "gone:latest", env={"REX_LOG": "debug"})
    logged = log_path(state / "rex").read_text(encoding="utf-8")
    assert_clean(logged, "rex.log")
    assert " DEBUG " in logged


def test_log_lines_are_escaped_on_stderr_and_in_the_file(
    tmp_path: Path, restore_logging: None
) -> None:
    for env, check in (({}, lambda s: ESCAPED in s), ({"REX_LOG_FORMAT": "json"}, json.loads)):
        stream = io.StringIO()
        setup_logging(0, stream, {**env, "REX_LOG": "info"}, state_dir=tmp_path / "state")
        logging.getLogger("engine.reads").warning("skipped the invalid name %r", EVIL)
        logging.getLogger("engine.reads").info("only to the file: %s", EVIL)
        for handler in logging.getLogger().handlers:
            handler.flush()
        assert_clean(stream.getvalue(), "stderr")
        assert check(stream.getvalue())
        assert "only to the file" not in stream.getvalue()
    logged = log_path(tmp_path / "state").read_text(encoding="utf-8")
    assert_clean(logged, "rex.log")
    assert logged.count("skipped the invalid name") == 2
    assert "only to the file" in logged and ESCAPED in logged


def test_cli_log_file_level_quiet_and_a_bad_rex_log(tmp_path: Path, restore_logging: None) -> None:
    stream = io.StringIO()
    setup_logging(0, stream, {"REX_LOG": "loud"}, quiet=True, state_dir=tmp_path / "state")
    logging.getLogger("engine.reads").warning("a warning")
    logging.getLogger("engine.reads").info("info is below the default file level")
    logging.getLogger("engine.reads").error("an error")
    for handler in logging.getLogger().handlers:
        handler.flush()
    # -q: only errors on stderr; the file keeps warnings (the default level) and up.
    assert stream.getvalue() == "rex: error: an error\n"
    logged = log_path(tmp_path / "state").read_text(encoding="utf-8")
    assert "REX_LOG=loud is not a log level" in logged and "using warning" in logged
    assert "a warning" in logged and "an error" in logged and "info is below" not in logged
    stream = io.StringIO()
    setup_logging(0, stream, {"REX_LOG": "lo\x1bud"}, state_dir=tmp_path / "state")
    assert stream.getvalue().count("\n") == 1 and "REX_LOG=lo\\x1bud" in stream.getvalue()


def test_the_cli_log_file_is_made_by_its_first_record_and_never_fails_a_command(
    tmp_path: Path, restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = io.StringIO()
    setup_logging(0, stream, {}, state_dir=tmp_path / "state")
    logging.getLogger("engine.reads").info("below the file's level")
    assert not (tmp_path / "state").exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    setup_logging(0, stream, {}, state_dir=blocker / "state")
    logging.getLogger("engine.reads").warning("still said on stderr")
    logging.getLogger("engine.reads").warning("twice")
    assert stream.getvalue() == "rex: warning: still said on stderr\nrex: warning: twice\n"
    assert "Logging error" not in capsys.readouterr().err


def test_log_file_masks_secrets(tmp_path: Path, restore_logging: None) -> None:
    setup_logging(0, io.StringIO(), {}, state_dir=tmp_path / "state")
    log = logging.getLogger("engine.transport.client")
    log.warning("Authorization: Bearer abc.def.ghi failed")
    log.warning("GET https://user:hunter2@example.com/v2/?token=s3cret&n=1")
    log.warning("retrying with Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
    log.warning("the registry wants basic authentication")
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = log_path(tmp_path / "state").read_text(encoding="utf-8")
    for secret in ("abc.def.ghi", "hunter2", "s3cret", "eyJ"):
        assert secret not in logged
    assert "wants basic authentication" in logged  # a word, not a token
    assert "n=1" in logged and "example.com" in logged


def test_printer_messages_are_escaped() -> None:
    out, err = io.StringIO(), io.StringIO()
    printer = Printer(
        "pretty", Palette(True), quiet=False, stdout=out, stderr=err, err_palette=Palette(True)
    )
    printer.emit({}, lambda p: f"{p.name(EVIL)}\n{EVIL}")
    printer.done(EVIL)
    printer.line(EVIL)
    printer.note(EVIL)
    printer.warning(EVIL)
    printer.names([EVIL, "plain"])
    for text in (out.getvalue(), err.getvalue()):
        assert "\x1b[" in text  # our colours
        assert_clean(without_colours(text), "printer")
        assert ESCAPED in text


# -- the TUI ----------------------------------------------------------------------------


def rendered(widget: object, cols: int = 200, rows: int | None = None) -> str:
    size = (cols,) if rows is None else (cols, rows)
    canvas = widget.render(size, focus=True)  # type: ignore[attr-defined]
    return "\n".join(row.decode("utf-8") for row in canvas.text)


def test_tui_widgets_escape_registry_text() -> None:
    shown: dict[str, str] = {}
    pane = ListPane("tags", f"Tags: {EVIL}", [Column("SIZE", 30)])
    pane.set_rows([Row(EVIL_TAG, (f"s{EVIL}",), key=EVIL_TAG)])
    shown["list"] = rendered(pane, 200, 6)
    pane.set_message(f"✗ {EVIL}")
    shown["list message"] = rendered(pane, 200, 6)
    pane.table.set_query("t")  # a match highlight on an escaped name
    shown["filtered"] = rendered(pane, 200, 6)
    details = DetailsPane()
    details.set_title(f"Details: {EVIL}")
    details.set_message(EVIL)
    shown["details"] = rendered(details, 200, 6)
    bar = StatusBar()
    bar.state.registry = EVIL
    bar.state.extras = [EVIL]
    bar.say(EVIL)
    bar.state.error = NotFoundError(f"gone{EVIL}", hint=f"hint{EVIL}")
    bar.update()
    shown["status"] = rendered(bar)
    dialog = Dialog(EVIL, EVIL, [Field("user", f"user{EVIL}")], lambda d: None)
    dialog.fail(EVIL)
    shown["dialog"] = rendered(dialog, 200)
    dialog.working(EVIL)
    shown["dialog working"] = rendered(dialog, 200)
    shown["log"] = LogLine(0.0, logging.WARNING, "engine", EVIL).text()
    for where, text in shown.items():
        assert_clean(text, where)
        assert "\\x1b]0;pwned" in text, (where, text)


async def test_tui_app_escapes_names_details_and_titles(hostile: Hostile, tmp_path: Path) -> None:
    # The hostile names are skipped (and logged, escaped); their images' text is shown.
    async with running_app(tmp_path, [("evil", hostile.url)], cols=220, rows=50) as ui:
        screen = await ui.wait_for(REPO, "Repositories (1)")
        ui.press("/")
        ui.type(REPO)
        ui.press("enter")
        await ui.wait_for(f"Tags: {REPO}", "v1")
        ui.press("l")
        screens = [screen, await ui.wait_for(f"Details: {REPO}:", "Created")]
        ui.press("l")  # into the details: every section
        for _ in SECTIONS:
            screens.append(ui.screen())
            ui.press("]")
        ui.press("h", "h")
        screens.append(ui.screen())
        everything = "\n".join(screens)
        assert_clean(everything, "the TUI")
        assert "Tags (1)" in everything or "v1" in everything
        for shown in (
            "mallory\\x1b]0;pwned",  # Summary
            "EVIL=\\x1b]0;pwned",  # Config: env
            "description: line one\\nrex: forged line",  # Config: labels, one line each
            "RUN \\x1b]0;pwned",  # History
            '"echo \\u001b]0;pwned',  # the config as JSON
        ):
            assert shown in everything, shown


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_tui_in_a_real_terminal_keeps_its_title_and_screen(
    open_tui: Callable[..., e2e.Terminal], hostile: Hostile
) -> None:
    term = open_tui(hostile.url, cols=200, rows=40)
    term.wait_for("Repositories (1)", "hostile/app")  # the hostile name was skipped
    term.press("l")  # the tags of hostile/app, then its details
    shown = term.wait_for("Author        mallory\\x1b]0;pwned")
    assert "Repositories (1)" in shown  # an ESC [2J would have cleared the screen
    title = term.tmux("display-message", "-p", "-t", term.name, "#{pane_title}")
    assert "pwned" not in title  # an OSC 0 would have retitled the terminal
    term.press("q")
    assert term.exit_code() == 0
