"""The style names the TUI draws with: each one's parent and its monochrome fallback.

Widgets name styles, never colours; a theme (themes/*.toml, loaded by
rex_tui.palette) gives them colours. A theme may leave a style, or any of its
fields, out: the value then comes from the style's parent, so every chain ends
at ``base``. Monochrome settings are urwid's (bold, italics, underline,
standout, ...); they are used on 1-colour terminals and when NO_COLOR is set.

Raw JSON is highlighted by lexing it with pygments and passing the tokens
through json_markup() (or json_lines(), one markup list per line), which map
token types to ``json.*`` styles through JSON_TOKEN_STYLES.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "JSON_TOKEN_STYLES",
    "MONO_SETTINGS",
    "REQUIRED_STYLES",
    "ROOT_STYLE",
    "StyleDef",
    "json_lines",
    "json_markup",
    "json_style",
]

ROOT_STYLE = "base"

# Text settings urwid knows at every colour depth (used for did-you-mean hints).
MONO_SETTINGS = (
    "bold",
    "italics",
    "underline",
    "standout",
    "strikethrough",
    "blink",
    "faint",
)


@dataclass(frozen=True)
class StyleDef:
    """One required style: where it inherits from and how it looks without colour."""

    name: str
    parent: str | None
    mono: tuple[str, ...]
    doc: str


def _registry(*rows: tuple[str, str | None, str, str]) -> dict[str, StyleDef]:
    styles: dict[str, StyleDef] = {}
    for name, parent, mono, doc in rows:
        settings = tuple(part for part in mono.split(",") if part)
        styles[name] = StyleDef(name, parent, settings, doc)
    return styles


# (name, parent, mono settings, what it is for). A parent comes before its
# children. ".unfocused" children are the same thing in a pane without focus.
REQUIRED_STYLES: Mapping[str, StyleDef] = _registry(
    ("base", None, "", "Default text and background of the whole screen"),
    ("muted", "base", "", "Secondary text: hints, placeholders, empty-pane messages"),
    # panes
    ("pane.border", "base", "bold", "Border of the focused pane"),
    ("pane.border.unfocused", "pane.border", "", "Border of the other panes"),
    ("pane.title", "pane.border", "standout", "Title of the focused pane"),
    ("pane.title.unfocused", "pane.title", "bold", "Title of the other panes"),
    # lists
    ("list", "base", "", "A list row"),
    ("list.header", "list", "bold,underline", "Column headers above a list"),
    ("list.selected", "list", "standout", "The selected row of the focused list"),
    ("list.selected.unfocused", "list.selected", "underline", "Selected row, list not focused"),
    ("list.match", "list", "bold", "Characters matched by the filter"),
    ("list.match.selected", "list.selected", "standout,bold", "Filter match on the selected row"),
    (
        "list.match.selected.unfocused",
        "list.selected.unfocused",
        "underline,bold",
        "Filter match on the selected row, list not focused",
    ),
    # registries pane
    ("registry.current", "list", "bold", "Marker of the registry in use"),
    ("registry.online", "list", "", "Registry status: online"),
    ("registry.auth", "list", "bold", "Registry status: authentication required"),
    ("registry.offline", "list", "bold", "Registry status: offline"),
    ("registry.closed", "list", "", "Registry status: catalog closed"),
    # details pane (the value styles also serve list columns: digests, sizes, ages)
    ("details", "base", "", "Details pane text"),
    ("details.heading", "details", "bold,underline", "Heading of a details section"),
    ("details.tab", "details", "", "A details tab"),
    ("details.tab.active", "details.tab", "standout", "The details tab shown"),
    ("details.label", "details", "bold", "A label or key: 'Digest', 'Created'"),
    ("details.value", "details", "", "The value next to a label"),
    ("details.digest", "details.value", "", "A digest"),
    ("details.size", "details.value", "", "A size"),
    ("details.date", "details.value", "", "A date or age"),
    ("details.platform", "details.value", "", "A platform: linux/amd64"),
    # status bar
    ("status", "base", "standout", "Status bar"),
    ("status.key", "status", "standout,bold", "Key hint in the status bar"),
    ("status.filter", "status", "standout,bold", "Active filter in the status bar"),
    ("status.error", "status", "standout,bold", "The last error"),
    ("status.hint", "status", "standout", "How to fix the last error"),
    ("status.warning", "status", "standout,bold", "A warning"),
    ("status.spinner", "status", "standout", "Spinner while background work runs"),
    ("status.fresh", "status", "standout", "Age of the data shown: fresh"),
    ("status.stale", "status", "standout,bold", "Age of the data shown: old, refreshing"),
    # log panel
    ("log", "base", "", "Log panel text and timestamps"),
    ("log.debug", "log", "", "Log record: debug"),
    ("log.info", "log", "", "Log record: info"),
    ("log.warning", "log", "bold", "Log record: warning"),
    ("log.error", "log", "bold,underline", "Log record: error"),
    ("log.critical", "log.error", "standout", "Log record: critical"),
    # dialogs
    ("dialog", "base", "", "Dialog body"),
    ("dialog.border", "dialog", "", "Dialog frame"),
    ("dialog.title", "dialog", "bold", "Dialog title"),
    ("dialog.input", "dialog", "underline", "Text field in a dialog"),
    ("dialog.input.focused", "dialog.input", "standout", "Text field with the cursor"),
    ("dialog.button", "dialog", "", "A dialog button"),
    ("dialog.button.focused", "dialog.button", "standout", "The focused dialog button"),
    ("dialog.error", "dialog", "bold", "An error inside a dialog"),
    # help screen
    ("help", "base", "", "Help text"),
    ("help.heading", "help", "bold,underline", "Help section: a keymap context"),
    ("help.key", "help", "bold", "A key in the help screen"),
    ("help.action", "help", "", "An action name in the help screen"),
    # command line (':') and filter ('/') input
    ("cmdline", "base", "", "Command line"),
    ("cmdline.prompt", "cmdline", "bold", "The ':' or '/' prompt"),
    ("cmdline.input", "cmdline", "", "What the user typed"),
    ("cmdline.completion", "cmdline", "", "A completion candidate"),
    ("cmdline.completion.selected", "cmdline.completion", "standout", "The chosen completion"),
    # raw JSON, highlighted through JSON_TOKEN_STYLES
    ("json", "base", "", "JSON text with no other style (whitespace)"),
    ("json.key", "json", "bold", "JSON object key"),
    ("json.string", "json", "", "JSON string"),
    ("json.number", "json", "", "JSON number"),
    ("json.literal", "json", "italics", "JSON true, false, null"),
    ("json.punct", "json", "", "JSON braces, brackets, commas, colons"),
    ("json.error", "json", "underline", "Text the JSON lexer could not read"),
)

# pygments token types, compared as the plain tuples they are (Token.Name.Tag
# == ("Name", "Tag")), so this module needs no pygments import. The longest
# prefix of a token's type wins; anything unlisted is plain "json".
JSON_TOKEN_STYLES: Mapping[tuple[str, ...], str] = {
    ("Name", "Tag"): "json.key",
    ("Literal", "String"): "json.string",
    ("Literal", "Number"): "json.number",
    ("Keyword", "Constant"): "json.literal",
    ("Keyword",): "json.literal",
    ("Punctuation",): "json.punct",
    ("Operator",): "json.punct",
    ("Error",): "json.error",
}


def json_style(token_type: tuple[str, ...]) -> str:
    """The style for one pygments token type from JsonLexer."""
    for end in range(len(token_type), 0, -1):
        style = JSON_TOKEN_STYLES.get(tuple(token_type[:end]))
        if style is not None:
            return style
    return "json"


def json_markup(tokens: Iterable[tuple[tuple[str, ...], str]]) -> list[tuple[str, str]]:
    """urwid markup for ``pygments.lex(text, JsonLexer())``; neighbours of one style merge."""
    markup: list[tuple[str, str]] = []
    for token_type, text in tokens:
        if not text:
            continue
        style = json_style(token_type)
        if markup and markup[-1][0] == style:
            markup[-1] = (style, markup[-1][1] + text)
        else:
            markup.append((style, text))
    return markup


def json_lines(tokens: Iterable[tuple[tuple[str, ...], str]]) -> list[list[tuple[str, str]]]:
    """Like json_markup, split into one markup list per line (for a line-by-line list walker)."""
    lines: list[list[tuple[str, str]]] = [[]]
    for style, text in json_markup(tokens):
        for i, chunk in enumerate(text.split("\n")):
            if i:
                lines.append([])
            if chunk:
                lines[-1].append((style, chunk))
    if not lines[-1] and len(lines) > 1:
        lines.pop()  # the newline pygments adds at the end
    return lines
