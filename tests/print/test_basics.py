"""Commands that need no registry: version, config, usage errors, formats, colour."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from engine import __version__
from tests.print import shapes
from tests.print.harness import Rex, assert_shape, parse

FORMATS = ["json", "yaml"]


def test_version_pretty(rex: Rex) -> None:
    result = rex("-f", "pretty", "version")
    assert (result.returncode, result.stdout) == (0, f"rex {__version__}\n")


def test_version_verbose_pretty(rex: Rex) -> None:
    result = rex("-f", "pretty", "version", "--verbose")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"rex {__version__}"
    assert {line.split(":")[0] for line in lines[1:]} >= {"commit", "built", "python"}
    assert "rustc" not in result.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_version_document(rex: Rex, fmt: str) -> None:
    document = parse(rex("version", "-f", fmt), fmt)
    assert_shape(document, shapes.VERSION)
    assert document["version"] == __version__
    assert "rustc" not in document
    # The suite runs from a checkout, so git knows the commit.
    assert len(document["commit"]) == 40 and document["commit"].startswith(document["commit_short"])


def test_dash_capital_v(rex: Rex) -> None:
    result = rex("-V")
    assert (result.returncode, result.stdout.strip()) == (0, f"rex {__version__}")


def test_help_and_bare_command(rex: Rex) -> None:
    helped = rex("--help")
    assert helped.returncode == 0 and "image" in helped.stdout and "registry" in helped.stdout
    bare = rex()
    assert bare.returncode == 2 and "usage: rex" in bare.stderr
    group = rex("registry")
    assert group.returncode == 2 and "init" in group.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["imgae"], "imgae"),
        (["-f", "xml", "version"], "-f/--format"),
        (["image", "x", "--sort", "age"], "--sort"),
        (["image", "--limit", "0"], "--limit"),
        (["image", "--bogus"], "--bogus"),
        (["--timeout", "-5", "config"], "--timeout"),
        (["image", "a:1", "--filter", "x"], "--filter"),
        (["image", "a", "--raw-manifest"], "--raw-manifest"),
        (["image", "inspect"], "image inspect"),
        (["config", "get", "output.fromat"], "output.fromat"),
        (["config", "set", "network.timeout", "soon"], "network.timeout"),
    ],
)
def test_usage_errors_exit_2_naming_the_argument(rex: Rex, args: list[str], named: str) -> None:
    result = rex(*args)
    assert result.returncode == 2, str(result)
    first, *rest = result.stderr.splitlines()
    assert first.startswith("rex: error: ") and named in first
    assert rest and rest[0].startswith("  hint: ")
    assert result.stdout == ""


def test_bad_environment_value_is_a_usage_error(rex: Rex) -> None:
    result = rex("config", env={"REX_OUTPUT_FORMAT": "xml"})
    assert result.returncode == 2 and "REX_OUTPUT_FORMAT" in result.stderr


def test_config_pretty_lists_sections_with_origins(rex: Rex) -> None:
    rex.config.write_text("[network]\ntimeout = 45\n")
    result = rex("-f", "pretty", "config", env={"REX_OUTPUT_FORMAT": "pretty"})
    assert result.returncode == 0
    out = result.stdout
    for title in ("Output:", "Network:", "Cache:", "TUI:"):
        assert title in out
    assert "  timeout = 45 (config file)" in out
    assert "  retry_attempts = 3 (default)" in out
    assert "  format = pretty (from flag)" in out
    assert "  behavior.consistency = weak (default)" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_config_document(rex: Rex, fmt: str) -> None:
    rex.config.write_text('[output]\ncolor = "never"\n')
    document = parse(rex("config", "-f", fmt, env={"REX_TIMEOUT": "12"}), fmt)
    assert document["output"]["color"] == "never"
    assert document["network"]["timeout"] == 12
    assert document["cache"]["ttl"]["catalog"] == 300
    assert document["origins"]["output.color"] == "file"
    assert document["origins"]["network.timeout"] == "env:REX_TIMEOUT"
    assert document["origins"]["cache.enabled"] == "default"
    assert document["registries"]["list"] == []


@pytest.mark.parametrize("fmt", ["pretty", *FORMATS])
def test_config_get(rex: Rex, fmt: str) -> None:
    result = rex("config", "get", "cache.ttl.catalog", "-f", fmt)
    if fmt == "pretty":
        assert result.stdout == "300\n"
    else:
        assert parse(result, fmt) == {"key": "cache.ttl.catalog", "value": 300, "origin": "default"}


def test_config_set_then_get(rex: Rex) -> None:
    result = rex("-f", "pretty", "config", "set", "output.format", "json")
    assert (result.returncode, result.stdout) == (0, "✓ Set output.format = json\n")
    assert 'format = "json"' in rex.config.read_text()
    # Takes effect at once: the next command prints JSON without -f.
    assert rex("config", "get", "output.format").json()["value"] == "json"


@pytest.mark.parametrize("fmt", FORMATS)
def test_config_set_document(rex: Rex, fmt: str) -> None:
    document = parse(rex("config", "set", "network.timeout", "60", "-f", fmt), fmt)
    assert document["key"] == "network.timeout" and document["value"] == 60


def test_config_set_overridden_by_env_says_so(rex: Rex) -> None:
    result = rex("-f", "pretty", "config", "set", "network.timeout", "60", env={"REX_TIMEOUT": "5"})
    assert result.returncode == 0 and "REX_TIMEOUT" in result.stderr


def _editor(tmp_path: Path, script: str) -> str:
    path = tmp_path / "editor.sh"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.mark.parametrize("fmt", ["pretty", *FORMATS])
def test_config_edit_valid(rex: Rex, tmp_path: Path, fmt: str) -> None:
    rex.config.unlink()  # edit creates the file
    editor = _editor(tmp_path, 'printf "[network]\\ntimeout = 61\\n" >> "$1"')
    result = rex("config", "edit", "-f", fmt, env={"EDITOR": editor})
    assert result.returncode == 0, str(result)
    assert "timeout = 61" in rex.config.read_text()
    if fmt == "pretty":
        assert "✓ Configuration is valid" in result.stdout
    else:
        assert parse(result, fmt)["valid"] is True


def test_config_edit_invalid_exits_6_naming_line_and_key(rex: Rex, tmp_path: Path) -> None:
    editor = _editor(tmp_path, 'printf "[network]\\n\\ntimeout = \\"soon\\"\\n" > "$1"')
    result = rex("config", "edit", env={"EDITOR": editor})
    assert result.returncode == 6
    assert f"{rex.config}:3" in result.stderr and "network.timeout" in result.stderr
    # The edit is kept as written, and edit still runs on the broken file to fix it.
    assert 'timeout = "soon"' in rex.config.read_text()
    fixed = rex("config", "edit", env={"EDITOR": _editor(tmp_path, 'printf "" > "$1"')})
    assert fixed.returncode == 0


def test_bad_config_file_exits_6(rex: Rex) -> None:
    rex.config.write_text("[output\nformat = json\n")
    result = rex("config")
    assert result.returncode == 6
    assert result.stderr.startswith(f"rex: error: {rex.config}:1")
    # version still answers with a broken file.
    assert rex("version").returncode == 0


def test_missing_explicit_config_exits_6(rex: Rex) -> None:
    rex.config.unlink()
    assert rex("config").returncode == 6


def test_piped_default_is_yaml_and_terminal_default_is_pretty(rex: Rex) -> None:
    piped = rex("config", "get", "output.format")
    assert piped.yaml() == {"key": "output.format", "value": "pretty", "origin": "default"}
    terminal = rex.in_terminal("config", "get", "output.format")
    assert terminal.stdout.strip() == "pretty"


def test_output_format_from_env(rex: Rex) -> None:
    result = rex("version", env={"REX_OUTPUT_FORMAT": "json"})
    assert json.loads(result.stdout)["version"] == __version__


def test_colour_on_a_terminal_only(rex: Rex) -> None:
    assert "\x1b[" in rex.in_terminal("config").stdout
    assert "\x1b[" not in rex("-f", "pretty", "config").stdout
    assert "\x1b[" in rex("-f", "pretty", "--color", "always", "config").stdout


@pytest.mark.parametrize(
    ("args", "env"),
    [
        ([], {"NO_COLOR": "1"}),
        ([], {"REX_COLOR": "never"}),
        (["--no-color"], {}),
        (["--color", "never"], {}),
    ],
)
def test_colour_switched_off(rex: Rex, args: list[str], env: dict[str, str]) -> None:
    result = rex.in_terminal(*args, "config", env=env)
    assert result.returncode == 0 and "Output:" in result.stdout
    assert "\x1b[" not in result.stdout


def test_global_options_after_the_subcommand(rex: Rex) -> None:
    before = rex("-f", "json", "config", "get", "network.timeout")
    after = rex("config", "get", "network.timeout", "-f", "json", "--timeout", "9")
    assert before.json()["value"] == 30
    assert after.json() == {"key": "network.timeout", "value": 9, "origin": "flag"}
