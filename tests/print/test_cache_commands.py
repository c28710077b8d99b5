"""`rex registry cache stats|clear|prune` on a cache filled by real commands."""

from __future__ import annotations

import pytest

from tests.print import shapes
from tests.print.harness import Rex, assert_shape, parse
from tests.support.seed import SeededRegistry

FORMATS = ["json", "yaml"]


@pytest.fixture
def warm(rex: Rex, registry: SeededRegistry) -> Rex:
    """A sandbox whose current registry is `local`, with tags/many's tags cached."""
    rex.config.write_text(
        f'[registries]\ncurrent = "local"\n\n[[registries.list]]\nname = "local"\n'
        f'url = "{registry.url}"\n'
    )
    assert rex("-f", "json", "image", "tags/many").returncode == 0
    return rex


def test_stats_pretty(warm: Rex, registry: SeededRegistry) -> None:
    result = warm("-f", "pretty", "registry", "cache", "stats")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"Cache Statistics for 'local' ({registry.url})"
    assert "Overview:" in lines and "By Type:" in lines
    assert any(line.startswith("  Tags:") and "1 entries" in line for line in lines)
    assert lines[-1] == f"Cache Location: {warm.cache}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_stats_document(warm: Rex, registry: SeededRegistry, fmt: str) -> None:
    document = parse(warm("-f", fmt, "registry", "cache", "stats", "local"), fmt)
    assert_shape(document, shapes.CACHE_STATS)
    assert list(document)[:2] == ["registry", "url"]
    assert (document["registry"], document["url"]) == ("local", registry.url)
    assert document["by_type"]["tags"]["entries"] == 1
    # 30 tags share 10 digests: the tag->digest manifests plus 10 configs.
    assert document["by_type"]["configs"]["entries"] == 10
    assert document["disk_entries"] == document["total_entries"] > 10


def test_prune_dry_run_then_prune(warm: Rex) -> None:
    dry = warm("-f", "pretty", "registry", "cache", "prune", "--dry-run")
    assert dry.returncode == 0 and dry.stdout.splitlines()[1].startswith("Would remove 0 ")
    # Entries keep the TTL they were written with: refill with TTLs of zero, so every
    # entry is expired at once without waiting.
    warm.config.write_text(
        warm.config.read_text() + "\n[cache.ttl]\ncatalog = 0\ntags = 0\nmanifest = 0\n"
    )
    assert warm("-f", "json", "image", "oci/single").returncode == 0
    stats = warm("-f", "json", "registry", "cache", "stats").json()
    planned = warm("-f", "json", "registry", "cache", "prune", "--dry-run").json()
    assert planned["dry_run"] is True and 0 < planned["entries"] < stats["disk_entries"]
    assert planned["expired"] == planned["entries"]
    assert (
        warm("-f", "json", "registry", "cache", "stats").json()["disk_entries"]
        == (stats["disk_entries"])
    )
    pruned = warm("-f", "pretty", "registry", "cache", "prune")
    assert f"✓ Removed {planned['entries']} entries" in pruned.stdout
    left = stats["disk_entries"] - planned["entries"]
    assert f"Remaining: {left} entries" in pruned.stdout
    assert warm("-f", "json", "registry", "cache", "stats").json()["disk_entries"] == left


@pytest.mark.parametrize("fmt", FORMATS)
def test_prune_document(warm: Rex, fmt: str) -> None:
    document = parse(warm("-f", fmt, "registry", "cache", "prune", "--all"), fmt)
    assert document["registry"] is None and document["dry_run"] is False
    assert_shape(document, {"entries": int, "size": int, "remaining_entries": int})


def test_clear_by_type_then_all(warm: Rex) -> None:
    cleared = warm("-f", "pretty", "registry", "cache", "clear", "--type", "config", "--force")
    assert cleared.stdout.splitlines() == [
        "✓ Cleared 10 entries (" + cleared.stdout.split("(")[1].split(")")[0] + ")",
        "✓ Cache cleared successfully",
    ]
    stats = warm("-f", "json", "registry", "cache", "stats").json()
    assert stats["by_type"]["configs"]["entries"] == 0 and stats["by_type"]["tags"]["entries"]
    everything = warm("registry", "cache", "clear", "--all", "-f", "--format", "json").json()
    assert everything["all"] is True and everything["entries"] > 0
    assert warm("-f", "json", "registry", "cache", "stats").json()["total_entries"] == 0


def test_clear_without_terminal_or_force_exits_2(warm: Rex) -> None:
    result = warm("registry", "cache", "clear")
    assert result.returncode == 2 and "--force" in result.stderr


def test_clear_on_a_broken_cache_dir_exits_7(warm: Rex) -> None:
    # The writers' lock file replaced by a directory: nothing can lock the cache, even
    # as root, and a clear that cannot run must say so rather than half-clear.
    lock = warm.cache / ".lock"
    lock.unlink(missing_ok=True)
    lock.mkdir()
    result = warm("registry", "cache", "clear", "--force")
    assert result.returncode == 7, str(result)
    assert result.stderr.startswith("rex: error: cannot clear the cache")


def test_reading_commands_survive_a_broken_cache_dir(warm: Rex) -> None:
    """Non-critical cache failures are warnings: the answer still comes from the registry."""
    lock = warm.cache / ".lock"
    lock.unlink(missing_ok=True)
    lock.mkdir()
    result = warm("-f", "json", "image", "oci/single:1.0", "--no-cache")
    assert result.returncode == 0
