"""`rex image VERB`: the verb, wherever global options put it, becomes the command `image-VERB`."""

from __future__ import annotations

import pytest

from rex_tui.cli import parser


@pytest.fixture(autouse=True)
def _verb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(parser.IMAGE_VERBS, "pull", "write an image to disk")


@pytest.mark.parametrize(
    ("argv", "routed"),
    [
        (["image", "pull", "a:1"], ["image-pull", "a:1"]),
        (["-r", "image", "image", "pull", "a:1"], ["-r", "image", "image-pull", "a:1"]),
        (["-f", "json", "image", "-q", "pull", "a"], ["-f", "json", "image-pull", "-q", "a"]),
        (["--format=json", "image", "pull"], ["--format=json", "image-pull"]),
        (["image", "--timeout", "3", "pull", "x"], ["image-pull", "--timeout", "3", "x"]),
    ],
)
def test_a_verb_after_image_is_routed(argv: list[str], routed: list[str]) -> None:
    assert parser.route(argv) == routed


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["image"],
        ["image", "alpine", "pull"],  # a repository first: `pull` is not the verb
        ["image", "inspect", "pull"],  # inspect's REF named pull
        ["search", "pull"],
        ["-f", "pull", "image"],  # the format's value, not a command
        ["image", "--", "pull"],
        ["registry", "image", "pull"],
    ],
)
def test_other_lines_are_left_alone(argv: list[str]) -> None:
    assert parser.route(argv) == argv
