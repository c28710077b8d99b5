"""`rex image cat REF PATH`: one file from inside an image, read from the registry.

The bytes go to stdout as they are when stdout is a pipe or a file. On a terminal,
as `bat` and `git show` decide, text is shown with control characters escaped
(rex_tui.untrusted), and binary content (a NUL in its first 8000 bytes, git's
test) is refused: redirect it to a file instead.
"""

from __future__ import annotations

import argparse
import codecs
import sys
from typing import TYPE_CHECKING, BinaryIO, TextIO

from engine import RexError
from rex_tui.cli.commands.image_files import byte_progress, check_ref
from rex_tui.cli.context import Context
from rex_tui.cli.errors import UsageError
from rex_tui.cli.parser import IMAGE_VERBS, RexParser, add_command
from rex_tui.untrusted import visible_lines

if TYPE_CHECKING:
    from engine import FileEntry, Rex

__all__ = ["register"]

_SNIFF = 8000


def register(subparsers: argparse._SubParsersAction[RexParser]) -> None:
    parser = add_command(
        subparsers,
        "image-cat",
        help=IMAGE_VERBS["cat"],
        description="Print one file of an image's filesystem (symbolic links followed). "
        "The layer holding it is streamed only until the file has been read.",
        epilog="On a terminal, text is shown with control characters escaped and binary "
        "files are refused; through a pipe or into a file the bytes are written as they are.",
    )
    parser.add_argument("ref", metavar="REF", help="NAME:TAG or NAME@DIGEST")
    parser.add_argument("path", metavar="PATH", help="the file's path, e.g. /etc/os-release")
    parser.add_argument("--platform", metavar="OS/ARCH", help="platform of a multi-arch image")
    parser.set_defaults(handler=run)


class _TerminalText:
    """A sink that shows text safely on a terminal and refuses binary content."""

    def __init__(self, out: TextIO, path: str) -> None:
        self._out = out
        self._path = path
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._sniffed = b""

    def __call__(self, chunk: bytes) -> None:
        if len(self._sniffed) < _SNIFF:
            self._sniffed += chunk[: _SNIFF - len(self._sniffed)]
            if b"\0" in self._sniffed:
                raise RexError(
                    f"{self._path} is a binary file; not writing it to the terminal",
                    hint="Redirect it to a file or pipe it: rex image cat REF PATH > FILE",
                )
        self._write(self._decoder.decode(chunk))

    def _write(self, text: str) -> None:
        if text:
            # Tabs are harmless on a terminal: only the rest is escaped.
            self._out.write("\t".join(visible_lines(part) for part in text.split("\t")))
            self._out.flush()

    def close(self) -> None:
        self._write(self._decoder.decode(b"", final=True))


class _RawSink:
    def __init__(self, out: BinaryIO) -> None:
        self._out = out

    def __call__(self, chunk: bytes) -> None:
        self._out.write(chunk)


def run(ctx: Context, args: argparse.Namespace) -> int:
    ref = check_ref(args.ref, "cat")
    if not args.path.strip():
        raise UsageError("image cat: the path is empty", hint="For example: /etc/os-release")
    terminal = _isatty(sys.stdout)
    text_sink = _TerminalText(sys.stdout, args.path) if terminal else None
    sys.stdout.flush()
    sink = text_sink if text_sink is not None else _RawSink(sys.stdout.buffer)

    async def fetch(rex: Rex) -> FileEntry:
        with byte_progress(ctx, f"Reading the layers of {ref}") as progress:
            files = await rex.image_files(ref, platform=args.platform, progress=progress)
        return await rex.read_file(ref, args.path, sink, files=files)

    ctx.run(fetch)
    if text_sink is not None:
        text_sink.close()
    sys.stdout.flush()
    return 0


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
