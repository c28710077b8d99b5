"""The : command line: parsing, errors that say what would work, Tab completion."""

from __future__ import annotations

import pytest

from rex_tui.tui.commands import COMMANDS, CommandError, complete, parse


def choices(kind: str) -> list[str]:
    return {"registry": ["local", "prod"], "theme": ["dark", "light"]}.get(kind, [])


def test_parse() -> None:
    command, arg = parse(":registry prod")
    assert command.name == "registry" and arg == "prod"
    assert parse("quit") == (COMMANDS["quit"], None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "type a command"),
        (":regsitry x", "did you mean :registry"),
        (":quit now", "takes no argument"),
        (":theme", "needs one theme"),
        (":nope", "unknown command :nope"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        parse(text)


def test_complete_commands_then_arguments() -> None:
    assert complete("re", choices) == ["registry", "remove-registry", "refresh"]
    assert complete("", choices) == list(COMMANDS)
    assert complete("registry ", choices) == ["registry local", "registry prod"]
    assert complete("theme l", choices) == ["theme light"]
    assert complete("quit x", choices) == []
