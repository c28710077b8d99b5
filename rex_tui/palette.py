"""Themes as data: load themes/*.toml, check them, and turn them into urwid palettes.

A theme file names colours (``[colors]``) and gives styles (``[styles]``) their
colours at 16, 256 and true-colour depth; the shape is documented at the top of
themes/dark.toml. Styles and their parents come from rex_tui.styles. A theme
with any error is not used: the built-in ``dark`` loads instead and the errors,
each naming FILE:LINE, are handed back for the status bar. Theme files are
parsed as TOML, never executed.
"""

from __future__ import annotations

import difflib
import importlib.resources
import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final, Literal

import urwid

from rex_tui.styles import MONO_SETTINGS, REQUIRED_STYLES, ROOT_STYLE

__all__ = [
    "DEFAULT_THEME",
    "TRUE_COLOR",
    "ColorDepth",
    "PaletteEntry",
    "ResolvedStyle",
    "Theme",
    "ThemeResult",
    "available_themes",
    "load_theme",
    "no_color_requested",
    "set_theme",
]

DEFAULT_THEME = "dark"
TRUE_COLOR: Final = 16777216  # 2**24, spelled out so it stays a Literal for urwid's types

ColorDepth = Literal[1, 16, 88, 256, 16777216]  # what urwid screens report as .colors

# (name, fg16, bg16, mono, fg_high, bg_high): what urwid's register_palette takes.
PaletteEntry = tuple[str | None, str, str, str, str | None, str | None]

_COLOR_FIELDS = ("fg16", "bg16", "fg256", "bg256", "fg_true", "bg_true")
_STYLE_FIELDS = ("fg", "bg", *_COLOR_FIELDS, "attrs", "mono")
_TOP_KEYS = ("description", "extends", "colors", "styles")
_COLOR_KEY_DEPTHS: tuple[tuple[str, ColorDepth], ...] = (
    ("c16", 16),
    ("c256", 256),
    ("c_true", TRUE_COLOR),
)
_COLOR_KEYS = tuple(key for key, _ in _COLOR_KEY_DEPTHS)
_DEPTH_OF_SUFFIX: dict[str, ColorDepth] = {"16": 16, "256": 256, "_true": TRUE_COLOR}
_THEME_NAME = re.compile(r"[A-Za-z0-9_-]+")


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class ResolvedStyle:
    """A style with every field filled in through its parents."""

    fg16: str
    bg16: str
    fg256: str
    bg256: str
    fg_true: str
    bg_true: str
    attrs: tuple[str, ...]
    mono: tuple[str, ...]


@dataclass(frozen=True)
class _Color:
    """A named colour from [colors], one value per depth."""

    c16: str
    c256: str
    c_true: str


@dataclass
class _StyleSpec:
    """One [styles] entry as written; fg/bg references are resolved against [colors] later."""

    values: dict[str, str] = field(default_factory=dict)  # fg16 ... bg_true
    refs: dict[str, str] = field(default_factory=dict)  # "fg"/"bg" -> name as written
    attrs: tuple[str, ...] | None = None
    mono: tuple[str, ...] | None = None


@dataclass
class _Source:
    """Where a theme file came from, for error messages."""

    label: str
    lines: dict[tuple[str, ...], int]

    def error(self, line: int, message: str) -> str:
        return f"{self.label}:{line}: {message}"

    def line_of(self, *path: str) -> int:
        """The line of the longest known prefix of a key path, 1 when nothing matches."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1


@dataclass
class _ThemeFile:
    source: _Source
    description: str = ""
    extends: str | None = None
    colors: dict[str, _Color] = field(default_factory=dict)
    styles: dict[str, _StyleSpec] = field(default_factory=dict)


class Theme:
    """A checked theme: every required style resolves to colours at each depth."""

    def __init__(
        self,
        name: str,
        styles: Mapping[str, Mapping[str, str]],
        attrs: Mapping[str, tuple[str, ...]],
        mono: Mapping[str, tuple[str, ...]],
        *,
        description: str = "",
        source: str = "",
    ) -> None:
        self.name = name
        self.description = description
        self.source = source
        self._values = {name: dict(values) for name, values in styles.items()}
        self._attrs = dict(attrs)
        self._mono = dict(mono)
        self._resolved: dict[str, ResolvedStyle] = {}

    def __repr__(self) -> str:
        return f"Theme({self.name!r}, source={self.source!r})"

    def resolve(self, style: str) -> ResolvedStyle:
        """Every field of *style*, taken from the nearest ancestor that sets it."""
        found = self._resolved.get(style)
        if found is not None:
            return found
        definition = REQUIRED_STYLES[style]
        parent = self.resolve(definition.parent) if definition.parent else None
        own = self._values.get(style, {})

        def pick(fld: str) -> str:
            if fld in own:
                return own[fld]
            return getattr(parent, fld) if parent else "default"

        attrs = self._attrs.get(style)
        if attrs is None:
            attrs = parent.attrs if parent else ()
        mono = self._mono.get(style, definition.mono)
        resolved = ResolvedStyle(
            fg16=pick("fg16"),
            bg16=pick("bg16"),
            fg256=pick("fg256"),
            bg256=pick("bg256"),
            fg_true=pick("fg_true"),
            bg_true=pick("bg_true"),
            attrs=attrs,
            mono=mono,
        )
        self._resolved[style] = resolved
        return resolved

    def urwid_palette(self, colors: int = 256, *, monochrome: bool = False) -> list[PaletteEntry]:
        """Palette entries for every required style, plus ``None`` (the screen default) as base.

        *colors* is the screen's depth (``screen.colors``): 16 gives basic colours
        only, 88/256 add the 256-colour values, 2**24 the true-colour ones. With
        *monochrome* (NO_COLOR) or ``colors < 8`` no entry has a colour, only the
        styles' monochrome settings, at every depth.
        """
        entries = [self._entry(None, ROOT_STYLE, colors, monochrome)]
        entries.extend(self._entry(name, name, colors, monochrome) for name in REQUIRED_STYLES)
        return entries

    def _entry(self, name: str | None, style: str, colors: int, monochrome: bool) -> PaletteEntry:
        r = self.resolve(style)
        mono = ",".join(r.mono)
        if monochrome or colors < 8:
            return (name, _join("default", r.mono), "default", mono, None, None)
        fg16 = _join(r.fg16, r.attrs)
        if colors >= TRUE_COLOR:
            return (name, fg16, r.bg16, mono, _join(r.fg_true, r.attrs), r.bg_true)
        if colors >= 88:
            return (name, fg16, r.bg16, mono, _join(r.fg256, r.attrs), r.bg256)
        return (name, fg16, r.bg16, mono, None, None)


def _join(color: str, settings: Iterable[str]) -> str:
    return ",".join((color, *settings))


@dataclass(frozen=True)
class ThemeResult:
    """The theme to use and what was wrong with the one asked for (empty when nothing)."""

    theme: Theme
    errors: list[str]


# --------------------------------------------------------------------------- public API


def load_theme(name_or_path: str | Path, *, user_dir: Path | None = None) -> ThemeResult:
    """Load a theme by name or from a file; on any error the built-in dark theme and the errors.

    A name (letters, digits, '-', '_') is looked up in ``user_dir / NAME.toml``
    (user_dir is the themes folder under the config directory, as for keymaps)
    and then among the built-in themes, so a user file may replace a built-in
    one. A Path, or any other text (``~/x.toml``), is a theme file.
    """
    errors: list[str] = []
    theme = _load(name_or_path, user_dir, errors)
    if theme is not None and not errors:
        return ThemeResult(theme, [])
    fallback_errors: list[str] = []
    fallback = _load(DEFAULT_THEME, None, fallback_errors, builtin_only=True)
    if fallback is None or fallback_errors:
        errors.extend(fallback_errors)
        fallback = Theme(DEFAULT_THEME, {}, {}, {}, source="(no colours)")
    return ThemeResult(fallback, errors)


def available_themes(user_dir: Path | None = None) -> list[str]:
    """Names of the built-in themes and of the user's themes, sorted, for ``:theme`` completion."""
    names = {name for name, _ in _builtin_files()}
    names.update(name for name, _ in _user_files(user_dir))
    return sorted(names)


def no_color_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether NO_COLOR asks for no colour (set and not empty, as no-color.org says)."""
    env = os.environ if environ is None else environ
    return bool(env.get("NO_COLOR"))


def set_theme(loop: urwid.MainLoop, theme: Theme, *, monochrome: bool = False) -> None:
    """Switch a running loop to *theme*: register its palette and repaint everything."""
    colors: int = getattr(loop.screen, "colors", 256)
    loop.screen.register_palette(theme.urwid_palette(colors, monochrome=monochrome))
    loop.screen.clear()


# --------------------------------------------------------------------------- finding files


def _builtin_dir() -> Traversable | None:
    packaged = importlib.resources.files("rex_tui") / "data" / "themes"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "themes"
    return checkout if checkout.is_dir() else None


def _builtin_files() -> Iterator[tuple[str, Traversable]]:
    folder = _builtin_dir()
    if folder is None:
        return
    for entry in folder.iterdir():
        if entry.name.endswith(".toml") and entry.is_file():
            yield entry.name.removesuffix(".toml"), entry


def _user_files(user_dir: Path | None) -> Iterator[tuple[str, Path]]:
    folder = user_dir
    if folder is None or not folder.is_dir():
        return
    for entry in folder.glob("*.toml"):
        if entry.is_file():
            yield entry.stem, entry


def _find(
    name: str,
    user_dir: Path | None,
    *,
    builtin_only: bool = False,
    skip: frozenset[str] = frozenset(),
) -> Traversable | None:
    candidates: list[Traversable] = []
    if not builtin_only:
        candidates.extend(path for found, path in _user_files(user_dir) if found == name)
    candidates.extend(path for found, path in _builtin_files() if found == name)
    for candidate in candidates:
        if str(candidate) not in skip:
            return candidate
    return None


# --------------------------------------------------------------------------- loading


def _load(
    name_or_path: str | Path,
    user_dir: Path | None,
    errors: list[str],
    *,
    builtin_only: bool = False,
) -> Theme | None:
    is_path = isinstance(name_or_path, Path) or not _THEME_NAME.fullmatch(name_or_path)
    if is_path:
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            errors.append(f"{path}: theme file not found")
            return None
        file: Traversable = path
        name = path.stem
    else:
        name = str(name_or_path)
        found = _find(name, user_dir, builtin_only=builtin_only)
        if found is None:
            known = available_themes(None if builtin_only else user_dir)
            errors.append(
                f"unknown theme {name!r}{_did_you_mean(name, known)}; have: {', '.join(known)}"
            )
            return None
        file = found

    chain = _read_chain(file, user_dir, errors)
    if chain is None:
        return None
    colors: dict[str, _Color] = {}
    specs: dict[str, tuple[_StyleSpec, _Source]] = {}
    for layer in reversed(chain):  # base theme first, the file asked for last
        colors.update(layer.colors)
        specs.update((style, (spec, layer.source)) for style, spec in layer.styles.items())

    values: dict[str, dict[str, str]] = {}
    attrs: dict[str, tuple[str, ...]] = {}
    mono: dict[str, tuple[str, ...]] = {}
    for style, (spec, source) in specs.items():
        own = _own_values(style, spec, colors, source, errors)
        if own:
            values[style] = own
        if spec.attrs is not None:
            attrs[style] = spec.attrs
        if spec.mono is not None:
            mono[style] = spec.mono
    if errors:
        return None
    top = chain[0]
    return Theme(name, values, attrs, mono, description=top.description, source=top.source.label)


def _read_chain(
    file: Traversable, user_dir: Path | None, errors: list[str]
) -> list[_ThemeFile] | None:
    """The file and the themes it extends, the file first."""
    chain: list[_ThemeFile] = []
    seen: set[str] = set()
    current: Traversable | None = file
    while current is not None:
        seen.add(str(current))
        parsed = _parse_file(current, errors)
        if parsed is None:
            return None
        chain.append(parsed)
        if parsed.extends is None:
            break
        line = parsed.source.line_of("extends")
        # A user theme may extend the built-in theme of its own name.
        current = _find(parsed.extends, user_dir, skip=frozenset(seen))
        if current is None:
            if _find(parsed.extends, user_dir) is not None:
                errors.append(parsed.source.error(line, f"extends {parsed.extends!r} in a loop"))
            else:
                known = available_themes(user_dir)
                hint = _did_you_mean(parsed.extends, known)
                errors.append(
                    parsed.source.error(line, f"extends unknown theme {parsed.extends!r}{hint}")
                )
            return None
    return chain


def _parse_file(file: Traversable, errors: list[str]) -> _ThemeFile | None:
    label = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(f"{label}: cannot read theme: {exc}")
        return None
    source = _Source(label, _key_lines(text))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, message = _decode_error(exc, text)
        errors.append(source.error(line, f"not valid TOML: {message}"))
        return None
    parsed = _ThemeFile(source)
    _check_top(data, parsed, errors)  # keeps going, so colour names are checked in the same pass
    return parsed


def _decode_error(exc: tomllib.TOMLDecodeError, text: str) -> tuple[int, str]:
    message = str(exc)
    where = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if where:
        return int(where.group(1)), f"{message[: where.start()]} (column {where.group(2)})"
    if message.endswith("(at end of document)"):
        return max(1, len(text.splitlines())), message.removesuffix(" (at end of document)")
    return 1, message


# --------------------------------------------------------------------------- checking


def _check_top(data: dict[str, Any], parsed: _ThemeFile, errors: list[str]) -> None:
    src = parsed.source
    for key, value in data.items():
        line = src.line_of(key)
        if key not in _TOP_KEYS:
            hint = _did_you_mean(key, _TOP_KEYS)
            errors.append(src.error(line, f"unknown top-level key {key!r}{hint}"))
        elif key in ("description", "extends"):
            if isinstance(value, str):
                setattr(parsed, key, value)
            else:
                errors.append(src.error(line, f"{key} must be a string, not {_kind(value)}"))
        elif not isinstance(value, dict):
            errors.append(src.error(line, f"{key} must be a table ([{key}]), not {_kind(value)}"))
        elif key == "colors":
            _check_colors(value, parsed, errors)
        else:
            _check_styles(value, parsed, errors)


def _check_colors(table: dict[str, Any], parsed: _ThemeFile, errors: list[str]) -> None:
    for name, value in table.items():
        line = parsed.source.line_of("colors", name)
        entry = {"c16": value} if isinstance(value, str) else value
        if not isinstance(entry, dict):
            problems = [f"must be a string or a table, not {_kind(value)}"]
        else:
            problems = [
                f"unknown key {key!r}{_did_you_mean(key, _COLOR_KEYS)}"
                for key in entry
                if key not in _COLOR_KEYS
            ]
            problems += [] if "c16" in entry else ["c16 is required"]
            problems += [
                f"{key} {problem}"
                for key, depth in _COLOR_KEY_DEPTHS
                if key in entry and (problem := _value_problem(entry[key], depth))
            ]
        errors.extend(parsed.source.error(line, f"colour {name!r}: {p}") for p in problems)
        if not problems:
            c16 = entry["c16"]
            c256 = entry.get("c256", c16)
            parsed.colors[name] = _Color(c16, c256, entry.get("c_true", c256))


def _check_styles(table: dict[str, Any], parsed: _ThemeFile, errors: list[str]) -> None:
    src = parsed.source
    for style, value in table.items():
        line = src.line_of("styles", style)
        if style not in REQUIRED_STYLES:
            hint = _did_you_mean(style, REQUIRED_STYLES)
            errors.append(src.error(line, f"unknown style {style!r}{hint}"))
            continue
        if not isinstance(value, dict):
            errors.append(src.error(line, f"style {style!r} must be a table, not {_kind(value)}"))
            continue
        spec = _StyleSpec()
        for fld, item in value.items():
            fline = src.line_of("styles", style, fld)
            problem = _field_problem(style, fld, item, spec)
            if problem:
                errors.append(src.error(fline, f"style {style!r}: {problem}"))
        parsed.styles[style] = spec


def _field_problem(style: str, fld: str, item: object, spec: _StyleSpec) -> str | None:
    """Store one style field in *spec*, or say what is wrong with it."""
    if fld not in _STYLE_FIELDS:
        if isinstance(item, dict):
            return (
                f"unknown field {fld!r}; write dotted style names in quotes: "
                f'"{style}.{fld}" = {{ ... }}'
            )
        return f"unknown field {fld!r}{_did_you_mean(fld, _STYLE_FIELDS)}"
    if fld in ("attrs", "mono"):
        settings, problem = _settings(item)
        if problem:
            return f"{fld} {problem}"
        setattr(spec, fld, settings)
        return None
    if fld in ("fg", "bg"):
        if not isinstance(item, str):
            return f"{fld} must be a string (a [colors] name), not {_kind(item)}"
        spec.refs[fld] = item
        return None
    depth = _DEPTH_OF_SUFFIX[fld[2:]]
    problem = _value_problem(item, depth)
    if problem:
        return f"{fld} {problem}"
    assert isinstance(item, str)
    spec.values[fld] = item
    return None


def _own_values(
    style: str, spec: _StyleSpec, colors: Mapping[str, _Color], src: _Source, errors: list[str]
) -> dict[str, str]:
    """The colours *style* sets itself, per depth; fg/bg name a [colors] entry or a 16-colour name.

    An explicit fg256 beats a named colour at true colour too: it is the
    file's high-colour choice. fg16 only fills a depth nothing else covers.
    """
    own: dict[str, str] = {}
    for side in ("fg", "bg"):
        ref: _Color | None = None
        written = spec.refs.get(side)
        if written is not None:
            ref = colors.get(written)
            if ref is None and _color_problem(written, 16) is None:
                ref = _Color(written, written, written)
            if ref is None:
                line = src.line_of("styles", style, side)
                hint = _did_you_mean(written, colors)
                errors.append(
                    src.error(
                        line,
                        f"style {style!r}: {side} {written!r} is neither a [colors] name "
                        f"nor a 16-colour urwid name{hint}",
                    )
                )
                continue
        low, high, true = (spec.values.get(side + suffix) for suffix in ("16", "256", "_true"))
        named = (ref.c16, ref.c256, ref.c_true) if ref else (None, None, None)
        # Precedence per depth, first set value wins.
        for suffix, choices in (
            ("16", (low, named[0])),
            ("256", (high, named[1], low)),
            ("_true", (true, high, named[2], low)),
        ):
            chosen = next((c for c in choices if c is not None), None)
            if chosen is not None:
                own[side + suffix] = chosen
    return own


def _value_problem(value: object, depth: ColorDepth) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, not {_kind(value)}"
    return _color_problem(value, depth)


def _color_problem(color: str, depth: ColorDepth) -> str | None:
    """Why urwid would refuse *color* at *depth* colours, or None."""
    if "," in color:
        return f"{color!r}: give one colour; settings such as 'bold' go in attrs"
    try:
        urwid.AttrSpec(color, color, depth)
    except urwid.AttrSpecError:
        if depth == 16:
            return f"{color!r} is not a 16-colour urwid name{_did_you_mean(color, _BASIC_NAMES)}"
        kind = (
            "true-colour (#rrggbb)"
            if depth == TRUE_COLOR
            else "256-colour (h0-h255, g0-g100, #rgb)"
        )
        return f"{color!r} is not a {kind} urwid colour"
    return None


def _settings(item: object) -> tuple[tuple[str, ...], str | None]:
    if isinstance(item, str):
        parts = [part.strip() for part in item.split(",") if part.strip()]
    elif isinstance(item, list) and all(isinstance(part, str) for part in item):
        parts = [str(part).strip() for part in item]
    else:
        return (), f'must be a list of settings such as ["bold"], not {_kind(item)}'
    for part in parts:
        try:
            urwid.AttrSpec(f"default,{part}", "default", 1)
        except urwid.AttrSpecError:
            return (), f"has unknown setting {part!r}{_did_you_mean(part, MONO_SETTINGS)}"
    return tuple(parts), None


# fmt: off
_BASIC_NAMES = ("default", "black", "dark red", "dark green", "brown", "dark blue", "dark magenta",
                "dark cyan", "light gray", "dark gray", "light red", "light green", "yellow",
                "light blue", "light magenta", "light cyan", "white")
# fmt: on


def _kind(value: object) -> str:
    """How TOML would name the type of *value*."""
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a float"}
    names |= {list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --------------------------------------------------------------------------- line numbers

_KEY_PART = r"\"(?:[^\"\\]|\\.)*\"|'[^']*'|[A-Za-z0-9_-]+"
_KEY_PATH = rf"(?:{_KEY_PART})(?:\s*\.\s*(?:{_KEY_PART}))*"
_TABLE_LINE = re.compile(rf"^\s*\[\[?\s*({_KEY_PATH})\s*\]")
_ASSIGN_LINE = re.compile(rf"^\s*({_KEY_PATH})\s*=")


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The 1-based line of every table header and key in a TOML text, by full key path.

    Inline tables sit on one line, so a style's fields share the style's line.
    """
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _TABLE_LINE.match(line):
            table = _key_path(header.group(1))
            found.setdefault(table, number)
        elif assign := _ASSIGN_LINE.match(line):
            found.setdefault((*table, *_key_path(assign.group(1))), number)
    return found


def _key_path(written: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in re.findall(_KEY_PART, written))
