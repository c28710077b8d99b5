"""Themes as data: every theme renders every style; bad files fail with file and line."""

from __future__ import annotations

import importlib
import itertools
import json
import re
import textwrap
import tomllib
from collections.abc import Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import urwid
from urwid.display.html_fragment import HtmlGenerator, screenshot_collect

from rex_tui.palette import (
    TRUE_COLOR,
    ColorDepth,
    Theme,
    available_themes,
    load_theme,
    no_color_requested,
    set_theme,
)
from rex_tui.styles import (
    JSON_TOKEN_STYLES,
    REQUIRED_STYLES,
    ROOT_STYLE,
    json_lines,
    json_markup,
    json_style,
)

REPO = Path(__file__).resolve().parents[2]
BUILTIN_THEMES = ["dark", "light"]
DEPTHS: tuple[ColorDepth, ...] = (1, 16, 88, 256, TRUE_COLOR)

# A user theme that starts from light and changes a little, as a user would write it.
USER_THEME = """\
description = "light with a green selection"
extends = "light"

[colors]
moss = { c16 = "dark green", c256 = "h22", c_true = "#1f5f2f" }

[styles]
"list.selected" = { fg = "white", bg = "moss", attrs = ["bold"] }
"status.key" = { fg16 = "white", fg256 = "h231", mono = ["bold", "underline"] }
"""


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "moss.toml").write_text(USER_THEME)
    return tmp_path / "themes"


@pytest.fixture(params=[*BUILTIN_THEMES, "moss"])
def theme(request: pytest.FixtureRequest, user_dir: Path) -> Theme:
    result = load_theme(request.param, user_dir=user_dir)
    assert result.errors == []
    assert result.theme.name == request.param
    return result.theme


def write_theme(tmp_path: Path, text: str, name: str = "broken") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(textwrap.dedent(text))
    return path


def layers(attr: Hashable) -> tuple[Hashable, ...]:
    """The palette names in one canvas run's attribute (urwid stacks AttrMap layers)."""
    return tuple(getattr(attr, "layers", (attr,)))


# --------------------------------------------------------------------------- the registry


def test_registry_parents_come_first_and_end_at_base() -> None:
    seen: set[str] = set()
    for name, style in REQUIRED_STYLES.items():
        assert re.fullmatch(r"[a-z]+(\.[a-z]+)*", name), name
        assert style.name == name
        if name == ROOT_STYLE:
            assert style.parent is None
        else:
            assert style.parent in seen, f"{name}: parent {style.parent} must come before it"
        seen.add(name)
        urwid.AttrSpec(",".join(("default", *style.mono)), "default", 1)  # valid mono settings


def test_wheel_ships_the_themes_where_the_loader_looks() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    force_include = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force_include["themes"] == "rex_tui/data/themes"
    assert sorted(p.stem for p in (REPO / "themes").glob("*.toml")) == BUILTIN_THEMES


def test_available_themes_lists_builtin_and_user_themes(user_dir: Path) -> None:
    assert available_themes(None) == BUILTIN_THEMES
    assert available_themes(user_dir) == ["dark", "light", "moss"]
    assert available_themes(user_dir / "nowhere") == BUILTIN_THEMES


# --------------------------------------------------------------------------- every theme


def test_every_required_style_resolves_to_colours_urwid_accepts(theme: Theme) -> None:
    for name in REQUIRED_STYLES:
        style = theme.resolve(name)
        fg_settings = ",".join(style.attrs)
        pairs: tuple[tuple[str, str, ColorDepth], ...] = (
            (style.fg16, style.bg16, 16),
            (style.fg256, style.bg256, 256),
            (style.fg_true, style.bg_true, TRUE_COLOR),
        )
        for fg, bg, depth in pairs:
            spec = urwid.AttrSpec(f"{fg},{fg_settings}".rstrip(","), bg, depth)
            assert spec.colors <= depth, name
        urwid.AttrSpec(",".join(("default", *style.mono)), "default", 1)


def test_palette_registers_on_a_real_screen_at_every_depth(theme: Theme) -> None:
    for depth in DEPTHS:
        palette = theme.urwid_palette(depth)
        names = [entry[0] for entry in palette]
        assert names == [None, *REQUIRED_STYLES], depth
        urwid.display.raw.Screen().register_palette(palette)


def test_styled_text_renders_with_its_style_names(theme: Theme) -> None:
    markup: list[str | tuple[Hashable, str]] = [
        ("list.match", "al"),
        "pine ",
        ("details.digest", "sha256:ab12 "),
        ("details.size", "3.2 MiB "),
        ("json.key", '"os"'),
    ]
    row = urwid.AttrMap(urwid.Text(markup), "list", focus_map="list.selected")
    canvas = row.render((40,), focus=True)
    runs = [run for line in canvas.content() for run in line]
    assert b"".join(text for _, _, text in runs).decode().rstrip() == (
        'alpine sha256:ab12 3.2 MiB "os"'
    )
    names = [layers(attr) for attr, _, _ in runs]
    assert names[0] == ("list.match", "list.selected")
    assert ("details.digest", "list.selected") in names
    assert all(n in REQUIRED_STYLES for attr in names for n in attr)

    # The same canvas drawn by a screen shows the theme's colours at each depth.
    checks: tuple[tuple[ColorDepth, str], ...] = (
        (16, "fg16"),
        (256, "fg256"),
        (TRUE_COLOR, "fg_true"),
    )
    for depth, fg_of in checks:
        html = draw(theme, canvas, depth)
        expected = urwid.AttrSpec(getattr(theme.resolve("details.digest"), fg_of), "default", depth)
        red, green, blue = expected.get_rgb_values()[:3]
        assert f"color:#{red:02x}{green:02x}{blue:02x}" in html, (depth, html)


def draw(theme: Theme, canvas: urwid.Canvas, depth: ColorDepth, *, monochrome: bool = False) -> str:
    screen = HtmlGenerator()
    screen.set_terminal_properties(colors=depth)
    screen.register_palette(theme.urwid_palette(depth, monochrome=monochrome))
    screen.start()
    try:
        screen.draw_screen((canvas.cols(), canvas.rows()), canvas)
    finally:
        screen.stop()
    return "".join(screenshot_collect())


def _luminance(rgb: tuple[int | None, ...]) -> float:
    def channel(value: int | None) -> float:
        assert value is not None, "a 'default' colour has no known RGB"
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2])


@pytest.mark.parametrize("name", BUILTIN_THEMES)
def test_builtin_themes_have_readable_contrast(name: str) -> None:
    """WCAG contrast of each style's text on its background, where the RGB is known (256, true)."""
    theme = load_theme(name).theme
    for style_name in REQUIRED_STYLES:
        style = theme.resolve(style_name)
        pairs: tuple[tuple[str, str, ColorDepth], ...] = (
            (style.fg256, style.bg256, 256),
            (style.fg_true, style.bg_true, TRUE_COLOR),
        )
        for fg, bg, depth in pairs:
            rgb = urwid.AttrSpec(fg, bg, depth).get_rgb_values()
            light, dark = sorted((_luminance(rgb[:3]), _luminance(rgb[3:])), reverse=True)
            ratio = (light + 0.05) / (dark + 0.05)
            # Unfocused borders are meant to recede; all text must read well.
            minimum = 2.0 if style_name == "pane.border.unfocused" else 4.0
            assert ratio >= minimum, f"{name} {style_name} at {depth}: {ratio:.2f}"


# --------------------------------------------------------------------------- inheritance


def test_light_leaves_styles_out_and_they_come_from_their_parents() -> None:
    written = tomllib.loads((REPO / "themes" / "light.toml").read_text())["styles"]
    omitted = [name for name in REQUIRED_STYLES if name not in written]
    assert {"status.spinner", "log.critical", "details.value", "json"} <= set(omitted)
    theme = load_theme("light").theme
    for name in omitted:
        parent = REQUIRED_STYLES[name].parent
        assert parent is not None
        child, inherited = theme.resolve(name), theme.resolve(parent)
        assert (child.fg256, child.bg256, child.fg16, child.bg16, child.fg_true, child.bg_true) == (
            inherited.fg256,
            inherited.bg256,
            inherited.fg16,
            inherited.bg16,
            inherited.fg_true,
            inherited.bg_true,
        ), name
        assert child.attrs == inherited.attrs
        assert child.mono == REQUIRED_STYLES[name].mono  # mono comes from the registry


def test_a_style_that_sets_only_fg_takes_bg_from_its_parent() -> None:
    theme = load_theme("dark").theme
    base, digest = theme.resolve("base"), theme.resolve("details.digest")
    assert (digest.bg16, digest.bg256, digest.bg_true) == (base.bg16, base.bg256, base.bg_true)
    assert digest.fg256 != base.fg256


def test_user_theme_extends_a_builtin_and_overrides_by_depth(user_dir: Path) -> None:
    moss = load_theme("moss", user_dir=user_dir).theme
    light = load_theme("light").theme
    selected = moss.resolve("list.selected")
    assert (selected.bg16, selected.bg256, selected.bg_true) == ("dark green", "h22", "#1f5f2f")
    assert (selected.fg16, selected.fg256, selected.fg_true) == ("white", "white", "white")
    # fg16 only at 16 colours; fg256 serves true colour too; the rest is light's.
    key, light_key = moss.resolve("status.key"), light.resolve("status.key")
    assert (key.fg16, key.fg256, key.fg_true) == ("white", "h231", "h231")
    assert key.bg256 == light_key.bg256
    assert key.mono == ("bold", "underline")
    assert moss.resolve("json.key") == light.resolve("json.key")
    assert moss.description == "light with a green selection"


def test_a_user_file_may_replace_a_builtin_theme_and_extend_it(tmp_path: Path) -> None:
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "dark.toml").write_text(
        'extends = "dark"\n[styles]\n"base" = { fg = "white", bg = "black" }\n'
    )
    result = load_theme("dark", user_dir=tmp_path / "themes")
    assert result.errors == []
    assert result.theme.resolve("base").fg256 == "white"
    key = result.theme.resolve("json.key")
    assert key.fg256 == load_theme("dark").theme.resolve("json.key").fg256
    assert key.bg256 == "black"  # json.key sets no background: it follows the new base


def test_a_theme_loads_from_a_path(tmp_path: Path) -> None:
    path = write_theme(tmp_path, '[styles]\n"base" = { fg = "yellow" }\n', name="mine")
    result = load_theme(str(path))
    assert result.errors == []
    assert result.theme.name == "mine"
    assert result.theme.resolve("status.error").fg16 == "yellow"  # nothing else set: all base
    assert result.theme.resolve("status.error").bg16 == "default"


# --------------------------------------------------------------------------- errors

ERROR_CASES = [
    pytest.param(
        """\
        [styles]
        "base" = { fg = "yellow" }
        "list" = { fg = "yellow"
        """,
        3,
        "not valid TOML",
        id="syntax",
    ),
    pytest.param(
        """\
        [styles]
        "base" = { fg = "yellow" }
        "list.selectd" = { fg = "yellow" }
        """,
        3,
        "unknown style 'list.selectd' (did you mean 'list.selected'?)",
        id="unknown-style",
    ),
    pytest.param(
        """\
        [styles]

        "status.error" = { fg16 = "lightred" }
        """,
        3,
        "'lightred' is not a 16-colour urwid name (did you mean 'light red'?)",
        id="bad-16-colour",
    ),
    pytest.param(
        """\
        [styles]
        "base" = { fg16 = "black",
                   fg256 = "h300" }
        """,
        2,
        "not valid TOML",  # inline tables are one line in TOML 1.0
        id="multiline-inline-table",
    ),
    pytest.param(
        """\
        [styles]
        "base" = { fg16 = "black", fg256 = "h300" }
        """,
        2,
        "fg256 'h300' is not a 256-colour",
        id="bad-256-colour",
    ),
    pytest.param(
        """\
        [styles]
        "base" = { fg_true = "#12345" }
        """,
        2,
        "fg_true '#12345' is not a true-colour",
        id="bad-true-colour",
    ),
    pytest.param(
        """\
        [colors]
        accent = { c16 = "h33" }
        """,
        2,
        "colour 'accent': c16 'h33' is not a 16-colour urwid name",
        id="high-colour-as-c16",
    ),
    pytest.param(
        """\
        [colors]
        accent = { c16 = "yellow", c256 = "h220" }
        [styles]
        "list.match" = { fg = "acent" }
        """,
        4,
        "fg 'acent' is neither a [colors] name nor a 16-colour urwid name (did you mean 'accent'?)",
        id="unknown-colour-name",
    ),
    pytest.param(
        """\
        [styles]
        "base" = { fg16 = 5 }
        """,
        2,
        "fg16 must be a string, not an integer",
        id="wrong-type-colour",
    ),
    pytest.param(
        """\
        [styles]
        "base" = "yellow"
        """,
        2,
        "style 'base' must be a table, not a string",
        id="wrong-type-style",
    ),
    pytest.param(
        """\
        description = "x"
        styles = 3
        """,
        2,
        "styles must be a table ([styles]), not an integer",
        id="wrong-type-section",
    ),
    pytest.param(
        """\
        [styles]
        "log.error" = { fg = "light red", attrs = ["blod"] }
        """,
        2,
        "attrs has unknown setting 'blod' (did you mean 'bold'?)",
        id="bad-setting",
    ),
    pytest.param(
        """\
        [styles]
        "log.error" = { mono = 1 }
        """,
        2,
        "mono must be a list of settings",
        id="wrong-type-settings",
    ),
    pytest.param(
        """\
        [styles]
        "log.error" = { fg16 = "yellow,bold" }
        """,
        2,
        "settings such as 'bold' go in attrs",
        id="settings-in-colour",
    ),
    pytest.param(
        """\
        [styles]
        "base" = { fgg = "yellow" }
        """,
        2,
        "unknown field 'fgg' (did you mean 'fg'?)",
        id="unknown-field",
    ),
    pytest.param(
        """\
        [styles]
        list.selected = { fg = "yellow" }
        """,
        2,
        'write dotted style names in quotes: "list.selected"',
        id="unquoted-dotted-name",
    ),
    pytest.param(
        """\
        # my theme
        colours = { }
        """,
        2,
        "unknown top-level key 'colours' (did you mean 'colors'?)",
        id="unknown-top-level-key",
    ),
    pytest.param(
        """\
        [styles."list.selected"]
        fg = "yellow"
        bg16 = "purple"
        """,
        3,
        "'purple' is not a 16-colour urwid name",
        id="table-form-field-line",
    ),
    pytest.param(
        """\
        description = "x"
        extends = "drak"
        """,
        2,
        "extends unknown theme 'drak' (did you mean 'dark'?)",
        id="extends-unknown",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), ERROR_CASES)
def test_a_bad_theme_names_file_and_line_and_dark_loads(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write_theme(tmp_path, text)
    result = load_theme(path)
    assert result.errors, "the bad file was accepted"
    assert result.errors[0].startswith(f"{path}:{line}: "), result.errors
    assert message in result.errors[0]
    assert result.theme.name == "dark"
    assert result.theme.resolve("base") == load_theme("dark").theme.resolve("base")


def test_every_mistake_in_a_file_is_reported(tmp_path: Path) -> None:
    path = write_theme(
        tmp_path,
        """\
        [styles]
        "base" = { fg16 = "blak" }
        "nope" = { fg = "yellow" }
        "log.error" = { attrs = "bold,wobble" }
        "list.match" = { fg = "nocolour" }
        """,
    )
    errors = load_theme(path).errors
    assert [e.split(": ", 1)[0] for e in errors] == [f"{path}:{n}" for n in (2, 3, 4, 5)]


def test_themes_that_extend_each_other_are_a_loop(tmp_path: Path) -> None:
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "a.toml").write_text('extends = "b"\n')
    (tmp_path / "themes" / "b.toml").write_text('description = "b"\nextends = "a"\n')
    result = load_theme("a", user_dir=tmp_path / "themes")
    assert result.theme.name == "dark"
    assert result.errors == [f"{tmp_path / 'themes' / 'b.toml'}:2: extends 'a' in a loop"]


def test_an_unknown_theme_name_or_missing_file_falls_back_to_dark(tmp_path: Path) -> None:
    result = load_theme("lihgt", user_dir=tmp_path)
    assert result.theme.name == "dark"
    assert result.errors == ["unknown theme 'lihgt' (did you mean 'light'?); have: dark, light"]
    missing = tmp_path / "gone.toml"
    assert load_theme(missing).errors == [f"{missing}: theme file not found"]


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'description = "caf\xe9"\n')
    result = load_theme(path)
    assert result.theme.name == "dark"
    assert result.errors[0].startswith(f"{path}: cannot read theme")


# --------------------------------------------------------------------------- monochrome


def test_no_color_palette_has_no_colours_only_mono_settings(theme: Theme) -> None:
    for palette in (theme.urwid_palette(256, monochrome=True), theme.urwid_palette(1)):
        for name, fg, bg, mono, fg_high, bg_high in palette:
            assert (fg_high, bg_high) == (None, None)
            style = REQUIRED_STYLES[name or ROOT_STYLE]
            for depth in DEPTHS[1:]:
                spec = urwid.AttrSpec(fg, bg, depth)
                assert spec.get_rgb_values() == (None,) * 6, (name, depth)
            assert mono == ",".join(theme.resolve(style.name).mono)
    selected = dict((entry[0], entry) for entry in theme.urwid_palette(256, monochrome=True))
    assert "standout" in selected["list.selected"][1]


def test_no_color_render_draws_settings_but_no_colour() -> None:
    theme = load_theme("dark").theme
    text = urwid.Text([("list.selected", "picked"), " ", ("status.error", "boom")])
    html = draw(theme, text.render((20,)), 256, monochrome=True)
    colours = set(re.findall(r"(?:color|background):(#[0-9a-f]{6})", html))
    # HtmlGenerator paints 'default' as black on light grey, standout swapped: nothing else.
    assert colours <= {"#000000", "#e5e5e5"}, colours
    assert "font-weight:bold" in html


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [({"NO_COLOR": "1"}, True), ({"NO_COLOR": ""}, False), ({}, False), ({"TERM": "x"}, False)],
)
def test_no_color_follows_no_color_org(environ: dict[str, str], wanted: bool) -> None:
    assert no_color_requested(environ) is wanted


def test_palette_depths_pick_the_right_values() -> None:
    theme = load_theme("dark").theme
    key = theme.resolve("json.key")
    by_depth = {depth: dict((e[0], e) for e in theme.urwid_palette(depth)) for depth in DEPTHS}
    assert by_depth[16]["json.key"] == ("json.key", key.fg16, key.bg16, "bold", None, None)
    assert by_depth[256]["json.key"][4:] == (key.fg256, key.bg256)
    assert by_depth[88]["json.key"][4:] == (key.fg256, key.bg256)
    assert by_depth[TRUE_COLOR]["json.key"][4:] == (key.fg_true, key.bg_true)
    assert by_depth[256][None][1:] == by_depth[256]["base"][1:]
    selected = theme.resolve("list.selected")
    assert by_depth[256]["list.selected"][4] == f"{selected.fg256},bold"


# --------------------------------------------------------------------------- switching


class RecordingScreen(urwid.display.raw.Screen):
    def __init__(self) -> None:
        super().__init__()
        self.palettes: list[list[str | None]] = []
        self.clears = 0

    def register_palette(self, palette: Iterable[Any], *args: Any, **kwargs: Any) -> None:
        entries = list(palette)
        self.palettes.append([entry[0] for entry in entries])
        super().register_palette(entries, *args, **kwargs)

    def clear(self) -> None:
        self.clears += 1
        super().clear()


def test_set_theme_registers_the_palette_and_repaints() -> None:
    screen = RecordingScreen()
    screen.set_terminal_properties(colors=16)
    loop = urwid.MainLoop(urwid.SolidFill("x"), screen=screen)
    set_theme(loop, load_theme("light").theme)
    assert screen.palettes == [[None, *REQUIRED_STYLES]]
    assert screen.clears == 1


# --------------------------------------------------------------------------- JSON


def lex_json(text: str) -> list[tuple[tuple[str, ...], str]]:
    # pygments has no type information; import it dynamically so mypy needs no stubs.
    pygments = importlib.import_module("pygments")
    lexers = importlib.import_module("pygments.lexers")
    return list(pygments.lex(text, lexers.JsonLexer()))


MANIFEST = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {
        "mediaType": "application/vnd.oci.image.config.v1+json",
        "digest": "sha256:" + "ab" * 32,
        "size": 1469,
    },
    "layers": [
        {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": "sha256:" + "cd" * 32,
            "size": 3623807,
        }
    ],
    "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"},
    "subject": None,
    "x-ratio": 0.5,
    "x-signed": True,
    "x-empty": False,
}


def test_json_tokens_of_a_real_manifest_all_have_styles() -> None:
    text = json.dumps(MANIFEST, indent=2)
    tokens = lex_json(text)
    styles = {json_style(kind) for kind, _ in tokens}
    assert styles <= set(REQUIRED_STYLES)
    assert {"json.key", "json.string", "json.number", "json.literal", "json.punct"} <= styles
    for kind, value in tokens:
        if value.strip():
            assert json_style(kind) != "json", f"{kind} {value!r} has no specific style"
    assert set(JSON_TOKEN_STYLES.values()) <= set(REQUIRED_STYLES)


def test_json_markup_keeps_the_text_and_splits_lines() -> None:
    text = json.dumps(MANIFEST, indent=2)
    markup = json_markup(lex_json(text))
    assert "".join(chunk for _, chunk in markup) == text + "\n"  # pygments ends with a newline
    assert all(a[0] != b[0] for a, b in itertools.pairwise(markup))
    assert ("json.key", '"schemaVersion"') in markup
    assert ("json.literal", "null") in markup
    lines = json_lines(lex_json(text))
    assert ["".join(chunk for _, chunk in line) for line in lines] == text.split("\n")


def test_invalid_json_is_marked_not_dropped() -> None:
    markup = json_markup(lex_json('{"a": 1} x'))
    assert "".join(chunk for _, chunk in markup) == '{"a": 1} x\n'
    assert ("json.error", "x") in markup


@pytest.fixture(autouse=True)
def _no_leftover_screenshots() -> Iterator[None]:
    yield
    screenshot_collect()
