"""Where a command's results go: one document as pretty text, JSON or YAML, plus messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from rex_tui.cli.output.color import Palette
from rex_tui.cli.output.serialize import to_json, to_yaml

__all__ = ["FORMATS", "Printer"]

FORMATS = ("pretty", "json", "yaml")


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
        self.palette = palette
        self.err_palette = err_palette
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
                self.stdout.write(text if text.endswith("\n") else text + "\n")

    def done(self, text: str) -> None:
        """A "✓ text" status line in pretty mode, unless --quiet."""
        if self.pretty and not self.quiet:
            self.stdout.write(f"{self.palette.ok('✓')} {text}\n")

    def line(self, text: str) -> None:
        """A plain status line on stdout in pretty mode, unless --quiet."""
        if self.pretty and not self.quiet:
            self.stdout.write(text + "\n")

    def note(self, text: str) -> None:
        """Advice for the person at the terminal, on stderr, unless --quiet."""
        if not self.quiet:
            self.stderr.write(f"{self.err_palette.warn('!')} {text}\n")

    def warning(self, text: str) -> None:
        """A warning that --quiet does not hide (security, data loss)."""
        self.stderr.write(f"rex: {self.err_palette.warn('warning')}: {text}\n")

    def names(self, names: list[str]) -> None:
        """Bare names, one a line, whatever the format (-q listings, for xargs and loops)."""
        if names:
            self.stdout.write("\n".join(names) + "\n")
