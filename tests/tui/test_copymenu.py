"""What y, Y and the copy menu copy, and the menu dialog drawn on a canvas."""

from __future__ import annotations

import base64

from rex_tui.tui.copymenu import CopyTarget, choices, osc52, pinned_reference, pull_command
from rex_tui.tui.dialogs import MenuDialog

DIGEST = "sha256:" + "ab" * 32
TARGET = CopyTarget("registry.example.com", "team/app", "1.4", DIGEST)


def test_y_copies_a_docker_pull_and_Y_the_pinned_reference() -> None:
    assert pull_command(TARGET) == "docker pull registry.example.com/team/app:1.4"
    assert pinned_reference(TARGET) == f"registry.example.com/team/app@{DIGEST}"
    untagged = CopyTarget("h:5000", "app")
    assert pull_command(untagged) == "docker pull h:5000/app"
    assert pinned_reference(untagged) is None


def test_the_menu_offers_each_tool_and_plain_http_flags() -> None:
    menu = dict(choices(TARGET))
    assert menu["podman"] == "podman pull registry.example.com/team/app:1.4"
    assert menu["crane"] == "crane pull registry.example.com/team/app:1.4 app-1.4.tar"
    assert menu["skopeo"] == "skopeo copy docker://registry.example.com/team/app:1.4 oci:app-1.4"
    assert menu["docker, pinned"] == f"docker pull registry.example.com/team/app@{DIGEST}"
    local = dict(choices(CopyTarget("127.0.0.1:5000", "app", "v1", plain_http=True)))
    assert local["podman"] == "podman pull --tls-verify=false 127.0.0.1:5000/app:v1"
    assert local["crane"].startswith("crane pull --insecure ")
    assert local["skopeo"].startswith("skopeo copy --src-tls-verify=false docker://")
    assert "pinned reference" not in local  # no digest known: no pinned forms


def test_a_hostile_tag_is_quoted_so_a_paste_runs_only_the_tool() -> None:
    evil = CopyTarget("h", "app", "x; rm -rf ~")
    assert pull_command(evil) == "docker pull 'h/app:x; rm -rf ~'"


def test_osc52_carries_the_text_in_base64() -> None:
    sequence = osc52("docker pull h/app:\x1b[2J")
    assert sequence.startswith("\x1b]52;c;") and sequence.endswith("\x07")
    assert base64.b64decode(sequence[7:-1]) == b"docker pull h/app:\x1b[2J"
    assert "\x1b[2J" not in sequence


def test_menu_dialog_selects_by_arrow_or_digit() -> None:
    picked: list[int] = []
    menu = choices(TARGET)
    dialog = MenuDialog("Copy", "registry.example.com/team/app:1.4", menu, picked.append)
    text = [line.decode() for line in dialog.render((100,)).text]
    assert any("1 docker" in line and "docker pull registry.example.com" in line for line in text)
    assert any("3 crane" in line for line in text)
    dialog.type_key((100,), "down")
    dialog.submit()
    assert picked == [1]
    dialog.type_key((100,), "3")  # a digit picks at once
    assert picked == [1, 2]
    dialog.move(-1)
    assert dialog.selected == 1
