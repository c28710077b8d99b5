"""Registry text made safe for a terminal: control and invisible characters shown escaped.

Everything a registry controls (names, labels, env, history, annotations, error
messages, challenge text, redirect URLs) may carry ESC/CSI/OSC sequences, C1
controls, bidi overrides or invisible format characters that retitle a
terminal, clear it, or make text read other than it is. Every boundary that
writes to a terminal passes such text through `visible` (one line) or
`visible_lines` (a block whose line breaks are kept); JSON and YAML output use
`escape_json` and their own escapes instead.

Escaped: C0 controls and DEL, C1 controls (U+0080-U+009F), every format
character (Unicode category Cf, bidi controls included), the line and
paragraph separators U+2028/U+2029, and lone surrogates (which would not even
encode). Printable text, wide CJK and emoji included, is left as it is, and so
is the backslash: the escaped form reads like a Python string literal
(`\\x1b`, `\\u202e`, `\\U000e0001`), and escaping twice changes nothing.
"""

from __future__ import annotations

import re

__all__ = ["escape_json", "is_safe", "visible", "visible_lines"]

# Category Cf as of Unicode 15.1 (a test checks it covers the running Python's),
# written out: computing it from unicodedata at import costs ~150 ms.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# Everything after C0: what JSON's own escaping leaves raw with ensure_ascii=False.
_BEYOND_C0 = "\x7f-\x9f" + _FORMAT + "\u2028\u2029\ud800-\udfff"

_UNSAFE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
_UNSAFE_IN_LINES = re.compile(f"[\x00-\x09\x0b-\x1f{_BEYOND_C0}]")
_UNSAFE_IN_JSON = re.compile(f"[{_BEYOND_C0}]")

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` for one line of a terminal: every unsafe character escaped, tab and newline too."""
    if text.isascii() and text.isprintable():  # nearly every name: no regex at all
        return text
    return _UNSAFE.sub(_escape, text)


def visible_lines(text: str) -> str:
    """`text` as a block of lines: like `visible`, but its newlines stay line breaks."""
    if text.isascii() and text.replace("\n", "").isprintable():
        return text
    return _UNSAFE_IN_LINES.sub(_escape, text)


def is_safe(text: str) -> bool:
    """Whether `visible(text)` is `text` itself."""
    return (text.isascii() and text.isprintable()) or _UNSAFE.search(text) is None


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON spells a character beyond the BMP as a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def escape_json(dumped: str) -> str:
    """JSON text from `json.dumps(..., ensure_ascii=False)` with what it left raw \\u-escaped.

    json escapes C0 itself; DEL, C1, format characters, U+2028/9 and lone
    surrogates it writes raw, and they can only occur inside strings, where a
    \\u escape means the same character.
    """
    if dumped.isascii() and "\x7f" not in dumped:
        return dumped
    return _UNSAFE_IN_JSON.sub(_json_escape, dumped)
