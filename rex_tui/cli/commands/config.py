"""`rex config`, `config get KEY`, `config set KEY VALUE` and `config edit`."""

from __future__ import annotations

import argparse
import shlex
from contextlib import suppress
from pathlib import Path
from typing import Any

from engine import ConfigurationError, ValidationError
from engine import config_key as lookup
from engine import get_setting as get_value
from engine import load_config as load
from engine import set_setting as set_value
from rex_tui.cli.context import Context
from rex_tui.cli.output.color import Palette
from rex_tui.cli.parser import COMMANDS, RexParser, add_command

__all__ = ["register"]

_SECTION_TITLES = {
    "output": "Output",
    "network": "Network",
    "cache": "Cache",
    "tui": "TUI",
    "registries": "Registries",
}
_FALLBACK_EDITORS = ("vim", "nano", "vi")
_NEW_FILE = (
    "# rex configuration (TOML). 'rex config' lists every key with its current value;\n"
    "# 'rex config set KEY VALUE' changes one without opening an editor.\n"
)


def register(subparsers: argparse._SubParsersAction[RexParser]) -> None:
    parser = add_command(subparsers, "config", help=COMMANDS["config"])
    parser.set_defaults(handler=show)
    actions = parser.add_subparsers(dest="config_action", metavar="ACTION", parser_class=RexParser)
    get = add_command(actions, "get", help="print one value")
    get.add_argument("key", metavar="KEY", help="dotted key, e.g. output.format")
    get.set_defaults(handler=get_one)
    put = add_command(actions, "set", help="change one value in the config file")
    put.add_argument("key", metavar="KEY", help="dotted key, e.g. network.timeout")
    put.add_argument("value", metavar="VALUE", help="new value (empty unsets an optional key)")
    # Not loaded first: `set` creates a missing --config file (the hint for a missing
    # file says so), and a broken file is reported by set_value itself, with its line.
    put.set_defaults(handler=set_one, loads_config=False)
    edit = add_command(actions, "edit", help="open the config file in $EDITOR and check it")
    edit.set_defaults(handler=edit_file, loads_config=False)


def shown_value(value: object) -> str:
    """A value as the config file would spell it, for pretty output."""
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _origin_note(origin: str) -> str:
    if origin == "default":
        return "(default)"
    if origin == "file":
        return "(config file)"
    if origin.startswith("env:"):
        return f"(from {origin[4:]})"
    return "(from flag)"


def _document(ctx: Context) -> dict[str, Any]:
    """The settings as nested tables, as the TOML file lays them out, plus origins."""
    doc: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name, value, origin in ctx.loaded.items():
        node = doc
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
        origins[name] = origin
    doc.setdefault("registries", {})["list"] = [
        {
            "name": r.name,
            "url": r.url,
            "insecure": r.insecure,
            "skip_verify": r.skip_verify,
            "ca_file": r.ca_file,
            "repositories": list(r.repositories),
        }
        for r in ctx.config.registries
    ]
    doc["origins"] = origins
    doc["config_file"] = str(ctx.loaded.path)
    return doc


def show(ctx: Context, args: argparse.Namespace) -> int:
    items = ctx.loaded.items()

    def pretty(palette: Palette) -> str:
        lines: list[str] = []
        section = ""
        for name, value, origin in items:
            head, _, rest = name.partition(".")
            if head != section:
                if lines:
                    lines.append("")
                lines.append(palette.header(_SECTION_TITLES.get(head, head.title()) + ":"))
                section = head
            note = palette.muted(_origin_note(origin))
            lines.append(f"  {rest} = {shown_value(value)} {note}")
        for registry in ctx.config.registries:
            flags = " (insecure)" if registry.insecure else ""
            lines.append(f"  list: {registry.name} = {registry.url}{flags}")
        where = str(ctx.loaded.path)
        if not ctx.loaded.file_exists:
            where += " (not created yet: every value is a default)"
        lines += ["", palette.muted(f"Config file: {where}")]
        return "\n".join(lines)

    ctx.printer.emit(_document(ctx), pretty)
    return 0


def get_one(ctx: Context, args: argparse.Namespace) -> int:
    value = get_value(ctx.loaded, args.key)
    key = lookup(args.key).name
    document = {"key": key, "value": value, "origin": ctx.loaded.origin(key)}
    ctx.printer.emit(document, lambda _: "" if value is None else shown_value(value))
    return 0


def set_one(ctx: Context, args: argparse.Namespace) -> int:
    path = ctx.config_path
    value = set_value(path, args.key, args.value)
    key = lookup(args.key).name
    ctx.printer.emit({"key": key, "value": value, "config_file": str(path)})
    ctx.printer.done(f"Set {key} = {shown_value(value)}")
    origin = ctx.loaded.origin(key)
    if origin.startswith("env:"):
        # The file changed, but this shell would keep seeing the environment's value.
        ctx.printer.note(f"{origin[4:]} is set and overrides this value in this environment")
    return 0


def _editor_command(env: dict[str, str]) -> list[str]:
    import shutil

    for var in ("VISUAL", "EDITOR"):
        text = env.get(var, "").strip()
        if text:
            return shlex.split(text)
    for name in _FALLBACK_EDITORS:
        found = shutil.which(name)
        if found:
            return [found]
    raise ConfigurationError(
        "no editor found: $EDITOR is not set and none of vim, nano, vi is installed",
        hint="Set EDITOR, e.g. EDITOR=nano rex config edit.",
    )


def edit_file(ctx: Context, args: argparse.Namespace) -> int:
    from engine import read_config_bytes

    path = ctx.config_path
    with suppress(FileNotFoundError):
        read_config_bytes(path)  # a FIFO, a device or a huge file is refused, not edited
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_NEW_FILE, encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(
                f"cannot create {path}: {exc.strerror or exc}",
                hint="Check the permissions of its directory.",
            ) from None
    import subprocess

    command = [*_editor_command(dict(ctx.env)), str(path)]
    try:
        finished = subprocess.run(command, check=False)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot run the editor {command[0]!r}: {exc.strerror or exc}",
            hint="Set EDITOR to an installed editor.",
        ) from None
    if finished.returncode != 0:
        ctx.printer.note(f"the editor exited with status {finished.returncode}")
    _validate(path)
    ctx.printer.emit({"config_file": str(path), "valid": True})
    ctx.printer.done(f"Configuration is valid ({path})")
    return 0


def _validate(path: Path) -> None:
    try:
        load(path, env={})
    except (ConfigurationError, ValidationError) as exc:
        raise ConfigurationError(
            exc.message,
            hint="Your edit was saved as written, and rex refuses to run with it: "
            "run 'rex config edit' again to fix that line.",
        ) from None
