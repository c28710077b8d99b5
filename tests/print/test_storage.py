"""`rex storage`: the JSON shape, the pretty tables, the budget and bad arguments."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from tests.print.harness import Rex, assert_shape, parse
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry

STORAGE = {
    "registry": str,
    "total_bytes": int,
    "manifest_bytes": int,
    "blobs": int,
    "repositories": [
        {
            "name": str,
            "bytes": int,
            "unique_bytes": int,
            "shared_bytes": int,
            "tags": int,
            "manifests": int,
        }
    ],
    "namespaces": [{"name": str, "bytes": int, "unique_bytes": int, "repositories": int}],
    "largest": [{"reference": str, "platform": (str, type(None)), "bytes": int}],
    "complete": bool,
    "scanned_at": str,
}


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_document_shape(rex: Rex, registry: SeededRegistry, fmt: str) -> None:
    document = parse(rex("-r", registry.url, "-f", fmt, "storage"), fmt)
    assert_shape(document, STORAGE)
    assert list(document) == list(STORAGE)
    assert document["complete"] is True
    names = {r["name"] for r in document["repositories"]}
    assert set(registry.repositories) <= names
    for row in document["repositories"]:
        assert row["shared_bytes"] == row["bytes"] - row["unique_bytes"] >= 0
    sizes = [r["bytes"] for r in document["repositories"]]
    assert sizes == sorted(sizes, reverse=True)
    assert document["total_bytes"] <= sum(sizes)
    assert len(document["largest"]) <= 10


def test_scope_sort_and_top(rex: Rex, registry: SeededRegistry) -> None:
    args = ["-r", registry.url, "-f", "json", "storage", "paged", "--sort", "name", "--top", "3"]
    document = rex(*args).json()
    assert [r["name"] for r in document["repositories"]] == [
        "paged/repo-000",
        "paged/repo-001",
        "paged/repo-002",
    ]
    assert [n["name"] for n in document["namespaces"]] == ["paged"]
    # The twelve repositories hold one image: its blobs once, none unique to any one.
    assert document["total_bytes"] == document["repositories"][0]["bytes"]
    assert document["repositories"][0]["unique_bytes"] == 0
    assert document["namespaces"][0]["unique_bytes"] == document["total_bytes"]


def test_pretty_tables(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-f", "pretty", "storage")
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    assert lines[0].startswith(registry.url.split("://")[1] + ": ")
    assert any(line.split()[:4] == ["REPOSITORY", "SIZE", "UNIQUE", "SHARED"] for line in lines)
    assert any(line.startswith("NAMESPACE") for line in lines)
    assert any(line.startswith("LARGEST IMAGE") for line in lines)


def test_budget_gives_an_incomplete_report(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-f", "json", "storage", "--max-requests", "2")
    assert result.returncode == 0, result
    assert result.json()["complete"] is False
    assert "incomplete" in result.stderr
    whole = rex("-r", registry.url, "-f", "json", "storage").json()
    assert whole["complete"] is True


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--top", "0"], "--top"),
        (["--max-requests", "x"], "--max-requests"),
        (["--sort", "colour"], "--sort"),
        ([""], "empty"),
        (["Team/App:1"], "not a repository or namespace"),
        (["a", "b"], "unrecognized"),
    ],
)
def test_bad_arguments(rex: Rex, registry: SeededRegistry, args: list[str], words: str) -> None:
    result = rex("-r", registry.url, "storage", *args)
    assert result.returncode == 2, result
    assert result.stderr.startswith("rex: error: ") and words in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_scope_is_not_found(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "storage", "no/such")
    assert result.returncode == 5, result
    assert "no/such" in result.stderr and "Traceback" not in result.stderr


def test_ctrl_c_then_run_again_continues(
    rex: Rex, registry: SeededRegistry, fault_proxy: FaultProxy
) -> None:
    # One tag of tags/many hangs; the other repositories finish and are kept as they do.
    fault_proxy.delay(120, path="^/v2/tags/many/manifests/v1\\.0\\.0$", times=None)
    process = subprocess.Popen(
        rex.command(["-r", fault_proxy.url, "--timeout", "300", "-f", "json", "storage"]),
        env=rex.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    others = len(registry.repositories) - 1
    deadline = time.monotonic() + 60
    while len(list(rex.cache.glob("storage/*/*/repository.json"))) < others:
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130 and "Traceback" not in stderr
    fault_proxy.clear_faults()
    fault_proxy.clear_requests()
    document = rex("-r", fault_proxy.url, "-f", "json", "storage").json()
    assert document["complete"] is True
    # Only the unfinished repository's manifests are read (its tag list is still cached);
    # blobs are the configs naming the largest images' platforms.
    asked = {r.path for r in fault_proxy.requests if "/manifests/" in r.path or "/tags/" in r.path}
    assert asked and all(path.startswith("/v2/tags/many/") for path in asked), asked


def test_scans_are_a_cache_type_of_their_own(rex: Rex, registry: SeededRegistry) -> None:
    assert rex("-r", registry.url, "-f", "json", "storage").returncode == 0
    stats = rex("-r", registry.url, "-f", "json", "registry", "cache", "stats").json()
    # one scan per repository, plus the registry's totals
    assert stats["by_type"]["storage"]["entries"] == len(registry.repositories) + 1
    args = ["-r", registry.url, "-f", "json", "registry", "cache", "clear", "--type", "storage"]
    cleared = rex(*args, "--force").json()
    assert cleared["type"] == "storage" and cleared["entries"] == len(registry.repositories) + 1
    stats = rex("-r", registry.url, "-f", "json", "registry", "cache", "stats").json()
    assert stats["by_type"]["storage"]["entries"] == 0 and stats["by_type"]["manifests"]["entries"]
