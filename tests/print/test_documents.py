"""Every command's `-f json` output parses, and its `-f yaml` output is the same document."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.print.harness import Rex
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry

COMMANDS = [
    ["version"],
    ["version", "--verbose"],
    ["config"],
    ["config", "get", "network.timeout"],
    ["config", "set", "tui.theme", "light"],
    ["image"],
    ["image", "oci/single"],
    ["image", "oci/single:1.0"],
    ["image", "oci/multi:latest", "--platform", "linux/arm64"],
    ["image", "inspect", "oci/multi:latest"],
    ["search", "image", "multi"],
    ["search", "image", "single", "--tag", "latest"],
    ["search", "tags", "latest"],
    ["search", "tags", "v1", "--image", "tags/many", "--limit", "3"],
    ["registry", "list"],
    ["registry", "use", "local"],
    ["registry", "init", "again", "{url}"],
    ["registry", "logout", "local"],
    ["registry", "cache", "stats"],
    ["registry", "cache", "prune", "--dry-run"],
    ["registry", "cache", "clear", "--force"],
    ["registry", "remove", "spare", "--force"],
]


def _configure(rex: Rex, url: str) -> None:
    rex.config.write_text(
        f'[registries]\ncurrent = "local"\n\n[[registries.list]]\nname = "local"\nurl = "{url}"\n'
        f'\n[[registries.list]]\nname = "spare"\nurl = "{url}"\n'
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_json_parses_and_yaml_matches(
    rex: Rex, registry: SeededRegistry, command: list[str]
) -> None:
    args = [part.format(url=registry.url) for part in command]
    documents = []
    for fmt in ("json", "yaml"):
        _configure(rex, registry.url)
        result = rex("--format", fmt, *args)
        assert result.returncode == 0, str(result)
        load = json.loads if fmt == "json" else yaml.safe_load
        documents.append(load(result.stdout))
    assert isinstance(documents[0], dict)
    # Reads answer the same in both formats; actions change state between the two runs
    # (and `config` reports the --format it was given).
    reads = (["registry", "list"], ["config", "get"])
    if command[0] in ("image", "search") or command[:2] in reads:
        assert _steady(documents[0]) == _steady(documents[1])


_MEASURED = frozenset({"latency_ms", "last_sync_age_seconds", "last_error_at"})
"""What the dashboard measures afresh at each run: equal only by chance."""


def _steady(document: object) -> object:
    if isinstance(document, dict):
        return {k: _steady(v) for k, v in document.items() if k not in _MEASURED}
    if isinstance(document, list):
        return [_steady(v) for v in document]
    return document


def test_registry_failure_exits_1(rex: Rex, fault_proxy: FaultProxy) -> None:
    fault_proxy.status(500, path="/manifests/", times=None)
    result = rex("-r", fault_proxy.url, "--no-cache", "image", "oci/single:1.0")
    assert result.returncode == 1, str(result)
    assert result.stderr.startswith("rex: error: ") and "Traceback" not in result.stderr
