"""Where a command's results go: one document as pretty text, JSON or YAML, plus messages.

Every line written here passes `rex_tui.untrusted`: registry text can sit
anywhere in a pretty view (a tag in a table, a label value, an error), so the
Printer escapes whole texts just before writing them. Its own colours survive
because its palettes paint with `_CSI`, a per-process secret stand-in for
"ESC [" that no registry can guess, resolved into real codes after escaping.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any, TextIO

from rex_tui.cli.output.color import Palette
from rex_tui.cli.output.serialize import to_json, to_yaml
from rex_tui.untrusted import visible, visible_lines

__all__ = ["FORMATS", "Printer"]

FORMATS = ("pretty", "json", "yaml")

_CSI = f"\x00{os.urandom(8).hex()}:"
_SGR = re.compile(r"[0-9;]*m")


def _shown(text: str, escape: Callable[[str], str]) -> str:
    """`text` escaped for the terminal, its palette's stand-ins turned into colour codes."""
    if _CSI not in text:
        return escape(text)
    head, *painted = text.split(_CSI)
    parts = [escape(head)]
    for piece in painted:
        codes = _SGR.match(piece)
        end = codes.end() if codes else 0
        parts += ["\x1b[", piece[:end], escape(piece[end:])]
    return "".join(parts)


class Printer:
    """Writes results to stdout and notes to stderr, honouring --format and --quiet.

    Every command ends in exactly one `emit`, so `-f json` output is always one
    parseable document; the "✓ ..." lines of action commands are `done` calls,
    printed in pretty mode only, since the document carries the same facts.
    """

    def __init__(
        self,
        fmt: str,
        palette: Palette,
        *,
        quiet: bool,
        stdout: TextIO,
        stderr: TextIO,
        err_palette: Palette,
    ) -> None:
        self.format = fmt
        self.palette = Palette(palette.enabled, csi=_CSI)
        self.err_palette = Palette(err_palette.enabled, csi=_CSI)
        self.quiet = quiet
        self.stdout = stdout
        self.stderr = stderr

    @property
    def pretty(self) -> bool:
        return self.format == "pretty"

    def emit(self, document: Any, pretty: Callable[[Palette], str] | None = None) -> None:
        """Print the result: `document` as JSON/YAML, or `pretty(palette)` as text."""
        if self.format == "json":
            self.stdout.write(to_json(document))
        elif self.format == "yaml":
            self.stdout.write(to_yaml(document))
        elif pretty is not None:
            text = pretty(self.palette)
            if text:
                text = _shown(text, visible_lines)
                self.stdout.write(text if text.endswith("\n") else text + "\n")

    def done(self, text: str) -> None:
        """A "✓ text" status line in pretty mode, unless --quiet."""
        if self.pretty and not self.quiet:
            self.stdout.write(_shown(f"{self.palette.ok('✓')} {text}", visible) + "\n")

    def line(self, text: str) -> None:
        """A plain status line on stdout in pretty mode, unless --quiet."""
        if self.pretty and not self.quiet:
            self.stdout.write(_shown(text, visible) + "\n")

    def note(self, text: str) -> None:
        """Advice for the person at the terminal, on stderr, unless --quiet."""
        if not self.quiet:
            self.stderr.write(_shown(f"{self.err_palette.warn('!')} {text}", visible) + "\n")

    def warning(self, text: str) -> None:
        """A warning that --quiet does not hide (security, data loss)."""
        line = f"rex: {self.err_palette.warn('warning')}: {text}"
        self.stderr.write(_shown(line, visible) + "\n")

    def names(self, names: list[str]) -> None:
        """Bare names, one a line, whatever the format (-q listings, for xargs and loops)."""
        if names:
            self.stdout.write("\n".join(map(visible, names)) + "\n")
